//! Email items from IMAP: summary first (flags, headers, structure), then only the body parts
//! the device's preferences need, each fetched no further than its truncation.

use std::collections::HashMap;
use std::sync::Arc;

use convert::mail::{self as m, BodyRequest, WantedBody};
use eas::ProtocolVersion;
use eas::airsyncbase::{Attachment, Body, BodyPreference, BodyType};
use eas::email::{EmailItem, Flag as EasFlag};
use eas::sync::{EmailChange, MimeSupport, SyncOptions};
use wbxml::Element;

use super::backend::{Flag, MailBackend, SectionBytes, SectionList, Summary};
use super::ids;
use super::read_ahead::ReadAheadPlan;
use crate::EngineError;

/// Plain text up to this size when the device states no preference.
const DEFAULT_TRUNCATION: u64 = 32 * 1024;
/// Summaries are fetched this many at a time (a default window's worth).
pub(crate) const SUMMARY_BATCH: usize = 100;
/// The body sections of at most this many bytes are fetched in one batch.
const BODY_BATCH_BYTES: u64 = 4 * 1024 * 1024;

/// The Options that apply to Email (an Options without Class, or with Class Email).
pub fn email_options(options: &[SyncOptions]) -> Option<&SyncOptions> {
    options.iter().find(|o| {
        o.class
            .as_deref()
            .is_none_or(|c| c.eq_ignore_ascii_case("Email"))
    })
}

/// What body to send, decided from the device's preferences.
#[derive(Clone, Debug)]
pub struct BodyChoice {
    /// The whole message as MIME (BodyPreference Type 4 with MIMESupport).
    pub mime: Option<MimeChoice>,
    /// Whether MIME is only for S/MIME messages (MIMESupport 1).
    pub mime_smime_only: bool,
    /// The text body otherwise.
    pub text: BodyRequest,
    /// BodyPartPreference (14.1+): the BodyPart element, cut from the text body.
    pub body_part: Option<eas::airsyncbase::BodyPartPreference>,
}

#[derive(Clone, Debug)]
pub struct MimeChoice {
    pub limit: Option<u64>,
    pub all_or_none: bool,
}

impl BodyChoice {
    pub fn for_sync(options: Option<&SyncOptions>) -> BodyChoice {
        Self::from_options(options, Some(DEFAULT_TRUNCATION))
    }

    /// A Fetch asks for one item; without a stated truncation it gets the whole body.
    pub fn for_fetch(options: Option<&SyncOptions>) -> BodyChoice {
        Self::from_options(options, None)
    }

    fn from_options(options: Option<&SyncOptions>, default_truncation: Option<u64>) -> BodyChoice {
        let prefs: &[BodyPreference] = options
            .map(|o| o.body_preferences.as_slice())
            .unwrap_or(&[]);
        let mime_support = options
            .map(|o| o.mime_support)
            .unwrap_or(MimeSupport::Never);
        let mut choice = Self::from_preferences(
            prefs,
            mime_support,
            options
                .and_then(|o| o.mime_truncation)
                .and_then(|t| t.limit()),
            default_truncation,
        );
        choice.body_part = options.and_then(|o| o.body_part_preferences.first().cloned());
        choice
    }

    pub fn from_preferences(
        prefs: &[BodyPreference],
        mime_support: MimeSupport,
        mime_truncation: Option<u64>,
        default_truncation: Option<u64>,
    ) -> BodyChoice {
        let find = |t: BodyType| prefs.iter().find(|p| p.body_type == t);
        let mime = match (mime_support, find(BodyType::Mime)) {
            (MimeSupport::Never, _) | (_, None) => None,
            (_, Some(p)) => Some(MimeChoice {
                limit: p.truncation_size.or(mime_truncation),
                all_or_none: p.all_or_none,
            }),
        };
        let text_pref = find(BodyType::Html).or_else(|| find(BodyType::Plain));
        let text = match text_pref {
            Some(p) => BodyRequest {
                kind: if p.body_type == BodyType::Html {
                    WantedBody::Html
                } else {
                    WantedBody::Plain
                },
                truncation: p.truncation_size,
                all_or_none: p.all_or_none,
                preview: p.preview,
            },
            None => BodyRequest {
                kind: WantedBody::Plain,
                truncation: default_truncation,
                all_or_none: false,
                preview: prefs.iter().find_map(|p| p.preview),
            },
        };
        BodyChoice {
            mime,
            mime_smime_only: mime_support == MimeSupport::SmimeOnly,
            text,
            body_part: None,
        }
    }
}

