//! The multipart ItemOperations body (MS-ASCMD 2.2.1.10.1, MultiPartResponse; MS-ASHTTP
//! `MS-ASAcceptMultiPart: T`), which lets a device receive large attachments without base64
//! and without holding the whole response in memory.
//!
//! Layout, all integers 32-bit little-endian, offsets from the start of the body:
//!
//! ```text
//! PartsCount                          number of parts, N
//! PartMetaData[N]: Offset, Length     where each part's bytes are
//! Parts                               part 0, part 1, ... back to back
//! ```
//!
//! Part 0 is the WBXML ItemOperations response; a Fetch refers to part N with `Part` (in
//! `Properties` for an attachment, in `airsyncbase:Body` for an item's body). Content-Type:
//! [`MULTIPART_CONTENT_TYPE`]. The gateway writes [`MultipartHeader`] and then streams the parts
//! in order; [`multipart_body`] assembles a small body in memory.

/// The Content-Type of a multipart ItemOperations response.
pub const MULTIPART_CONTENT_TYPE: &str = "application/vnd.ms-sync.multipart";

/// The parts do not fit the format's 32-bit offsets (2 GiB in all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "a multipart body of {parts} parts and {bytes} bytes exceeds the 2 GiB the format can address"
)]
pub struct MultipartTooLarge {
    pub parts: usize,
    pub bytes: u128,
}

/// A multipart body that does not follow the layout (read by test clients).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MultipartError {
    #[error("the body ends inside the part table")]
    Truncated,
    #[error("part {0} lies outside the body")]
    PartOutOfRange(usize),
}

/// The header of a multipart body: count and part table, for parts of known lengths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultipartHeader {
    bytes: Vec<u8>,
    total: u64,
}

impl MultipartHeader {
    /// The header for parts of these lengths, in order (part 0 the WBXML).
    pub fn new(part_lengths: &[u64]) -> Result<MultipartHeader, MultipartTooLarge> {
        let too_large = || MultipartTooLarge {
            parts: part_lengths.len(),
            bytes: part_lengths.iter().map(|&l| u128::from(l)).sum(),
        };
        let limit = i32::MAX as u64;
        let count = u32::try_from(part_lengths.len()).map_err(|_| too_large())?;
        let header_len = 4 + 8 * u64::from(count);
        let mut bytes = Vec::with_capacity(usize::try_from(header_len).unwrap_or(0));
        bytes.extend_from_slice(&count.to_le_bytes());
        let mut offset = header_len;
        for &len in part_lengths {
            let end = offset.checked_add(len).filter(|&e| e <= limit);
            let (Some(end), Ok(off32), Ok(len32)) =
                (end, u32::try_from(offset), u32::try_from(len))
            else {
                return Err(too_large());
            };
            bytes.extend_from_slice(&off32.to_le_bytes());
            bytes.extend_from_slice(&len32.to_le_bytes());
            offset = end;
        }
        if offset > limit {
            return Err(too_large());
        }
        Ok(MultipartHeader {
            bytes,
            total: offset,
        })
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The length of the whole body (header and parts): the Content-Length.
    pub fn body_len(&self) -> u64 {
        self.total
    }
}

/// A whole multipart body: the header followed by `parts` (part 0 the WBXML).
pub fn multipart_body(parts: &[&[u8]]) -> Result<Vec<u8>, MultipartTooLarge> {
    let lengths: Vec<u64> = parts.iter().map(|p| p.len() as u64).collect();
    let header = MultipartHeader::new(&lengths)?;
    let mut body = header.into_bytes();
    for p in parts {
        body.extend_from_slice(p);
    }
    Ok(body)
}

/// The parts of a multipart body, in order (for tests and test clients).
pub fn parse_multipart(body: &[u8]) -> Result<Vec<&[u8]>, MultipartError> {
    let word = |at: usize| -> Result<usize, MultipartError> {
        let b = body.get(at..at + 4).ok_or(MultipartError::Truncated)?;
        let v = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        usize::try_from(v).map_err(|_| MultipartError::Truncated)
    };
    let count = word(0)?;
    // Each table entry takes 8 bytes, so a count the body cannot hold is truncation, found
    // before allocating for it.
    if count > body.len() / 8 {
        return Err(MultipartError::Truncated);
    }
    (0..count)
        .map(|i| {
            let offset = word(4 + 8 * i)?;
            let len = word(8 + 8 * i)?;
            offset
                .checked_add(len)
                .and_then(|end| body.get(offset..end))
                .ok_or(MultipartError::PartOutOfRange(i))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_header_lists_offsets_from_the_start_of_the_body() {
        let h = MultipartHeader::new(&[10, 3]).expect("fits");
        let words: Vec<u32> = h
            .as_bytes()
            .chunks(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        assert_eq!(words, [2, 20, 10, 30, 3]);
        assert_eq!(h.body_len(), 33);
        assert_eq!(
            MultipartHeader::new(&[]).expect("fits").as_bytes(),
            [0, 0, 0, 0]
        );
    }

    #[test]
    fn more_than_2_gib_is_refused() {
        assert!(MultipartHeader::new(&[100, u64::from(u32::MAX)]).is_err());
        assert!(MultipartHeader::new(&[i32::MAX as u64, 1]).is_err());
        assert!(MultipartHeader::new(&[u64::MAX, u64::MAX]).is_err());
        assert!(MultipartHeader::new(&[1 << 30, 1 << 29]).is_ok());
    }

    #[test]
    fn bodies_parse_back_and_bad_tables_are_errors() {
        let body = multipart_body(&[b"wbxml", b"", b"attachment"]).expect("fits");
        assert_eq!(
            parse_multipart(&body),
            Ok(vec![&b"wbxml"[..], &b""[..], &b"attachment"[..]])
        );
        assert_eq!(parse_multipart(&[1, 0]), Err(MultipartError::Truncated));
        assert_eq!(
            parse_multipart(&[0xFF, 0xFF, 0xFF, 0x7F]),
            Err(MultipartError::Truncated)
        );
        let mut bad = body.clone();
        bad[8] = 0xFF; // part 0 length
        assert_eq!(
            parse_multipart(&bad),
            Err(MultipartError::PartOutOfRange(0))
        );
    }

    proptest! {
        #[test]
        fn parsing_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = parse_multipart(&bytes);
        }

        #[test]
        fn bodies_round_trip(parts in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 0..6)) {
            let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
            let body = multipart_body(&refs).expect("small");
            prop_assert_eq!(parse_multipart(&body).expect("parses"), refs);
        }
    }
}
