//! A stored VTODO as the EAS task a device gets, and the readings `merge_todo` compares a
//! device's values with.

use calcard::icalendar::{ICalendarStatus, ICalendarValue};
use eas::recurrence::Recurrence;
use eas::task::{Importance, Sensitivity, Task};

use crate::ical::{self, ICalendar, ICalendarComponent, ICalendarParameterName, ICalendarProperty};
use crate::merge::Loss;
use crate::recurrence::{SeriesStart, from_rrule};
use crate::timezone::Zone;

use super::dates::{self, Both};
use super::{TaskOptions, alarm, x};

/// EAS Importance of an iCalendar PRIORITY (RFC 5545 3.8.1.9): 1-4 high, 5 normal, 6-9 low;
/// 0 (undefined) and anything else normal.
pub fn importance_of_priority(priority: Option<i64>) -> Importance {
    match priority {
        Some(1..=4) => Importance::High,
        Some(6..=9) => Importance::Low,
        _ => Importance::Normal,
    }
}

/// The PRIORITY written for an Importance a device changed: 1, 5, 9 (what Apple, Thunderbird
/// and Outlook write).
pub fn priority_of_importance(importance: Importance) -> i64 {
    match importance {
        Importance::High => 1,
        Importance::Normal => 5,
        Importance::Low => 9,
    }
}

pub(crate) fn importance(c: &ICalendarComponent) -> Importance {
    importance_of_priority(
        ical::find(c, &ICalendarProperty::Priority)
            .and_then(|e| e.values.first())
            .and_then(ICalendarValue::as_integer),
    )
}

pub(crate) fn percent(c: &ICalendarComponent) -> Option<i64> {
    ical::find(c, &ICalendarProperty::PercentComplete)
        .and_then(|e| e.values.first())
        .and_then(ICalendarValue::as_integer)
}

fn status(c: &ICalendarComponent) -> Option<&ICalendarStatus> {
    match ical::find(c, &ICalendarProperty::Status)?.values.first()? {
        ICalendarValue::Status(s) => Some(s),
        _ => None,
    }
}

/// Done: STATUS:COMPLETED, a COMPLETED date or PERCENT-COMPLETE:100.
pub(crate) fn is_complete(c: &ICalendarComponent) -> bool {
    matches!(status(c), Some(ICalendarStatus::Completed))
        || ical::find(c, &ICalendarProperty::Completed).is_some()
        || percent(c) == Some(100)
}

/// When it was completed: COMPLETED, else LAST-MODIFIED, DTSTAMP, now (EAS requires a date).
pub(crate) fn completed_at(cal: &ICalendar, todo: usize, opts: &TaskOptions) -> i64 {
    [
        ICalendarProperty::Completed,
        ICalendarProperty::LastModified,
        ICalendarProperty::Dtstamp,
    ]
    .iter()
    .find_map(|p| ical::when(cal, todo, p))
    .map_or(opts.now, |w| w.to_utc(&opts.zone))
}

/// DTSTART + DURATION, when the task has those and no DUE.
pub(crate) fn duration_due(cal: &ICalendar, todo: usize, user: &Zone) -> Option<Both> {
    let c = &cal.components[todo];
    if ical::find(c, &ICalendarProperty::Due).is_some() {
        return None;
    }
    let d = match ical::find(c, &ICalendarProperty::Duration)?
        .values
        .first()?
    {
        ICalendarValue::Duration(d) => d.as_seconds(),
        _ => return None,
    };
    let start = dates::both(&ical::when(cal, todo, &ICalendarProperty::Dtstart)?, user);
    Some(Both {
        local: start.local + d,
        utc: start.utc + d,
    })
}

/// Where the series starts (DTSTART, else DUE) and the zone of its wall time.
pub(crate) fn series_start(
    cal: &ICalendar,
    todo: usize,
    user: &Zone,
) -> Option<(SeriesStart, Zone)> {
    let w = ical::when(cal, todo, &ICalendarProperty::Dtstart)
        .or_else(|| ical::when(cal, todo, &ICalendarProperty::Due))?;
    Some((
        SeriesStart {
            local: w.local,
            all_day: w.date_only,
        },
        w.zone.clone().unwrap_or_else(|| user.clone()),
    ))
}

