//! Clients for the standards servers airgate sits in front of: IMAP (login,
//! capabilities, the mail operations of sync, a session pool), CalDAV/CardDAV (discovery), SMTP
//! submission (probe, streaming submit). See README.md.
//!
//! Endpoints are parsed once from the configuration ([`endpoint`]); every
//! TLS connection shares one [`TlsConfig`]. Errors separate "the server
//! refused these credentials" (HTTP 401 to the device) from "the server is
//! unavailable" (HTTP 503, retry later).

pub mod dav;
pub mod endpoint;
pub mod imap;
mod net;
pub mod smtp;
pub mod tls;

pub use dav::{CollectionKind, DavClient, DavCollection, DavError, DavInfo};
pub use endpoint::{DavEndpoint, EndpointError, ImapEndpoint, Security, ServerAddr, SmtpEndpoint};
pub use imap::{
    Capabilities, Capability, Changes, Flag, Flags, FlagsOf, ImapClient, ImapError, ImapProbe,
    ImapSession, ImapWatch, MailboxListing, MailboxStatus, MessageSummary, PooledSession, Selected,
    SessionPool, SpecialUse, StoreOp, SyncMode, WatchConfig, WatchEvent, WatchMode,
};
pub use net::{Failure, Timeouts};
pub use smtp::{
    Credentials, Envelope, RejectedRecipient, SmtpClient, SmtpError, SmtpInfo, SubmitError,
};
pub use tls::{TlsConfig, TlsError};

#[cfg(test)]
mod tests {
    use super::*;

    fn send_sync<T: Send + Sync>(_: &T) {}
    fn send<T: Send>(_: &T) {}

    /// The gateway shares clients across tasks and awaits these futures in
    /// spawned tasks.
    #[test]
    fn clients_and_futures_can_cross_tasks() {
        let tls = TlsConfig::platform();
        let timeouts = Timeouts::default();
        let imap = ImapClient::new(
            ImapEndpoint::parse("imap://127.0.0.1").unwrap(),
            tls.clone(),
            timeouts,
        );
        let smtp = SmtpClient::new(
            SmtpEndpoint::parse("smtp://127.0.0.1").unwrap(),
            tls.clone(),
            timeouts,
        );
        let dav = DavClient::new(
            DavEndpoint::parse("http://127.0.0.1/{user}/").unwrap(),
            &tls,
            timeouts,
        )
        .unwrap();
        send_sync(&imap);
        send_sync(&smtp);
        send_sync(&dav);
        send(&imap.login("u", "p"));
        send(&imap.probe());
        send(&smtp.probe());
        let envelope = Envelope {
            mail_from: "a@example.org".into(),
            rcpt_to: vec!["b@example.org".into()],
        };
        let creds = Credentials {
            user: "u",
            password: "p",
        };
        send(&smtp.submit(creds, &envelope, 1, &b"x"[..]));
        send(&dav.probe("u", "p"));
        fn session_is_send(s: ImapSession) -> impl Send {
            s
        }
        let _ = session_is_send;
        let pool = SessionPool::new(imap.clone(), 2, std::time::Duration::from_secs(60));
        send_sync(&pool);
        send(&pool.get("u", "p"));
        // The engine awaits these in spawned tasks too; type-checked only.
        fn mail_futures_are_send(s: &mut ImapSession, p: PooledSession) {
            send(&s.list_mailboxes());
            send(&s.status("INBOX"));
            send(&s.select("INBOX"));
            send(&s.ensure_selected("INBOX"));
            send(&s.changes_since(1));
            send(&s.uid_search(None));
            send(&s.fetch_summaries(&[1], &["From"]));
            send(&s.fetch_flags(&[1]));
            send(&s.fetch_section(1, "1", None));
            send(&s.fetch_sections(1, &[]));
            send(&s.store_flags(&[1], StoreOp::Add, &[]));
            send(&s.uid_move(&[1], "x"));
            send(&s.uid_copy(&[1], "x"));
            send(&s.append("x", &[], None, b""));
            send(&s.append_from("x", &[], None, 1, &b"x"[..]));
            send(&s.expunge_uids(&[1]));
            send(&s.create("x"));
            send(&s.rename("x", "y"));
            send(&s.delete("x"));
            send(&s.subscribe("x"));
            send(&s.unsubscribe("x"));
            send(&p);
        }
        let _ = mail_futures_are_send;
        // The push hub runs one watcher per user in a spawned task.
        fn watch_futures_are_send(
            s: ImapSession,
            mut w: ImapWatch,
            mut rx: tokio::sync::watch::Receiver<std::collections::BTreeSet<String>>,
        ) {
            send(&ImapWatch::start(s, WatchConfig::default()));
            send(&w.next(&mut rx));
            send(&w);
        }
        let _ = watch_futures_are_send;
    }
}
