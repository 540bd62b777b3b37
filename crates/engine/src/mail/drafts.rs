//! Drafts from the device (EAS 16.0+, MS-ASEMAIL 3.1.5.4): a Sync Add or Change in the Drafts
//! folder becomes an IMAP message with `\Draft`, built from the Email fields, body and
//! attachments the device sent. IMAP cannot change a message, so a changed draft is appended
//! anew and the old one expunged; the device keeps its ServerId (`MailState::aliases`). A
//! draft sent with `email2:Send` is submitted like a SendMail (Sent copy included) and leaves
//! Drafts; the device gets its Delete with the next Sync.

use convert::mail::outgoing::{
    self as out, Composed, DraftAttachment, DraftFields, OriginalPart, Piece,
};
use convert::mail::{self as m, Address};
use eas::airsyncbase::{AttachmentReference, BodyType};
use eas::compose_mail::{ComposeKind, ComposeMailRequest};
use eas::draft::DraftEmail;
use eas::sync::{ResponseData, SyncStatus};
use state::MailState;

use super::backend::{Flag, MailBackend};
use super::send::{self, Located, Outbox};
use super::{MailContext, Reply, ids};
use crate::EngineError;

/// What the device is answered for one draft Add or Change.
pub(crate) struct Outcome {
    pub status: SyncStatus,
    /// The current UID of the draft (None when it was not saved or was sent).
    pub uid: Option<u32>,
    pub data: ResponseData,
}

impl Outcome {
    fn status(status: SyncStatus) -> Outcome {
        Outcome {
            status,
            uid: None,
            data: ResponseData::default(),
        }
    }
}

/// Where the draft lives: the collection and its mailbox.
pub(crate) struct Folder<'a> {
    pub cid: &'a str,
    pub mailbox: &'a str,
}

/// A new draft.
pub(crate) async fn add<B: MailBackend, O: Outbox>(
    ctx: &MailContext<'_>,
    backend: &mut B,
    outbox: &mut O,
    folder: &Folder<'_>,
    mail: &mut MailState,
    client_id: &str,
    draft: &DraftEmail,
) -> Result<Outcome, EngineError> {
    let composed = compose(ctx, draft, DraftFields::default(), &[]);
    let version = Version {
        old: None,
        submission: format!("draft-add:{}:{client_id}", folder.cid),
    };
    save(ctx, backend, outbox, folder, mail, draft, composed, version).await
}

/// Which draft a save replaces, and the ClientId its sending is recorded under (so a
/// retried Sync does not send it twice).
struct Version {
    /// The UID of the version replaced, whose parts kept attachments are copied from.
    old: Option<u32>,
    submission: String,
}

/// A draft the device changed: flags only (the caller's usual path), or its content.
pub(crate) fn changes_content(draft: &DraftEmail) -> bool {
    draft.to.is_some()
        || draft.cc.is_some()
        || draft.bcc.is_some()
        || draft.subject.is_some()
        || draft.importance.is_some()
        || draft.body.is_some()
        || !draft.attachments_add.is_empty()
        || !draft.attachments_delete.is_empty()
        || draft.send
}

