#!/usr/bin/env bash
# Builds the offline installer for a center's Raspberry Pis (see systemd/README.md):
#   scripts/build-bundle.sh [--arch aarch64|native] [--python "3.11 3.13"] [--debs "bookworm trixie"]
#                           [--site DIR] [--out DIR] [--pack yes|no]
# --arch aarch64 (default): wheels for Raspberry Pi OS 64-bit; native: for this machine (tests).
# --site DIR: the center's site.toml plus what `xephang credentials --out DIR` made (devices/,
#             mosquitto/); without it the bundle carries config/site.toml and no credentials.
# --debs: the Debian releases whose arm64 packages (mosquitto, chrony, espeak-ng, sox…) to carry;
#         "" for none. Needs apt-get (any Debian machine); run as root it never touches the
#         machine's own apt state: it resolves in a private apt folder.
# The result: OUT/xephang-bundle-VERSION-ARCH/ and a .tar.gz of it; on the Pi: sudo ./install …
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ARCH=aarch64
PYTHONS="3.11 3.13"
DEBS="bookworm trixie"
SITE=""
OUT="$ROOT/dist"
PACK=yes
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
[ -x "$PYTHON" ] || PYTHON=python3

while [ $# -gt 0 ]; do
  case "$1" in
    --arch) ARCH=$2; shift 2 ;;
    --python) PYTHONS=$2; shift 2 ;;
    --debs) DEBS=$2; shift 2 ;;
    --site) SITE=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --pack) PACK=$2; shift 2 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
[ "$ARCH" = native ] && ARCH=$(uname -m)

VERSION=$("$PYTHON" -c 'import tomllib; print(tomllib.load(open("'"$ROOT"'/pyproject.toml","rb"))["project"]["version"])')
NAME="xephang-bundle-$VERSION-$ARCH"
BUNDLE="$OUT/$NAME"
rm -rf "$BUNDLE"
mkdir -p "$BUNDLE/wheels" "$BUNDLE/site"

echo "== the project's wheel"
# Built from a copy: setuptools writes build/ and egg-info into the tree it builds, and a stale
# build/ would carry files since removed.
SOURCE=$(mktemp -d)
trap 'rm -rf "$SOURCE"' EXIT
tar -C "$ROOT" --exclude=./.venv --exclude=./dist --exclude=./build --exclude=./demo-run \
    --exclude='*.egg-info' --exclude=.git --exclude=__pycache__ --exclude=./.mypy_cache \
    --exclude=./.ruff_cache --exclude=./.pytest_cache --exclude=./test-screenshots -cf - . | tar -C "$SOURCE" -xf -
"$PYTHON" -m pip wheel --quiet --no-deps -w "$BUNDLE/wheels" "$SOURCE"
WHEEL=$(ls "$BUNDLE"/wheels/xephang-*.whl)
EXTRAS="broker,kiosk,display"

echo "== dependencies as wheels for $ARCH, Python $PYTHONS"
if [ "$ARCH" = "$(uname -m)" ] && [ "$PYTHONS" = native ]; then
  # This machine's own Python: build any dependency that ships only a source archive.
  "$PYTHON" -m pip wheel --quiet -w "$BUNDLE/wheels" --find-links "$BUNDLE/wheels" "xephang[$EXTRAS] @ file://$WHEEL"
else
  # Raspberry Pi OS Bookworm has glibc 2.36: any manylinux up to 2_36 runs there.
  platforms=(--platform "manylinux2014_$ARCH")
  for minor in 17 26 27 28 31 34 35 36; do platforms+=(--platform "manylinux_2_${minor}_$ARCH"); done
  for version in $PYTHONS; do
    "$PYTHON" -m pip download --quiet --only-binary=:all: --implementation cp --python-version "$version" \
      "${platforms[@]}" --dest "$BUNDLE/wheels" --find-links "$BUNDLE/wheels" "xephang[$EXTRAS] @ file://$WHEEL"
    # The check the Pi will make: everything resolves from wheels/ alone, for this Python.
    "$PYTHON" -m pip install --quiet --dry-run --ignore-installed --no-index --find-links "$BUNDLE/wheels" \
      --only-binary=:all: --implementation cp --python-version "$version" "${platforms[@]}" \
      --target "$BUNDLE/.resolve-check" "xephang[$EXTRAS] @ file://$WHEEL"
  done
  rm -rf "$BUNDLE/.resolve-check"
fi

echo "== the installer, units and system files"
cp -r "$ROOT/systemd" "$BUNDLE/systemd"
cp -r "$ROOT/deploy/files" "$BUNDLE/files"
cp "$ROOT/deploy/install.py" "$BUNDLE/install.py"
cp "$ROOT/README.md" "$BUNDLE/README.md"
printf '#!/bin/sh\n# Offline installer: sudo ./install --role kiosk --id kiosk-1 (or /boot/firmware/xephang.txt)\nexec python3 "$(dirname "$0")/install.py" "$@"\n' > "$BUNDLE/install"
chmod +x "$BUNDLE/install"
if [ -n "$SITE" ]; then
  cp -r "$SITE"/. "$BUNDLE/site/"
else
  cp "$ROOT/config/site.toml" "$BUNDLE/site/site.toml"
fi

for release in $DEBS; do
  echo "== Debian $release packages for arm64"
  bash "$ROOT/scripts/download-debs.sh" "$release" arm64 "$BUNDLE/debs/$release"
done

if [ "$PACK" = yes ]; then
  echo "== packing"
  tar -C "$OUT" -czf "$OUT/$NAME.tar.gz" "$NAME"
  du -sh "$BUNDLE" "$OUT/$NAME.tar.gz"
fi
