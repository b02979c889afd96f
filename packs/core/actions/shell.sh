#!/usr/bin/env bash
# core.shell: runs the command line `cmd` in this bash, optionally in directory `cwd`.
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
# The command line runs in this bash, as `bash -c` would run it: without this script's options,
# variables or arguments (it is held in $1 only until eval has read it). Starting a second bash
# would cost a start-up for nothing.
set -- "$cmd"
unset -v PARAMS cmd cwd
set +euo pipefail
eval -- "set --; $1"
