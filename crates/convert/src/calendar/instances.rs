//! Occurrences of a series: Exceptions (< 16.0, the full list in a Change) and the 16.x
//! per-instance Change and Delete, as overrides (`VEVENT` with `RECURRENCE-ID`) and `EXDATE`.

use eas::calendar::{Calendar, Exception};

use super::CalendarOptions;
use super::merge::{Fields, apply_fields, stamp};
use super::when::{Frame, Times, occurrence_value, times_of, write_times};
use crate::ical::{self, ICalendar, ICalendarComponentType, ICalendarProperty, When};
use crate::merge::{ConvertError, Ghosting};

const SERIES_ONLY: [ICalendarProperty; 8] = [
    ICalendarProperty::Rrule,
    ICalendarProperty::Rdate,
    ICalendarProperty::Exrule,
    ICalendarProperty::Exdate,
    ICalendarProperty::Dtstart,
    ICalendarProperty::Dtend,
    ICalendarProperty::Duration,
    ICalendarProperty::RecurrenceId,
];

/// The override of the occurrence originally starting at `original`.
fn find_override(ical: &ICalendar, master: usize, original: i64, frame: &Frame) -> Option<usize> {
    ical::overrides(ical, master).into_iter().find(|&o| {
        ical::when(ical, o, &ICalendarProperty::RecurrenceId)
            .is_some_and(|w| frame.instant(&w) == original)
    })
}

/// A new override: a copy of the master (its X- properties and alarms too) without the
/// series' own properties, at the occurrence's original time.
fn new_override(ical: &mut ICalendar, master: usize, original: i64, times: &Times) -> usize {
    let m = ical.components[master].clone();
    let mut o = ical::component(ICalendarComponentType::VEvent);
    o.entries = m
        .entries
        .iter()
        .filter(|e| !SERIES_ONLY.contains(&e.name))
        .cloned()
        .collect();
    let id = ical::add_child(ical, 0, o);
    for child in m.component_ids {
        if let Some(c) = ical.components.get(child as usize).cloned() {
            ical::add_child(ical, id, c);
        }
    }
    ical::set_when(
        ical,
        id,
        ICalendarProperty::RecurrenceId,
        &occurrence_value(original, times),
    );
    let length = times.end - times.start;
    write_times(
        ical,
        id,
        original,
        original + length,
        times.all_day,
        &times.zone,
    );
    id
}

fn exdates(ical: &ICalendar, master: usize) -> Vec<When> {
    ical.components[master]
        .entries
        .iter()
        .filter(|e| e.name == ICalendarProperty::Exdate)
        .flat_map(|e| ical::whens_of(ical, e))
        .collect()
}

fn set_exdates(ical: &mut ICalendar, master: usize, list: &[When]) -> bool {
    ical::set_whens(ical, master, ICalendarProperty::Exdate, list)
}

/// Removes RRULE, EXDATE and the overrides (the series no longer recurs).
pub(crate) fn remove_recurrence(ical: &mut ICalendar, master: usize) -> bool {
    let mut changed = false;
    for o in ical::overrides(ical, master) {
        changed |= ical::remove_child(ical, 0, o);
    }
    let c = &mut ical.components[master];
    for p in [
        ICalendarProperty::Rrule,
        ICalendarProperty::Exdate,
        ICalendarProperty::Rdate,
    ] {
        changed |= ical::remove(c, &p);
    }
    changed
}

/// Applies one changed occurrence to its override (made when missing); the occurrence is no
/// longer excluded.
/// What a device says of one occurrence.
struct OccurrenceChange<'a> {
    fields: Fields<'a>,
    start: Option<i64>,
    end: Option<i64>,
    all_day: Option<bool>,
}

fn change_occurrence(
    ical: &mut ICalendar,
    master: usize,
    original: i64,
    times: &Times,
    change: &OccurrenceChange<'_>,
    opts: &CalendarOptions,
) -> bool {
    let frame = Frame::of(opts);
    let mut changed = false;
    let o = match find_override(ical, master, original, &frame) {
        Some(o) => o,
        None => {
            changed = true;
            new_override(ical, master, original, times)
        }
    };
    let ex = exdates(ical, master);
    let kept: Vec<When> = ex
        .iter()
        .filter(|w| frame.instant(w) != original)
        .cloned()
        .collect();
    if kept.len() != ex.len() {
        changed |= set_exdates(ical, master, &kept);
    }
    if let Some(ot) = times_of(ical, o, &frame) {
        let s = change.start.unwrap_or(ot.start);
        let e = change.end.unwrap_or(s + (ot.end - ot.start));
        let ad = change.all_day.unwrap_or(ot.all_day);
        if (s, e, ad) != (ot.start, ot.end, ot.all_day) {
            changed |= write_times(ical, o, s, e, ad, &times.zone);
        }
    }
    let fields_changed = apply_fields(ical, o, &change.fields, &|_| false, opts);
    if changed || fields_changed {
        stamp(ical, o, opts.now, false);
    }
    changed || fields_changed
}

