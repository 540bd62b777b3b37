//! SendMail, SmartReply and SmartForward (MS-ASCMD 2.2.1.17, 2.2.1.18, 2.2.1.19): the device's
//! message is checked (sender, recipients), completed with the original for a reply or
//! forward, submitted, copied to Sent Items and noted on the original (`\Answered`,
//! `$Forwarded`).
//!
//! Nothing is sent twice: a ClientId already accepted is answered with success without a
//! second submission, and the record is written as soon as the server accepts the message,
//! before the Sent copy. Nothing is lost silently: a temporary failure is a 503 for the
//! device to retry (it keeps the message in its outbox), a permanent one the spec's status.

mod original;
mod outbox;
mod stream;
#[cfg(test)]
mod tests;

pub use original::Located;
pub(crate) use original::{read as read_original, whole as whole_body};
pub use outbox::{Envelope, NoOutbox, Outbox, SubmitError};

use convert::mail::outgoing::{self as out, Composed, OutgoingError, Piece, Smart};
use eas::CommonStatus;
use eas::compose_mail::{ComposeKind, ComposeMailRequest};
use tokio::io::AsyncSeekExt;

use super::backend::{Flag, MailBackend};
use super::{MailContext, Reply, blocking};
use crate::EngineError;

/// A retry of a submission comes within minutes; its record is kept this long.
const KEEP_SUBMISSIONS_SECS: i64 = 30 * 24 * 3600;

/// Who the user may send as, and how sending is configured.
#[derive(Clone, Debug)]
pub struct SendConfig {
    /// Append a copy to Sent Items when the device asks (off for servers that file sent mail
    /// themselves).
    pub save_in_sent: bool,
    /// Any From is accepted (the submission server is trusted to check it).
    pub any_from: bool,
    /// The largest message submitted, in bytes.
    pub max_message_bytes: u64,
    /// The right side of Message-IDs we add.
    pub id_domain: String,
}

impl Default for SendConfig {
    fn default() -> Self {
        SendConfig {
            save_in_sent: true,
            any_from: false,
            max_message_bytes: 25 * 1024 * 1024,
            id_domain: "airgate.invalid".into(),
        }
    }
}

/// The addresses this user may write in From (the first is the envelope sender when From
/// is missing).
#[derive(Clone, Debug)]
pub struct Identity {
    pub addresses: Vec<String>,
}

impl Identity {
    fn may_send_as(&self, address: &str, config: &SendConfig) -> bool {
        config.any_from
            || self
                .addresses
                .iter()
                .any(|a| a.eq_ignore_ascii_case(address))
    }
}