/// A changed draft: the old one is read, the device's fields laid over it, the result saved
/// as the new version (or sent).
pub(crate) async fn change<B: MailBackend, O: Outbox>(
    ctx: &MailContext<'_>,
    backend: &mut B,
    outbox: &mut O,
    folder: &Folder<'_>,
    mail: &mut MailState,
    device_uid: u32,
    draft: &DraftEmail,
) -> Result<Outcome, EngineError> {
    let uid = mail.current_uid(device_uid);
    let at = Located {
        mailbox: folder.mailbox.to_owned(),
        uid,
    };
    let Some(old) = send::read_original(backend, &at, true).await? else {
        return Ok(Outcome::status(SyncStatus::ObjectNotFound));
    };
    let Some(summary) = backend.summaries(&[uid]).await?.pop() else {
        return Ok(Outcome::status(SyncStatus::ObjectNotFound));
    };
    let h = m::parse_headers(&summary.header);
    let base = DraftFields {
        from: h.from.first().cloned(),
        to: list(&h.to),
        cc: list(&h.cc),
        bcc: list(&h.bcc),
        subject: h.subject.clone().unwrap_or_default(),
        importance: Some(match h.importance {
            m::Importance::Low => 0,
            m::Importance::Normal => 1,
            m::Importance::High => 2,
        }),
        body_html: old.html.clone(),
        body_plain: if old.html.is_some() {
            None
        } else {
            old.plain.clone()
        },
    };
    // Attachments the device deletes are named by the FileReferences it was given; they point
    // into the current version.
    let deleted: Vec<String> = draft
        .attachments_delete
        .iter()
        .filter_map(|r| ids::parse_file_reference(r).map(|(_, _, p)| p.section()))
        .collect();
    let kept: Vec<OriginalPart> = old
        .attachments
        .into_iter()
        .filter(|a| !deleted.contains(&a.section))
        .collect();
    let composed = compose(ctx, draft, base, &kept);
    let outcome = save(
        ctx,
        backend,
        outbox,
        folder,
        mail,
        draft,
        composed,
        Version {
            old: Some(uid),
            submission: format!("draft:{}:{device_uid}", folder.cid),
        },
    )
    .await?;
    if outcome.status != SyncStatus::Success {
        return Ok(outcome);
    }
    // The old version goes; the device keeps its id for the new one.
    backend.select(folder.mailbox).await?;
    backend.expunge(&[uid]).await?;
    mail.have.remove(uid);
    mail.pending_change.remove(uid);
    match outcome.uid {
        Some(new) => {
            mail.aliases.insert(device_uid, new);
        }
        None => {
            mail.aliases.remove(&device_uid);
        }
    }
    Ok(outcome)
}

