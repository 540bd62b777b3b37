//! The Email class (MS-ASEMAIL): the `ApplicationData` of a message as the server sends it in a
//! Sync Add, Change or Fetch and an ItemOperations Fetch, and the flag-like changes a device
//! sends back (read state, follow-up flag, categories).
//!
//! Properties are written in the order Exchange uses, which is also the order of the property
//! lists in MS-ASEMAIL 2.2.2 (the schemas accept any order inside `ApplicationData`), and only
//! in the versions that define them.

use wbxml::{
    Element, tags::airsync as a, tags::email as em, tags::email2 as em2, tags::tasks as t,
};

use crate::airsyncbase::{Attachment, Body, BodyPart};
use crate::error::{ProtocolError, bool_text, parse_bool, parse_text, text_of};
use crate::meeting_request::MeetingRequest;
use crate::version::ProtocolVersion;

/// Most categories one message may carry (Email.xsd: `Category maxOccurs="300"`).
pub const MAX_CATEGORIES: usize = 300;

/// A follow-up flag (`email:Flag`, MS-ASEMAIL 2.2.2.34). The dates are `dateTime` text as
/// [`crate::date::format_utc`] writes it; `start_date`/`due_date` are local-time values the
/// device chose, the `utc_` ones the same instants in UTC.
/// Serializable so the gateway can keep what IMAP cannot (dates, reminder) between syncs.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Flag {
    /// [`Flag::CLEARED`], [`Flag::COMPLETE`] or [`Flag::ACTIVE`].
    pub status: Option<u8>,
    /// Free text, "Flag for follow up" by default on every client.
    pub flag_type: Option<String>,
    /// `tasks:StartDate`.
    pub start_date: Option<String>,
    pub utc_start_date: Option<String>,
    /// `tasks:DueDate`.
    pub due_date: Option<String>,
    pub utc_due_date: Option<String>,
    /// `tasks:DateCompleted`.
    pub date_completed: Option<String>,
    /// `email:CompleteTime`.
    pub complete_time: Option<String>,
    /// `tasks:ReminderSet`.
    pub reminder_set: Option<bool>,
    pub reminder_time: Option<String>,
    /// `tasks:OrdinalDate` and `tasks:SubOrdinalDate`: the device's sort keys, kept as sent.
    pub ordinal_date: Option<String>,
    pub sub_ordinal_date: Option<String>,
}

impl Flag {
    pub const CLEARED: u8 = 0;
    pub const COMPLETE: u8 = 1;
    pub const ACTIVE: u8 = 2;

    /// An active flag with the usual type text, as the server sends for `\Flagged` mail.
    pub fn active() -> Flag {
        Flag {
            status: Some(Flag::ACTIVE),
            flag_type: Some("Flag for follow up".to_owned()),
            ..Flag::default()
        }
    }

    /// Whether the flag is set and not complete.
    pub fn is_active(&self) -> bool {
        self.status == Some(Flag::ACTIVE)
    }

    /// Whether the flag is complete.
    pub fn is_complete(&self) -> bool {
        self.status == Some(Flag::COMPLETE)
    }

    /// Reads a `Flag` element with children (an empty one means "no flag", see
    /// [`EmailChange`]). Unknown children are ignored.
    pub fn from_element(el: &Element) -> Result<Flag, ProtocolError> {
        let mut flag = Flag::default();
        for child in el.elements() {
            let text = || text_of(child).map(Some);
            match child.tag {
                em::STATUS => {
                    let code: u8 = parse_text(child)?;
                    if code > Flag::ACTIVE {
                        return Err(ProtocolError::Invalid {
                            element: child.tag,
                            value: code.to_string(),
                        });
                    }
                    flag.status = Some(code);
                }
                em::FLAG_TYPE => flag.flag_type = text()?,
                em::COMPLETE_TIME => flag.complete_time = text()?,
                t::START_DATE => flag.start_date = text()?,
                t::UTC_START_DATE => flag.utc_start_date = text()?,
                t::DUE_DATE => flag.due_date = text()?,
                t::UTC_DUE_DATE => flag.utc_due_date = text()?,
                t::DATE_COMPLETED => flag.date_completed = text()?,
                t::REMINDER_SET => flag.reminder_set = Some(parse_bool(child)?),
                t::REMINDER_TIME => flag.reminder_time = text()?,
                t::ORDINAL_DATE => flag.ordinal_date = text()?,
                t::SUB_ORDINAL_DATE => flag.sub_ordinal_date = text()?,
                _ => {}
            }
        }
        Ok(flag)
    }

