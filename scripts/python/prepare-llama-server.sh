#!/usr/bin/env bash
# Prepares llama-cpp-python's OpenAI-compatible server, the real server the remote-backend tests
# (test/integration/remote, test/e2e/remoteBackend.test.ts) talk to on loopback. The package index
# has only its source, so pip builds llama.cpp here: CPU only, no BLAS, no OpenMP, and
# GGML_NATIVE=OFF so the cached build runs on any x86-64 CPU, not just the one that built it.
#
# Idempotent and cached under ${XDG_CACHE_HOME:-$HOME/.cache}/smolcode/llama-server/, one folder
# per Python version and pinned version. The "prepared" marker is written last, after the server
# module imports, so an interrupted build is redone instead of being taken for a finished one.
#
# Usage: prepare-llama-server.sh           prepare if needed; prints SMOLCODE_LLAMA_SERVER_PYTHON='<venv python>'
#        prepare-llama-server.sh --check   print the same if prepared, else exit 3 without building
set -euo pipefail

# The version the README names as tested; bump it here and the cache folder changes with it.
version=0.3.36
cmake_args="-DGGML_NATIVE=OFF -DGGML_BLAS=OFF -DGGML_OPENMP=OFF -DGGML_CUDA=OFF -DGGML_METAL=OFF -DGGML_VULKAN=OFF -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/smolcode/llama-server"
python="${SMOLCODE_PYTHON_BASE:-python3}"
rerun="bash scripts/python/prepare-llama-server.sh"
PREPARE_TAG=prepare-llama-server
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

hash=$(printf '%s\n' "$version" "$py_version" "$cmake_args" | sha256sum | cut -c1-12)
dir="$cache_root/venv-py$py_version-$version-$hash"

print_env() { printf "SMOLCODE_LLAMA_SERVER_PYTHON='%s'\n" "$dir/bin/python"; }
prepare_begin "$dir" print_env "$@"

# pip builds llama.cpp from source: a fresh Debian machine may lack the compiler or cmake.
prepare_apt_install cmake build-essential
command -v cmake >/dev/null || die "cmake not found (apt-get install cmake); pip builds llama.cpp from source"
command -v c++ >/dev/null || die "a C++ compiler is needed (apt-get install build-essential)"

log "preparing $dir (llama-cpp-python $version; compiles llama.cpp, about 10 min on 2 cores)"
start=$SECONDS
rm -rf "$dir"

step="create the virtual environment"
if ! "$python" -m venv "$dir" >&2; then
  die "\`$python -m venv\` failed; on Debian install python3-venv (apt-get install python3-venv)"
fi

step="pip install llama-cpp-python[server]==$version (builds llama.cpp)"
CMAKE_ARGS="$cmake_args" CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" FORCE_CMAKE=1 \
  "$dir/bin/python" -m pip install --no-input --disable-pip-version-check --progress-bar off \
  --no-cache-dir "llama-cpp-python[server]==$version" >&2

step="import check"
"$dir/bin/python" -c 'import llama_cpp, llama_cpp.server.app' >&2

step="record the marker"
prepare_finish "$dir" "llama-cpp-python $version" "python $py_version" "build $((SECONDS - start)) s"
step=""

for old in "$cache_root"/venv-*; do
  [[ $old == "$dir" || ! -d $old ]] && continue
  log "removing an older build: $old"
  rm -rf "$old"
done
log "prepared in $((SECONDS - start)) s ($(du -sh "$dir" | cut -f1))"
print_env
