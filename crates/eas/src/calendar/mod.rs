//! The Calendar class (MS-ASCAL): the `ApplicationData` of an event as the server sends it in
//! a Sync Add, Change or Fetch, and as a device sends it in a Sync Add or Change.
//!
//! Every field is an `Option`: `None` is "element not sent", which in a device's Change is
//! either "unchanged" or "cleared" depending on ghosting (MS-ASCMD 2.2.3.179); lists that a
//! Change can send empty to clear are `Option<Vec<_>>`. Times are UTC unix seconds.
//!
//! Versions: `Body` is `airsyncbase:Body` (12.0+); `ResponseRequested`,
//! `AppointmentReplyTime`, `ResponseType` and `DisallowNewTimeProposal` are 14.0+;
//! `OnlineMeetingConfLink`/`ExternalLink` 14.1+; from 16.0 the location is
//! `airsyncbase:Location`, exceptions are named by `airsyncbase:InstanceId` instead of
//! `ExceptionStartTime`, the server's `UID` is read-only and a device names a new event by
//! `ClientUid` (MS-ASCAL 2.2.2.13, 2.2.2.49); `BusyStatus` 4 (working elsewhere) is 16.0+.

mod exception;
mod parts;

pub use exception::Exception;
pub use parts::{
    Attendee, AttendeeStatus, AttendeeType, BusyStatus, Location, MAX_CATEGORIES, MeetingStatus,
    ResponseType, Sensitivity,
};

use wbxml::{Element, tags::airsyncbase as asb, tags::calendar as cal};

use crate::airsyncbase::{Body, BodyType};
use crate::date::{format_utc_compact, parse_utc};
use crate::error::{ProtocolError, bool_text, parse_bool, parse_text, text_of};
use crate::recurrence::{Recurrence, RecurrencePage};
use crate::timezone::TimeZone;
use crate::version::ProtocolVersion;
use parts::{attendees_element, attendees_from, categories_element, categories_from};

/// The `ApplicationData` of a Calendar item (MS-ASCAL 2.2.2).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Calendar {
    pub timezone: Option<TimeZone>,
    pub all_day_event: Option<bool>,
    pub body: Option<Body>,
    pub busy_status: Option<BusyStatus>,
    pub organizer_name: Option<String>,
    pub organizer_email: Option<String>,
    pub dt_stamp: Option<i64>,
    pub end_time: Option<i64>,
    /// `calendar:Location` (< 16.0, the name only) or `airsyncbase:Location` (16.0+).
    pub location: Option<Location>,
    /// Minutes before the start.
    pub reminder: Option<u32>,
    pub sensitivity: Option<Sensitivity>,
    pub subject: Option<String>,
    pub start_time: Option<i64>,
    /// The event's UID: sent by the device before 16.0; from 16.0 sent by the server only.
    pub uid: Option<String>,
    /// 16.0+: the device's id for a new event (Add only).
    pub client_uid: Option<String>,
    pub meeting_status: Option<MeetingStatus>,
    pub attendees: Option<Vec<Attendee>>,
    pub categories: Option<Vec<String>>,
    pub recurrence: Option<Recurrence>,
    pub exceptions: Option<Vec<Exception>>,
    /// 14.0+.
    pub response_requested: Option<bool>,
    /// 14.0+.
    pub appointment_reply_time: Option<i64>,
    /// 14.0+.
    pub response_type: Option<ResponseType>,
    /// 14.0+.
    pub disallow_new_time_proposal: Option<bool>,
    /// 14.1+.
    pub online_meeting_conf_link: Option<String>,
    /// 14.1+.
    pub online_meeting_external_link: Option<String>,
    /// `airsyncbase:NativeBodyType`: the format the body is stored in.
    pub native_body_type: Option<BodyType>,
}

pub(crate) fn parse_time(el: &Element) -> Result<i64, ProtocolError> {
    let text = text_of(el)?;
    parse_utc(&text).ok_or(ProtocolError::Invalid {
        element: el.tag,
        value: text,
    })
}

