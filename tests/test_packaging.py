"""How surge is built on a new machine and in compose.yaml's image: one package list, in
scripts/bootstrap.sh, so the two cannot drift (the image once lacked pkg-config, hiredis and
libpq, and could not build)."""

from __future__ import annotations

import subprocess
from pathlib import Path

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
