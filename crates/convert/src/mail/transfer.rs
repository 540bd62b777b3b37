//! Content-Transfer-Encoding decoders that work on chunks, so that attachments can be streamed
//! from IMAP to the device without holding them whole (design invariant 4). Both decoders are
//! byte-at-a-time state machines: the result does not depend on where the chunks are split.

use super::structure::TransferEncoding;
use super::text::hex_val;

/// Decodes one part's body chunk by chunk.
#[derive(Debug, Clone)]
pub struct TransferDecoder {
    state: State,
}

#[derive(Debug, Clone)]
enum State {
    Identity,
    Base64 { acc: u32, n: u8 },
    Qp { qp: Qp, ws: Vec<u8> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Qp {
    Normal,
    /// A CR not yet known to start a CRLF.
    Cr,
    /// Seen `=`.
    Eq,
    /// Seen `=` and one hex digit.
    EqHex(u8),
    /// Seen `=` then blanks: transport padding before a soft line break, or garbage.
    EqWs,
    /// Seen `=` (blanks) CR.
    EqCr,
}

impl TransferDecoder {
    pub fn new(encoding: &TransferEncoding) -> TransferDecoder {
        let state = match encoding {
            TransferEncoding::Base64 => State::Base64 { acc: 0, n: 0 },
            TransferEncoding::QuotedPrintable => State::Qp {
                qp: Qp::Normal,
                ws: Vec::new(),
            },
            // 7bit, 8bit, binary and unknown encodings (x-uuencode, ...) pass through.
            _ => State::Identity,
        };
        TransferDecoder { state }
    }

    /// Decodes `chunk`, appending to `out`. Bytes that cannot be decoded yet (an incomplete
    /// base64 quantum, a `=` at the end of the chunk) are kept for the next call.
    pub fn push(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        match &mut self.state {
            State::Identity => out.extend_from_slice(chunk),
            State::Base64 { acc, n } => {
                for &c in chunk {
                    base64_byte(c, acc, n, out);
                }
            }
            State::Qp { qp, ws } => {
                let mut rest = chunk;
                while let Some((&c, tail)) = rest.split_first() {
                    if *qp == Qp::Normal
                        && let Some(n) = qp_sequence(rest, ws, out)
                    {
                        rest = &rest[n..];
                    } else if *qp == Qp::Normal && !is_qp_break(c) {
                        // Up to the next CR, LF or `=` at once, as `qp_normal` would do it
                        // byte by byte: blanks wait in `ws` until an ordinary byte follows
                        // (then they are content) or a line ends (then they are padding).
                        let run = memchr::memchr3(b'\r', b'\n', b'=', rest).unwrap_or(rest.len());
                        let segment = &rest[..run];
                        let content = segment
                            .iter()
                            .rposition(|&b| b != b' ' && b != b'\t')
                            .map_or(0, |i| i + 1);
                        if content > 0 {
                            out.append(ws);
                            out.extend_from_slice(&segment[..content]);
                        }
                        ws.extend_from_slice(&segment[content..]);
                        rest = &rest[run..];
                    } else {
                        qp_byte(c, qp, ws, out);
                        rest = tail;
                    }
                }
            }
        }
    }

    /// Ends the part: flushes what is left (a final unpadded base64 quantum, a trailing `=`
    /// that is not an escape). Not calling it drops an incomplete tail, which is what a
    /// truncated (partial) fetch wants.
    pub fn finish(self, out: &mut Vec<u8>) {
        match self.state {
            State::Identity => {}
            State::Base64 { acc, n } => flush_quantum(acc, n, out),
            State::Qp { qp, ws: _ } => match qp {
                // Trailing blanks at the end of the body are trailing blanks of its last line.
                Qp::Normal | Qp::Eq | Qp::EqWs | Qp::EqCr => {}
                Qp::Cr => out.push(b'\r'),
                Qp::EqHex(h) => {
                    out.push(b'=');
                    out.push(h);
                }
            },
        }
    }

    /// Decodes a whole buffer; `complete` says whether it is the whole part or a prefix of it.
    pub fn decode(encoding: &TransferEncoding, data: &[u8], complete: bool) -> Vec<u8> {
        let mut d = TransferDecoder::new(encoding);
        let mut out = Vec::with_capacity(data.len());
        d.push(data, &mut out);
        if complete {
            d.finish(&mut out);
        }
        out
    }

    /// [`TransferDecoder::decode`], stopping once at least `budget` bytes are decoded (the
    /// input is taken in slices, which does not change the result). The flag says whether all
    /// of `data` was decoded.
    pub fn decode_up_to(
        encoding: &TransferEncoding,
        data: &[u8],
        complete: bool,
        budget: Option<usize>,
    ) -> (Vec<u8>, bool) {
        let Some(budget) = budget else {
            return (TransferDecoder::decode(encoding, data, complete), true);
        };
        const SLICE: usize = 2048;
        let mut d = TransferDecoder::new(encoding);
        let mut out = Vec::with_capacity(data.len().min(budget.saturating_add(SLICE)));
        let mut rest = data;
        while !rest.is_empty() && out.len() < budget {
            let (now, later) = rest.split_at(rest.len().min(SLICE));
            d.push(now, &mut out);
            rest = later;
        }
        let all = rest.is_empty();
        if all && complete {
            d.finish(&mut out);
        }
        (out, all)
    }
}

fn base64_value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

fn base64_byte(c: u8, acc: &mut u32, n: &mut u8, out: &mut Vec<u8>) {
    if c == b'=' {
        // Padding ends a quantum. Some mailers concatenate padded blocks, so decoding goes on
        // after it instead of stopping.
        flush_quantum(*acc, *n, out);
        *acc = 0;
        *n = 0;
        return;
    }
    // Line breaks and anything outside the alphabet are skipped (RFC 2045 6.8).
    let Some(v) = base64_value(c) else { return };
    *acc = (*acc << 6) | u32::from(v);
    *n += 1;
    if *n == 4 {
        out.extend_from_slice(&[(*acc >> 16) as u8, (*acc >> 8) as u8, *acc as u8]);
        *acc = 0;
        *n = 0;
    }
}

fn flush_quantum(acc: u32, n: u8, out: &mut Vec<u8>) {
    match n {
        2 => out.push((acc >> 4) as u8),
        3 => out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]),
        _ => {}
    }
}

