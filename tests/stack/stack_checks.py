#!/usr/bin/env python3
"""Checks against a running test stack (stdlib only), used by selftest.sh.

usage: stack_checks.py STATE_DIR CHECK
Reads STATE_DIR/stack.env; exits 0 when the check passes, else prints why
and exits 1. `stack_checks.py STATE_DIR list` prints the check names.
"""
import base64
import glob
import imaplib
import json
import os
import smtplib
import socket
import sys
import time
import urllib.error
import urllib.request
import uuid
import xml.etree.ElementTree as ET

CHECKS = {}


def check(fn):
    CHECKS[fn.__name__.replace("_", "-")] = fn
    return fn


def load_env(state_dir):
    env = {}
    with open(os.path.join(state_dir, "stack.env")) as f:
        for line in f:
            line = line.strip()
            if "=" in line and not line.startswith("#"):
                k, v = line.split("=", 1)
                env[k] = v.strip('"')
    return env


class Fail(Exception):
    pass


def expect(cond, msg):
    if not cond:
        raise Fail(msg)


def users(env):
    return dict(up.split(":", 1) for up in env["STACK_USERS"].split())


def imap_login(env, user="alice"):
    m = imaplib.IMAP4("127.0.0.1", int(env["STACK_IMAP_PORT"]), timeout=10)
    m.login(user, users(env)[user])
    return m


# ---------------------------------------------------------------- IMAP
@check
def imap_capabilities(env):
    m = imap_login(env)
    typ, data = m.capability()
    caps = set(data[0].decode().upper().split())
    m.logout()
    need = {"CONDSTORE", "QRESYNC", "NOTIFY", "IDLE", "MOVE", "UIDPLUS", "SPECIAL-USE"}
    expect(need <= caps, "missing capabilities: %s (have %s)" % (sorted(need - caps), sorted(caps)))


@check
def imap_special_use(env):
    m = imap_login(env)
    typ, data = m.list()
    m.logout()
    text = b"\n".join(d for d in data if d).decode()
    for name, flag in (("Drafts", "\\Drafts"), ("Sent", "\\Sent"),
                       ("Trash", "\\Trash"), ("Junk", "\\Junk")):
        expect(any(flag in l and l.endswith(name) for l in text.splitlines()),
               "no %s mailbox with %s in LIST:\n%s" % (name, flag, text))


@check
def imap_all_users(env):
    for user in users(env):
        m = imap_login(env, user)
        m.logout()


@check
def imap_bad_password(env):
    m = imaplib.IMAP4("127.0.0.1", int(env["STACK_IMAP_PORT"]), timeout=10)
    try:
        m.login("alice", "wrong")
    except imaplib.IMAP4.error:
        return
    finally:
        try:
            m.shutdown()
        except OSError:
            pass
    raise Fail("login with a wrong password succeeded")


@check
def imap_condstore_notify(env):
    m = imap_login(env)
    typ, data = m._simple_command("ENABLE", "QRESYNC")
    expect(typ == "OK", "ENABLE QRESYNC: %r" % data)
    typ, data = m.select("INBOX")
    expect(typ == "OK", "SELECT: %r" % data)
    hms = m.untagged_responses.get("OK", [])
    expect(any(b"HIGHESTMODSEQ" in x for x in hms), "no HIGHESTMODSEQ on SELECT: %r" % hms)
    tag = m._new_tag()
    m.send(tag + b" NOTIFY SET (selected (MessageNew MessageExpunge FlagChange)) "
           b"(personal (MessageNew MessageExpunge))\r\n")
    while True:
        line = m.readline()
        if line.startswith(tag):
            expect(line.split()[1] == b"OK", "NOTIFY SET: %r" % line)
            break
    m.logout()


