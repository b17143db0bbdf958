#!/usr/bin/env bash
# Builds the Debian package of tansa with CPack: BUILD_DIR/tansa_VERSION_ARCH.deb, holding
# /usr/bin/tansa, the rule pack in /usr/share/tansa/rules, the man page and the bash and zsh
# completions, its Depends line worked out by dpkg-shlibdeps.
#
#   scripts/package.sh [--no-build] [BUILD_DIR [OUT_DIR]]
#
# BUILD_DIR defaults to build/; a folder that has no build yet is configured as an optimised
# Release build first. An existing one is packaged as it is configured (a sanitizer build makes a
# package that needs libasan: fine for a test, not for shipping). --no-build packages what is
# already built, without running the build (what the install test does). OUT_DIR defaults to
# BUILD_DIR. Prints the package's path.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

build_first=1
if [ "${1:-}" = --no-build ]; then
  build_first=0
  shift
fi
build=${1:-$root/build}
out=${2:-$build}

if ((build_first)); then
  if [ ! -f "$build/CMakeCache.txt" ]; then
    "$root/scripts/install-deps.sh"
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTANSA_SANITIZE=OFF >/dev/null
  fi
  cmake --build "$build" --target tansa tansa_docs
fi
[ -f "$build/CPackConfig.cmake" ] || { echo "package: $build is not a configured tansa build" >&2; exit 2; }
if grep -q '^TANSA_SANITIZE:BOOL=ON' "$build/CMakeCache.txt"; then
  echo "package: $build is a sanitizer build; its package needs libasan (scripts/build.sh makes an optimised one)" >&2
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
# CPack stages the install under OUT_DIR/_CPack_Packages; only the .deb is kept.
cpack --config "$build/CPackConfig.cmake" -B "$out" >"$out/cpack.log" 2>&1 || {
  cat "$out/cpack.log" >&2
  exit 1
}
rm -rf "$out/_CPack_Packages"
deb=$(sed -n 's/^CPack: - package: \(.*\.deb\) generated\.$/\1/p' "$out/cpack.log" | tail -n 1)
[ -f "$deb" ] || { cat "$out/cpack.log" >&2; echo "package: cpack wrote no .deb" >&2; exit 1; }
rm -f "$out/cpack.log"
echo "$deb"