fn body_type(kind: &WantedBody) -> BodyType {
    match kind {
        WantedBody::Plain => BodyType::Plain,
        WantedBody::Html => BodyType::Html,
        WantedBody::Mime => BodyType::Mime,
    }
}

fn is_smime(s: &Summary) -> bool {
    let st = &s.structure;
    st.is("multipart", "signed")
        || st.is("application", "pkcs7-mime")
        || st.is("application", "x-pkcs7-mime")
}

/// Builds the Email ApplicationData of each message that still exists, in the order asked.
pub async fn build<B: MailBackend>(
    version: ProtocolVersion,
    collection: &str,
    backend: &mut B,
    uids: &[u32],
    choice: &BodyChoice,
    details: &FlagDetails,
) -> Result<Vec<(u32, Element)>, EngineError> {
    build_since(
        version,
        collection,
        backend,
        uids,
        choice,
        details,
        AddOptions::default(),
    )
    .await
}

/// Which of a window's messages are sent, and what to read ahead after them.
#[derive(Debug, Default)]
pub struct AddOptions {
    /// Only messages with an INTERNALDATE at or after this (unix seconds).
    pub since: Option<i64>,
    /// Handed to the backend once the window is fetched ([`MailBackend::read_ahead`]).
    pub read_ahead: Option<ReadAheadPlan>,
}

/// [`build`] of the messages whose INTERNALDATE is at or after `since` (unix seconds; `None`:
/// all). The others are left out like vanished ones: a message that arrives with an old date
/// (moved in, delivered late) stays outside a collection's FilterType window.
pub async fn build_since<B: MailBackend>(
    version: ProtocolVersion,
    collection: &str,
    backend: &mut B,
    uids: &[u32],
    choice: &BodyChoice,
    details: &FlagDetails,
    adds: AddOptions,
) -> Result<Vec<(u32, Element)>, EngineError> {
    let AddOptions {
        since,
        read_ahead: mut then,
    } = adds;
    let renderer = Arc::new(Renderer {
        version,
        collection: collection.to_owned(),
        choice: choice.clone(),
    });
    let chunks = uids.len().div_ceil(SUMMARY_BATCH);
    let mut renders = Vec::new();
    for (n, chunk) in uids.chunks(SUMMARY_BATCH).enumerate() {
        let mut summaries = backend.summaries(chunk).await?;
        summaries.retain(|s| since.is_none_or(|t| s.internal_date >= t));
        let (batches, no_fetch) = group_by_sections(summaries, choice);
        // All of the chunk's bodies in one call (the IMAP backend pipelines the commands of
        // the section lists), before any rendering takes the CPU.
        let request: Vec<(u32, SectionList)> = batches
            .iter()
            .flat_map(|(wanted, members)| members.iter().map(|(s, _)| (s.uid, wanted.clone())))
            .collect();
        let mut fetched: HashMap<u32, SectionBytes> = if request.is_empty() {
            HashMap::new()
        } else {
            backend.sections_many(&request).await?.into_iter().collect()
        };
        // The last fetch is done: the next window can be read ahead while this one renders.
        if n + 1 == chunks
            && let Some(plan) = then.take()
        {
            backend.read_ahead(plan);
        }
        let to_render = |(s, p): (Summary, Planned), parts: SectionBytes| {
            let detail = details.get(&s.uid).cloned();
            (s, p, parts, detail)
        };
        if !no_fetch.is_empty() {
            let items = no_fetch
                .into_iter()
                .map(|m| to_render(m, Vec::new()))
                .collect();
            renders.push(renderer.spawn(items));
        }
        // A render task per section list: they spread over the cores, and the next chunk is
        // fetched meanwhile.
        for (_, members) in batches {
            let items = members
                .into_iter()
                // Gone meanwhile: left out.
                .filter_map(|m| {
                    let parts = fetched.remove(&m.0.uid)?;
                    Some(to_render(m, parts))
                })
                .collect();
            renders.push(renderer.spawn(items));
        }
    }
    let mut out = Vec::with_capacity(uids.len());
    for r in renders {
        out.extend(
            r.await
                .map_err(|e| EngineError::Unavailable(format!("rendering failed: {e}")))?,
        );
    }
    // In the requested order (newest first), whatever order the server answered in.
    let order: HashMap<u32, usize> = uids.iter().enumerate().map(|(i, u)| (*u, i)).collect();
    out.sort_by_key(|(uid, _)| order.get(uid).copied().unwrap_or(usize::MAX));
    Ok(out)
}

