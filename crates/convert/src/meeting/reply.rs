//! The iMIP REPLY (RFC 5546 3.2.3, RFC 6047) of an attendee answering an invitation.

use calcard::common::PartialDateTime;
use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarEntry, ICalendarParameterName as N,
    ICalendarParameterValue, ICalendarParticipationStatus, ICalendarProperty as P, ICalendarValue,
};

use super::Response;
use super::ics;
use crate::ical::{When, entry, remove_param, set_param};
use crate::merge::ConvertError;
use crate::timezone::Zone;

/// The PRODID of the objects the gateway writes.
const PRODID: &str = "-//airgate//meeting reply//EN";

/// The iMIP REPLY for `attendee` answering the invitation (or stored event) `ics`:
/// `METHOD:REPLY` and one VEVENT reduced to UID, SEQUENCE, DTSTAMP (now), DTSTART,
/// DTEND/DURATION, RECURRENCE-ID, ORGANIZER, SUMMARY and only that ATTENDEE with the new
/// PARTSTAT (RSVP and SCHEDULE-STATUS dropped, other parameters kept), COMMENT if given, plus
/// the VTIMEZONEs those properties reference.
///
/// With `instance` (the UTC original start of one occurrence) the VEVENT is that occurrence's:
/// the object's override for it when there is one, else the series' properties moved to that
/// occurrence, with RECURRENCE-ID in the form of the series' DTSTART. Without it, the series
/// (or the single meeting) is answered.
///
/// Err(`NoComponent("VEVENT")`) for an object without VEVENT; Err(`NotInvited`)
/// when `attendee` (compared case-insensitively, `mailto:` ignored) is not invited.
pub fn imip_reply(
    ics: &str,
    attendee: &str,
    response: Response,
    comment: Option<&str>,
    instance: Option<i64>,
    now: i64,
) -> Result<String, ConvertError> {
    let ical = ics::parse(ics)?;
    let events = ics::events(&ical);
    let master = events
        .iter()
        .copied()
        .find(|&i| ics::find(&ical.components[i], &P::RecurrenceId).is_none())
        .or(events.first().copied())
        .ok_or(ConvertError::NoComponent("VEVENT"))?;
    let master_c = &ical.components[master];
    let target = instance.and_then(|t| {
        events.iter().copied().find(|&i| {
            ics::find(&ical.components[i], &P::RecurrenceId)
                .and_then(|e| ics::when_of(&ical, e))
                .is_some_and(|r| r.to_utc(&Zone::UTC) == t)
        })
    });
    let source = &ical.components[target.unwrap_or(master)];
    let me = [attendee.to_owned()];
    let attendee_entry = ics::attendee_of(source, &me)
        .or_else(|| ics::attendee_of(master_c, &me))
        .ok_or(ConvertError::NotInvited)?;

    let mut props: Vec<ICalendarEntry> = Vec::new();
    let keep = |props: &mut Vec<ICalendarEntry>, c: &ICalendarComponent, p: P| {
        if let Some(e) = ics::find(c, &p) {
            props.push(e.clone());
        }
    };
    keep(&mut props, source, P::Uid);
    keep(&mut props, source, P::Sequence);
    props.push(entry(
        P::Dtstamp,
        ICalendarValue::PartialDateTime(Box::new(PartialDateTime::from_utc_timestamp(now))),
    ));
    match (instance, target) {
        (Some(t), None) => moved_to_occurrence(&ical, master_c, t, &mut props),
        _ => {
            keep(&mut props, source, P::Dtstart);
            keep(&mut props, source, P::Dtend);
            keep(&mut props, source, P::Duration);
            keep(&mut props, source, P::RecurrenceId);
        }
    }
    let organizer = ics::find(source, &P::Organizer).or_else(|| ics::find(master_c, &P::Organizer));
    props.extend(organizer.cloned());
    let summary = ics::find(source, &P::Summary).or_else(|| ics::find(master_c, &P::Summary));
    props.extend(summary.cloned());
    props.push(answered(attendee_entry, response));
    if let Some(c) = comment.map(str::trim).filter(|c| !c.is_empty()) {
        props.push(entry(P::Comment, ICalendarValue::Text(c.to_owned())));
    }

    let mut out = String::new();
    out.push_str("BEGIN:VCALENDAR\r\n");
    for e in [
        entry(P::Prodid, ICalendarValue::Text(PRODID.to_owned())),
        entry(P::Version, ICalendarValue::Text("2.0".to_owned())),
        entry(P::Method, ICalendarValue::Text("REPLY".to_owned())),
    ] {
        let _ = e.write_to(&mut out);
    }
    let mut written: Vec<&str> = Vec::new();
    for tzid in props.iter().filter_map(|e| ics::param_text(e, &N::Tzid)) {
        if written.contains(&tzid) {
            continue;
        }
        written.push(tzid);
        if let Some(idx) = vtimezone(&ical, tzid) {
            ics::write_component(&ical, idx, &mut out);
        }
    }
    out.push_str("BEGIN:VEVENT\r\n");
    for e in &props {
        let _ = e.write_to(&mut out);
    }
    out.push_str("END:VEVENT\r\nEND:VCALENDAR\r\n");
    Ok(out)
}