/// The EAS pattern of the RRULE (`None`: no RRULE; `Err`: EAS cannot carry it), with the
/// series start as `tasks:Start` (local seconds, like StartDate) and Regenerate / DeadOccur
/// from their X- properties.
pub(crate) fn recurrence(
    cal: &ICalendar,
    todo: usize,
    user: &Zone,
) -> Option<Result<Recurrence, Loss>> {
    let c = &cal.components[todo];
    let rule = match ical::find(c, &ICalendarProperty::Rrule)?.values.first()? {
        ICalendarValue::RecurrenceRule(r) => r.clone(),
        _ => return Some(Err(Loss::new("RRULE", "unreadable rule"))),
    };
    let Some((start, zone)) = series_start(cal, todo, user) else {
        return Some(Err(Loss::new("RRULE", "a rule without DTSTART or DUE")));
    };
    let flag = |name: &str| Some(ical::text(c, &ical::property(name)).as_deref() == Some("1"));
    Some(from_rrule(&rule, &start, &zone).map(|mut r| {
        if r.start.is_none() {
            r.start = Some(dates::local_seconds(start.local));
        }
        r.regenerate = flag(x::REGENERATE);
        r.dead_occur = flag(x::DEAD_OCCUR);
        r
    }))
}

/// Whether a device's pattern says the same as the rendered one: fields the device left out
/// (start, regenerate, dead-occur, calendar type, leap month, first day of week) are not
/// compared.
pub(crate) fn same_pattern(rendered: &Recurrence, device: &Recurrence) -> bool {
    let mut r = rendered.clone();
    macro_rules! unset_if_absent {
        ($($f:ident),*) => {$(
            if device.$f.is_none() { r.$f = None; }
        )*};
    }
    unset_if_absent!(
        start,
        regenerate,
        dead_occur,
        calendar_type,
        is_leap_month,
        first_day_of_week
    );
    let mut d = device.clone();
    if d.regenerate == Some(false) {
        d.regenerate = r.regenerate.map(|_| false);
    }
    if d.dead_occur == Some(false) {
        d.dead_occur = r.dead_occur.map(|_| false);
    }
    r == d
}

/// Properties a VTODO may have that EAS has no element for: kept on the server, reported.
const NOT_CARRIED: [(ICalendarProperty, &str); 13] = [
    (ICalendarProperty::RelatedTo, "subtask and dependency links"),
    (ICalendarProperty::Geo, "no location in EAS tasks"),
    (ICalendarProperty::Location, "no location in EAS tasks"),
    (ICalendarProperty::Url, "no URL in EAS tasks"),
    (ICalendarProperty::Attach, "no attachments in EAS tasks"),
    (ICalendarProperty::Attendee, "no assignees in EAS tasks"),
    (ICalendarProperty::Organizer, "no assignees in EAS tasks"),
    (ICalendarProperty::Contact, "no contacts in EAS tasks"),
    (ICalendarProperty::Comment, "no comments in EAS tasks"),
    (ICalendarProperty::Resources, "no resources in EAS tasks"),
    (ICalendarProperty::Rdate, "extra dates cannot be carried"),
    (
        ICalendarProperty::Exdate,
        "skipped occurrences cannot be carried",
    ),
    (
        ICalendarProperty::Exrule,
        "exception rules cannot be carried",
    ),
];

/// Our own X- properties and the ones the mapping reads.
fn is_carried_x(name: &str) -> bool {
    [
        x::REGENERATE,
        x::DEAD_OCCUR,
        x::ORDINAL_DATE,
        x::SUB_ORDINAL_DATE,
        "X-ALT-DESC",
    ]
    .iter()
    .any(|n| n.eq_ignore_ascii_case(name))
}

