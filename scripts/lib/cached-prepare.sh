# shellcheck shell=bash
# What the test preparers (scripts/python, scripts/models, scripts/llamacpp, scripts/e2e) share: their log
# lines, an error that names the command to rerun, missing Debian packages, the `--check` mode, one preparer at a time per
# cache, and the "prepared" marker, written last, that tells a finished cache from one an
# interrupted run left half done. Sourced; the caller sets PREPARE_TAG and PREPARE_RERUN.

prepare_log() { printf '[%s] %s\n' "$PREPARE_TAG" "$*" >&2; }
prepare_die() {
  prepare_log "ERROR: $*"
  prepare_log "fix the cause, then rerun: $PREPARE_RERUN"
  exit 1
}

# prepare_begin DIR PRINT_FN ARGS...: with --check, runs PRINT_FN and exits 0 when DIR is
# prepared, else exits 3; otherwise takes the cache's lock and, when DIR is already prepared,
# runs PRINT_FN and exits 0. Returns (to prepare DIR) only when there is work to do.
prepare_begin() {
  local dir=$1 print=$2
  shift 2
  if [[ ${1:-} == --check ]]; then
    [[ -f $dir/prepared ]] || exit 3
    "$print"
    exit 0
  fi
  mkdir -p "$(dirname "$dir")"
  exec 9>"$(dirname "$dir")/.lock"
  flock 9
  if [[ -f $dir/prepared ]]; then
    prepare_log "using cached $dir"
    "$print"
    exit 0
  fi
}

# prepare_finish DIR LINE...: writes the marker (one line per argument) and so ends a preparation.
prepare_finish() {
  local dir=$1
  shift
  printf '%s\n' "$@" >"$dir/prepared"
}

# prepare_apt_install PKG...: installs the Debian packages that are missing (as root, or through
# sudo -n), so a fresh machine needs nothing installed by hand. The caller's `step` variable, when
# it has one, names the apt-get command for its error trap.
prepare_apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done
  if ((${#missing[@]} == 0)); then
    prepare_log "Debian packages present"
    return
  fi
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || prepare_die "missing Debian packages (${missing[*]}) and not root, no sudo"
    sudo=(sudo -n)
  fi
  prepare_log "installing Debian packages: ${missing[*]}"
  step="apt-get install ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >&2
  step=""
}
