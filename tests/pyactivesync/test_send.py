"""pyactivesync's send_mail against airgate: what the stack's SMTP sink received, and the copy
Dovecot holds in Sent."""
from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path

from conftest import stack_env


def submitted_by(user: str) -> list[tuple[dict, bytes]]:
    """The messages the sink accepted from `user` (its AUTH name), oldest first."""
    out = Path(stack_env()["STACK_DIR"]) / "smtp"
    found = []
    for meta_path in sorted(out.glob("[0-9]*.json")):
        meta = json.loads(meta_path.read_text())
        if meta.get("auth_user") == user:
            found.append((meta, (out / meta["eml"]).read_bytes()))
    return found


def test_send_mail_submits_the_message_and_files_it_in_sent(account):
    msg = EmailMessage()
    msg["From"] = f"{account.user}@example.org"
    msg["To"] = "bob@example.net"
    msg["Bcc"] = "carol@example.net"
    msg["Subject"] = "From pyactivesync"
    msg.set_content("Hello from a phone.\n")
    account.eas.send_mail(msg, save_in_sent_items=True)
    got = submitted_by(account.user)
    assert len(got) == 1
    meta, eml = got[0]
    assert sorted(meta["rcpt_tos"]) == ["bob@example.net", "carol@example.net"]
    assert b"carol@" not in eml
    assert b"Hello from a phone." in eml
    sent = account.imap.uids("Sent")
    assert len(sent) == 1
    assert b"Bcc: carol@example.net" in account.imap.fetch_raw("Sent", sent[0])
    assert "\\Seen" in account.imap.flags("Sent", sent[0])


def test_send_mail_with_the_same_client_id_twice_sends_once(account):
    msg = EmailMessage()
    msg["From"] = f"{account.user}@example.org"
    msg["To"] = "bob@example.net"
    msg["Subject"] = "Only once"
    msg.set_content("Once.\n")
    account.eas.send_mail(msg, client_id="same-id-1")
    account.eas.send_mail(msg, client_id="same-id-1")
    assert len(submitted_by(account.user)) == 1
