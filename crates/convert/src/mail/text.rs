//! Text decoding shared by headers, bodies and attachment names: charsets to UTF-8, RFC 2047
//! encoded words, RFC 2231 parameter values.

use mail_parser::HeaderValue;
use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::parsers::MessageStream;

/// Decodes `bytes` in `charset` to UTF-8. Never fails: an unknown or missing charset is read as
/// UTF-8 when the bytes are valid UTF-8 and as Windows-1252 otherwise (what unlabelled 8-bit
/// mail nearly always is); invalid sequences become U+FFFD.
pub fn decode_charset(bytes: &[u8], charset: Option<&str>) -> String {
    let label = charset.map(|c| c.trim().trim_matches('"')).unwrap_or("");
    let text = if is_utf8_label(label) {
        // Valid UTF-8 (the usual case) is checked by the fast validator and copied once.
        match std::str::from_utf8(bytes) {
            Ok(s) => s.to_owned(),
            Err(_) => String::from_utf8_lossy(bytes).into_owned(),
        }
    } else if is_ascii_label(label) {
        // Mislabelled "us-ascii" mail is common; keep valid UTF-8, else take it as Windows-1252.
        utf8_or_cp1252(bytes)
    } else {
        match charset_decoder(label.as_bytes()) {
            Some(decode) => decode(bytes),
            None => utf8_or_cp1252(bytes),
        }
    };
    match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    }
}

fn is_utf8_label(label: &str) -> bool {
    let l = label.to_ascii_lowercase();
    matches!(
        l.as_str(),
        "utf-8"
            | "utf8"
            | "unicode-1-1-utf-8"
            | "unicode11utf8"
            | "unicode20utf8"
            | "x-unicode20utf8"
    )
}

fn is_ascii_label(label: &str) -> bool {
    let l = label.to_ascii_lowercase();
    l.is_empty()
        || matches!(
            l.as_str(),
            "us-ascii" | "ascii" | "ansi_x3.4-1968" | "iso646-us"
        )
}

/// UTF-8 when valid, otherwise Windows-1252 (a superset of the printable ISO-8859-1 range).
pub fn utf8_or_cp1252(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => match charset_decoder(b"windows-1252") {
            Some(decode) => decode(bytes),
            None => String::from_utf8_lossy(bytes).into_owned(),
        },
    }
}

/// Decodes RFC 2047 encoded words in a header value or parameter; plain text stays as it is.
pub fn decode_words(value: &str) -> String {
    if !value.contains("=?") {
        return value.trim().to_owned();
    }
    // mail-parser's unstructured-field parser reads up to an unfolded line end.
    let mut line: Vec<u8> = value
        .bytes()
        .map(|b| if b == b'\r' || b == b'\n' { b' ' } else { b })
        .collect();
    line.push(b'\n');
    match MessageStream::new(&line).parse_unstructured() {
        HeaderValue::Text(text) => text.into_owned(),
        _ => value.trim().to_owned(),
    }
}

/// A parameter value by lower-case name from a Content-Type or Content-Disposition parameter
/// list, with RFC 2231 continuations (`name*0*`, `name*1*`, ...) joined and percent-decoded in
/// their charset, and RFC 2047 words (which many mailers put in `name="=?utf-8?...?="`) decoded.
/// The RFC 2231 form wins over the plain one, as the RFC says.
pub fn param_value(params: &[(String, String)], name: &str) -> Option<String> {
    if let Some(v) = rfc2231_value(params, name) {
        return Some(v);
    }
    params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| decode_words(v))
}

