#!/usr/bin/env bash
# core.sleep: waits `seconds` seconds; the value is checked to be a plain number before use.
set -euo pipefail
source "${BASH_SOURCE[0]%/*}/lib/params.sh"
read_params

seconds=${PARAMS[seconds]-1}
if ! [[ $seconds =~ ^[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$ ]]; then
  printf 'core.sleep: seconds must be a non-negative number, got %q\n' "$seconds" >&2
  exit 2
fi
sleep "$seconds"
