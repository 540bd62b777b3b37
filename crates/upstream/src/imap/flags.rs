//! Message flags: the system flags airgate uses and keywords.

use std::borrow::Cow;

/// A system flag or a keyword. `\Recent` and unknown `\` flags are not
/// represented (they cannot be stored).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Flag {
    Seen,
    Answered,
    Flagged,
    Deleted,
    Draft,
    /// A keyword (`$Forwarded`, `$label1`, ...), as the server spells it.
    Keyword(String),
}

impl Flag {
    /// From a flag as the server writes it; `None` for `\Recent`, `\*` and
    /// unknown system flags.
    pub fn parse(text: &str) -> Option<Flag> {
        if let Some(system) = text.strip_prefix('\\') {
            return match system.to_ascii_lowercase().as_str() {
                "seen" => Some(Flag::Seen),
                "answered" => Some(Flag::Answered),
                "flagged" => Some(Flag::Flagged),
                "deleted" => Some(Flag::Deleted),
                "draft" => Some(Flag::Draft),
                _ => None,
            };
        }
        (!text.is_empty()).then(|| Flag::Keyword(text.to_string()))
    }

    /// The flag as written in a command; `None` for a keyword that is not
    /// an IMAP atom (spaces, parentheses, quotes, non-ASCII, ...).
    pub fn wire(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Borrowed(match self {
            Flag::Seen => "\\Seen",
            Flag::Answered => "\\Answered",
            Flag::Flagged => "\\Flagged",
            Flag::Deleted => "\\Deleted",
            Flag::Draft => "\\Draft",
            Flag::Keyword(k) => {
                return is_atom(k).then_some(Cow::Borrowed(k.as_str()));
            }
        }))
    }

    fn same(&self, other: &Flag) -> bool {
        match (self, other) {
            // Keywords are case-insensitive (RFC 3501 §2.3.2).
            (Flag::Keyword(a), Flag::Keyword(b)) => a.eq_ignore_ascii_case(b),
            (a, b) => a == b,
        }
    }
}

/// RFC 3501 atom: ASCII printable without specials (`(){ %*"\]`).
pub(crate) fn is_atom(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| {
            (0x21..0x7f).contains(&b)
                && !matches!(b, b'(' | b')' | b'{' | b'%' | b'*' | b'"' | b'\\' | b']')
        })
}

/// A message's flags, in the server's order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Flags(pub Vec<Flag>);

impl Flags {
    /// True if the flag is set (keywords compared ignoring case).
    pub fn has(&self, flag: &Flag) -> bool {
        self.0.iter().any(|f| f.same(flag))
    }

    /// The keywords, in order.
    pub fn keywords(&self) -> impl Iterator<Item = &str> {
        self.0.iter().filter_map(|f| match f {
            Flag::Keyword(k) => Some(k.as_str()),
            _ => None,
        })
    }

    pub(crate) fn from_wire<S: AsRef<str>>(flags: &[S]) -> Flags {
        Flags(
            flags
                .iter()
                .filter_map(|f| Flag::parse(f.as_ref()))
                .collect(),
        )
    }
}

/// `(\Seen $Label1)` for a command; `Err` with the first keyword that
/// cannot be written.
pub(crate) fn list(flags: &[Flag]) -> Result<String, String> {
    let mut out = String::from("(");
    for (i, f) in flags.iter().enumerate() {
        let Some(w) = f.wire() else {
            return Err(match f {
                Flag::Keyword(k) => k.clone(),
                _ => String::new(),
            });
        };
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&w);
    }
    out.push(')');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_write() {
        let flags = Flags::from_wire(&["\\Seen", "\\RECENT", "$Forwarded", "\\flagged", "\\X"]);
        assert_eq!(
            flags.0,
            [
                Flag::Seen,
                Flag::Keyword("$Forwarded".into()),
                Flag::Flagged
            ]
        );
        assert!(flags.has(&Flag::Keyword("$forwarded".into())));
        assert!(!flags.has(&Flag::Answered));
        assert_eq!(flags.keywords().collect::<Vec<_>>(), ["$Forwarded"]);
        assert_eq!(list(&flags.0).unwrap(), "(\\Seen $Forwarded \\Flagged)");
        assert_eq!(list(&[]).unwrap(), "()");
        assert_eq!(
            list(&[Flag::Seen, Flag::Keyword("two words".into())]),
            Err("two words".to_string())
        );
        for bad in ["", "a(b", "ü", "a]", "a\\b", "a*", "%"] {
            assert!(Flag::Keyword(bad.into()).wire().is_none(), "{bad:?}");
        }
    }
}
