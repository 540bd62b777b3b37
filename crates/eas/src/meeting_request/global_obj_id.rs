//! The Global Object ID of a meeting (`email:GlobalObjId`, MS-ASEMAIL 2.2.2.37; the
//! `PidLidGlobalObjectId` structure of MS-OXOCAL 2.2.1.27; the UID forms of MS-OXCICAL
//! 2.1.3.1.1.20.26):
//!
//! ```text
//! class id (16)  04 00 00 00 82 00 E0 00 74 C5 B7 10 1A 82 E0 08
//! instance (4)   year high, year low, month, day of the occurrence; all zero for the series
//! creation (8)   FILETIME, little-endian
//! reserved (8)   zero
//! size (4)       little-endian byte count of the data
//! data           Outlook's own bytes, or "vCal-Uid" 01 00 00 00 <UID bytes> 00
//! ```
//!
//! An iCalendar UID that is itself such a structure in hex (Outlook and Exchange write them
//! so) is decoded; any other UID is wrapped in the `vCal-Uid` form.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// The fixed first 16 bytes (MS-ASEMAIL 2.2.2.37 CLASSID).
pub const CLASS_ID: [u8; 16] = [
    0x04, 0x00, 0x00, 0x00, 0x82, 0x00, 0xE0, 0x00, 0x74, 0xC5, 0xB7, 0x10, 0x1A, 0x82, 0xE0, 0x08,
];

/// Bytes before the data: class id, instance date, creation time, reserved, size.
const HEADER_LEN: usize = 40;
const VCAL_MARKER: &[u8] = b"vCal-Uid";
const VCAL_VERSION: [u8; 4] = [0x01, 0x00, 0x00, 0x00];

/// A Global Object ID as bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct GlobalObjId(pub Vec<u8>);

impl GlobalObjId {
    /// The id of the meeting whose iCalendar UID is `uid`: the decoded structure when the UID
    /// is an encoded Global Object ID (hex starting with the class id), else the `vCal-Uid`
    /// form with a zero instance date and a zero creation time. The creation time is left
    /// zero so that every message about the same meeting carries the same id (MS-ASEMAIL
    /// calls the field "the current date", which would give each update a different id).
    pub fn from_uid(uid: &str) -> GlobalObjId {
        if let Some(bytes) = decode_encoded_uid(uid) {
            return GlobalObjId(bytes);
        }
        let data_len = VCAL_MARKER.len() + VCAL_VERSION.len() + uid.len() + 1;
        let mut out = Vec::with_capacity(HEADER_LEN + data_len);
        out.extend_from_slice(&CLASS_ID);
        out.extend_from_slice(&[0; 4]); // instance date: the series
        out.extend_from_slice(&[0; 8]); // creation time
        out.extend_from_slice(&[0; 8]); // reserved
        out.extend_from_slice(&u32::try_from(data_len).unwrap_or(u32::MAX).to_le_bytes());
        out.extend_from_slice(VCAL_MARKER);
        out.extend_from_slice(&VCAL_VERSION);
        out.extend_from_slice(uid.as_bytes());
        out.push(0);
        GlobalObjId(out)
    }

    /// The same id for one occurrence: the instance date bytes set to `year`, `month`, `day`
    /// (MS-OXOCAL 2.2.1.27: an exception's id carries its original date; the series' id,
    /// PidLidCleanGlobalObjectId, has zeros there).
    pub fn with_instance_date(mut self, year: u16, month: u8, day: u8) -> GlobalObjId {
        if self.0.len() >= 20 {
            let [high, low] = year.to_be_bytes();
            self.0[16..20].copy_from_slice(&[high, low, month, day]);
        }
        self
    }

    /// The instance date (year, month, day), `None` for the series.
    pub fn instance_date(&self) -> Option<(u16, u8, u8)> {
        let d = self.0.get(16..20)?;
        (d != [0, 0, 0, 0]).then(|| (u16::from_be_bytes([d[0], d[1]]), d[2], d[3]))
    }

    /// The `vCal-Uid` UID this id wraps, if it is of that form.
    pub fn vcal_uid(&self) -> Option<String> {
        let data = self.0.get(HEADER_LEN..)?;
        let rest = data
            .strip_prefix(VCAL_MARKER)?
            .strip_prefix(&VCAL_VERSION[..])?;
        let uid = rest.strip_suffix(&[0]).unwrap_or(rest);
        String::from_utf8(uid.to_vec()).ok()
    }

