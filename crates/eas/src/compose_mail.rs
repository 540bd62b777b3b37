//! Mail submission: SendMail, SmartReply and SmartForward (MS-ASCMD 2.2.1.17, 2.2.1.20,
//! 2.2.1.19), both request forms.
//!
//! - 14.0+ ([`crate::ProtocolVersion::sendmail_is_wbxml`]): a ComposeMail WBXML document,
//!   read with [`ComposeMailRequest::from_element`]. `ClientId` is required (2.2.3.28.1): the
//!   server remembers the recent ones and answers a repeat with 118 MessagePreviouslySent.
//! - 12.x: the body is the message itself (`message/rfc822`); `SaveInSent`, `ItemId`,
//!   `CollectionId`, `LongId` and `Occurrence` come from the query
//!   ([`ComposeMailRequest::from_query`]). There is no `ClientId`.
//!
//! Success, every version: HTTP 200 with an empty body (2.2.1.17, 2.2.1.19, 2.2.1.20: "If the
//! message was sent successfully, the server returns an empty response"; 2.2.3.177.14,
//! 2.2.3.177.16: "If the command succeeds, no XML body is returned"). No [`ComposeMailResponse`]
//! is sent then.
//!
//! Failure: 14.0+ gets HTTP 200 and `<SendMail><Status>N</Status></SendMail>` (or SmartReply,
//! SmartForward), N a common status (2.2.2); 12.x gets an HTTP status instead, 4xx or 5xx
//! (2.2.2: 400 for 101/103, 500 for 106 with SendMail, 507 for 113, ...; see
//! [`ComposeMailResponse::reply`] and [`CommonStatus::reply`]).
//!
//! The common statuses that concern these commands (MS-ASCMD 2.2.2):
//!
//! | code | name | when |
//! |---|---|---|
//! | 102, 103 | InvalidWBXML, InvalidXML | the document cannot be read |
//! | 104 | InvalidDateTime | SmartReply/SmartForward: an invalid `InstanceId` (2.2.1.19, 2.2.1.20) |
//! | 105 | InvalidCombinationOfIDs | `LongId` together with `FolderId`/`ItemId` (2.2.3.173) |
//! | 107 | InvalidMIME | the MIME cannot be parsed |
//! | 110, 111 | ServerError, ServerErrorRetryLater | |
//! | 113 | MailboxQuotaExceeded | saving to Sent Items |
//! | 115 | SendQuotaExceeded | |
//! | 116 | MessageRecipientUnresolved | a recipient is not an address |
//! | 117 | MessageReplyNotAllowed | SmartReply/SmartForward (2.2.3.177.16) |
//! | 118 | MessagePreviouslySent | the `ClientId` was used by a recent message |
//! | 119 | MessageHasNoRecipient | |
//! | 120 | MailSubmissionFailed | the server could not submit it |
//! | 121 | MessageReplyFailed | the server could not build the reply/forward |
//! | 122 | AttachmentIsTooLarge | |
//! | 150 | ItemNotFound | SmartReply/SmartForward: `ItemId` or `InstanceId` not found |
//! | 166, 167 | InvalidAccountId, AccountSendDisabled | `AccountId` (14.1+) |
//! | 171 | IRM_InvalidTemplateID | `rm:TemplateID` (14.1+) |
//! | 178 | InvalidMimeBodyCombination | SmartForward (16.0+): `Forwardees`/`Body` with `Mime`, `SaveInSentItems`, `ReplaceMime` or `TemplateID` |
//! | 179 | InvalidSmartForwardParameters | SmartForward (16.0+): `Forwardees` or `Body` cannot be parsed |

use wbxml::{
    Element, Tag, tags::airsyncbase as asb, tags::composemail as cm, tags::rightsmanagement as rm,
};

use crate::command::Command;
use crate::draft::DraftBody;
use crate::error::{ProtocolError, required, required_id, text_of};
use crate::query::RequestLine;
use crate::status::{CommonStatus, ErrorReply};
use crate::version::ProtocolVersion;

/// Which of the three submission commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ComposeKind {
    SendMail,
    SmartReply,
    SmartForward,
}

