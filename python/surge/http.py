"""`surge.http`: HTTP operations and journeys.

The public name of surge.protocols.http, which is where it lives: `surge.http` is that module
itself, so every documented spelling (`from surge import http`, `surge.http.X`) keeps working."""

import sys

from surge.protocols import http as _implementation

sys.modules[__name__] = _implementation