    /// The `Flag` element; with no field set it is `<Flag/>`, which clears a device's flag.
    /// Children in the order Exchange writes them (the schema is an `xs:all`).
    pub fn to_element(&self) -> Element {
        let mut el = Element::new(em::FLAG);
        if let Some(s) = self.status {
            el.push(Element::with_text(em::STATUS, s.to_string()));
        }
        let texts = [
            (em::FLAG_TYPE, &self.flag_type),
            (t::START_DATE, &self.start_date),
            (t::UTC_START_DATE, &self.utc_start_date),
            (t::DUE_DATE, &self.due_date),
            (t::UTC_DUE_DATE, &self.utc_due_date),
            (t::DATE_COMPLETED, &self.date_completed),
        ];
        for (tag, value) in texts {
            if let Some(v) = value {
                el.push(Element::with_text(tag, v.as_str()));
            }
        }
        if let Some(r) = self.reminder_set {
            el.push(Element::with_text(t::REMINDER_SET, bool_text(r)));
        }
        let texts = [
            (t::REMINDER_TIME, &self.reminder_time),
            (em::COMPLETE_TIME, &self.complete_time),
            (t::ORDINAL_DATE, &self.ordinal_date),
            (t::SUB_ORDINAL_DATE, &self.sub_ordinal_date),
        ];
        for (tag, value) in texts {
            if let Some(v) = value {
                el.push(Element::with_text(tag, v.as_str()));
            }
        }
        el
    }
}

/// A message as the device sees it: everything a Sync Add or Fetch (or ItemOperations Fetch)
/// carries in its `ApplicationData`. Address fields are RFC 5322 address lists as text
/// (`"Jo Doe" <jo@example.org>, ...`); dates are [`crate::date::format_utc`] text.
#[derive(Clone, Debug, PartialEq)]
pub struct EmailItem {
    /// The text properties below are left out when empty.
    pub to: String,
    pub cc: String,
    pub from: String,
    pub reply_to: String,
    pub subject: String,
    pub date_received: String,
    /// Display names of the To recipients, `;`-separated (MS-ASEMAIL 2.2.2.29).
    pub display_to: String,
    pub thread_topic: String,
    /// 0 low, 1 normal, 2 high.
    pub importance: u8,
    pub read: bool,
    /// `None` is written as `<Flag/>`: no flag.
    pub flag: Option<Flag>,
    /// `IPM.Note`, `IPM.Note.SMIME`, `IPM.Schedule.Meeting.Request`, ...
    pub message_class: String,
    /// The invitation or cancellation the message carries (MS-ASEMAIL 2.2.2.48), written
    /// after MessageClass.
    pub meeting_request: Option<MeetingRequest>,
    /// The code page of the body as sent (65001 for UTF-8, which is what the gateway sends).
    pub internet_cpid: u32,
    /// `urn:content-classes:message`.
    pub content_class: Option<String>,
    /// The body type the message has upstream: 1 plain, 2 HTML, 3 RTF.
    pub native_body_type: Option<u8>,
    /// 14.0+.
    pub categories: Vec<String>,
    /// 14.0+: 16 bytes identifying the conversation (OPAQUE).
    pub conversation_id: Option<Vec<u8>>,
    /// 14.0+: the message's position in the conversation (OPAQUE).
    pub conversation_index: Option<Vec<u8>>,
    /// 14.0+: 0 unknown, 1 replied to sender, 2 replied to all, 3 forwarded.
    pub last_verb_executed: Option<u8>,
    pub last_verb_execution_time: Option<String>,
    pub received_as_bcc: Option<bool>,
    /// 14.0+: the Sender header, when it differs from From.
    pub sender: Option<String>,
    /// 16.0+: the message is a draft.
    pub is_draft: Option<bool>,
    /// 16.0+: Bcc recipients, for drafts and sent items.
    pub bcc: Option<String>,
    pub body: Option<Body>,
    /// 14.1+: the conversation's message part.
    pub body_part: Option<BodyPart>,
    pub attachments: Vec<Attachment>,
}