impl ComposeKind {
    pub const ALL: [ComposeKind; 3] = [
        ComposeKind::SendMail,
        ComposeKind::SmartReply,
        ComposeKind::SmartForward,
    ];

    pub fn command(self) -> Command {
        match self {
            ComposeKind::SendMail => Command::SendMail,
            ComposeKind::SmartReply => Command::SmartReply,
            ComposeKind::SmartForward => Command::SmartForward,
        }
    }

    pub fn from_command(command: Command) -> Option<ComposeKind> {
        ComposeKind::ALL
            .into_iter()
            .find(|k| k.command() == command)
    }

    /// The document element of the request and the response.
    pub fn root_tag(self) -> Tag {
        match self {
            ComposeKind::SendMail => cm::SEND_MAIL,
            ComposeKind::SmartReply => cm::SMART_REPLY,
            ComposeKind::SmartForward => cm::SMART_FORWARD,
        }
    }

    fn from_root_tag(tag: Tag) -> Option<ComposeKind> {
        ComposeKind::ALL.into_iter().find(|k| k.root_tag() == tag)
    }

    /// SmartReply and SmartForward name the message they answer (`Source`, required in the
    /// 14.0+ form: MS-ASCMD 2.2.3.173).
    pub fn has_source(self) -> bool {
        self != ComposeKind::SendMail
    }
}

/// The message a SmartReply or SmartForward answers (`Source`, MS-ASCMD 2.2.3.173; in 12.x the
/// `CollectionId`, `ItemId`, `LongId` and `Occurrence` query parameters).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Source {
    pub folder_id: Option<String>,
    pub item_id: Option<String>,
    /// A Search result instead of a synced item (MS-ASCMD 2.2.3.98.4).
    pub long_id: Option<String>,
    /// One occurrence of a recurring meeting (MS-ASCMD 2.2.3.92.2); absent: the whole series.
    pub instance_id: Option<String>,
}

impl Source {
    fn from_element(el: &Element) -> Result<Source, ProtocolError> {
        let id = |tag| {
            el.find(tag)
                .map(|e| text_of(e).map(|t| t.trim().to_owned()))
                .transpose()
        };
        Ok(Source {
            folder_id: id(cm::FOLDER_ID)?,
            item_id: id(cm::ITEM_ID)?,
            long_id: id(cm::LONG_ID)?,
            instance_id: id(cm::INSTANCE_ID)?,
        })
    }

    fn to_element(&self) -> Element {
        let mut el = Element::new(cm::SOURCE);
        let ids = [
            (cm::FOLDER_ID, &self.folder_id),
            (cm::ITEM_ID, &self.item_id),
            (cm::LONG_ID, &self.long_id),
            (cm::INSTANCE_ID, &self.instance_id),
        ];
        for (tag, value) in ids {
            if let Some(v) = value {
                el.push(Element::with_text(tag, v.as_str()));
            }
        }
        el
    }

    fn is_empty(&self) -> bool {
        self == &Source::default()
    }
}

/// A recipient of a forwarded meeting (`Forwardee`, 16.0+ SmartForward, MS-ASCMD 2.2.3.78).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Forwardee {
    pub email: String,
    pub name: Option<String>,
}

/// A SendMail, SmartReply or SmartForward request, from either form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComposeMailRequest {
    pub kind: ComposeKind,
    /// 14.0+: required, the idempotency key of the submission (MS-ASCMD 2.2.3.28.1: up to 40
    /// characters, unique per message). 12.x has none.
    pub client_id: Option<String>,
    /// 14.1+: send from this account (Settings UserInformation) instead of the primary one.
    pub account_id: Option<String>,
    /// Save a copy in Sent Items (`SaveInSentItems`; 12.x `SaveInSent=T`).
    pub save_in_sent_items: bool,
    /// SmartReply/SmartForward: `mime` is the whole message; do not append or attach the
    /// original (MS-ASCMD 2.2.3.148).
    pub replace_mime: bool,
    /// SmartReply/SmartForward: the original message.
    pub source: Option<Source>,
    /// The message as RFC 822 bytes (`Mime` arrives as OPAQUE or as a string). Empty only
    /// for a 16.0+ SmartForward of a meeting with `forwardees` or `body`.
    pub mime: Vec<u8>,
    /// 14.1+: `rm:TemplateID`, the rights-management template to protect the message with.
    pub template_id: Option<String>,
    /// 16.0+ SmartForward of a calendar item: the new recipients, instead of a MIME message.
    pub forwardees: Vec<Forwardee>,
    /// 16.0+ SmartForward of a calendar item: the text to add (`airsyncbase:Body`).
    pub body: Option<DraftBody>,
}