/// The ATTENDEE with PARTSTAT set to the answer, RSVP and SCHEDULE-STATUS removed.
fn answered(e: &ICalendarEntry, response: Response) -> ICalendarEntry {
    let mut e = e.clone();
    remove_param(&mut e, &N::Rsvp);
    remove_param(&mut e, &N::ScheduleStatus);
    let status = match response {
        Response::Accepted => ICalendarParticipationStatus::Accepted,
        Response::Tentative => ICalendarParticipationStatus::Tentative,
        Response::Declined => ICalendarParticipationStatus::Declined,
    };
    set_param(
        &mut e,
        N::Partstat,
        ICalendarParameterValue::Partstat(status),
    );
    e
}

/// DTSTART, DTEND (or DURATION) and RECURRENCE-ID of the occurrence of the series that starts
/// at `t` (UTC), each written in the form (zone, date or date-time) of the series' DTSTART.
fn moved_to_occurrence(
    ical: &ICalendar,
    master: &ICalendarComponent,
    t: i64,
    props: &mut Vec<ICalendarEntry>,
) {
    let Some(dtstart) = ics::find(master, &P::Dtstart) else {
        return;
    };
    let start = ics::when_of(ical, dtstart);
    let end = ics::find(master, &P::Dtend).and_then(|e| Some((e, ics::when_of(ical, e)?)));
    props.push(at(dtstart, start.as_ref(), t));
    match (end, &start) {
        (Some((e, end)), Some(s)) => props.push(at(
            e,
            Some(&end),
            t + (end.to_utc(&Zone::UTC) - s.to_utc(&Zone::UTC)),
        )),
        _ => {
            if let Some(d) = ics::find(master, &P::Duration) {
                props.push(d.clone());
            }
        }
    }
    let mut rid = at(dtstart, start.as_ref(), t);
    rid.name = P::RecurrenceId;
    props.push(rid);
}

/// `template` (a date-time entry) with its value moved to the instant `utc`, in the
/// template's zone and form.
fn at(template: &ICalendarEntry, form: Option<&When>, utc: i64) -> ICalendarEntry {
    use chrono::{Datelike as _, Timelike as _};
    let mut e = template.clone();
    let zone = form.and_then(|f| f.zone.clone());
    let date_only = form.is_some_and(|f| f.date_only);
    let local = zone
        .as_ref()
        .unwrap_or(&crate::timezone::Zone::UTC)
        .to_local(utc);
    let is_utc = matches!(&zone, Some(z) if *z == crate::timezone::Zone::UTC)
        && ics::param_text(template, &N::Tzid).is_none();
    let pdt = PartialDateTime {
        year: u16::try_from(local.year()).ok(),
        month: Some(local.month() as u8),
        day: Some(local.day() as u8),
        hour: (!date_only).then_some(local.hour() as u8),
        minute: (!date_only).then_some(local.minute() as u8),
        second: (!date_only).then_some(local.second() as u8),
        tz_hour: (is_utc && !date_only).then_some(0),
        tz_minute: (is_utc && !date_only).then_some(0),
        tz_minus: false,
    };
    e.values = vec![ICalendarValue::PartialDateTime(Box::new(pdt))];
    e
}

/// The VTIMEZONE with this TZID.
fn vtimezone(ical: &ICalendar, tzid: &str) -> Option<usize> {
    let cal = ical.components.first()?;
    cal.component_ids.iter().map(|&i| i as usize).find(|&i| {
        ical.components.get(i).is_some_and(|c| {
            c.component_type == calcard::icalendar::ICalendarComponentType::VTimezone
                && ics::text(c, &P::Tzid).as_deref() == Some(tzid)
        })
    })
}
