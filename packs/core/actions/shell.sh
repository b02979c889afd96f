#!/usr/bin/env bash
# core.shell: runs the command line `cmd` with bash, optionally in directory `cwd`.
# Running `cmd` is the purpose of this action (like StackStorm's core.local); nothing else is ever
# evaluated.
set -euo pipefail
source "${BASH_SOURCE[0]%/*}/lib/params.sh"
read_params

cmd=${PARAMS[cmd]-}
cwd=${PARAMS[cwd]-}
if [[ -z $cmd ]]; then
  printf 'core.shell: cmd is required\n' >&2
  exit 2
fi
if [[ -n $cwd ]]; then
  cd -- "$cwd"
fi
# `--` so a command line starting with "-" is not taken for a bash option.
exec bash -c -- "$cmd"
