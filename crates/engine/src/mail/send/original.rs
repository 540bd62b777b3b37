//! The message a SmartReply or SmartForward refers to, read from IMAP: its headers, its text
//! (plain and HTML) and, for a forward, its attachments as parts to copy.

use convert::mail::outgoing::{Original, OriginalPart};
use convert::mail::{self as m, BodyRequest, WantedBody};

use crate::EngineError;
use crate::mail::backend::{BackendError, MailBackend};
use crate::mail::{MailContext, blocking, ids};

/// Where the original is: its mailbox and UID.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    pub mailbox: String,
    pub uid: u32,
}

/// The mailbox and UID of `item_id` (a ServerId `<collection>:<uid>`), checked against
/// `folder_id` when the device gave one. None when it names nothing we know.
pub async fn locate(
    ctx: &MailContext<'_>,
    folder_id: Option<&str>,
    item_id: &str,
) -> Result<Option<Located>, EngineError> {
    let Some((collection, uid)) = ids::split_server_id(item_id) else {
        return Ok(None);
    };
    if folder_id.is_some_and(|f| f != collection) {
        return Ok(None);
    }
    let user = ctx.device.user.clone();
    let folders = blocking(ctx.store, move |s| Ok(s.user_folders(&user)?)).await?;
    Ok(folders.by_id(collection).map(|e| match &e.source {
        state::FolderSource::Mail { mailbox, .. } => Located {
            mailbox: mailbox.clone(),
            uid,
        },
    }))
}

/// Reads the original (selecting its mailbox, which stays selected for copying its parts).
/// None when it is gone.
pub async fn read<B: MailBackend>(
    backend: &mut B,
    at: &Located,
    with_attachments: bool,
) -> Result<Option<Original>, EngineError> {
    match backend.select(&at.mailbox).await {
        Ok(_) => {}
        Err(BackendError::NoSuchMailbox) => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let Some(s) = backend.summaries(&[at.uid]).await?.pop() else {
        return Ok(None);
    };
    let h = m::parse_headers(&s.header);
    let plain = text(backend, at.uid, &s.structure, WantedBody::Plain).await?;
    let html = text(backend, at.uid, &s.structure, WantedBody::Html).await?;
    let mut attachments = Vec::new();
    if with_attachments {
        let plan = m::plan_body(&s.structure, &whole(WantedBody::Html));
        for a in m::attachments(&s.structure, &plan) {
            let section = a.path.section();
            let Some(part) = s.structure.find(&a.path) else {
                continue;
            };
            let mime = format!("{section}.MIME");
            let Some(mut got) = backend.sections(at.uid, &[(mime, None)]).await? else {
                return Ok(None);
            };
            let mime_header = got.pop().map(|(_, b)| b).unwrap_or_default();
            attachments.push(OriginalPart {
                section,
                mime_header,
                size: part.size,
            });
        }
    }
    Ok(Some(Original {
        from: h.from,
        to: h.to,
        cc: h.cc,
        date: h.date.map(convert::mail::outgoing::rfc822_date),
        subject: h.subject,
        message_id: h.message_id,
        references: h.references,
        plain,
        html,
        attachments,
    }))
}

/// A body of this kind, untruncated.
pub(crate) fn whole(kind: WantedBody) -> BodyRequest {
    BodyRequest {
        kind,
        truncation: None,
        all_or_none: false,
        preview: None,
    }
}

/// The original's body as `kind`; None when it has none of that kind (HTML asked of a
/// plain-only message).
async fn text<B: MailBackend>(
    backend: &mut B,
    uid: u32,
    structure: &m::BodyPart,
    kind: WantedBody,
) -> Result<Option<String>, EngineError> {
    let req = whole(kind);
    let plan = m::plan_body(structure, &req);
    if plan.delivered != kind {
        return Ok(None);
    }
    let wanted: Vec<(String, Option<u64>)> = plan
        .fetch
        .iter()
        .map(|f| (f.path.section(), None))
        .collect();
    let fetched = if wanted.is_empty() {
        Vec::new()
    } else {
        backend.sections(uid, &wanted).await?.unwrap_or_default()
    };
    let parts: Vec<(m::PartPath, Vec<u8>, bool)> = plan
        .fetch
        .iter()
        .zip(fetched)
        .map(|(f, (_, bytes))| (f.path.clone(), bytes, true))
        .collect();
    let body = m::render_body(structure, &plan, &req, &parts);
    Ok(Some(body.data))
}