impl ComposeMailRequest {
    /// Reads the 14.0+ WBXML body; the kind comes from the document element. `ClientId` is
    /// required, `Source` too for SmartReply and SmartForward, and `Mime` unless a
    /// SmartForward carries `Forwardees` or `Body` (MS-ASCMD 2.2.3.169). Combinations the spec
    /// answers with a status of its own are left to [`ComposeMailRequest::problem`].
    pub fn from_element(el: &Element) -> Result<ComposeMailRequest, ProtocolError> {
        let kind =
            ComposeKind::from_root_tag(el.tag).ok_or(ProtocolError::WrongDocumentElement {
                expected: cm::SEND_MAIL,
                found: el.tag,
            })?;
        let client_id = Some(required_id(el, cm::CLIENT_ID)?);
        let source = if kind.has_source() {
            Some(Source::from_element(required(el, cm::SOURCE)?)?)
        } else {
            None
        };
        let mut forwardees = Vec::new();
        let mut body = None;
        if kind == ComposeKind::SmartForward {
            if let Some(list) = el.find(cm::FORWARDEES) {
                for f in list.find_all(cm::FORWARDEE) {
                    forwardees.push(Forwardee {
                        email: required_id(f, cm::FORWARDEE_EMAIL)?,
                        name: f.find(cm::FORWARDEE_NAME).map(text_of).transpose()?,
                    });
                }
            }
            body = el
                .find(asb::BODY)
                .map(DraftBody::from_element)
                .transpose()?;
        }
        let mime = match el.find(cm::MIME) {
            Some(m) => m.bytes().ok_or_else(|| ProtocolError::Invalid {
                element: cm::MIME,
                value: "child elements".to_owned(),
            })?,
            None if !forwardees.is_empty() || body.is_some() => Vec::new(),
            None => {
                return Err(ProtocolError::Missing {
                    element: cm::MIME,
                    parent: el.tag,
                });
            }
        };
        Ok(ComposeMailRequest {
            kind,
            client_id,
            account_id: el.find(cm::ACCOUNT_ID).map(text_of).transpose()?,
            // Empty elements: present means yes (ComposeMail.xsd `EmptyTag`).
            save_in_sent_items: el.find(cm::SAVE_IN_SENT_ITEMS).is_some(),
            replace_mime: el.find(cm::REPLACE_MIME).is_some(),
            source,
            mime,
            template_id: el.find(rm::TEMPLATE_ID).map(text_of).transpose()?,
            forwardees,
            body,
        })
    }

    /// Reads the 12.x form: `body` is the MIME message, the rest comes from the query
    /// (MS-ASHTTP 2.2.1.1.1.2: `SaveInSent`, `CollectionId`, `ItemId`, `LongId`,
    /// `Occurrence`). A SmartReply or SmartForward gets a `Source` when the query names one.
    pub fn from_query(kind: ComposeKind, line: &RequestLine, body: &[u8]) -> ComposeMailRequest {
        let source = Source {
            folder_id: line.collection_id.clone(),
            item_id: line.item_id.clone(),
            long_id: line.long_id.clone(),
            instance_id: line.occurrence.clone(),
        };
        ComposeMailRequest {
            kind,
            client_id: None,
            account_id: None,
            save_in_sent_items: line.save_in_sent,
            replace_mime: false,
            source: (kind.has_source() && !source.is_empty()).then_some(source),
            mime: body.to_vec(),
            template_id: None,
            forwardees: Vec::new(),
            body: None,
        }
    }

