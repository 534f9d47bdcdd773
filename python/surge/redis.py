"""`surge.redis`: Redis and Valkey operations and cache workloads.

The public name of surge.protocols.redis, which is where it lives: `surge.redis` is that module
itself, so every documented spelling (`from surge import redis`, `surge.redis.X`) keeps working."""

import sys

from surge.protocols import redis as _implementation

sys.modules[__name__] = _implementation
