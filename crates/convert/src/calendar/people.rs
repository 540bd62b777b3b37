//! `ORGANIZER` and `ATTENDEE` <-> OrganizerName/Email, Attendees, MeetingStatus and the
//! user's own ResponseType.

use calcard::icalendar::{
    ICalendarParticipationRole, ICalendarParticipationStatus, ICalendarUserTypes,
};
use eas::calendar::{Attendee, AttendeeStatus, AttendeeType, MeetingStatus, ResponseType};

use super::CalendarOptions;
use crate::ical::strip_mailto;
use crate::ical::{
    self, ICalendarComponent, ICalendarEntry, ICalendarParameter, ICalendarParameterName,
    ICalendarParameterValue, ICalendarProperty, ICalendarValue,
};

pub(crate) fn address(entry: &ICalendarEntry) -> String {
    ical::entry_text(entry)
        .map(|t| strip_mailto(&t).to_owned())
        .unwrap_or_default()
}

fn cn(entry: &ICalendarEntry) -> Option<String> {
    ical::param_text(entry, &ICalendarParameterName::Cn).map(str::to_owned)
}

pub(crate) fn organizer(comp: &ICalendarComponent) -> Option<(String, Option<String>)> {
    ical::find(comp, &ICalendarProperty::Organizer).map(|e| (address(e), cn(e)))
}

pub(crate) fn attendee_entries(comp: &ICalendarComponent) -> impl Iterator<Item = &ICalendarEntry> {
    comp.entries
        .iter()
        .filter(|e| e.name == ICalendarProperty::Attendee)
}

fn partstat(entry: &ICalendarEntry) -> Option<&ICalendarParticipationStatus> {
    match ical::param(entry, &ICalendarParameterName::Partstat) {
        Some(ICalendarParameterValue::Partstat(p)) => Some(p),
        _ => None,
    }
}

/// PARTSTAT as AttendeeStatus: none or DELEGATED (and task states) 0, NEEDS-ACTION 5.
pub(crate) fn status_of(entry: &ICalendarEntry) -> AttendeeStatus {
    match partstat(entry) {
        Some(ICalendarParticipationStatus::Accepted) => AttendeeStatus::Accept,
        Some(ICalendarParticipationStatus::Declined) => AttendeeStatus::Decline,
        Some(ICalendarParticipationStatus::Tentative) => AttendeeStatus::Tentative,
        Some(ICalendarParticipationStatus::NeedsAction) => AttendeeStatus::NotResponded,
        _ => AttendeeStatus::ResponseUnknown,
    }
}

/// CUTYPE RESOURCE/ROOM 3, ROLE OPT-PARTICIPANT or NON-PARTICIPANT 2, else 1.
pub(crate) fn type_of(entry: &ICalendarEntry) -> AttendeeType {
    if matches!(
        ical::param(entry, &ICalendarParameterName::Cutype),
        Some(ICalendarParameterValue::Cutype(
            ICalendarUserTypes::Resource | ICalendarUserTypes::Room
        ))
    ) {
        return AttendeeType::Resource;
    }
    match ical::param(entry, &ICalendarParameterName::Role) {
        Some(ICalendarParameterValue::Role(
            ICalendarParticipationRole::OptParticipant | ICalendarParticipationRole::NonParticipant,
        )) => AttendeeType::Optional,
        _ => AttendeeType::Required,
    }
}

pub(crate) fn attendees(comp: &ICalendarComponent) -> Vec<Attendee> {
    attendee_entries(comp)
        .map(|e| Attendee {
            email: address(e),
            name: cn(e).unwrap_or_default(),
            status: Some(status_of(e)),
            kind: Some(type_of(e)),
        })
        .collect()
}

/// Whether the user organizes the event: no ORGANIZER, or one of the user's addresses.
pub(crate) fn user_organizes(comp: &ICalendarComponent, opts: &CalendarOptions) -> bool {
    organizer(comp).is_none_or(|(a, _)| opts.is_user(&a))
}

/// MeetingStatus: an appointment without ORGANIZER and ATTENDEE; else 1/5 when the user
/// organizes, 3/7 when invited (5 and 7 for STATUS:CANCELLED).
pub(crate) fn meeting_status(comp: &ICalendarComponent, opts: &CalendarOptions) -> MeetingStatus {
    let has_people = organizer(comp).is_some() || attendee_entries(comp).next().is_some();
    if !has_people {
        return MeetingStatus::Appointment;
    }
    let cancelled = matches!(
        ical::find(comp, &ICalendarProperty::Status).and_then(|e| e.values.first()),
        Some(ICalendarValue::Status(
            calcard::icalendar::ICalendarStatus::Cancelled
        ))
    );
    match (user_organizes(comp, opts), cancelled) {
        (true, false) => MeetingStatus::Meeting,
        (true, true) => MeetingStatus::Canceled,
        (false, false) => MeetingStatus::Received,
        (false, true) => MeetingStatus::ReceivedCanceled,
    }
}

/// The user's own attendee entry.
pub(crate) fn user_attendee<'a>(
    comp: &'a ICalendarComponent,
    opts: &CalendarOptions,
) -> Option<&'a ICalendarEntry> {
    attendee_entries(comp).find(|e| opts.is_user(&address(e)))
}