pub(crate) fn render(cal: &ICalendar, todo: usize, opts: &TaskOptions) -> (Task, Vec<Loss>) {
    let user = &opts.zone;
    let c = &cal.components[todo];
    let mut losses = Vec::new();

    let date = |p: ICalendarProperty| {
        let e = ical::find(c, &p)?;
        if let Some(tzid) = ical::param_text(e, &ICalendarParameterName::Tzid)
            && ical::resolve_tzid(cal, tzid).is_none()
        {
            return Some(Err(tzid.to_owned()));
        }
        ical::when_of(cal, e).map(|w| Ok(dates::both(&w, user)))
    };
    let mut pair = |p: ICalendarProperty, name: &str| match date(p) {
        Some(Ok(b)) => Some(b),
        Some(Err(tzid)) => {
            losses.push(Loss::new(
                name,
                format!("unknown TZID {tzid}: read in the user's zone"),
            ));
            ical::when(cal, todo, &ical::property(name)).map(|w| dates::both(&w, user))
        }
        None => None,
    };
    let start = pair(ICalendarProperty::Dtstart, "DTSTART");
    let due = pair(ICalendarProperty::Due, "DUE").or_else(|| duration_due(cal, todo, user));

    let complete = is_complete(c);
    let (reminder, alarms) = alarm::reminder(cal, todo, user);
    if alarms > usize::from(reminder.is_some()) {
        losses.push(Loss::new(
            "VALARM",
            format!(
                "{} alarm(s) besides the reminder kept on the server",
                alarms - usize::from(reminder.is_some())
            ),
        ));
    }
    let recurrence = match recurrence(cal, todo, user) {
        Some(Ok(r)) => Some(r),
        Some(Err(loss)) => {
            losses.push(loss);
            None
        }
        None => None,
    };
    if !ical::overrides(cal, todo).is_empty() {
        losses.push(Loss::new(
            "RECURRENCE-ID",
            "per-occurrence changes cannot be carried",
        ));
    }
    match (status(c), percent(c)) {
        (Some(ICalendarStatus::Cancelled), _) => {
            losses.push(Loss::new("STATUS", "CANCELLED shows as not complete"));
        }
        (_, Some(p)) if (1..100).contains(&p) => {
            losses.push(Loss::new("PERCENT-COMPLETE", "progress cannot be carried"));
        }
        _ => {}
    }
    for (prop, why) in &NOT_CARRIED {
        if ical::find(c, prop).is_some() {
            losses.push(Loss::new(prop.as_str(), *why));
        }
    }
    let mut seen_x: Vec<String> = Vec::new();
    for e in &c.entries {
        if let ICalendarProperty::Other(name) = &e.name
            && !is_carried_x(name)
            && !seen_x.iter().any(|s| s.eq_ignore_ascii_case(name))
        {
            seen_x.push(name.clone());
            losses.push(Loss::new(name.as_str(), "no EAS element"));
        }
    }

    let task = Task {
        body: ical::body(c, opts.body.as_ref()),
        subject: ical::text(c, &ICalendarProperty::Summary),
        importance: Some(importance(c)),
        utc_start_date: start.map(|b| b.utc),
        start_date: start.map(|b| b.local),
        utc_due_date: due.map(|b| b.utc),
        due_date: due.map(|b| b.local),
        categories: Some(ical::categories(c)).filter(|v| !v.is_empty()),
        recurrence,
        complete: Some(complete),
        date_completed: complete.then(|| completed_at(cal, todo, opts)),
        sensitivity: Sensitivity::from_code(ical::sensitivity(c).unwrap_or(0)),
        reminder_time: reminder.map(|(_, at)| at),
        reminder_set: Some(reminder.is_some()),
        ordinal_date: ical::text(c, &ical::property(x::ORDINAL_DATE))
            .and_then(|t| eas::date::parse_utc(&t)),
        sub_ordinal_date: ical::text(c, &ical::property(x::SUB_ORDINAL_DATE)),
    };
    (task, losses)
}
