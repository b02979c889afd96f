#!/usr/bin/env bash
# core.sleep: waits `seconds` seconds. Parameters arrive on stdin as dotenv lines `name=value`
# (see echo.sh for the encoding); the value is checked to be a plain number before use.
set -euo pipefail

seconds='1'
while IFS= read -r line || [[ -n $line ]]; do
  [[ $line == *=* ]] || continue
  name=${line%%=*}
  raw=${line#*=}
  printf -v value '%b' "$raw"
  if [[ $name == seconds ]]; then
    seconds=$value
  fi
done

if ! [[ $seconds =~ ^[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$ ]]; then
  printf 'core.sleep: seconds must be a non-negative number, got %q\n' "$seconds" >&2
  exit 2
fi
sleep "$seconds"
