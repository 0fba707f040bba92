#!/usr/bin/env bash
# CI for the Windows build (x86_64-pc-windows-gnu), on Linux, under Wine:
#   1. the Rust target, MinGW-w64, Wine, Xvfb and xdotool (installed if missing;
#      a missing Rust target is one clear line and a failure, never a skip);
#   2. clippy for the Windows target, all targets, warnings denied;
#   3. the server's tests (`--no-default-features`: no second Windows Slint
#      build) built as Windows executables and run under Wine;
#   4. a smoke test of banter.exe and banter-server.exe under Wine on Xvfb
#      (scripts/wine_smoke.py): window, login to 127.0.0.1, a message to the
#      room, a clean exit; Ctrl+C and closing the console; a server whose
#      stderr nobody reads; the display's 0 Hz as Wine reports it, and 1 Hz.
# Everything Wine runs is inside a loopback-only network namespace.
#
#   scripts/windows-ci.sh          (CI runs it from .ci/run)
#
# Uses CARGO_TARGET_DIR (default ~/.cache/banter-target) and a Wine prefix
# outside the clone (BANTER_WINEPREFIX, default ~/.cache/banter-wine), made
# with Wine's defaults on the first run. Debian/Ubuntu; run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
target=x86_64-pc-windows-gnu
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/banter-target}"
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
started=$(date +%s)
say() { echo "windows-ci: $*"; }
die() { echo "windows-ci: FAILED: $*" >&2; exit 1; }

# 1. Tools.
if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
  rustup target add "$target" >/dev/null 2>&1 \
    || die "cannot install the Rust target $target (rustup target add $target failed)"
fi
need=()
command -v x86_64-w64-mingw32-gcc >/dev/null || need+=(gcc-mingw-w64-x86-64)
command -v wine >/dev/null || need+=(wine wine64)
command -v Xvfb >/dev/null || need+=(xvfb)
command -v xdotool >/dev/null || need+=(xdotool)
command -v unshare >/dev/null || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
  say "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}"; } >/dev/null \
    || die "cannot install ${need[*]}"
fi
# Loopback only: as root a plain network namespace, otherwise a user one.
if unshare -n true 2>/dev/null; then
  isolate=(unshare -n)
elif unshare -rn true 2>/dev/null; then
  isolate=(unshare -rn)
else
  die "cannot make a loopback-only network namespace (unshare -n)"
fi

# 2. Lints for the Windows target (default features: the client too).
cargo clippy --target "$target" --all-targets -- -D warnings

# 3. Build the server's tests and the client, then put Rust's missing
# bcryptprimitives.dll (Wine 8 lacks it; see scripts/wine/) beside them, and
# build the helper that sends the console-close event.
cargo test --target "$target" --no-default-features --no-run
cargo build --target "$target" --bin banter --bin banter-server
out="$CARGO_TARGET_DIR/$target/debug"
for dir in "$out" "$out/deps"; do
  x86_64-w64-mingw32-gcc -shared -O2 -o "$dir/bcryptprimitives.dll" scripts/wine/bcryptprimitives.c
done
x86_64-w64-mingw32-gcc -O2 -o "$out/ctrlsend.exe" scripts/wine/ctrlsend.c

# 4. Run them under Wine, on a private X display, without a network.
export WINEPREFIX="${BANTER_WINEPREFIX:-$HOME/.cache/banter-wine}"
export WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" BANTER_DISCOVERY=loopback
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=wine CARGO_NET_OFFLINE=true
export BANTER_CI_REPO="$repo" BANTER_CI_OUT="$out" BANTER_CI_TARGET="$target"
"${isolate[@]}" bash -euo pipefail -c '
  ip link set lo up
  cd "$BANTER_CI_REPO"
  display=$((90 + RANDOM % 100))
  Xvfb ":$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
  xvfb=$!
  trap "wineserver -k 2>/dev/null || true; kill $xvfb 2>/dev/null || true" EXIT
  for _ in $(seq 100); do [ -S "/tmp/.X11-unix/X$display" ] && break; sleep 0.1; done
  export DISPLAY=":$display"
  wineboot -i >/dev/null 2>&1 || true   # makes the prefix on the first run
  cargo test --target "$BANTER_CI_TARGET" --no-default-features
  python3 scripts/wine_smoke.py --server "$BANTER_CI_OUT/banter-server.exe" \
    --client "$BANTER_CI_OUT/banter.exe" --ctrlsend "$BANTER_CI_OUT/ctrlsend.exe"
  python3 scripts/wine_smoke.py --server "$BANTER_CI_OUT/banter-server.exe" \
    --client "$BANTER_CI_OUT/banter.exe" --fake-hz 1 --flood 0
'
say "passed in $(($(date +%s) - started)) s"
