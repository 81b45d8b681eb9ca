#!/usr/bin/env bash
# Prepares llama.cpp for tests and benchmarks that compare SmolCode with it: the npm package
# node-llama-cpp with its prebuilt CPU binaries for this platform only (its optional
# dependencies would also bring the CUDA and Vulkan builds), cached under
# ${XDG_CACHE_HOME:-$HOME/.cache}/smolcode/llamacpp/. Not a dependency of the project: nothing
# in the extension or the CLI loads it. The "prepared" marker is written last, after a model-free
# load of the binding works.
#
# Usage: prepare.sh           prepare if needed; prints SMOLCODE_LLAMACPP='<folder with node_modules>'
#        prepare.sh --check   print the same if prepared, else exit 3
set -euo pipefail

VERSION=3.22.1
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) BINARY=@node-llama-cpp/linux-x64 ;;
  Linux-aarch64) BINARY=@node-llama-cpp/linux-arm64 ;;
  *) echo "[prepare-llamacpp] ERROR: no prebuilt node-llama-cpp for $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac
dir="${XDG_CACHE_HOME:-$HOME/.cache}/smolcode/llamacpp/node-llama-cpp-$VERSION"
PREPARE_TAG=prepare-llamacpp
PREPARE_RERUN="bash scripts/llamacpp/prepare.sh"
# shellcheck source=scripts/lib/cached-prepare.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/cached-prepare.sh"
print_env() { printf "SMOLCODE_LLAMACPP='%s'\n" "$dir"; }
prepare_begin "$dir" print_env "$@"

# shellcheck source=scripts/e2e/child-npm.sh
source "$(dirname "${BASH_SOURCE[0]}")/../e2e/child-npm.sh"
prepare_log "installing node-llama-cpp@$VERSION with $BINARY only"
rm -rf "$dir"
mkdir -p "$dir"
printf '{ "name": "smolcode-llamacpp", "private": true, "type": "module" }\n' >"$dir/package.json"
system_node_dir=$(dirname "$(PATH=$(child_npm_path) command -v node)")
(cd "$dir" && child_npm "$system_node_dir" install --no-audit --no-fund --loglevel=error --omit=optional \
  "node-llama-cpp@$VERSION" "$BINARY@$VERSION" </dev/null >&2) || prepare_die "npm install node-llama-cpp@$VERSION failed"
# A script file, not `node -e`: the binding tests itself in a child started with node's own flags.
cat >"$dir/check.mjs" <<'JS'
const { getLlama } = await import('node-llama-cpp');
const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
console.error(`[prepare-llamacpp] llama.cpp ${llama.llamaCppRelease.release} loads (${llama.buildType})`);
await llama.dispose();
JS
(cd "$dir" && node check.mjs) || prepare_die "node-llama-cpp's prebuilt binary does not load"
prepare_finish "$dir" "node-llama-cpp $VERSION"
print_env
