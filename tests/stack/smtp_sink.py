#!/usr/bin/env python3
"""SMTP submission sink for the airgate test stack.

Listens on 127.0.0.1, offers AUTH PLAIN/LOGIN without TLS, checks credentials
against a users file ("user:password" per line, the same file Dovecot and
Radicale read) and stores every accepted message under OUT_DIR as
NNNNNN-<unix-ms>.eml (the raw DATA bytes) plus a sidecar NNNNNN-<unix-ms>.json
holding the envelope. The .json is written before the .eml and both by
rename, so a test that sees the .eml can read both complete files.
"""
import argparse
import asyncio
import itertools
import json
import logging
import os
import signal
import time
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def load_users(path):
    users = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#") or ":" not in line:
                continue
            user, password = line.split(":", 1)
            users[user] = password
    return users


class Authenticator:
    def __init__(self, users_file):
        self.users_file = users_file

    def __call__(self, server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        # Re-read each time so users added after start are seen.
        users = load_users(self.users_file)
        login = auth_data.login.decode("utf-8", "replace")
        password = auth_data.password.decode("utf-8", "replace")
        if users.get(login) == password:
            return AuthResult(success=True, auth_data=login)
        return AuthResult(success=False, handled=False)


class Store:
    def __init__(self, out_dir):
        self.out_dir = out_dir
        os.makedirs(out_dir, exist_ok=True)
        existing = [n for n in os.listdir(out_dir) if n.endswith(".eml")]
        self.counter = itertools.count(len(existing) + 1)

    def _write(self, path, data):
        tmp = os.path.join(self.out_dir, "." + os.path.basename(path) + ".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, path)

    async def handle_DATA(self, server, session, envelope):
        now = time.time()
        base = "%06d-%d" % (next(self.counter), int(now * 1000))
        raw = envelope.original_content or b""
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "mail_options": list(envelope.mail_options),
            "rcpt_options": list(envelope.rcpt_options),
            "auth_user": session.auth_data if isinstance(session.auth_data, str) else None,
            "peer": list(session.peer) if session.peer else None,
            "helo": session.host_name,
            "received_at": now,
            "size": len(raw),
            "eml": base + ".eml",
        }
        self._write(os.path.join(self.out_dir, base + ".json"),
                    json.dumps(meta, indent=2).encode())
        self._write(os.path.join(self.out_dir, base + ".eml"), raw)
        return "250 OK stored as %s" % base


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--users", required=True, help="user:password file")
    ap.add_argument("--out", required=True, help="directory for .eml/.json")
    ap.add_argument("--no-auth-required", action="store_true",
                    help="accept mail without AUTH (default: AUTH required)")
    args = ap.parse_args()

    # AUTH without TLS is the point here (loopback only); silence the warnings.
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    logging.getLogger("mail.log").setLevel(logging.ERROR)

    store = Store(args.out)
    auth = Authenticator(args.users)

    def factory():
        return SMTP(
            store,
            hostname="airgate-smtp-sink",
            ident="airgate test sink",
            authenticator=auth,
            auth_required=not args.no_auth_required,
            auth_require_tls=False,
            enable_SMTPUTF8=True,
            data_size_limit=64 * 1024 * 1024,
        )

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(factory, host=args.host, port=args.port))
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, loop.stop)
    print("smtp sink listening on %s:%d, storing into %s"
          % (args.host, args.port, args.out), flush=True)
    try:
        loop.run_forever()
    finally:
        server.close()
        loop.run_until_complete(server.wait_closed())
        loop.close()


if __name__ == "__main__":
    main()
