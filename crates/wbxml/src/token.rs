//! WBXML 1.3 global tokens and the header EAS uses, plus a bit table of the tokens each code
//! page defines (so the decoder checks a tag with one load instead of a search).

use crate::Page;

pub(crate) const SWITCH_PAGE: u8 = 0x00;
pub(crate) const END: u8 = 0x01;
pub(crate) const ENTITY: u8 = 0x02;
pub(crate) const STR_I: u8 = 0x03;
pub(crate) const LITERAL: u8 = 0x04;
pub(crate) const EXT_I_0: u8 = 0x40;
pub(crate) const EXT_I_1: u8 = 0x41;
pub(crate) const EXT_I_2: u8 = 0x42;
pub(crate) const PI: u8 = 0x43;
pub(crate) const LITERAL_C: u8 = 0x44;
pub(crate) const EXT_T_0: u8 = 0x80;
pub(crate) const EXT_T_1: u8 = 0x81;
pub(crate) const EXT_T_2: u8 = 0x82;
pub(crate) const STR_T: u8 = 0x83;
pub(crate) const LITERAL_A: u8 = 0x84;
pub(crate) const EXT_0: u8 = 0xC0;
pub(crate) const EXT_1: u8 = 0xC1;
pub(crate) const EXT_2: u8 = 0xC2;
pub(crate) const OPAQUE: u8 = 0xC3;
pub(crate) const LITERAL_AC: u8 = 0xC4;

/// Set on a tag token when the element has content (and so an END).
pub(crate) const CONTENT: u8 = 0x40;
/// Set on a tag token when the element has attributes; EAS never uses attributes.
pub(crate) const ATTRIBUTES: u8 = 0x80;
/// The token part of a tag byte.
pub(crate) const TOKEN_MASK: u8 = 0x3F;

/// WBXML 1.3, public id 1 (unknown), charset 106 (UTF-8), empty string table: the only header
/// MS-ASWBXML uses, and the only one we accept or write.
pub(crate) const HEADER: [u8; 4] = [0x03, 0x01, 0x6A, 0x00];

/// The spec's name of a global token, for error messages. Tags have no name here.
pub(crate) const fn global_name(b: u8) -> &'static str {
    match b {
        SWITCH_PAGE => "SWITCH_PAGE",
        END => "END",
        ENTITY => "ENTITY",
        STR_I => "STR_I",
        LITERAL => "LITERAL",
        EXT_I_0 => "EXT_I_0",
        EXT_I_1 => "EXT_I_1",
        EXT_I_2 => "EXT_I_2",
        PI => "PI",
        LITERAL_C => "LITERAL_C",
        EXT_T_0 => "EXT_T_0",
        EXT_T_1 => "EXT_T_1",
        EXT_T_2 => "EXT_T_2",
        STR_T => "STR_T",
        LITERAL_A => "LITERAL_A",
        EXT_0 => "EXT_0",
        EXT_1 => "EXT_1",
        EXT_2 => "EXT_2",
        OPAQUE => "OPAQUE",
        LITERAL_AC => "LITERAL_AC",
        _ => "tag",
    }
}

/// Bit `t` of `KNOWN[p]` is set when page number `p` defines token `t`. Built at compile time
/// from the generated tables so the two cannot disagree.
pub(crate) const KNOWN: [u64; 32] = {
    let mut table = [0u64; 32];
    let mut i = 0;
    while i < Page::ALL.len() {
        let page = Page::ALL[i];
        let tags = page.tags();
        let mut j = 0;
        while j < tags.len() {
            table[page.number() as usize] |= 1u64 << tags[j].0;
            j += 1;
        }
        i += 1;
    }
    table
};

/// Whether `page` defines `token` (the token without the content and attribute bits).
#[inline]
pub(crate) const fn is_known(page: Page, token: u8) -> bool {
    token <= TOKEN_MASK && KNOWN[page.number() as usize] & (1u64 << token) != 0
}
