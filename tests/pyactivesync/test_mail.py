"""pyactivesync's mail calls against airgate, each checked against what Dovecot holds.

One fresh user per test (see conftest.py); the messages come from tests/mail-corpus.
"""
from __future__ import annotations

import email
import email.policy

from pyactivesync import BodyType, EmailChange, FolderType, StatusError

from conftest import corpus_expected, corpus_message


def subject_of(name: str) -> str:
    return corpus_expected(name)["subject"]


def seed(account, names, mailbox="INBOX") -> dict[str, int]:
    """APPENDs corpus messages; returns {subject: uid}."""
    return {subject_of(n): account.imap.append(mailbox, corpus_message(n)) for n in names}


def by_subject(items) -> dict[str, str]:
    return {i.fields.get("Email.Subject"): i.server_id for i in items}


def test_list_folders_shows_the_mailboxes(account):
    account.imap.create("Projects")
    account.imap.create("Projects/Alpha")
    folders = account.eas.list_folders()
    types = {f.type for f in folders}
    for t in (FolderType.INBOX, FolderType.DRAFTS, FolderType.DELETED_ITEMS, FolderType.SENT_ITEMS):
        assert t in types, folders
    projects = next(f for f in folders if f.name == "Projects")
    alpha = next(f for f in folders if f.name == "Alpha")
    # 12 is "user-created mail folder" in MS-ASCMD 2.2.3.186.3 (pyactivesync names it
    # USER_GENERIC; its names for 12-18 are shifted by one against the spec).
    assert projects.type == 12
    assert projects.parent_id == "0"
    assert alpha.parent_id == projects.id
    # Ids are stable: the same again.
    assert {f.id for f in account.eas.list_folders()} == {f.id for f in folders}


def test_sync_folder_returns_every_message(account):
    names = ["01-plain-ascii.eml", "02-utf8-encoded-words.eml", "04-alternative.eml",
             "06-mixed-attachments.eml", "10-koi8r.eml"]
    seed(account, names)
    inbox = account.folder(FolderType.INBOX)
    first = account.eas.sync_folder(inbox.id)
    assert first.sync_key not in ("", "0")
    assert first.added == []
    r = account.eas.sync_folder(inbox.id, first.sync_key, window_size=3)
    assert len(r.added) == 3 and r.more_available
    r2 = account.eas.sync_folder(inbox.id, r.sync_key, window_size=3)
    assert len(r2.added) == 2 and not r2.more_available
    got = by_subject(r.added + r2.added)
    assert set(got) == {subject_of(n) for n in names}
    item = next(i for i in r.added + r2.added if i.fields["Email.Subject"] == subject_of(names[1]))
    assert corpus_expected(names[1])["from_email"] in item.fields["Email.From"]
    # Nothing new: no items.
    r3 = account.eas.sync_folder(inbox.id, r2.sync_key)
    assert (r3.added, r3.changed, r3.deleted) == ([], [], [])
    # A new message comes as one Add.
    account.imap.append("INBOX", corpus_message("08-latin1-qp.eml"))
    r4 = account.eas.sync_folder(inbox.id, r3.sync_key)
    assert [i.fields["Email.Subject"] for i in r4.added] == [subject_of("08-latin1-qp.eml")]


def test_fetch_item_in_each_body_type(account):
    uids = seed(account, ["04-alternative.eml"])
    inbox = account.folder(FolderType.INBOX)
    _, added = account.sync_all(inbox.id)
    sid = added[0].server_id
    expected = corpus_expected("04-alternative.eml")

    plain = account.eas.fetch_item(inbox.id, sid, body_type=BodyType.PLAIN_TEXT)
    assert plain.body.type == BodyType.PLAIN_TEXT
    assert expected["plain_contains"] in plain.body.data
    assert plain.fields["Email.Subject"] == expected["subject"]

    html = account.eas.fetch_item(inbox.id, sid, body_type=BodyType.HTML)
    assert html.body.type == BodyType.HTML
    assert expected["html_contains"] in html.body.data
    assert html.native_body_type == BodyType.HTML

    mime = account.eas.fetch_item(inbox.id, sid, body_type=BodyType.MIME)
    assert mime.body.type == BodyType.MIME
    uid = uids[expected["subject"]]
    assert mime.body.data == account.imap.fetch_raw("INBOX", uid)
    # Fetching does not mark it read.
    assert "\\Seen" not in account.imap.flags("INBOX", uid)


def test_fetch_attachment_gives_the_decoded_bytes(account):
    seed(account, ["06-mixed-attachments.eml"])
    inbox = account.folder(FolderType.INBOX)
    _, added = account.sync_all(inbox.id)
    item = account.eas.fetch_item(inbox.id, added[0].server_id, body_type=BodyType.PLAIN_TEXT)
    parsed = email.message_from_bytes(corpus_message("06-mixed-attachments.eml"), policy=email.policy.default)
    want = {p.get_filename(): p.get_content() for p in parsed.iter_attachments()}
    assert sorted(a.display_name for a in item.attachments) == sorted(want), item.attachments
    for att in item.attachments:
        data = account.eas.fetch_attachment(att.file_reference)
        assert data == want[att.display_name], att.display_name
        # An estimate from the encoded size (base64 padding is not known without reading).
        assert abs(att.estimated_data_size - len(data)) <= 2, att


