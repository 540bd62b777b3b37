//! The EAS Tasks class (MS-ASTASK) <-> iCalendar VTODO (RFC 5545 3.6.2).
//!
//! [`todo_to_eas`] renders a stored VTODO as the task a device gets (and what it cannot
//! carry, as [`Loss`]es); [`merge_todo`] applies a device's Add or Change to the stored object
//! (an Add to an empty skeleton), changing only what the device's data speaks for. The
//! mapping decisions are in the crate README.

mod alarm;
mod dates;
mod render;

use calcard::icalendar::{ICalendarStatus, ICalendarValue};
use eas::ProtocolVersion;
use eas::airsyncbase::BodyPreference;
use eas::task::Task;
use wbxml::tags::tasks as t;

use crate::ical::{self, ICalendar, ICalendarComponentType, ICalendarProperty, When};
use crate::merge::{ConvertError, Ghosting, Loss};
use crate::recurrence::{SeriesStart, to_rrule};
use crate::timezone::Zone;

pub use render::{importance_of_priority, priority_of_importance};

/// `X-` properties that keep what EAS has and iCalendar does not.
pub mod x {
    /// `tasks:Regenerate` of the recurrence: `1` when the next task is due counted from
    /// completion.
    pub const REGENERATE: &str = "X-AIRGATE-REGENERATE";
    /// `tasks:DeadOccur` of the recurrence (Outlook's PidLidTaskDeadOccurrence: no further
    /// occurrences are generated from this task): `1` when set.
    pub const DEAD_OCCUR: &str = "X-AIRGATE-DEADOCCUR";
    /// `tasks:OrdinalDate`, the device's sort key (EAS date form).
    pub const ORDINAL_DATE: &str = "X-AIRGATE-ORDINALDATE";
    /// `tasks:SubOrdinalDate`, the device's tie-breaking sort key.
    pub const SUB_ORDINAL_DATE: &str = "X-AIRGATE-SUBORDINALDATE";
}

/// How tasks are converted for one device.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskOptions {
    pub version: ProtocolVersion,
    /// The device's body preference for the Tasks class (`None`: the whole plain text).
    pub body: Option<BodyPreference>,
    /// Now, UTC unix seconds (DTSTAMP, LAST-MODIFIED, a completion date the device left out).
    pub now: i64,
    /// The zone to interpret floating local dates in (the user's): DATE and floating
    /// DTSTART/DUE, and the device's local StartDate/DueDate.
    pub zone: Zone,
}

/// The task a device gets for the stored iCalendar object `ics` (its master VTODO), and what
/// EAS cannot carry of it.
pub fn todo_to_eas(ics: &str, opts: &TaskOptions) -> Result<(Task, Vec<Loss>), ConvertError> {
    let cal = ical::parse(ics)?;
    let todo = ical::master(&cal, &ICalendarComponentType::VTodo)
        .ok_or(ConvertError::NoComponent("VTODO"))?;
    Ok(render::render(&cal, todo, opts))
}