/// The user's response (14.0+): Organizer when the user organizes a meeting, else the user's
/// PARTSTAT (no entry or no PARTSTAT: NotResponded).
pub(crate) fn response_type(comp: &ICalendarComponent, opts: &CalendarOptions) -> ResponseType {
    if user_organizes(comp, opts) {
        return ResponseType::Organizer;
    }
    match user_attendee(comp, opts).map(status_of) {
        Some(AttendeeStatus::Accept) => ResponseType::Accepted,
        Some(AttendeeStatus::Decline) => ResponseType::Declined,
        Some(AttendeeStatus::Tentative) => ResponseType::Tentative,
        _ => ResponseType::NotResponded,
    }
}

fn param(name: ICalendarParameterName, value: ICalendarParameterValue) -> ICalendarParameter {
    ICalendarParameter { name, value }
}

fn mailto(email: &str) -> ICalendarValue {
    ICalendarValue::Uri(calcard::icalendar::Uri::Location(format!("mailto:{email}")))
}

/// Sets ORGANIZER (a new event's).
pub(crate) fn set_organizer(
    comp: &mut ICalendarComponent,
    email: &str,
    name: Option<&str>,
) -> bool {
    if organizer(comp).is_some_and(|(a, n)| {
        a.eq_ignore_ascii_case(email) && n.as_deref() == name.filter(|n| !n.is_empty())
    }) {
        return false;
    }
    ical::remove(comp, &ICalendarProperty::Organizer);
    let mut e = ical::entry(ICalendarProperty::Organizer, mailto(email));
    if let Some(n) = name.filter(|n| !n.is_empty()) {
        e.params.push(param(
            ICalendarParameterName::Cn,
            ICalendarParameterValue::Text(n.to_owned()),
        ));
    }
    comp.entries.push(e);
    true
}

fn apply_status(e: &mut ICalendarEntry, status: AttendeeStatus) -> bool {
    if status_of(e) == status {
        return false;
    }
    let p = match status {
        AttendeeStatus::Accept => ICalendarParticipationStatus::Accepted,
        AttendeeStatus::Decline => ICalendarParticipationStatus::Declined,
        AttendeeStatus::Tentative => ICalendarParticipationStatus::Tentative,
        AttendeeStatus::NotResponded => ICalendarParticipationStatus::NeedsAction,
        AttendeeStatus::ResponseUnknown => {
            return ical::remove_param(e, &ICalendarParameterName::Partstat);
        }
    };
    ical::set_param(
        e,
        ICalendarParameterName::Partstat,
        ICalendarParameterValue::Partstat(p),
    )
}

fn apply_type(e: &mut ICalendarEntry, kind: AttendeeType) -> bool {
    if type_of(e) == kind {
        return false;
    }
    let mut changed = false;
    if kind != AttendeeType::Resource {
        changed |= ical::remove_param(e, &ICalendarParameterName::Cutype);
    }
    changed |= match kind {
        AttendeeType::Required => ical::set_param(
            e,
            ICalendarParameterName::Role,
            ICalendarParameterValue::Role(ICalendarParticipationRole::ReqParticipant),
        ),
        AttendeeType::Optional => ical::set_param(
            e,
            ICalendarParameterName::Role,
            ICalendarParameterValue::Role(ICalendarParticipationRole::OptParticipant),
        ),
        AttendeeType::Resource => ical::set_param(
            e,
            ICalendarParameterName::Cutype,
            ICalendarParameterValue::Cutype(ICalendarUserTypes::Resource),
        ),
    };
    changed
}

/// Makes the ATTENDEEs the device's full list: surviving entries keep their parameters (CN,
/// ROLE, PARTSTAT updated only where the device's value differs from what they render to;
/// other people's PARTSTAT only when `may_set_status`), new ones are appended, missing ones
/// removed. Returns whether anything changed.
pub(crate) fn merge_attendees(
    comp: &mut ICalendarComponent,
    list: &[Attendee],
    may_set_status: bool,
    opts: &CalendarOptions,
) -> bool {
    let mut changed = false;
    let before = comp.entries.len();
    comp.entries.retain(|e| {
        e.name != ICalendarProperty::Attendee
            || list
                .iter()
                .any(|a| a.email.eq_ignore_ascii_case(&address(e)))
    });
    changed |= comp.entries.len() != before;
    for a in list {
        let found = comp.entries.iter_mut().find(|e| {
            e.name == ICalendarProperty::Attendee && a.email.eq_ignore_ascii_case(&address(e))
        });
        match found {
            Some(e) => {
                if !a.name.is_empty() && cn(e).as_deref() != Some(a.name.as_str()) {
                    changed |= ical::set_param(
                        e,
                        ICalendarParameterName::Cn,
                        ICalendarParameterValue::Text(a.name.clone()),
                    );
                }
                if let Some(k) = a.kind {
                    changed |= apply_type(e, k);
                }
                if let Some(s) = a.status
                    && (may_set_status || opts.is_user(&a.email))
                {
                    changed |= apply_status(e, s);
                }
            }
            None => {
                let mut e = ical::entry(ICalendarProperty::Attendee, mailto(&a.email));
                if !a.name.is_empty() {
                    e.params.push(param(
                        ICalendarParameterName::Cn,
                        ICalendarParameterValue::Text(a.name.clone()),
                    ));
                }
                apply_type(&mut e, a.kind.unwrap_or(AttendeeType::Required));
                if let Some(s) = a.status {
                    apply_status(&mut e, s);
                }
                comp.entries.push(e);
                changed = true;
            }
        }
    }
    changed
}
