//! What an IMAP server says it can do (RFC 3501 §7.2.1), typed for the
//! extensions airgate cares about, with the raw list kept for the rest.

use std::fmt;

/// IMAP extensions airgate uses or reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Capability {
    Imap4rev1,
    Imap4rev2,
    /// RFC 2595: plaintext connection can be upgraded.
    StartTls,
    /// RFC 3501: LOGIN is refused (typically until TLS is up).
    LoginDisabled,
    /// RFC 4959: initial response in AUTHENTICATE.
    SaslIr,
    /// RFC 2177.
    Idle,
    /// RFC 7162: MODSEQ, CHANGEDSINCE.
    Condstore,
    /// RFC 7162: VANISHED, SELECT (QRESYNC ...).
    Qresync,
    /// RFC 5161.
    Enable,
    /// RFC 5465: events for many mailboxes on one connection.
    Notify,
    /// RFC 6851.
    Move,
    /// RFC 4315: APPENDUID, COPYUID, UID EXPUNGE.
    Uidplus,
    /// RFC 6154: \Sent, \Trash, ... on LIST.
    SpecialUse,
    /// RFC 5258.
    ListExtended,
    /// RFC 5819.
    ListStatus,
    /// RFC 2342.
    Namespace,
    /// RFC 2971.
    Id,
    /// RFC 7888: non-synchronizing literals.
    LiteralPlus,
    /// RFC 7888: non-synchronizing literals up to 4096 bytes.
    LiteralMinus,
    /// RFC 4731.
    Esearch,
    /// RFC 3516.
    Binary,
    /// RFC 3691.
    Unselect,
    /// RFC 4978, `COMPRESS=DEFLATE`.
    CompressDeflate,
    /// RFC 6855, `UTF8=ACCEPT`.
    Utf8Accept,
    /// RFC 8474.
    ObjectId,
    /// RFC 8438, `STATUS=SIZE`.
    StatusSize,
    /// RFC 8970.
    Preview,
}

impl Capability {
    /// The capability's name as servers write it.
    pub const fn name(self) -> &'static str {
        match self {
            Capability::Imap4rev1 => "IMAP4rev1",
            Capability::Imap4rev2 => "IMAP4rev2",
            Capability::StartTls => "STARTTLS",
            Capability::LoginDisabled => "LOGINDISABLED",
            Capability::SaslIr => "SASL-IR",
            Capability::Idle => "IDLE",
            Capability::Condstore => "CONDSTORE",
            Capability::Qresync => "QRESYNC",
            Capability::Enable => "ENABLE",
            Capability::Notify => "NOTIFY",
            Capability::Move => "MOVE",
            Capability::Uidplus => "UIDPLUS",
            Capability::SpecialUse => "SPECIAL-USE",
            Capability::ListExtended => "LIST-EXTENDED",
            Capability::ListStatus => "LIST-STATUS",
            Capability::Namespace => "NAMESPACE",
            Capability::Id => "ID",
            Capability::LiteralPlus => "LITERAL+",
            Capability::LiteralMinus => "LITERAL-",
            Capability::Esearch => "ESEARCH",
            Capability::Binary => "BINARY",
            Capability::Unselect => "UNSELECT",
            Capability::CompressDeflate => "COMPRESS=DEFLATE",
            Capability::Utf8Accept => "UTF8=ACCEPT",
            Capability::ObjectId => "OBJECTID",
            Capability::StatusSize => "STATUS=SIZE",
            Capability::Preview => "PREVIEW",
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The extensions mail sync and push rely on (design.md, invariant 3 and
/// the push watchers). `airgate check` reports the ones missing.
pub const WANTED: &[Capability] = &[
    Capability::Condstore,
    Capability::Qresync,
    Capability::Enable,
    Capability::Idle,
    Capability::Notify,
    Capability::Move,
    Capability::Uidplus,
    Capability::SpecialUse,
];

/// A server's capability list, in the server's order and spelling.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    raw: Vec<String>,
}

impl Capabilities {
    /// From capability names as the server sent them (`AUTH=PLAIN` style
    /// for mechanisms). Duplicates are dropped, ignoring case.
    pub fn from_names<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut raw: Vec<String> = Vec::new();
        for name in names {
            let name = name.into();
            if !name.is_empty() && !raw.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
                raw.push(name);
            }
        }
        Self { raw }
    }

