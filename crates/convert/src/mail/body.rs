//! The EAS Body (MS-ASAIRS): choosing what to fetch for the requested type and truncation, and
//! turning the fetched bytes into the Data, Truncated, EstimatedDataSize and Preview elements.

use super::flowed::{crlf, unflow};
use super::html::{html_to_text, text_to_html, truncate_html};
use super::select::{Prefer, is_html, text_parts};
use super::structure::{BodyPart, PartKind, PartPath, TransferEncoding};
use super::text::{decode_charset, param_value, truncate_utf8};
use super::transfer::{TransferDecoder, decoded_len_estimate, encoded_len_for};

/// airsyncbase:Type of a body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WantedBody {
    Plain,
    Html,
    Mime,
}

impl WantedBody {
    /// The EAS value: 1 plain, 2 HTML, 4 MIME.
    pub fn eas_type(self) -> u8 {
        match self {
            WantedBody::Plain => 1,
            WantedBody::Html => 2,
            WantedBody::Mime => 4,
        }
    }

    /// From the EAS value; RTF (3) is not offered, the caller answers it with plain text.
    pub fn from_eas_type(t: u8) -> Option<WantedBody> {
        match t {
            1 => Some(WantedBody::Plain),
            2 => Some(WantedBody::Html),
            4 => Some(WantedBody::Mime),
            _ => None,
        }
    }
}

/// One airsyncbase:BodyPreference, as far as the body is concerned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyRequest {
    pub kind: WantedBody,
    /// TruncationSize, in bytes of the delivered (UTF-8) data.
    pub truncation: Option<u64>,
    pub all_or_none: bool,
    /// Preview, in characters (EAS 14.0+; at most 255).
    pub preview: Option<u32>,
}

/// A part to fetch as `BODY.PEEK[<section>]`, or `BODY.PEEK[<section>]<0.max>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartFetch {
    pub path: PartPath,
    /// None: the whole part.
    pub max_bytes: Option<u64>,
}

impl PartFetch {
    /// The IMAP fetch item, e.g. `BODY.PEEK[1.2]<0.4096>`.
    pub fn fetch_item(&self) -> String {
        match self.max_bytes {
            Some(n) => format!("BODY.PEEK[{}]<0.{}>", self.path.section(), n),
            None => format!("BODY.PEEK[{}]", self.path.section()),
        }
    }
}

/// What to fetch for a body and what will be sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyPlan {
    /// The type that will be sent: HTML asked of a plain-only message is sent as plain text
    /// (EAS sends the type it has), plain asked of an HTML-only message is converted.
    pub delivered: WantedBody,
    /// In body order; empty for MIME (the engine fetches `BODY.PEEK[]` itself).
    pub fetch: Vec<PartFetch>,
    /// airsyncbase:NativeBodyType: 1 plain, 2 HTML.
    pub native: u8,
    /// Decoded size of the delivered body, as far as the structure tells.
    pub estimated_size: u64,
}

/// The rendered airsyncbase:Body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedBody {
    pub kind: WantedBody,
    pub data: String,
    pub truncated: bool,
    pub estimated_size: u64,
    pub preview: Option<String>,
}

/// Parts at most this big are fetched whole when HTML has to become plain text: markup and
/// style sheets make the text a small and unpredictable share of the bytes.
const CONVERT_WHOLE_BELOW: u64 = 64 * 1024;

/// Decides which parts to fetch, and how many bytes of each.
pub fn plan_body(structure: &BodyPart, req: &BodyRequest) -> BodyPlan {
    let native = if text_parts(structure, Prefer::Html)
        .iter()
        .any(|p| is_html(p))
    {
        2
    } else {
        1
    };
    if req.kind == WantedBody::Mime {
        return BodyPlan {
            delivered: WantedBody::Mime,
            fetch: Vec::new(),
            native,
            estimated_size: encoded_size(structure),
        };
    }
    let (parts, delivered) = choose(structure, req.kind);
    // Enough text for the preview even when the truncation is smaller (often 0).
    let preview_bytes = req.preview.map(|n| u64::from(n.min(255)) * 4);
    let target = req.truncation.map(|t| t.max(preview_bytes.unwrap_or(0)));
    let fetch = parts
        .iter()
        .map(|p| PartFetch {
            path: p.path.clone(),
            max_bytes: target.and_then(|t| fetch_limit(p, t, delivered)),
        })
        .collect();
    let estimated_size = parts.iter().map(|p| decoded_size_estimate(p)).sum();
    BodyPlan {
        delivered,
        fetch,
        native,
        estimated_size,
    }
}