impl Default for EmailItem {
    /// An empty, unread, normal-importance `IPM.Note` in UTF-8.
    fn default() -> EmailItem {
        EmailItem {
            to: String::new(),
            cc: String::new(),
            from: String::new(),
            reply_to: String::new(),
            subject: String::new(),
            date_received: String::new(),
            display_to: String::new(),
            thread_topic: String::new(),
            importance: 1,
            read: false,
            flag: None,
            message_class: "IPM.Note".to_owned(),
            meeting_request: None,
            internet_cpid: 65001,
            content_class: Some("urn:content-classes:message".to_owned()),
            native_body_type: None,
            categories: Vec::new(),
            conversation_id: None,
            conversation_index: None,
            last_verb_executed: None,
            last_verb_execution_time: None,
            received_as_bcc: None,
            sender: None,
            is_draft: None,
            bcc: None,
            body: None,
            body_part: None,
            attachments: Vec::new(),
        }
    }
}

fn push_text(el: &mut Element, tag: wbxml::Tag, value: &Option<String>) {
    if let Some(v) = value {
        el.push(Element::with_text(tag, v.as_str()));
    }
}

/// The flag, or `<Flag/>` for none.
pub(crate) fn flag_element(flag: Option<&Flag>) -> Element {
    flag.map_or_else(|| Element::new(em::FLAG), Flag::to_element)
}

pub(crate) fn categories_element(categories: &[String]) -> Element {
    let mut el = Element::new(em::CATEGORIES);
    for c in categories.iter().take(MAX_CATEGORIES) {
        el.push(Element::with_text(em::CATEGORY, c.as_str()));
    }
    el
}

impl EmailItem {
    /// The `airsync:ApplicationData` of a Sync Add or Fetch for a device of `version`.
    ///
    /// Order: To, Cc, From, Subject, ReplyTo, DateReceived, DisplayTo, ThreadTopic,
    /// Importance, Read, Attachments, Body, MessageClass, MeetingRequest, InternetCPID, Flag,
    /// ContentClass,
    /// NativeBodyType, then the 14.0+ Email2 properties and Categories, BodyPart (14.1+),
    /// IsDraft and Bcc (16.0+). Properties a version does not define are left out.
    pub fn to_application_data(&self, version: ProtocolVersion) -> Element {
        let mut el = Element::new(a::APPLICATION_DATA);
        let texts = [
            (em::TO, &self.to),
            (em::CC, &self.cc),
            (em::FROM, &self.from),
            (em::SUBJECT, &self.subject),
            (em::REPLY_TO, &self.reply_to),
            (em::DATE_RECEIVED, &self.date_received),
            (em::DISPLAY_TO, &self.display_to),
            (em::THREAD_TOPIC, &self.thread_topic),
        ];
        for (tag, value) in texts {
            if !value.is_empty() {
                el.push(Element::with_text(tag, value.as_str()));
            }
        }
        el.push(Element::with_text(
            em::IMPORTANCE,
            self.importance.to_string(),
        ));
        el.push(Element::with_text(em::READ, bool_text(self.read)));
        if let Some(list) = Attachment::list_element(&self.attachments) {
            el.push(list);
        }
        if let Some(body) = &self.body {
            el.push(body.to_element(version));
        }
        el.push(Element::with_text(
            em::MESSAGE_CLASS,
            self.message_class.as_str(),
        ));
        if let Some(m) = &self.meeting_request {
            el.push(m.to_element(version));
        }
        el.push(Element::with_text(
            em::INTERNET_CPID,
            self.internet_cpid.to_string(),
        ));
        el.push(flag_element(self.flag.as_ref()));
        push_text(&mut el, em::CONTENT_CLASS, &self.content_class);
        if let Some(n) = self.native_body_type {
            el.push(Element::with_text(
                wbxml::tags::airsyncbase::NATIVE_BODY_TYPE,
                n.to_string(),
            ));
        }
        if version.supports_email2() {
            if let Some(id) = &self.conversation_id {
                el.push(Element::with_opaque(em2::CONVERSATION_ID, id.clone()));
            }
            if let Some(ix) = &self.conversation_index {
                el.push(Element::with_opaque(em2::CONVERSATION_INDEX, ix.clone()));
            }
            self.push_last_verb(&mut el);
            if let Some(b) = self.received_as_bcc {
                el.push(Element::with_text(em2::RECEIVED_AS_BCC, bool_text(b)));
            }
            push_text(&mut el, em2::SENDER, &self.sender);
        }
        if version.supports_email_categories() && !self.categories.is_empty() {
            el.push(categories_element(&self.categories));
        }
        if let Some(part) = &self.body_part
            && version.supports_body_part()
        {
            el.push(part.to_element());
        }
        if version.supports_draft_sync() {
            if let Some(d) = self.is_draft {
                el.push(Element::with_text(em2::IS_DRAFT, bool_text(d)));
            }
            push_text(&mut el, em2::BCC, &self.bcc);
        }
        el
    }

