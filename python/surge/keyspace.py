"""`surge.keyspace`: key spaces and value sizes of cache workloads.

The public name of surge.protocols.redis.keyspace, which is where it lives: `surge.keyspace` is
that module itself, so every documented spelling (`from surge import keyspace`,
`surge.keyspace.X`) keeps working."""

import sys

from surge.protocols.redis import keyspace as _implementation

sys.modules[__name__] = _implementation
