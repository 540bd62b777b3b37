//! The IMAP push source: one watcher connection per user (NOTIFY, or IDLE plus STATUS polls)
//! publishing its mailbox listing and counters into the user's push snapshot.

use std::sync::Arc;

use engine::push::{Feed, Login, Source, Watching};
use upstream::ImapClient;
use upstream::imap::{ImapWatch, WatchConfig, WatchEvent};

use crate::mail::{mailbox_of, status_state, tracking_of};

pub struct ImapSource {
    client: ImapClient,
    config: WatchConfig,
    /// Watchers logging in at once: after a restart every device Pings within seconds, and
    /// an IMAP server logs users in at a limited rate (Dovecot here: about 80 a second);
    /// queued logins wait instead of timing out.
    logins: Arc<tokio::sync::Semaphore>,
}

/// See [`ImapSource::logins`].
const CONCURRENT_LOGINS: usize = 16;

impl ImapSource {
    pub fn new(client: ImapClient, config: WatchConfig) -> Arc<ImapSource> {
        Arc::new(ImapSource {
            client,
            config,
            logins: Arc::new(tokio::sync::Semaphore::new(CONCURRENT_LOGINS)),
        })
    }
}

impl Source for ImapSource {
    fn watch(&self, login: Login, feed: Feed) -> Watching {
        let client = self.client.clone();
        let config = self.config.clone();
        let logins = self.logins.clone();
        Box::pin(async move {
            let permit = logins.acquire_owned().await.map_err(|e| e.to_string())?;
            let session = client
                .login(&login.user, &login.password)
                .await
                .map_err(|e| e.to_string())?;
            drop(permit);
            drop(login);
            let _counted = feed.connection();
            let tracking = tracking_of(session.mode());
            let (mut watch, listing, states) = ImapWatch::start(session, config)
                .await
                .map_err(|e| e.to_string())?;
            tracing::debug!(mode = ?watch.mode(), "push watcher started");
            feed.publish(|snap| {
                let mail = &mut snap.mail;
                mail.tracking = Some(tracking);
                mail.set_listing(listing.into_iter().map(mailbox_of).collect());
                for (name, status) in states {
                    mail.set_state(&name, status_state(status));
                }
                mail.ready = true;
                true
            });
            let mut interest = feed.interest();
            loop {
                let events = watch.next(&mut interest).await.map_err(|e| e.to_string())?;
                feed.publish(|snap| {
                    let mut changed = false;
                    for event in events {
                        match event {
                            WatchEvent::Status { mailbox, status } => {
                                changed |= snap.mail.set_state(&mailbox, status_state(status));
                            }
                            WatchEvent::Listing(listing) => {
                                snap.mail
                                    .set_listing(listing.into_iter().map(mailbox_of).collect());
                                changed = true;
                            }
                        }
                    }
                    changed
                });
            }
        })
    }
}