    /// The iCalendar UID of the series: the wrapped UID for the `vCal-Uid` form, else the
    /// uppercase hex of the id with a zero instance date (what Outlook writes as UID).
    pub fn uid(&self) -> String {
        if let Some(uid) = self.vcal_uid() {
            return uid;
        }
        let mut clean = self.0.clone();
        if clean.len() >= 20 {
            clean[16..20].fill(0);
        }
        clean.iter().map(|b| format!("{b:02X}")).collect()
    }

    /// The element text: base64 of the bytes.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(&self.0)
    }

    /// Reads the element text (whitespace ignored); `None` if it is not base64.
    pub fn from_base64(text: &str) -> Option<GlobalObjId> {
        let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        STANDARD.decode(compact.as_bytes()).ok().map(GlobalObjId)
    }
}

/// The bytes of a UID written as an encoded Global Object ID (MS-OXCICAL EncodedGlobalId:
/// the class id in hex, then the rest of the header and the data), if it is one.
fn decode_encoded_uid(uid: &str) -> Option<Vec<u8>> {
    let hex = uid.trim().as_bytes();
    if hex.len() < 2 * HEADER_LEN || !hex.len().is_multiple_of(2) {
        return None;
    }
    let nibble = |c: u8| (c as char).to_digit(16).and_then(|d| u8::try_from(d).ok());
    let bytes = hex
        .chunks_exact(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect::<Option<Vec<u8>>>()?;
    (bytes.starts_with(&CLASS_ID)).then_some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An Outlook UID (clean id with a 16-byte data part, as Exchange writes them).
    const OUTLOOK_UID: &str = "040000008200E00074C5B7101A82E00800000000D0F2E8C7A6F1DC01000000000000000010000000A5B2E7C1F9D3A24C8E1B7F60D94A3C21";

    #[test]
    fn an_outlook_hex_uid_is_decoded_not_wrapped() {
        let id = GlobalObjId::from_uid(OUTLOOK_UID);
        assert_eq!(id.0.len(), 56);
        assert!(id.0.starts_with(&CLASS_ID));
        assert_eq!(id.0[36..40], [16, 0, 0, 0]);
        assert_eq!(id.vcal_uid(), None);
        assert_eq!(id.uid(), OUTLOOK_UID);
        assert_eq!(
            GlobalObjId::from_uid(&OUTLOOK_UID.to_lowercase()),
            id,
            "hex case does not matter"
        );
    }

    #[test]
    fn a_plain_uid_is_wrapped_in_the_vcal_uid_form() {
        let id = GlobalObjId::from_uid("abc@example.org");
        let mut want = CLASS_ID.to_vec();
        want.extend_from_slice(&[0; 20]);
        want.extend_from_slice(&(8u32 + 4 + 15 + 1).to_le_bytes());
        want.extend_from_slice(b"vCal-Uid\x01\x00\x00\x00abc@example.org\x00");
        assert_eq!(id.0, want);
        assert_eq!(id.vcal_uid().as_deref(), Some("abc@example.org"));
        assert_eq!(id.uid(), "abc@example.org");
        assert_eq!(GlobalObjId::from_base64(&id.to_base64()), Some(id));
    }

    #[test]
    fn near_misses_of_the_hex_form_are_wrapped() {
        // Right length, wrong class id; and the class id alone (too short).
        let wrong = OUTLOOK_UID.replacen("04000000", "05000000", 1);
        assert!(GlobalObjId::from_uid(&wrong).vcal_uid().is_some());
        assert!(
            GlobalObjId::from_uid("040000008200E00074C5B7101A82E008")
                .vcal_uid()
                .is_some()
        );
        let odd = format!("{OUTLOOK_UID}Z");
        assert_eq!(GlobalObjId::from_uid(&odd).vcal_uid(), Some(odd));
    }

    #[test]
    fn an_occurrence_carries_its_date_and_keeps_the_series_uid() {
        // MS-ASEMAIL 2.2.2.37: "the year 2004 would be 0x07 0xD4".
        let id = GlobalObjId::from_uid("abc").with_instance_date(2004, 11, 22);
        assert_eq!(id.0[16..20], [0x07, 0xD4, 11, 22]);
        assert_eq!(id.instance_date(), Some((2004, 11, 22)));
        assert_eq!(id.uid(), "abc");
        let outlook = GlobalObjId::from_uid(OUTLOOK_UID).with_instance_date(2026, 3, 9);
        assert_eq!(outlook.uid(), OUTLOOK_UID);
        assert_eq!(GlobalObjId::from_uid("abc").instance_date(), None);
    }
}
