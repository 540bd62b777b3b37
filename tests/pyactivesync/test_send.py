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


def test_create_email_draft_stores_a_draft_message_in_drafts(account):
    from pyactivesync import FolderType

    drafts = account.folder(FolderType.DRAFTS)
    first = account.eas.sync_folder(drafts.id)
    msg = EmailMessage()
    msg["From"] = f"{account.user}@example.org"
    msg["To"] = "bob@example.net"
    msg["Subject"] = "Unfinished"
    msg.set_content("Half a thought.\n")
    msg.add_attachment(b"\x00\x01binary", maintype="application", subtype="octet-stream",
                       filename="data.bin")
    r = account.eas.create_email_draft(drafts.id, first.sync_key, msg)
    assert str(r.status) == "1", r
    assert r.server_id
    uids = account.imap.uids("Drafts")
    assert len(uids) == 1
    assert "\\Draft" in account.imap.flags("Drafts", uids[0])
    raw = account.imap.fetch_raw("Drafts", uids[0])
    assert b"Subject: Unfinished" in raw and b"data.bin" in raw
    # The device that made it does not get it back as new.
    again = account.eas.sync_folder(drafts.id, r.sync_key)
    assert again.added == []
