#!/usr/bin/env bash
# Installs every package tansa needs to build, test, fuzz and benchmark, from Debian's registry only.
# Idempotent: a machine that already has them spends a few seconds in dpkg-query.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  # clang 19: libFuzzer, and a C++23 library that has std::expected (clang 14 lacks it).
  clang-19 libclang-rt-19-dev
  libsimdjson-dev libyaml-cpp-dev libvectorscan-dev libre2-dev
  libfmt-dev libcli11-dev libsqlite3-dev sqlite3 zlib1g-dev libzstd-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # GeoIP: MaxMind databases given with --geoip, and Debian's legacy country database by default.
  libmaxminddb-dev libgeoip-dev geoip-database
  # Archives read in place (zip, 7z, tar): collections arrive as them.
  libarchive-dev
  # Baselines for bench/: the other EVTX readers tansa is measured against.
  libevtx-utils python3-evtx python3 bc time
  # The HTML report test opens reports in headless Chromium.
  chromium
  # Scale-out (docs/scale.md): NATS JetStream and PostgreSQL, the client libraries and the servers
  # the tests start.
  nats-server libnats-dev libpqxx-dev postgresql
  # watch's webhook forwarding: HTTP(S) POSTs of detections.
  libcurl4-openssl-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "install-deps: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
