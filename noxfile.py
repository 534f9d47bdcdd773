"""Developer sessions: tests, lint, demo, bench. `bash scripts/bootstrap.sh` installs the system
packages they need first."""

from __future__ import annotations

import nox

nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests"]

CPP_DIRS = ["cpp"]


def _cpp_files() -> list[str]:
    from pathlib import Path

    return sorted(
        str(p) for d in CPP_DIRS for p in Path(d).rglob("*") if p.suffix in {".cpp", ".hpp"}
    )


@nox.session
def tests(session: nox.Session) -> None:
    """C++ unit tests (ctest, no interpreter), then the pytest suite against real servers."""
    session.install("cmake>=3.20", "ninja")
    session.run(
        "cmake",
        "-S",
        ".",
        "-B",
        "build/cpp-tests",
        "-G",
        "Ninja",
        "-DSURGE_BUILD_TESTS=ON",
        "-DCMAKE_BUILD_TYPE=Release",
        "--log-level=WARNING",
    )
    session.run("cmake", "--build", "build/cpp-tests", "-j", "2")
    session.run("ctest", "--test-dir", "build/cpp-tests", "--output-on-failure")
    session.install(".[test]")
    # Performance suites (tests/perf) run at a quarter of their length here; --surge-scale 1
    # after `--` runs them in full.
    session.run("pytest", "--surge-scale=0.25", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff (check and format), clang-format, and clang-tidy over the engine and its C++ tests
    (.clang-tidy turns every warning into an error). The pybind11 layer is left to the
    compiler: it is built by scikit-build only, so it has no compile_commands entry here."""
    session.install("ruff", "cmake>=3.20", "ninja")
    session.run("ruff", "check", "python", "tests", "scenarios", "benchmarks", "noxfile.py")
    session.run(
        "ruff", "format", "--check", "python", "tests", "scenarios", "benchmarks", "noxfile.py"
    )
    session.run("clang-format", "--dry-run", "--Werror", *_cpp_files(), external=True)
    session.run(
        "cmake",
        "-S",
        ".",
        "-B",
        "build/tidy",
        "-G",
        "Ninja",
        "-DSURGE_BUILD_TESTS=ON",
        "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON",
        "--log-level=WARNING",
    )
    session.run("run-clang-tidy", "-p", "build/tidy", "-quiet", "-j", "2", external=True)


@nox.session
def demo(session: nox.Session) -> None:
    """Starts the embedded target and runs a short mixed scenario against it."""
    session.install(".")
    session.run("surge", "demo", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """surge vs wrk (HTTP, nginx), redis-benchmark (Redis) and pgbench, then the schedule's strict
    accuracy targets; server and generator pinned to different cores, alternating rounds;
    writes JSON to benchmarks/results/."""
    session.install(".")
    session.run("python", "benchmarks/http_vs_wrk.py", *session.posargs)
    session.run("python", "benchmarks/redis_vs_redis_benchmark.py")
    session.run("python", "benchmarks/pg_vs_pgbench.py")
    session.run("python", "benchmarks/schedule_accuracy.py")
