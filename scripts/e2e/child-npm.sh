# shellcheck shell=bash
# Runs npm under another Node.js than the one that started us, without the caller's npm leaking
# in. Sourced by prepare-code-server.sh (and by its test).
#
# Why: npm hands its configuration to every script it runs as npm_config_* variables, and a
# child npm reads those back as its own configuration. Under `npm test` the outer npm (Node 20)
# exports npm_config_user_agent="npm/11 node/v20 ...", and code-server's postinstall takes the
# Node version from that variable: on a cold machine it refused to build ("code-server currently
# requires node v24 ... you are on node v20"), while the same script run from a shell worked.
# npm also puts node_modules/.bin and its node-gyp shim first on PATH and sets NODE.

# Extra NAME=VALUE variables for child_npm; a caller may shadow it with a local.
CHILD_NPM_ENV=()
# The npm_config_* variables a user sets on purpose: where to fetch from and how. Kept.
CHILD_NPM_KEEP='^npm_config_(cache|registry|proxy|https_proxy|noproxy|cafile|strict_ssl|userconfig|globalconfig)$'

# Prints `-u NAME` for every variable of the calling npm that a child npm must not inherit.
child_npm_unset_args() {
  local name lower
  while IFS= read -r name; do
    lower=${name,,}
    [[ $lower =~ $CHILD_NPM_KEEP ]] && continue
    case $lower in
      npm_* | node | init_cwd) printf -- '-u\n%s\n' "$name" ;;
    esac
  done < <(compgen -e)
}

# PATH without the calling npm's additions (node_modules/.bin folders, the node-gyp shim).
child_npm_path() {
  local entry out=() IFS=:
  for entry in $PATH; do
    [[ $entry == */node_modules/.bin || $entry == */node-gyp-bin ]] && continue
    out+=("$entry")
  done
  printf '%s' "${out[*]}"
}

# child_npm NODE_BIN_DIR ARGS...: npm (the one on PATH) started by the node in NODE_BIN_DIR,
# in a clean npm environment. Extra variables go in CHILD_NPM_ENV (an array of NAME=VALUE).
child_npm() {
  local node_bin_dir=$1
  shift
  local -a unset_args
  mapfile -t unset_args < <(child_npm_unset_args)
  env "${unset_args[@]}" PATH="$node_bin_dir:$(child_npm_path)" "${CHILD_NPM_ENV[@]}" npm "$@"
}

# Names the variables that reach a child npm (those child_npm_unset_args keeps) and point at
# another Node.js than NODE_BIN_DIR's: a "node/vN" of another major, or the path of another node
# executable. One line each; empty when none does.
child_npm_leaks() {
  local node_bin_dir=$1 expected_major=$2 name value removed
  removed=$(child_npm_unset_args)
  while IFS= read -r name; do
    grep -qxF -- "$name" <<<"$removed" && continue
    value=${!name}
    if [[ $value =~ node/v([0-9]+) && ${BASH_REMATCH[1]} != "$expected_major" ]]; then
      echo "$name=$value"
    elif [[ $value == */node && -x $value && ! $value -ef $node_bin_dir/node ]]; then
      echo "$name=$value"
    fi
  done < <(compgen -e)
}

# verify_child_npm NODE_BIN_DIR DIR: checks, in DIR, that an install script run by a child npm
# sees the Node.js of NODE_BIN_DIR both as `node` and in npm_config_user_agent (what
# code-server's postinstall reads). On a mismatch prints what leaked and returns 1.
verify_child_npm() {
  local node_bin_dir=$1 dir=$2 want seen
  want=$("$node_bin_dir/node" --version)
  # shellcheck disable=SC2016  # expanded by the shell npm starts, not here
  seen=$(cd "$dir" && child_npm "$node_bin_dir" exec --yes=false --loglevel=error -c \
    'printf "%s %s" "$(node --version)" "$npm_config_user_agent"' </dev/null) || {
    echo "child npm did not run: npm exec failed in $dir" >&2
    return 1
  }
  local node_seen=${seen%% *} agent=${seen#* }
  if [[ $node_seen == "$want" && $agent == *"node/$want"* ]]; then return 0; fi
  echo "an install script under the child npm sees node $node_seen and npm_config_user_agent \"$agent\"; expected $want in both" >&2
  local leaks major=${want#v}
  leaks=$(child_npm_leaks "$node_bin_dir" "${major%%.*}")
  if [[ -n $leaks ]]; then
    echo "variables that leak into it from the calling environment:" >&2
    sed 's/^/  /' <<<"$leaks" >&2
  else
    echo "no variable names another Node.js; look at npm's own configuration (npm config ls -l)" >&2
  fi
  return 1
}