    /// The `ApplicationData` of a server Change for a message whose flags changed upstream:
    /// Read, Flag (`<Flag/>` when cleared), and for 14.0+ Categories (empty when none, which
    /// clears the device's) and LastVerbExecuted/LastVerbExecutionTime when known. These are
    /// the properties a mail server changes on an existing message; everything else is
    /// immutable.
    pub fn to_change_data(&self, version: ProtocolVersion) -> Element {
        let mut el = Element::new(a::APPLICATION_DATA)
            .text_child(em::READ, bool_text(self.read))
            .child(flag_element(self.flag.as_ref()));
        if version.supports_email_categories() {
            el.push(categories_element(&self.categories));
        }
        if version.supports_email2() {
            self.push_last_verb(&mut el);
        }
        el
    }

    fn push_last_verb(&self, el: &mut Element) {
        if let Some(v) = self.last_verb_executed {
            el.push(Element::with_text(em2::LAST_VERB_EXECUTED, v.to_string()));
        }
        push_text(
            el,
            em2::LAST_VERB_EXECUTION_TIME,
            &self.last_verb_execution_time,
        );
    }
}

/// What a device changed on a message (the `ApplicationData` of a client Sync Change on the
/// Email class). Each field is `None` when the device did not send it, so that only what it
/// changed is written upstream.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EmailChange {
    pub read: Option<bool>,
    /// `Some(None)`: an empty `<Flag/>`, which clears the flag.
    pub flag: Option<Option<Flag>>,
    /// `Some(vec![])`: an empty `<Categories/>`, which removes every category.
    pub categories: Option<Vec<String>>,
}

impl EmailChange {
    /// Reads the Email properties a device may change. Other properties are ignored: a mail
    /// server cannot change them, and clients (iOS) resend some unchanged ones.
    pub fn from_application_data(el: &Element) -> Result<EmailChange, ProtocolError> {
        let mut change = EmailChange::default();
        for child in el.elements() {
            match child.tag {
                em::READ => change.read = Some(parse_bool(child)?),
                em::FLAG => {
                    change.flag = Some(if child.elements().next().is_none() {
                        None
                    } else {
                        Some(Flag::from_element(child)?)
                    });
                }
                em::CATEGORIES => {
                    let names = child
                        .find_all(em::CATEGORY)
                        .map(text_of)
                        .collect::<Result<Vec<_>, _>>()?;
                    change.categories = Some(names);
                }
                _ => {}
            }
        }
        Ok(change)
    }

