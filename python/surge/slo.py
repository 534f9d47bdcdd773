"""`surge.slo`: the grammar of performance targets, and their verdicts.

The public name of surge.results.slo, which is where it lives: `surge.slo` is that module
itself, so every documented spelling (`from surge import slo`, `surge.slo.X`) keeps working."""

import sys

from surge.results import slo as _implementation

sys.modules[__name__] = _implementation
