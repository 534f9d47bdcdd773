"""What `import surge` and the command line load (issue 18): the live view's rich, the HTML
report's plotly, /metrics' prometheus_client and the notebooks' pandas are imported where they
are used, not by `import surge`, `surge --version` or `surge --help`. Module lists, not timings:
the CPU figures are benchmarks/startup.py's."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("rich", "plotly", "prometheus_client", "pandas", "numpy", "starlette", "uvicorn")

# Runs the code, then prints the top-level packages it loaded.
PROBE = """
import json, sys
{code}
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}} | {{m for m in sys.modules
    if m.startswith("surge.")}})))
"""


def loaded(code: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(code=code)], capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.mark.parametrize(
    "code",
    [
        "import surge",
        "import surge; surge.Scenario; surge.run; surge.http.get",
        "from surge.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass",
        "from surge.cli import main; main(['--version'])",
    ],
    ids=["import", "scenario-api", "help", "version"],
)
def test_heavy_packages_load_only_where_used(code):
    assert not loaded(code) & set(HEAVY)


def test_import_surge_loads_no_submodule_until_asked():
    modules = loaded("import surge")
    assert not {m for m in modules if m.startswith("surge.")}
    assert "surge._core" in loaded("import surge; surge.__version__")


def test_version_answers_before_the_commands_load():
    modules = loaded("from surge.cli import main; main(['--version'])")
    assert "surge.cli.commands" not in modules
    assert "argparse" not in modules


def test_the_live_view_still_loads_rich():
    modules = loaded("from surge.cli.output import live\nwith live(False) as view:\n    pass")
    assert "rich" in modules


def test_lazy_names_are_the_real_ones():
    import surge
    from surge.model.scenario import Scenario
    from surge.results.loading import load

    assert surge.Scenario is Scenario and surge.load is load
    assert "Scenario" in dir(surge)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = surge.nope


def test_no_public_name_is_shadowed_by_a_submodule_of_the_same_name():
    # A lazily loaded name that shares its module's name (surge.scenario, surge.capacity)
    # would read as the module once anything imported that module.
    import importlib
    import pkgutil

    import surge

    for info in pkgutil.iter_modules(surge.__path__):
        if not info.name.startswith("_") and info.name not in ("cli", "pytest_plugin"):
            importlib.import_module(f"surge.{info.name}")
    for name in surge.__all__:
        value = getattr(surge, name)
        if name in surge._SUBMODULES:
            # A public module lives in a room (surge.http is surge.protocols.http): the name and
            # the module the table names are one object.
            assert value is importlib.import_module(f"surge.{surge._SUBMODULES[name]}"), name
        else:
            assert not hasattr(value, "__path__") and type(value).__name__ != "module", name


def test_no_protocol_name_is_shadowed_by_one_of_its_submodules():
    # Importing a package's submodule binds it as an attribute of the package: a submodule
    # named like a public function (surge.redis.command) would replace it.
    import importlib
    import pkgutil
    import types

    from surge.protocols import registry

    for protocol in registry.PROTOCOLS:
        package = importlib.import_module(f"surge.protocols.{protocol.name}")
        before = {k: v for k, v in vars(package).items() if not isinstance(v, types.ModuleType)}
        for info in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{info.name}")
        for name, value in before.items():
            assert getattr(package, name) is value, f"{package.__name__}.{name}"