/// Messages whose bodies need the same sections, fetched in one command.
pub(crate) type SectionBatch = (SectionList, Vec<(Summary, Planned)>);

/// Plans each message's body and groups the messages that share a section list (one command
/// each, in batches of at most [`BODY_BATCH_BYTES`]); the second list needs no fetch.
pub(crate) fn group_by_sections(
    summaries: Vec<Summary>,
    choice: &BodyChoice,
) -> (Vec<SectionBatch>, Vec<(Summary, Planned)>) {
    // Messages that share a section list are fetched together, and each batch is rendered on
    // the blocking pool while the next one is fetched: the mail server's work and ours overlap.
    let mut batches: Vec<SectionBatch> = Vec::new();
    let mut batch_bytes: Vec<u64> = Vec::new();
    let mut no_fetch: Vec<(Summary, Planned)> = Vec::new();
    for s in summaries {
        let p = plan(&s, choice);
        if p.wanted.is_empty() {
            no_fetch.push((s, p));
            continue;
        }
        let open = batches
            .iter()
            .zip(&batch_bytes)
            .rposition(|((w, _), bytes)| *w == p.wanted && bytes + p.expected <= BODY_BATCH_BYTES);
        match open {
            Some(i) => {
                batch_bytes[i] += p.expected;
                batches[i].1.push((s, p));
            }
            None => {
                batch_bytes.push(p.expected);
                batches.push((p.wanted.clone(), vec![(s, p)]));
            }
        }
    }
    (batches, no_fetch)
}

/// One message to render: its summary, plan, fetched sections and flag detail.
type ToRender = (Summary, Planned, SectionBytes, Option<EasFlag>);

/// What rendering needs besides the messages, shared by a chunk's render tasks.
struct Renderer {
    version: ProtocolVersion,
    collection: String,
    choice: BodyChoice,
}

impl Renderer {
    /// Renders on the blocking pool (MIME decoding, charset and HTML work are CPU-bound).
    fn spawn(
        self: &Arc<Self>,
        items: Vec<ToRender>,
    ) -> tokio::task::JoinHandle<Vec<(u32, Element)>> {
        let r = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            items
                .into_iter()
                .map(|(s, p, parts, detail)| {
                    let item = finish(&r.collection, &s, &r.choice, detail.as_ref(), &p, &parts);
                    (s.uid, item.to_application_data(r.version))
                })
                .collect()
        })
    }
}

/// What to fetch of one message for its body, and how it will be rendered.
pub(crate) struct Planned {
    /// The whole message as MIME, not a text body.
    mime: bool,
    plan: m::BodyPlan,
    /// Sections and byte limits to fetch (empty: nothing).
    wanted: SectionList,
    /// How many bytes the fetch may bring at most, to bound a batch.
    pub(crate) expected: u64,
}

fn plan(s: &Summary, choice: &BodyChoice) -> Planned {
    let use_mime = match &choice.mime {
        Some(_) if choice.mime_smime_only => is_smime(s),
        Some(_) => true,
        None => false,
    };
    let plan = m::plan_body(&s.structure, &choice.text);
    match (use_mime, &choice.mime) {
        (true, Some(mime)) => {
            let fetch_len = mime.limit.map(|l| l.min(s.size));
            Planned {
                mime: true,
                plan,
                wanted: vec![(String::new(), fetch_len)],
                expected: fetch_len.unwrap_or(s.size),
            }
        }
        _ => {
            let expected = plan
                .fetch
                .iter()
                .map(|f| {
                    let size = s.structure.find(&f.path).map(|p| p.size).unwrap_or(0);
                    f.max_bytes.map_or(size, |n| n.min(size))
                })
                .sum();
            let wanted = plan
                .fetch
                .iter()
                .map(|f| (f.path.section(), f.max_bytes))
                .collect();
            Planned {
                mime: false,
                plan,
                wanted,
                expected,
            }
        }
    }
}

/// One message as an EmailItem; None when it vanished meanwhile.
pub async fn item<B: MailBackend>(
    collection: &str,
    backend: &mut B,
    s: &Summary,
    choice: &BodyChoice,
    detail: Option<&EasFlag>,
) -> Result<Option<EmailItem>, EngineError> {
    let p = plan(s, choice);
    let parts = if p.wanted.is_empty() {
        Vec::new()
    } else {
        match backend.sections(s.uid, &p.wanted).await? {
            Some(parts) => parts,
            None => return Ok(None),
        }
    };
    Ok(Some(finish(collection, s, choice, detail, &p, &parts)))
}