/// The body parts for the requested kind and the kind that will be delivered.
fn choose(structure: &BodyPart, kind: WantedBody) -> (Vec<&BodyPart>, WantedBody) {
    match kind {
        WantedBody::Html => {
            let parts = text_parts(structure, Prefer::Html);
            let delivered = if parts.iter().any(|p| is_html(p)) || parts.is_empty() {
                WantedBody::Html
            } else {
                WantedBody::Plain
            };
            (parts, delivered)
        }
        _ => (text_parts(structure, Prefer::Plain), WantedBody::Plain),
    }
}

/// How many encoded bytes of `p` give `target` bytes of delivered text; None for all of it.
fn fetch_limit(p: &BodyPart, target: u64, delivered: WantedBody) -> Option<u64> {
    let converting = delivered == WantedBody::Plain && is_html(p);
    if converting && p.size <= CONVERT_WHOLE_BELOW {
        return None;
    }
    let text = if converting {
        target.saturating_mul(4)
    } else {
        target
    };
    // UTF-8 never needs more bytes than the source charset, except UTF-16/32 for ASCII.
    let charset = p.param("charset").unwrap_or("").to_ascii_lowercase();
    let factor = if charset.contains("32") && charset.starts_with("utf") {
        4
    } else if charset.starts_with("utf-16") || charset.starts_with("ucs-2") || charset == "unicode"
    {
        2
    } else {
        1
    };
    // A few bytes more so that a character cut at the end still leaves `target` whole ones.
    let raw = text.saturating_mul(factor).saturating_add(16);
    let encoded = encoded_len_for(p.encoding.as_ref(), raw);
    (encoded < p.size).then_some(encoded)
}

/// The decoded size of a part: base64 shrinks by about a quarter, other encodings are counted
/// as they are. A multipart is the sum of its parts.
pub fn decoded_size_estimate(part: &BodyPart) -> u64 {
    match &part.kind {
        PartKind::Leaf => decoded_len_estimate(part.encoding.as_ref(), part.size),
        PartKind::Message(_) => part.size,
        PartKind::Multipart(children) => children.iter().map(decoded_size_estimate).sum(),
    }
}

fn encoded_size(part: &BodyPart) -> u64 {
    match &part.kind {
        PartKind::Multipart(children) => children.iter().map(encoded_size).sum(),
        _ => part.size,
    }
}

/// Builds the body from the fetched parts: `(path, bytes, whole part?)`. A planned part that
/// is missing from `fetched` counts as not fetched (the body is then truncated).
pub fn render_body(
    structure: &BodyPart,
    plan: &BodyPlan,
    req: &BodyRequest,
    fetched: &[(PartPath, Vec<u8>, bool)],
) -> RenderedBody {
    if plan.delivered == WantedBody::Mime {
        return RenderedBody {
            kind: WantedBody::Mime,
            data: String::new(),
            truncated: false,
            estimated_size: plan.estimated_size,
            preview: None,
        };
    }
    let html_out = plan.delivered == WantedBody::Html;
    let mut partial = false;
    let mut data = String::new();
    for f in &plan.fetch {
        let found = structure
            .find(&f.path)
            .zip(fetched.iter().find(|(p, _, _)| p == &f.path));
        let Some((part, (_, bytes, whole))) = found else {
            partial = true;
            continue;
        };
        // Only as much text as the truncation needs is decoded: the rest would be cut anyway.
        let converting = !html_out && is_html(part);
        let budget = req
            .truncation
            .filter(|_| !converting)
            .map(|t| decode_budget(part, t.max(preview_bytes(req))));
        let (text, used_whole) = part_text(part, bytes, *whole, budget);
        partial |= !used_whole;
        let piece = match (html_out, is_html(part)) {
            (true, true) => text,
            (true, false) => text_to_html(&text),
            (false, true) => html_to_text(&text),
            (false, false) => text,
        };
        if !html_out && !data.is_empty() && !data.ends_with('\n') {
            data.push('\n');
        }
        data.push_str(&piece);
    }
    if !html_out {
        data = crlf(&data);
    }
    let preview = req.preview.map(|n| {
        let plain = if html_out {
            html_to_text(&data)
        } else {
            data.clone()
        };
        preview_of(&plain, n)
    });
    let full_len = data.len() as u64;
    let mut truncated = partial;
    if let Some(t) = req.truncation
        && full_len > t
    {
        let max = usize::try_from(t).unwrap_or(usize::MAX);
        data = if html_out {
            truncate_html(&data, max).to_owned()
        } else {
            truncate_utf8(&data, max).to_owned()
        };
        truncated = true;
    }
    if req.all_or_none && truncated {
        data.clear();
    }
    // With every part fetched whole the converted length is exact, truncated or not.
    let estimated_size = if partial {
        plan.estimated_size.max(full_len)
    } else {
        full_len
    };
    RenderedBody {
        kind: plan.delivered,
        data,
        truncated,
        estimated_size,
        preview,
    }
}