fn qp_byte(c: u8, qp: &mut Qp, ws: &mut Vec<u8>, out: &mut Vec<u8>) {
    match *qp {
        Qp::Normal => qp_normal(c, qp, ws, out),
        Qp::Cr => {
            if c == b'\n' {
                // Blanks before a line end are padding added in transport (RFC 2045 6.7 (3)).
                ws.clear();
                out.extend_from_slice(b"\r\n");
                *qp = Qp::Normal;
            } else {
                out.append(ws);
                out.push(b'\r');
                *qp = Qp::Normal;
                qp_normal(c, qp, ws, out);
            }
        }
        Qp::Eq => match c {
            _ if hex_val(c).is_some() => *qp = Qp::EqHex(c),
            b'\n' => *qp = Qp::Normal,
            b'\r' => *qp = Qp::EqCr,
            b' ' | b'\t' => *qp = Qp::EqWs,
            _ => {
                // A lone '=' is kept literally (lenient, like most readers).
                out.push(b'=');
                *qp = Qp::Normal;
                qp_normal(c, qp, ws, out);
            }
        },
        Qp::EqHex(h) => match (hex_val(h), hex_val(c)) {
            (Some(h), Some(l)) => {
                out.push(h << 4 | l);
                *qp = Qp::Normal;
            }
            _ => {
                out.extend_from_slice(&[b'=', h]);
                *qp = Qp::Normal;
                qp_normal(c, qp, ws, out);
            }
        },
        Qp::EqWs => match c {
            b' ' | b'\t' => {}
            b'\n' => *qp = Qp::Normal,
            b'\r' => *qp = Qp::EqCr,
            _ => {
                out.push(b'=');
                *qp = Qp::Normal;
                qp_normal(c, qp, ws, out);
            }
        },
        Qp::EqCr => {
            *qp = Qp::Normal;
            if c != b'\n' {
                // "=\r" without "\n": treat as a soft break and go on with this byte.
                qp_normal(c, qp, ws, out);
            }
        }
    }
}

/// In `Qp::Normal`, an escape, soft line break or CRLF that lies whole at the start of
/// `rest`, handled at once with the same result as `qp_byte` byte by byte: the number of bytes
/// consumed, or None when `rest` starts with anything else (or a sequence cut by the chunk).
fn qp_sequence(rest: &[u8], ws: &mut Vec<u8>, out: &mut Vec<u8>) -> Option<usize> {
    match rest {
        [b'=', b'\r', b'\n', ..] => {
            out.append(ws);
            Some(3)
        }
        [b'=', b'\n', ..] => {
            out.append(ws);
            Some(2)
        }
        [b'=', h, l, ..] => {
            let byte = hex_val(*h)? << 4 | hex_val(*l)?;
            out.append(ws);
            out.push(byte);
            Some(3)
        }
        [b'\r', b'\n', ..] => {
            ws.clear();
            out.extend_from_slice(b"\r\n");
            Some(2)
        }
        _ => None,
    }
}

