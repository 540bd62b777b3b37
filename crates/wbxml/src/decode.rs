//! The decoder: WBXML bytes to an [`Element`] tree.
//!
//! Iterative (an explicit stack of open elements), so hostile nesting costs heap bounded by
//! [`Limits::max_depth`], never native stack. Every read is bounds-checked; malformed input is a
//! [`DecodeError`] carrying the byte offset of the offending token.

use std::ffi::CStr;

use crate::token::{self, CONTENT, TOKEN_MASK};
use crate::{Element, Limits, Node, Page, Tag};

/// Why a document was rejected. `offset` is the position in the input of the token (or header
/// field) at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("input ends at byte {offset} inside the document")]
    Truncated { offset: usize },
    #[error("unsupported WBXML version 0x{found:02X} at byte {offset} (EAS uses 1.3, 0x03)")]
    UnsupportedVersion { offset: usize, found: u8 },
    #[error("unsupported public id {found} at byte {offset} (EAS uses 1, unknown)")]
    UnsupportedPublicId { offset: usize, found: u32 },
    #[error("unsupported charset {found} at byte {offset} (EAS uses 106, UTF-8)")]
    UnsupportedCharset { offset: usize, found: u32 },
    #[error("string table of {len} bytes at byte {offset} (EAS documents have none)")]
    StringTable { offset: usize, len: u32 },
    #[error("multi-byte integer at byte {offset} does not fit in 32 bits")]
    IntegerOverflow { offset: usize },
    #[error("unsupported WBXML token {name} (0x{token:02X}) at byte {offset}")]
    UnsupportedToken {
        offset: usize,
        token: u8,
        name: &'static str,
    },
    #[error("tag 0x{token:02X} at byte {offset} has attributes (EAS uses none)")]
    Attributes { offset: usize, token: u8 },
    #[error("unknown code page {page} at byte {offset}")]
    UnknownPage { offset: usize, page: u8 },
    #[error("unknown tag 0x{token:02X} on code page {page:?} at byte {offset}")]
    UnknownTag {
        offset: usize,
        page: Page,
        token: u8,
    },
    #[error("text at byte {offset} is not valid UTF-8")]
    InvalidUtf8 { offset: usize },
    #[error("{name} at byte {offset} is outside any element")]
    ContentOutsideElement { offset: usize, name: &'static str },
    #[error("END at byte {offset} closes no element")]
    UnmatchedEnd { offset: usize },
    #[error("{count} bytes after the root element, from byte {offset}")]
    TrailingBytes { offset: usize, count: usize },
    #[error("element at byte {offset} nests deeper than {max}")]
    TooDeep { offset: usize, max: usize },
    #[error("element at byte {offset} is more than the {max} a document may have")]
    TooManyElements { offset: usize, max: usize },
    #[error("string at byte {offset} is longer than {max} bytes")]
    TextTooLong { offset: usize, max: usize },
    #[error("opaque data of {len} bytes at byte {offset} is longer than {max} bytes")]
    OpaqueTooLong { offset: usize, len: u32, max: usize },
}

impl DecodeError {
    /// The byte offset of the fault.
    pub fn offset(&self) -> usize {
        use DecodeError::*;
        match *self {
            Truncated { offset }
            | UnsupportedVersion { offset, .. }
            | UnsupportedPublicId { offset, .. }
            | UnsupportedCharset { offset, .. }
            | StringTable { offset, .. }
            | IntegerOverflow { offset }
            | UnsupportedToken { offset, .. }
            | Attributes { offset, .. }
            | UnknownPage { offset, .. }
            | UnknownTag { offset, .. }
            | InvalidUtf8 { offset }
            | ContentOutsideElement { offset, .. }
            | UnmatchedEnd { offset }
            | TrailingBytes { offset, .. }
            | TooDeep { offset, .. }
            | TooManyElements { offset, .. }
            | TextTooLong { offset, .. }
            | OpaqueTooLong { offset, .. } => offset,
        }
    }
}

/// Decodes one EAS WBXML document with [`Limits::default()`].
pub fn decode(bytes: &[u8]) -> Result<Element, DecodeError> {
    decode_with(bytes, &Limits::default())
}

