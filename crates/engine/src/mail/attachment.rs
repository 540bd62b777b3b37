//! Attachment download for ItemOperations: the part is read from IMAP in bounded chunks,
//! decoded as it comes and written to the response as it goes, so memory does not grow with
//! the attachment (design invariant 4).
//!
//! Two response forms (MS-ASCMD 2.2.1.10): the content inline as base64 text in
//! `ItemOperations:Data`, or, when the client sends `MS-ASAcceptMultiPart: T`, as the second
//! part of an `application/vnd.ms-sync.multipart` body whose header needs every part's
//! length up front.

use base64::Engine as _;
use convert::mail::{BodyPart, PartPath, TransferDecoder, TransferEncoding};
use tokio::sync::mpsc;

use super::backend::MailBackend;
use crate::EngineError;

/// IMAP is asked for this much of the encoded part per command.
pub const CHUNK: u64 = 1024 * 1024;

/// Where an attachment's bytes are and how to decode them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartSource {
    pub mailbox: String,
    pub uid: u32,
    pub path: PartPath,
    pub encoding: TransferEncoding,
    /// Encoded size (BODYSTRUCTURE).
    pub encoded_size: u64,
    pub content_type: String,
}

impl PartSource {
    pub fn from_part(mailbox: &str, uid: u32, part: &BodyPart) -> PartSource {
        PartSource {
            mailbox: mailbox.to_owned(),
            uid,
            path: part.path.clone(),
            encoding: part.encoding.clone().unwrap_or(TransferEncoding::SevenBit),
            encoded_size: part.size,
            content_type: format!("{}/{}", part.media_type, part.media_subtype),
        }
    }

    /// Decoded size when it is known without reading: identity encodings.
    pub fn known_decoded_size(&self) -> Option<u64> {
        match self.encoding {
            TransferEncoding::Base64 | TransferEncoding::QuotedPrintable => None,
            _ => Some(self.encoded_size),
        }
    }
}

/// Reads a part decoded, one IMAP chunk at a time.
pub struct DecodedReader<'a> {
    src: &'a PartSource,
    section: String,
    decoder: Option<TransferDecoder>,
    offset: u64,
}

/// What the next read gave.
pub enum Read {
    Data(Vec<u8>),
    End,
    /// The message is gone.
    Gone,
}

impl<'a> DecodedReader<'a> {
    pub fn new(src: &'a PartSource) -> Self {
        DecodedReader {
            src,
            section: src.path.section(),
            decoder: Some(TransferDecoder::new(&src.encoding)),
            offset: 0,
        }
    }

    pub async fn next<B: MailBackend>(&mut self, backend: &mut B) -> Result<Read, EngineError> {
        let Some(decoder) = self.decoder.as_mut() else {
            return Ok(Read::End);
        };
        let Some(chunk) = backend
            .section_range(self.src.uid, &self.section, self.offset, CHUNK)
            .await?
        else {
            return Ok(Read::Gone);
        };
        self.offset += chunk.len() as u64;
        let mut out = Vec::with_capacity(chunk.len());
        decoder.push(&chunk, &mut out);
        if (chunk.len() as u64) < CHUNK
            && let Some(d) = self.decoder.take()
        {
            d.finish(&mut out);
        }
        Ok(Read::Data(out))
    }
}

/// The decoded size, reading the part once when the encoding does not tell.
pub async fn decoded_size<B: MailBackend>(
    backend: &mut B,
    src: &PartSource,
) -> Result<Option<u64>, EngineError> {
    if let Some(n) = src.known_decoded_size() {
        return Ok(Some(n));
    }
    let mut reader = DecodedReader::new(src);
    let mut total = 0u64;
    loop {
        match reader.next(backend).await? {
            Read::Data(d) => total += d.len() as u64,
            Read::End => return Ok(Some(total)),
            Read::Gone => return Ok(None),
        }
    }
}

