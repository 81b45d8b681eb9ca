#!/usr/bin/env bash
# `npm run test:e2e`: SmolCode's end-to-end tests in real VS Code (code-server) driven by headless
# chromium. Prepares (or reuses) code-server, checks the packaged VSIX exists, runs
# test/e2e/*.test.ts, and leaves screenshots and the server log in test/e2e/artifacts/.
# Any process group a test started and could not stop (the runner was killed) is killed here.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo_root"

version=$(node -p 'require("./package.json").version')
vsix="dist/smolcode-linux-x64-$version.vsix"
if [[ ! -f $vsix ]]; then
  echo "test:e2e: $vsix is missing; build it first with \`npm run build && npm run package\`." >&2
  exit 1
fi

eval "$(bash scripts/e2e/prepare-code-server.sh)"
export SMOLCODE_E2E_NODE SMOLCODE_E2E_CODE_SERVER SMOLCODE_E2E_CHROMIUM

artifacts=test/e2e/artifacts
rm -rf "$artifacts"
mkdir -p "$artifacts"

SMOLCODE_E2E_PID_DIR=$(mktemp -d -t smolcode-e2e-pids.XXXXXX)
export SMOLCODE_E2E_PID_DIR
cleanup() {
  local file pgid
  for file in "$SMOLCODE_E2E_PID_DIR"/*; do
    [[ -e $file ]] || continue
    pgid=$(basename "$file")
    if kill -0 -- "-$pgid" 2>/dev/null; then
      echo "test:e2e: killing leftover process group $pgid ($(head -n1 "$file"))" >&2
      kill -KILL -- "-$pgid" 2>/dev/null || true
    fi
  done
  rm -rf "$SMOLCODE_E2E_PID_DIR"
}
trap cleanup EXIT

status=0
ORT_DISABLE_TELEMETRY=1 node --import tsx --test --test-reporter=spec --test-concurrency=1 \
  test/e2e/*.test.ts || status=$?
echo "test:e2e: screenshots and logs in $artifacts/: $(cd "$artifacts" && ls | tr '\n' ' ')" >&2
exit "$status"