    pub(crate) fn from_proto(caps: &[async_imap::imap_proto::Capability<'_>]) -> Self {
        use async_imap::imap_proto::Capability as C;
        Self::from_names(caps.iter().map(|c| match c {
            C::Imap4rev1 => "IMAP4rev1".to_string(),
            C::Auth(mech) => format!("AUTH={mech}"),
            C::Atom(atom) => atom.to_string(),
        }))
    }

    /// True if the server lists `cap`. Capability names are case-insensitive.
    pub fn has(&self, cap: Capability) -> bool {
        self.has_name(cap.name())
    }

    /// True if the server lists a capability by this name (e.g. `"SORT"`).
    pub fn has_name(&self, name: &str) -> bool {
        self.raw.iter().any(|n| n.eq_ignore_ascii_case(name))
    }

    /// The SASL mechanisms from `AUTH=` entries, upper-cased.
    pub fn auth_mechanisms(&self) -> Vec<String> {
        self.raw
            .iter()
            .filter_map(|n| {
                let (pre, mech) = n.split_at_checked(5)?;
                (pre.eq_ignore_ascii_case("AUTH=") && !mech.is_empty())
                    .then(|| mech.to_ascii_uppercase())
            })
            .collect()
    }

    /// True if `AUTH=<mech>` is listed.
    pub fn supports_auth(&self, mech: &str) -> bool {
        self.auth_mechanisms()
            .iter()
            .any(|m| m.eq_ignore_ascii_case(mech))
    }

    /// Of `wanted`, the ones the server does not list.
    pub fn missing(&self, wanted: &[Capability]) -> Vec<Capability> {
        wanted.iter().copied().filter(|c| !self.has(*c)).collect()
    }

    /// Every name, as the server sent it.
    pub fn raw(&self) -> &[String] {
        &self.raw
    }

    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }
}

impl fmt::Display for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Dovecot 2.3.19 after login (tests/stack).
    const DOVECOT: &str = "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY \
        THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE \
        UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH \
        ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY \
        PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE";

    #[test]
    fn typed_lookup() {
        let caps = Capabilities::from_names(DOVECOT.split_whitespace());
        for c in WANTED {
            assert!(caps.has(*c), "{c}");
        }
        assert!(caps.missing(WANTED).is_empty());
        assert!(caps.has(Capability::StatusSize));
        assert!(!caps.has(Capability::StartTls));
        assert!(caps.has_name("sort=display"));
        assert_eq!(caps.raw().len(), DOVECOT.split_whitespace().count());
        assert_eq!(
            caps.to_string(),
            DOVECOT.split_whitespace().collect::<Vec<_>>().join(" ")
        );
    }

    #[test]
    fn auth_mechanisms() {
        let caps =
            Capabilities::from_names(["IMAP4rev1", "auth=plain", "AUTH=LOGIN", "AUTH=", "AUTH"]);
        assert_eq!(caps.auth_mechanisms(), ["PLAIN", "LOGIN"]);
        assert!(caps.supports_auth("PLAIN"));
        assert!(!caps.supports_auth("XOAUTH2"));
        let caps =
            Capabilities::from_names(["IMAP4rev1", "LOGINDISABLED", "STARTTLS", "imap4REV1"]);
        assert_eq!(caps.raw().len(), 3);
        assert_eq!(
            caps.missing(&[Capability::Idle, Capability::StartTls]),
            [Capability::Idle]
        );
    }
}
