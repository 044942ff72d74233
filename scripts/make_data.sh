#!/usr/bin/env bash
# Copies the real data sets into ./data and verifies every file against data/SHA256SUMS.
#
# Source folder: $SHARED_DATA, default ../shared/data (relative to the repository root).
# Usage (from anywhere):  scripts/make_data.sh        or  SHARED_DATA=/path/to/data scripts/make_data.sh
# Exit status: 0 when every listed file verifies, 1 otherwise (missing source, copy or checksum failure).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
src="${SHARED_DATA:-../shared/data}"
dest="data"

if [[ ! -d "$src" ]]; then
    echo "make data: source folder '$src' not found (resolved from $root)." >&2
    echo "  Point SHARED_DATA at a folder holding mnist/, fashion-mnist/, hgd/, orl_faces/ and SHA256SUMS," >&2
    echo "  e.g. 'SHARED_DATA=/path/to/shared/data make data'. See that folder's README for the public origins." >&2
    exit 1
fi
if [[ ! -f "$src/SHA256SUMS" ]]; then
    echo "make data: '$src' has no SHA256SUMS file; cannot verify the data sets." >&2
    exit 1
fi

mkdir -p "$dest"
# Copy the contents (not the folder itself); files are made writable so a later copy can replace them.
cp -R "$src"/. "$dest"/
chmod -R u+w "$dest"

echo "make data: verifying $(grep -c . "$dest/SHA256SUMS") files against $dest/SHA256SUMS"
if ! (cd "$dest" && sha256sum --quiet -c SHA256SUMS); then
    echo "make data: checksum verification FAILED in $dest (see the lines above)." >&2
    exit 1
fi
echo "make data: all files in $dest verified."
