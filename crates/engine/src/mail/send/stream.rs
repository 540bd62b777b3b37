//! Writing a composed message out piece by piece: our own bytes as they are, the original
//! message's parts copied from IMAP in bounded chunks, so that a forwarded attachment is never
//! held whole (design invariant 4).

use convert::mail::outgoing::Piece;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::mail::backend::MailBackend;

/// Bytes fetched per IMAP partial fetch of an original's part.
const CHUNK: u64 = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("the original message changed or vanished while it was copied")]
    OriginalGone,
    #[error("the mail server is unavailable: {0}")]
    Backend(#[from] crate::mail::backend::BackendError),
    #[error("writing the message failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Writes `head` then `body` to `out`, and the same body after `tee_head` to `tee` (the Sent
/// copy, whose header block differs by Bcc). Parts come from message `uid` of the selected
/// mailbox.
pub async fn feed<B, W, T>(
    backend: &mut B,
    uid: Option<u32>,
    head: &[u8],
    body: &[Piece],
    out: &mut W,
    mut tee: Option<(&[u8], &mut T)>,
) -> Result<(), FeedError>
where
    B: MailBackend,
    W: AsyncWrite + Unpin + Send,
    T: AsyncWrite + Unpin + Send,
{
    out.write_all(head).await?;
    if let Some((h, t)) = tee.as_mut() {
        t.write_all(h).await?;
    }
    for piece in body {
        match piece {
            Piece::Bytes(b) => {
                out.write_all(b).await?;
                if let Some((_, t)) = tee.as_mut() {
                    t.write_all(b).await?;
                }
            }
            Piece::Part { section, size } => {
                let Some(uid) = uid else {
                    return Err(FeedError::OriginalGone);
                };
                let mut offset = 0;
                while offset < *size {
                    let want = CHUNK.min(size - offset);
                    let chunk = backend
                        .section_range(uid, section, offset, want)
                        .await?
                        .ok_or(FeedError::OriginalGone)?;
                    if chunk.is_empty() {
                        return Err(FeedError::OriginalGone);
                    }
                    out.write_all(&chunk).await?;
                    if let Some((_, t)) = tee.as_mut() {
                        t.write_all(&chunk).await?;
                    }
                    offset += chunk.len() as u64;
                }
            }
        }
    }
    out.flush().await?;
    if let Some((_, t)) = tee.as_mut() {
        t.flush().await?;
    }
    Ok(())
}
