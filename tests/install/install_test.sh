#!/usr/bin/env bash
# The installed tansa works wherever it lands.
#
#   install_test.sh prefix SOURCE_DIR BUILD_DIR   cmake --install into a fresh folder; the installed
#                                                 binary, run from another folder, finds its rule
#                                                 pack; man page and completions are there and
#                                                 name the commands; a lone copy of the binary
#                                                 says every place it looked for rules.
#   install_test.sh deb SOURCE_DIR BUILD_DIR      scripts/package.sh --no-build (CPack) on this
#                                                 build, dpkg -x into a fresh folder, tansa demo.
#
# Uses what BUILD_DIR has built (never builds), and only temporary folders, removed at the end.
set -euo pipefail
mode=$1
src=$(cd "$2" && pwd)
build=$(cd "$3" && pwd)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TMPDIR=$tmp TANSA_CACHE=$tmp/cache
unset TANSA_RULES
mkdir -p "$tmp/elsewhere"
cd "$tmp/elsewhere"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
fixture=$src/tests/data/hunt/logs/windows.jsonl
expected="Remote Desktop Logon From a Public Address"

# Runs `tansa demo` with BIN into a new folder and checks it investigated with the rule pack.
demo() {
  local bin=$1 dir=$tmp/demo-$2
  "$bin" demo -o "$dir" >"$tmp/demo.out" 2>&1 || { cat "$tmp/demo.out" >&2; fail "$bin demo failed"; }
  [ -s "$dir/report.html" ] || fail "$bin demo wrote no report.html"
  [ -s "$dir/case.db" ] || fail "$bin demo wrote no case.db"
  echo "ok: $bin demo"
}