/// An unsigned number, where an empty element is "none" (a `<Reminder/>` some clients send).
fn optional_number<T: std::str::FromStr>(el: &Element) -> Result<Option<T>, ProtocolError> {
    if el.is_empty() || text_of(el)?.trim().is_empty() {
        Ok(None)
    } else {
        parse_text(el).map(Some)
    }
}

impl Calendar {
    /// Reads a device's `ApplicationData` (or a server's, in tests). Unknown children are
    /// ignored; both location forms are read in every version.
    pub fn from_application_data(
        el: &Element,
        version: ProtocolVersion,
    ) -> Result<Calendar, ProtocolError> {
        let _ = version;
        let mut c = Calendar::default();
        for child in el.elements() {
            match child.tag {
                cal::TIMEZONE => {
                    let text = text_of(child)?;
                    c.timezone = Some(TimeZone::from_base64(text.trim()).map_err(|_| {
                        ProtocolError::Invalid {
                            element: child.tag,
                            value: text,
                        }
                    })?);
                }
                cal::ALL_DAY_EVENT => c.all_day_event = Some(parse_bool(child)?),
                asb::BODY => c.body = Some(Body::from_element(child)?),
                cal::BUSY_STATUS => c.busy_status = Some(BusyStatus::from_element(child)?),
                cal::ORGANIZER_NAME => c.organizer_name = Some(text_of(child)?),
                cal::ORGANIZER_EMAIL => c.organizer_email = Some(text_of(child)?),
                cal::DT_STAMP => c.dt_stamp = Some(parse_time(child)?),
                cal::END_TIME => c.end_time = Some(parse_time(child)?),
                cal::LOCATION | asb::LOCATION => c.location = Some(Location::from_element(child)?),
                cal::REMINDER => c.reminder = optional_number(child)?,
                cal::SENSITIVITY => c.sensitivity = Some(Sensitivity::from_element(child)?),
                cal::SUBJECT => c.subject = Some(text_of(child)?),
                cal::START_TIME => c.start_time = Some(parse_time(child)?),
                cal::UID => c.uid = Some(text_of(child)?),
                cal::CLIENT_UID => c.client_uid = Some(text_of(child)?),
                cal::MEETING_STATUS => c.meeting_status = Some(MeetingStatus::from_element(child)?),
                cal::ATTENDEES => c.attendees = Some(attendees_from(child)?),
                cal::CATEGORIES => c.categories = Some(categories_from(child)?),
                cal::RECURRENCE => c.recurrence = Some(Recurrence::from_element(child)?),
                cal::EXCEPTIONS => {
                    c.exceptions = Some(
                        child
                            .find_all(cal::EXCEPTION)
                            .map(Exception::from_element)
                            .collect::<Result<_, _>>()?,
                    )
                }
                cal::RESPONSE_REQUESTED => c.response_requested = Some(parse_bool(child)?),
                cal::APPOINTMENT_REPLY_TIME => c.appointment_reply_time = Some(parse_time(child)?),
                cal::RESPONSE_TYPE => c.response_type = Some(ResponseType::from_element(child)?),
                cal::DISALLOW_NEW_TIME_PROPOSAL => {
                    c.disallow_new_time_proposal = Some(parse_bool(child)?)
                }
                cal::ONLINE_MEETING_CONF_LINK => c.online_meeting_conf_link = Some(text_of(child)?),
                cal::ONLINE_MEETING_EXTERNAL_LINK => {
                    c.online_meeting_external_link = Some(text_of(child)?)
                }
                asb::NATIVE_BODY_TYPE => {
                    let code: u8 = parse_text(child)?;
                    c.native_body_type = BodyType::from_code(code);
                }
                _ => {}
            }
        }
        Ok(c)
    }