    /// A status the spec prescribes for this request before anything is sent, if any:
    /// 178 for a SmartForward whose `Forwardees` or `Body` comes with `Mime`,
    /// `SaveInSentItems`, `ReplaceMime` or `TemplateID` (MS-ASCMD 2.2.3.169), 105 for a
    /// `Source` with `LongId` and `FolderId` or `ItemId` (2.2.3.173).
    pub fn problem(&self) -> Option<CommonStatus> {
        let calendar_forward = !self.forwardees.is_empty() || self.body.is_some();
        if calendar_forward
            && (!self.mime.is_empty()
                || self.save_in_sent_items
                || self.replace_mime
                || self.template_id.is_some())
        {
            return Some(CommonStatus::InvalidMimeBodyCombination);
        }
        if let Some(s) = &self.source
            && s.long_id.is_some()
            && (s.folder_id.is_some() || s.item_id.is_some())
        {
            return Some(CommonStatus::InvalidCombinationOfIds);
        }
        None
    }

    /// The 14.0+ request document (for test clients), children in the order of the request
    /// schemas (MS-ASCMD 6.35-6.44; an `xs:all`). `Mime` is written as OPAQUE.
    pub fn to_element(&self) -> Element {
        let mut el = Element::new(self.kind.root_tag());
        if let Some(id) = &self.client_id {
            el.push(Element::with_text(cm::CLIENT_ID, id.as_str()));
        }
        if let Some(s) = &self.source {
            el.push(s.to_element());
        }
        if let Some(a) = &self.account_id {
            el.push(Element::with_text(cm::ACCOUNT_ID, a.as_str()));
        }
        if self.save_in_sent_items {
            el.push(Element::new(cm::SAVE_IN_SENT_ITEMS));
        }
        if self.replace_mime {
            el.push(Element::new(cm::REPLACE_MIME));
        }
        if !self.mime.is_empty() || (self.forwardees.is_empty() && self.body.is_none()) {
            el.push(Element::with_opaque(cm::MIME, self.mime.clone()));
        }
        if let Some(t) = &self.template_id {
            el.push(Element::with_text(rm::TEMPLATE_ID, t.as_str()));
        }
        if let Some(b) = &self.body {
            el.push(b.to_element());
        }
        if !self.forwardees.is_empty() {
            let mut list = Element::new(cm::FORWARDEES);
            for f in &self.forwardees {
                let mut fe = Element::new(cm::FORWARDEE);
                if let Some(n) = &f.name {
                    fe.push(Element::with_text(cm::FORWARDEE_NAME, n.as_str()));
                }
                fe.push(Element::with_text(cm::FORWARDEE_EMAIL, f.email.as_str()));
                list.push(fe);
            }
            el.push(list);
        }
        el
    }
}

/// A failed submission's answer. (A successful one has no body at all, see the module
/// documentation.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ComposeMailResponse {
    pub kind: ComposeKind,
    pub status: CommonStatus,
}

impl ComposeMailResponse {
    /// `<SendMail><Status>N</Status></SendMail>` (or SmartReply, SmartForward), the 14.0+
    /// failure body (SendMailResponse.xsd, SmartReplyResponse.xsd, SmartForwardResponse.xsd).
    pub fn to_element(&self) -> Element {
        Element::new(self.kind.root_tag()).text_child(cm::STATUS, self.status.code().to_string())
    }

    /// How to send this failure: the status in the body for 14.0+, an HTTP status for 12.x
    /// (MS-ASCMD 2.2.2).
    pub fn reply(&self, version: ProtocolVersion) -> ErrorReply {
        self.status.reply(self.kind.command(), version)
    }

