#!/usr/bin/env bash
# core.echo: prints `message`, upper-cased when `uppercase` is true.
# Parameters arrive on stdin as dotenv lines `name=value`; in a value a backslash is written `\\`,
# a newline `\n` and a carriage return `\r`. Values are decoded with printf %b into a variable and
# are never evaluated, so quotes, $(...) and backticks stay plain text.
set -euo pipefail

message=''
uppercase='false'
while IFS= read -r line || [[ -n $line ]]; do
  [[ $line == *=* ]] || continue
  name=${line%%=*}
  raw=${line#*=}
  printf -v value '%b' "$raw"
  case $name in
    message) message=$value ;;
    uppercase) uppercase=$value ;;
  esac
done

if [[ $uppercase == true ]]; then
  message=${message^^}
fi
printf '%s\n' "$message"