@check
def imap_idle_push(env):
    """IDLE on INBOX sees a message APPENDed by another connection."""
    watcher = imap_login(env)
    watcher.select("INBOX")
    tag = watcher._new_tag()
    watcher.send(tag + b" IDLE\r\n")
    expect(watcher.readline().startswith(b"+"), "no IDLE continuation")
    writer = imap_login(env)
    body = b"From: x@example.test\r\nSubject: idle %s\r\n\r\nhi\r\n" % uuid.uuid4().hex.encode()
    typ, data = writer.append("INBOX", None, None, body)
    expect(typ == "OK", "APPEND: %r" % data)
    writer.logout()
    watcher.sock.settimeout(10)
    deadline = time.monotonic() + 10
    seen = False
    while time.monotonic() < deadline:
        line = watcher.readline()
        if b"EXISTS" in line:
            seen = True
            break
    watcher.send(b"DONE\r\n")
    watcher.logout()
    expect(seen, "no EXISTS during IDLE within 10s")


# ---------------------------------------------------------------- SMTP
def smtp_files(env):
    return sorted(glob.glob(os.path.join(env["STACK_SMTP_DIR"], "*.eml")))


def wait_for_eml(env, marker, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in smtp_files(env):
            with open(path, "rb") as f:
                if marker.encode() in f.read():
                    return path
        time.sleep(0.05)
    raise Fail("no .eml containing %s in %s" % (marker, env["STACK_SMTP_DIR"]))


def send(env, mech):
    marker = uuid.uuid4().hex
    s = smtplib.SMTP("127.0.0.1", int(env["STACK_SMTP_PORT"]), timeout=10)
    s.ehlo("selftest")
    expect(s.has_extn("auth"), "no AUTH in EHLO")
    offered = s.esmtp_features["auth"].upper().split()
    expect({"PLAIN", "LOGIN"} <= set(offered), "AUTH offers %s" % offered)
    s.user, s.password = "alice", users(env)["alice"]
    code, resp = s.auth(mech, getattr(s, "auth_" + mech.lower()),
                        initial_response_ok=(mech == "PLAIN"))
    expect(code == 235, "AUTH %s: %s %r" % (mech, code, resp))
    msg = ("From: alice@example.test\r\nTo: bob@example.test\r\n"
           "Subject: selftest %s\r\nMessage-ID: <%s@selftest>\r\n\r\nbody %s\r\n"
           % (mech, marker, marker))
    s.sendmail("alice@example.test", ["bob@example.test", "carol@example.test"], msg)
    s.quit()
    path = wait_for_eml(env, marker)
    with open(path[:-4] + ".json") as f:
        meta = json.load(f)
    expect(meta["mail_from"] == "alice@example.test", "envelope from %r" % meta)
    expect(meta["rcpt_tos"] == ["bob@example.test", "carol@example.test"], "rcpts %r" % meta)
    expect(meta["auth_user"] == "alice", "auth user %r" % meta)


@check
def smtp_auth_plain_send(env):
    send(env, "PLAIN")


@check
def smtp_auth_login_send(env):
    send(env, "LOGIN")


@check
def smtp_requires_auth(env):
    s = smtplib.SMTP("127.0.0.1", int(env["STACK_SMTP_PORT"]), timeout=10)
    s.ehlo("selftest")
    code, _ = s.mail("alice@example.test")
    s.close()
    expect(code == 530, "MAIL without AUTH gave %s, want 530" % code)


@check
def smtp_bad_password(env):
    s = smtplib.SMTP("127.0.0.1", int(env["STACK_SMTP_PORT"]), timeout=10)
    try:
        s.login("alice", "wrong")
    except smtplib.SMTPAuthenticationError:
        return
    finally:
        s.close()
    raise Fail("AUTH with a wrong password succeeded")


# ---------------------------------------------------------------- DAV
NS = {"D": "DAV:", "C": "urn:ietf:params:xml:ns:caldav", "CR": "urn:ietf:params:xml:ns:carddav"}


def dav(env, method, path, body=None, user="alice", password=None, headers=None,
        ctype="application/xml; charset=utf-8"):
    password = users(env)[user] if password is None else password
    url = env["STACK_CALDAV_URL"].replace("{user}", user) + path
    h = {"Authorization": "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()}
    if body is not None:
        h["Content-Type"] = ctype
    h.update(headers or {})
    req = urllib.request.Request(url, data=body.encode() if body is not None else None,
                                 method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@check
def dav_propfind_collections(env):
    body = ('<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:C="%s">'
            '<D:prop><D:resourcetype/><D:displayname/><C:supported-calendar-component-set/>'
            '<D:sync-token/></D:prop></D:propfind>' % NS["C"])
    code, out = dav(env, "PROPFIND", "", body, headers={"Depth": "1"})
    expect(code == 207, "PROPFIND %s: %r" % (code, out[:300]))
    root = ET.fromstring(out)
    found = {}
    for resp in root.findall("D:response", NS):
        href = resp.find("D:href", NS).text.rstrip("/").rsplit("/", 1)[-1]
        types = [c.tag for c in resp.iterfind(".//D:resourcetype/*", NS)]
        comps = [c.get("name") for c in resp.iterfind(".//C:supported-calendar-component-set/C:comp", NS)]
        found[href] = (types, comps)
    cal = "{%s}calendar" % NS["C"]
    book = "{%s}addressbook" % NS["CR"]
    expect(cal in found.get("calendar", ([], []))[0] and found["calendar"][1] == ["VEVENT"],
           "calendar: %r" % (found.get("calendar"),))
    expect(cal in found.get("tasks", ([], []))[0] and found["tasks"][1] == ["VTODO"],
           "tasks: %r" % (found.get("tasks"),))
    expect(book in found.get("contacts", ([], []))[0], "contacts: %r" % (found.get("contacts"),))


def sync_report(env, token):
    body = ('<?xml version="1.0"?><D:sync-collection xmlns:D="DAV:">'
            '<D:sync-token>%s</D:sync-token><D:sync-level>1</D:sync-level>'
            '<D:prop><D:getetag/></D:prop></D:sync-collection>' % (token or ""))
    code, out = dav(env, "REPORT", "calendar/", body)
    expect(code == 207, "sync-collection %s: %r" % (code, out[:300]))
    root = ET.fromstring(out)
    tok = root.find("D:sync-token", NS)
    expect(tok is not None and tok.text, "no sync-token in %r" % out[:300])
    hrefs = [r.find("D:href", NS).text for r in root.findall("D:response", NS)]
    return tok.text, hrefs


def put_event(env, uid):
    ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//airgate//selftest//EN\r\n"
           "BEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:20260101T000000Z\r\n"
           "DTSTART:20260102T100000Z\r\nDTEND:20260102T110000Z\r\nSUMMARY:selftest\r\n"
           "END:VEVENT\r\nEND:VCALENDAR\r\n" % uid)
    code, out = dav(env, "PUT", "calendar/%s.ics" % uid, ics,
                    ctype="text/calendar; charset=utf-8")
    expect(code in (200, 201, 204), "PUT %s: %r" % (code, out[:300]))


@check
def dav_sync_collection(env):
    uid1, uid2 = "st-" + uuid.uuid4().hex, "st-" + uuid.uuid4().hex
    put_event(env, uid1)
    tok1, hrefs = sync_report(env, None)
    expect(any(uid1 in h for h in hrefs), "initial sync lacks %s: %r" % (uid1, hrefs))
    put_event(env, uid2)
    tok2, hrefs = sync_report(env, tok1)
    expect(tok2 != tok1, "sync-token did not change")
    expect(any(uid2 in h for h in hrefs) and not any(uid1 in h for h in hrefs),
           "incremental sync should list only %s: %r" % (uid2, hrefs))


@check
def dav_bad_password(env):
    code, _ = dav(env, "PROPFIND", "", None, password="wrong", headers={"Depth": "0"})
    expect(code == 401, "PROPFIND with wrong password gave %s" % code)


@check
def dav_owner_only(env):
    code, _ = dav(env, "PROPFIND", "../bob/", None, headers={"Depth": "0"})
    expect(code in (403, 404), "alice reading bob's home gave %s" % code)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    if sys.argv[2] == "list":
        print("\n".join(CHECKS))
        return
    env = load_env(sys.argv[1])
    try:
        CHECKS[sys.argv[2]](env)
    except Fail as e:
        sys.exit(str(e))
    except Exception as e:  # a crash is a failure with its reason
        sys.exit("%s: %s" % (type(e).__name__, e))


if __name__ == "__main__":
    main()
