#!/usr/bin/env bash
# seed.sh STATE_DIR USER: fill USER's account on a running stack with demo
# data: a few messages in INBOX (IMAP APPEND), one event in `calendar`, one
# task in `tasks`, one contact in `contacts` (HTTP PUT to Radicale).
# Safe to run twice: messages are skipped by Message-ID, DAV PUTs overwrite.
set -euo pipefail

die() { echo "seed.sh: $*" >&2; exit 1; }
[[ $# -eq 2 ]] || die "usage: seed.sh STATE_DIR USER"
S="$1"
USER_NAME="$2"
[[ -f $S/stack.env ]] || die "no $S/stack.env: start the stack with start.sh first"
# shellcheck disable=SC1091
source "$S/stack.env"
PASS="$(awk -F: -v u="$USER_NAME" '$1 == u { sub(/^[^:]*:/, ""); print; exit }' "$STACK_USERS_FILE")"
[[ -n $PASS ]] || die "user $USER_NAME not in $STACK_USERS_FILE"

/usr/bin/python3 - "$USER_NAME" "$PASS" "$STACK_IMAP_PORT" "$STACK_DAV_PORT" <<'PYEOF'
import base64, datetime as dt, imaplib, sys, time, urllib.request
from email.message import EmailMessage
from email.utils import format_datetime, parsedate_to_datetime

user, password, imap_port, dav_port = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
addr = "%s@example.test" % user

def msg(n, subject, sender, body, when, html=None, attach=None):
    m = EmailMessage()
    m["From"] = sender
    m["To"] = addr
    m["Subject"] = subject
    m["Date"] = format_datetime(when)
    m["Message-ID"] = "<seed-%d.%s@airgate.test>" % (n, user)
    m.set_content(body)
    if html:
        m.add_alternative(html, subtype="html")
    if attach:
        name, data, ctype = attach
        maintype, subtype = ctype.split("/")
        m.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return m

messages = [
    (msg(1, "Welcome to airgate", "Airgate <noreply@airgate.test>",
         "Hello %s,\n\nthis mailbox was seeded by tests/stack/seed.sh.\n" % user,
         now - dt.timedelta(days=2)), r"(\Seen)"),
    (msg(2, "Lunch on Friday?", "Bob Example <bob@example.test>",
         "Shall we meet at noon?\n",
         now - dt.timedelta(hours=5),
         html="<p>Shall we meet at <b>noon</b>?</p>"), r"()"),
    (msg(3, "Report attached", "Carol Example <carol@example.test>",
         "See the attached notes.\n",
         now - dt.timedelta(hours=1),
         attach=("notes.txt", b"line one\nline two\n", "text/plain")), r"(\Flagged)"),
]

m = imaplib.IMAP4("127.0.0.1", imap_port)
m.login(user, password)
m.select("INBOX")
added = 0
for message, flags in messages:
    typ, data = m.search(None, "HEADER", "Message-ID", message["Message-ID"])
    if typ == "OK" and data and data[0].split():
        continue
    date = imaplib.Time2Internaldate(parsedate_to_datetime(message["Date"]).timestamp())
    typ, resp = m.append("INBOX", flags, date, message.as_bytes())
    if typ != "OK":
        sys.exit("APPEND failed: %r" % resp)
    added += 1
m.logout()

auth = "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
def put(path, body, ctype):
    req = urllib.request.Request("http://127.0.0.1:%d/%s/%s" % (dav_port, user, path),
                                 data=body.encode(), method="PUT",
                                 headers={"Authorization": auth, "Content-Type": ctype})
    with urllib.request.urlopen(req, timeout=10) as r:
        if r.status not in (200, 201, 204):
            sys.exit("PUT %s: %s" % (path, r.status))

stamp = now.strftime("%Y%m%dT%H%M%SZ")
start = (now + dt.timedelta(days=1)).replace(hour=10, minute=0, second=0)
fmt = lambda t: t.strftime("%Y%m%dT%H%M%SZ")
put("calendar/seed-event-1.ics", "\r\n".join([
    "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//airgate//seed//EN",
    "BEGIN:VEVENT", "UID:seed-event-1@airgate.test", "DTSTAMP:" + stamp,
    "DTSTART:" + fmt(start), "DTEND:" + fmt(start + dt.timedelta(hours=1)),
    "SUMMARY:Team meeting", "LOCATION:Room 1", "DESCRIPTION:Seeded by seed.sh",
    "END:VEVENT", "END:VCALENDAR", ""]), "text/calendar; charset=utf-8")
put("tasks/seed-task-1.ics", "\r\n".join([
    "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//airgate//seed//EN",
    "BEGIN:VTODO", "UID:seed-task-1@airgate.test", "DTSTAMP:" + stamp,
    "DUE:" + fmt(now + dt.timedelta(days=3)), "SUMMARY:Buy milk",
    "STATUS:NEEDS-ACTION", "PRIORITY:5",
    "END:VTODO", "END:VCALENDAR", ""]), "text/calendar; charset=utf-8")
put("contacts/seed-contact-1.vcf", "\r\n".join([
    "BEGIN:VCARD", "VERSION:3.0", "UID:seed-contact-1@airgate.test",
    "FN:Bob Example", "N:Example;Bob;;;", "EMAIL;TYPE=INTERNET:bob@example.test",
    "TEL;TYPE=CELL:+1 555 0100", "ORG:Example Inc.",
    "END:VCARD", ""]), "text/vcard; charset=utf-8")
print("seeded %s: %d new message(s), 1 event, 1 task, 1 contact" % (user, added))
PYEOF