    /// Reads a failure body (for test clients). A status that is not a common one is invalid.
    pub fn from_element(el: &Element) -> Result<ComposeMailResponse, ProtocolError> {
        let kind =
            ComposeKind::from_root_tag(el.tag).ok_or(ProtocolError::WrongDocumentElement {
                expected: cm::SEND_MAIL,
                found: el.tag,
            })?;
        let status_el = required(el, cm::STATUS)?;
        let code: u16 = crate::error::parse_text(status_el)?;
        let status = CommonStatus::from_code(code).ok_or_else(|| ProtocolError::Invalid {
            element: cm::STATUS,
            value: code.to_string(),
        })?;
        Ok(ComposeMailResponse { kind, status })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wbxml::tags::airsync as a;

    fn xml(doc: &str) -> Element {
        let tree = wbxml::from_xml(doc).expect("valid XML form");
        wbxml::decode(&wbxml::encode(&tree)).expect("decodes")
    }

    const MIME: &[u8] = b"To: jo@example.org\r\nSubject: Hi\r\n\r\nHello\r\n";

    fn smart_reply() -> ComposeMailRequest {
        ComposeMailRequest {
            kind: ComposeKind::SmartReply,
            client_id: Some("1734".into()),
            account_id: Some("2".into()),
            save_in_sent_items: true,
            replace_mime: true,
            source: Some(Source {
                folder_id: Some("5".into()),
                item_id: Some("5:12".into()),
                long_id: None,
                instance_id: Some("2026-11-22T10:00:00.000Z".into()),
            }),
            mime: MIME.to_vec(),
            template_id: Some("cf5cf348-a8d7-40d5-91ef-a600b88a395d".into()),
            forwardees: Vec::new(),
            body: None,
        }
    }

    #[test]
    fn commands_and_kinds_map_both_ways() {
        for k in ComposeKind::ALL {
            assert_eq!(ComposeKind::from_command(k.command()), Some(k));
        }
        assert_eq!(ComposeKind::from_command(Command::Sync), None);
    }

    #[test]
    fn a_request_round_trips_through_its_element() {
        for kind in ComposeKind::ALL {
            let mut req = smart_reply();
            req.kind = kind;
            if !kind.has_source() {
                req.source = None;
            }
            let el = wbxml::decode(&wbxml::encode(&req.to_element())).expect("decodes");
            assert_eq!(ComposeMailRequest::from_element(&el), Ok(req));
        }
    }

    #[test]
    fn mime_is_read_as_opaque_or_as_a_string() {
        let opaque = xml(
            r#"<SendMail xmlns="ComposeMail"><ClientId>1</ClientId><Mime encoding="base64">VG86IGpvQGV4YW1wbGUub3JnDQoNCkhp/w==</Mime></SendMail>"#,
        );
        let req = ComposeMailRequest::from_element(&opaque).expect("parses");
        assert_eq!(req.mime, b"To: jo@example.org\r\n\r\nHi\xff");
        assert!(!req.save_in_sent_items);
        let string = xml(
            "<SendMail xmlns=\"ComposeMail\"><ClientId>2</ClientId><SaveInSentItems/><Mime>To: jo@example.org&#13;\n&#13;\nHi</Mime></SendMail>",
        );
        let req = ComposeMailRequest::from_element(&string).expect("parses");
        assert_eq!(req.mime, b"To: jo@example.org\r\n\r\nHi");
        assert!(req.save_in_sent_items);
        assert_eq!(req.client_id.as_deref(), Some("2"));
    }

    #[test]
    fn a_missing_client_id_is_a_protocol_error() {
        let el = xml(r#"<SendMail xmlns="ComposeMail"><Mime>x</Mime></SendMail>"#);
        assert_eq!(
            ComposeMailRequest::from_element(&el),
            Err(ProtocolError::Missing {
                element: cm::CLIENT_ID,
                parent: cm::SEND_MAIL
            })
        );
    }

    #[test]
    fn a_smart_reply_without_source_or_mime_is_a_protocol_error() {
        let no_source = xml(
            r#"<SmartReply xmlns="ComposeMail"><ClientId>1</ClientId><Mime>x</Mime></SmartReply>"#,
        );
        assert_eq!(
            ComposeMailRequest::from_element(&no_source),
            Err(ProtocolError::Missing {
                element: cm::SOURCE,
                parent: cm::SMART_REPLY
            })
        );
        let no_mime = xml(
            r#"<SmartReply xmlns="ComposeMail"><ClientId>1</ClientId><Source><ItemId>5:1</ItemId></Source></SmartReply>"#,
        );
        assert!(matches!(
            ComposeMailRequest::from_element(&no_mime),
            Err(ProtocolError::Missing { element, .. }) if element == cm::MIME
        ));
        let sync = Element::new(a::SYNC);
        assert!(matches!(
            ComposeMailRequest::from_element(&sync),
            Err(ProtocolError::WrongDocumentElement { .. })
        ));
    }

    #[test]
    fn the_12_x_form_takes_the_mime_body_and_the_query_parameters() {
        let line = RequestLine::parse(
            "Cmd=SmartForward&User=jo&DeviceId=dev1&DeviceType=PocketPC&CollectionId=5&ItemId=5%3A12&Occurrence=2026-11-22T10%3A00%3A00.000Z&SaveInSent=T",
        )
        .expect("query");
        let req = ComposeMailRequest::from_query(ComposeKind::SmartForward, &line, MIME);
        assert_eq!(req.client_id, None);
        assert!(req.save_in_sent_items);
        assert_eq!(req.mime, MIME);
        assert_eq!(
            req.source,
            Some(Source {
                folder_id: Some("5".into()),
                item_id: Some("5:12".into()),
                long_id: None,
                instance_id: Some("2026-11-22T10:00:00.000Z".into()),
            })
        );
        let line = RequestLine::parse("Cmd=SendMail&User=jo&DeviceId=dev1&DeviceType=PocketPC")
            .expect("q");
        let req = ComposeMailRequest::from_query(ComposeKind::SendMail, &line, MIME);
        assert_eq!(req.source, None);
        assert!(!req.save_in_sent_items);
    }

    #[test]
    fn a_16_calendar_forward_needs_no_mime_and_may_not_combine_with_it() {
        let el = xml(
            r#"<SmartForward xmlns="ComposeMail"><ClientId>9</ClientId><Source><ItemId>3:4</ItemId></Source>
                 <Body xmlns="AirSyncBase"><Type>1</Type><Data>FYI</Data></Body>
                 <Forwardees><Forwardee><ForwardeeName>Al</ForwardeeName><ForwardeeEmail>al@example.org</ForwardeeEmail></Forwardee></Forwardees>
               </SmartForward>"#,
        );
        let req = ComposeMailRequest::from_element(&el).expect("parses");
        assert!(req.mime.is_empty());
        assert_eq!(
            req.forwardees,
            [Forwardee {
                email: "al@example.org".into(),
                name: Some("Al".into())
            }]
        );
        assert_eq!(req.problem(), None);
        let round = wbxml::decode(&wbxml::encode(&req.to_element())).expect("decodes");
        assert_eq!(ComposeMailRequest::from_element(&round), Ok(req.clone()));
        let mut combined = req;
        combined.save_in_sent_items = true;
        assert_eq!(
            combined.problem(),
            Some(CommonStatus::InvalidMimeBodyCombination)
        );
    }

    #[test]
    fn a_long_id_with_an_item_id_is_an_invalid_combination() {
        let mut req = smart_reply();
        req.source.as_mut().expect("source").long_id = Some("RgAAAA".into());
        assert_eq!(req.problem(), Some(CommonStatus::InvalidCombinationOfIds));
        assert_eq!(smart_reply().problem(), None);
    }

    #[test]
    fn a_failure_is_a_status_body_from_14_0_and_an_http_status_in_12_x() {
        let resp = ComposeMailResponse {
            kind: ComposeKind::SendMail,
            status: CommonStatus::MessagePreviouslySent,
        };
        let el = resp.to_element();
        assert_eq!(el.tag, cm::SEND_MAIL);
        assert_eq!(el.child_text(cm::STATUS).as_deref(), Some("118"));
        assert_eq!(ComposeMailResponse::from_element(&el), Ok(resp));
        assert_eq!(resp.reply(ProtocolVersion::V14_0), ErrorReply::Status(118));
        assert_eq!(resp.reply(ProtocolVersion::V12_1), ErrorReply::Http(500));
        let quota = ComposeMailResponse {
            kind: ComposeKind::SmartReply,
            status: CommonStatus::MailboxQuotaExceeded,
        };
        assert_eq!(quota.reply(ProtocolVersion::V12_0), ErrorReply::Http(507));
        assert_eq!(quota.to_element().tag, cm::SMART_REPLY);
    }
}
