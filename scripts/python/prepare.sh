#!/usr/bin/env bash
# Prepares the Python toolchain that tests and benchmarks compare SmolCode against (torch,
# transformers, PEFT, TRL, accelerate, gguf-py): a virtual environment built from the pinned
# scripts/python/requirements.txt. Python is never a runtime dependency of the extension.
#
# Idempotent and cached under ${XDG_CACHE_HOME:-$HOME/.cache}/smolcode/python/, one folder per
# Python version and requirements hash. The "prepared" marker is written last, after every
# package imports, so an interrupted install is redone from scratch instead of being taken for a
# finished one. A successful prepare removes environments of older requirements (each is about
# 6 GB, most of it the CUDA libraries the package index's torch depends on).
#
# Usage: prepare.sh           prepare if needed; prints SMOLCODE_PYTHON='<venv python>' on stdout
#        prepare.sh --check   print the same if prepared, else exit 3 without installing
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
requirements="$here/requirements.txt"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/smolcode/python"
python="${SMOLCODE_PYTHON_BASE:-python3}"
rerun="bash scripts/python/prepare.sh"
PREPARE_TAG=prepare-python
PREPARE_RERUN=$rerun
# shellcheck source=scripts/lib/cached-prepare.sh
source "$here/../lib/cached-prepare.sh"
log() { prepare_log "$@"; }
die() { prepare_die "$@"; }

step=""
trap 'rc=$?; if ((rc != 0 && rc != 3)) && [[ -n $step ]]; then log "ERROR: step \"$step\" failed (exit $rc); rerun: $rerun"; fi' EXIT

command -v "$python" >/dev/null || die "$python not found on PATH (set SMOLCODE_PYTHON_BASE to a Python 3.10+ interpreter)"
py_version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' || die "$python is Python $py_version; 3.10 or newer is needed"

hash=$( (
  cat "$requirements"
  echo "$py_version"
) | sha256sum | cut -c1-12)
dir="$cache_root/venv-py$py_version-$hash"

print_env() { printf "SMOLCODE_PYTHON='%s'\n" "$dir/bin/python"; }
prepare_begin "$dir" print_env "$@"

log "preparing $dir (Python $py_version; about 3.1 GB from the package index, a few minutes cold)"
start=$SECONDS
rm -rf "$dir"

step="create the virtual environment"
if ! "$python" -m venv "$dir" >&2; then
  die "\`$python -m venv\` failed; on Debian install python3-venv (apt-get install python3-venv)"
fi

step="pip install -r scripts/python/requirements.txt"
# --only-binary: nothing is compiled on the test machine; every pin has a wheel. --no-cache-dir:
# the venv is the cache; pip's own copy of the wheels would be another 3.1 GB.
"$dir/bin/python" -m pip install --no-input --disable-pip-version-check --progress-bar off \
  --no-cache-dir --only-binary=:all: -r "$requirements" >&2

step="import check"
"$dir/bin/python" -c 'import torch, transformers, peft, trl, accelerate, gguf, safetensors, numpy' >&2

step="record the marker"
prepare_finish "$dir" "python $py_version" "requirements $hash"
step=""

for old in "$cache_root"/venv-*; do
  [[ $old == "$dir" || ! -d $old ]] && continue
  log "removing the environment of older requirements: $old"
  rm -rf "$old"
done
log "prepared in $((SECONDS - start)) s ($(du -sh "$dir" | cut -f1))"
print_env