/// Excludes one occurrence: an EXDATE, and no override.
fn delete_occurrence(
    ical: &mut ICalendar,
    master: usize,
    original: i64,
    times: &Times,
    frame: &Frame,
) -> bool {
    let mut changed = false;
    if let Some(o) = find_override(ical, master, original, frame) {
        changed |= ical::remove_child(ical, 0, o);
    }
    let mut ex = exdates(ical, master);
    if !ex.iter().any(|w| frame.instant(w) == original) {
        ex.push(occurrence_value(original, times));
        changed |= set_exdates(ical, master, &ex);
    }
    changed
}

/// A Change's Exceptions, the full list: deleted ones become EXDATEs, the others overrides;
/// EXDATEs and overrides not in the list are removed.
pub(crate) fn apply_exceptions(
    ical: &mut ICalendar,
    master: usize,
    list: &[Exception],
    opts: &CalendarOptions,
) -> bool {
    let frame = Frame::of(opts);
    let Some(times) = times_of(ical, master, &frame) else {
        return false;
    };
    let mut changed = false;
    for x in list {
        let Some(original) = x.original_start() else {
            continue;
        };
        if x.deleted == Some(true) {
            changed |= delete_occurrence(ical, master, original, &times, &frame);
        } else {
            changed |= change_occurrence(
                ical,
                master,
                original,
                &times,
                &OccurrenceChange {
                    fields: Fields::of_exception(x),
                    start: x.start_time,
                    end: x.end_time,
                    all_day: x.all_day_event,
                },
                opts,
            );
        }
    }
    let named: Vec<i64> = list.iter().filter_map(Exception::original_start).collect();
    let ex = exdates(ical, master);
    let kept: Vec<When> = ex
        .iter()
        .filter(|w| named.contains(&frame.instant(w)))
        .cloned()
        .collect();
    if kept.len() != ex.len() {
        changed |= set_exdates(ical, master, &kept);
    }
    for o in ical::overrides(ical, master) {
        let original =
            ical::when(ical, o, &ICalendarProperty::RecurrenceId).map(|w| frame.instant(&w));
        if original.is_some_and(|t| !named.contains(&t)) {
            changed |= ical::remove_child(ical, 0, o);
        }
    }
    changed
}

fn series(stored: &str, frame: &Frame) -> Result<(ICalendar, usize, Times), ConvertError> {
    let ical = ical::parse(stored)?;
    let master = ical::master(&ical, &ICalendarComponentType::VEvent)
        .ok_or(ConvertError::NoComponent("VEVENT"))?;
    let times = times_of(&ical, master, frame).ok_or(ConvertError::NoComponent("DTSTART"))?;
    Ok((ical, master, times))
}

/// 16.x: a Change of one occurrence (Sync Change with `airsyncbase:InstanceId` = the
/// occurrence's original start, UTC). Omitted elements leave the occurrence's values as they
/// are. Returns `stored` unchanged when nothing differs.
pub fn merge_instance(
    stored: &str,
    instance_id: i64,
    change: &Calendar,
    ghosting: &Ghosting,
    opts: &CalendarOptions,
) -> Result<String, ConvertError> {
    let _ = ghosting;
    let (mut ical, master, times) = series(stored, &Frame::of(opts))?;
    let changed = change_occurrence(
        &mut ical,
        master,
        instance_id,
        &times,
        &OccurrenceChange {
            fields: Fields::of_calendar(change),
            start: change.start_time,
            end: change.end_time,
            all_day: change.all_day_event,
        },
        opts,
    );
    if !changed {
        return Ok(stored.to_owned());
    }
    Ok(ical::write(&ical))
}

/// 16.x: a Delete of one occurrence: an EXDATE (and its override removed).
pub fn delete_instance(
    stored: &str,
    instance_id: i64,
    opts: &CalendarOptions,
) -> Result<String, ConvertError> {
    let frame = Frame::of(opts);
    let (mut ical, master, times) = series(stored, &frame)?;
    if !delete_occurrence(&mut ical, master, instance_id, &times, &frame) {
        return Ok(stored.to_owned());
    }
    stamp(&mut ical, master, opts.now, false);
    Ok(ical::write(&ical))
}
