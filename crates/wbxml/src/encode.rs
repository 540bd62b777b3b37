//! The encoder: a streaming writer of EAS WBXML, and the tree encoder built on it.

use std::io::{self, Write};

use crate::token::{self, CONTENT};
use crate::{Element, Node, Page, Tag};

/// A misuse of [`Encoder`] that would produce a malformed document. Returned inside an
/// [`io::Error`] of kind [`io::ErrorKind::InvalidInput`]; get it back with
/// `err.get_ref().and_then(|e| e.downcast_ref::<EncodeError>())`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("the document already has its root element")]
    SecondRoot,
    #[error("text or opaque data outside any element")]
    ContentOutsideElement,
    #[error("end() with no element open")]
    UnmatchedEnd,
    #[error("finish() with {open} element(s) still open")]
    Unclosed { open: usize },
    #[error("finish() before any element was written")]
    NoRoot,
    #[error("opaque data of {len} bytes does not fit a WBXML length (at most 4 GiB - 1)")]
    OpaqueTooLong { len: usize },
}

impl From<EncodeError> for io::Error {
    fn from(e: EncodeError) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidInput, e)
    }
}

/// Writes one EAS WBXML document to `W` as it goes: the header on creation, then each call's
/// tokens at once. The code page is document state, as in WBXML: SWITCH_PAGE is written only
/// before a tag whose page differs from the last tag's.
///
/// Each call writes a few bytes; give it a buffered writer (a `Vec<u8>` or `BufWriter`).
///
/// ```
/// use wbxml::{Encoder, tags::airsync};
/// let mut e = Encoder::new(Vec::new())?;
/// e.start(airsync::SYNC)?;
/// e.start(airsync::SYNC_KEY)?;
/// e.text("0")?;
/// e.end()?;
/// e.end()?;
/// let bytes = e.finish()?;
/// assert_eq!(bytes, [0x03, 0x01, 0x6A, 0x00, 0x45, 0x4B, 0x03, b'0', 0x00, 0x01, 0x01]);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Encoder<W: Write> {
    w: W,
    page: Page,
    /// Elements started and not yet ended.
    open: usize,
    /// Whether the root element has been started (and, with `open == 0`, ended).
    rooted: bool,
}

impl<W: Write> Encoder<W> {
    /// Writes the header `03 01 6A 00` (WBXML 1.3, public id unknown, UTF-8, no string table).
    pub fn new(mut w: W) -> io::Result<Self> {
        w.write_all(&token::HEADER)?;
        Ok(Encoder {
            w,
            page: Page::AirSync,
            open: 0,
            rooted: false,
        })
    }

    #[inline]
    fn tag(&mut self, tag: Tag, content: u8) -> io::Result<()> {
        if self.open == 0 {
            if self.rooted {
                return Err(EncodeError::SecondRoot.into());
            }
            self.rooted = true;
        }
        let t = tag.token() | content;
        if tag.page() == self.page {
            self.w.write_all(&[t])
        } else {
            self.page = tag.page();
            self.w
                .write_all(&[token::SWITCH_PAGE, tag.page().number(), t])
        }
    }

    /// Starts an element with content (the content bit set); close it with [`end`](Self::end).
    /// `start` then `end` with nothing between writes an element with the content bit and no
    /// content, which decodes to `[Node::Text("")]`.
    #[inline]
    pub fn start(&mut self, tag: Tag) -> io::Result<()> {
        self.tag(tag, CONTENT)?;
        self.open += 1;
        Ok(())
    }

    /// Writes an element without content (`<Tag/>`): the tag without the content bit, no END.
    #[inline]
    pub fn empty(&mut self, tag: Tag) -> io::Result<()> {
        self.tag(tag, 0)
    }

    /// Ends the innermost started element.
    #[inline]
    pub fn end(&mut self) -> io::Result<()> {
        if self.open == 0 {
            return Err(EncodeError::UnmatchedEnd.into());
        }
        self.open -= 1;
        self.w.write_all(&[token::END])
    }

    /// Writes text as STR_I. Empty text writes nothing (an empty STR_I carries nothing).
    /// STR_I is NUL-terminated, so text containing NUL is written as OPAQUE instead, with the
    /// same bytes: [`Element::text`] reads either back the same.
    #[inline]
    pub fn text(&mut self, text: &str) -> io::Result<()> {
        if self.open == 0 {
            return Err(EncodeError::ContentOutsideElement.into());
        }
        let bytes = text.as_bytes();
        if bytes.is_empty() {
            return Ok(());
        }
        // `contains` on bytes is the standard library's memchr.
        if bytes.contains(&0) {
            return self.opaque(bytes);
        }
        self.w.write_all(&[token::STR_I])?;
        self.w.write_all(bytes)?;
        self.w.write_all(&[0])
    }

