#!/usr/bin/env bash
# start.sh STATE_DIR: start Dovecot (IMAP), the SMTP sink and Radicale on
# 127.0.0.1, all state under STATE_DIR, run as an unprivileged user.
# Writes STATE_DIR/stack.env and STATE_DIR/stack.pids. See README.md.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
VENV="$HERE/.venv"
PY=/usr/bin/python3
STACK_USER="${STACK_USER:-airgate-test}"
START_TIMEOUT="${STACK_START_TIMEOUT:-15}"

die() { echo "start.sh: $*" >&2; exit 1; }

[[ $# -eq 1 ]] || die "usage: start.sh STATE_DIR"
mkdir -p "$1"
S="$(cd "$1" && pwd)"
[[ ! -e $S/stack.pids ]] || die "$S/stack.pids exists: stack already started here? run stop.sh first"
[[ -x $VENV/bin/python ]] || die "no venv at $VENV: run install.sh first"
SINK="$HERE/smtp_sink.py"
SINK_PY="$VENV/bin/python"
for b in /usr/sbin/dovecot /usr/bin/radicale; do
    [[ -x $b ]] || die "$b missing: run install.sh first"
done

# --- who runs the services ----------------------------------------------------
# As root: a system user (created if missing) runs everything. As anyone else:
# that user runs everything.
if [[ $(id -u) -eq 0 ]]; then
    if ! id -u "$STACK_USER" >/dev/null 2>&1; then
        useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin "$STACK_USER" 2>/dev/null ||
            id -u "$STACK_USER" >/dev/null # lost a race with another start.sh
    fi
    RUN_USER="$STACK_USER"
    RUN_GROUP="$(id -gn "$STACK_USER")"
else
    RUN_USER="$(id -un)"
    RUN_GROUP="$(id -gn)"
fi
RUN_UID="$(id -u "$RUN_USER")"
RUN_GID="$(getent group "$RUN_GROUP" | cut -d: -f3)"
if [[ $(id -u) -eq 0 ]]; then
    AS_USER=(setpriv --reuid="$RUN_UID" --regid="$RUN_GID" --clear-groups)
else
    AS_USER=()
fi
as_user() { "${AS_USER[@]}" "$@"; }

# --- ports ---------------------------------------------------------------------
read -r P1 P2 P3 < <("$PY" - <<'PYEOF'
import socket
socks = []
for _ in range(3):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(*[s.getsockname()[1] for s in socks])
for s in socks: s.close()
PYEOF
)
IMAP_PORT="${STACK_IMAP_PORT:-$P1}"
SMTP_PORT="${STACK_SMTP_PORT:-$P2}"
DAV_PORT="${STACK_DAV_PORT:-$P3}"

# --- layout ----------------------------------------------------------------------
mkdir -p "$S/log" "$S/mail" "$S/smtp" "$S/dovecot/run" "$S/dovecot/state" \
         "$S/radicale/collections/collection-root"

# One users file for all three services. "user:password" is at once a Dovecot
# passwd-file line (scheme PLAIN), a Radicale htpasswd line (encryption plain)
# and what smtp_sink.py reads. Extra users: STACK_EXTRA_USERS="u1:p1 u2:p2".
USERS_FILE="$S/users"
{
    echo "alice:alice-secret"
    echo "bob:bob-secret"
    echo "demo:demo"
    for up in ${STACK_EXTRA_USERS:-}; do echo "$up"; done
} >"$USERS_FILE"
USERS="$(cut -d: -f1 "$USERS_FILE" | tr '\n' ' ')"

# Radicale collections, written before start: calendar (VEVENT), tasks (VTODO),
# contacts (address book) per user.
for u in $USERS; do
    root="$S/radicale/collections/collection-root/$u"
    mkdir -p "$root/calendar" "$root/tasks" "$root/contacts"
    [[ -e $root/calendar/.Radicale.props ]] || echo '{"C:supported-calendar-component-set": "VEVENT", "D:displayname": "Calendar", "tag": "VCALENDAR"}' >"$root/calendar/.Radicale.props"
    [[ -e $root/tasks/.Radicale.props ]] || echo '{"C:supported-calendar-component-set": "VTODO", "D:displayname": "Tasks", "tag": "VCALENDAR"}' >"$root/tasks/.Radicale.props"
    [[ -e $root/contacts/.Radicale.props ]] || echo '{"D:displayname": "Contacts", "tag": "VADDRESSBOOK"}' >"$root/contacts/.Radicale.props"
done

# Opt-in, for load tests: STACK_MAX_IMAP_CONNECTIONS=N lets Dovecot serve N concurrent
# IMAP connections (its defaults allow about 100: default_process_limit, one imap process
# per connection). Unset: the configuration is unchanged.
MAX_IMAP="${STACK_MAX_IMAP_CONNECTIONS:-}"
IMAP_LIMITS=""
IMAP_LOGIN_LIMITS=""
if [[ -n $MAX_IMAP ]]; then
    [[ $MAX_IMAP =~ ^[0-9]+$ ]] && ((MAX_IMAP >= 100)) ||
        die "STACK_MAX_IMAP_CONNECTIONS must be a number >= 100, not '$MAX_IMAP'"
    # Every imap process runs as the one test user, and Linux gives a user 128 inotify
    # instances by default: Dovecot's processes beyond that poll every 30 s, and push
    # measured against them would measure that. Raised where we may (as root).
    inotify=/proc/sys/fs/inotify/max_user_instances
    if [[ -w $inotify ]] && (($(cat "$inotify") < MAX_IMAP + 100)); then
        echo $((MAX_IMAP + 100)) >"$inotify" || true
    fi
    (($(cat "$inotify") >= MAX_IMAP)) ||
        echo "warning: $inotify is $(cat "$inotify"): Dovecot's IMAP processes beyond it will poll, not use inotify" >&2
    # anvil and auth are connected to by every login and imap process; Dovecot warns at
    # start when their client_limit is below what the process limits could need.
    IMAP_LIMITS="
# STACK_MAX_IMAP_CONNECTIONS=$MAX_IMAP
default_process_limit = $MAX_IMAP
default_client_limit = $((MAX_IMAP * 2))
service imap {
  process_limit = $MAX_IMAP
}
service auth {
  client_limit = $((MAX_IMAP * 3 + 100))
}
service anvil {
  client_limit = $((MAX_IMAP * 3 + 100))
}
service stats {
  client_limit = $((MAX_IMAP * 3 + 100))
}"
    IMAP_LOGIN_LIMITS="
  process_limit = $MAX_IMAP
  client_limit = $MAX_IMAP"
fi

cat >"$S/dovecot.conf" <<CONF
# Generated by tests/stack/start.sh. Rootless Dovecot: everything runs as
# $RUN_USER, no chroot, loopback only, plaintext auth without TLS.
protocols = imap
listen = 127.0.0.1
base_dir = $S/dovecot/run
state_dir = $S/dovecot/state
instance_name = airgate-test-$IMAP_PORT
log_path = $S/log/dovecot.log
info_log_path = $S/log/dovecot.log
debug_log_path = $S/log/dovecot.log

default_internal_user = $RUN_USER
default_internal_group = $RUN_GROUP
default_login_user = $RUN_USER
first_valid_uid = $RUN_UID
last_valid_uid = $RUN_UID
first_valid_gid = $RUN_GID
last_valid_gid = $RUN_GID
mail_privileged_group =

ssl = no
disable_plaintext_auth = no
# Lets a client on loopback (the gateway) pass the device's address with ID.
login_trusted_networks = 127.0.0.0/8
auth_mechanisms = plain login
# Tests try wrong passwords on purpose; do not make them wait 2 s each.
auth_failure_delay = 0
passdb {
  driver = passwd-file
  args = scheme=PLAIN $USERS_FILE
}
userdb {
  driver = static
  args = uid=$RUN_UID gid=$RUN_GID home=$S/mail/%u
}

mail_location = maildir:~/Maildir
mailbox_list_index = yes
mail_max_userip_connections = 100

namespace inbox {
  inbox = yes
  separator = /
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
  mailbox Junk {
    special_use = \\Junk
    auto = subscribe
  }
}

protocol imap {
  mail_max_userip_connections = 100
  imap_idle_notify_interval = 2 mins
}

service imap-login {
  chroot =$IMAP_LOGIN_LIMITS
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
  # No auth penalty: tests try wrong passwords on purpose, and the penalty
  # would delay every later login from 127.0.0.1 by 2-15 s.
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service ipc {
  chroot =
}
service aggregator {
  chroot =
}
service old-stats {
  chroot =
}
service imap-urlauth-login {
  chroot =
}$IMAP_LIMITS
CONF

cat >"$S/radicale.conf" <<CONF
# Generated by tests/stack/start.sh.
[server]
hosts = 127.0.0.1:$DAV_PORT

[auth]
type = htpasswd
htpasswd_filename = $USERS_FILE
htpasswd_encryption = plain
delay = 0

[rights]
type = owner_only

[storage]
filesystem_folder = $S/radicale/collections

[web]
type = none

[logging]
level = info
mask_passwords = True
CONF

if [[ $(id -u) -eq 0 ]]; then
    chown -R "$RUN_USER:$RUN_GROUP" "$S"
    as_user test -w "$S" ||
        die "$RUN_USER cannot write $S (a parent directory is not searchable?)"
    # A checkout under a private directory (a CI clone in a mode-700 temp dir, /root) is
    # not readable by the stack user: give it copies of the sink and its venv instead.
    if ! as_user test -r "$HERE/smtp_sink.py" || ! as_user test -r "$VENV/pyvenv.cfg"; then
        mkdir -p "$S/tools"
        cp "$HERE/smtp_sink.py" "$S/tools/"
        cp -a "$VENV" "$S/tools/venv"
        chown -R "$RUN_USER:$RUN_GROUP" "$S/tools"
        SINK="$S/tools/smtp_sink.py"
        SINK_PY="$S/tools/venv/bin/python"
    fi
fi

# --- start -----------------------------------------------------------------------
PIDS=()
cleanup_on_error() {
    local rc=$?
    if ((rc != 0)); then
        for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
        rm -f "$S/stack.pids"
    fi
}
trap cleanup_on_error EXIT

# setsid: own session, so the services outlive the calling shell. In a
# non-interactive script the background child is not a process group leader,
# so setsid does not fork and $! is the service's own pid.
cd "$S"
setsid /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    "${AS_USER[@]}" \
    /usr/sbin/dovecot -F -c "$S/dovecot.conf" \
    </dev/null >>"$S/log/dovecot.out" 2>&1 &
DOVECOT_PID=$!
PIDS+=("$DOVECOT_PID")

setsid /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$S" \
    "${AS_USER[@]}" \
    "$SINK_PY" "$SINK" --host 127.0.0.1 --port "$SMTP_PORT" \
    --users "$USERS_FILE" --out "$S/smtp" \
    </dev/null >>"$S/log/smtp.log" 2>&1 &
SMTP_PID=$!
PIDS+=("$SMTP_PID")

setsid /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$S" \
    "${AS_USER[@]}" \
    /usr/bin/radicale --config "$S/radicale.conf" \
    </dev/null >>"$S/log/radicale.log" 2>&1 &
RADICALE_PID=$!
PIDS+=("$RADICALE_PID")

printf '%s\n' "${PIDS[@]}" >"$S/stack.pids"

# --- wait ------------------------------------------------------------------------
if ! "$PY" - "$START_TIMEOUT" "$IMAP_PORT" "$SMTP_PORT" "$DAV_PORT" \
        "$DOVECOT_PID" "$SMTP_PID" "$RADICALE_PID" <<'PYEOF'
import os, socket, sys, time
timeout = float(sys.argv[1])
imap, smtp, dav = map(int, sys.argv[2:5])
pids = dict(zip(("dovecot", "smtp sink", "radicale"), map(int, sys.argv[5:8])))
want = {"dovecot": (imap, b"* OK"), "smtp sink": (smtp, b"220"), "radicale": (dav, None)}
deadline = time.monotonic() + timeout
pending = dict(want)
while pending and time.monotonic() < deadline:
    for name, (port, greet) in list(pending.items()):
        try:  # gone, or a zombie waiting to be reaped
            with open("/proc/%d/stat" % pids[name]) as f:
                exited = f.read().rsplit(")", 1)[1].split()[0] == "Z"
        except FileNotFoundError:
            exited = True
        if exited:
            print("%s (pid %d) exited during start" % (name, pids[name]), file=sys.stderr)
            sys.exit(1)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                if greet is not None:
                    s.settimeout(2)
                    line = s.recv(512)
                    if not line.startswith(greet):
                        continue
                else:
                    s.sendall(b"OPTIONS / HTTP/1.0\r\n\r\n")
                    s.settimeout(2)
                    if not s.recv(512).startswith(b"HTTP/"):
                        continue
            del pending[name]
        except OSError:
            pass
    if pending:
        time.sleep(0.1)
if pending:
    print("timed out after %ss waiting for: %s" % (timeout, ", ".join(pending)), file=sys.stderr)
    sys.exit(1)
PYEOF
then
    for f in dovecot.log dovecot.out smtp.log radicale.log; do
        if [[ -s $S/log/$f ]]; then
            echo "---- $S/log/$f (tail) ----" >&2
            tail -n 30 "$S/log/$f" >&2
        fi
    done
    die "stack did not come up"
fi

# Dovecot's master wrote its own pid; it must be the one we started.
if [[ -s $S/dovecot/run/master.pid ]] && [[ $(cat "$S/dovecot/run/master.pid") != "$DOVECOT_PID" ]]; then
    die "dovecot master.pid ($(cat "$S/dovecot/run/master.pid")) != started pid $DOVECOT_PID"
fi

cat >"$S/stack.env" <<ENV
STACK_DIR=$S
STACK_USERS_FILE=$USERS_FILE
STACK_USERS="$(tr '\n' ' ' <"$USERS_FILE" | sed 's/ $//')"
STACK_RUN_USER=$RUN_USER
STACK_IMAP_PORT=$IMAP_PORT
STACK_SMTP_PORT=$SMTP_PORT
STACK_DAV_PORT=$DAV_PORT
STACK_IMAP_URL=imap://127.0.0.1:$IMAP_PORT
STACK_SMTP_URL=smtp://127.0.0.1:$SMTP_PORT
STACK_CALDAV_URL=http://127.0.0.1:$DAV_PORT/{user}/
STACK_CARDDAV_URL=http://127.0.0.1:$DAV_PORT/{user}/
STACK_SMTP_DIR=$S/smtp
STACK_MAIL_DIR=$S/mail
STACK_DOVECOT_CONF=$S/dovecot.conf
STACK_DOVECOT_PID=$DOVECOT_PID
STACK_SMTP_PID=$SMTP_PID
STACK_RADICALE_PID=$RADICALE_PID
STACK_PIDS="${PIDS[*]}"
ENV
chmod a+r "$S/stack.env"
trap - EXIT
echo "stack up in $S: imap :$IMAP_PORT smtp :$SMTP_PORT dav :$DAV_PORT"
