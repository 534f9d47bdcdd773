"""`surge.think`: think time between a user's requests.

The public name of surge.model.think, which is where it lives: `surge.think` is that module
itself, so every documented spelling (`from surge import think`, `surge.think.X`) keeps working."""

import sys

from surge.model import think as _implementation

sys.modules[__name__] = _implementation
