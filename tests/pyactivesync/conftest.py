"""Fixtures for running pyactivesync against airgate.

tests/run.sh starts airgate and sets AIRGATE_URL
(http://127.0.0.1:PORT/Microsoft-Server-ActiveSync) and AIRGATE_STACK_ENV (the stack.env of the
upstream stack airgate talks to). The mail tests each get a user of their own, added to the
stack's users file the way the Rust harness does it (tests/client/src/stack.rs, fresh_user), and
an IMAP session of that user to set up and check mail on the server directly.
"""
from __future__ import annotations

import imaplib
import itertools
import json
import os
import re
import secrets
import time
import uuid
from pathlib import Path

import pytest
from pyactivesync import Client

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "mail-corpus"

_counter = itertools.count(1)


def airgate_url() -> str:
    url = os.environ.get("AIRGATE_URL")
    if not url:
        pytest.fail("AIRGATE_URL is not set: run the suite with tests/run.sh")
    return url


def stack_env() -> dict[str, str]:
    path = os.environ.get("AIRGATE_STACK_ENV")
    if not path:
        pytest.fail("AIRGATE_STACK_ENV is not set: run the suite with tests/run.sh")
    env = {}
    for line in Path(path).read_text().splitlines():
        if "=" not in line or line.startswith("#"):
            continue
        key, value = line.split("=", 1)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        env[key] = value
    return env


def make_client(user: str, password: str) -> Client:
    c = Client(
        "unused.invalid",
        user,
        password,
        device_id="pyeas" + uuid.uuid4().hex[:16],
        timeout=60.0,
    )
    # pyactivesync builds https:// URLs from a host name; airgate listens on plain HTTP here.
    c._transport.base_url = airgate_url()
    # Loopback only: no proxy from the environment.
    c._transport.session.trust_env = False
    return c


def corpus_message(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def corpus_expected(name: str) -> dict:
    return json.loads((CORPUS / "expected.json").read_text())[name]


class Imap:
    """The few IMAP commands the tests need, on the stack's Dovecot (mailbox names are ASCII)."""

    def __init__(self, port: int, user: str, password: str) -> None:
        self.conn = imaplib.IMAP4("127.0.0.1", port)
        self.conn.login(user, password)

    def _ok(self, result):
        typ, data = result
        assert typ == "OK", (typ, data)
        return data

    @staticmethod
    def _q(mailbox: str) -> str:
        return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'

    def select(self, mailbox: str) -> None:
        self._ok(self.conn.select(self._q(mailbox)))

    def append(self, mailbox: str, raw: bytes, flags: str = "") -> int:
        typ, data = self.conn.append(self._q(mailbox), f"({flags})" if flags else None, None, raw)
        assert typ == "OK", (typ, data)
        m = re.search(rb"APPENDUID \d+ (\d+)", data[0])
        assert m, data
        return int(m.group(1))

    def uids(self, mailbox: str) -> list[int]:
        self.select(mailbox)
        data = self._ok(self.conn.uid("SEARCH", "ALL"))
        return sorted(int(u) for u in data[0].split())

    def flags(self, mailbox: str, uid: int) -> set[str]:
        self.select(mailbox)
        data = self._ok(self.conn.uid("FETCH", str(uid), "(FLAGS)"))
        m = re.search(rb"FLAGS \(([^)]*)\)", data[0])
        assert m, data
        return {f.decode() for f in m.group(1).split()} - {"\\Recent"}

    def fetch_raw(self, mailbox: str, uid: int) -> bytes:
        self.select(mailbox)
        data = self._ok(self.conn.uid("FETCH", str(uid), "(BODY.PEEK[])"))
        return next(part[1] for part in data if isinstance(part, tuple))

    def list(self) -> list[str]:
        names = []
        for line in self._ok(self.conn.list()):
            m = re.match(rb'\((?P<attrs>[^)]*)\) (?:"[^"]*"|NIL) (?P<name>.*)$', line)
            assert m, line
            name = m.group("name").decode()
            if name.startswith('"'):
                name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
            names.append(name)
        return names

    def create(self, mailbox: str) -> None:
        self._ok(self.conn.create(self._q(mailbox)))
        self._ok(self.conn.subscribe(self._q(mailbox)))

    def close(self) -> None:
        try:
            self.conn.logout()
        except (imaplib.IMAP4.error, OSError):
            pass


def fresh_user(prefix: str) -> tuple[str, str]:
    """A new mail user no other test uses, appended to the stack's users file; returns once
    Dovecot accepts the login (it re-reads the file at most once a second)."""
    env = stack_env()
    user = f"{prefix}-py{os.getpid()}-{next(_counter)}"
    password = secrets.token_hex(12)
    fd = os.open(env["STACK_USERS_FILE"], os.O_WRONLY | os.O_APPEND)
    try:
        os.write(fd, f"{user}:{password}\n".encode())
    finally:
        os.close(fd)
    time.sleep(1.05 - (time.time() % 1.0))
    port = int(env["STACK_IMAP_PORT"])
    deadline = time.monotonic() + 10
    while True:
        try:
            Imap(port, user, password).close()
            return user, password
        except imaplib.IMAP4.error:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


class Account:
    """A fresh user: an EAS client (pyactivesync) and an IMAP session."""

    def __init__(self, prefix: str) -> None:
        self.user, self.password = fresh_user(prefix)
        self.imap = Imap(int(stack_env()["STACK_IMAP_PORT"]), self.user, self.password)
        self.eas = make_client(self.user, self.password)

    def folder(self, type_=None, name: str | None = None):
        for f in self.eas.list_folders():
            if (type_ is None or f.type == type_) and (name is None or f.name == name):
                return f
        raise AssertionError(f"no folder of type {type_} named {name}")

    def sync_all(self, folder_id: str):
        """Bootstraps a collection and syncs it to the end; returns (key, added items)."""
        key = self.eas.sync_folder(folder_id).sync_key
        added = []
        while True:
            r = self.eas.sync_folder(folder_id, key, window_size=100)
            key = r.sync_key
            added.extend(r.added)
            if not r.more_available:
                return key, added

    def close(self) -> None:
        self.eas.close()
        self.imap.close()


@pytest.fixture
def account(request):
    prefix = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower())[:24].strip("-") or "py"
    a = Account(prefix)
    yield a
    a.close()