/// The EmailItem of a message from its summary and the fetched sections of its plan.
fn finish(
    collection: &str,
    s: &Summary,
    choice: &BodyChoice,
    detail: Option<&EasFlag>,
    p: &Planned,
    parts: &SectionBytes,
) -> EmailItem {
    let headers = m::parse_headers(&s.header);
    let plan = &p.plan;
    let body = match (&choice.mime, p.mime) {
        (Some(mime), true) => {
            let raw = parts.first().map(|(_, b)| b.as_slice()).unwrap_or_default();
            let r = m::render_mime(raw, s.size, mime.limit);
            body_of(r, mime.all_or_none)
        }
        _ => {
            let fetched: Vec<_> = plan
                .fetch
                .iter()
                .filter_map(|f| {
                    let section = f.path.section();
                    let bytes = parts.iter().find(|(sec, _)| *sec == section)?.1.clone();
                    let part_size = s.structure.find(&f.path).map(|p| p.size).unwrap_or(0);
                    let whole = (bytes.len() as u64) >= part_size;
                    Some((f.path.clone(), bytes, whole))
                })
                .collect();
            let r = m::render_body(&s.structure, plan, &choice.text, &fetched);
            body_of(r, choice.text.all_or_none)
        }
    };
    let attachments = m::attachments(&s.structure, plan)
        .into_iter()
        .map(|a| Attachment {
            file_reference: ids::file_reference(collection, s.uid, &a.path),
            display_name: a.display_name,
            method: a.method,
            estimated_data_size: a.estimated_size,
            content_id: a.content_id,
            content_location: a.content_location,
            is_inline: a.is_inline,
        })
        .collect();
    let date = headers.date.unwrap_or(s.internal_date);
    let mut item = flag_fields(&s.flags, detail);
    item.to = m::address_list(&headers.to);
    item.cc = m::address_list(&headers.cc);
    item.from = m::address_list(&headers.from);
    item.reply_to = m::address_list(&headers.reply_to);
    item.subject = headers.subject.clone().unwrap_or_default();
    item.date_received = eas::date::format_utc(s.internal_date);
    item.display_to = m::display_to(&headers.to);
    item.thread_topic = headers
        .thread_topic
        .clone()
        .or_else(|| headers.subject.clone())
        .unwrap_or_default();
    item.importance = headers.importance.code();
    item.message_class = m::message_class(&s.structure, &headers);
    item.internet_cpid = 65001;
    item.content_class = Some("urn:content-classes:message".to_owned());
    item.native_body_type = Some(plan.native);
    item.conversation_id = Some(m::conversation_id(&headers).to_vec());
    item.conversation_index = Some(m::conversation_index(&headers, date));
    item.is_draft = Some(s.flags.contains(&Flag::Draft));
    // Email2:Sender: who actually sent it, when that is not the From (lists, delegates).
    if !headers.sender.is_empty()
        && headers.sender.iter().any(|a| {
            !headers
                .from
                .iter()
                .any(|f| f.email.eq_ignore_ascii_case(&a.email))
        })
    {
        item.sender = Some(m::address_list(&headers.sender));
    }
    item.body_part = choice
        .body_part
        .as_ref()
        .and_then(|pref| body_part_of(&body, pref));
    item.body = Some(body);
    item.attachments = attachments;
    item
}

/// The BodyPart (MS-ASAIRS 2.2.2.10): the text body as sent, cut to the BodyPartPreference's
/// truncation. The "message part" without quoted history would need reply parsing; the
/// whole text is what the part then holds. Only plain and HTML are offered as parts.
fn body_part_of(
    body: &Body,
    pref: &eas::airsyncbase::BodyPartPreference,
) -> Option<eas::airsyncbase::BodyPart> {
    if !matches!(body.body_type, BodyType::Plain | BodyType::Html) {
        return None;
    }
    let data = body.data.as_deref().unwrap_or_default();
    let limit = pref
        .truncation_size
        .map(|t| t as usize)
        .unwrap_or(usize::MAX);
    let mut cut = data.len().min(limit);
    while !data.is_char_boundary(cut) {
        cut -= 1;
    }
    let truncated = body.truncated || cut < data.len();
    Some(eas::airsyncbase::BodyPart {
        status: eas::airsyncbase::BodyPartStatus::Success,
        body_type: body.body_type,
        estimated_data_size: body.estimated_data_size,
        truncated,
        data: (!(truncated && pref.all_or_none)).then(|| data[..cut].to_owned()),
        // Never raw HTML in a preview.
        preview: pref.preview.map(|n| {
            let text = match body.body_type {
                BodyType::Html => m::html::html_to_text(data),
                _ => data.to_owned(),
            };
            m::preview_of(&text, n)
        }),
    })
}

