//! SendMail, SmartReply and SmartForward: the request in either form (12.x raw MIME with the
//! query, 14.0+ WBXML), the user's identity, and the engine's `Outbox` over SMTP submission
//! with the device's own credentials.

use eas::compose_mail::{ComposeKind, ComposeMailRequest};
use engine::mail::send::{Envelope, Identity, Outbox, SubmitError};
use tokio::io::AsyncRead;
use upstream::smtp::{self, SmtpClient};

use crate::Gateway;
use crate::request::EasRequest;
use crate::response::Reject;

/// Submission over SMTP as the device's user.
pub struct SmtpOutbox<'a> {
    pub client: &'a SmtpClient,
    pub user: &'a str,
    pub password: &'a str,
}

impl Outbox for SmtpOutbox<'_> {
    async fn submit<R: AsyncRead + Unpin + Send>(
        &mut self,
        envelope: &Envelope,
        len: u64,
        message: R,
    ) -> Result<(), SubmitError> {
        let env = smtp::Envelope {
            mail_from: envelope.mail_from.clone(),
            rcpt_to: envelope.rcpt_to.clone(),
        };
        let creds = smtp::Credentials {
            user: self.user,
            password: self.password,
        };
        self.client
            .submit(creds, &env, len, message)
            .await
            .map_err(|e| match e {
                smtp::SubmitError::Unavailable { .. } => SubmitError::Temporary(e.to_string()),
                smtp::SubmitError::AuthFailed { .. } => SubmitError::AuthFailed,
                smtp::SubmitError::TooLarge { .. } => SubmitError::TooLarge,
                smtp::SubmitError::SenderRejected { code, text } => {
                    SubmitError::SenderRejected(format!("{code} {text}"))
                }
                smtp::SubmitError::RecipientsRejected { rejected } => {
                    SubmitError::RecipientsRejected(
                        rejected.into_iter().map(|r| r.address).collect(),
                    )
                }
                smtp::SubmitError::MessageRejected { code, text } => {
                    SubmitError::MessageRejected(format!("{code} {text}"))
                }
            })
    }
}

/// The submission server when one is configured (Sync sends drafts with `email2:Send`).
pub enum AnyOutbox<'a> {
    Smtp(SmtpOutbox<'a>),
    None,
}

impl Outbox for AnyOutbox<'_> {
    async fn submit<R: AsyncRead + Unpin + Send>(
        &mut self,
        envelope: &Envelope,
        len: u64,
        message: R,
    ) -> Result<(), SubmitError> {
        match self {
            AnyOutbox::Smtp(o) => o.submit(envelope, len, message).await,
            AnyOutbox::None => {
                engine::mail::send::NoOutbox
                    .submit(envelope, len, message)
                    .await
            }
        }
    }
}

/// The request, from the WBXML body (14.0+) or the raw MIME body and the query (12.x).
pub fn request(req: &EasRequest) -> Result<ComposeMailRequest, Reject> {
    let kind = ComposeKind::from_command(req.command())
        .ok_or_else(|| Reject::BadRequest("not a submission command".into()))?;
    match (&req.body, &req.mime) {
        (Some(doc), _) => ComposeMailRequest::from_element(doc)
            .map_err(|e| Reject::BadRequest(format!("{}: {e}", req.command()))),
        (None, Some(mime)) => Ok(ComposeMailRequest::from_query(kind, &req.line, mime)),
        (None, None) => Err(Reject::BadRequest(format!(
            "{} without a message",
            req.command()
        ))),
    }
}

/// Who the user may send as: the primary address and the configured aliases.
pub fn identity(gw: &Gateway, user: &str) -> Identity {
    let mut addresses = vec![gw.primary_address(user)];
    if let Some(more) = gw.config.send.aliases.get(user) {
        addresses.extend(more.iter().cloned());
    }
    Identity { addresses }
}
