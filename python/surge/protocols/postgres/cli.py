"""`surge pg DSN`: pgbench-style load on PostgreSQL, with latency percentiles.

    surge pg postgresql://app@127.0.0.1/app -c 16 -d 30s \\
        --sql 'SELECT abalance FROM pgbench_accounts WHERE aid = $1' \\
        --param 'uniform(1,1000000)'
    surge pg 'host=127.0.0.1 dbname=bench' --builtin tpcb-like --init --scale 10 -c 16 -P 8
    surge pg "$POSTGRES_DSN" --sql 'INSERT INTO t VALUES ($1)' --param 'seq' --weight 1 \\
        --sql 'SELECT * FROM t WHERE id = $1' --param 'uniform(1,1000)' --weight 9
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any

import surge._core as _core
from surge.errors import ConfigError
from surge.flags import (
    flag_errors,
    weight_arg,
    whole_arg,
)
from surge.protocols import postgres as postgres_ops
from surge.protocols.postgres import pgbench, pgbench_script
from surge.urls import is_postgres_dsn, redact_url

# pgbench's scale: 100,000 rows of pgbench_accounts each; a million is 100 billion rows.
MAX_SCALE = 1_000_000
DSN_FORMS = "postgresql://[user[:password]@]host[:port]/db or 'host=... port=... dbname=...'"


class _Group(argparse.Action):
    """--sql starts a statement group; --param and --weight belong to the --sql before them."""

    def __call__(self, parser, namespace, value, option_string=None):
        groups = getattr(namespace, "groups", None)
        if groups is None:
            groups = []
            namespace.groups = groups
        if self.dest == "sql":
            groups.append({"sql": value, "params": [], "weight": _core.DEFAULT_WEIGHT})
            return
        if not groups:
            parser.error(f"{option_string} belongs to a --sql: give the --sql first")
        if self.dest == "param":
            groups[-1]["params"].append(value)
        elif groups[-1].get("weight_set"):
            parser.error(f"{option_string}: one --weight per --sql")
        else:
            groups[-1]["weight"], groups[-1]["weight_set"] = value, True


NAME = "pg"
HELP = "load a PostgreSQL server (pgbench style, with percentiles)"
COUNTS = "operations"
# The load without -R, -u or -c: pgbench's clients, a few more than its default of 1.
DEFAULT_LOAD = ("Users", 10)


def add_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("dsn", help=DSN_FORMS)
    w = p.add_argument_group("workload (repeat --sql/--param/--weight groups for a mix)")
    w.add_argument("--sql", action=_Group, metavar="'SELECT ... $1'", help="a statement")
    w.add_argument(
        "--param", action=_Group, metavar="GENERATOR", help="the next $n of the last --sql"
    )
    w.add_argument("--weight", action=_Group, type=weight_arg, help="of the last --sql")
    w.add_argument("--builtin", choices=pgbench.BUILTINS, help="pgbench's -S or default script")
    w.add_argument(
        "-f", dest="scripts", action="append", default=[], metavar="FILE[@WEIGHT]",
        help="a pgbench script file (repeat for a weighted mix; see docs/postgres.md)",
    )  # fmt: skip
    w.add_argument(
        "-b",
        dest="builtin_scripts",
        action="append",
        default=[],
        metavar="NAME[@WEIGHT]",
        help=f"a pgbench built-in script: {', '.join(pgbench_script.BUILTIN_SCRIPTS)}",
    )
    w.add_argument(
        "-r", "--report-per-command", dest="per_statement", action="store_true",
        help="time each statement of a -f/-b script apart, as pgbench's -r (a packet each)",
    )  # fmt: skip
    w.add_argument("--init", action="store_true", help="create the pgbench tables first")
    w.add_argument(
        "--scale", type=whole_arg(1, MAX_SCALE), help="pgbench scale for --init (default 1)"
    )
    w.add_argument(
        "--retries",
        type=whole_arg(0, postgres_ops.MAX_RETRIES),
        default=0,
        help="resend after serialization failure or deadlock",
    )


def _param_template(value: str) -> str:
    # `--param 'uniform(1,100)'` is a generator; a value with braces is a template already.
    return value if "{" in value else f"{{{value}}}"


def _tables_scale(args: argparse.Namespace) -> int:
    """--init creates pgbench's tables at --scale (1 by default); without it, their scale is
    read from pgbench_branches, as pgbench reads it."""
    if not args.init:
        return pgbench.detect_scale(args.dsn)
    scale = args.scale or 1
    print(f"init: pgbench tables at scale {scale}", file=sys.stderr)
    pgbench.init_tables(args.dsn, scale)
    return scale


def _scripts(args: argparse.Namespace, groups: list) -> tuple[list, dict]:
    """-f and -b: pgbench's script files and built-in scripts, one operation each."""
    if groups or args.builtin:
        raise ConfigError("give pgbench scripts (-f, -b) or --sql groups or --builtin, not a mix")
    if args.var:
        raise ConfigError("--var names variables of --sql parameters; a script has its \\set")
    for spec in args.builtin_scripts:  # named right before anything connects
        pgbench_script.check_builtin(spec)
    if args.init and not args.builtin_scripts:
        raise ConfigError("--init creates pgbench's tables: use it with -b or --builtin")
    if args.builtin_scripts:
        if args.scale and not args.init:
            raise ConfigError(
                "--scale: with -b the tables' scale is read; --scale goes with --init"
            )
        scale = _tables_scale(args)
    else:
        scale = args.scale or 1  # pgbench's -s: :scale in a custom script, 1 by default
    operations = [pgbench_script.builtin(b, scale) for b in args.builtin_scripts]
    operations += [pgbench_script.script_file(f, scale) for f in args.scripts]
    if args.per_statement:
        operations = [dataclasses.replace(o, statement_latency=True) for o in operations]
    names = [op.name for op in operations]
    twice = next((n for n in names if names.count(n) > 1), None)
    if twice is not None:
        raise ConfigError(f"-f/-b: two scripts make the operation {twice!r}; rename a file")
    return operations, {"scripts": [*args.builtin_scripts, *args.scripts], "scale": scale}