/// Applies a device's task (`change`, the ApplicationData of its Add or Change) to the stored
/// object (`None`: a new task) and returns the object to store. Only the properties the
/// change speaks for change; a value equal to what the stored object renders to is not
/// rewritten. Omitted elements clear their property when `ghosting.omission_clears` says so
/// (Subject, Importance, the dates, Categories, Recurrence, Sensitivity, ReminderSet); an
/// omitted or truncated Body and an omitted Complete never change anything.
pub fn merge_todo(
    stored: Option<&str>,
    change: &Task,
    ghosting: &Ghosting,
    opts: &TaskOptions,
) -> Result<String, ConvertError> {
    let (mut cal, todo, new) = match stored {
        Some(ics) => {
            let cal = ical::parse(ics)?;
            let todo = ical::master(&cal, &ICalendarComponentType::VTodo)
                .ok_or(ConvertError::NoComponent("VTODO"))?;
            (cal, todo, false)
        }
        None => {
            let mut cal = ical::empty("-//airgate//EN");
            let todo = ical::add_child(&mut cal, 0, ical::component(ICalendarComponentType::VTodo));
            (cal, todo, true)
        }
    };
    let clears = |tag| ghosting.omission_clears(tag);
    let user = &opts.zone;
    let mut changed = false;
    // What the device was given, before the dates move: a relative alarm follows its anchor
    // when the device echoes the reminder time it got.
    let rendered_reminder = alarm::reminder(&cal, todo, user).0.map(|(_, at)| at);

    // Text, body, importance, categories, sensitivity.
    {
        let c = &mut cal.components[todo];
        changed |= match change.subject.as_deref() {
            Some("") => ical::remove(c, &ICalendarProperty::Summary),
            Some(s) => ical::set_text(c, ICalendarProperty::Summary, s),
            None if clears(t::SUBJECT) => ical::remove(c, &ICalendarProperty::Summary),
            None => false,
        };
        if let Some(b) = &change.body {
            changed |= ical::apply_body(c, b);
        }
        changed |= match change.importance {
            Some(i) if render::importance(c) != i => ical::set_value(
                c,
                ICalendarProperty::Priority,
                ICalendarValue::Integer(priority_of_importance(i)),
            ),
            Some(_) => false,
            None if clears(t::IMPORTANCE) => ical::remove(c, &ICalendarProperty::Priority),
            None => false,
        };
        changed |= match &change.categories {
            Some(list) => ical::set_categories(c, list),
            None if clears(t::CATEGORIES) => ical::set_categories(c, &[]),
            None => false,
        };
        changed |= match change.sensitivity {
            Some(s) => ical::set_sensitivity(c, s.code()),
            None if clears(t::SENSITIVITY) => ical::remove(c, &ICalendarProperty::Class),
            None => false,
        };
        if let Some(o) = change.ordinal_date {
            changed |= set_x(c, x::ORDINAL_DATE, Some(&eas::date::format_utc(o)));
        }
        if let Some(s) = &change.sub_ordinal_date {
            changed |= set_x(c, x::SUB_ORDINAL_DATE, Some(s));
        }
    }

    // Dates: DTSTART and DUE (a DURATION becomes a DUE once the device speaks of dates).
    let speaks_dates = [
        change.start_date,
        change.utc_start_date,
        change.due_date,
        change.utc_due_date,
    ]
    .iter()
    .any(Option::is_some)
        || clears(t::START_DATE)
        || clears(t::DUE_DATE);
    if speaks_dates {
        changed |= duration_to_due(&mut cal, todo, user);
    }
    changed |= merge_date(
        &mut cal,
        todo,
        ICalendarProperty::Dtstart,
        (change.start_date, change.utc_start_date),
        clears(t::START_DATE),
        user,
    );
    changed |= merge_date(
        &mut cal,
        todo,
        ICalendarProperty::Due,
        (change.due_date, change.utc_due_date),
        clears(t::DUE_DATE),
        user,
    );

    changed |= merge_complete(&mut cal, todo, change, opts);
    changed |= match (change.reminder_set, change.reminder_time) {
        (Some(false), _) => alarm::clear(&mut cal, todo, user),
        (Some(true) | None, Some(at)) if Some(at) == rendered_reminder => false,
        (Some(true) | None, Some(at)) => alarm::set(&mut cal, todo, at, user),
        // ReminderSet 1 without a time is invalid (MS-ASTASK 2.2.2.23): nothing to apply.
        (Some(true), None) => false,
        (None, None) if clears(t::REMINDER_SET) => alarm::clear(&mut cal, todo, user),
        (None, None) => false,
    };
    changed |= merge_recurrence(&mut cal, todo, change, clears(t::RECURRENCE), user);

    stamp(
        &mut cal,
        todo,
        new,
        changed,
        opts.now,
        &format!("{change:?}"),
    );
    Ok(ical::write(&cal))
}

fn set_x(c: &mut ical::ICalendarComponent, name: &str, value: Option<&str>) -> bool {
    ical::set_or_remove_text(c, ical::property(name), value)
}

/// Merges one of DTSTART/DUE from the device's (local, UTC) pair.
fn merge_date(
    cal: &mut ICalendar,
    todo: usize,
    prop: ICalendarProperty,
    (local, utc): (Option<i64>, Option<i64>),
    clears: bool,
    user: &Zone,
) -> bool {
    let stored = ical::when(cal, todo, &prop);
    let pair = stored.as_ref().map(|w| dates::both(w, user));
    if local.is_none() && utc.is_none() {
        return clears && ical::remove(&mut cal.components[todo], &prop);
    }
    if dates::same(pair, local, utc) {
        return false;
    }
    let Some(new) = dates::device_pair(local, utc, user) else {
        return false;
    };
    let value = match &stored {
        Some(s) => dates::like(s, new),
        None => dates::fresh(new),
    };
    ical::set_when(cal, todo, prop, &value)
}

