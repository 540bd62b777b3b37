#!/usr/bin/env bash
# quickstart.sh: airgate with a working local upstream, for trying it with a phone or client.
#
# Installs (as root, where missing) Dovecot, Radicale and an SMTP sink, starts them on
# 127.0.0.1 with a seeded demo account, builds and starts airgate in front of them, and prints
# how to connect. Ctrl-C stops everything it started.
#
#   deploy/quickstart.sh                     # airgate on http://127.0.0.1:8080
#   AIRGATE_LISTEN=0.0.0.0:8080 deploy/quickstart.sh   # reachable from a phone on your LAN
#
# Demo data lives in ${AIRGATE_DEMO_DIR:-/tmp/airgate-demo}, recreated on every start.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
demo="${AIRGATE_DEMO_DIR:-/tmp/airgate-demo}"
listen="${AIRGATE_LISTEN:-127.0.0.1:8080}"

"$root/tests/stack/install.sh"
echo "building airgate..."
cargo build --quiet --manifest-path "$root/Cargo.toml" -p airgate

rm -rf "$demo"
mkdir -p "$demo/stack" "$demo/state"
"$root/tests/stack/start.sh" "$demo/stack" >/dev/null
cleanup() {
    [[ -n ${airgate_pid:-} ]] && kill "$airgate_pid" 2>/dev/null && wait "$airgate_pid" 2>/dev/null
    "$root/tests/stack/stop.sh" "$demo/stack" >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM
"$root/tests/stack/seed.sh" "$demo/stack" demo >/dev/null
# shellcheck disable=SC1091
source "$demo/stack/stack.env"

"$root/target/debug/airgate" serve \
    --listen "$listen" \
    --state-dir "$demo/state" \
    --imap "$STACK_IMAP_URL" \
    --smtp "$STACK_SMTP_URL" \
    --caldav "$STACK_CALDAV_URL" \
    --carddav "$STACK_CARDDAV_URL" \
    --email-domain example.test \
    > "$demo/airgate.url" 2> "$demo/airgate.log" &
airgate_pid=$!
for _ in $(seq 100); do
    [[ -s $demo/airgate.url ]] && break
    kill -0 "$airgate_pid" 2>/dev/null || { cat "$demo/airgate.log" >&2; exit 1; }
    sleep 0.1
done
url="$(sed -n 's/^airgate listening on //p' "$demo/airgate.url")"
hostport="${url#*://}"; hostport="${hostport%%/*}"
[[ -n $url ]] || { echo "airgate did not start; see $demo/airgate.log" >&2; exit 1; }

cat <<MSG

airgate is running.

  Server URL : $url
  Server     : $hostport  (what phones ask for as "Server")
  User       : demo
  Password   : demo
  Email      : demo@example.test
  TLS        : none (plain HTTP); for a phone, put airgate behind HTTPS or give it
               --tls-cert/--tls-key

Upstream (loopback only): IMAP $STACK_IMAP_URL, SMTP $STACK_SMTP_URL,
CalDAV/CardDAV ${STACK_CALDAV_URL/\{user\}/demo}
Logs: $demo/airgate.log and $demo/stack/log/. Ctrl-C stops everything.

Try it:  curl -si -X OPTIONS -u demo:demo '$url'
MSG
wait "$airgate_pid"
