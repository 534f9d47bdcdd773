"""`surge.postgres`: PostgreSQL queries and pgbench's workloads.

The public name of surge.protocols.postgres, which is where it lives: `surge.postgres` is that
module itself, so every documented spelling (`from surge import postgres`, `surge.postgres.X`)
keeps working."""

import sys

from surge.protocols import postgres as _implementation

sys.modules[__name__] = _implementation
