//! The `email:MeetingRequest` element of a message that invites the user to a meeting (or
//! cancels one): MS-ASEMAIL 2.2.2.48 and Email.xsd. The server writes it; devices show the
//! invitation from it and answer with the MeetingResponse command.
//!
//! Children in the schema's sequence: AllDayEvent, StartTime, DtStamp, EndTime, InstanceType,
//! Location (`email:Location` before 16.0, `airsyncbase:Location` from 16.0), Organizer,
//! RecurrenceId, Reminder, ResponseRequested, Recurrences, Sensitivity, BusyStatus, TimeZone,
//! then before 16.0 GlobalObjId, DisallowNewTimeProposal, email2:MeetingMessageType and from
//! 16.0 DisallowNewTimeProposal, email2:MeetingMessageType, calendar:UID,
//! meetingresponse:ProposedStartTime/ProposedEndTime (16.1), composemail:Forwardees.

mod global_obj_id;

pub use global_obj_id::{CLASS_ID, GlobalObjId};

use wbxml::{
    Element, tags::airsyncbase as asb, tags::calendar as cal, tags::composemail as cm,
    tags::email as em, tags::email2 as em2, tags::meetingresponse as mr,
};

use crate::date::{format_utc, format_utc_compact, parse_utc};
use crate::error::{ProtocolError, bool_text, parse_bool, parse_text, text_of};
use crate::recurrence::{Recurrence, RecurrencePage};
use crate::timezone::TimeZone;
use crate::version::ProtocolVersion;

/// Longest `calendar:UID` the schema accepts (MS-ASCAL 2.2.2.46).
pub const MAX_UID_CHARS: usize = 300;

/// Longest `email:Location` (MS-ASEMAIL 2.2.2.46).
pub const MAX_LOCATION_CHARS: usize = 32_768;

