"""Checks a built surge distribution the way a user meets it: installed into a fresh venv,
outside the source tree, with LD_LIBRARY_PATH empty.

    python scripts/check_wheel.py dist/surge-*.whl --auditwheel-show "$(auditwheel show ...)"
    python scripts/check_wheel.py dist/surge-*.tar.gz --sdist

A wheel must carry a manylinux tag, and every shared library its engine loads must come from
the wheel's own surge.libs/ or be one the manylinux policy lets a wheel expect of the system
(glibc, libstdc++, libgcc_s, zlib). An sdist must hold the sources the build needs and build
from them. Either way `surge --version` and `surge demo` then run from the venv. `nox -s wheel`
and `nox -s sdist` call this; it prints one line per check and exits non-zero on the first
that fails.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import venv
from pathlib import Path

# What the manylinux policy lets a wheel load from the system (auditwheel's whitelist, the
# part a C++ extension meets).
SYSTEM_ALLOWED = (
    "libc.so", "libm.so", "libstdc++.so", "libgcc_s.so", "libz.so", "libpthread.so", "libdl.so",
    "librt.so", "ld-linux", "linux-vdso", "libutil.so", "libresolv.so",
)  # fmt: skip
SDIST_NEEDS = (
    "CMakeLists.txt", "pyproject.toml", "README.md", "cpp/surge/engine/worker.hpp",
    "cpp/bindings/module.cpp", "python/surge/__init__.py", "python/surge/_core.pyi",
)  # fmt: skip


def fail(message: str) -> None:
    print(f"check_wheel: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def ok(message: str) -> None:
    print(f"check_wheel: ok: {message}")


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["LD_LIBRARY_PATH"] = ""
    return env


def install(dist: Path, where: Path) -> Path:
    venv.create(where, with_pip=True)
    python = where / "bin" / "python"
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(dist)],
        capture_output=True, text=True, env=clean_env(), cwd=where, timeout=1800,
    )  # fmt: skip
    if done.returncode != 0:
        fail(f"pip install {dist.name} into a fresh venv:\n{done.stdout}{done.stderr}")
    ok(f"installed {dist.name} into a fresh venv")
    return python


def check_libraries(python: Path, where: Path) -> None:
    """Every library the engine loads, as the dynamic loader resolves it: ldd on _core."""
    core = subprocess.run(
        [str(python), "-c", "import surge._core as c; print(c.__file__)"],
        capture_output=True, text=True, env=clean_env(), cwd=where, check=True,
    ).stdout.strip()  # fmt: skip
    ldd = subprocess.run(
        ["ldd", core], capture_output=True, text=True, env=clean_env(), check=True
    ).stdout
    bundled = Path(core).resolve().parent.parent / "surge.libs"
    from_wheel, from_system = [], []
    for line in ldd.splitlines():
        name = line.split()[0] if line.strip() else ""
        match = re.search(r"=>\s*(\S+)", line)
        path = os.path.normpath(match.group(1) if match else name)
        if "not found" in line:
            fail(f"{name} is not found: {line.strip()}")
        if path.startswith(str(bundled)):
            from_wheel.append(Path(path).name)
        elif any(allowed in Path(path).name for allowed in SYSTEM_ALLOWED):
            from_system.append(Path(path).name)
        else:
            fail(f"{name} comes from the system ({path}), not from the wheel")
    if not any(n.startswith("libhiredis") for n in from_wheel) or not any(
        n.startswith("libpq") for n in from_wheel
    ):
        fail(f"hiredis and libpq should load from {bundled}; ldd says:\n{ldd}")
    ok(f"{len(from_wheel)} libraries load from the wheel's surge.libs/, and only "
       f"{', '.join(sorted(set(from_system)))} from the system")  # fmt: skip


def run_surge(python: Path, where: Path) -> None:
    surge = python.parent / "surge"
    version = subprocess.run(
        [str(surge), "--version"], capture_output=True, text=True, env=clean_env(), cwd=where
    )
    if version.returncode != 0:
        fail(f"surge --version: {version.stderr}")
    demo = subprocess.run(
        [str(surge), "demo", "-d", "1s", "--results-dir", str(where / "results"), "-q"],
        capture_output=True, text=True, env=clean_env(), cwd=where, timeout=300,
    )  # fmt: skip
    if demo.returncode != 0 or "demo" not in demo.stdout:
        fail(f"surge demo exited {demo.returncode}:\n{demo.stdout}{demo.stderr}")
    ok(f"{version.stdout.strip()}: `surge demo` ran from the venv with LD_LIBRARY_PATH empty")


def check_wheel(wheel: Path, shown: str) -> None:
    tag = re.search(r'consistent with\s+the following platform tag:\s+"([^"]+)"', shown)
    if not tag or not tag.group(1).startswith("manylinux_"):
        fail(f"auditwheel show gives no manylinux tag:\n{shown}")
    ok(f"auditwheel: {tag.group(1)}; {wheel.name} is {wheel.stat().st_size / 2**20:.1f} MiB")


def check_sdist(archive: Path) -> None:
    with tarfile.open(archive) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    missing = [n for n in SDIST_NEEDS if n not in names]
    if missing:
        fail(f"{archive.name} lacks {missing}")
    ok(f"{archive.name} ({archive.stat().st_size / 2**10:.0f} KiB, {len(names)} files) holds "
       "the sources the build needs")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dist", type=Path, help="a surge wheel or sdist")
    parser.add_argument("--auditwheel-show", default="", help="what `auditwheel show` printed")
    parser.add_argument("--sdist", action="store_true", help="the file is a source distribution")
    args = parser.parse_args()
    dist = args.dist.resolve()
    if args.sdist:
        check_sdist(dist)
    else:
        check_wheel(dist, args.auditwheel_show)
    with tempfile.TemporaryDirectory(prefix="surge-check-") as tmp:
        where = Path(tmp)
        python = install(dist, where / "venv")
        if not args.sdist:
            check_libraries(python, where)
        run_surge(python, where)


if __name__ == "__main__":
    main()
