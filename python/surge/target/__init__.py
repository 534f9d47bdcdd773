"""The embedded demo target: starting it in-process (client) and its admin endpoint with the
fault knobs (admin)."""
