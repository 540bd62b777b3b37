#!/usr/bin/env bash
# selftest.sh: install (if needed), start the stack in a temp dir, check every
# service, seed a user, stop it and check nothing it started is left running.
# Prints one line per check and a closing "N passed, M failed" line.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
PY=/usr/bin/python3
PASSED=0
FAILED=0

"$HERE/install.sh"

S="$(mktemp -d "${TMPDIR:-/tmp}/airgate-stack.XXXXXX")"
chmod 755 "$S"
cleanup() {
    "$HERE/stop.sh" "$S" >/dev/null 2>&1 || true
    if [[ ${KEEP_STACK_DIR:-} == 1 || $FAILED -gt 0 ]]; then
        echo "state kept in $S" >&2
    else
        rm -rf "$S"
    fi
}
trap cleanup EXIT

# check NAME CMD...: run CMD, count and report.
check() {
    local name="$1" out t0 ms
    shift
    t0=$(date +%s%N)
    if out="$("$@" 2>&1)"; then
        ms=$((($(date +%s%N) - t0) / 1000000))
        PASSED=$((PASSED + 1))
        echo "ok   - $name (${ms} ms)"
    else
        ms=$((($(date +%s%N) - t0) / 1000000))
        FAILED=$((FAILED + 1))
        echo "FAIL - $name (${ms} ms)"
        [[ -z $out ]] || sed 's/^/       /' <<<"$out"
    fi
}
summary() { echo "$PASSED passed, $FAILED failed"; }

t0=$(date +%s%N)
check "start.sh brings the stack up" "$HERE/start.sh" "$S"
if [[ ! -f $S/stack.env ]]; then
    summary
    exit 1
fi
elapsed_ms=$((($(date +%s%N) - t0) / 1000000))
check "start took ${elapsed_ms} ms (< 10000)" test "$elapsed_ms" -lt 10000

# shellcheck disable=SC1091
source "$S/stack.env"
env_keys() {
    local k
    for k in STACK_IMAP_PORT STACK_SMTP_PORT STACK_DAV_PORT STACK_IMAP_URL STACK_SMTP_URL \
             STACK_CALDAV_URL STACK_CARDDAV_URL STACK_DIR STACK_DOVECOT_PID STACK_SMTP_PID \
             STACK_RADICALE_PID; do
        [[ -n ${!k:-} ]] || { echo "$k missing from stack.env"; return 1; }
    done
    [[ $STACK_DIR == "$S" ]] || { echo "STACK_DIR=$STACK_DIR"; return 1; }
}
check "stack.env has every key" env_keys

not_root() {
    local p u
    [[ $(id -u) -eq 0 ]] || return 0
    while read -r p; do
        u="$(ps -o uid= -p "$p" | tr -d ' ')"
        [[ -n $u && $u != 0 ]] || { echo "pid $p runs as uid '${u}'"; return 1; }
    done <"$S/stack.pids"
}
check "services run as an unprivileged user" not_root

loopback_only() {
    "$PY" - "$STACK_IMAP_PORT" "$STACK_SMTP_PORT" "$STACK_DAV_PORT" <<'PYEOF'
import sys
ports = {int(p) for p in sys.argv[1:]}
seen = {}
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    with open(table) as f:
        next(f)
        for line in f:
            cols = line.split()
            addr, port = cols[1].split(":")
            if cols[3] == "0A" and int(port, 16) in ports:  # LISTEN
                seen.setdefault(int(port, 16), []).append(addr)
bad = {p: a for p, a in seen.items() if any(x != "0100007F" for x in a)}
if bad or set(seen) != ports:
    sys.exit("listeners: %r (want only 127.0.0.1 on %s)" % (seen, sorted(ports)))
PYEOF
}
check "listens on 127.0.0.1 only" loopback_only

for c in $("$PY" "$HERE/stack_checks.py" "$S" list); do
    check "$c" "$PY" "$HERE/stack_checks.py" "$S" "$c"
done

check "seed.sh demo" "$HERE/seed.sh" "$S" demo
seeded() {
    "$PY" - "$STACK_IMAP_PORT" "$STACK_DAV_PORT" <<'PYEOF'
import base64, imaplib, sys, urllib.request
imap, dav = sys.argv[1:]
m = imaplib.IMAP4("127.0.0.1", int(imap)); m.login("demo", "demo")
typ, data = m.select("INBOX", readonly=True); m.logout()
if int(data[0]) != 3:
    sys.exit("demo INBOX has %s messages, want 3" % data[0])
auth = "Basic " + base64.b64encode(b"demo:demo").decode()
for path in ("calendar/seed-event-1.ics", "tasks/seed-task-1.ics", "contacts/seed-contact-1.vcf"):
    req = urllib.request.Request("http://127.0.0.1:%s/demo/%s" % (dav, path), headers={"Authorization": auth})
    with urllib.request.urlopen(req, timeout=10) as r:
        body = r.read()
        if r.status != 200 or b"seed-" not in body:
            sys.exit("GET %s: %s" % (path, r.status))
PYEOF
}
check "seeded data readable over IMAP and DAV" seeded

# Everything start.sh started, children included, before stopping.
descendants() {
    local p c
    for p in "$@"; do
        for c in $(ps -o pid= --ppid "$p" 2>/dev/null || true); do
            echo "$c"
            descendants "$c"
        done
    done
}
mapfile -t LISTED <"$S/stack.pids"
mapfile -t STARTED < <(printf '%s\n' "${LISTED[@]}"; descendants "${LISTED[@]}")
check "stop.sh" "$HERE/stop.sh" "$S"
none_left() {
    local p st left=()
    for p in "${STARTED[@]}"; do
        st="$(ps -o stat= -p "$p" 2>/dev/null)" || continue
        [[ $st == Z* ]] || left+=("$p") # a zombie has exited, just not been reaped yet
    done
    # Also anything else still using the state dir.
    for p in /proc/[0-9]*; do
        [[ $(awk '{print $3}' "$p/stat" 2>/dev/null) != Z ]] || continue
        if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF "$S" ||
           [[ $(readlink "$p/cwd" 2>/dev/null) == "$S"* ]]; then
            left+=("${p#/proc/}")
        fi
    done
    ((${#left[@]} == 0)) || { ps -o pid,user,args -p "$(IFS=,; echo "${left[*]}")"; return 1; }
    [[ ! -e $S/stack.pids ]] || { echo "stack.pids still there"; return 1; }
}
check "no started process remains (${#STARTED[@]} tracked)" none_left

summary
((FAILED == 0))
