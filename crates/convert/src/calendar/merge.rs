//! A device's event merged into the stored object: only what the device's data speaks for
//! changes; an object the merge leaves as it was is returned byte for byte.

use eas::airsyncbase::Body;
use eas::calendar::{BusyStatus, Calendar, Location, Sensitivity};
use eas::recurrence::Recurrence;
use wbxml::Tag;
use wbxml::tags::calendar as cal;

use super::render::{busy_status, location, prop, recurrence_of, series_start};
use super::when::{Frame, Times, times_of, write_times, zone_of_blob};
use super::{CalendarOptions, PRODID, people};
use crate::ical::{
    self, ICalendar, ICalendarComponentType, ICalendarProperty, ICalendarValue, When,
};
use crate::merge::{ConvertError, Ghosting};
use crate::recurrence::to_rrule;

/// The fields an occurrence (the series, an exception, one instance) can change.
pub(crate) struct Fields<'a> {
    pub subject: Option<&'a String>,
    pub location: Option<&'a Location>,
    pub body: Option<&'a Body>,
    pub categories: Option<&'a Vec<String>>,
    pub sensitivity: Option<Sensitivity>,
    pub busy_status: Option<BusyStatus>,
    pub reminder: Option<u32>,
}

impl<'a> Fields<'a> {
    pub(crate) fn of_calendar(c: &'a Calendar) -> Fields<'a> {
        Fields {
            subject: c.subject.as_ref(),
            location: c.location.as_ref(),
            body: c.body.as_ref(),
            categories: c.categories.as_ref(),
            sensitivity: c.sensitivity,
            busy_status: c.busy_status,
            reminder: c.reminder,
        }
    }

    pub(crate) fn of_exception(x: &'a eas::calendar::Exception) -> Fields<'a> {
        Fields {
            subject: x.subject.as_ref(),
            location: x.location.as_ref(),
            body: x.body.as_ref(),
            categories: x.categories.as_ref(),
            sensitivity: x.sensitivity,
            busy_status: x.busy_status,
            reminder: x.reminder,
        }
    }
}

fn apply_location(
    ical: &mut ICalendar,
    comp: usize,
    loc: Option<&Location>,
    opts: &CalendarOptions,
) -> bool {
    let c = &mut ical.components[comp];
    let mut changed = false;
    let name = loc
        .and_then(|l| l.display_name.as_deref())
        .filter(|n| !n.is_empty());
    if ical::text(c, &ICalendarProperty::Location).as_deref() != name {
        changed |= ical::set_or_remove_text(c, ICalendarProperty::Location, name);
        // Apple's structured location describes the old text.
        changed |= ical::remove(c, &prop("X-APPLE-STRUCTURED-LOCATION"));
    }
    if opts.version >= eas::ProtocolVersion::V16_0 {
        let current = location(c, opts.version);
        let coords = loc.and_then(|l| l.latitude.zip(l.longitude));
        let now = current.as_ref().and_then(|l| l.latitude.zip(l.longitude));
        match (coords, loc) {
            (Some((lat, lon)), _) if now != Some((lat, lon)) => {
                let e = ical::ICalendarEntry {
                    name: ICalendarProperty::Geo,
                    params: Vec::new(),
                    values: vec![ICalendarValue::Float(lat), ICalendarValue::Float(lon)],
                };
                ical::remove(c, &ICalendarProperty::Geo);
                c.entries.push(e);
                changed = true;
            }
            (None, None) => changed |= ical::remove(c, &ICalendarProperty::Geo),
            _ => {}
        }
    }
    changed
}

fn apply_busy(c: &mut ical::ICalendarComponent, status: BusyStatus) -> bool {
    if busy_status(c) == status {
        return false;
    }
    let transp = if status == BusyStatus::Free {
        calcard::icalendar::ICalendarTransparency::Transparent
    } else {
        calcard::icalendar::ICalendarTransparency::Opaque
    };
    ical::set_value(
        c,
        ICalendarProperty::Transp,
        ICalendarValue::Transparency(transp),
    );
    let cdo = prop("X-MICROSOFT-CDO-BUSYSTATUS");
    let word = match status {
        BusyStatus::Free => "FREE",
        BusyStatus::Tentative => "TENTATIVE",
        BusyStatus::Busy => "BUSY",
        BusyStatus::OutOfOffice => "OOF",
        BusyStatus::WorkingElsewhere => "WORKINGELSEWHERE",
    };
    if ical::find(c, &cdo).is_some() || !matches!(status, BusyStatus::Free | BusyStatus::Busy) {
        ical::set_text(c, cdo, word);
    }
    true
}

/// Applies the occurrence fields; an omitted field is cleared when `clears(tag)` says so
/// (never the body).
pub(crate) fn apply_fields(
    ical: &mut ICalendar,
    comp: usize,
    f: &Fields<'_>,
    clears: &dyn Fn(Tag) -> bool,
    opts: &CalendarOptions,
) -> bool {
    let mut changed = false;
    {
        let c = &mut ical.components[comp];
        match f.subject {
            Some(s) if s.is_empty() => changed |= ical::remove(c, &ICalendarProperty::Summary),
            Some(s) => changed |= ical::set_text(c, ICalendarProperty::Summary, s),
            None if clears(cal::SUBJECT) => changed |= ical::remove(c, &ICalendarProperty::Summary),
            None => {}
        }
        if let Some(b) = f.body {
            changed |= ical::apply_body(c, b);
        }
        match f.categories {
            Some(list) => changed |= ical::set_categories(c, list),
            None if clears(cal::CATEGORIES) => changed |= ical::set_categories(c, &[]),
            None => {}
        }
        match f.sensitivity {
            Some(s) => changed |= ical::set_sensitivity(c, s.code()),
            None if clears(cal::SENSITIVITY) => {
                changed |= ical::remove(c, &ICalendarProperty::Class)
            }
            None => {}
        }
        match f.busy_status {
            Some(b) => changed |= apply_busy(c, b),
            None if clears(cal::BUSY_STATUS) => {
                changed |= ical::remove(c, &ICalendarProperty::Transp);
                changed |= ical::remove(c, &prop("X-MICROSOFT-CDO-BUSYSTATUS"));
            }
            None => {}
        }
    }
    match f.location {
        Some(l) => changed |= apply_location(ical, comp, Some(l), opts),
        None if clears(cal::LOCATION) => changed |= apply_location(ical, comp, None, opts),
        None => {}
    }
    match f.reminder {
        Some(m) => changed |= ical::set_reminder(ical, comp, Some(m)),
        None if clears(cal::REMINDER) => changed |= ical::set_reminder(ical, comp, None),
        None => {}
    }
    changed
}

/// Recurrence patterns that mean the same series.
pub(crate) fn same_pattern(a: &Recurrence, b: &Recurrence) -> bool {
    a.kind == b.kind
        && a.interval.unwrap_or(1) == b.interval.unwrap_or(1)
        && a.occurrences == b.occurrences
        && a.until == b.until
        && a.day_of_week == b.day_of_week
        && a.day_of_month == b.day_of_month
        && a.week_of_month == b.week_of_month
        && a.month_of_year == b.month_of_year
}

/// DTSTAMP and LAST-MODIFIED now; SEQUENCE + 1 when the user organizes and the time changed
/// (RFC 5546 2.1.4: a significant change).
pub(crate) fn stamp(ical: &mut ICalendar, comp: usize, now: i64, bump_sequence: bool) {
    ical::set_when(ical, comp, ICalendarProperty::Dtstamp, &When::utc(now));
    ical::set_when(ical, comp, ICalendarProperty::LastModified, &When::utc(now));
    if bump_sequence {
        let c = &mut ical.components[comp];
        let seq = ical::find(c, &ICalendarProperty::Sequence)
            .and_then(|e| e.values.first())
            .and_then(ICalendarValue::as_integer)
            .unwrap_or(0);
        ical::set_value(
            c,
            ICalendarProperty::Sequence,
            ICalendarValue::Integer(seq + 1),
        );
    }
}

fn new_uid(change: &Calendar, now: i64) -> String {
    if let Some(u) = change
        .client_uid
        .as_ref()
        .or(change.uid.as_ref())
        .filter(|u| !u.trim().is_empty())
    {
        return u.clone();
    }
    crate::merge::new_uid(&[&now.to_le_bytes(), format!("{change:?}").as_bytes()])
}

fn new_event(ical: &mut ICalendar, change: &Calendar, opts: &CalendarOptions) -> usize {
    let mut c = ical::component(ICalendarComponentType::VEvent);
    c.entries.push(ical::entry(
        ICalendarProperty::Uid,
        ical::text_value(&new_uid(change, opts.now)),
    ));
    let id = ical::add_child(ical, 0, c);
    ical::set_when(ical, id, ICalendarProperty::Created, &When::utc(opts.now));
    id
}

/// The start and end a new event without them gets (MS-ASCAL 3.2.4.4): now rounded up to
/// the half hour, for half an hour.
fn default_times(now: i64) -> (i64, i64) {
    let start = (now + 1799).div_euclid(1800) * 1800;
    (start, start + 1800)
}

/// The iCalendar object to store after a device's Add (`stored` `None`) or Change of the
/// whole item. Returns `stored` unchanged (byte for byte) when the change says nothing new.
pub fn merge_event(
    stored: Option<&str>,
    change: &Calendar,
    ghosting: &Ghosting,
    opts: &CalendarOptions,
) -> Result<String, ConvertError> {
    let mut ical = match stored {
        Some(s) => ical::parse(s)?,
        None => ical::empty(PRODID),
    };
    let is_new = stored.is_none();
    // Elements the device's version does not define are never cleared by their absence.
    let v14 = opts.version >= eas::ProtocolVersion::V14_0;
    let clears = |tag: Tag| {
        !is_new
            && (v14
                || !matches!(
                    tag,
                    cal::DISALLOW_NEW_TIME_PROPOSAL | cal::RESPONSE_REQUESTED
                ))
            && ghosting.omission_clears(tag)
    };
    let (master, mut changed) = match ical::master(&ical, &ICalendarComponentType::VEvent) {
        Some(m) => (m, false),
        None => (new_event(&mut ical, change, opts), true),
    };
    let organizes = people::user_organizes(&ical.components[master], opts);
    let frame = Frame::of(opts);
    let before = times_of(&ical, master, &frame);

    // Times: rewritten only when the instants or the all-day flag differ from what the
    // stored object renders to; then in the device's zone.
    let (dstart, dend) = default_times(opts.now);
    let start = change
        .start_time
        .or(before.as_ref().map(|t| t.start))
        .unwrap_or(dstart);
    let end = change
        .end_time
        .or(before.as_ref().map(|t| t.end))
        .unwrap_or(dend.max(start));
    let all_day = change
        .all_day_event
        .or(before.as_ref().map(|t| t.all_day))
        .unwrap_or(false);
    // 16.x all-day times are dates without a time and come without a Timezone (MS-ASCAL
    // 2.2.2.1); a device that sends local midnights with a Timezone anyway is read in it.
    let utc_dates = all_day
        && opts.version >= eas::ProtocolVersion::V16_0
        && start.rem_euclid(86_400) == 0
        && end.rem_euclid(86_400) == 0;
    let zone = match (&change.timezone, &before) {
        (Some(blob), _) if !utc_dates => zone_of_blob(blob, start),
        _ if all_day => frame.dates.clone(),
        (_, Some(t)) if !t.all_day && !t.floating => t.zone.clone(),
        _ => frame.floating.clone(),
    };
    let same_times = before
        .as_ref()
        .is_some_and(|t| t.start == start && t.end == end && t.all_day == all_day);
    let mut time_changed = false;
    if !same_times {
        time_changed = write_times(&mut ical, master, start, end, all_day, &zone);
        changed |= time_changed;
    }
    let times: Times = match times_of(&ical, master, &frame) {
        Some(t) => t,
        None => return Err(ConvertError::NoComponent("DTSTART")),
    };

    changed |= apply_fields(
        &mut ical,
        master,
        &Fields::of_calendar(change),
        &clears,
        opts,
    );

    // People.
    let c = &mut ical.components[master];
    let attendees_given = change.attendees.as_ref().is_some_and(|a| !a.is_empty());
    if is_new && (attendees_given || change.meeting_status.is_some_and(|m| m.is_meeting())) {
        let email = change
            .organizer_email
            .clone()
            .or_else(|| opts.user_addresses.first().cloned());
        if let Some(email) = email.filter(|e| !e.is_empty()) {
            changed |= people::set_organizer(c, &email, change.organizer_name.as_deref());
        }
    }
    match &change.attendees {
        Some(list) if is_new || organizes => {
            changed |= people::merge_attendees(c, list, true, opts)
        }
        Some(list) => {
            // An invitee's device speaks only for the user's own response.
            let own: Vec<_> = list
                .iter()
                .filter(|a| opts.is_user(&a.email))
                .cloned()
                .collect();
            if !own.is_empty() {
                let mut keep = people::attendees(c);
                for a in &own {
                    if let Some(k) = keep
                        .iter_mut()
                        .find(|k| k.email.eq_ignore_ascii_case(&a.email))
                    {
                        k.status = a.status.or(k.status);
                    }
                }
                changed |= people::merge_attendees(c, &keep, false, opts);
            }
        }
        None if clears(cal::ATTENDEES) && organizes => {
            changed |= ical::remove(c, &ICalendarProperty::Attendee);
            changed |= ical::remove(c, &ICalendarProperty::Organizer);
        }
        None => {}
    }
    if let Some(ms) = change.meeting_status {
        let cancelled = people::meeting_status(c, opts).is_canceled();
        if ms.is_canceled() && !cancelled {
            changed |= ical::set_value(
                c,
                ICalendarProperty::Status,
                ICalendarValue::Status(calcard::icalendar::ICalendarStatus::Cancelled),
            );
        } else if !ms.is_canceled() && cancelled && ms.is_meeting() {
            changed |= ical::remove(c, &ICalendarProperty::Status);
        }
    }
    let counter = prop("X-MICROSOFT-DISALLOW-COUNTER");
    match change.disallow_new_time_proposal {
        Some(d) => {
            let now =
                ical::text(c, &counter).is_some_and(|t| t.trim().eq_ignore_ascii_case("TRUE"));
            if now != d {
                changed |= ical::set_text(c, counter, if d { "TRUE" } else { "FALSE" });
            }
        }
        None if clears(cal::DISALLOW_NEW_TIME_PROPOSAL) => changed |= ical::remove(c, &counter),
        None => {}
    }
    let conf_now = ical::text(c, &prop("X-MICROSOFT-ONLINEMEETINGCONFLINK"))
        .or_else(|| ical::text(c, &prop("X-GOOGLE-CONFERENCE")))
        .or_else(|| ical::text(c, &ICalendarProperty::Conference));
    if let Some(v) = &change.online_meeting_conf_link
        && conf_now.as_ref() != Some(v)
    {
        changed |= ical::set_text(c, prop("X-MICROSOFT-ONLINEMEETINGCONFLINK"), v);
    }
    if let Some(v) = &change.online_meeting_external_link {
        changed |= ical::set_text(c, prop("X-MICROSOFT-ONLINEMEETINGEXTERNALLINK"), v);
    }

    // Recurrence: a device's pattern equal to what the RRULE renders to is not rewritten; an
    // omitted one removes only an RRULE the device could see.
    let current = recurrence_of(&ical, master, &times);
    match &change.recurrence {
        Some(r) if !matches!(&current, Ok(Some(c)) if same_pattern(c, r)) => {
            let rule = to_rrule(r, &series_start(&times), &times.zone);
            changed |= ical::set_value(
                &mut ical.components[master],
                ICalendarProperty::Rrule,
                ICalendarValue::RecurrenceRule(Box::new(rule)),
            );
        }
        None if clears(cal::RECURRENCE) && matches!(current, Ok(Some(_))) => {
            changed |= super::instances::remove_recurrence(&mut ical, master);
        }
        _ => {}
    }
    if let Some(list) = &change.exceptions
        && ical::find(&ical.components[master], &ICalendarProperty::Rrule).is_some()
    {
        changed |= super::instances::apply_exceptions(&mut ical, master, list, opts);
    } else if change.exceptions.is_none()
        && change.recurrence.is_some()
        && opts.version < eas::ProtocolVersion::V16_0
        && clears(cal::EXCEPTIONS)
    {
        changed |= super::instances::apply_exceptions(&mut ical, master, &[], opts);
    }

    if !changed && let Some(s) = stored {
        return Ok(s.to_owned());
    }
    stamp(
        &mut ical,
        master,
        opts.now,
        time_changed && organizes && !is_new,
    );
    Ok(ical::write(&ical))
}
