#!/usr/bin/env bash
# shellcheck disable=SC2317  # functions called through `run` and traps look unreachable
# The whole test suite, as CI runs it (.ci/run calls this):
#
#   1. tests/stack/install.sh      Dovecot, Radicale, libwbxml, xmllint, the Python venv
#                                  (root installs what is missing; anyone may run it when
#                                  everything is present)
#   2. cargo build --workspace --all-targets
#   3. a throwaway upstream stack (tests/stack/start.sh), stopped on exit
#   4. cargo test --workspace      unit, integration and doc tests; the integration tests
#                                  start airgate against the stack (AIRGATE_STACK_ENV,
#                                  AIRGATE_REQUIRE_STACK=1)
#   5. pyactivesync (pytest)       against an airgate started here
#
# Every step runs even when an earlier test step failed (a failed build or stack ends the run);
# the summary at the end says which failed, and the exit status is non-zero if any did.
# Extra arguments go to `cargo test` (e.g. `tests/run.sh -- --test-threads 1`).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
PY="$ROOT/tests/stack/.venv/bin/python"
# Everything talks to 127.0.0.1; a proxy from the environment must not get in the way.
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
export no_proxy="$NO_PROXY"

SUMMARY=()
FAILED=0
STACK_DIR=""
AG_PID=""
AG_DIR=""

step() { printf '\n=== %s\n' "$*"; }

# record NAME STATUS SECONDS
record() {
    local verdict=PASS
    if [[ $2 -ne 0 ]]; then
        verdict="FAIL (exit $2)"
        FAILED=1
    fi
    SUMMARY+=("$(printf '%-28s %-14s %4ss' "$1" "$verdict" "$3")")
}

# run NAME COMMAND...: runs a step, records its result, returns its status.
run() {
    local name=$1 start status=0
    shift
    step "$name: $*"
    start=$SECONDS
    "$@" || status=$?
    record "$name" "$status" $((SECONDS - start))
    return "$status"
}

summary() {
    printf '\n=== summary\n'
    local line
    for line in "${SUMMARY[@]}"; do printf '%s\n' "$line"; done
    if [[ $FAILED -eq 0 ]]; then
        printf 'all steps passed (%ss)\n' "$SECONDS"
    else
        printf 'FAILED (%ss)\n' "$SECONDS"
    fi
}

cleanup() {
    if [[ -n $AG_PID ]]; then
        kill "$AG_PID" 2>/dev/null || true
        wait "$AG_PID" 2>/dev/null || true
    fi
    [[ -z $AG_DIR ]] || rm -rf "$AG_DIR"
    if [[ -n $STACK_DIR ]]; then
        tests/stack/stop.sh "$STACK_DIR" >/dev/null 2>&1 || true
        rm -rf "$STACK_DIR"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

abort() {
    summary
    exit 1
}

run install tests/stack/install.sh || abort
run build cargo build --workspace --all-targets || abort

STACK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/airgate-run-stack.XXXXXX")"
# crates/upstream/tests/mail_ops.rs and real_stack.rs log in as one user per test (up01..up16); without them
# its tests share bob.
UPSTREAM_USERS="$(for i in $(seq -w 1 16); do printf 'up%s:up%s-secret ' "$i" "$i"; done)"
# crates/upstream/tests/watch_real.rs: watch01..watch09, known to Dovecot from its start (users
# appended while Dovecot runs can be refused for a moment, and a first run then failed).
UPSTREAM_USERS+="$(for i in $(seq -w 1 9); do printf ' watch0%s:watch0%s-pw' "$i" "$i"; done)"
STACK_EXTRA_USERS="${STACK_EXTRA_USERS:-} $UPSTREAM_USERS" \
    run stack tests/stack/start.sh "$STACK_DIR" || abort
# shellcheck disable=SC1091
source "$STACK_DIR/stack.env"
export AIRGATE_STACK_ENV="$STACK_DIR/stack.env"
export AIRGATE_REQUIRE_STACK=1

run cargo-test cargo test --workspace --no-fail-fast "$@" || true

# --- pyactivesync against a running airgate -------------------------------------------------

start_airgate() {
    AG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/airgate-run-airgate.XXXXXX")"
    "$TARGET/debug/airgate" serve --listen 127.0.0.1:0 --state-dir "$AG_DIR/state" \
        --imap "$STACK_IMAP_URL" --smtp "$STACK_SMTP_URL" \
        --caldav "$STACK_CALDAV_URL" --carddav "$STACK_CARDDAV_URL" \
        --email-domain example.org \
        </dev/null >"$AG_DIR/stdout" 2>"$AG_DIR/stderr" &
    AG_PID=$!
    local i line
    for ((i = 0; i < 200; i++)); do
        line="$(grep -m1 '^airgate listening on ' "$AG_DIR/stdout" || true)"
        if [[ -n $line ]]; then
            AIRGATE_URL="${line#airgate listening on }"
            echo "airgate at $AIRGATE_URL"
            return 0
        fi
        if ! kill -0 "$AG_PID" 2>/dev/null; then break; fi
        sleep 0.1
    done
    echo "airgate did not start; its output:" >&2
    cat "$AG_DIR/stdout" "$AG_DIR/stderr" >&2
    return 1
}

pyactivesync() {
    start_airgate || return 1
    local status=0
    AIRGATE_URL="$AIRGATE_URL" AIRGATE_USER=alice AIRGATE_PASSWORD=alice-secret \
        "$PY" -m pytest -q -p no:cacheprovider tests/pyactivesync || status=$?
    if [[ $status -ne 0 ]]; then
        echo "--- airgate log (last 40 lines) ---"
        tail -n 40 "$AG_DIR/stderr"
    fi
    kill "$AG_PID" 2>/dev/null || true
    wait "$AG_PID" 2>/dev/null || true
    AG_PID=""
    return "$status"
}

run pyactivesync pyactivesync || true

summary
exit "$FAILED"
