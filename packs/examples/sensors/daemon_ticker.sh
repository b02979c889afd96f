#!/usr/bin/env bash
# A daemon sensor (docs/sensors.md): bash and curl only. It reads ATTUNE_API_URL and
# ATTUNE_API_TOKEN (a sensor token), follows the rules of its trigger over the live stream, posts
# an event every DAEMON_INTERVAL_SECONDS while at least one enabled rule uses the trigger, and
# renews its token before it expires. Logs go to stderr. Run it anywhere:
#   ATTUNE_API_URL=https://attune.example:8080 ATTUNE_API_TOKEN=attune_st_… ./daemon_ticker.sh
set -u
: "${ATTUNE_API_URL:?set ATTUNE_API_URL}" "${ATTUNE_API_TOKEN:?set ATTUNE_API_TOKEN (a sensor token)}"
TRIGGER="${DAEMON_TRIGGER:-examples.daemon_tick}"
INTERVAL="${DAEMON_INTERVAL_SECONDS:-1}"
RENEW_EVERY="${DAEMON_RENEW_SECONDS:-43200}" # half a sensor token's 24 h

umask 077
STATE="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$STATE"' EXIT
trap 'exit 0' TERM INT
# The token goes to curl in a header file, never on its command line (the process list shows that).
printf 'authorization: Bearer %s\n' "$ATTUNE_API_TOKEN" > "$STATE/auth"
: > "$STATE/rules"

log() { printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
api() { local method=$1 route=$2; shift 2; curl -sS -X "$method" -H @"$STATE/auth" -H 'content-type: application/json' "$@" "$ATTUNE_API_URL$route"; }
field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }

# The enabled rules on the trigger, comma-separated, into $STATE/rules.
refresh_rules() {
  api GET "/api/v1/rules?trigger_ref=$TRIGGER&enabled=true&limit=100" | grep -o '"ref":"[^"]*"' | cut -d'"' -f4 | paste -sd, - > "$STATE/rules.new"
  mv "$STATE/rules.new" "$STATE/rules"
}

# Follows rule changes; reconnects when the stream drops (a restart of Attune, a network blip).
follow() {
  while :; do
    curl -sSN -H @"$STATE/auth" "$ATTUNE_API_URL/api/v1/stream?types=rule" | while IFS= read -r line; do
      case "$line" in
        ': connected'*)
          refresh_rules
          log "following rule changes; enabled rules on $TRIGGER: $(cat "$STATE/rules")" ;;
        data:*)
          refresh_rules
          log "rule $(printf '%s' "$line" | field id) $(printf '%s' "$line" | field change) seen on the stream; enabled rules on $TRIGGER: $(cat "$STATE/rules")" ;;
      esac
    done
    log "stream closed; reconnecting"
    sleep 1
  done
}

renew() {
  local answer token
  answer=$(api POST /auth/token/renew)
  token=$(printf '%s' "$answer" | field token)
  if [ -n "$token" ]; then
    printf 'authorization: Bearer %s\n' "$token" > "$STATE/auth"
    log "token renewed until $(printf '%s' "$answer" | field expires_at)"
  else
    log "token not renewed: $(printf '%s' "$answer" | field code)"
  fi
}

# Started by Attune (live_updates): it writes trigger lists on stdin; this sensor reads the stream instead.
# (fd 3: a background job's own stdin is /dev/null.)
if [ -n "${ATTUNE_SENSOR_REF:-}" ]; then exec 3<&0; cat <&3 >/dev/null & fi
follow &

count=0
renewed_at=$SECONDS
while :; do
  rules=$(cat "$STATE/rules")
  if [ -n "$rules" ]; then
    count=$((count + 1))
    body="{\"trigger_ref\":\"$TRIGGER\",\"payload\":{\"count\":$count,\"rules\":\"$rules\",\"sent_at\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"}}"
    status=$(api POST /api/v1/events -d "$body" -o /dev/null -w '%{http_code}')
    [ "$status" = 201 ] || log "event not accepted: HTTP $status"
  fi
  if [ $((SECONDS - renewed_at)) -ge "$RENEW_EVERY" ]; then renew; renewed_at=$SECONDS; fi
  sleep "$INTERVAL"
done
