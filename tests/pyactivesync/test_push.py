"""Push with pyactivesync: a Ping is held until mail arrives in a watched folder."""
from __future__ import annotations

import threading
import time


def test_ping_answers_when_mail_arrives(account):
    inbox = account.folder(name="Inbox")
    sent = account.folder(name="Sent")
    for f in (inbox, sent):
        account.sync_all(f.id)
    result = {}

    def ping():
        result["ping"] = account.eas.ping([inbox.id, sent.id], heartbeat=120, timeout=30)
        result["at"] = time.monotonic()

    t = threading.Thread(target=ping)
    t.start()
    time.sleep(0.7)
    assert t.is_alive(), "the Ping was answered before anything changed"
    account.imap.append(
        "INBOX",
        b"From: a@example.net\r\nTo: b@example.org\r\nSubject: pushed\r\n\r\nhi\r\n",
    )
    appended = time.monotonic()
    t.join(10)
    assert not t.is_alive(), "no answer to the Ping"
    assert result["ping"].status == "2"
    assert result["ping"].changed_folder_ids == [inbox.id]
    assert result["at"] - appended < 2.0


def test_a_ping_with_a_heartbeat_below_the_minimum_gets_status_5(account):
    inbox = account.folder(name="Inbox")
    r = account.eas.ping([inbox.id], heartbeat=10, timeout=10)
    assert r.status == "5"
