"""`python -m surge.cli`: the `surge` command, as the tests run it."""

import sys

from surge.cli import main

sys.exit(main())
