"""How surge is built on a new machine and in compose.yaml's image: one package list, in
scripts/bootstrap.sh, so the two cannot drift (the image once lacked pkg-config, hiredis and
libpq, and could not build), and what a machine without one of the libraries is told."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_image_installs_through_the_bootstrap_script():
    compose = (ROOT / "compose.yaml").read_text()
    assert "bootstrap.sh --build-only" in compose
    assert "apt-get install" not in compose  # no list of its own to drift


def test_the_build_only_list_holds_what_cmake_looks_for():
    # What CMakeLists.txt asks pkg-config and find_package for, by Debian package.
    script = (ROOT / "scripts" / "bootstrap.sh").read_text()
    build = script.split("build=(", 1)[1].split(")", 1)[0].split()
    cmake = (ROOT / "CMakeLists.txt").read_text()
    for needed, package in (
        ("hiredis", "libhiredis-dev"),
        ("libpq", "libpq-dev"),
        ("Boost", "libboost1.81-dev"),
        ("ZLIB", "zlib1g-dev"),
        ("PkgConfig", "pkg-config"),
    ):
        if needed in cmake:
            assert package in build, (needed, package)
    assert "python3-dev" in build  # pybind11 compiles against Python's headers


def test_the_script_is_valid_bash():
    assert subprocess.run(["bash", "-n", str(ROOT / "scripts" / "bootstrap.sh")]).returncode == 0


def _pkg_config_dir_without(tmp_path: Path, missing: str) -> Path:
    """A pkg-config directory with every .pc file the build asks for except `missing`'s."""
    where = subprocess.run(
        ["pkg-config", "--variable", "pcfiledir", "libpq"], capture_output=True, text=True
    ).stdout.strip()
    only = tmp_path / "pc"
    only.mkdir()
    for name in ("hiredis", "libpq"):
        if name != missing:
            found = (
                subprocess.run(
                    ["pkg-config", "--variable", "pcfiledir", name], capture_output=True, text=True
                ).stdout.strip()
                or where
            )
            (only / f"{name}.pc").write_text((Path(found) / f"{name}.pc").read_text())
    return only


@pytest.mark.parametrize(
    ("missing", "debian", "fedora"),
    [
        ("hiredis", "libhiredis-dev", "hiredis-devel"),
        ("libpq", "libpq-dev", "libpq-devel"),
        ("Boost", "libboost1.81-dev", "boost-devel"),
        ("ZLIB", "zlib1g-dev", "zlib-devel"),
    ],
)
def test_a_missing_library_stops_the_build_with_one_line_naming_its_packages(
    tmp_path, missing, debian, fedora
):
    env = dict(os.environ)
    flags = []
    if missing in ("hiredis", "libpq"):
        env["PKG_CONFIG_LIBDIR"] = str(_pkg_config_dir_without(tmp_path, missing))
    else:
        flags.append(f"-DCMAKE_DISABLE_FIND_PACKAGE_{missing}=ON")
    done = subprocess.run(
        ["cmake", "-S", str(ROOT), "-B", str(tmp_path / "build"), "-DSURGE_BUILD_TESTS=ON",
         "--log-level=WARNING", *flags],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode != 0
    lines = [line for line in (done.stdout + done.stderr).splitlines() if debian in line]
    assert len(lines) == 1, done.stdout + done.stderr
    assert lines[0].startswith("surge: ") and fedora in lines[0]
    assert "bootstrap.sh --build-only" in lines[0]