/// DTSTART + DURATION (no DUE) becomes DUE in DTSTART's form, so that the device's due date
/// has one property to land in.
fn duration_to_due(cal: &mut ICalendar, todo: usize, user: &Zone) -> bool {
    let c = &cal.components[todo];
    if ical::find(c, &ICalendarProperty::Due).is_some() {
        return false;
    }
    let Some(due) = render::duration_due(cal, todo, user) else {
        return false;
    };
    let Some(start) = ical::when(cal, todo, &ICalendarProperty::Dtstart) else {
        return false;
    };
    ical::remove(&mut cal.components[todo], &ICalendarProperty::Duration);
    ical::set_when(cal, todo, ICalendarProperty::Due, &dates::like(&start, due))
}

/// Complete / DateCompleted <-> STATUS, COMPLETED, PERCENT-COMPLETE.
fn merge_complete(cal: &mut ICalendar, todo: usize, change: &Task, opts: &TaskOptions) -> bool {
    let c = &cal.components[todo];
    let was = render::is_complete(c);
    let percent = render::percent(c);
    match change.complete {
        Some(true) if !was => {
            let at = change.date_completed.unwrap_or(opts.now);
            let c = &mut cal.components[todo];
            ical::set_value(
                c,
                ICalendarProperty::Status,
                ICalendarValue::Status(ICalendarStatus::Completed),
            );
            if percent.is_some() {
                ical::set_value(
                    c,
                    ICalendarProperty::PercentComplete,
                    ICalendarValue::Integer(100),
                );
            }
            ical::set_when(cal, todo, ICalendarProperty::Completed, &When::utc(at));
            true
        }
        Some(true) => match change.date_completed {
            Some(at) if render::completed_at(cal, todo, opts) != at => {
                ical::set_when(cal, todo, ICalendarProperty::Completed, &When::utc(at))
            }
            _ => false,
        },
        Some(false) if was => {
            let c = &mut cal.components[todo];
            ical::remove(c, &ICalendarProperty::Completed);
            let status = match percent {
                Some(p) if (1..100).contains(&p) => ICalendarStatus::InProcess,
                _ => ICalendarStatus::NeedsAction,
            };
            if percent == Some(100) {
                ical::remove(c, &ICalendarProperty::PercentComplete);
            }
            ical::set_value(c, ICalendarProperty::Status, ICalendarValue::Status(status));
            true
        }
        Some(false) | None => false,
    }
}

/// Recurrence <-> RRULE (+ the Regenerate / DeadOccur X- properties). An RRULE EAS cannot
/// carry (the device never saw it) is never cleared by an omitted Recurrence.
fn merge_recurrence(
    cal: &mut ICalendar,
    todo: usize,
    change: &Task,
    clears: bool,
    user: &Zone,
) -> bool {
    let rendered = render::recurrence(cal, todo, user);
    match &change.recurrence {
        Some(r) => {
            if let Some(Ok(current)) = &rendered
                && render::same_pattern(current, r)
            {
                return false;
            }
            let (start, zone) = render::series_start(cal, todo, user).unwrap_or_else(|| {
                let local = dates::from_local_seconds(r.start.unwrap_or(0));
                (
                    SeriesStart {
                        local,
                        all_day: true,
                    },
                    user.clone(),
                )
            });
            let rule = to_rrule(r, &start, &zone);
            let c = &mut cal.components[todo];
            ical::set_value(
                c,
                ICalendarProperty::Rrule,
                ICalendarValue::RecurrenceRule(Box::new(rule)),
            );
            set_x(c, x::REGENERATE, r.regenerate.filter(|b| *b).map(|_| "1"));
            set_x(c, x::DEAD_OCCUR, r.dead_occur.filter(|b| *b).map(|_| "1"));
            true
        }
        None if clears && matches!(rendered, Some(Ok(_))) => {
            let c = &mut cal.components[todo];
            ical::remove(c, &ICalendarProperty::Rrule);
            set_x(c, x::REGENERATE, None);
            set_x(c, x::DEAD_OCCUR, None);
            true
        }
        None => false,
    }
}

/// A new item gets UID, CREATED and DTSTAMP; a changed one DTSTAMP and LAST-MODIFIED (now).
pub(crate) fn stamp(
    cal: &mut ICalendar,
    comp: usize,
    new: bool,
    changed: bool,
    now: i64,
    seed: &str,
) {
    if new {
        ical::set_text(
            &mut cal.components[comp],
            ICalendarProperty::Uid,
            &crate::merge::new_uid(&[&now.to_le_bytes(), seed.as_bytes()]),
        );
        ical::set_when(cal, comp, ICalendarProperty::Created, &When::utc(now));
    }
    if changed || new {
        ical::set_when(cal, comp, ICalendarProperty::Dtstamp, &When::utc(now));
        ical::set_when(cal, comp, ICalendarProperty::LastModified, &When::utc(now));
    }
}