/// Runs one SendMail, SmartReply or SmartForward.
pub async fn compose_mail<B: MailBackend, O: Outbox>(
    ctx: &MailContext<'_>,
    backend: &mut B,
    outbox: &mut O,
    req: &ComposeMailRequest,
) -> Result<Reply, EngineError> {
    let config = &ctx.config.send;
    let command = req.kind.command();
    let fail = |status: CommonStatus| {
        tracing::info!(%status, "submission refused");
        Ok(Reply::Failed(status.reply(command, ctx.version)))
    };
    if let Some(client_id) = req.client_id.clone() {
        let dev = ctx.device.clone();
        let done = blocking(ctx.store, move |s| Ok(s.submission(&dev, &client_id)?)).await?;
        if done.is_some() {
            tracing::info!("a retried submission: accepted before, not sent again");
            return Ok(Reply::Empty);
        }
    }
    let outgoing = match out::inspect(&req.mime, ctx.now, &config.id_domain) {
        Ok(o) => o,
        Err(OutgoingError::NoRecipients) => return fail(CommonStatus::MessageHasNoRecipient),
        Err(e) => {
            tracing::info!(error = %e, "the device's message is not MIME");
            return fail(CommonStatus::InvalidMime);
        }
    };
    // Nobody may send as anyone without an identity (the gateway always gives one).
    let nobody = Identity {
        addresses: Vec::new(),
    };
    let identity = ctx.identity.unwrap_or(&nobody);
    let Some(sender) = sender(&outgoing, identity, config) else {
        return fail(CommonStatus::AccessDenied);
    };

    // The message as it will go out, and where its original is.
    let (mut composed, original) = match req.kind {
        ComposeKind::SendMail => (outgoing.composed(&req.mime), None),
        ComposeKind::SmartReply | ComposeKind::SmartForward => {
            let smart = if req.kind == ComposeKind::SmartReply {
                Smart::Reply
            } else {
                Smart::Forward
            };
            let source = req.source.as_ref();
            let item = source.and_then(|s| s.item_id.as_deref());
            let folder = source.and_then(|s| s.folder_id.as_deref());
            let Some(item) = item else {
                // LongId (Search results) is not offered: Search is not implemented.
                return fail(CommonStatus::ItemNotFound);
            };
            let Some(at) = original::locate(ctx, folder, item).await? else {
                return fail(CommonStatus::ItemNotFound);
            };
            let forward = smart == Smart::Forward && !req.replace_mime;
            let Some(orig) = original::read(backend, &at, forward).await? else {
                return fail(CommonStatus::ItemNotFound);
            };
            let seed = rand::random::<u64>();
            match out::compose(smart, &outgoing, &req.mime, &orig, req.replace_mime, seed) {
                Ok(c) => (c, Some(at)),
                Err(e) => {
                    tracing::info!(error = %e, "reply or forward not composed");
                    return fail(CommonStatus::InvalidMime);
                }
            }
        }
    };
    if sender.added {
        let line = format!("From: {}\r\n", sender.address).into_bytes();
        composed.head_submit.splice(0..0, line.iter().copied());
        composed.head_sent.splice(0..0, line);
    }
    let len = composed.len_submit();
    if len > config.max_message_bytes {
        return fail(CommonStatus::AttachmentIsTooLarge);
    }
    let envelope = Envelope {
        mail_from: sender.address.clone(),
        rcpt_to: outgoing.recipients(),
    };
    let sent_box = if req.save_in_sent_items && config.save_in_sent {
        sent_mailbox(ctx, backend).await?
    } else {
        None
    };

    // Submit, copying the Sent version aside when it needs parts of the original (the IMAP
    // session cannot fetch them while it APPENDs).
    let uid = original.as_ref().map(|o| o.uid);
    let copies_parts = composed
        .body
        .iter()
        .any(|p| matches!(p, Piece::Part { .. }));
    let mut spool = match (&sent_box, copies_parts) {
        (Some(_), true) => Some(spool_file().await?),
        _ => None,
    };
    let (mut writer, reader) = tokio::io::duplex(64 * 1024);
    let submit = outbox.submit(&envelope, len, reader);
    let feed = async {
        let tee = spool.as_mut().map(|f| (composed.head_sent.as_slice(), f));
        let r = stream::feed(
            backend,
            uid,
            &composed.head_submit,
            &composed.body,
            &mut writer,
            tee,
        )
        .await;
        drop(writer);
        r
    };
    let (fed, submitted) = tokio::join!(feed, submit);
    match submitted {
        Ok(()) => {}
        Err(e) => {
            if let Err(f) = &fed {
                tracing::info!(error = %f, "the message could not be read out");
            }
            return submit_failed(e, command, ctx);
        }
    }
    if let Err(e) = fed {
        // The server accepted what it got while the feed failed: cannot happen with a
        // complete length check, but never report success then.
        tracing::warn!(error = %e, "message feed failed after acceptance");
        return Err(EngineError::Unavailable(e.to_string()));
    }
    tracing::info!(
        recipients = envelope.rcpt_to.len(),
        bytes = len,
        "message submitted"
    );

    if let Some(client_id) = req.client_id.clone() {
        let dev = ctx.device.clone();
        let now = ctx.now;
        blocking(ctx.store, move |s| {
            s.write(|tx| {
                tx.put_submission(
                    &dev,
                    &client_id,
                    &state::Submission { at: now },
                    now - KEEP_SUBMISSIONS_SECS,
                )
            })?;
            Ok(())
        })
        .await?;
    }

    // Sent again is worse than a missing Sent copy or flag: failures from here on are logged.
    if let Some(mailbox) = &sent_box {
        let len = composed.len_sent();
        let appended = match spool.as_mut() {
            Some(file) => match file.seek(std::io::SeekFrom::Start(0)).await {
                Ok(_) => backend.append(mailbox, &[Flag::Seen], len, file).await,
                Err(e) => Err(super::backend::BackendError::Unavailable(e.to_string())),
            },
            None => {
                let bytes = sent_bytes(&composed);
                backend
                    .append(mailbox, &[Flag::Seen], len, &mut bytes.as_slice())
                    .await
            }
        };
        if let Err(e) = appended {
            tracing::warn!(error = %e, "the message was sent but not copied to Sent Items");
        }
    }
    if let Some(at) = &original {
        let flag = if req.kind == ComposeKind::SmartReply {
            Flag::Answered
        } else {
            Flag::forwarded()
        };
        let marked = match backend.select(&at.mailbox).await {
            Ok(_) => backend.add_flags(&[at.uid], &[flag]).await,
            Err(e) => Err(e),
        };
        if let Err(e) = marked {
            tracing::warn!(error = %e, "the original was not marked answered or forwarded");
        }
    }
    Ok(Reply::Empty)
}

