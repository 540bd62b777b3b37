//! A stored vCard as its content lines, each kept as written so that a merge rewrites only the
//! lines it changes (byte for byte the rest). Parameters are read here; values are decoded by
//! calcard, one line at a time (escapes, quoted-printable and charsets of 2.1, base64 and
//! `data:` URIs, dates).

use calcard::common::IanaString as _;
use calcard::vcard::{VCard, VCardEntry, VCardValue};

/// The vCard version of a stored object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Version {
    V2_1,
    V3,
    V4,
}

impl Version {
    fn as_str(self) -> &'static str {
        match self {
            Version::V2_1 => "2.1",
            Version::V3 => "3.0",
            Version::V4 => "4.0",
        }
    }
}

/// One parameter as written: `NAME=value` (the value raw, quotes included), or a bare 2.1
/// value (`TEL;CELL:`) with an empty name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Param {
    pub name: String,
    pub value: String,
}

impl Param {
    pub fn new(name: &str, value: &str) -> Param {
        Param {
            name: name.to_owned(),
            value: value.to_owned(),
        }
    }

    fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    /// The comma-separated values, unquoted.
    fn values(&self) -> impl Iterator<Item = &str> {
        self.value
            .split(',')
            .map(|v| v.trim().trim_matches('"'))
            .filter(|v| !v.is_empty())
    }
}

/// One content line.
#[derive(Clone, Debug)]
pub(crate) struct Line {
    /// The physical lines as stored (or as written by us), without line ends.
    raw: Vec<String>,
    pub group: Option<String>,
    /// The property name as written.
    pub name: String,
    pub params: Vec<Param>,
    /// calcard's reading of the line; `None` for lines it cannot read (and blank lines).
    pub entry: Option<VCardEntry>,
}

impl Line {
    /// Whether the property is `name` (case-insensitive).
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|p| p.is(name))
            .map(|p| p.value.trim_matches('"'))
    }

    /// TYPE values (and bare 2.1 parameters), lower-case.
    pub fn types(&self) -> Vec<String> {
        self.params
            .iter()
            .filter(|p| p.is("TYPE") || p.name.is_empty())
            .flat_map(|p| p.values().map(str::to_ascii_lowercase))
            .collect()
    }

    pub fn has_type(&self, t: &str) -> bool {
        self.types().iter().any(|x| x == t)
    }

    /// The preference rank: `PREF=n` (4.0) or `TYPE=pref` (3.0, rank 1); none is 101.
    pub fn pref(&self) -> u32 {
        if let Some(n) = self.param("PREF").and_then(|p| p.trim().parse().ok()) {
            return n;
        }
        if self.has_type("pref") { 1 } else { 101 }
    }

    fn values(&self) -> &[VCardValue] {
        self.entry.as_ref().map_or(&[], |e| e.values.as_slice())
    }

    /// The value as one text (list values joined with `,`).
    pub fn text(&self) -> String {
        self.values()
            .iter()
            .map(value_text)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The components of a structured value (N, ADR, ORG), each a list.
    pub fn components(&self) -> Vec<Vec<String>> {
        self.values()
            .iter()
            .map(|v| match v {
                VCardValue::Component(items) => {
                    items.iter().map(|i| i.replace("\r\n", "\n")).collect()
                }
                other => vec![value_text(other)],
            })
            .collect()
    }

    /// Every value as a separate text (CATEGORIES, NICKNAME lists).
    pub fn list(&self) -> Vec<String> {
        self.values()
            .iter()
            .flat_map(|v| match v {
                VCardValue::Component(items) => items.clone(),
                other => vec![value_text(other)],
            })
            .filter(|s| !s.is_empty())
            .collect()
    }

    pub fn value(&self) -> Option<&VCardValue> {
        self.values().first()
    }

    /// The value as written (unfolded), after the first unquoted `:`.
    pub fn raw_value(&self) -> String {
        let joined = unfold(&self.raw);
        split_line(&joined).map_or(String::new(), |(_, _, _, v)| v.to_owned())
    }
}

/// Text of a value; CRLF line breaks (quoted-printable `=0D=0A`) read as LF.
fn value_text(v: &VCardValue) -> String {
    match v {
        VCardValue::Text(s) => s.replace("\r\n", "\n"),
        VCardValue::Component(items) => items.join(",").replace("\r\n", "\n"),
        VCardValue::Integer(i) => i.to_string(),
        VCardValue::Float(f) => f.to_string(),
        VCardValue::Boolean(b) => b.to_string(),
        VCardValue::Binary(_) => String::new(),
        VCardValue::PartialDateTime(_) => String::new(),
        VCardValue::Sex(s) => s.as_str().to_owned(),
        VCardValue::GramGender(g) => g.as_str().to_owned(),
        VCardValue::Kind(k) => k.as_str().to_owned(),
    }
}

