#!/usr/bin/env bash
# core.shell: runs the command line `cmd` with bash, optionally in directory `cwd`.
# Running `cmd` is the purpose of this action (like StackStorm's core.local); nothing else is ever
# evaluated. Parameters arrive on stdin as dotenv lines `name=value` (see echo.sh for the encoding).
set -euo pipefail

cmd=''
cwd=''
while IFS= read -r line || [[ -n $line ]]; do
  [[ $line == *=* ]] || continue
  name=${line%%=*}
  raw=${line#*=}
  printf -v value '%b' "$raw"
  case $name in
    cmd) cmd=$value ;;
    cwd) cwd=$value ;;
  esac
done

if [[ -z $cmd ]]; then
  printf 'core.shell: cmd is required\n' >&2
  exit 2
fi
if [[ -n $cwd ]]; then
  cd -- "$cwd"
fi
# `--` so a command line starting with "-" is not taken for a bash option.
exec bash -c -- "$cmd"
