//! The task reminder. EAS has one absolute reminder (ReminderSet + ReminderTime, MS-ASTASK
//! 2.2.2.22/23); iCalendar has any number of VALARMs with absolute or relative triggers. The
//! reminder is the first DISPLAY or AUDIO VALARM whose trigger resolves to an instant; every
//! other alarm stays on the server untouched.
//!
//! (`crate::ical`'s reminder is the calendar's "minutes before the start"; tasks need the
//! absolute form, so this lives here; which alarms can be the reminder is decided once, by
//! `ical::alarm::is_display_or_audio`.)

use calcard::icalendar::{
    ICalendarAction, ICalendarDuration, ICalendarRelated, ICalendarValueType,
};

use crate::ical::{
    self, ICalendar, ICalendarComponentType, ICalendarParameter, ICalendarParameterName,
    ICalendarParameterValue, ICalendarProperty, ICalendarValue, When,
};
use crate::timezone::Zone;

use super::dates;

/// The instants a relative trigger can be related to (UTC).
#[derive(Clone, Copy, Debug, Default)]
struct Anchors {
    start: Option<i64>,
    due: Option<i64>,
}

impl Anchors {
    fn of(cal: &ICalendar, todo: usize, user: &Zone) -> Anchors {
        let get =
            |p: ICalendarProperty| ical::when(cal, todo, &p).map(|w| dates::both(&w, user).utc);
        Anchors {
            start: get(ICalendarProperty::Dtstart),
            due: get(ICalendarProperty::Due),
        }
    }

    /// RFC 5545 3.8.6.3: a relative trigger relates to DTSTART, or to DUE with RELATED=END.
    /// When that one is missing the other is used (Apple and Thunderbird relate a task's
    /// alarm to DUE without saying so).
    fn anchor(self, to_end: bool) -> Option<i64> {
        if to_end {
            self.due.or(self.start)
        } else {
            self.start.or(self.due)
        }
    }
}

enum Trigger {
    Absolute(i64),
    Relative { to_end: bool, seconds: i64 },
}

fn trigger(cal: &ICalendar, alarm: usize, user: &Zone) -> Option<Trigger> {
    let e = ical::find(&cal.components[alarm], &ICalendarProperty::Trigger)?;
    match e.values.first()? {
        ICalendarValue::Duration(d) => Some(Trigger::Relative {
            to_end: matches!(
                ical::param(e, &ICalendarParameterName::Related),
                Some(ICalendarParameterValue::Related(ICalendarRelated::End))
            ),
            seconds: d.as_seconds(),
        }),
        ICalendarValue::PartialDateTime(_) => {
            ical::when_of(cal, e).map(|w| Trigger::Absolute(w.to_utc(user)))
        }
        _ => None,
    }
}

/// The reminder alarm's index and when it fires, and how many VALARMs the task has.
pub(crate) fn reminder(cal: &ICalendar, todo: usize, user: &Zone) -> (Option<(usize, i64)>, usize) {
    let anchors = Anchors::of(cal, todo, user);
    let alarms = ical::children(cal, todo, &ICalendarComponentType::VAlarm);
    let first = alarms.iter().find_map(|&a| {
        if !ical::alarm::is_display_or_audio(&cal.components[a]) {
            return None;
        }
        let at = match trigger(cal, a, user)? {
            Trigger::Absolute(s) => s,
            Trigger::Relative { to_end, seconds } => anchors.anchor(to_end)? + seconds,
        };
        Some((a, at))
    });
    (first, alarms.len())
}

/// Makes the reminder fire at `at`. The reminder alarm's trigger is rewritten (a relative one
/// stays relative to its anchor); with no reminder alarm, a DISPLAY alarm with an absolute
/// trigger is added. Returns whether anything changed.
pub(crate) fn set(cal: &mut ICalendar, todo: usize, at: i64, user: &Zone) -> bool {
    let anchors = Anchors::of(cal, todo, user);
    match reminder(cal, todo, user).0 {
        Some((_, now)) if now == at => false,
        Some((a, _)) => {
            let relative_to = match trigger(cal, a, user) {
                Some(Trigger::Relative { to_end, .. }) => anchors.anchor(to_end),
                _ => None,
            };
            match relative_to {
                Some(anchor) => {
                    if let Some(e) = cal.components[a]
                        .entries
                        .iter_mut()
                        .find(|e| e.name == ICalendarProperty::Trigger)
                    {
                        e.values = vec![ICalendarValue::Duration(ICalendarDuration::from_seconds(
                            at - anchor,
                        ))];
                    }
                }
                None => absolute_trigger(cal, a, at),
            }
            true
        }
        None => {
            let mut alarm = ical::component(ICalendarComponentType::VAlarm);
            alarm.entries = vec![
                ical::entry(
                    ICalendarProperty::Action,
                    ICalendarValue::Action(ICalendarAction::Display),
                ),
                ical::entry(ICalendarProperty::Description, ical::text_value("Reminder")),
            ];
            let a = ical::add_child(cal, todo, alarm);
            absolute_trigger(cal, a, at);
            true
        }
    }
}

/// `TRIGGER;VALUE=DATE-TIME:...Z` (RFC 5545 3.8.6.3), other parameters but RELATED kept.
fn absolute_trigger(cal: &mut ICalendar, alarm: usize, at: i64) {
    ical::set_when(cal, alarm, ICalendarProperty::Trigger, &When::utc(at));
    if let Some(e) = cal.components[alarm]
        .entries
        .iter_mut()
        .find(|e| e.name == ICalendarProperty::Trigger)
    {
        e.params.retain(|p| {
            !matches!(
                p.name,
                ICalendarParameterName::Related | ICalendarParameterName::Value
            )
        });
        e.params.insert(
            0,
            ICalendarParameter {
                name: ICalendarParameterName::Value,
                value: ICalendarParameterValue::Value(ICalendarValueType::DateTime),
            },
        );
    }
}

/// Removes the reminder alarm only (other alarms stay). Returns whether there was one.
pub(crate) fn clear(cal: &mut ICalendar, todo: usize, user: &Zone) -> bool {
    match reminder(cal, todo, user).0 {
        Some((a, _)) => ical::remove_child(cal, todo, a),
        None => false,
    }
}