def test_apply_email_changes_reach_imap(account):
    uids = seed(account, ["01-plain-ascii.eml", "04-alternative.eml", "08-latin1-qp.eml"])
    inbox = account.folder(FolderType.INBOX)
    key, added = account.sync_all(inbox.id)
    ids = by_subject(added)
    read_sub, flag_sub, gone_sub = (subject_of(n) for n in
                                    ("01-plain-ascii.eml", "04-alternative.eml", "08-latin1-qp.eml"))
    trash_before = account.imap.uids("Trash")

    result = account.eas.apply_email_changes(inbox.id, key, [
        EmailChange(server_id=ids[read_sub], read=True),
        EmailChange(server_id=ids[flag_sub], flagged=True),
        EmailChange(server_id=ids[gone_sub], delete=True),
    ])
    assert set(result.statuses.values()) == {"1"}, result.statuses
    assert "\\Seen" in account.imap.flags("INBOX", uids[read_sub])
    assert "\\Flagged" in account.imap.flags("INBOX", uids[flag_sub])
    assert uids[gone_sub] not in account.imap.uids("INBOX")
    # DeletesAsMoves (pyactivesync's default): the message is in the Trash now.
    assert len(account.imap.uids("Trash")) == len(trash_before) + 1

    # Unflag and mark unread again.
    result = account.eas.apply_email_changes(inbox.id, result.sync_key, [
        EmailChange(server_id=ids[read_sub], read=False),
        EmailChange(server_id=ids[flag_sub], flagged=False),
    ])
    assert set(result.statuses.values()) == {"1"}, result.statuses
    assert "\\Seen" not in account.imap.flags("INBOX", uids[read_sub])
    assert "\\Flagged" not in account.imap.flags("INBOX", uids[flag_sub])

    # The device's own changes do not come back to it.
    r = account.eas.sync_folder(inbox.id, result.sync_key)
    assert (r.added, r.deleted) == ([], []), r


def test_a_delete_without_deletes_as_moves_removes_the_message(account):
    uids = seed(account, ["01-plain-ascii.eml", "04-alternative.eml"])
    inbox = account.folder(FolderType.INBOX)
    key, added = account.sync_all(inbox.id)
    subject = subject_of("01-plain-ascii.eml")
    result = account.eas.apply_email_changes(
        inbox.id, key, [EmailChange(server_id=by_subject(added)[subject], delete=True)],
        deletes_as_moves=False,
    )
    assert set(result.statuses.values()) == {"1"}, result.statuses
    assert account.imap.uids("INBOX") == [uids[subject_of("04-alternative.eml")]]
    assert account.imap.uids("Trash") == []


def test_move_item_returns_the_new_id(account):
    uids = seed(account, ["01-plain-ascii.eml", "04-alternative.eml"])
    account.imap.create("Archive")
    inbox = account.folder(FolderType.INBOX)
    archive = account.folder(name="Archive")
    inbox_key, added = account.sync_all(inbox.id)
    archive_key, _ = account.sync_all(archive.id)
    subject = subject_of("04-alternative.eml")
    sid = by_subject(added)[subject]

    new_id = account.eas.move_item(sid, inbox.id, archive.id)
    assert new_id and new_id != sid
    assert uids[subject] not in account.imap.uids("INBOX")
    [new_uid] = account.imap.uids("Archive")
    moved = account.eas.fetch_item(archive.id, new_id, body_type=BodyType.MIME)
    assert moved.body.data == account.imap.fetch_raw("Archive", new_uid)
    # The device moved it: no Delete in the source, no Add in the destination.
    r = account.eas.sync_folder(inbox.id, inbox_key)
    assert r.deleted == [] and r.added == []
    r = account.eas.sync_folder(archive.id, archive_key)
    assert r.added == [] and r.deleted == []


def test_move_item_to_an_unknown_folder_fails(account):
    seed(account, ["01-plain-ascii.eml"])
    inbox = account.folder(FolderType.INBOX)
    _, added = account.sync_all(inbox.id)
    try:
        account.eas.move_item(added[0].server_id, inbox.id, "no-such-folder")
    except StatusError as e:
        assert e.code == "2", e
    else:
        raise AssertionError("MoveItems to an unknown folder succeeded")
    assert len(account.imap.uids("INBOX")) == 1


def test_get_item_estimate_counts_what_is_to_come(account):
    seed(account, ["01-plain-ascii.eml", "02-utf8-encoded-words.eml", "04-alternative.eml",
                   "08-latin1-qp.eml"])
    inbox = account.folder(FolderType.INBOX)
    key = account.eas.sync_folder(inbox.id).sync_key
    assert account.eas.get_item_estimate(inbox.id, key) == 4
    r = account.eas.sync_folder(inbox.id, key, window_size=3)
    assert account.eas.get_item_estimate(inbox.id, r.sync_key) == 1
    r = account.eas.sync_folder(inbox.id, r.sync_key)
    assert account.eas.get_item_estimate(inbox.id, r.sync_key) == 0
    account.imap.append("INBOX", corpus_message("09-windows-1252.eml"))
    assert account.eas.get_item_estimate(inbox.id, r.sync_key) == 1


def test_create_update_and_delete_folder(account):
    # pyactivesync's default type is 12, a user-created mail folder in MS-ASCMD.
    created = account.eas.create_folder("Receipts")
    assert "Receipts" in account.imap.list()
    assert any(f.id == created.id and f.name == "Receipts" for f in account.eas.list_folders())

    child = account.eas.create_folder("2026", parent_id=created.id)
    assert "Receipts/2026" in account.imap.list()

    account.eas.update_folder(created.id, "Invoices")
    names = account.imap.list()
    assert "Invoices" in names and "Invoices/2026" in names and "Receipts" not in names
    folders = {f.id: f for f in account.eas.list_folders()}
    assert folders[created.id].name == "Invoices"
    assert folders[child.id].parent_id == created.id

    account.eas.delete_folder(child.id)
    assert "Invoices/2026" not in account.imap.list()
    account.eas.delete_folder(created.id)
    assert "Invoices" not in account.imap.list()
    assert created.id not in {f.id for f in account.eas.list_folders()}
