//! The shape of a message as IMAP BODYSTRUCTURE describes it (RFC 3501 7.4.2): enough to decide
//! which parts to fetch, without fetching the message. `upstream` builds it from the server's
//! answer; the functions of this module read it.

/// A part's position, as IMAP numbers sections: `[]` is the whole message, `[1, 2]` is "1.2".
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartPath(pub Vec<u32>);

impl PartPath {
    /// The IMAP section text: `""` for the whole message, `"1.2"` otherwise.
    pub fn section(&self) -> String {
        let parts: Vec<String> = self.0.iter().map(u32::to_string).collect();
        parts.join(".")
    }

    /// Parses `"1.2"`; `""` is the whole message.
    pub fn parse(text: &str) -> Option<PartPath> {
        if text.is_empty() {
            return Some(PartPath(Vec::new()));
        }
        text.split('.')
            .map(|n| n.parse::<u32>().ok().filter(|n| *n > 0))
            .collect::<Option<Vec<u32>>>()
            .map(PartPath)
    }

    pub fn child(&self, n: u32) -> PartPath {
        let mut v = self.0.clone();
        v.push(n);
        PartPath(v)
    }
}

/// Content-Transfer-Encoding of a leaf part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransferEncoding {
    SevenBit,
    EightBit,
    Binary,
    Base64,
    QuotedPrintable,
    Other(String),
}

impl TransferEncoding {
    pub fn parse(text: &str) -> TransferEncoding {
        match text.to_ascii_lowercase().as_str() {
            "7bit" | "" => TransferEncoding::SevenBit,
            "8bit" => TransferEncoding::EightBit,
            "binary" => TransferEncoding::Binary,
            "base64" => TransferEncoding::Base64,
            "quoted-printable" => TransferEncoding::QuotedPrintable,
            other => TransferEncoding::Other(other.to_owned()),
        }
    }
}

/// Content-Disposition.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Disposition {
    /// Lower case: "inline", "attachment", ...
    pub kind: String,
    /// Parameter names lower case; values as the server gave them (RFC 2231 already joined when
    /// the server does it, RFC 2047 words possibly still encoded).
    pub params: Vec<(String, String)>,
}

/// One node of the structure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyPart {
    pub path: PartPath,
    /// Lower case type and subtype: ("text", "plain"), ("multipart", "alternative"), ...
    pub media_type: String,
    pub media_subtype: String,
    /// Content-Type parameters, names lower case ("charset", "name", "boundary", "method").
    pub params: Vec<(String, String)>,
    pub content_id: Option<String>,
    pub description: Option<String>,
    /// None for multiparts.
    pub encoding: Option<TransferEncoding>,
    /// Size in octets as transferred (encoded), 0 for multiparts.
    pub size: u64,
    pub disposition: Option<Disposition>,
    pub location: Option<String>,
    pub kind: PartKind,
}

/// What a node contains besides its own description.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PartKind {
    /// A leaf (text, image, application, ...).
    Leaf,
    /// multipart/*: its children, numbered 1.. under this node's path.
    Multipart(Vec<BodyPart>),
    /// message/rfc822: the enclosed message's own structure (its parts are numbered under
    /// this node's path, as IMAP does).
    Message(Box<BodyPart>),
}

impl BodyPart {
    pub fn is(&self, media_type: &str, subtype: &str) -> bool {
        self.media_type == media_type && self.media_subtype == subtype
    }

    /// A Content-Type parameter by lower-case name.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The node at `path` below (or at) this one.
    pub fn find(&self, path: &PartPath) -> Option<&BodyPart> {
        if &self.path == path {
            return Some(self);
        }
        match &self.kind {
            PartKind::Leaf => None,
            PartKind::Multipart(children) => children.iter().find_map(|c| c.find(path)),
            PartKind::Message(inner) => inner.find(path),
        }
    }

    /// Every leaf in document order.
    pub fn leaves(&self) -> Vec<&BodyPart> {
        let mut out = Vec::new();
        self.collect_leaves(&mut out);
        out
    }

    fn collect_leaves<'a>(&'a self, out: &mut Vec<&'a BodyPart>) {
        match &self.kind {
            PartKind::Leaf => out.push(self),
            PartKind::Multipart(children) => {
                for c in children {
                    c.collect_leaves(out);
                }
            }
            // An attached message is one attachment (Method 5), not its leaves.
            PartKind::Message(_) => out.push(self),
        }
    }
}

impl BodyPart {
    /// "type/subtype", lower case.
    pub fn mime_type(&self) -> String {
        format!("{}/{}", self.media_type, self.media_subtype)
    }

    /// The children of a multipart; empty otherwise.
    pub fn children(&self) -> &[BodyPart] {
        match &self.kind {
            PartKind::Multipart(children) => children,
            _ => &[],
        }
    }

    /// Content-Disposition: attachment.
    pub fn is_attachment_disposition(&self) -> bool {
        self.disposition
            .as_ref()
            .is_some_and(|d| d.kind == "attachment")
    }

    /// Content-Disposition: inline.
    pub fn is_inline_disposition(&self) -> bool {
        self.disposition
            .as_ref()
            .is_some_and(|d| d.kind == "inline")
    }

    /// A file name given in the disposition (`filename`) or the type (`name`), in any of the
    /// RFC 2231 forms, still undecoded: only whether there is one.
    pub fn has_file_name(&self) -> bool {
        let named = |params: &[(String, String)], base: &str| {
            params.iter().any(|(k, _)| {
                k == base
                    || k.strip_prefix(base)
                        .is_some_and(|rest| rest.starts_with('*'))
            })
        };
        named(&self.params, "name")
            || self
                .disposition
                .as_ref()
                .is_some_and(|d| named(&d.params, "filename"))
    }
}