fn list(addresses: &[Address]) -> String {
    addresses
        .iter()
        .map(Address::to_eas)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The draft's message: the device's MIME when it sent one (Body Type 4), else built from
/// `base` with the device's fields laid over it, the kept attachments and the new ones.
fn compose(
    ctx: &MailContext<'_>,
    d: &DraftEmail,
    mut fields: DraftFields,
    kept: &[OriginalPart],
) -> Composed {
    if let Some(body) = &d.body
        && body.body_type == BodyType::Mime
    {
        return out::draft_from_mime(body.data.as_bytes(), ctx.now, &ctx.config.send.id_domain);
    }
    if fields.from.is_none() {
        fields.from = ctx
            .identity
            .and_then(|i| i.addresses.first())
            .map(|a| Address {
                name: None,
                email: a.clone(),
            });
    }
    if let Some(v) = &d.to {
        fields.to = v.clone();
    }
    if let Some(v) = &d.cc {
        fields.cc = v.clone();
    }
    if let Some(v) = &d.bcc {
        fields.bcc = v.clone();
    }
    if let Some(v) = &d.subject {
        fields.subject = v.clone();
    }
    if d.importance.is_some() {
        fields.importance = d.importance;
    }
    if let Some(body) = &d.body {
        match body.body_type {
            BodyType::Html => {
                fields.body_html = Some(body.data.clone());
                fields.body_plain = None;
            }
            _ => {
                fields.body_plain = Some(body.data.clone());
                fields.body_html = None;
            }
        }
    }
    let new: Vec<DraftAttachment> = d
        .attachments_add
        .iter()
        .map(|a| DraftAttachment {
            file_name: a.display_name.clone(),
            content_type: a
                .content_type
                .clone()
                .unwrap_or_else(|| "application/octet-stream".into()),
            content_id: a.content_id.clone(),
            inline: a.is_inline,
            content: a.content.clone(),
        })
        .collect();
    out::build_draft(
        &fields,
        &new,
        kept,
        ctx.now,
        &ctx.config.send.id_domain,
        rand::random(),
    )
}

/// Appends the draft (or sends it) and says what to answer.
#[allow(clippy::too_many_arguments)]
async fn save<B: MailBackend, O: Outbox>(
    ctx: &MailContext<'_>,
    backend: &mut B,
    outbox: &mut O,
    folder: &Folder<'_>,
    mail: &mut MailState,
    draft: &DraftEmail,
    composed: Composed,
    version: Version,
) -> Result<Outcome, EngineError> {
    let old = version.old;
    // The message whole: a draft's own text and attachments came in this request; kept
    // attachments are read from the old version first (the IMAP session cannot fetch while
    // it APPENDs).
    let mut bytes = composed.head_sent.clone();
    for piece in &composed.body {
        match piece {
            Piece::Bytes(b) => bytes.extend_from_slice(b),
            Piece::Part { section, size } => {
                let Some(uid) = old else {
                    return Ok(Outcome::status(SyncStatus::ServerError));
                };
                let Some(mut got) = backend.sections(uid, &[(section.clone(), None)]).await? else {
                    return Ok(Outcome::status(SyncStatus::ObjectNotFound));
                };
                let part = got.pop().map(|(_, b)| b).unwrap_or_default();
                if part.len() as u64 != *size {
                    tracing::debug!("a kept attachment's size differs from BODYSTRUCTURE");
                }
                bytes.extend_from_slice(&part);
            }
        }
    }
    if draft.send {
        return send_now(ctx, backend, outbox, bytes, version.submission).await;
    }
    let mut flags = vec![Flag::Draft];
    if draft.read != Some(false) {
        flags.push(Flag::Seen);
    }
    if matches!(draft.flag, Some(Some(_))) {
        flags.push(Flag::Flagged);
    }
    let len = bytes.len() as u64;
    let Some(uid) = backend
        .append(folder.mailbox, &flags, len, bytes.as_slice())
        .await?
    else {
        tracing::warn!("the mail server did not say the new draft's UID (no UIDPLUS)");
        return Ok(Outcome::status(SyncStatus::ServerError));
    };
    // On the device already: not sent back as an Add.
    mail.have.insert(uid);
    mail.pending_add.remove(uid);
    let data = ResponseData {
        attachments: references(folder.cid, uid, &bytes, draft),
        ..ResponseData::default()
    };
    Ok(Outcome {
        status: SyncStatus::Success,
        uid: Some(uid),
        data,
    })
}

/// The FileReferences of the attachments the device added, in the order it added them (they
/// are the message's last attachments).
fn references(cid: &str, uid: u32, raw: &[u8], draft: &DraftEmail) -> Vec<AttachmentReference> {
    if draft.attachments_add.is_empty() {
        return Vec::new();
    }
    let structure = m::structure_of(raw);
    let plan = m::plan_body(&structure, &send::whole_body(m::WantedBody::Html));
    let found = m::attachments(&structure, &plan);
    let skip = found.len().saturating_sub(draft.attachments_add.len());
    draft
        .attachments_add
        .iter()
        .zip(found.iter().skip(skip))
        .map(|(a, f)| AttachmentReference {
            client_id: a.client_id.clone(),
            file_reference: ids::file_reference(cid, uid, &f.path),
        })
        .collect()
}

/// `email2:Send`: submitted as a SendMail (with its Sent copy); the draft is not kept.
async fn send_now<B: MailBackend, O: Outbox>(
    ctx: &MailContext<'_>,
    backend: &mut B,
    outbox: &mut O,
    bytes: Vec<u8>,
    submission: String,
) -> Result<Outcome, EngineError> {
    let req = ComposeMailRequest {
        kind: ComposeKind::SendMail,
        client_id: Some(submission),
        account_id: None,
        save_in_sent_items: true,
        replace_mime: false,
        source: None,
        mime: bytes,
        template_id: None,
        forwardees: Vec::new(),
        body: None,
    };
    match send::compose_mail(ctx, backend, outbox, &req).await? {
        Reply::Empty => Ok(Outcome::status(SyncStatus::Success)),
        other => {
            tracing::info!(?other, "draft not sent");
            Ok(Outcome::status(SyncStatus::ServerError))
        }
    }
}
