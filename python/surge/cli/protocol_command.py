"""Runs a protocol's `surge` command. Each protocol's package has a `command` module that only
describes: its flags, the Scenario fields they give (`scenario(args)`), its load when no load
flag is given (`DEFAULT_LOAD`), and optionally writes to make before the run (`preload(args)`).
Everything that runs (the live view, the summary, the files) is the CLI's, here, so a protocol
never imports upwards."""

from __future__ import annotations

import argparse
import importlib
import sys
from types import ModuleType
from typing import Any

from surge.cli.args import load_from_flags, run_settings_from_flags
from surge.cli.output import live, run_and_finish
from surge.errors import ConfigError
from surge.model import load_models
from surge.model.scenario import Scenario
from surge.protocols.protocol import Protocol
from surge.reach import check as check_reach
from surge.running.runner import run


def command_of(protocol: Protocol) -> ModuleType:
    """The protocol's command module: NAME, HELP, COUNTS, DEFAULT_LOAD, add_flags, scenario."""
    return importlib.import_module(protocol.cli)


def run_command(command: ModuleType, args: argparse.Namespace) -> int:
    fields = command.scenario(args)
    model, count = command.DEFAULT_LOAD
    load = load_from_flags(args) or getattr(load_models, model)(count)
    scenario = Scenario(**fields, load=load, **run_settings_from_flags(args))
    writes = command.preload(args) if hasattr(command, "preload") else None
    if writes is not None:
        check_reach(scenario)
        _preload(args, scenario, writes)
    return run_and_finish(args, scenario)


def _preload(args: argparse.Namespace, scenario: Scenario, writes: dict[str, Any]) -> None:
    """Runs the writes before the run (every key SET once), as a closed run of exactly
    `count` requests with the run's connections, TLS and timeouts; a shortfall stops here."""
    count, what = writes["count"], writes["what"]
    preload = Scenario(
        name="preload",
        base_url=scenario.base_url,
        operations=writes["operations"],
        load=load_models.Iterations(
            count, concurrency=getattr(scenario.load, "connections", None) or 50
        ),
        pipeline=writes["pipeline"],
        threads=scenario.threads,
        tls=scenario.tls,
        cluster=scenario.cluster,
        **{k: v for k, v in run_settings_from_flags(args).items() if k.endswith("timeout")},
    )
    with live(args.quiet, preload) as show:  # a bar of what is written out of `count`
        result = run(preload, progress=show)
    errors = result.total["error_count"]
    if errors or result.total["count"] < count:
        raise ConfigError(
            f"preload: {result.total['count']} of {count} {what} written, {errors} errors "
            f"({', '.join(result.total['errors']) or 'interrupted'}); is the server up?"
        )
    print(f"preload: {count} {what} in {result['duration_s']:.2f}s", file=sys.stderr)
