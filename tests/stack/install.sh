#!/usr/bin/env bash
# Installs what the upstream test stack needs (Dovecot, Radicale, WBXML and XML
# tools, a Python venv with aiosmtpd and pyactivesync). Idempotent; run as root.
# Never starts or enables system services: the stack runs its own instances.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
VENV="$HERE/.venv"
export DEBIAN_FRONTEND=noninteractive

# dovecot-imapd pulls dovecot-core. No dovecot-submissiond: submission goes to
# the aiosmtpd sink (smtp_sink.py). Passwords are stored plain in one users file
# that Dovecot (passwd-file, PLAIN), Radicale (htpasswd, plain) and the sink
# read, so no htpasswd tool is needed.
PKGS=(dovecot-imapd radicale libwbxml2-utils libxml2-utils python3-venv)

missing=()
for p in "${PKGS[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "install.sh: need root to install: ${missing[*]}" >&2
        exit 1
    fi
    # Keep postinst scripts from starting the system dovecot/radicale services.
    POLICY=/usr/sbin/policy-rc.d
    BACKUP=""
    if [[ -e $POLICY ]]; then
        BACKUP="$(mktemp /usr/sbin/policy-rc.d.airgate.XXXXXX)"
        cp -p "$POLICY" "$BACKUP"
    fi
    restore_policy() {
        if [[ -n $BACKUP ]]; then mv -f "$BACKUP" "$POLICY"; else rm -f "$POLICY"; fi
    }
    trap restore_policy EXIT
    printf '#!/bin/sh\nexit 101\n' >"$POLICY"
    chmod 755 "$POLICY"

    log="$(mktemp)"
    if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
        cat "$log" >&2
        echo "install.sh: apt-get failed for: ${missing[*]}" >&2
        rm -f "$log"
        exit 1
    fi
    rm -f "$log"

    # Belt and braces: the packages may still have enabled their units.
    for svc in dovecot radicale; do
        if command -v systemctl >/dev/null 2>&1; then
            systemctl stop "$svc" >/dev/null 2>&1 || true
            systemctl disable "$svc" >/dev/null 2>&1 || true
        fi
        if [[ -x /etc/init.d/$svc ]]; then
            /etc/init.d/"$svc" stop >/dev/null 2>&1 || true
            update-rc.d "$svc" disable >/dev/null 2>&1 || true
        fi
    done
    restore_policy
    trap - EXIT
    echo "install.sh: installed ${missing[*]}"
fi

# The venv uses Debian's python so the unprivileged stack user can run it
# (a pyenv interpreter under /root is not readable by other users).
PY=/usr/bin/python3
if [[ ! -x $VENV/bin/python ]] || ! "$VENV/bin/python" -c 'import aiosmtpd, pyactivesync, pytest' >/dev/null 2>&1; then
    log="$(mktemp)"
    if ! {
        "$PY" -m venv "$VENV" &&
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check aiosmtpd pyactivesync pytest
    } >"$log" 2>&1; then
        cat "$log" >&2
        echo "install.sh: venv setup failed" >&2
        rm -f "$log"
        exit 1
    fi
    rm -f "$log"
    echo "install.sh: venv ready at $VENV"
fi
# start.sh runs the sink as an unprivileged user, who must read the venv.
if [[ $(id -u) -eq 0 ]]; then chmod -R a+rX "$VENV"; fi
