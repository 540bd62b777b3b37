//! An invitation or cancellation (METHOD:REQUEST / CANCEL) as the `MeetingRequest` element.

use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarParameterName, ICalendarParameterValue,
    ICalendarProperty as P, ICalendarTransparency, ICalendarValue,
};
use chrono::Datelike as _;
use eas::meeting_request::{
    BusyStatus, GlobalObjId, InstanceType, Location, MeetingMessageType, MeetingRequest,
    Sensitivity,
};
use eas::timezone::TimeZone;

use super::MeetingOptions;
use super::ics;
use crate::ical::When;
use crate::merge::{ConvertError, Loss};
use crate::timezone::Zone;

/// Like [`super::meeting_request`], with what the element could not carry.
pub fn meeting_request_with_losses(
    text: &str,
    opts: &MeetingOptions,
) -> Result<Option<(MeetingRequest, Vec<Loss>)>, ConvertError> {
    let ical = ics::parse(text)?;
    let cancel = match ics::method(&ical).as_deref() {
        Some("REQUEST") => false,
        Some("CANCEL") => true,
        _ => return Ok(None),
    };
    let events = ics::events(&ical);
    // The series (or single meeting) when the object has one; else the one occurrence it is
    // about (an update or cancellation of one occurrence carries only that override).
    let Some(&idx) = events
        .iter()
        .find(|&&i| ics::find(&ical.components[i], &P::RecurrenceId).is_none())
        .or(events.first())
    else {
        return Ok(None);
    };
    let ev = &ical.components[idx];
    let mut losses = Vec::new();

    let start = ics::find(ev, &P::Dtstart).and_then(|e| ics::when_of(&ical, e));
    let end = end_of(&ical, ev, start.as_ref());
    let recurrence_id = ics::find(ev, &P::RecurrenceId).and_then(|e| ics::when_of(&ical, e));
    let all_day = start.as_ref().is_some_and(|s| s.date_only)
        || ics::find_other(ev, "X-MICROSOFT-CDO-ALLDAYEVENT")
            .and_then(ics::entry_text)
            .is_some_and(|t| t.eq_ignore_ascii_case("TRUE"));
    let zone = start.as_ref().and_then(|s| s.zone.clone());
    let year = start
        .as_ref()
        .map_or_else(|| Zone::UTC.to_local(opts.now).year(), |s| s.local.year());

    let uid = ev.uid().unwrap_or_default().to_owned();
    let mut global_obj_id = GlobalObjId::from_uid(&uid);
    if let Some(r) = &recurrence_id {
        let d = r.local.date();
        global_obj_id = global_obj_id.with_instance_date(
            u16::try_from(d.year()).unwrap_or(0),
            d.month() as u8,
            d.day() as u8,
        );
    }

    let recurrence = match (&start, ics::find(ev, &P::Rrule)) {
        (Some(s), Some(rule)) if recurrence_id.is_none() => match series_pattern(rule, s) {
            Ok(r) => Some(r),
            Err(loss) => {
                losses.push(loss);
                None
            }
        },
        _ => None,
    };
    for (prop, name) in [(P::Rdate, "RDATE"), (P::Exdate, "EXDATE")] {
        if recurrence_id.is_none() && ics::find(ev, &prop).is_some() {
            losses.push(Loss::new(
                name,
                "a MeetingRequest has no exceptions or extra dates",
            ));
        }
    }
    let is_recurring = ics::find(ev, &P::Rrule).is_some() || ics::find(ev, &P::Rdate).is_some();
    let instance_type = if recurrence_id.is_some() {
        InstanceType::Exception
    } else if is_recurring {
        InstanceType::Master
    } else {
        InstanceType::Single
    };

    let user = ics::attendee_of(ev, &opts.user_addresses);
    let rsvp = user.is_some_and(|a| {
        matches!(
            a.parameter(&ICalendarParameterName::Rsvp),
            Some(ICalendarParameterValue::Bool(true))
        ) || ics::param_text(a, &ICalendarParameterName::Rsvp)
            .is_some_and(|t| t.eq_ignore_ascii_case("TRUE"))
    });
    let sequence = ics::find(ev, &P::Sequence)
        .and_then(|e| e.values.first())
        .and_then(ICalendarValue::as_integer)
        .unwrap_or(0);

    let m = MeetingRequest {
        all_day_event: Some(all_day),
        start_time: start.as_ref().map(|s| s.to_utc(&Zone::UTC)),
        dt_stamp: ics::find(ev, &P::Dtstamp)
            .and_then(|e| ics::when_of(&ical, e))
            .map_or(opts.now, |d| d.to_utc(&Zone::UTC)),
        end_time: end,
        instance_type: Some(instance_type),
        location: ics::text(ev, &P::Location)
            .filter(|l| !l.trim().is_empty())
            .map(Location::named),
        organizer: ics::find(ev, &P::Organizer).and_then(organizer_text),
        recurrence_id: recurrence_id.as_ref().map(|r| r.to_utc(&Zone::UTC)),
        reminder: reminder_seconds(&ical, idx),
        response_requested: Some(!cancel && rsvp),
        recurrence,
        sensitivity: sensitivity(ev),
        busy_status: Some(if cancel {
            BusyStatus::Free
        } else {
            busy_status(ev)
        }),
        time_zone: zone
            .as_ref()
            .map_or_else(TimeZone::utc, |z| zone_blob(z, year)),
        global_obj_id,
        uid,
        disallow_new_time_proposal: ics::find_other(ev, "X-MICROSOFT-DISALLOW-COUNTER")
            .and_then(ics::entry_text)
            .map(|t| t.trim().eq_ignore_ascii_case("TRUE")),
        meeting_message_type: Some(if cancel {
            MeetingMessageType::Silent
        } else if sequence > 0 {
            MeetingMessageType::FullUpdate
        } else {
            MeetingMessageType::InitialRequest
        }),
        proposed_start_time: None,
        proposed_end_time: None,
        forwardees: Vec::new(),
    };
    Ok(Some((m, losses)))
}

