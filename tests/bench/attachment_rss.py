#!/usr/bin/env python3
"""Memory of a large attachment download through airgate (design invariant 4, "bodies stream").

Seeds one message with a large attachment (default 50 MB of random bytes, base64 in the MIME)
into a fresh user of a running upstream stack, starts a release airgate against it, and fetches
the attachment with ItemOperations twice: inline (base64 `Data` inside the WBXML document) and as
`application/vnd.ms-sync.multipart` (`MS-ASAcceptMultiPart: T`). The client reads the body as it
arrives and throws it away. Meanwhile airgate's VmRSS is sampled from /proc/PID/status every
10 ms; VmHWM is reset (clear_refs) before each fetch and read after it. Prints the baseline, the
peak and the growth per form, and fails (exit 1) when the growth is above the target.

Usage (from the repository root, with the venv of tests/stack/install.sh):

    tests/stack/start.sh /tmp/stack                        # or any running stack
    CARGO_TARGET_DIR=/work/target-b cargo build --release -p airgate --bin airgate
    tests/stack/.venv/bin/python tests/bench/attachment_rss.py --stack-env /tmp/stack/stack.env \\
        --airgate /work/target-b/release/airgate

Needs to run as root or as the stack's user (it appends a user to the stack's users file) and
as the owner of the airgate process it starts (it writes /proc/PID/clear_refs).
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import imaplib
import os
import re
import secrets
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from pyactivesync import BodyType, Client, FolderType
from pyactivesync._wbxml import WBXMLWriter, wtag

ROOT = Path(__file__).resolve().parents[2]
MiB = 1024 * 1024


def read_env(path: Path) -> dict[str, str]:
    env = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
                v = v[1:-1]
            env[k] = v
    return env


def fresh_user(env: dict[str, str]) -> tuple[str, str]:
    user = f"rss-{os.getpid()}-{secrets.token_hex(3)}"
    password = secrets.token_hex(12)
    fd = os.open(env["STACK_USERS_FILE"], os.O_WRONLY | os.O_APPEND)
    try:
        os.write(fd, f"{user}:{password}\n".encode())
    finally:
        os.close(fd)
    time.sleep(1.05 - time.time() % 1.0)  # Dovecot re-reads the file at most once a second.
    return user, password


def imap_login(env: dict[str, str], user: str, password: str) -> imaplib.IMAP4:
    deadline = time.monotonic() + 10
    while True:
        try:
            conn = imaplib.IMAP4("127.0.0.1", int(env["STACK_IMAP_PORT"]))
            conn.login(user, password)
            return conn
        except imaplib.IMAP4.error:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def big_message(payload: bytes) -> bytes:
    b64 = base64.encodebytes(payload).replace(b"\n", b"\r\n")
    head = (
        "From: Bench <bench@example.org>\r\n"
        "To: Alice <alice@example.org>\r\n"
        "Subject: Large attachment\r\n"
        "Date: Sun, 22 Nov 2026 10:00:00 +0000\r\n"
        "Message-ID: <rss-bench@example.org>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b-rss"\r\n'
        "\r\n"
        "--b-rss\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n"
        "\r\n"
        "A large attachment follows.\r\n"
        "--b-rss\r\n"
        "Content-Type: application/octet-stream\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        'Content-Disposition: attachment; filename="large.bin"\r\n'
        "\r\n"
    ).encode()
    return head + b64 + b"--b-rss--\r\n"


class Airgate:
    def __init__(self, binary: Path, env: dict[str, str]) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="airgate-rss-"))
        self.proc = subprocess.Popen(
            [str(binary), "serve", "--listen", "127.0.0.1:0", "--state-dir", str(self.dir / "state"),
             "--imap", env["STACK_IMAP_URL"], "--smtp", env["STACK_SMTP_URL"],
             "--caldav", env["STACK_CALDAV_URL"], "--carddav", env["STACK_CARDDAV_URL"],
             "--email-domain", "example.org"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=open(self.dir / "stderr", "wb"),
            text=True,
        )
        line = self.proc.stdout.readline()
        m = re.match(r"airgate listening on (\S+)", line)
        if not m:
            self.stop()
            sys.exit(f"airgate did not start: {line!r}\n{(self.dir / 'stderr').read_text()}")
        self.url = m.group(1)

    def status(self, field: str) -> int:
        """A /proc/PID/status field in bytes."""
        text = Path(f"/proc/{self.proc.pid}/status").read_text()
        m = re.search(rf"^{field}:\s+(\d+) kB", text, re.M)
        return int(m.group(1)) * 1024

    def reset_peak(self) -> None:
        Path(f"/proc/{self.proc.pid}/clear_refs").write_text("5")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class Sampler(threading.Thread):
    """Samples VmRSS every 10 ms until stopped; keeps the largest value."""

    def __init__(self, airgate: Airgate) -> None:
        super().__init__(daemon=True)
        self.airgate = airgate
        self.peak = 0
        self.samples = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, self.airgate.status("VmRSS"))
            self.samples += 1
            time.sleep(0.01)

    def stop(self) -> None:
        self.done.set()
        self.join()


def fetch(client: Client, file_reference: str, multipart: bool, rate: float | None = None):
    """One ItemOperations Fetch of the attachment; reads and discards the body. Returns (bytes
    received, sha256 of part 1 for multipart or None, seconds). `rate`: read at most this many
    bytes per second (a slow phone), else as fast as airgate sends."""
    w = WBXMLWriter()
    w.tag("ItemOperations", "ItemOperations", children=[
        wtag("ItemOperations", "Fetch", children=[
            wtag("ItemOperations", "Store", text="Mailbox"),
            wtag("AirSyncBase", "FileReference", text=file_reference),
        ]),
    ])
    t = client._transport
    headers = {
        "Content-Type": "application/vnd.ms-sync.wbxml",
        "MS-ASProtocolVersion": "16.1",
        "X-MS-PolicyKey": t.policy_key,
    }
    if multipart:
        headers["MS-ASAcceptMultiPart"] = "T"
    params = {"Cmd": "ItemOperations", "User": client.user, "DeviceId": t.device_id,
              "DeviceType": t.device_type}
    start = time.monotonic()
    with t.session.post(t.base_url, params=params, data=w.render(), headers=headers,
                        stream=True, timeout=300) as resp:
        resp.raise_for_status()
        total = 0
        digest = hashlib.sha256() if multipart else None
        head = b""
        part1 = None  # (offset, length)
        for chunk in resp.iter_content(chunk_size=64 * 1024):
            if multipart:
                if part1 is None:
                    head += chunk
                    if len(head) >= 20:
                        count, = struct.unpack_from("<i", head, 0)
                        assert count == 2, count
                        part1 = struct.unpack_from("<ii", head, 12)
                        chunk = head
                        head = b""
                if part1 is not None:
                    lo = max(part1[0] - total, 0)
                    hi = min(part1[0] + part1[1] - total, len(chunk))
                    if lo < hi:
                        digest.update(chunk[lo:hi])
            total += len(chunk)
            if rate:
                ahead = total / rate - (time.monotonic() - start)
                if ahead > 0:
                    time.sleep(ahead)
    return total, digest.hexdigest() if digest else None, time.monotonic() - start


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--stack-env", default=os.environ.get("AIRGATE_STACK_ENV"),
                   help="the running stack's stack.env (default: $AIRGATE_STACK_ENV)")
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    p.add_argument("--airgate", default=str(target / "release" / "airgate"))
    p.add_argument("--size-mb", type=int, default=50, help="attachment size in MB (10^6 bytes)")
    p.add_argument("--target-mb", type=float, default=20.0, help="allowed RSS growth in MB")
    p.add_argument("--read-mb-per-s", type=float, default=None,
                   help="read the response at most this fast (default: as fast as it comes)")
    args = p.parse_args()
    if not args.stack_env:
        sys.exit("give --stack-env or set AIRGATE_STACK_ENV")
    env = read_env(Path(args.stack_env))

    payload = os.urandom(args.size_mb * 1000 * 1000)
    want = hashlib.sha256(payload).hexdigest()
    user, password = fresh_user(env)
    imap = imap_login(env, user, password)
    raw = big_message(payload)
    typ, data = imap.append("INBOX", None, None, raw)
    assert typ == "OK", data
    imap.logout()
    del raw
    print(f"seeded {user}: attachment of {len(payload):,} bytes")

    airgate = Airgate(Path(args.airgate), env)
    failed = False
    try:
        client = Client("unused.invalid", user, password, device_id="rss" + uuid.uuid4().hex[:12])
        client._transport.base_url = airgate.url
        client._transport.session.trust_env = False
        inbox = next(f for f in client.list_folders() if f.type == FolderType.INBOX)
        key = client.sync_folder(inbox.id).sync_key
        items = client.sync_folder(inbox.id, key).added
        item = client.fetch_item(inbox.id, items[0].server_id, body_type=BodyType.PLAIN_TEXT)
        reference = item.attachments[0].file_reference
        print(f"airgate pid {airgate.proc.pid} at {airgate.url}; FileReference {reference}")
        print(f"{'form':<10} {'received':>14} {'seconds':>8} {'baseline RSS':>13} "
              f"{'peak VmRSS':>11} {'VmHWM':>9} {'growth':>9}")
        for multipart in (False, True):
            time.sleep(0.5)
            baseline = airgate.status("VmRSS")
            airgate.reset_peak()
            sampler = Sampler(airgate)
            sampler.start()
            rate = args.read_mb_per_s * 1e6 if args.read_mb_per_s else None
            total, digest, secs = fetch(client, reference, multipart, rate)
            sampler.stop()
            hwm = airgate.status("VmHWM")
            peak = max(sampler.peak, hwm)
            growth = peak - baseline
            form = "multipart" if multipart else "inline"
            print(f"{form:<10} {total:>14,} {secs:>8.2f} {baseline / MiB:>10.1f} MiB "
                  f"{sampler.peak / MiB:>7.1f} MiB {hwm / MiB:>5.1f} MiB {growth / MiB:>5.1f} MiB")
            if multipart and digest != want:
                print("  multipart part 1 differs from the attachment!")
                failed = True
            if not multipart and total < len(payload) * 4 // 3:
                print("  inline body shorter than the base64 of the attachment!")
                failed = True
            if growth > args.target_mb * 1e6:
                print(f"  growth above the target of {args.target_mb} MB")
                failed = True
    finally:
        airgate.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