/// Streams `prefix`, the decoded part as base64 (only `range`, inclusive, if given), then
/// `suffix`. Base64 is cut at multiples of 3 input bytes so the pieces join into one text.
/// Stops quietly when the receiver is gone (the client disconnected).
pub async fn pump_inline<B: MailBackend>(
    backend: &mut B,
    src: &PartSource,
    range: Option<(u64, u64)>,
    prefix: Vec<u8>,
    suffix: Vec<u8>,
    tx: &mpsc::Sender<Vec<u8>>,
) -> Result<(), EngineError> {
    if tx.send(prefix).await.is_err() {
        return Ok(());
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut carry: Vec<u8> = Vec::new();
    let mut pos = 0u64;
    let mut reader = DecodedReader::new(src);
    while let Read::Data(chunk) = reader.next(backend).await? {
        let (start, end) = (pos, pos + chunk.len() as u64);
        pos = end;
        let (lo, hi) = match range {
            Some((a, b)) => (a.max(start), b.saturating_add(1).min(end)),
            None => (start, end),
        };
        if lo < hi {
            carry.extend_from_slice(&chunk[(lo - start) as usize..(hi - start) as usize]);
            let whole = carry.len() / 3 * 3;
            let text = b64.encode(&carry[..whole]);
            carry.drain(..whole);
            if tx.send(text.into_bytes()).await.is_err() {
                return Ok(());
            }
        }
        if range.is_some_and(|(_, b)| end > b) {
            break;
        }
    }
    if !carry.is_empty() && tx.send(b64.encode(&carry).into_bytes()).await.is_err() {
        return Ok(());
    }
    let _ = tx.send(suffix).await;
    Ok(())
}

/// Streams the multipart body: header, the WBXML document as part 0, the decoded part (only
/// `range`, inclusive, if given) as part 1. `decoded_len` must be the size of what part 1
/// carries (the header states it up front).
pub async fn pump_multipart<B: MailBackend>(
    backend: &mut B,
    src: &PartSource,
    document: Vec<u8>,
    decoded_len: u64,
    range: Option<(u64, u64)>,
    tx: &mpsc::Sender<Vec<u8>>,
) -> Result<(), EngineError> {
    let Ok(header) =
        eas::item_operations::MultipartHeader::new(&[document.len() as u64, decoded_len])
    else {
        return Err(EngineError::BadRequest(
            "attachment too large for a multipart answer".into(),
        ));
    };
    let mut head = header.into_bytes();
    head.extend_from_slice(&document);
    if tx.send(head).await.is_err() {
        return Ok(());
    }
    let mut sent = 0u64;
    let mut pos = 0u64;
    let skip = range.map_or(0, |(a, _)| a);
    let mut reader = DecodedReader::new(src);
    while sent < decoded_len
        && let Read::Data(mut chunk) = reader.next(backend).await?
    {
        let start = pos;
        pos += chunk.len() as u64;
        if pos <= skip {
            continue;
        }
        if start < skip {
            chunk.drain(..(skip - start) as usize);
        }
        // Never more than the header promised, whatever the server sends now.
        chunk.truncate((decoded_len - sent).min(chunk.len() as u64) as usize);
        sent += chunk.len() as u64;
        if tx.send(chunk).await.is_err() {
            return Ok(());
        }
    }
    if sent < decoded_len {
        tracing::warn!(
            uid = src.uid,
            "attachment shorter than announced; response cut short"
        );
    }
    Ok(())
}

/// How an attachment answer is streamed; the gateway runs [`pump`] with the session.
#[derive(Debug)]
pub struct StreamPlan {
    pub source: PartSource,
    pub form: StreamForm,
}

#[derive(Debug)]
pub enum StreamForm {
    /// The document's bytes before and after the base64 `Data` text.
    Inline {
        prefix: Vec<u8>,
        suffix: Vec<u8>,
        range: Option<(u64, u64)>,
    },
    /// The WBXML document (part 0), and the decoded part or its `range` (inclusive) as part 1
    /// of `decoded_len` bytes.
    Multipart {
        document: Vec<u8>,
        decoded_len: u64,
        range: Option<(u64, u64)>,
    },
}

impl StreamPlan {
    pub fn content_type(&self) -> &'static str {
        match self.form {
            StreamForm::Inline { .. } => "application/vnd.ms-sync.wbxml",
            StreamForm::Multipart { .. } => eas::item_operations::MULTIPART_CONTENT_TYPE,
        }
    }
}

/// Streams a planned answer into `tx`.
pub async fn pump<B: MailBackend>(
    backend: &mut B,
    plan: StreamPlan,
    tx: &mpsc::Sender<Vec<u8>>,
) -> Result<(), EngineError> {
    if let Err(e) = backend.select(&plan.source.mailbox).await {
        return Err(e.into());
    }
    match plan.form {
        StreamForm::Inline {
            prefix,
            suffix,
            range,
        } => pump_inline(backend, &plan.source, range, prefix, suffix, tx).await,
        StreamForm::Multipart {
            document,
            decoded_len,
            range,
        } => pump_multipart(backend, &plan.source, document, decoded_len, range, tx).await,
    }
}
