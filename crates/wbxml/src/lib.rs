//! WBXML as Exchange ActiveSync uses it (MS-ASWBXML): a decoder to a compact element tree, a
//! streaming encoder, the EAS code pages 0-25, and the XML form used for debugging, tests and
//! schema validation. No I/O.

mod decode;
mod encode;
mod limits;
mod pages;
mod token;
mod tree;
pub mod xml;

pub use decode::{DecodeError, decode, decode_with};
pub use encode::{EncodeError, Encoder, encode, encode_to};
pub use limits::Limits;
pub use pages::{Page, tags};
pub use tree::{Element, Node};
pub use xml::{XmlError, from_xml, to_xml};
/// A tag: a code page and a token (0x05-0x3F) known on that page.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag {
    page: Page,
    token: u8,
}

impl Tag {
    /// Used by the generated tables only; the token is trusted to exist on the page.
    pub(crate) const fn from_parts(page: Page, token: u8) -> Tag {
        Tag { page, token }
    }

    /// The tag with this token on this page, if the page defines it.
    pub fn new(page: Page, token: u8) -> Option<Tag> {
        token::is_known(page, token).then_some(Tag { page, token })
    }

    /// The tag with this spec name on this page.
    pub fn from_name(page: Page, name: &str) -> Option<Tag> {
        page.tags()
            .iter()
            .find(|&&(_, n)| n == name)
            .map(|&(token, _)| Tag { page, token })
    }

    pub const fn page(self) -> Page {
        self.page
    }

    /// The token without the content bit (0x40).
    pub const fn token(self) -> u8 {
        self.token
    }

    /// The spec's tag name, e.g. `SyncKey`.
    pub fn name(self) -> &'static str {
        let tags = self.page.tags();
        match tags.binary_search_by_key(&self.token, |&(t, _)| t) {
            Ok(i) => tags[i].1,
            Err(_) => "",
        }
    }
}

impl std::fmt::Debug for Tag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.page.name(), self.name())
    }
}