    /// The server's `ApplicationData` for a device of `version`, in the order of the
    /// Calendar.xsd property list, with only the elements that version defines.
    pub fn to_application_data(&self, version: ProtocolVersion) -> Element {
        let v14 = version >= ProtocolVersion::V14_0;
        let v141 = version >= ProtocolVersion::V14_1;
        let mut el = Element::new(wbxml::tags::airsync::APPLICATION_DATA);
        let text = |el: &mut Element, tag, v: &Option<String>| {
            if let Some(v) = v {
                el.push(Element::with_text(tag, v.as_str()));
            }
        };
        let time = |el: &mut Element, tag, v: Option<i64>| {
            if let Some(v) = v {
                el.push(Element::with_text(tag, format_utc_compact(v)));
            }
        };
        if let Some(tz) = &self.timezone {
            el.push(Element::with_text(cal::TIMEZONE, tz.to_base64()));
        }
        if let Some(a) = self.all_day_event {
            el.push(Element::with_text(cal::ALL_DAY_EVENT, bool_text(a)));
        }
        if let Some(b) = &self.body {
            el.push(b.to_element(version));
        }
        if let Some(b) = self.busy_status {
            el.push(Element::with_text(
                cal::BUSY_STATUS,
                b.for_version(version).code().to_string(),
            ));
        }
        text(&mut el, cal::ORGANIZER_NAME, &self.organizer_name);
        text(&mut el, cal::ORGANIZER_EMAIL, &self.organizer_email);
        time(&mut el, cal::DT_STAMP, self.dt_stamp);
        time(&mut el, cal::END_TIME, self.end_time);
        if let Some(l) = &self.location {
            el.push(l.to_element(version));
        }
        if let Some(r) = self.reminder {
            el.push(Element::with_text(cal::REMINDER, r.to_string()));
        }
        if let Some(s) = self.sensitivity {
            el.push(Element::with_text(cal::SENSITIVITY, s.code().to_string()));
        }
        text(&mut el, cal::SUBJECT, &self.subject);
        time(&mut el, cal::START_TIME, self.start_time);
        text(&mut el, cal::UID, &self.uid);
        if let Some(m) = self.meeting_status {
            el.push(Element::with_text(
                cal::MEETING_STATUS,
                m.code().to_string(),
            ));
        }
        if let Some(a) = &self.attendees
            && !a.is_empty()
        {
            el.push(attendees_element(a));
        }
        if let Some(c) = &self.categories
            && !c.is_empty()
        {
            el.push(categories_element(c));
        }
        if let Some(r) = &self.recurrence {
            el.push(r.to_element(RecurrencePage::Calendar, version));
        }
        if let Some(x) = &self.exceptions
            && !x.is_empty()
        {
            let mut list = Element::new(cal::EXCEPTIONS);
            for e in x {
                list.push(e.to_element(version));
            }
            el.push(list);
        }
        if v14 {
            if let Some(r) = self.response_requested {
                el.push(Element::with_text(cal::RESPONSE_REQUESTED, bool_text(r)));
            }
            time(
                &mut el,
                cal::APPOINTMENT_REPLY_TIME,
                self.appointment_reply_time,
            );
            if let Some(r) = self.response_type {
                el.push(Element::with_text(cal::RESPONSE_TYPE, r.code().to_string()));
            }
            if let Some(d) = self.disallow_new_time_proposal {
                el.push(Element::with_text(
                    cal::DISALLOW_NEW_TIME_PROPOSAL,
                    bool_text(d),
                ));
            }
        }
        if v141 {
            text(
                &mut el,
                cal::ONLINE_MEETING_CONF_LINK,
                &self.online_meeting_conf_link,
            );
            text(
                &mut el,
                cal::ONLINE_MEETING_EXTERNAL_LINK,
                &self.online_meeting_external_link,
            );
        }
        if let Some(n) = self.native_body_type {
            el.push(Element::with_text(
                asb::NATIVE_BODY_TYPE,
                n.code().to_string(),
            ));
        }
        el
    }
}