macro_rules! coded_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $code:literal,)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant = $code,)*
        }

        impl $name {
            pub fn code(self) -> u8 {
                self as u8
            }

            pub fn from_code(code: u8) -> Option<$name> {
                match code {
                    $($code => Some($name::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

coded_enum!(
    /// `InstanceType` (MS-ASEMAIL 2.2.2.39): what the invitation is about.
    InstanceType {
        /// A meeting that does not repeat.
        Single = 0,
        /// A recurring series (with `Recurrences`).
        Master = 1,
        /// One occurrence of a series, unchanged.
        Instance = 2,
        /// One occurrence of a series that differs from the pattern.
        Exception = 3,
        /// An occurrence whose series the user does not have.
        Orphan = 4,
    }
);

coded_enum!(
    /// `email2:MeetingMessageType` (MS-ASEMAIL 2.2.2.47), 14.1+; absent means `Silent`.
    MeetingMessageType {
        /// A silent update, or unspecified.
        Silent = 0,
        InitialRequest = 1,
        FullUpdate = 2,
        InformationalUpdate = 3,
        /// A newer request or update for the meeting arrived after this one.
        Outdated = 4,
        /// The delegator's copy of the request.
        DelegatorsCopy = 5,
        /// The request was delegated and must not be answered.
        Delegated = 6,
    }
);

/// `BusyStatus` (MS-ASEMAIL 2.2.2.14, absent means Busy) and `Sensitivity` (MS-ASEMAIL
/// 2.2.2.71, absent means Normal) have the Calendar class's values.
pub use crate::calendar::{BusyStatus, Location, Sensitivity};

/// Someone the organizer forwarded the invitation to (`composemail:Forwardee`, 16.0+).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Forwardee {
    pub name: Option<String>,
    pub email: String,
}

/// A meeting request or cancellation as the device receives it. Times are UTC unix seconds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MeetingRequest {
    pub all_day_event: Option<bool>,
    pub start_time: Option<i64>,
    /// When the organizer's copy was stamped (required).
    pub dt_stamp: i64,
    pub end_time: Option<i64>,
    pub instance_type: Option<InstanceType>,
    /// Written as `email:Location` (its display name, cut to [`MAX_LOCATION_CHARS`]) before
    /// 16.0 and as `airsyncbase:Location` from 16.0.
    pub location: Option<Location>,
    /// The organizer as an RFC 5322 address (`"Name" <addr>`).
    pub organizer: Option<String>,
    /// The original start of the occurrence the message is about.
    pub recurrence_id: Option<i64>,
    /// Seconds before the start (not minutes, as in the Calendar class).
    pub reminder: Option<u32>,
    pub response_requested: Option<bool>,
    /// The series' pattern (`Recurrences/Recurrence`; the schema allows exactly one).
    pub recurrence: Option<Recurrence>,
    pub sensitivity: Option<Sensitivity>,
    pub busy_status: Option<BusyStatus>,
    /// The zone the meeting was created in (required; UTC when unknown).
    pub time_zone: TimeZone,
    /// Written before 16.0 (required there); see [`GlobalObjId::from_uid`].
    pub global_obj_id: GlobalObjId,
    /// The iCalendar UID, written as `calendar:UID` from 16.0 (required there; cut to
    /// [`MAX_UID_CHARS`]).
    pub uid: String,
    pub disallow_new_time_proposal: Option<bool>,
    /// 14.1+.
    pub meeting_message_type: Option<MeetingMessageType>,
    /// 16.1+: a time an attendee proposed (in a counter-proposal notice).
    pub proposed_start_time: Option<i64>,
    pub proposed_end_time: Option<i64>,
    /// 16.0+.
    pub forwardees: Vec<Forwardee>,
}

fn cut(text: &str, max_chars: usize) -> &str {
    match text.char_indices().nth(max_chars) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

impl MeetingRequest {
    /// The `email:MeetingRequest` element for a device of `version`, children in the schema's
    /// order, only those the version defines. `EndTime` is written in every version (the
    /// MS-ASEMAIL table omits 12.1 and 14.0, but the schema and every Exchange release carry
    /// it, and a meeting without an end shows as a point in time).
    pub fn to_element(&self, version: ProtocolVersion) -> Element {
        let v16 = version >= ProtocolVersion::V16_0;
        let mut el = Element::new(em::MEETING_REQUEST);
        let mut push = |tag, text: String| el.push(Element::with_text(tag, text));
        if let Some(b) = self.all_day_event {
            push(em::ALL_DAY_EVENT, bool_text(b).to_owned());
        }
        if let Some(t) = self.start_time {
            push(em::START_TIME, format_utc(t));
        }
        push(em::DT_STAMP, format_utc(self.dt_stamp));
        if let Some(t) = self.end_time {
            push(em::END_TIME, format_utc(t));
        }
        if let Some(i) = self.instance_type {
            push(em::INSTANCE_TYPE, i.code().to_string());
        }
        if let Some(loc) = &self.location {
            if v16 {
                el.push(loc.to_element(version));
            } else {
                let name = loc.display_name.as_deref().unwrap_or_default();
                el.push(Element::with_text(
                    em::LOCATION,
                    cut(name, MAX_LOCATION_CHARS),
                ));
            }
        }
        let mut push = |tag, text: String| el.push(Element::with_text(tag, text));
        if let Some(o) = &self.organizer {
            push(em::ORGANIZER, o.clone());
        }
        if let Some(t) = self.recurrence_id {
            push(em::RECURRENCE_ID, format_utc(t));
        }
        if let Some(r) = self.reminder {
            // Email.xsd types Reminder as unsignedShort.
            push(em::REMINDER, r.min(u32::from(u16::MAX)).to_string());
        }
        if let Some(b) = self.response_requested {
            push(em::RESPONSE_REQUESTED, bool_text(b).to_owned());
        }
        if let Some(r) = &self.recurrence {
            el.push(Element::new(em::RECURRENCES).child(recurrence_element(r, version)));
        }
        let mut push = |tag, text: String| el.push(Element::with_text(tag, text));
        if let Some(s) = self.sensitivity {
            push(em::SENSITIVITY, s.code().to_string());
        }
        if let Some(b) = self.busy_status {
            push(em::BUSY_STATUS, b.for_version(version).code().to_string());
        }
        push(em::TIME_ZONE, self.time_zone.to_base64());
        if !v16 {
            push(em::GLOBAL_OBJ_ID, self.global_obj_id.to_base64());
        }
        if let Some(b) = self.disallow_new_time_proposal
            && version >= ProtocolVersion::V14_0
        {
            push(em::DISALLOW_NEW_TIME_PROPOSAL, bool_text(b).to_owned());
        }
        if let Some(t) = self.meeting_message_type
            && version >= ProtocolVersion::V14_1
        {
            push(em2::MEETING_MESSAGE_TYPE, t.code().to_string());
        }
        if v16 {
            push(cal::UID, cut(&self.uid, MAX_UID_CHARS).to_owned());
            if version >= ProtocolVersion::V16_1
                && let (Some(s), Some(e)) = (self.proposed_start_time, self.proposed_end_time)
            {
                push(mr::PROPOSED_START_TIME, format_utc_compact(s));
                push(mr::PROPOSED_END_TIME, format_utc_compact(e));
            }
            let forwardees: Vec<_> = self
                .forwardees
                .iter()
                .filter(|f| !f.email.is_empty())
                .collect();
            if !forwardees.is_empty() {
                let mut list = Element::new(cm::FORWARDEES);
                for f in forwardees {
                    let mut one = Element::new(cm::FORWARDEE)
                        .text_child(cm::FORWARDEE_EMAIL, f.email.as_str());
                    if let Some(n) = &f.name {
                        one.push(Element::with_text(cm::FORWARDEE_NAME, n.as_str()));
                    }
                    list.push(one);
                }
                el.push(list);
            }
        }
        el
    }

    /// Reads a `MeetingRequest` element (for tests and test clients). Tolerant: unknown
    /// children are ignored, both Location forms are read, a GlobalObjId that is not base64
    /// reads as empty; a malformed number, boolean or date is an error naming the element.
    pub fn from_element(el: &Element) -> Result<MeetingRequest, ProtocolError> {
        let mut m = MeetingRequest::default();
        for child in el.elements() {
            match child.tag {
                em::ALL_DAY_EVENT => m.all_day_event = Some(parse_bool(child)?),
                em::START_TIME => m.start_time = Some(date(child)?),
                em::DT_STAMP => m.dt_stamp = date(child)?,
                em::END_TIME => m.end_time = Some(date(child)?),
                em::INSTANCE_TYPE => m.instance_type = Some(coded(child, InstanceType::from_code)?),
                em::LOCATION => m.location = Some(Location::named(text_of(child)?)),
                asb::LOCATION => m.location = Some(Location::from_element(child)?),
                em::ORGANIZER => m.organizer = Some(text_of(child)?),
                em::RECURRENCE_ID => m.recurrence_id = Some(date(child)?),
                em::REMINDER => m.reminder = Some(parse_text(child)?),
                em::RESPONSE_REQUESTED => m.response_requested = Some(parse_bool(child)?),
                em::RECURRENCES => {
                    m.recurrence = child
                        .find(em::RECURRENCE)
                        .map(Recurrence::from_element)
                        .transpose()?;
                }
                em::SENSITIVITY => m.sensitivity = Some(coded(child, Sensitivity::from_code)?),
                em::BUSY_STATUS => m.busy_status = Some(coded(child, BusyStatus::from_code)?),
                em::TIME_ZONE => {
                    let text = text_of(child)?;
                    m.time_zone =
                        TimeZone::from_base64(&text).map_err(|_| ProtocolError::Invalid {
                            element: child.tag,
                            value: text,
                        })?;
                }
                em::GLOBAL_OBJ_ID => {
                    m.global_obj_id =
                        GlobalObjId::from_base64(&text_of(child)?).unwrap_or_default();
                }
                em::DISALLOW_NEW_TIME_PROPOSAL => {
                    m.disallow_new_time_proposal = Some(parse_bool(child)?);
                }
                em2::MEETING_MESSAGE_TYPE => {
                    m.meeting_message_type = Some(coded(child, MeetingMessageType::from_code)?);
                }
                cal::UID => m.uid = text_of(child)?,
                mr::PROPOSED_START_TIME => m.proposed_start_time = Some(date(child)?),
                mr::PROPOSED_END_TIME => m.proposed_end_time = Some(date(child)?),
                cm::FORWARDEES => {
                    for f in child.find_all(cm::FORWARDEE) {
                        m.forwardees.push(Forwardee {
                            name: f.find(cm::FORWARDEE_NAME).map(text_of).transpose()?,
                            email: f
                                .find(cm::FORWARDEE_EMAIL)
                                .map(text_of)
                                .transpose()?
                                .unwrap_or_default(),
                        });
                    }
                }
                _ => {}
            }
        }
        if m.uid.is_empty() && !m.global_obj_id.0.is_empty() {
            m.uid = m.global_obj_id.uid();
        }
        Ok(m)
    }
}

fn date(el: &Element) -> Result<i64, ProtocolError> {
    let text = text_of(el)?;
    parse_utc(&text).ok_or(ProtocolError::Invalid {
        element: el.tag,
        value: text,
    })
}

fn coded<T>(el: &Element, from_code: fn(u8) -> Option<T>) -> Result<T, ProtocolError> {
    let code: u8 = parse_text(el)?;
    from_code(code).ok_or(ProtocolError::Invalid {
        element: el.tag,
        value: code.to_string(),
    })
}

/// `email:Recurrence` (MS-ASEMAIL 2.2.2.60). `email2:CalendarType` is required in server
/// responses for the monthly and yearly types (MS-ASEMAIL 2.2.2.15), so it is written as 0
/// (default) when the pattern has none.
fn recurrence_element(r: &Recurrence, version: ProtocolVersion) -> Element {
    use crate::recurrence::RecurrenceType as T;
    let needs_calendar = matches!(
        r.kind,
        T::Monthly | T::MonthlyNth | T::Yearly | T::YearlyNth
    );
    if needs_calendar && r.calendar_type.is_none() {
        let mut r = r.clone();
        r.calendar_type = Some(0);
        r.to_element(RecurrencePage::Email, version)
    } else {
        r.to_element(RecurrencePage::Email, version)
    }
}

#[cfg(test)]
mod tests;
