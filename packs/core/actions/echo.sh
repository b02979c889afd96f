#!/usr/bin/env bash
# core.echo: prints `message`, upper-cased when `uppercase` is true.
set -euo pipefail
source "${BASH_SOURCE[0]%/*}/lib/params.sh"
read_params

message=${PARAMS[message]-}
if [[ ${PARAMS[uppercase]-false} == true ]]; then
  message=${message^^}
fi
printf '%s\n' "$message"
