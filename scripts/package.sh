#!/usr/bin/env bash
# Builds the downloads with the `dist` profile (stripped, thin LTO) and prints
# their sizes:
#   dist/banter-VERSION-windows-x86_64.zip   banter.exe, banter-server.exe,
#                                            README-Windows.txt, notices
#   dist/banter-VERSION-windows-i686.zip     the same, 32-bit (only with --i686)
#   dist/banter-VERSION-linux-x86_64.tar.gz  banter, banter-server, notices
#
#   scripts/package.sh [--i686]
#
# Run by hand (CI does not: the optimised Slint build takes a long time).
# Needs the Rust targets x86_64-pc-windows-gnu (and i686-pc-windows-gnu for
# --i686) and MinGW-w64 (gcc-mingw-w64-x86-64, gcc-mingw-w64-i686), python3.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/banter-target}"
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
export CARGO_TARGET_I686_PC_WINDOWS_GNU_LINKER=i686-w64-mingw32-gcc
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
host=$(rustc -vV | sed -n 's/^host: //p')
packages=("windows-x86_64:x86_64-pc-windows-gnu:.exe" "linux-x86_64:$host:")
if [ "${1:-}" = "--i686" ]; then
  packages+=("windows-i686:i686-pc-windows-gnu:.exe")
fi
mkdir -p dist
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Notices shared by every package: licences, and the crates each build uses.
notices() { # notices TARGET DIR
  mkdir -p "$2/licenses"
  cp packaging/NOTICES.txt "$2/"
  cp packaging/Banter-MIT.txt "$2/licenses/"
  cp ui/fonts/DejaVu-LICENSE.txt "$2/licenses/"
  cargo metadata --format-version 1 --filter-platform "$1" | python3 -c '
import json, os, shutil, sys
meta = json.load(sys.stdin)
out = sys.argv[1]
by_id = {p["id"]: p for p in meta["packages"]}
used = sorted((by_id[n["id"]] for n in meta["resolve"]["nodes"]), key=lambda p: p["name"])
with open(os.path.join(out, "THIRD-PARTY.txt"), "w") as f:
    f.write("Rust crates this build may include, with the licence each declares.\n\n")
    for p in used:
        if p["name"] != "banter":
            f.write("%s %s: %s\n" % (p["name"], p["version"], p.get("license") or "see its source"))
slint = next(p for p in used if p["name"] == "slint")
src = os.path.join(os.path.dirname(slint["manifest_path"]), "LICENSES", "LicenseRef-Slint-Royalty-free-2.0.md")
shutil.copy(src, os.path.join(out, "licenses", "Slint-Royalty-free-2.0.md"))
' "$2"
}

built=()
for entry in "${packages[@]}"; do
  IFS=: read -r name target ext <<<"$entry"
  echo "package.sh: building $name ($target)"
  cargo build --profile dist --target "$target" --bin banter
  # The server without the client's feature: Slint's code stays out of it
  # (with it, banter-server.exe is 6.8 MB instead of about 2).
  cargo build --profile dist --target "$target" --bin banter-server --no-default-features
  stage="$work/banter-$version-$name"
  mkdir -p "$stage"
  for bin in banter banter-server; do
    cp "$CARGO_TARGET_DIR/$target/dist/$bin$ext" "$stage/"
  done
  notices "$target" "$stage"
  case "$name" in
    windows-*)
      # Windows users read CRLF text files.
      sed 's/$/\r/' packaging/README-Windows.txt >"$stage/README-Windows.txt"
      archive="dist/banter-$version-$name.zip"
      rm -f "$archive"
      (cd "$work" && python3 -m zipfile -c "$OLDPWD/$archive" "banter-$version-$name")
      ;;
    *)
      archive="dist/banter-$version-$name.tar.gz"
      tar -C "$work" -czf "$archive" "banter-$version-$name"
      ;;
  esac
  built+=("$stage" "$archive")
done

mb() { awk -v bytes="$(stat -c %s "$1")" 'BEGIN { printf "%6.1f MB", bytes / 1e6 }'; }
echo
echo "package.sh: sizes"
for path in "${built[@]}"; do
  if [ -d "$path" ]; then
    for bin in banter banter.exe banter-server banter-server.exe; do
      if [ -f "$path/$bin" ]; then
        printf '  %-44s %s\n' "$(basename "$path")/$bin" "$(mb "$path/$bin")"
      fi
    done
  else
    printf '  %-44s %s\n' "$path" "$(mb "$path")"
  fi
done