/// The logical line of its physical lines (folding removed).
fn unfold(raw: &[String]) -> String {
    let mut out = String::new();
    for (i, l) in raw.iter().enumerate() {
        if i == 0 {
            out.push_str(l);
        } else if let Some(rest) = l.strip_prefix([' ', '\t']) {
            out.push_str(rest);
        } else {
            // A quoted-printable soft line break: `=` ends the previous physical line.
            if out.ends_with('=') {
                out.pop();
            }
            out.push_str(l);
        }
    }
    out
}

/// `(group, name, params, value)` of a logical line; `None` without a `:`.
fn split_line(line: &str) -> Option<(Option<&str>, &str, Vec<Param>, &str)> {
    let mut in_quotes = false;
    let mut colon = None;
    for (i, ch) in line.char_indices() {
        match ch {
            '"' => in_quotes = !in_quotes,
            ':' if !in_quotes => {
                colon = Some(i);
                break;
            }
            _ => {}
        }
    }
    let colon = colon?;
    let head = &line[..colon];
    let value = &line[colon + 1..];
    let mut parts = split_unquoted(head, ';').into_iter();
    let full_name = parts.next().unwrap_or_default();
    let (group, name) = match full_name.split_once('.') {
        Some((g, n)) => (Some(g), n),
        None => (None, full_name),
    };
    let params = parts
        .map(|p| match p.split_once('=') {
            Some((n, v)) => Param::new(n.trim(), v),
            None => Param::new("", p),
        })
        .collect();
    Some((group, name, params, value))
}

fn split_unquoted(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let mut in_quotes = false;
    let mut start = 0;
    for (i, ch) in s.char_indices() {
        if ch == '"' {
            in_quotes = !in_quotes;
        } else if ch == sep && !in_quotes {
            out.push(&s[start..i]);
            start = i + ch.len_utf8();
        }
    }
    out.push(&s[start..]);
    out
}

/// A stored (or new) vCard.
#[derive(Clone, Debug)]
pub(crate) struct Card {
    pub lines: Vec<Line>,
    pub version: Version,
    newline: &'static str,
    trailing_newline: bool,
}

impl Card {
    /// Splits `text` into content lines (a line starting with a space or tab continues the
    /// previous one; so does the line after a quoted-printable line ending in `=`).
    pub fn parse(text: &str) -> Card {
        let newline = if text.contains("\r\n") || !text.contains('\n') {
            "\r\n"
        } else {
            "\n"
        };
        let trailing_newline = text.ends_with('\n') || text.is_empty();
        let mut groups: Vec<Vec<String>> = Vec::new();
        let body = text.strip_suffix('\n').unwrap_or(text);
        for physical in body.split('\n') {
            let physical = physical.strip_suffix('\r').unwrap_or(physical);
            let continues = match groups.last() {
                Some(prev) if physical.starts_with([' ', '\t']) => !prev[0].is_empty(),
                Some(prev) => {
                    let joined = unfold(prev);
                    joined.ends_with('=')
                        && joined.to_ascii_uppercase().contains("QUOTED-PRINTABLE")
                }
                None => false,
            };
            match groups.last_mut() {
                Some(prev) if continues => prev.push(physical.to_owned()),
                _ => groups.push(vec![physical.to_owned()]),
            }
        }
        let version = groups
            .iter()
            .map(|g| unfold(g))
            .find_map(|l| {
                let (_, name, _, value) = split_line(&l)?;
                name.eq_ignore_ascii_case("VERSION")
                    .then(|| match value.trim() {
                        "2.1" | "2.0" => Version::V2_1,
                        "4.0" => Version::V4,
                        _ => Version::V3,
                    })
            })
            .unwrap_or(Version::V3);
        let lines = groups
            .into_iter()
            .map(|raw| Line::from_raw(raw, version))
            .collect();
        Card {
            lines,
            version,
            newline,
            trailing_newline,
        }
    }

    /// The skeleton a new contact merges into.
    pub fn skeleton(uid: &str) -> Card {
        Card::parse(&format!(
            "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:{}\r\nUID:{}\r\nEND:VCARD\r\n",
            super::PRODID,
            escape_text(uid)
        ))
    }

    /// The text to store.
    pub fn write(&self) -> String {
        let mut out = String::new();
        for (i, line) in self.lines.iter().enumerate() {
            if i > 0 {
                out.push_str(self.newline);
            }
            out.push_str(&line.raw.join(self.newline));
        }
        if self.trailing_newline {
            out.push_str(self.newline);
        }
        out
    }

    /// A line to insert: written (folded at 75 octets) and read back.
    pub fn build(&self, group: Option<&str>, name: &str, params: &[Param], value: &str) -> Line {
        let mut params = params.to_vec();
        if self.version == Version::V2_1
            && !value.is_ascii()
            && !params.iter().any(|p| p.is("CHARSET"))
        {
            params.push(Param::new("CHARSET", "UTF-8"));
        }
        let mut text = String::new();
        if let Some(g) = group {
            text.push_str(g);
            text.push('.');
        }
        text.push_str(name);
        for p in &params {
            text.push(';');
            if !p.name.is_empty() {
                text.push_str(&p.name);
                text.push('=');
            }
            text.push_str(&p.value);
        }
        text.push(':');
        text.push_str(value);
        Line::from_raw(fold(&text), self.version)
    }