case $mode in
  prefix)
    p=$tmp/prefix
    cmake --install "$build" --prefix "$p" >"$tmp/install.log" 2>&1 ||
      { cat "$tmp/install.log" >&2; fail "cmake --install"; }
    [ -x "$p/bin/tansa" ] || fail "no $p/bin/tansa"
    [ -n "$(find "$p/share/tansa/rules" -name '*.yml' -print -quit)" ] || fail "no rule pack"
    [ "$(cd "$src/rules" && find . -type f | sort)" = "$(cd "$p/share/tansa/rules" && find . -type f | sort)" ] ||
      fail "the installed rule pack differs from rules/"
    for f in share/man/man1/tansa.1 share/bash-completion/completions/tansa share/zsh/site-functions/_tansa; do
      [ -s "$p/$f" ] || fail "no $p/$f"
    done
    echo "ok: installed bin/tansa, share/tansa/rules, man page and completions"

    # Found from another working folder, no -r, no TANSA_RULES.
    "$p/bin/tansa" hunt -q "$fixture" >"$tmp/hunt.out" 2>&1 || { cat "$tmp/hunt.out" >&2; fail "installed hunt"; }
    grep -q "$expected" "$tmp/hunt.out" || { cat "$tmp/hunt.out" >&2; fail "installed hunt did not use the pack"; }
    echo "ok: installed tansa hunt finds share/tansa/rules"
    demo "$p/bin/tansa" prefix

    # Through a link on the PATH, as /usr/local/bin/tansa -> /opt/tansa/bin/tansa.
    mkdir -p "$tmp/linkbin"
    ln -s "$p/bin/tansa" "$tmp/linkbin/tansa"
    PATH=$tmp/linkbin:$PATH tansa hunt -q "$fixture" | grep -q "$expected" || fail "tansa through a link"
    echo "ok: a link to the installed binary finds the pack"

    # The man page names every command the help lists; the completions complete them.
    grep -q '^\.TH TANSA 1' "$p/share/man/man1/tansa.1" || fail "man page has no .TH"
    cmds=$("$p/bin/tansa" --help | sed -n '/^Subcommands:/,$s/^  \([a-z][a-z-]*\) .*/\1/p')
    [ -n "$cmds" ] || fail "no subcommands in tansa --help"
    for c in $cmds; do
      grep -q "^\.SS \"tansa $c\"" "$p/share/man/man1/tansa.1" || fail "man page lacks tansa $c"
    done
    if command -v man >/dev/null; then
      MANWIDTH=80 man -l "$p/share/man/man1/tansa.1" 2>"$tmp/man.err" | grep -q "tansa hunt" || fail "man cannot render tansa.1"
      if grep -q 'troff' "$tmp/man.err"; then cat "$tmp/man.err" >&2; fail "troff complains about tansa.1"; fi
    fi
    got=$(bash -c '
      source "$1"
      c() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _tansa; echo "${COMPREPLY[*]}"; }
      c tansa ""; c tansa hunt --min-l; c tansa hunt --min-level hi; c tansa rules ""
      c tansa hunt --from 2; c tansa hunt -r x --thr
    ' _ "$p/share/bash-completion/completions/tansa")
    want=$(printf '%s\n' "$(echo $cmds)" --min-level high check "" --threads)
    [ "$got" = "$want" ] || fail "bash completion: got [$got], want [$want]"
    echo "ok: bash completion completes commands, options and levels"
    grep -q '^#compdef tansa' "$p/share/zsh/site-functions/_tansa" || fail "_tansa has no #compdef"
    for c in $cmds; do
      grep -q "^        '$c:" "$p/share/zsh/site-functions/_tansa" || fail "zsh completion lacks $c"
    done
    if command -v zsh >/dev/null; then
      zsh -n "$p/share/zsh/site-functions/_tansa" || fail "zsh -n _tansa"
    fi
    echo "ok: zsh completion names every command"

    # A lone copy says every place it looked.
    mkdir -p "$tmp/lone/bin"
    cp "$p/bin/tansa" "$tmp/lone/bin/tansa"
    if "$tmp/lone/bin/tansa" hunt -q "$fixture" >"$tmp/lone.out" 2>&1; then
      fail "a binary without a rule pack ran"
    fi
    for d in "$tmp/lone/bin/rules" "$tmp/lone/rules" "$tmp/lone/share/tansa/rules"; do
      grep -qF "$d" "$tmp/lone.out" || { cat "$tmp/lone.out" >&2; fail "the error does not name $d"; }
    done
    echo "ok: without a pack: $(cat "$tmp/lone.out")"
    ;;

  deb)
    command -v dpkg-deb >/dev/null || fail "dpkg-deb is missing (scripts/install-deps.sh)"
    deb=$("$src/scripts/package.sh" --no-build "$build" "$tmp/out")
    version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
    [ "$(basename "$deb")" = "tansa_${version}_$(dpkg --print-architecture).deb" ] || fail "package named $deb"
    [ "$(dpkg-deb -f "$deb" Package)" = tansa ] || fail "package name"
    depends=$(dpkg-deb -f "$deb" Depends)
    for lib in libc6 libstdc++6 libre2 libyaml-cpp libsqlite3 libzstd; do
      [[ $depends == *"$lib"* ]] || fail "Depends lacks $lib: $depends"
    done
    echo "ok: $(basename "$deb"), Depends: $depends"
    dpkg -x "$deb" "$tmp/root"
    for f in usr/bin/tansa usr/share/man/man1/tansa.1 usr/share/bash-completion/completions/tansa \
      usr/share/zsh/site-functions/_tansa; do
      [ -s "$tmp/root/$f" ] || fail "the package lacks /$f"
    done
    [ -n "$(find "$tmp/root/usr/share/tansa/rules" -name '*.yml' -print -quit)" ] || fail "the package has no rule pack"
    demo "$tmp/root/usr/bin/tansa" deb
    "$tmp/root/usr/bin/tansa" hunt -q "$fixture" | grep -q "$expected" || fail "packaged hunt did not use its pack"
    echo "ok: the unpacked package's tansa finds /usr/share/tansa/rules"
    ;;
  *) fail "unknown mode $mode" ;;
esac
