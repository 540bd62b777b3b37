//! Request-line encoders, written from MS-ASHTTP independently of the server's own parser (a
//! black-box test should not share the code it tests): the base64 query form
//! (2.2.1.1.1.1) and percent-encoding for the plain form (2.2.1.1.1.2).

use base64::Engine as _;

/// The base64 query form. Fields in wire order; `encode` gives the text after `?`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Base64Query {
    /// The version times ten: 121, 140, 141, 160, 161.
    pub version: u8,
    /// The command code (2.2.1.1.1.1.2).
    pub command: u8,
    /// The locale, e.g. 0x0409 (en-US); written little-endian.
    pub locale: u16,
    pub device_id: Vec<u8>,
    /// Written as 4 bytes little-endian after a length byte of 4; `None` writes length 0.
    pub policy_key: Option<u32>,
    pub device_type: Vec<u8>,
    /// Command parameters (2.2.1.1.1.1.1): tag and value. Tags: 0 AttachmentName,
    /// 1 CollectionId, 3 ItemId, 4 LongId, 6 Occurrence, 7 Options, 8 User.
    pub params: Vec<(u8, Vec<u8>)>,
}

impl Base64Query {
    /// A query for the command named `cmd` (panics for an unknown name).
    pub fn new(version: u8, cmd: &str, device_id: &str, device_type: &str) -> Base64Query {
        Base64Query {
            version,
            command: command_code(cmd)
                .unwrap_or_else(|| panic!("{cmd:?} has no base64 command code")),
            locale: 0x0409,
            device_id: device_id.as_bytes().to_vec(),
            policy_key: None,
            device_type: device_type.as_bytes().to_vec(),
            params: Vec::new(),
        }
    }

    /// The raw bytes before base64.
    pub fn to_bytes(&self) -> Vec<u8> {
        fn short(field: &[u8]) -> u8 {
            u8::try_from(field.len()).expect("a base64 query field is at most 255 bytes")
        }
        let mut b = vec![self.version, self.command];
        b.extend_from_slice(&self.locale.to_le_bytes());
        b.push(short(&self.device_id));
        b.extend_from_slice(&self.device_id);
        match self.policy_key {
            Some(key) => {
                b.push(4);
                b.extend_from_slice(&key.to_le_bytes());
            }
            None => b.push(0),
        }
        b.push(short(&self.device_type));
        b.extend_from_slice(&self.device_type);
        for (tag, value) in &self.params {
            b.push(*tag);
            b.push(short(value));
            b.extend_from_slice(value);
        }
        b
    }

    /// The query text: standard base64 (with `+`, `/` and `=` as they are, the way devices
    /// send it).
    pub fn encode(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.to_bytes())
    }
}

/// The base64 command code of a `Cmd=` name (MS-ASHTTP 2.2.1.1.1.1.2).
pub fn command_code(name: &str) -> Option<u8> {
    Some(match name {
        "Sync" => 0,
        "SendMail" => 1,
        "SmartForward" => 2,
        "SmartReply" => 3,
        "GetAttachment" => 4,
        "FolderSync" => 9,
        "FolderCreate" => 10,
        "FolderDelete" => 11,
        "FolderUpdate" => 12,
        "MoveItems" => 13,
        "GetItemEstimate" => 14,
        "MeetingResponse" => 15,
        "Search" => 16,
        "Settings" => 17,
        "Ping" => 18,
        "ItemOperations" => 19,
        "Provision" => 20,
        "ResolveRecipients" => 21,
        "ValidateCert" => 22,
        "Find" => 23,
        _ => return None,
    })
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_example_is_reproduced() {
        // MS-ASHTTP 2.2.1.1.1.1: Sync, 14.0, en-US, device v140Device, no key, SmartPhone.
        let q = Base64Query::new(140, "Sync", "v140Device", "SmartPhone");
        assert_eq!(q.encode(), "jAAJBAp2MTQwRGV2aWNlAApTbWFydFBob25l");
    }

    #[test]
    fn the_policy_key_and_parameters_follow_the_device_fields() {
        let mut q = Base64Query::new(161, "Provision", "D1", "T");
        q.policy_key = Some(0x0102_0304);
        q.params.push((8, b"al".to_vec()));
        assert_eq!(
            q.to_bytes(),
            [
                161, 20, 0x09, 0x04, 2, b'D', b'1', 4, 4, 3, 2, 1, 1, b'T', 8, 2, b'a', b'l'
            ]
        );
    }

    #[test]
    fn reserved_characters_are_percent_encoded() {
        assert_eq!(percent_encode("EXAMPLE\\alice"), "EXAMPLE%5Calice");
        assert_eq!(percent_encode("a@b.c d"), "a%40b.c%20d");
    }

    #[test]
    fn the_encoding_agrees_with_the_eas_crate() {
        // Written independently; a disagreement means one of the two misreads MS-ASHTTP.
        let mut ours = Base64Query::new(141, "Provision", "Dev123", "iPhone");
        ours.policy_key = Some(3_141_592_653);
        ours.params.push((8, b"alice".to_vec()));
        let mut theirs = eas::RequestLine::new(eas::Command::Provision, "Dev123", "iPhone");
        theirs.protocol_version = Some(eas::ProtocolVersion::V14_1);
        theirs.policy_key = Some(3_141_592_653);
        theirs.user = Some("alice".into());
        assert_eq!(ours.encode(), theirs.to_base64_query().unwrap());
        let parsed = eas::RequestLine::parse(&ours.encode()).unwrap();
        assert_eq!(parsed.device_id, "Dev123");
        assert_eq!(parsed.user.as_deref(), Some("alice"));
    }
}
