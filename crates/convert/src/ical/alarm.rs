//! The EAS reminder (minutes before the start) and the object's `VALARM`s.
//!
//! The reminder is the first `VALARM` with `ACTION:DISPLAY` or `AUDIO` whose `TRIGGER` is a
//! duration before (or at) the start. `EMAIL` alarms, alarms after the start or relative to
//! the end, and further alarms are not the reminder and are never changed by it.

use calcard::icalendar::{ICalendarAction, ICalendarDuration, ICalendarRelated};

use super::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarEntry, ICalendarParameterName,
    ICalendarParameterValue, ICalendarProperty, ICalendarValue, add_child, children, component,
    entry, find, param, remove_child, text_value,
};

/// What the reminder of a component is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reminder {
    /// Minutes before the start.
    Minutes(u32),
    /// No relative display/audio alarm, but one at this absolute time (UTC seconds): EAS
    /// cannot carry it (report it as a loss).
    Absolute(i64),
}

/// Whether an alarm can be the reminder: `ACTION:DISPLAY` or `AUDIO`, or no ACTION at all
/// (invalid, but seen; read as a display alarm). Shared with the task reminder.
pub(crate) fn is_display_or_audio(alarm: &ICalendarComponent) -> bool {
    match find(alarm, &ICalendarProperty::Action).and_then(|e| e.values.first()) {
        Some(ICalendarValue::Action(a)) => {
            matches!(a, ICalendarAction::Display | ICalendarAction::Audio)
        }
        None => true,
        _ => false,
    }
}

/// Minutes before the start of a relative trigger, if it is one.
fn relative_minutes(trigger: &ICalendarEntry) -> Option<u32> {
    if matches!(
        param(trigger, &ICalendarParameterName::Related),
        Some(ICalendarParameterValue::Related(ICalendarRelated::End))
    ) {
        return None;
    }
    match trigger.values.first()? {
        ICalendarValue::Duration(d) => {
            let secs = u64::from(d.weeks) * 7 * 86_400
                + u64::from(d.days) * 86_400
                + u64::from(d.hours) * 3_600
                + u64::from(d.minutes) * 60
                + u64::from(d.seconds);
            if d.neg || secs == 0 {
                u32::try_from(secs / 60).ok()
            } else {
                None
            }
        }
        _ => None,
    }
}

fn reminder_alarms(ical: &ICalendar, comp: usize) -> Vec<(usize, u32)> {
    children(ical, comp, &ICalendarComponentType::VAlarm)
        .into_iter()
        .filter(|&a| is_display_or_audio(&ical.components[a]))
        .filter_map(|a| {
            find(&ical.components[a], &ICalendarProperty::Trigger)
                .and_then(relative_minutes)
                .map(|m| (a, m))
        })
        .collect()
}

/// The reminder of component `comp`.
pub fn reminder(ical: &ICalendar, comp: usize) -> Option<Reminder> {
    if let Some(&(_, m)) = reminder_alarms(ical, comp).first() {
        return Some(Reminder::Minutes(m));
    }
    children(ical, comp, &ICalendarComponentType::VAlarm)
        .into_iter()
        .filter(|&a| is_display_or_audio(&ical.components[a]))
        .find_map(|a| {
            let t = find(&ical.components[a], &ICalendarProperty::Trigger)?;
            super::when_of(ical, t)
                .map(|w| Reminder::Absolute(w.to_utc(&crate::timezone::Zone::UTC)))
        })
}

/// Sets the reminder: `Some(minutes)` changes the first relative display/audio alarm's
/// trigger (or adds `ACTION:DISPLAY` alarm); `None` removes the relative display/audio alarms
/// (so the object renders as "no reminder"), leaving every other alarm.
pub fn set_reminder(ical: &mut ICalendar, comp: usize, minutes: Option<u32>) -> bool {
    let alarms = reminder_alarms(ical, comp);
    match minutes {
        Some(m) => match alarms.first() {
            Some(&(_, now)) if now == m => false,
            Some(&(a, _)) => {
                if let Some(t) = ical.components[a]
                    .entries
                    .iter_mut()
                    .find(|e| e.name == ICalendarProperty::Trigger)
                {
                    t.values = vec![ICalendarValue::Duration(before(m))];
                }
                true
            }
            None => {
                let mut alarm = component(ICalendarComponentType::VAlarm);
                alarm.entries = vec![
                    entry(
                        ICalendarProperty::Action,
                        ICalendarValue::Action(ICalendarAction::Display),
                    ),
                    entry(ICalendarProperty::Description, text_value("Reminder")),
                    entry(
                        ICalendarProperty::Trigger,
                        ICalendarValue::Duration(before(m)),
                    ),
                ];
                add_child(ical, comp, alarm);
                true
            }
        },
        None => {
            for &(a, _) in &alarms {
                remove_child(ical, comp, a);
            }
            !alarms.is_empty()
        }
    }
}

/// `-PT{m}M` (written as days/hours where whole, as clients do).
fn before(minutes: u32) -> ICalendarDuration {
    let (days, rest) = if minutes.is_multiple_of(1440) && minutes > 0 {
        (minutes / 1440, 0)
    } else {
        (0, minutes)
    };
    let (hours, mins) = if rest.is_multiple_of(60) {
        (rest / 60, 0)
    } else {
        (0, rest)
    };
    ICalendarDuration {
        neg: minutes > 0,
        weeks: 0,
        days,
        hours,
        minutes: mins,
        seconds: 0,
    }
}
