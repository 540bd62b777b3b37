//! Modified UTF-7 for mailbox names (RFC 3501 §5.1.3).
//!
//! Printable US-ASCII (0x20-0x7e) stands for itself, except `&`, which is
//! written `&-`. Everything else is UTF-16BE in base64 with `,` for `/` and
//! no padding, between `&` and `-`.
//!
//! [`decode`] is strict: it refuses what no conforming encoder writes
//! (unterminated or empty shifts other than `&-`, printable ASCII inside a
//! shift, bytes outside printable ASCII, stray bits, lone surrogates), so
//! a name that decodes encodes back to the same bytes.

use base64::Engine as _;
use base64::alphabet::IMAP_MUTF7;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

const ENGINE: GeneralPurpose = GeneralPurpose::new(
    &IMAP_MUTF7,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

fn is_direct(c: char) -> bool {
    (' '..='~').contains(&c) && c != '&'
}

/// Encodes a UTF-8 mailbox name for the wire.
pub fn encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending: Vec<u16> = Vec::new();
    let flush = |pending: &mut Vec<u16>, out: &mut String| {
        if pending.is_empty() {
            return;
        }
        let bytes: Vec<u8> = pending.iter().flat_map(|u| u.to_be_bytes()).collect();
        out.push('&');
        out.push_str(&ENGINE.encode(bytes));
        out.push('-');
        pending.clear();
    };
    for c in name.chars() {
        if is_direct(c) {
            flush(&mut pending, &mut out);
            out.push(c);
        } else if c == '&' {
            flush(&mut pending, &mut out);
            out.push_str("&-");
        } else {
            let mut buf = [0u16; 2];
            pending.extend_from_slice(c.encode_utf16(&mut buf));
        }
    }
    flush(&mut pending, &mut out);
    out
}

/// Decodes a wire mailbox name; `None` if it is not valid modified UTF-7.
pub fn decode(wire: &str) -> Option<String> {
    let mut out = String::with_capacity(wire.len());
    let mut rest = wire;
    // Two shifts in a row ("&AOQ-&APY-") are one shift for an encoder.
    let mut after_shift = false;
    while let Some(c) = rest.chars().next() {
        if c == '&' {
            let end = rest.find('-')?;
            let encoded = &rest[1..end];
            rest = &rest[end + 1..];
            if encoded.is_empty() {
                out.push('&');
                after_shift = false;
                continue;
            }
            if after_shift {
                return None;
            }
            let bytes = ENGINE.decode(encoded).ok()?;
            if bytes.len() % 2 != 0 {
                return None;
            }
            let units = bytes
                .chunks_exact(2)
                .map(|pair| u16::from_be_bytes([pair[0], pair[1]]));
            for decoded in char::decode_utf16(units) {
                let decoded = decoded.ok()?;
                if is_direct(decoded) || decoded == '&' {
                    return None;
                }
                out.push(decoded);
            }
            after_shift = true;
        } else if is_direct(c) {
            out.push(c);
            rest = &rest[1..];
            after_shift = false;
        } else {
            return None;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rfc3501_examples() {
        // RFC 3501 §5.1.3: "~peter/mail/台北/日本語".
        let name = "~peter/mail/\u{53f0}\u{5317}/\u{65e5}\u{672c}\u{8a9e}";
        let wire = "~peter/mail/&U,BTFw-/&ZeVnLIqe-";
        assert_eq!(encode(name), wire);
        assert_eq!(decode(wire).as_deref(), Some(name));
        // The same text as an illegal one-shift-per-character form.
        assert_eq!(decode("&U,BTFw-&ZeVnLIqe-"), None);
    }

    #[test]
    fn ampersand_and_ascii() {
        assert_eq!(encode("A&B"), "A&-B");
        assert_eq!(decode("A&-B").as_deref(), Some("A&B"));
        assert_eq!(encode("Sent Items"), "Sent Items");
        assert_eq!(encode("Straße"), "Stra&AN8-e");
        assert_eq!(decode("Stra&AN8-e").as_deref(), Some("Straße"));
        assert_eq!(encode("&&"), "&-&-");
        assert_eq!(decode("&-&-").as_deref(), Some("&&"));
        assert_eq!(encode("Entwürfe"), "Entw&APw-rfe");
        // Outside the BMP: a surrogate pair.
        assert_eq!(encode("📧"), "&2D3c5w-");
        assert_eq!(decode("&2D3c5w-").as_deref(), Some("📧"));
        // Control characters are encoded too.
        assert_eq!(decode(&encode("a\tb")).as_deref(), Some("a\tb"));
        assert_eq!(encode(""), "");
    }

    #[test]
    fn invalid_is_none() {
        for bad in [
            "&",         // unterminated
            "&AN8",      // unterminated
            "&AN8e",     // unterminated
            "&AN9-",     // stray bits
            "&AA-",      // one byte
            "&AGE-",     // 'a' must not be encoded
            "&ACY-",     // '&' must be "&-"
            "&2D0-",     // lone high surrogate
            "&AN8/-",    // '/' is not in the alphabet
            "&AN8=-",    // padding
            "Straße",    // raw non-ASCII
            "tab\there", // raw control character
            "&AOQ-&APY-",
        ] {
            assert_eq!(decode(bad), None, "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn round_trip(name in any::<String>()) {
            let wire = encode(&name);
            prop_assert!(wire.bytes().all(|b| (0x20..0x7f).contains(&b)), "{wire:?}");
            prop_assert_eq!(decode(&wire), Some(name));
        }

        #[test]
        fn decode_then_encode_is_identity(wire in "[ -~]{0,24}") {
            if let Some(name) = decode(&wire) {
                prop_assert_eq!(encode(&name), wire);
            }
        }
    }
}
