"""The one exception type for bad configuration: its message names the field and the fix."""


class ConfigError(ValueError):
    """Raised before a run starts when its configuration cannot work."""