/// Decodes one EAS WBXML document: the header `03 01 6A 00`, then exactly one root element and
/// nothing after it.
///
/// The tree keeps every STR_I and OPAQUE as its own node, so re-encoding gives back the same
/// bytes. The exceptions, forms no EAS peer needs preserved, are normalised: a zero-length STR_I
/// is dropped; a SWITCH_PAGE that does not change the page, or that no tag follows, is dropped;
/// a multi-byte integer with redundant leading zero groups is read by value. An element written
/// with the content bit whose content is then empty decodes to one empty text node
/// (`[Node::Text("")]`), which the encoder writes back the same way; an element without the
/// content bit decodes with no children.
pub fn decode_with(bytes: &[u8], limits: &Limits) -> Result<Element, DecodeError> {
    let mut r = Reader { bytes, pos: 0 };
    r.header()?;
    r.body(limits)
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    #[inline]
    fn byte(&mut self) -> Result<u8, DecodeError> {
        match self.bytes.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(b)
            }
            None => Err(DecodeError::Truncated { offset: self.pos }),
        }
    }

    /// mb_u_int32: big-endian groups of 7 bits, high bit set on all but the last byte. More than
    /// 5 bytes or a value above `u32::MAX` is an error; leading zero groups within 5 bytes are not.
    #[inline]
    fn mb_u_int32(&mut self) -> Result<u32, DecodeError> {
        let start = self.pos;
        let mut value: u32 = 0;
        for _ in 0..5 {
            let b = self.byte()?;
            if value > (u32::MAX >> 7) {
                return Err(DecodeError::IntegerOverflow { offset: start });
            }
            value = (value << 7) | u32::from(b & 0x7F);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(DecodeError::IntegerOverflow { offset: start })
    }

    fn header(&mut self) -> Result<(), DecodeError> {
        let offset = self.pos;
        let version = self.byte()?;
        if version != token::HEADER[0] {
            return Err(DecodeError::UnsupportedVersion {
                offset,
                found: version,
            });
        }
        let offset = self.pos;
        let public_id = self.mb_u_int32()?;
        if public_id != u32::from(token::HEADER[1]) {
            // Public id 0 would be followed by a string table index: equally unsupported.
            return Err(DecodeError::UnsupportedPublicId {
                offset,
                found: public_id,
            });
        }
        let offset = self.pos;
        let charset = self.mb_u_int32()?;
        if charset != u32::from(token::HEADER[2]) {
            return Err(DecodeError::UnsupportedCharset {
                offset,
                found: charset,
            });
        }
        let offset = self.pos;
        let len = self.mb_u_int32()?;
        if len != 0 {
            return Err(DecodeError::StringTable { offset, len });
        }
        Ok(())
    }

    fn body(&mut self, limits: &Limits) -> Result<Element, DecodeError> {
        // Open elements (only those with the content bit are ever open), innermost last, each
        // with the index in `nodes` where its children start. All children in progress share
        // the one `nodes` stack, and each element's are moved out in one exact-size allocation
        // at its END: no per-element growth and reallocation.
        let mut open: Vec<(Tag, usize)> = Vec::with_capacity(16);
        let mut nodes: Vec<Node> = Vec::with_capacity(64);
        let mut page = Page::AirSync;
        let mut elements = 0usize;
        let root = loop {
            let offset = self.pos;
            let b = self.byte()?;
            match b {
                token::SWITCH_PAGE => {
                    let n = self.byte()?;
                    page =
                        Page::from_number(n).ok_or(DecodeError::UnknownPage { offset, page: n })?;
                }
                token::END => {
                    let Some((tag, start)) = open.pop() else {
                        return Err(DecodeError::UnmatchedEnd { offset });
                    };
                    let children: Vec<Node> = if nodes.len() == start {
                        // Content bit, then nothing: keep that apart from "no content bit".
                        vec![Node::Text(String::new())]
                    } else {
                        take_from(&mut nodes, start)
                    };
                    let done = Element { tag, children };
                    if open.is_empty() {
                        break done;
                    }
                    nodes.push(Node::Element(done));
                }
                token::STR_I => {
                    if open.is_empty() {
                        return Err(DecodeError::ContentOutsideElement {
                            offset,
                            name: "STR_I",
                        });
                    }
                    let text = self.str_i(offset, limits.max_text_len)?;
                    if !text.is_empty() {
                        nodes.push(Node::Text(text.to_owned()));
                    }
                }
                token::OPAQUE => {
                    if open.is_empty() {
                        return Err(DecodeError::ContentOutsideElement {
                            offset,
                            name: "OPAQUE",
                        });
                    }
                    let len = self.mb_u_int32()?;
                    if len as usize > limits.max_opaque_len {
                        return Err(DecodeError::OpaqueTooLong {
                            offset,
                            len,
                            max: limits.max_opaque_len,
                        });
                    }
                    let end = self.pos.saturating_add(len as usize);
                    let Some(data) = self.bytes.get(self.pos..end) else {
                        return Err(DecodeError::Truncated {
                            offset: self.bytes.len(),
                        });
                    };
                    self.pos = end;
                    nodes.push(Node::Opaque(data.to_vec()));
                }
                _ if b & TOKEN_MASK < 0x05 => {
                    return Err(DecodeError::UnsupportedToken {
                        offset,
                        token: b,
                        name: token::global_name(b),
                    });
                }
                _ => {
                    if b & token::ATTRIBUTES != 0 {
                        return Err(DecodeError::Attributes { offset, token: b });
                    }
                    let t = b & TOKEN_MASK;
                    if !token::is_known(page, t) {
                        return Err(DecodeError::UnknownTag {
                            offset,
                            page,
                            token: t,
                        });
                    }
                    elements += 1;
                    if elements > limits.max_elements {
                        return Err(DecodeError::TooManyElements {
                            offset,
                            max: limits.max_elements,
                        });
                    }
                    if open.len() >= limits.max_depth {
                        return Err(DecodeError::TooDeep {
                            offset,
                            max: limits.max_depth,
                        });
                    }
                    let tag = Tag::from_parts(page, t);
                    if b & CONTENT != 0 {
                        open.push((tag, nodes.len()));
                    } else if open.is_empty() {
                        break Element::new(tag);
                    } else {
                        nodes.push(Node::Element(Element::new(tag)));
                    }
                }
            }
        };
        if self.pos < self.bytes.len() {
            return Err(DecodeError::TrailingBytes {
                offset: self.pos,
                count: self.bytes.len() - self.pos,
            });
        }
        Ok(root)
    }

    /// The NUL-terminated UTF-8 string after an STR_I at `offset`, without its terminator.
    #[inline]
    fn str_i(&mut self, offset: usize, max: usize) -> Result<&str, DecodeError> {
        let rest = &self.bytes[self.pos..];
        // Look for the terminator no further than the limit allows, so an oversized string
        // is refused without scanning all of it.
        let window = &rest[..rest.len().min(max.saturating_add(1))];
        // CStr's terminator search is the standard library's word-at-a-time memchr.
        let raw = match CStr::from_bytes_until_nul(window) {
            Ok(s) => s.to_bytes(),
            Err(_) if window.len() < rest.len() => {
                return Err(DecodeError::TextTooLong { offset, max });
            }
            Err(_) => {
                return Err(DecodeError::Truncated {
                    offset: self.bytes.len(),
                });
            }
        };
        let start = self.pos;
        self.pos += raw.len() + 1;
        std::str::from_utf8(raw).map_err(|e| DecodeError::InvalidUtf8 {
            offset: start + e.valid_up_to(),
        })
    }
}

/// Moves `nodes[start..]` into a new vector of exactly that size: one allocation and a memcpy.
fn take_from(nodes: &mut Vec<Node>, start: usize) -> Vec<Node> {
    if start > 0 {
        nodes.split_off(start)
    } else {
        // split_off(0) would hand over the whole buffer, spare capacity and all.
        let mut all = Vec::with_capacity(nodes.len());
        all.append(nodes);
        all
    }
}
