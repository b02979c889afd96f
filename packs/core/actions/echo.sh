#!/bin/sh
# core.echo: prints `message`, upper-cased when `uppercase` is true.
# POSIX sh (dash here), run directly (runner_type native): a dash starts in a fraction of bash's
# CPU, and echo is the action that runs most. Parameters arrive in Attune's dotenv format (see
# lib/params.sh); the message is decoded by printf %b straight to the output and never evaluated.
# Upper-casing is left to bash's ${x^^}, which knows the locale's letters (tr and awk may not).
message=
uppercase=false
while IFS= read -r line || [ -n "$line" ]; do
  case $line in
    message=*) message=${line#message=} ;;
    uppercase=*) uppercase=${line#uppercase=} ;;
  esac
done
if [ "$uppercase" = true ]; then
  printf '%b\n' "$message" | exec bash --noprofile --norc -c 'while IFS= read -r line; do printf "%s\n" "${line^^}"; done'
else
  printf '%b\n' "$message"
fi
