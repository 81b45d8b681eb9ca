# shellcheck shell=bash
# What the test preparers (scripts/python, scripts/models, scripts/llamacpp) share: their log
# lines, an error that names the command to rerun, the `--check` mode, one preparer at a time per
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
