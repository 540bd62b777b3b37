//! Meeting mail: the invitations and cancellations a user receives (iMIP, RFC 6047) as the
//! Email class's `MeetingRequest` (MS-ASEMAIL 2.2.2.48), the message class of such parts,
//! and the iMIP REPLY the user's answer sends to the organizer.
//!
//! The mapping decisions are in the crate README.

mod ics;
mod message;
mod reply;
mod request;

pub use message::reply_message;
pub use reply::imip_reply;
pub use request::meeting_request_with_losses;

use eas::ProtocolVersion;
use eas::meeting_request::MeetingRequest;

use crate::merge::ConvertError;

/// What [`meeting_request`] needs to know of the user and the device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeetingOptions {
    pub version: ProtocolVersion,
    /// The user's addresses (without `mailto:`), to find the user's ATTENDEE.
    pub user_addresses: Vec<String>,
    /// Now, UTC unix seconds (the DtStamp when the object has none).
    pub now: i64,
}

/// The MeetingRequest element for a text/calendar part (its decoded text): `Some` for
/// `METHOD:REQUEST` (new or updated invitation) and `METHOD:CANCEL`, `None` for other
/// methods (REPLY, COUNTER, PUBLISH...) and for objects without a VEVENT. What the element
/// cannot carry (an RRULE EAS cannot express, EXDATEs, RDATEs) is dropped; use
/// [`meeting_request_with_losses`] to learn of it.
pub fn meeting_request(
    ics: &str,
    opts: &MeetingOptions,
) -> Result<Option<MeetingRequest>, ConvertError> {
    Ok(meeting_request_with_losses(ics, opts)?.map(|(m, _)| m))
}

/// The answer of a user to an invitation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Response {
    Accepted,
    Tentative,
    Declined,
}

impl Response {
    /// The PARTSTAT value.
    pub fn partstat(self) -> &'static str {
        match self {
            Response::Accepted => "ACCEPTED",
            Response::Tentative => "TENTATIVE",
            Response::Declined => "DECLINED",
        }
    }

    /// The subject prefix Outlook and Exchange use ("Accepted: Planning").
    pub fn subject_prefix(self) -> &'static str {
        match self {
            Response::Accepted => "Accepted",
            Response::Tentative => "Tentative",
            Response::Declined => "Declined",
        }
    }

    /// The message class of a reply carrying this answer.
    pub fn message_class(self) -> &'static str {
        match self {
            Response::Accepted => "IPM.Schedule.Meeting.Resp.Pos",
            Response::Tentative => "IPM.Schedule.Meeting.Resp.Tent",
            Response::Declined => "IPM.Schedule.Meeting.Resp.Neg",
        }
    }

    /// The MeetingResponse command's `UserResponse` (MS-ASCMD 2.2.3.192: 1 accepted,
    /// 2 tentative, 3 declined).
    pub fn from_user_response(code: u8) -> Option<Response> {
        match code {
            1 => Some(Response::Accepted),
            2 => Some(Response::Tentative),
            3 => Some(Response::Declined),
            _ => None,
        }
    }
}

/// MessageClass for a text/calendar part of a message (`IPM.Schedule.Meeting.Request`,
/// `.Canceled`, `.Resp.Pos`, `.Resp.Tent`, `.Resp.Neg`), from METHOD and, for REPLY, the
/// replying attendee's PARTSTAT (the first ATTENDEE: a REPLY carries only the one replying).
/// `None` for other methods, other PARTSTATs, and text that is not iCalendar.
pub fn message_class(ics: &str) -> Option<&'static str> {
    use calcard::icalendar::{ICalendarParticipationStatus as P, ICalendarProperty};
    let ical = ics::parse(ics).ok()?;
    match ics::method(&ical)?.as_str() {
        "REQUEST" => Some("IPM.Schedule.Meeting.Request"),
        "CANCEL" => Some("IPM.Schedule.Meeting.Canceled"),
        "REPLY" => {
            let attendee = ics::events(&ical).into_iter().find_map(|i| {
                ics::find(&ical.components[i], &ICalendarProperty::Attendee).cloned()
            })?;
            match ics::partstat(&attendee) {
                P::Accepted => Some(Response::Accepted.message_class()),
                P::Tentative => Some(Response::Tentative.message_class()),
                P::Declined => Some(Response::Declined.message_class()),
                _ => None,
            }
        }
        _ => None,
    }
}
