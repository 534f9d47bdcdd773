"""The `surge` command: demo, run, serve, http, redis, pg, report, export, compare and services.

Bad input gets one line that names the flag and what is expected, and exit status 2. A missed
target (--slo, --abort-on) exits 99. Ctrl-C during a run keeps what was measured: the summary
and JSON are still written (exit 130). cli_args.py lists every status.

This module is only the entry point, and imports little: `surge --version` answers before the
commands (surge.cli.commands) and what they use are loaded, and each command loads its heavy
parts (the live view's rich, the report's plotly, /metrics' prometheus_client) only when used.
"""

from __future__ import annotations

import os
import signal
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


def _build_parser() -> argparse.ArgumentParser:
    from surge.cli.commands import build_parser

    return build_parser()


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    if words == ["--version"]:
        from surge._core import __version__

        print(f"surge {__version__}")
        return 0
    from surge.cli.args import EXIT_INTERRUPTED, EXIT_USAGE
    from surge.cli.commands import COMMANDS, RUN_COMMANDS, interrupt
    from surge.errors import ConfigError, RunError
    from surge.model.scale import ENV, scale_from_env

    args = _build_parser().parse_args(words)
    if args.command in RUN_COMMANDS:
        # SIGTERM (a CI job's timeout, `kill`, a container stopping) ends a run as Ctrl-C does:
        # what was measured is printed and written.
        signal.signal(signal.SIGTERM, interrupt)
    try:
        if args.command in RUN_COMMANDS and (factor := scale_from_env()) is not None:
            print(
                f"surge: {ENV}={factor:g}: durations, warm-ups, stage lengths and -n counts "
                f"are scaled by {factor:g}",
                file=sys.stderr,
            )
        return COMMANDS[args.command](args)
    except ConfigError as exc:
        print(f"surge {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except RunError as exc:  # what was measured has been written already
        print(f"surge {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc.__cause__, ConfigError) else 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error of the run.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # an output path that cannot be written: a directory, no permission
        where = f" {exc.filename}" if exc.filename else ""
        print(f"surge {args.command}: error: cannot write{where}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