/// The bytes that end a run of content and blanks in `qp_normal`'s state.
fn is_qp_break(c: u8) -> bool {
    matches!(c, b'\r' | b'\n' | b'=')
}

fn qp_normal(c: u8, qp: &mut Qp, ws: &mut Vec<u8>, out: &mut Vec<u8>) {
    match c {
        b' ' | b'\t' => ws.push(c),
        b'\r' => *qp = Qp::Cr,
        b'\n' => {
            ws.clear();
            out.push(b'\n');
        }
        b'=' => {
            out.append(ws);
            *qp = Qp::Eq;
        }
        _ => {
            out.append(ws);
            out.push(c);
        }
    }
}

/// An estimate of how many encoded bytes hold `decoded` bytes of content, for choosing how much
/// of a part to fetch. Errs on the side of fetching more.
pub fn encoded_len_for(encoding: Option<&TransferEncoding>, decoded: u64) -> u64 {
    match encoding {
        // 4 chars per 3 bytes, plus CRLF after every 76 chars: x 4/3 x 78/76 < x 1.375.
        Some(TransferEncoding::Base64) => decoded.saturating_mul(11) / 8 + 64,
        // Worst case every byte is "=XX", plus a soft break "=\r\n" per 73 chars: < x 3.25.
        Some(TransferEncoding::QuotedPrintable) => decoded.saturating_mul(13) / 4 + 64,
        _ => decoded.saturating_add(64),
    }
}

