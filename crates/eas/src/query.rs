//! The request line's query value (MS-ASHTTP 2.2.1.1.1): the plain form
//! (`?Cmd=Sync&User=u&DeviceId=d&DeviceType=t&...`) and the base64 form, a base64-encoded
//! byte sequence that also carries the protocol version, locale and policy key.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::command::Command;
use crate::status::CommonStatus;
use crate::version::ProtocolVersion;

/// The longest device id accepted. MS-ASHTTP 2.2.1.1.1.2 allows 1*32(ALPHA / DIGIT); we accept
/// up to 64 so that a binary id from the base64 form (hex-encoded, see [`RequestLine`]) and a
/// dashed GUID fit.
pub const MAX_DEVICE_ID_LEN: usize = 64;

/// The longest device type accepted (the base64 form's length byte limits it to 255).
pub const MAX_DEVICE_TYPE_LEN: usize = 255;

/// Which of the two query forms a request used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryForm {
    Plain,
    Base64,
}

/// Everything a request's query value says.
///
/// In the plain form the protocol version and policy key come from the `MS-ASProtocolVersion`
/// and `X-MS-PolicyKey` headers, so `protocol_version` and `locale` are `None` there and
/// `policy_key` is set only when a client puts `&PolicyKey=` in the query (pyactivesync does
/// on the Provision acknowledgement). `accept_multipart` comes from the
/// `MS-ASAcceptMultiPart` header in the plain form.
///
/// The device id is kept as the client sent it. In the base64 form it is a byte string (MS-ASHTTP
/// 2.2.1.1.1.1: "A string or a GUID"): bytes that are all valid device-id characters are taken
/// as that string (so the spec's example `v140Device` is the same device in both forms), any
/// other bytes (a binary GUID) become lowercase hex, as Z-Push and Horde do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestLine {
    pub form: QueryForm,
    pub command: Command,
    pub user: Option<String>,
    pub device_id: String,
    pub device_type: String,
    /// Base64 form only.
    pub protocol_version: Option<ProtocolVersion>,
    /// Base64 form only: an LCID, e.g. 0x0409 for en-US.
    pub locale: Option<u16>,
    pub policy_key: Option<u32>,
    /// GetAttachment.
    pub attachment_name: Option<String>,
    /// SmartReply/SmartForward: the folder of the source message (12.x).
    pub collection_id: Option<String>,
    /// SmartReply/SmartForward: the source message (12.x).
    pub item_id: Option<String>,
    /// SmartReply/SmartForward: a Search result (12.x).
    pub long_id: Option<String>,
    /// SmartReply/SmartForward: an occurrence of a recurring meeting (12.x).
    pub occurrence: Option<String>,
    /// SendMail/SmartReply/SmartForward (12.x): `SaveInSent=T`, or Options bit 0x01.
    pub save_in_sent: bool,
    /// ItemOperations: Options bit 0x02 of the base64 form.
    pub accept_multipart: bool,
}