fn rfc2231_value(params: &[(String, String)], name: &str) -> Option<String> {
    let name = name.to_ascii_lowercase();
    // name* on its own: one extended value.
    let single = format!("{name}*");
    if let Some((_, v)) = params
        .iter()
        .find(|(k, _)| k.to_ascii_lowercase() == single)
    {
        let (charset, encoded) = split_charset(v);
        return Some(decode_charset(&percent_decode(encoded), charset));
    }
    // name*0, name*1*, ...: sections in index order.
    let prefix = format!("{name}*");
    let mut sections: Vec<(u32, bool, &str)> = params
        .iter()
        .filter_map(|(k, v)| {
            let k = k.to_ascii_lowercase();
            let rest = k.strip_prefix(&prefix)?;
            let (num, extended) = match rest.strip_suffix('*') {
                Some(n) => (n, true),
                None => (rest, false),
            };
            let n = num.parse::<u32>().ok()?;
            Some((n, extended, v.as_str()))
        })
        .collect();
    if sections.is_empty() {
        return None;
    }
    sections.sort_by_key(|s| s.0);
    let mut charset = None;
    let mut bytes = Vec::new();
    for (i, (_, extended, value)) in sections.iter().enumerate() {
        if *extended {
            let value = if i == 0 {
                let (cs, rest) = split_charset(value);
                charset = cs;
                rest
            } else {
                value
            };
            bytes.extend_from_slice(&percent_decode(value));
        } else {
            bytes.extend_from_slice(value.as_bytes());
        }
    }
    Some(decode_charset(&bytes, charset))
}

/// `utf-8'en'%E2%82%AC` → (Some("utf-8"), "%E2%82%AC"). Without two quotes, no charset.
fn split_charset(value: &str) -> (Option<&str>, &str) {
    let mut it = value.splitn(3, '\'');
    match (it.next(), it.next(), it.next()) {
        (Some(cs), Some(_lang), Some(rest)) => (Some(cs).filter(|c| !c.is_empty()), rest),
        _ => (None, value),
    }
}

fn percent_decode(value: &str) -> Vec<u8> {
    let b = value.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (
                b.get(i + 1).and_then(|c| hex_val(*c)),
                b.get(i + 2).and_then(|c| hex_val(*c)),
            )
        {
            out.push(h << 4 | l);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

pub(crate) fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Cuts `text` to at most `max` bytes at a char boundary.
pub fn truncate_utf8(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn latin1_label_decodes_as_windows_1252() {
        assert_eq!(
            decode_charset(b"caf\xe9 \x80", Some("ISO-8859-1")),
            "café €"
        );
    }

    #[test]
    fn unknown_charset_falls_back_to_utf8_then_cp1252() {
        assert_eq!(decode_charset("grüß".as_bytes(), Some("x-unknown")), "grüß");
        assert_eq!(decode_charset(b"gr\xfc\xdf", Some("x-unknown")), "grüß");
    }

    #[test]
    fn koi8r_and_shift_jis_decode() {
        assert_eq!(
            decode_charset(b"\xf0\xd2\xc9\xd7\xc5\xd4", Some("koi8-r")),
            "Привет"
        );
        assert_eq!(
            decode_charset(b"\x82\xb1\x82\xf1", Some("Shift_JIS")),
            "こん"
        );
    }

    #[test]
    fn byte_order_mark_is_dropped() {
        assert_eq!(decode_charset("\u{feff}hi".as_bytes(), Some("utf-8")), "hi");
    }

    #[test]
    fn encoded_words_are_decoded_and_plain_text_kept() {
        assert_eq!(decode_words("=?ISO-8859-1?Q?Gr=FC=DFe?= aus"), "Grüße aus");
        assert_eq!(decode_words("=?UTF-8?B?0J/RgNC40LLQtdGC?="), "Привет");
        assert_eq!(decode_words("plain.txt"), "plain.txt");
    }

    #[test]
    fn rfc2231_single_extended_value() {
        let params = p(&[("filename*", "UTF-8''%E2%82%AC%20rates.pdf")]);
        assert_eq!(
            param_value(&params, "filename").as_deref(),
            Some("€ rates.pdf")
        );
    }

    #[test]
    fn rfc2231_continuations_join_in_order_and_win_over_plain() {
        let params = p(&[
            ("filename", "fallback.txt"),
            ("filename*1", "part.txt"),
            ("filename*0*", "iso-8859-1'de'Gr%FC%DFe-"),
        ]);
        assert_eq!(
            param_value(&params, "filename").as_deref(),
            Some("Grüße-part.txt")
        );
    }

    #[test]
    fn rfc2047_in_a_quoted_parameter() {
        let params = p(&[("name", "=?utf-8?B?w7xiZXIucGRm?=")]);
        assert_eq!(param_value(&params, "name").as_deref(), Some("über.pdf"));
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        assert_eq!(truncate_utf8("aé", 2), "a");
        assert_eq!(truncate_utf8("aé", 3), "aé");
    }
}