fn body_of(r: m::RenderedBody, all_or_none: bool) -> Body {
    let truncated = r.truncated;
    Body {
        body_type: body_type(&r.kind),
        estimated_data_size: r.estimated_size,
        truncated,
        data: if truncated && all_or_none {
            None
        } else {
            Some(r.data)
        },
        preview: r.preview,
    }
}

/// What devices said about flags beyond `\\Flagged`, by UID (kept in the store).
pub type FlagDetails = std::collections::BTreeMap<u32, EasFlag>;

/// The Flag element: `\\Flagged` decides whether it is active; the dates and the completion
/// come from what the device last set, when that is known.
fn flag_of(flagged: bool, detail: Option<&EasFlag>) -> Option<EasFlag> {
    match (flagged, detail) {
        (true, Some(d)) if d.status == Some(2) => Some(d.clone()),
        (true, _) => Some(EasFlag {
            status: Some(2),
            flag_type: Some("Flag for follow up".to_owned()),
            ..EasFlag::default()
        }),
        (false, Some(d)) if d.status == Some(1) => Some(d.clone()),
        (false, _) => None,
    }
}

/// Read, Flag, Categories and LastVerbExecuted from IMAP flags.
fn flag_fields(flags: &[Flag], detail: Option<&EasFlag>) -> EmailItem {
    // MS-ASEMAIL 2.2.2.45: 1 reply to sender, 3 forward.
    let last_verb_executed = if flags.contains(&Flag::forwarded()) {
        Some(3)
    } else if flags.contains(&Flag::Answered) {
        Some(1)
    } else {
        None
    };
    EmailItem {
        read: flags.contains(&Flag::Seen),
        flag: flag_of(flags.contains(&Flag::Flagged), detail),
        categories: flags
            .iter()
            .filter_map(|f| match f {
                Flag::Keyword(k) => m::category_for_keyword(k),
                _ => None,
            })
            .collect(),
        last_verb_executed,
        ..EmailItem::default()
    }
}

/// The ApplicationData of a server Change: the flag-like fields only.
pub fn change_data(version: ProtocolVersion, flags: &[Flag], detail: Option<&EasFlag>) -> Element {
    flag_fields(flags, detail).to_change_data(version)
}

/// The IMAP flags to add and remove for a device's change.
pub fn flag_edits(change: &EmailChange, current: &[Flag]) -> (Vec<Flag>, Vec<Flag>) {
    let mut add = Vec::new();
    let mut remove = Vec::new();
    match change.read {
        Some(true) if !current.contains(&Flag::Seen) => add.push(Flag::Seen),
        Some(false) if current.contains(&Flag::Seen) => remove.push(Flag::Seen),
        _ => {}
    }
    if let Some(flag) = &change.flag {
        // Status 2 is "active"; complete (1) and cleared (0 or an empty Flag) unflag. The
        // dates and the completion are kept by the caller (`flag_detail_write`).
        let active = flag.as_ref().is_some_and(|f| f.status == Some(2));
        match (active, current.contains(&Flag::Flagged)) {
            (true, false) => add.push(Flag::Flagged),
            (false, true) => remove.push(Flag::Flagged),
            _ => {}
        }
    }
    if let Some(categories) = &change.categories {
        let wanted: Vec<String> = categories
            .iter()
            .map(|c| m::keyword_for_category(c))
            .collect();
        for f in current {
            if let Flag::Keyword(k) = f
                && m::category_for_keyword(k).is_some()
                && !wanted.contains(k)
            {
                remove.push(f.clone());
            }
        }
        for k in wanted {
            let f = Flag::Keyword(k);
            if !current.contains(&f) {
                add.push(f);
            }
        }
    }
    (add, remove)
}

/// What to keep of a device's Flag change: the whole Flag when active or complete (its dates
/// come back on the next full sync), nothing when cleared. `None`: the change has no Flag.
pub fn flag_detail_write(change: &EmailChange) -> Option<Option<EasFlag>> {
    let flag = change.flag.as_ref()?;
    Some(
        flag.clone()
            .filter(|f| matches!(f.status, Some(1) | Some(2))),
    )
}