    /// Whether the change carries nothing the gateway can apply.
    pub fn is_empty(&self) -> bool {
        self.read.is_none() && self.flag.is_none() && self.categories.is_none()
    }

    /// The `ApplicationData` element (for tests and test clients).
    pub fn to_application_data(&self) -> Element {
        let mut el = Element::new(a::APPLICATION_DATA);
        if let Some(r) = self.read {
            el.push(Element::with_text(em::READ, bool_text(r)));
        }
        if let Some(f) = &self.flag {
            el.push(flag_element(f.as_ref()));
        }
        if let Some(c) = &self.categories {
            el.push(categories_element(c));
        }
        el
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::airsyncbase::BodyType;

    fn names(el: &Element) -> Vec<&'static str> {
        el.elements().map(|e| e.tag.name()).collect()
    }

    fn item() -> EmailItem {
        EmailItem {
            to: "jo@example.org".into(),
            from: "\"Al\" <al@example.org>".into(),
            subject: "Hi".into(),
            date_received: crate::date::format_utc(1_795_341_600),
            display_to: "Jo".into(),
            thread_topic: "Hi".into(),
            flag: Some(Flag::active()),
            native_body_type: Some(2),
            categories: vec!["Red".into()],
            conversation_id: Some(vec![0xAB; 16]),
            conversation_index: Some(vec![1, 2, 3, 4, 5]),
            last_verb_executed: Some(1),
            sender: Some("list@example.org".into()),
            is_draft: Some(false),
            bcc: Some("b@example.org".into()),
            body: Some(Body::full(BodyType::Html, "<p>Hi</p>".into())),
            attachments: vec![Attachment {
                file_reference: "1:2:2".into(),
                display_name: "a.txt".into(),
                method: Attachment::BY_VALUE,
                estimated_data_size: 3,
                ..Default::default()
            }],
            ..EmailItem::default()
        }
    }

    #[test]
    fn twelve_x_gets_no_email2_categories_or_draft_properties() {
        let el = item().to_application_data(ProtocolVersion::V12_1);
        assert_eq!(
            names(&el),
            [
                "To",
                "From",
                "Subject",
                "DateReceived",
                "DisplayTo",
                "ThreadTopic",
                "Importance",
                "Read",
                "Attachments",
                "Body",
                "MessageClass",
                "InternetCPID",
                "Flag",
                "ContentClass",
                "NativeBodyType"
            ]
        );
    }

    #[test]
    fn fourteen_adds_email2_and_categories_and_sixteen_adds_drafts() {
        let el = item().to_application_data(ProtocolVersion::V14_0);
        let n = names(&el);
        assert!(n.ends_with(&[
            "NativeBodyType",
            "ConversationId",
            "ConversationIndex",
            "LastVerbExecuted",
            "Sender",
            "Categories"
        ]));
        let el = item().to_application_data(ProtocolVersion::V16_1);
        assert!(names(&el).ends_with(&["Categories", "IsDraft", "Bcc"]));
        assert_eq!(
            el.find(em2::CONVERSATION_ID).and_then(Element::bytes),
            Some(vec![0xAB; 16])
        );
    }

    #[test]
    fn change_data_carries_only_the_flag_like_properties() {
        let mut i = item();
        i.flag = None;
        i.categories.clear();
        let el = i.to_change_data(ProtocolVersion::V16_1);
        assert_eq!(
            names(&el),
            ["Read", "Flag", "Categories", "LastVerbExecuted"]
        );
        assert!(el.find(em::FLAG).is_some_and(Element::is_empty));
        assert!(el.find(em::CATEGORIES).is_some_and(Element::is_empty));
        let el = i.to_change_data(ProtocolVersion::V12_1);
        assert_eq!(names(&el), ["Read", "Flag"]);
    }

