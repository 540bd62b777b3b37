//! The mail submission service as the engine sees it: the real one is SMTP (the gateway's
//! adapter over `upstream::SmtpClient`), tests use one that records what it is given.

use std::future::Future;

use tokio::io::AsyncRead;

/// Reverse-path and recipients of one submission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
}

/// Why a submission failed.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// Not now: the device should keep the message and try again.
    #[error("the submission server is unavailable: {0}")]
    Temporary(String),
    #[error("the submission server refused the credentials")]
    AuthFailed,
    #[error("the message is larger than the submission server accepts")]
    TooLarge,
    #[error("the submission server refused the sender: {0}")]
    SenderRejected(String),
    #[error("the submission server refused {} recipient(s)", .0.len())]
    RecipientsRejected(Vec<String>),
    #[error("the submission server refused the message: {0}")]
    MessageRejected(String),
}

pub trait Outbox: Send {
    /// Submits `len` bytes read from `message`. Nothing is sent unless all of them arrive.
    fn submit<R: AsyncRead + Unpin + Send>(
        &mut self,
        envelope: &Envelope,
        len: u64,
        message: R,
    ) -> impl Future<Output = Result<(), SubmitError>> + Send;
}

/// Where no submission server is configured: every submission is refused for now.
pub struct NoOutbox;

impl Outbox for NoOutbox {
    async fn submit<R: AsyncRead + Unpin + Send>(
        &mut self,
        _envelope: &Envelope,
        _len: u64,
        _message: R,
    ) -> Result<(), SubmitError> {
        Err(SubmitError::Temporary(
            "no submission server is configured".into(),
        ))
    }
}