/// Why a query value could not be read. See [`QueryError::common_status`] for the status a
/// 14.0+ device gets; an unknown command is an HTTP 400 (known but unimplemented: 501).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("the query is empty")]
    Empty,
    #[error("the query has no Cmd parameter")]
    MissingCommand,
    #[error("unknown command {0:?}")]
    UnknownCommand(String),
    #[error("the query has no DeviceId")]
    MissingDeviceId,
    #[error("invalid DeviceId {0:?}")]
    InvalidDeviceId(String),
    #[error("the query has no DeviceType")]
    MissingDeviceType,
    #[error("invalid DeviceType {0:?}")]
    InvalidDeviceType(String),
    #[error("the query is neither the plain form nor valid base64")]
    InvalidBase64,
    #[error("the base64 query ends inside the {0} field")]
    Truncated(&'static str),
    #[error("policy key length {0} (must be 0 or 4)")]
    InvalidPolicyKeyLength(u8),
    #[error("unsupported protocol version byte {0}")]
    UnsupportedProtocolVersion(u8),
    #[error("the {0} parameter is not valid UTF-8")]
    InvalidUtf8(&'static str),
    #[error("invalid {0} parameter")]
    InvalidParameter(&'static str),
    #[error("the {0} field is longer than 255 bytes")]
    FieldTooLong(&'static str),
}

impl QueryError {
    /// The common status that describes the error (MS-ASCMD 2.2.2), where one does:
    /// 108 for the device id, 109 for the device type, 138 for the version, 103 otherwise.
    /// `None` for an unknown command, which has no response document to carry a status.
    pub fn common_status(&self) -> Option<CommonStatus> {
        Some(match self {
            QueryError::UnknownCommand(_) | QueryError::MissingCommand | QueryError::Empty => {
                return None;
            }
            QueryError::MissingDeviceId | QueryError::InvalidDeviceId(_) => {
                CommonStatus::DeviceIdMissingOrInvalid
            }
            QueryError::MissingDeviceType | QueryError::InvalidDeviceType(_) => {
                CommonStatus::DeviceTypeMissingOrInvalid
            }
            QueryError::UnsupportedProtocolVersion(_) => CommonStatus::VersionNotSupported,
            _ => CommonStatus::InvalidXml,
        })
    }
}

/// Whether `id` is an acceptable device id: 1 to [`MAX_DEVICE_ID_LEN`] ASCII letters, digits,
/// `-` or `_`. (The spec's "MUST NOT contain commas or special characters"; `-` and `_` are
/// tolerated for GUID-style ids.)
pub fn is_valid_device_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_DEVICE_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether `device_type` is acceptable: 1 to 255 bytes, no control characters. (The ABNF's
/// 1*VCHAR would also forbid spaces; clients are not that careful.)
pub fn is_valid_device_type(device_type: &str) -> bool {
    !device_type.is_empty()
        && device_type.len() <= MAX_DEVICE_TYPE_LEN
        && !device_type.chars().any(char::is_control)
}

impl RequestLine {
    /// Reads a request's query value (without the `?`; a leading `?` is ignored) in either
    /// form. The plain form is recognised by its `Cmd` parameter; anything else is decoded as
    /// the base64 form.
    pub fn parse(query: &str) -> Result<RequestLine, QueryError> {
        let query = query.strip_prefix('?').unwrap_or(query);
        if query.is_empty() {
            return Err(QueryError::Empty);
        }
        let is_plain = query.split('&').any(|pair| {
            let key = pair.split_once('=').map_or(pair, |(k, _)| k);
            key.eq_ignore_ascii_case("Cmd")
        });
        if is_plain {
            parse_plain(query)
        } else {
            parse_base64(query)
        }
    }

    /// A request line with only the required fields, in the plain form.
    pub fn new(
        command: Command,
        device_id: impl Into<String>,
        device_type: impl Into<String>,
    ) -> Self {
        RequestLine {
            form: QueryForm::Plain,
            command,
            user: None,
            device_id: device_id.into(),
            device_type: device_type.into(),
            protocol_version: None,
            locale: None,
            policy_key: None,
            attachment_name: None,
            collection_id: None,
            item_id: None,
            long_id: None,
            occurrence: None,
            save_in_sent: false,
            accept_multipart: false,
        }
    }

    /// The plain form of this request line (for clients and tests). The version, locale and
    /// AcceptMultiPart flag have no place in it; a policy key is written as `PolicyKey=`.
    pub fn to_plain_query(&self) -> String {
        let mut out = format!("Cmd={}", self.command.name());
        let mut push = |name: &str, value: &str| {
            out.push('&');
            out.push_str(name);
            out.push('=');
            percent_encode_into(value, &mut out);
        };
        if let Some(user) = &self.user {
            push("User", user);
        }
        push("DeviceId", &self.device_id);
        push("DeviceType", &self.device_type);
        let params = [
            ("AttachmentName", &self.attachment_name),
            ("CollectionId", &self.collection_id),
            ("ItemId", &self.item_id),
            ("LongId", &self.long_id),
            ("Occurrence", &self.occurrence),
        ];
        for (name, value) in params {
            if let Some(value) = value {
                push(name, value);
            }
        }
        if self.save_in_sent {
            push("SaveInSent", "T");
        }
        if let Some(key) = self.policy_key {
            push("PolicyKey", &key.to_string());
        }
        out
    }

    /// The base64 form of this request line (MS-ASHTTP 2.2.1.1.1.1), standard alphabet with
    /// padding. A missing version is written as 16.1 and a missing locale as 0x0409 (en-US).
    pub fn to_base64_query(&self) -> Result<String, QueryError> {
        let version = self.protocol_version.unwrap_or(ProtocolVersion::LATEST);
        let mut bytes = vec![version.base64_byte(), self.command.code()];
        bytes.extend_from_slice(&self.locale.unwrap_or(0x0409).to_le_bytes());
        push_counted(&mut bytes, self.device_id.as_bytes(), "DeviceId")?;
        match self.policy_key {
            Some(key) => {
                bytes.push(4);
                bytes.extend_from_slice(&key.to_le_bytes());
            }
            None => bytes.push(0),
        }
        push_counted(&mut bytes, self.device_type.as_bytes(), "DeviceType")?;
        let params = [
            (TAG_ATTACHMENT_NAME, &self.attachment_name, "AttachmentName"),
            (TAG_COLLECTION_ID, &self.collection_id, "CollectionId"),
            (TAG_ITEM_ID, &self.item_id, "ItemId"),
            (TAG_LONG_ID, &self.long_id, "LongId"),
            (TAG_OCCURRENCE, &self.occurrence, "Occurrence"),
        ];
        for (tag, value, field) in params {
            if let Some(value) = value {
                bytes.push(tag);
                push_counted(&mut bytes, value.as_bytes(), field)?;
            }
        }
        let options = (if self.save_in_sent {
            OPTION_SAVE_IN_SENT
        } else {
            0
        }) | (if self.accept_multipart {
            OPTION_ACCEPT_MULTIPART
        } else {
            0
        });
        if options != 0 {
            bytes.extend_from_slice(&[TAG_OPTIONS, 1, options]);
        }
        if let Some(user) = &self.user {
            bytes.push(TAG_USER);
            push_counted(&mut bytes, user.as_bytes(), "User")?;
        }
        Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
    }
}

// ---- plain form ------------------------------------------------------------------------------

fn parse_plain(query: &str) -> Result<RequestLine, QueryError> {
    #[derive(Default)]
    struct Raw {
        cmd: Option<String>,
        user: Option<String>,
        device_id: Option<String>,
        device_type: Option<String>,
        attachment_name: Option<String>,
        collection_id: Option<String>,
        item_id: Option<String>,
        long_id: Option<String>,
        occurrence: Option<String>,
        save_in_sent: Option<String>,
        policy_key: Option<String>,
    }
    let mut raw = Raw::default();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (slot, field) = match key {
            k if k.eq_ignore_ascii_case("Cmd") => (&mut raw.cmd, "Cmd"),
            k if k.eq_ignore_ascii_case("User") => (&mut raw.user, "User"),
            k if k.eq_ignore_ascii_case("DeviceId") => (&mut raw.device_id, "DeviceId"),
            k if k.eq_ignore_ascii_case("DeviceType") => (&mut raw.device_type, "DeviceType"),
            k if k.eq_ignore_ascii_case("AttachmentName") => {
                (&mut raw.attachment_name, "AttachmentName")
            }
            k if k.eq_ignore_ascii_case("CollectionId") => (&mut raw.collection_id, "CollectionId"),
            k if k.eq_ignore_ascii_case("ItemId") => (&mut raw.item_id, "ItemId"),
            k if k.eq_ignore_ascii_case("LongId") => (&mut raw.long_id, "LongId"),
            k if k.eq_ignore_ascii_case("Occurrence") => (&mut raw.occurrence, "Occurrence"),
            k if k.eq_ignore_ascii_case("SaveInSent") => (&mut raw.save_in_sent, "SaveInSent"),
            k if k.eq_ignore_ascii_case("PolicyKey") => (&mut raw.policy_key, "PolicyKey"),
            _ => continue, // unknown parameters are ignored
        };
        if slot.is_none() {
            let value = String::from_utf8(percent_decode(value, true))
                .map_err(|_| QueryError::InvalidUtf8(field))?;
            // The ABNF requires 1*VCHAR: an empty value is the same as no parameter.
            if !value.is_empty() {
                *slot = Some(value);
            }
        }
    }

    let name = raw.cmd.ok_or(QueryError::MissingCommand)?;
    let command = Command::from_name(&name).ok_or(QueryError::UnknownCommand(name))?;
    let device_id = raw.device_id.ok_or(QueryError::MissingDeviceId)?;
    let device_type = raw.device_type.ok_or(QueryError::MissingDeviceType)?;
    let save_in_sent = match raw.save_in_sent.as_deref().map(str::trim) {
        None => false, // "The SaveInSent parameter is set to F by default."
        Some(v) if v.eq_ignore_ascii_case("T") || v.eq_ignore_ascii_case("true") || v == "1" => {
            true
        }
        Some(v) if v.eq_ignore_ascii_case("F") || v.eq_ignore_ascii_case("false") || v == "0" => {
            false
        }
        Some(_) => return Err(QueryError::InvalidParameter("SaveInSent")),
    };
    let policy_key = raw
        .policy_key
        .map(|k| {
            k.trim()
                .parse::<u32>()
                .map_err(|_| QueryError::InvalidParameter("PolicyKey"))
        })
        .transpose()?;

    let line = RequestLine {
        form: QueryForm::Plain,
        command,
        user: raw.user,
        device_id,
        device_type,
        protocol_version: None,
        locale: None,
        policy_key,
        attachment_name: raw.attachment_name,
        collection_id: raw.collection_id,
        item_id: raw.item_id,
        long_id: raw.long_id,
        occurrence: raw.occurrence,
        save_in_sent,
        accept_multipart: false,
    };
    validate(line)
}

fn validate(line: RequestLine) -> Result<RequestLine, QueryError> {
    if !is_valid_device_id(&line.device_id) {
        return Err(QueryError::InvalidDeviceId(line.device_id));
    }
    if !is_valid_device_type(&line.device_type) {
        return Err(QueryError::InvalidDeviceType(line.device_type));
    }
    Ok(line)
}

/// Decodes `%XX` escapes (and `+` as a space when `plus_is_space`). A `%` that does not start
/// a valid escape is kept as is, as browsers and form decoders do.
fn percent_decode(input: &str, plus_is_space: bool) -> Vec<u8> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).and_then(|h| {
                    let h = std::str::from_utf8(h).ok()?;
                    u8::from_str_radix(h, 16).ok()
                });
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn percent_encode_into(value: &str, out: &mut String) {
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

// ---- base64 form -----------------------------------------------------------------------------

// Command parameter tags (MS-ASHTTP 2.2.1.1.1.1.3). 2 (CollectionName) and 5 (ParentId) are
// obsolete and ignored, like unknown tags.
const TAG_ATTACHMENT_NAME: u8 = 0;
const TAG_COLLECTION_ID: u8 = 1;
const TAG_ITEM_ID: u8 = 3;
const TAG_LONG_ID: u8 = 4;
const TAG_OCCURRENCE: u8 = 6;
const TAG_OPTIONS: u8 = 7;
const TAG_USER: u8 = 8;
const OPTION_SAVE_IN_SENT: u8 = 0x01;
const OPTION_ACCEPT_MULTIPART: u8 = 0x02;

/// Standard alphabet; padding optional; stray trailing bits tolerated.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

fn parse_base64(query: &str) -> Result<RequestLine, QueryError> {
    // The value may arrive percent-encoded (%2B, %2F, %3D). A literal '+' is base64 data, not
    // a space. Some clients use the URL-safe alphabet; map it back.
    let text: Vec<u8> = percent_decode(query, false)
        .into_iter()
        .filter(|b| !b.is_ascii_whitespace())
        .map(|b| match b {
            b'-' => b'+',
            b'_' => b'/',
            b => b,
        })
        .collect();
    let bytes = LENIENT_BASE64
        .decode(&text)
        .map_err(|_| QueryError::InvalidBase64)?;
    let mut r = Reader {
        bytes: &bytes,
        pos: 0,
    };

    let version_byte = r.byte("Protocol version")?;
    let protocol_version = ProtocolVersion::from_base64_byte(version_byte)
        .ok_or(QueryError::UnsupportedProtocolVersion(version_byte))?;
    let code = r.byte("Command code")?;
    let command =
        Command::from_code(code).ok_or_else(|| QueryError::UnknownCommand(code.to_string()))?;
    let locale = u16::from_le_bytes([r.byte("Locale")?, r.byte("Locale")?]);

    let id_len = r.byte("Device ID length")?;
    if id_len == 0 {
        return Err(QueryError::MissingDeviceId); // "This value MUST be greater than 0."
    }
    let device_id = device_id_from_bytes(r.take(usize::from(id_len), "Device ID")?);

    let policy_key = match r.byte("Policy key length")? {
        0 => None,
        4 => {
            let k = r.take(4, "Policy key")?;
            Some(u32::from_le_bytes([k[0], k[1], k[2], k[3]]))
        }
        n => return Err(QueryError::InvalidPolicyKeyLength(n)),
    };

    let type_len = r.byte("Device type length")?;
    let device_type = String::from_utf8(r.take(usize::from(type_len), "Device type")?.to_vec())
        .map_err(|_| QueryError::InvalidUtf8("DeviceType"))?;
    if device_type.is_empty() {
        return Err(QueryError::MissingDeviceType);
    }

    let mut line = RequestLine {
        form: QueryForm::Base64,
        protocol_version: Some(protocol_version),
        locale: Some(locale),
        policy_key,
        ..RequestLine::new(command, device_id, device_type)
    };
    while !r.is_at_end() {
        let tag = r.byte("parameter tag")?;
        let len = r.byte("parameter length")?;
        let value = r.take(usize::from(len), "parameter value")?;
        let (slot, field) = match tag {
            TAG_ATTACHMENT_NAME => (&mut line.attachment_name, "AttachmentName"),
            TAG_COLLECTION_ID => (&mut line.collection_id, "CollectionId"),
            TAG_ITEM_ID => (&mut line.item_id, "ItemId"),
            TAG_LONG_ID => (&mut line.long_id, "LongId"),
            TAG_OCCURRENCE => (&mut line.occurrence, "Occurrence"),
            TAG_USER => (&mut line.user, "User"),
            TAG_OPTIONS => {
                let flags = value.first().copied().unwrap_or(0);
                line.save_in_sent = flags & OPTION_SAVE_IN_SENT != 0;
                line.accept_multipart = flags & OPTION_ACCEPT_MULTIPART != 0;
                continue;
            }
            _ => continue,
        };
        let value =
            String::from_utf8(value.to_vec()).map_err(|_| QueryError::InvalidUtf8(field))?;
        if slot.is_none() && !value.is_empty() {
            *slot = Some(value);
        }
    }
    validate(line)
}

/// The device id of the base64 form: the bytes as a string when they are all device-id
/// characters, else lowercase hex (a binary GUID).
fn device_id_from_bytes(bytes: &[u8]) -> String {
    if bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
    {
        bytes.iter().map(|&b| char::from(b)).collect()
    } else {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}

fn push_counted(out: &mut Vec<u8>, value: &[u8], field: &'static str) -> Result<(), QueryError> {
    let len = u8::try_from(value.len()).map_err(|_| QueryError::FieldTooLong(field))?;
    out.push(len);
    out.extend_from_slice(value);
    Ok(())
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self, field: &'static str) -> Result<u8, QueryError> {
        let b = *self
            .bytes
            .get(self.pos)
            .ok_or(QueryError::Truncated(field))?;
        self.pos += 1;
        Ok(b)
    }

    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], QueryError> {
        let end = self
            .pos
            .checked_add(n)
            .ok_or(QueryError::Truncated(field))?;
        let slice = self
            .bytes
            .get(self.pos..end)
            .ok_or(QueryError::Truncated(field))?;
        self.pos = end;
        Ok(slice)
    }

    fn is_at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_spec_example_plain_query_parses() {
        let line =
            RequestLine::parse("Cmd=Sync&User=rmjones&DeviceId=v140Device&DeviceType=SmartPhone")
                .expect("parses");
        assert_eq!(line.form, QueryForm::Plain);
        assert_eq!(line.command, Command::Sync);
        assert_eq!(line.user.as_deref(), Some("rmjones"));
        assert_eq!(line.device_id, "v140Device");
        assert_eq!(line.device_type, "SmartPhone");
        assert_eq!(line.protocol_version, None);
        assert_eq!(line.policy_key, None);
        assert!(!line.save_in_sent);
    }

    #[test]
    fn the_spec_example_base64_query_is_the_same_request() {
        // MS-ASHTTP 2.2.1.1.1: the two example URIs are equivalent.
        let line = RequestLine::parse("jAAJBAp2MTQwRGV2aWNlAApTbWFydFBob25l").expect("parses");
        assert_eq!(line.form, QueryForm::Base64);
        assert_eq!(line.command, Command::Sync);
        assert_eq!(line.protocol_version, Some(ProtocolVersion::V14_0));
        assert_eq!(line.locale, Some(0x0409));
        assert_eq!(line.device_id, "v140Device");
        assert_eq!(line.device_type, "SmartPhone");
        assert_eq!(line.policy_key, None);
        assert_eq!(line.user, None);
    }

    #[test]
    fn plain_values_are_percent_decoded_with_plus_as_space() {
        let line = RequestLine::parse(
            "?Cmd=SmartReply&User=DOMAIN%5Cjo+doe&DeviceId=abc&DeviceType=iPhone\
             &CollectionId=5&ItemId=5%3A12&SaveInSent=T",
        )
        .expect("parses");
        assert_eq!(line.user.as_deref(), Some("DOMAIN\\jo doe"));
        assert_eq!(line.item_id.as_deref(), Some("5:12"));
        assert_eq!(line.collection_id.as_deref(), Some("5"));
        assert!(line.save_in_sent);
    }

    #[test]
    fn plain_parameter_names_are_case_insensitive_and_unknown_ones_ignored() {
        let line = RequestLine::parse("cmd=Ping&deviceid=A1&devicetype=Android&Foo=bar&&x")
            .expect("parses");
        assert_eq!(line.command, Command::Ping);
        assert_eq!(line.device_id, "A1");
        assert_eq!(line.user, None);
    }

    #[test]
    fn a_policy_key_in_the_plain_query_is_read() {
        let line =
            RequestLine::parse("Cmd=Provision&User=u&DeviceId=d&DeviceType=t&PolicyKey=3942919513")
                .expect("parses");
        assert_eq!(line.policy_key, Some(3_942_919_513));
        let err = RequestLine::parse("Cmd=Provision&DeviceId=d&DeviceType=t&PolicyKey=x");
        assert_eq!(err, Err(QueryError::InvalidParameter("PolicyKey")));
    }

    #[test]
    fn unknown_and_missing_commands_are_told_apart() {
        assert_eq!(
            RequestLine::parse("Cmd=Teleport&DeviceId=d&DeviceType=t"),
            Err(QueryError::UnknownCommand("Teleport".into()))
        );
        assert_eq!(RequestLine::parse(""), Err(QueryError::Empty));
        assert_eq!(
            RequestLine::parse("Cmd=&DeviceId=d&DeviceType=t"),
            Err(QueryError::MissingCommand)
        );
    }

    #[test]
    fn device_ids_must_be_short_and_plain() {
        assert_eq!(
            RequestLine::parse("Cmd=Sync&DeviceType=t"),
            Err(QueryError::MissingDeviceId)
        );
        let err = RequestLine::parse("Cmd=Sync&DeviceId=a,b&DeviceType=t");
        assert_eq!(err, Err(QueryError::InvalidDeviceId("a,b".into())));
        let long = "a".repeat(MAX_DEVICE_ID_LEN + 1);
        assert!(RequestLine::parse(&format!("Cmd=Sync&DeviceId={long}&DeviceType=t")).is_err());
        let guid = "Cmd=Sync&DeviceId=6f24cad5-99a5-bf1a-6902-46b8c68fae8d&DeviceType=t";
        assert!(RequestLine::parse(guid).is_ok());
        assert_eq!(
            RequestLine::parse("Cmd=Sync&DeviceId=d").map(|_| ()),
            Err(QueryError::MissingDeviceType)
        );
        assert_eq!(
            QueryError::InvalidDeviceId(String::new()).common_status(),
            Some(CommonStatus::DeviceIdMissingOrInvalid)
        );
    }

    fn base64_bytes(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    #[test]
    fn base64_parameters_and_options_are_decoded() {
        let mut bytes = vec![161, 3, 0x07, 0x04, 3, b'd', b'e', b'v', 4];
        bytes.extend_from_slice(&7u32.to_le_bytes());
        bytes.extend_from_slice(&[6, b'i', b'P', b'h', b'o', b'n', b'e']);
        bytes.extend_from_slice(&[1, 1, b'5', 3, 4, b'5', b':', b'1', b'2']);
        bytes.extend_from_slice(&[2, 3, b'o', b'l', b'd']); // obsolete CollectionName
        bytes.extend_from_slice(&[7, 1, 0x03, 8, 2, b'j', b'o']);
        let line = RequestLine::parse(&base64_bytes(&bytes)).expect("parses");
        assert_eq!(line.command, Command::SmartReply);
        assert_eq!(line.locale, Some(0x0407));
        assert_eq!(line.policy_key, Some(7));
        assert_eq!(line.collection_id.as_deref(), Some("5"));
        assert_eq!(line.item_id.as_deref(), Some("5:12"));
        assert!(line.save_in_sent && line.accept_multipart);
        assert_eq!(line.user.as_deref(), Some("jo"));
    }

    #[test]
    fn a_plus_in_a_base64_query_is_data_and_percent_escapes_are_undone() {
        // A policy key chosen so that the encoding contains '+' and '/'.
        let mut line = RequestLine::new(Command::FolderSync, "dev1", "Android");
        line.form = QueryForm::Base64;
        line.protocol_version = Some(ProtocolVersion::V14_1);
        line.locale = Some(0x0409);
        let mut found = None;
        for key in 0..10_000u32 {
            line.policy_key = Some(key.wrapping_mul(2_654_435_761));
            let q = line.to_base64_query().expect("encodes");
            if q.contains('+') && q.contains('/') {
                found = Some(q);
                break;
            }
        }
        let query = found.expect("some key encodes with + and /");
        assert_eq!(RequestLine::parse(&query).as_ref(), Ok(&line));
        let escaped = query
            .replace('+', "%2B")
            .replace('/', "%2f")
            .replace('=', "%3D");
        assert_eq!(RequestLine::parse(&escaped).as_ref(), Ok(&line));
        let unpadded = query.trim_end_matches('=');
        assert_eq!(RequestLine::parse(unpadded).as_ref(), Ok(&line));
    }

    #[test]
    fn a_binary_base64_device_id_becomes_hex() {
        let mut bytes = vec![141, 9, 0x09, 0x04, 16];
        bytes.extend((0u8..16).map(|i| i.wrapping_mul(37)));
        bytes.extend_from_slice(&[0, 2, b'W', b'P']);
        let line = RequestLine::parse(&base64_bytes(&bytes)).expect("parses");
        assert_eq!(line.device_id, "00254a6f94b9de03284d7297bce1062b");
        assert_eq!(line.command, Command::FolderSync);
    }

    #[test]
    fn malformed_base64_queries_are_rejected_with_a_reason() {
        assert_eq!(RequestLine::parse("!!!"), Err(QueryError::InvalidBase64));
        assert_eq!(
            RequestLine::parse(&base64_bytes(&[141])),
            Err(QueryError::Truncated("Command code"))
        );
        assert_eq!(
            RequestLine::parse(&base64_bytes(&[25, 0, 9, 4])),
            Err(QueryError::UnsupportedProtocolVersion(25))
        );
        assert_eq!(
            RequestLine::parse(&base64_bytes(&[141, 7, 9, 4, 1, b'd', 0, 1, b't'])),
            Err(QueryError::UnknownCommand("7".into()))
        );
        assert_eq!(
            RequestLine::parse(&base64_bytes(&[141, 0, 9, 4, 0])),
            Err(QueryError::MissingDeviceId)
        );
        assert_eq!(
            RequestLine::parse(&base64_bytes(&[141, 0, 9, 4, 1, b'd', 2, 0, 0, 1, b't'])),
            Err(QueryError::InvalidPolicyKeyLength(2))
        );
        assert_eq!(
            RequestLine::parse(&base64_bytes(&[
                141, 0, 9, 4, 1, b'd', 0, 1, b't', 8, 5, b'x'
            ])),
            Err(QueryError::Truncated("parameter value"))
        );
    }

    #[test]
    fn fields_longer_than_255_bytes_cannot_be_base64_encoded() {
        let mut line = RequestLine::new(Command::Sync, "d", "t");
        line.user = Some("u".repeat(256));
        assert_eq!(
            line.to_base64_query(),
            Err(QueryError::FieldTooLong("User"))
        );
    }

    fn arb_text(max: usize) -> impl Strategy<Value = String> {
        proptest::string::string_regex(&format!("\\PC{{1,{max}}}"))
            .expect("regex")
            .prop_filter("fits a length byte", |s| s.len() <= 255)
    }

    fn arb_line(form: QueryForm) -> impl Strategy<Value = RequestLine> {
        let ids = (
            proptest::sample::select(Command::ALL.to_vec()),
            "[A-Za-z0-9]{1,32}",
            "[!-~]{1,40}",
            proptest::option::of(arb_text(40)),
            proptest::option::of(any::<u32>()),
        );
        let params = (
            proptest::option::of(arb_text(60)),
            proptest::option::of(arb_text(20)),
            proptest::option::of(arb_text(20)),
            proptest::option::of(arb_text(60)),
            proptest::option::of(arb_text(20)),
            any::<bool>(),
        );
        let extra = (
            proptest::sample::select(ProtocolVersion::ALL.to_vec()),
            any::<u16>(),
            any::<bool>(),
        );
        (ids, params, extra).prop_map(
            move |((command, device_id, device_type, user, policy_key), params, extra)| {
                let (attachment_name, collection_id, item_id, long_id, occurrence, save) = params;
                let (version, locale, multipart) = extra;
                let base64 = form == QueryForm::Base64;
                RequestLine {
                    form,
                    command,
                    user,
                    device_id,
                    device_type,
                    protocol_version: base64.then_some(version),
                    locale: base64.then_some(locale),
                    policy_key,
                    attachment_name,
                    collection_id,
                    item_id,
                    long_id,
                    occurrence,
                    save_in_sent: save,
                    accept_multipart: base64 && multipart,
                }
            },
        )
    }

    proptest! {
        #[test]
        fn base64_form_round_trips(line in arb_line(QueryForm::Base64)) {
            let query = line.to_base64_query().expect("encodes");
            prop_assert_eq!(RequestLine::parse(&query), Ok(line));
        }

        #[test]
        fn plain_form_round_trips(line in arb_line(QueryForm::Plain)) {
            let query = line.to_plain_query();
            prop_assert_eq!(RequestLine::parse(&query), Ok(line));
        }

        #[test]
        fn arbitrary_queries_never_panic(query in "\\PC{0,200}") {
            let _ = RequestLine::parse(&query);
        }

        #[test]
        fn arbitrary_base64_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            let _ = RequestLine::parse(&base64_bytes(&bytes));
        }
    }
}