    #[test]
    fn a_flag_round_trips_through_its_element() {
        let flag = Flag {
            status: Some(Flag::COMPLETE),
            flag_type: Some("Flag for follow up".into()),
            start_date: Some("2026-11-22T00:00:00.000Z".into()),
            utc_start_date: Some("2026-11-21T23:00:00.000Z".into()),
            due_date: Some("2026-11-23T00:00:00.000Z".into()),
            utc_due_date: Some("2026-11-22T23:00:00.000Z".into()),
            date_completed: Some("2026-11-22T12:00:00.000Z".into()),
            complete_time: Some("2026-11-22T12:00:00.000Z".into()),
            reminder_set: Some(true),
            reminder_time: Some("2026-11-22T08:00:00.000Z".into()),
            ordinal_date: Some("2026-11-22T10:00:00.000Z".into()),
            sub_ordinal_date: Some("5555555".into()),
        };
        assert_eq!(Flag::from_element(&flag.to_element()), Ok(flag.clone()));
        assert!(flag.is_complete() && !flag.is_active());
        assert!(Flag::default().to_element().is_empty());
    }

    #[test]
    fn client_changes_distinguish_absent_from_empty() {
        let el = Element::new(a::APPLICATION_DATA)
            .text_child(em::READ, "1")
            .child(Element::new(em::FLAG))
            .child(Element::new(em::CATEGORIES));
        let change = EmailChange::from_application_data(&el).expect("parses");
        assert_eq!(change.read, Some(true));
        assert_eq!(change.flag, Some(None));
        assert_eq!(change.categories, Some(vec![]));
        assert_eq!(
            EmailChange::from_application_data(&change.to_application_data()),
            Ok(change)
        );

        let only_read = Element::new(a::APPLICATION_DATA).text_child(em::READ, "0");
        let change = EmailChange::from_application_data(&only_read).expect("parses");
        assert_eq!((change.flag, change.categories), (None, None));

        let flagged = Element::new(a::APPLICATION_DATA).child(
            Element::new(em::FLAG)
                .text_child(em::STATUS, "2")
                .text_child(em::FLAG_TYPE, "for follow up"),
        );
        let change = EmailChange::from_application_data(&flagged).expect("parses");
        assert!(change.flag.flatten().is_some_and(|f| f.is_active()));
        assert!(EmailChange::default().is_empty());
    }

    #[test]
    fn malformed_client_changes_are_protocol_errors() {
        let bad_read = Element::new(a::APPLICATION_DATA).text_child(em::READ, "yes");
        assert!(matches!(
            EmailChange::from_application_data(&bad_read),
            Err(ProtocolError::Invalid {
                element: em::READ,
                ..
            })
        ));
        let bad_status = Element::new(a::APPLICATION_DATA)
            .child(Element::new(em::FLAG).text_child(em::STATUS, "7"));
        assert!(EmailChange::from_application_data(&bad_status).is_err());
        let nested = Element::new(a::APPLICATION_DATA).child(
            Element::new(em::CATEGORIES)
                .child(Element::new(em::CATEGORY).child(Element::new(em::READ))),
        );
        assert!(EmailChange::from_application_data(&nested).is_err());
    }

    #[test]
    fn a_meeting_request_follows_the_message_class() {
        let mut i = item();
        i.message_class = "IPM.Schedule.Meeting.Request".into();
        i.meeting_request = Some(MeetingRequest {
            dt_stamp: 1_795_000_000,
            uid: "u".into(),
            ..MeetingRequest::default()
        });
        let n = names(&i.to_application_data(ProtocolVersion::V14_1));
        let at = n
            .iter()
            .position(|&t| t == "MessageClass")
            .expect("MessageClass");
        assert_eq!(n[at + 1..at + 3], ["MeetingRequest", "InternetCPID"]);
        assert!(
            !names(&item().to_application_data(ProtocolVersion::V14_1)).contains(&"MeetingRequest")
        );
    }

    #[test]
    fn at_most_300_categories_are_written() {
        let mut i = item();
        i.categories = (0..400).map(|n| n.to_string()).collect();
        let el = i.to_change_data(ProtocolVersion::V14_1);
        let cats = el.find(em::CATEGORIES).expect("Categories");
        assert_eq!(cats.find_all(em::CATEGORY).count(), MAX_CATEGORIES);
    }
}