    /// Writes OPAQUE: the length as mb_u_int32, then the bytes.
    #[inline]
    pub fn opaque(&mut self, data: &[u8]) -> io::Result<()> {
        if self.open == 0 {
            return Err(EncodeError::ContentOutsideElement.into());
        }
        let len = u32::try_from(data.len())
            .map_err(|_| EncodeError::OpaqueTooLong { len: data.len() })?;
        let mut head = [0u8; 6];
        head[0] = token::OPAQUE;
        let n = put_mb_u_int32(&mut head[1..], len);
        self.w.write_all(&head[..1 + n])?;
        self.w.write_all(data)
    }

    /// Writes a whole element tree (iteratively: any depth is safe).
    pub fn element(&mut self, root: &Element) -> io::Result<()> {
        // Each open element is represented by the iterator over its remaining children.
        let mut stack: Vec<std::slice::Iter<'_, Node>> = Vec::with_capacity(16);
        self.open_element(root, &mut stack)?;
        while let Some(children) = stack.last_mut() {
            match children.next() {
                Some(Node::Element(e)) => self.open_element(e, &mut stack)?,
                Some(Node::Text(t)) => self.text(t)?,
                Some(Node::Opaque(b)) => self.opaque(b)?,
                None => {
                    stack.pop();
                    self.end()?;
                }
            }
        }
        Ok(())
    }

    #[inline]
    fn open_element<'t>(
        &mut self,
        e: &'t Element,
        stack: &mut Vec<std::slice::Iter<'t, Node>>,
    ) -> io::Result<()> {
        if e.children.is_empty() {
            self.empty(e.tag)
        } else {
            self.start(e.tag)?;
            stack.push(e.children.iter());
            Ok(())
        }
    }

    /// Checks that the document is complete (one root, every element ended), flushes, and
    /// returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        if self.open > 0 {
            return Err(EncodeError::Unclosed { open: self.open }.into());
        }
        if !self.rooted {
            return Err(EncodeError::NoRoot.into());
        }
        self.w.flush()?;
        Ok(self.w)
    }
}

/// Writes `v` as mb_u_int32 into `out` (at least 5 bytes), returning the length used.
fn put_mb_u_int32(out: &mut [u8], v: u32) -> usize {
    let mut groups = [0u8; 5];
    let mut n = 0;
    let mut v = v;
    loop {
        groups[n] = (v & 0x7F) as u8;
        n += 1;
        v >>= 7;
        if v == 0 {
            break;
        }
    }
    for i in 0..n {
        let continuation = if i + 1 < n { 0x80 } else { 0 };
        out[i] = groups[n - 1 - i] | continuation;
    }
    n
}

/// Encodes a tree to bytes. See [`Encoder`] for the choices (page switching, empty text, NUL).
///
/// # Panics
///
/// If an OPAQUE value is 4 GiB or longer, which WBXML cannot express (use [`encode_to`] to get
/// that as an error instead). Nothing else can fail when writing to memory.
pub fn encode(root: &Element) -> Vec<u8> {
    let mut out = Vec::with_capacity(encoded_len_hint(root));
    if let Err(e) = encode_to(root, &mut out) {
        panic!("cannot encode the tree: {e}");
    }
    out
}

/// Encodes a tree to a writer and returns the writer.
pub fn encode_to<W: Write>(root: &Element, w: W) -> io::Result<W> {
    let mut e = Encoder::new(w)?;
    e.element(root)?;
    e.finish()
}

/// A cheap upper-ish estimate of the encoded size, so `encode` allocates about once.
fn encoded_len_hint(root: &Element) -> usize {
    let mut len = token::HEADER.len();
    let mut stack: Vec<&Element> = vec![root];
    while let Some(e) = stack.pop() {
        len += 4; // tag, END, a page switch now and then
        for n in &e.children {
            match n {
                Node::Element(c) => stack.push(c),
                Node::Text(t) => len += t.len() + 2,
                Node::Opaque(b) => len += b.len() + 6,
            }
        }
    }
    len
}

#[cfg(test)]
mod tests {
    use super::put_mb_u_int32;

    #[test]
    fn mb_u_int32_uses_7_bits_per_byte_high_bit_on_all_but_the_last() {
        for (value, bytes) in [
            (0u32, &[0x00][..]),
            (0x7F, &[0x7F]),
            (0x80, &[0x81, 0x00]),
            (0xA0, &[0x81, 0x20]),
            (0x3FFF, &[0xFF, 0x7F]),
            (0x4000, &[0x81, 0x80, 0x00]),
            (u32::MAX, &[0x8F, 0xFF, 0xFF, 0xFF, 0x7F]),
        ] {
            let mut out = [0u8; 5];
            let n = put_mb_u_int32(&mut out, value);
            assert_eq!(&out[..n], bytes, "{value:#X}");
        }
    }
}