/// Sent Items: from the device's folder list, or from the mail server's when the device has
/// not run FolderSync (a device may send first).
async fn sent_mailbox<B: MailBackend>(
    ctx: &MailContext<'_>,
    backend: &mut B,
) -> Result<Option<String>, EngineError> {
    if let Some(m) = super::special_mailbox(ctx, eas::FolderType::SentItems).await? {
        return Ok(Some(m));
    }
    let folders = super::hierarchy::current_folders(ctx, backend).await?;
    Ok(folders
        .into_iter()
        .find(|f| f.folder_type == eas::FolderType::SentItems)
        .map(|f| f.mailbox.name))
}

/// The envelope sender: the From the device wrote if the user may send as it, else none
/// (refused); the user's first address when the device wrote no From (then added).
struct Sender {
    address: String,
    added: bool,
}

fn sender(o: &out::Outgoing, identity: &Identity, config: &SendConfig) -> Option<Sender> {
    match o.from.as_slice() {
        [] => identity.addresses.first().map(|a| Sender {
            address: a.clone(),
            added: true,
        }),
        from => {
            if let Some(bad) = from
                .iter()
                .find(|a| !identity.may_send_as(&a.email, config))
            {
                tracing::info!(
                    from_domain = domain(&bad.email),
                    "From is not one of the user's addresses"
                );
                return None;
            }
            Some(Sender {
                address: from[0].email.clone(),
                added: false,
            })
        }
    }
}

fn domain(address: &str) -> &str {
    address.rsplit_once('@').map_or("", |(_, d)| d)
}

fn sent_bytes(c: &Composed) -> Vec<u8> {
    let mut v = c.head_sent.clone();
    for p in &c.body {
        if let Piece::Bytes(b) = p {
            v.extend_from_slice(b);
        }
    }
    v
}

async fn spool_file() -> Result<tokio::fs::File, EngineError> {
    let f = tokio::task::spawn_blocking(tempfile::tempfile)
        .await
        .map_err(|e| EngineError::Unavailable(e.to_string()))?
        .map_err(|e| EngineError::Unavailable(format!("no spool file: {e}")))?;
    Ok(tokio::fs::File::from_std(f))
}

fn submit_failed(
    e: SubmitError,
    command: eas::Command,
    ctx: &MailContext<'_>,
) -> Result<Reply, EngineError> {
    let status = match &e {
        SubmitError::Temporary(why) => {
            tracing::warn!(%why, "submission failed for now; the device will retry");
            return Err(EngineError::Unavailable(e.to_string()));
        }
        SubmitError::AuthFailed => {
            tracing::warn!("the submission server refused the user's credentials");
            CommonStatus::MailSubmissionFailed
        }
        SubmitError::TooLarge => CommonStatus::AttachmentIsTooLarge,
        SubmitError::RecipientsRejected(_) => CommonStatus::InvalidRecipients,
        SubmitError::SenderRejected(_) | SubmitError::MessageRejected(_) => {
            CommonStatus::MailSubmissionFailed
        }
    };
    tracing::info!(error = %e, %status, "submission refused by the server");
    Ok(Reply::Failed(status.reply(command, ctx.version)))
}
