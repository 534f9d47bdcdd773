#!/usr/bin/env bash
# Installs what surge needs on a bare Debian 12 machine: build libraries, the real servers
# the tests and benchmarks start, clang with its sanitizer and libFuzzer runtimes, the
# headless browser (and its driver) the HTML report and the web UI are tested in, and faketime (a Dask worker whose clock is
# set ahead) (apt), and nox (pip). Safe to run again: it installs only
# what is missing. `--build-only` installs just what `pip install .` needs (compose.yaml's image
# uses it, so the image and the machines cannot drift apart).
set -euo pipefail

build=(
  g++ cmake pkg-config python3-dev python3-venv python3-pip zlib1g-dev
  libboost1.81-dev libhiredis-dev libpq-dev liburing-dev libssl-dev libnghttp2-dev libsimdjson-dev
)
packages=("${build[@]}")
if [ "${1:-}" != "--build-only" ]; then
  packages+=(
    doctest-dev
    redis-server postgresql nginx-light wrk nghttp2-client
    clang-format clang-tidy clang-14 libclang-rt-14-dev
    chromium chromium-driver fonts-dejavu-core curl
    faketime
  )
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "bootstrap: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts these services on install; the tests start their own on free ports.
  for service in redis-server nginx postgresql; do
    $sudo service "$service" stop >/dev/null 2>&1 || true
  done
fi

[ "${1:-}" = "--build-only" ] && exit 0
python3 -m nox --version >/dev/null 2>&1 || python3 -m pip install -q "nox>=2024.4"
