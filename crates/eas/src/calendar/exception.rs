//! One `Exception` of a recurring event (MS-ASCAL 2.2.2.21): a deleted occurrence or one
//! whose properties differ from the series'. Omitted properties are the series' own.

use wbxml::{Element, tags::airsyncbase as asb, tags::calendar as cal};

use super::parse_time;
use super::parts::{
    Attendee, BusyStatus, Location, MeetingStatus, ResponseType, Sensitivity, attendees_element,
    attendees_from, categories_element, categories_from,
};
use crate::airsyncbase::Body;
use crate::date::{format_utc, format_utc_compact};
use crate::error::{ProtocolError, bool_text, parse_bool, parse_text, text_of};
use crate::version::ProtocolVersion;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Exception {
    pub deleted: Option<bool>,
    /// The occurrence's original start (< 16.0).
    pub exception_start_time: Option<i64>,
    /// The occurrence's original start (16.0+, `airsyncbase:InstanceId`).
    pub instance_id: Option<i64>,
    pub subject: Option<String>,
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
    pub body: Option<Body>,
    pub location: Option<Location>,
    pub categories: Option<Vec<String>>,
    pub sensitivity: Option<Sensitivity>,
    pub busy_status: Option<BusyStatus>,
    pub all_day_event: Option<bool>,
    pub reminder: Option<u32>,
    pub dt_stamp: Option<i64>,
    pub meeting_status: Option<MeetingStatus>,
    /// 14.0+.
    pub attendees: Option<Vec<Attendee>>,
    /// 14.0+.
    pub appointment_reply_time: Option<i64>,
    /// 14.0+.
    pub response_type: Option<ResponseType>,
    /// 14.1+.
    pub online_meeting_conf_link: Option<String>,
    /// 14.1+.
    pub online_meeting_external_link: Option<String>,
}

impl Exception {
    /// The original start of the occurrence, whichever element named it.
    pub fn original_start(&self) -> Option<i64> {
        self.instance_id.or(self.exception_start_time)
    }

    pub(crate) fn from_element(el: &Element) -> Result<Exception, ProtocolError> {
        let mut x = Exception::default();
        for child in el.elements() {
            match child.tag {
                cal::DELETED => x.deleted = Some(parse_bool(child)?),
                cal::EXCEPTION_START_TIME => x.exception_start_time = Some(parse_time(child)?),
                asb::INSTANCE_ID => x.instance_id = Some(parse_time(child)?),
                cal::SUBJECT => x.subject = Some(text_of(child)?),
                cal::START_TIME => x.start_time = Some(parse_time(child)?),
                cal::END_TIME => x.end_time = Some(parse_time(child)?),
                asb::BODY => x.body = Some(Body::from_element(child)?),
                cal::LOCATION | asb::LOCATION => x.location = Some(Location::from_element(child)?),
                cal::CATEGORIES => x.categories = Some(categories_from(child)?),
                cal::SENSITIVITY => x.sensitivity = Some(Sensitivity::from_element(child)?),
                cal::BUSY_STATUS => x.busy_status = Some(BusyStatus::from_element(child)?),
                cal::ALL_DAY_EVENT => x.all_day_event = Some(parse_bool(child)?),
                cal::REMINDER => {
                    x.reminder = if text_of(child)?.trim().is_empty() {
                        None
                    } else {
                        Some(parse_text(child)?)
                    }
                }
                cal::DT_STAMP => x.dt_stamp = Some(parse_time(child)?),
                cal::MEETING_STATUS => x.meeting_status = Some(MeetingStatus::from_element(child)?),
                cal::ATTENDEES => x.attendees = Some(attendees_from(child)?),
                cal::APPOINTMENT_REPLY_TIME => x.appointment_reply_time = Some(parse_time(child)?),
                cal::RESPONSE_TYPE => x.response_type = Some(ResponseType::from_element(child)?),
                cal::ONLINE_MEETING_CONF_LINK => x.online_meeting_conf_link = Some(text_of(child)?),
                cal::ONLINE_MEETING_EXTERNAL_LINK => {
                    x.online_meeting_external_link = Some(text_of(child)?)
                }
                _ => {}
            }
        }
        Ok(x)
    }

    /// Before 16.0 the occurrence is named by `ExceptionStartTime`, from 16.0 by
    /// `airsyncbase:InstanceId` (either field supplies it).
    pub(crate) fn to_element(&self, version: ProtocolVersion) -> Element {
        let v16 = version >= ProtocolVersion::V16_0;
        let mut el = Element::new(cal::EXCEPTION);
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
        if let Some(d) = self.deleted {
            el.push(Element::with_text(cal::DELETED, bool_text(d)));
        }
        if !v16 {
            time(&mut el, cal::EXCEPTION_START_TIME, self.original_start());
        }
        text(&mut el, cal::SUBJECT, &self.subject);
        time(&mut el, cal::START_TIME, self.start_time);
        time(&mut el, cal::END_TIME, self.end_time);
        if let Some(b) = &self.body {
            el.push(b.to_element(version));
        }
        if let Some(l) = &self.location {
            el.push(l.to_element(version));
        }
        if let Some(c) = &self.categories {
            el.push(categories_element(c));
        }
        if let Some(s) = self.sensitivity {
            el.push(Element::with_text(cal::SENSITIVITY, s.code().to_string()));
        }
        if let Some(b) = self.busy_status {
            el.push(Element::with_text(
                cal::BUSY_STATUS,
                b.for_version(version).code().to_string(),
            ));
        }
        if let Some(a) = self.all_day_event {
            el.push(Element::with_text(cal::ALL_DAY_EVENT, bool_text(a)));
        }
        if let Some(r) = self.reminder {
            el.push(Element::with_text(cal::REMINDER, r.to_string()));
        }
        time(&mut el, cal::DT_STAMP, self.dt_stamp);
        if v16 && let Some(i) = self.original_start() {
            el.push(Element::with_text(asb::INSTANCE_ID, format_utc(i)));
        }
        if let Some(m) = self.meeting_status {
            el.push(Element::with_text(
                cal::MEETING_STATUS,
                m.code().to_string(),
            ));
        }
        if version >= ProtocolVersion::V14_0 {
            if let Some(a) = &self.attendees
                && !a.is_empty()
            {
                el.push(attendees_element(a));
            }
            time(
                &mut el,
                cal::APPOINTMENT_REPLY_TIME,
                self.appointment_reply_time,
            );
            if let Some(r) = self.response_type {
                el.push(Element::with_text(cal::RESPONSE_TYPE, r.code().to_string()));
            }
        }
        if version >= ProtocolVersion::V14_1 {
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
        el
    }
}
