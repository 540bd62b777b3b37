#!/usr/bin/env bash
# stop.sh STATE_DIR: stop exactly the processes start.sh started (the pids in
# STATE_DIR/stack.pids) and their children, and wait for them to exit.
set -euo pipefail

die() { echo "stop.sh: $*" >&2; exit 1; }
[[ $# -eq 1 ]] || die "usage: stop.sh STATE_DIR"
S="$1"
PIDFILE="$S/stack.pids"
if [[ ! -f $PIDFILE ]]; then
    echo "stop.sh: no $PIDFILE, nothing to stop" >&2
    exit 0
fi

mapfile -t PIDS < <(grep -E '^[0-9]+$' "$PIDFILE" || true)

# Children of the listed pids (Dovecot's imap, auth, log... processes), found
# before the parents go away, so the wait below covers them too.
descendants() {
    local p c
    for p in "$@"; do
        for c in $(ps -o pid= --ppid "$p" 2>/dev/null || true); do
            echo "$c"
            descendants "$c"
        done
    done
}
# A zombie has exited; it only waits to be reaped by its parent (init here,
# since the services run in their own sessions), which can take a moment.
alive() {
    local st
    st="$(ps -o stat= -p "$1" 2>/dev/null)" || return 1
    [[ -n $st && $st != Z* ]]
}

live=()
for p in "${PIDS[@]}"; do alive "$p" && live+=("$p"); done
if ((${#live[@]} == 0)); then
    rm -f "$PIDFILE"
    exit 0
fi
mapfile -t KIDS < <(descendants "${live[@]}")
ALL=("${live[@]}" "${KIDS[@]}")

kill -TERM "${live[@]}" 2>/dev/null || true

wait_gone() {
    local deadline=$((SECONDS + $1)) p any
    while :; do
        any=0
        for p in "${ALL[@]}"; do alive "$p" && any=1; done
        ((any == 0)) && return 0
        ((SECONDS >= deadline)) && return 1
        sleep 0.1
    done
}

if ! wait_gone 10; then
    for p in "${ALL[@]}"; do
        if alive "$p"; then kill -KILL "$p" 2>/dev/null || true; fi
    done
    wait_gone 5 || die "processes still alive: $(for p in "${ALL[@]}"; do alive "$p" && echo -n "$p "; done)"
fi
rm -f "$PIDFILE"
