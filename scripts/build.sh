#!/usr/bin/env bash
# Installs the dependencies and builds an optimised tansa at build/tansa, with its man page and
# shell completions in build/generated/ (`cmake --install build --prefix P` installs them all;
# docs/install.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DTANSA_SANITIZE=OFF >/dev/null
cmake --build build --target tansa tansa_docs
