"""`surge.shapes`: named load shapes: baseline, peak, stress and spike.

The public name of surge.running.shapes, which is where it lives: `surge.shapes` is that module
itself, so every documented spelling (`from surge import shapes`, `surge.shapes.X`) keeps
working."""

import sys

from surge.running import shapes as _implementation

sys.modules[__name__] = _implementation