/// DTEND, else DTSTART + DURATION, else the end RFC 5545 3.6.1 implies (a day after a date,
/// the start itself for a date-time).
fn end_of(ical: &ICalendar, ev: &ICalendarComponent, start: Option<&When>) -> Option<i64> {
    if let Some(end) = ics::find(ev, &P::Dtend).and_then(|e| ics::when_of(ical, e)) {
        return Some(end.to_utc(&Zone::UTC));
    }
    let start = start?;
    if let Some(d) = ics::find(ev, &P::Duration).and_then(ics::duration_seconds) {
        return Some(start.to_utc(&Zone::UTC) + d);
    }
    Some(if start.date_only {
        start.to_utc(&Zone::UTC) + 86_400
    } else {
        start.to_utc(&Zone::UTC)
    })
}

/// `"CN" <address>` of an ORGANIZER (the address alone without CN).
fn organizer_text(e: &calcard::icalendar::ICalendarEntry) -> Option<String> {
    let addr = ics::address(e).filter(|a| !a.is_empty())?;
    Some(
        match ics::param_text(e, &ICalendarParameterName::Cn)
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            Some(name) => {
                let quoted = name.replace('\\', "\\\\").replace('"', "\\\"");
                format!("\"{quoted}\" <{addr}>")
            }
            None => addr.to_owned(),
        },
    )
}

/// The reminder ([`crate::ical::reminder`]: the first DISPLAY or AUDIO alarm before the
/// start) in seconds. An alarm at an absolute time is not a reminder EAS can carry.
fn reminder_seconds(ical: &ICalendar, idx: usize) -> Option<u32> {
    match crate::ical::reminder(ical, idx)? {
        crate::ical::Reminder::Minutes(m) => Some(m.saturating_mul(60)),
        crate::ical::Reminder::Absolute(_) => None,
    }
}

/// CLASS as [`crate::ical::sensitivity`] reads it; none when there is no CLASS.
fn sensitivity(ev: &ICalendarComponent) -> Option<Sensitivity> {
    crate::ical::sensitivity(ev).and_then(Sensitivity::from_code)
}

/// X-MICROSOFT-CDO-INTENDEDSTATUS (what the organizer wants attendees to show), else TRANSP
/// (TRANSPARENT free, OPAQUE or none busy).
fn busy_status(ev: &ICalendarComponent) -> BusyStatus {
    let intended = ics::find_other(ev, "X-MICROSOFT-CDO-INTENDEDSTATUS").and_then(ics::entry_text);
    match intended.as_deref().map(str::trim) {
        Some(s) if s.eq_ignore_ascii_case("FREE") => return BusyStatus::Free,
        Some(s) if s.eq_ignore_ascii_case("TENTATIVE") => return BusyStatus::Tentative,
        Some(s) if s.eq_ignore_ascii_case("BUSY") => return BusyStatus::Busy,
        Some(s) if s.eq_ignore_ascii_case("OOF") => return BusyStatus::OutOfOffice,
        Some(s) if s.eq_ignore_ascii_case("WORKINGELSEWHERE") => {
            return BusyStatus::WorkingElsewhere;
        }
        _ => {}
    }
    match ics::find(ev, &P::Transp).and_then(|e| e.values.first()) {
        Some(ICalendarValue::Transparency(ICalendarTransparency::Transparent)) => BusyStatus::Free,
        _ => BusyStatus::Busy,
    }
}

/// The EAS pattern of the series' RRULE.
fn series_pattern(
    rule: &calcard::icalendar::ICalendarEntry,
    start: &When,
) -> Result<eas::recurrence::Recurrence, Loss> {
    let Some(ICalendarValue::RecurrenceRule(rrule)) = rule.values.first() else {
        return Err(Loss::new("RRULE", "unreadable"));
    };
    let series = crate::recurrence::SeriesStart {
        local: start.local,
        all_day: start.date_only,
    };
    crate::recurrence::from_rrule(rrule, &series, start.zone.as_ref().unwrap_or(&Zone::UTC))
}

/// The TimeZone blob of the event's zone for `year`.
fn zone_blob(zone: &Zone, year: i32) -> TimeZone {
    zone.to_eas(year)
}