def _operations(args: argparse.Namespace) -> tuple[list, dict]:
    groups = getattr(args, "groups", None) or []
    if args.scripts or args.builtin_scripts:
        return _scripts(args, groups)
    if args.per_statement:
        raise ConfigError("-r times the statements of pgbench scripts: use it with -f or -b")
    if args.builtin and groups:
        raise ConfigError("give either --builtin or --sql groups, not both")
    if args.builtin and args.var:
        raise ConfigError("--var names variables of --sql parameters, not of --builtin scripts")
    if args.scale and not args.init:
        raise ConfigError("--scale applies with --init; without it the tables' scale is read")
    if args.builtin:
        scale = _tables_scale(args)
        return pgbench.operations(args.builtin, scale), {"builtin": args.builtin, "scale": scale}
    if args.init:
        raise ConfigError("--init creates pgbench's tables: use it with --builtin")
    if not groups:
        raise ConfigError(
            "give a statement: --sql 'SELECT ...' [--param GEN], --builtin, or pgbench scripts "
            "(-f FILE, -b NAME)"
        )
    with flag_errors("--sql"):
        operations = [
            postgres_ops.query(
                f"q{i + 1}" if len(groups) > 1 else "query",
                g["sql"],
                params=[_param_template(v) for v in g["params"]],
                weight=g["weight"],
                retries=args.retries,
                variables=dict(args.var),
            )
            for i, g in enumerate(groups)
        ]
    return operations, {"sql": [g["sql"] for g in groups]}


def scenario(args: argparse.Namespace) -> dict[str, Any]:
    """The Scenario's fields that this command's flags give; the CLI adds the load and the
    settings every run command shares, then runs it."""
    if not is_postgres_dsn(args.dsn):
        raise ConfigError(f"bad DSN {redact_url(args.dsn)!r}: expected {DSN_FORMS}")
    operations, described = _operations(args)
    return {
        "name": "pg",
        "base_url": args.dsn,
        "operations": operations,
        "pipeline": args.pipeline,
        "pipeline_sync": args.sync,
        "params": {"dsn": args.dsn, "pipeline": args.pipeline, "sync": args.sync, **described},
    }