/// The decoded size of `encoded` bytes: exact enough for EstimatedDataSize.
pub fn decoded_len_estimate(encoding: Option<&TransferEncoding>, encoded: u64) -> u64 {
    match encoding {
        // Lines of 76 chars + CRLF hold 57 bytes.
        Some(TransferEncoding::Base64) => encoded.saturating_mul(57) / 78,
        // Mostly-ASCII text shrinks little; an exact figure needs the data.
        _ => encoded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn decode(enc: TransferEncoding, data: &[u8]) -> Vec<u8> {
        TransferDecoder::decode(&enc, data, true)
    }

    #[test]
    fn base64_ignores_line_breaks_and_garbage() {
        assert_eq!(
            decode(TransferEncoding::Base64, b"aGVs\r\nbG8g\n d29y*bGQ="),
            b"hello world"
        );
    }

    #[test]
    fn base64_unpadded_tail_is_flushed_at_finish() {
        assert_eq!(decode(TransferEncoding::Base64, b"aGk"), b"hi");
    }

    #[test]
    fn base64_incomplete_quantum_of_a_prefix_is_dropped() {
        let out = TransferDecoder::decode(&TransferEncoding::Base64, b"aGVsbG8gd2", false);
        assert_eq!(out, b"hello ");
    }

    #[test]
    fn base64_concatenated_padded_blocks_decode() {
        assert_eq!(decode(TransferEncoding::Base64, b"aGk=aGk="), b"hihi");
    }

    #[test]
    fn qp_soft_breaks_and_escapes() {
        assert_eq!(
            decode(
                TransferEncoding::QuotedPrintable,
                b"Gr=FC=DFe, a long=\r\n line=\nend"
            ),
            b"Gr\xfc\xdfe, a long lineend"
        );
    }

    #[test]
    fn qp_trailing_blanks_before_line_end_are_dropped() {
        assert_eq!(
            decode(TransferEncoding::QuotedPrintable, b"a  \r\nb \t\nc"),
            b"a\r\nb\nc"
        );
    }

    #[test]
    fn qp_keeps_blanks_inside_a_line() {
        assert_eq!(decode(TransferEncoding::QuotedPrintable, b"a  b"), b"a  b");
    }

    #[test]
    fn qp_soft_break_with_transport_padding() {
        assert_eq!(
            decode(TransferEncoding::QuotedPrintable, b"ab= \r\ncd"),
            b"abcd"
        );
    }

    #[test]
    fn qp_invalid_escape_is_kept_literally() {
        assert_eq!(
            decode(TransferEncoding::QuotedPrintable, b"1=2 x=zz"),
            b"1=2 x=zz"
        );
    }

    #[test]
    fn qp_lower_case_hex_is_accepted() {
        assert_eq!(decode(TransferEncoding::QuotedPrintable, b"=e9"), b"\xe9");
    }

    #[test]
    fn qp_prefix_drops_a_cut_escape() {
        let out = TransferDecoder::decode(&TransferEncoding::QuotedPrintable, b"ab=E", false);
        assert_eq!(out, b"ab");
    }

    #[test]
    fn identity_for_7bit_8bit_and_unknown() {
        assert_eq!(decode(TransferEncoding::EightBit, b"a=b\xff"), b"a=b\xff");
        assert_eq!(
            decode(TransferEncoding::Other("x-uue".into()), b"=41"),
            b"=41"
        );
    }

    #[test]
    fn encoded_budget_covers_worst_case() {
        // 1000 bytes all escaped, with soft breaks: 25 escapes per 78-byte line.
        let qp_worst = 1000u64.div_ceil(25) * 78;
        assert!(encoded_len_for(Some(&TransferEncoding::QuotedPrintable), 1000) >= qp_worst);
        let b64 = 1000u64.div_ceil(57) * 78;
        assert!(encoded_len_for(Some(&TransferEncoding::Base64), 1000) >= b64);
    }

    fn chunked(enc: &TransferEncoding, data: &[u8], cuts: &[usize]) -> Vec<u8> {
        let mut d = TransferDecoder::new(enc);
        let mut out = Vec::new();
        let mut start = 0;
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (data.len() + 1)).collect();
        cuts.sort_unstable();
        for c in cuts {
            d.push(&data[start..c], &mut out);
            start = c;
        }
        d.push(&data[start..], &mut out);
        d.finish(&mut out);
        out
    }

    fn qp_like() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(
            prop_oneof![
                Just(b'='),
                Just(b' '),
                Just(b'\t'),
                Just(b'\r'),
                Just(b'\n'),
                Just(b'A'),
                Just(b'f'),
                Just(b'3'),
                any::<u8>()
            ],
            0..200,
        )
    }

    fn b64_like() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(
            prop_oneof![
                Just(b'='),
                Just(b'\r'),
                Just(b'\n'),
                (b'A'..=b'Z'),
                (b'a'..=b'z'),
                Just(b'+'),
                any::<u8>()
            ],
            0..200,
        )
    }

    proptest! {
        #[test]
        fn qp_chunking_does_not_change_the_result(
            data in qp_like(),
            cuts in prop::collection::vec(any::<usize>(), 0..8),
        ) {
            let enc = TransferEncoding::QuotedPrintable;
            prop_assert_eq!(chunked(&enc, &data, &cuts), decode(enc, &data));
        }

        #[test]
        fn decoding_up_to_a_budget_gives_a_prefix_of_at_least_that_size(
            data in qp_like(),
            budget in 0usize..6000,
        ) {
            let enc = TransferEncoding::QuotedPrintable;
            let full = decode(enc.clone(), &data);
            let (part, all) = TransferDecoder::decode_up_to(&enc, &data, true, Some(budget));
            prop_assert!(full.starts_with(&part));
            prop_assert!(all || part.len() >= budget);
            if all {
                prop_assert_eq!(part, full);
            }
        }

        #[test]
        fn qp_runs_decode_as_byte_by_byte(data in qp_like()) {
            // The state machine alone, one byte at a time: what `push` copies in runs.
            let (mut qp, mut ws, mut out) = (Qp::Normal, Vec::new(), Vec::new());
            for &c in &data {
                qp_byte(c, &mut qp, &mut ws, &mut out);
            }
            let mut d = TransferDecoder::new(&TransferEncoding::QuotedPrintable);
            let mut fast = Vec::new();
            d.push(&data, &mut fast);
            prop_assert_eq!(fast, out);
        }

        #[test]
        fn base64_chunking_does_not_change_the_result(
            data in b64_like(),
            cuts in prop::collection::vec(any::<usize>(), 0..8),
        ) {
            let enc = TransferEncoding::Base64;
            prop_assert_eq!(chunked(&enc, &data, &cuts), decode(enc, &data));
        }

        #[test]
        fn base64_round_trips_with_the_base64_crate(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            use base64::Engine;
            let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
            // Wrapped at 76 as MIME does.
            let wrapped: Vec<u8> = encoded
                .as_bytes()
                .chunks(76)
                .flat_map(|l| l.iter().copied().chain(*b"\r\n"))
                .collect();
            prop_assert_eq!(decode(TransferEncoding::Base64, &wrapped), bytes);
        }
    }
}