/// Bytes of preview text wanted: enough for `Preview` characters of up to 4 bytes each.
fn preview_bytes(req: &BodyRequest) -> u64 {
    req.preview.map_or(0, |n| u64::from(n.min(255)) * 4)
}

/// How many decoded bytes of `part` give at least `target` bytes of delivered text (the
/// inverse of what [`fetch_limit`] fetches): UTF-16/32 shrink in UTF-8, format=flowed loses
/// its soft breaks.
fn decode_budget(part: &BodyPart, target: u64) -> usize {
    let charset = part.param("charset").unwrap_or("").to_ascii_lowercase();
    let wide = charset.starts_with("utf-16")
        || charset.starts_with("ucs-2")
        || charset == "unicode"
        || (charset.starts_with("utf") && charset.contains("32"));
    let flowed = part
        .param("format")
        .is_some_and(|f| f.eq_ignore_ascii_case("flowed"));
    let factor = if wide { 4 } else { 1 } * if flowed { 2 } else { 1 };
    usize::try_from(target.saturating_mul(factor).saturating_add(64)).unwrap_or(usize::MAX)
}

/// A leaf's bytes as text: transfer decoding, charset, format=flowed. With a `budget`,
/// decoding stops once that many bytes are decoded; the flag says whether all of the part's
/// text is in the result.
pub(crate) fn part_text(
    part: &BodyPart,
    bytes: &[u8],
    whole: bool,
    budget: Option<usize>,
) -> (String, bool) {
    let encoding = part.encoding.clone().unwrap_or(TransferEncoding::SevenBit);
    let (decoded, all) = TransferDecoder::decode_up_to(&encoding, bytes, whole, budget);
    let whole = whole && all;
    let charset = param_value(&part.params, "charset");
    let mut text = decode_charset(&decoded, charset.as_deref());
    if !whole {
        // A multi-byte character cut by the partial fetch decodes as U+FFFD; it is not content.
        let keep = text.trim_end_matches('\u{fffd}').len();
        text.truncate(keep);
    }
    let flowed = part
        .param("format")
        .is_some_and(|f| f.eq_ignore_ascii_case("flowed"));
    if flowed && part.is("text", "plain") {
        let delsp = part
            .param("delsp")
            .is_some_and(|d| d.eq_ignore_ascii_case("yes"));
        text = unflow(&text, delsp);
    }
    (text, whole)
}

/// airsyncbase:Preview: the first `chars` characters (at most 255) of the text, on one line.
pub fn preview_of(text: &str, chars: u32) -> String {
    let max = chars.min(255) as usize;
    let words: Vec<&str> = text.split_whitespace().collect();
    words.join(" ").chars().take(max).collect()
}

/// The body as MIME (Type 4): the raw message as fetched (`BODY.PEEK[]<0.limit>`), cut to
/// `limit` bytes. Bytes that are not UTF-8 (8-bit mail) become U+FFFD: WBXML strings are UTF-8.
/// AllOrNone is the caller's (`RenderedBody::all_or_none`).
pub fn render_mime(raw_prefix: &[u8], total_size: u64, limit: Option<u64>) -> RenderedBody {
    let max = limit.map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
    let cut = &raw_prefix[..raw_prefix.len().min(max)];
    let was_cut = cut.len() < raw_prefix.len() || (cut.len() as u64) < total_size;
    // A character cut by the limit is dropped rather than replaced.
    let cut = match std::str::from_utf8(cut) {
        Err(e) if was_cut && e.error_len().is_none() => &cut[..e.valid_up_to()],
        _ => cut,
    };
    RenderedBody {
        kind: WantedBody::Mime,
        data: String::from_utf8_lossy(cut).into_owned(),
        truncated: was_cut,
        estimated_size: total_size.max(raw_prefix.len() as u64),
        preview: None,
    }
}

impl RenderedBody {
    /// Applies AllOrNone: a truncated body is sent without data.
    pub fn all_or_none(mut self) -> RenderedBody {
        if self.truncated {
            self.data.clear();
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_collapses_whitespace_and_counts_characters() {
        assert_eq!(
            preview_of("  Grüße\r\n\r\n  aus   Berlin ", 10),
            "Grüße aus "
        );
        assert_eq!(preview_of(&"x".repeat(400), 1000).len(), 255);
    }
}