    /// Index of the `END:VCARD` line (new lines go before it).
    pub fn end_index(&self) -> usize {
        self.lines
            .iter()
            .position(|l| l.is("END"))
            .unwrap_or(self.lines.len())
    }

    /// A group name no line uses (`itemN`, as Apple names them).
    pub fn free_group(&self) -> String {
        (1..)
            .map(|n| format!("item{n}"))
            .find(|g| {
                !self.lines.iter().any(|l| {
                    l.group
                        .as_deref()
                        .is_some_and(|x| x.eq_ignore_ascii_case(g))
                })
            })
            .unwrap_or_else(|| "item".to_owned())
    }

    /// The X-ABLabel of a group, without Apple's `_$!<...>!$_` wrapping, lower-case.
    pub fn label_of(&self, group: Option<&str>) -> Option<String> {
        let group = group?;
        self.lines
            .iter()
            .find(|l| {
                l.is("X-ABLABEL")
                    && l.group
                        .as_deref()
                        .is_some_and(|g| g.eq_ignore_ascii_case(group))
            })
            .map(|l| {
                let t = l.text();
                let t = t.trim();
                let t = t
                    .strip_prefix("_$!<")
                    .and_then(|t| t.strip_suffix(">!$_"))
                    .unwrap_or(t);
                t.to_ascii_lowercase()
            })
    }
}

impl Line {
    fn from_raw(raw: Vec<String>, version: Version) -> Line {
        let joined = unfold(&raw);
        let Some((group, name, params, _)) = split_line(&joined) else {
            return Line {
                raw,
                group: None,
                name: String::new(),
                params: Vec::new(),
                entry: None,
            };
        };
        let entry = if name.eq_ignore_ascii_case("BEGIN") || name.eq_ignore_ascii_case("END") {
            None
        } else {
            let doc = format!(
                "BEGIN:VCARD\r\nVERSION:{}\r\n{}\r\nEND:VCARD\r\n",
                version.as_str(),
                raw.join("\r\n")
            );
            VCard::parse(doc).ok().and_then(|card| {
                if name.eq_ignore_ascii_case("VERSION") {
                    card.entries.into_iter().next()
                } else {
                    card.entries.into_iter().nth(1)
                }
            })
        };
        Line {
            group: group.map(str::to_owned),
            name: name.to_owned(),
            params,
            entry,
            raw,
        }
    }
}

/// Folds a logical line into physical lines of at most 75 octets (RFC 6350 3.2), never inside
/// a UTF-8 sequence.
fn fold(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut limit = 75;
    for ch in text.chars() {
        if current.len() + ch.len_utf8() > limit {
            out.push(std::mem::take(&mut current));
            current.push(' ');
            limit = 75;
        }
        current.push(ch);
    }
    out.push(current);
    out
}

/// A TEXT value escaped (RFC 6350 3.4): backslash, newline, comma, semicolon.
pub(crate) fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            c => out.push(c),
        }
    }
    out
}

/// A structured value: components joined with `;`, list items with `,`.
pub(crate) fn structured(components: &[Vec<String>]) -> String {
    components
        .iter()
        .map(|c| {
            c.iter()
                .map(|i| escape_text(i))
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect::<Vec<_>>()
        .join(";")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unchanged_card_writes_back_byte_for_byte() {
        let text = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;Jo;;;\r\nNOTE:a long\r\n  folded note\r\nitem1.EMAIL;type=INTERNET;type=pref:jo@example.org\r\nEND:VCARD\r\n";
        assert_eq!(Card::parse(text).write(), text);
        let lf = text.replace("\r\n", "\n");
        assert_eq!(Card::parse(&lf).write(), lf);
    }

    #[test]
    fn parameters_and_groups_are_read_as_written() {
        let card = Card::parse(
            "BEGIN:VCARD\nVERSION:4.0\nitem2.TEL;TYPE=\"work,voice\";PREF=2;VALUE=uri:tel:+1-555\nEND:VCARD\n",
        );
        let tel = &card.lines[2];
        assert_eq!(tel.group.as_deref(), Some("item2"));
        assert_eq!(tel.types(), ["work", "voice"]);
        assert_eq!(tel.pref(), 2);
        assert_eq!(tel.text(), "tel:+1-555");
        assert_eq!(card.version, Version::V4);
    }

    #[test]
    fn quoted_printable_soft_breaks_join_lines() {
        let card = Card::parse(
            "BEGIN:VCARD\r\nVERSION:2.1\r\nNOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=ISO-8859-1:caf=E9 =\r\ncr=E8me\r\nEND:VCARD\r\n",
        );
        assert_eq!(card.lines.len(), 4);
        assert_eq!(card.lines[2].text(), "café crème");
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let text = format!("NOTE:{}", "é".repeat(80));
        let folded = fold(&text);
        assert!(folded.iter().all(|l| l.len() <= 75));
        assert_eq!(unfold(&folded), text);
    }
}
