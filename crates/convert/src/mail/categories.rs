//! Email Categories ↔ IMAP keywords. A keyword is an IMAP atom, so a category that is not one
//! (spaces, non-ASCII, specials) is stored encoded under a "$cat_" prefix, readable where it
//! can be: the ASCII stays, the rest is written like IMAP's modified UTF-7 ("&...-").

use base64::Engine;
use base64::alphabet::IMAP_MUTF7;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

const PREFIX: &str = "$cat_";

/// Thunderbird's five default tags and the names it shows for them.
const THUNDERBIRD_LABELS: &[(&str, &str)] = &[
    ("$label1", "Important"),
    ("$label2", "Work"),
    ("$label3", "Personal"),
    ("$label4", "To Do"),
    ("$label5", "Later"),
];

/// Keywords without '$' that mean something other than a category (junk training, old
/// forwarding marks). Compared case-insensitively.
const RESERVED: &[&str] = &["junk", "nonjunk", "notjunk", "forwarded", "redirected"];

const MUTF7: GeneralPurpose = GeneralPurpose::new(
    &IMAP_MUTF7,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// The IMAP keyword that stores a category.
pub fn keyword_for_category(name: &str) -> String {
    if let Some((kw, _)) = THUNDERBIRD_LABELS.iter().find(|(_, n)| *n == name) {
        return (*kw).to_owned();
    }
    let plain = !name.is_empty()
        && name.chars().all(is_atom_char)
        && !name.starts_with('$')
        && !RESERVED.contains(&name.to_ascii_lowercase().as_str());
    if plain {
        return name.to_owned();
    }
    let mut out = String::from(PREFIX);
    let mut run: Vec<u16> = Vec::new();
    for c in name.chars() {
        if is_atom_char(c) && c != '&' {
            flush(&mut run, &mut out);
            out.push(c);
        } else if c == '&' {
            flush(&mut run, &mut out);
            out.push_str("&-");
        } else {
            let mut buf = [0u16; 2];
            run.extend_from_slice(c.encode_utf16(&mut buf));
        }
    }
    flush(&mut run, &mut out);
    out
}

fn flush(run: &mut Vec<u16>, out: &mut String) {
    if run.is_empty() {
        return;
    }
    let bytes: Vec<u8> = run.iter().flat_map(|u| u.to_be_bytes()).collect();
    out.push('&');
    out.push_str(&MUTF7.encode(bytes));
    out.push('-');
    run.clear();
}

/// The category a keyword stands for; None for system flags and keywords with another meaning
/// ($Forwarded, $MDNSent, $Junk, $NotJunk, $Phishing, $Submitted, Junk, NonJunk, ...).
pub fn category_for_keyword(keyword: &str) -> Option<String> {
    let lower = keyword.to_ascii_lowercase();
    if let Some((_, name)) = THUNDERBIRD_LABELS.iter().find(|(kw, _)| *kw == lower) {
        return Some((*name).to_owned());
    }
    if lower.starts_with(PREFIX) {
        // Something that looks like ours but does not decode is still shown, as it is.
        return Some(decode(&keyword[PREFIX.len()..]).unwrap_or_else(|| keyword.to_owned()));
    }
    if keyword.is_empty()
        || keyword.starts_with('\\')
        || keyword.starts_with('$')
        || RESERVED.contains(&lower.as_str())
    {
        return None;
    }
    Some(keyword.to_owned())
}

fn decode(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after.find('-')?;
        if end == 0 {
            out.push('&');
        } else {
            let bytes = MUTF7.decode(&after[..end]).ok()?;
            if bytes.len() % 2 != 0 {
                return None;
            }
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|p| u16::from_be_bytes([p[0], p[1]]))
                .collect();
            out.push_str(&String::from_utf16(&units).ok()?);
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// RFC 3501 ATOM-CHAR: printable ASCII except atom-specials `(){ %*"\]`.
fn is_atom_char(c: char) -> bool {
    c.is_ascii_graphic() && !matches!(c, '(' | ')' | '{' | '%' | '*' | '"' | '\\' | ']')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_plain_atom_category_is_its_own_keyword() {
        assert_eq!(keyword_for_category("Project-X"), "Project-X");
        assert_eq!(
            category_for_keyword("Project-X").as_deref(),
            Some("Project-X")
        );
    }

    #[test]
    fn spaces_and_non_ascii_are_encoded_readably() {
        assert_eq!(
            keyword_for_category("Team Meeting"),
            "$cat_Team&ACA-Meeting"
        );
        assert_eq!(keyword_for_category("Büro"), "$cat_B&APw-ro");
        assert_eq!(keyword_for_category("仕事"), "$cat_&TtVOiw-");
    }

    #[test]
    fn thunderbird_labels_map_both_ways() {
        assert_eq!(keyword_for_category("To Do"), "$label4");
        assert_eq!(
            category_for_keyword("$Label1").as_deref(),
            Some("Important")
        );
    }

    #[test]
    fn system_flags_and_well_known_keywords_are_not_categories() {
        for kw in [
            "\\Seen",
            "\\Flagged",
            "$Forwarded",
            "$MDNSent",
            "$Junk",
            "$NotJunk",
            "$Phishing",
            "$SubmitPending",
            "$Submitted",
            "NonJunk",
            "Junk",
            "$HasAttachment",
        ] {
            assert_eq!(category_for_keyword(kw), None, "{kw}");
        }
    }

    #[test]
    fn a_category_named_like_a_reserved_keyword_is_encoded() {
        assert_eq!(keyword_for_category("Junk"), "$cat_Junk");
        assert_eq!(keyword_for_category("$Junk"), "$cat_$Junk");
        assert_eq!(category_for_keyword("$cat_Junk").as_deref(), Some("Junk"));
    }

    #[test]
    fn an_ampersand_in_an_encoded_category_survives() {
        let kw = keyword_for_category("R&D team");
        assert_eq!(kw, "$cat_R&-D&ACA-team");
        assert_eq!(category_for_keyword(&kw).as_deref(), Some("R&D team"));
    }

    proptest! {
        #[test]
        fn category_round_trips_through_a_valid_atom(name in any::<String>()) {
            let kw = keyword_for_category(&name);
            prop_assert!(!kw.is_empty() && kw.chars().all(is_atom_char), "{kw:?}");
            prop_assert_eq!(category_for_keyword(&kw), Some(name));
        }

        #[test]
        fn keyword_lookup_never_panics(kw in "\\PC*") {
            let _ = category_for_keyword(&kw);
        }
    }
}
