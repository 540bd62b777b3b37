//! The task reminder: EAS has one absolute reminder (ReminderSet + ReminderTime); iCalendar
//! has any number of VALARMs with absolute or relative triggers. The reminder is the first
//! VALARM whose trigger resolves to an instant; the others stay on the server.

use calcard::icalendar::{
    ICalendar, ICalendarAction, ICalendarComponent, ICalendarComponentType, ICalendarDuration,
    ICalendarParameterName, ICalendarParameterValue, ICalendarProperty,
    ICalendarRelated, ICalendarValue,
};

use super::dates;
use super::ics;
use crate::timezone::Zone;

/// The instants a relative trigger can be related to.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Anchors {
    pub start: Option<i64>,
    pub due: Option<i64>,
}

impl Anchors {
    pub(crate) fn of(todo: &ICalendarComponent, user: &Zone) -> Anchors {
        let get = |p: &ICalendarProperty| {
            todo.property(p)
                .and_then(dates::read)
                .map(|w| w.both(user).utc)
        };
        Anchors {
            start: get(&ICalendarProperty::Dtstart),
            due: get(&ICalendarProperty::Due),
        }
    }
}

/// The trigger as (is it related to the end, relative offset) or an absolute instant.
enum Trigger {
    Absolute(i64),
    Relative { to_end: bool, seconds: i64 },
}

fn trigger(alarm: &ICalendarComponent, user: &Zone) -> Option<Trigger> {
    let e = alarm.property(&ICalendarProperty::Trigger)?;
    match e.values.first()? {
        ICalendarValue::Duration(d) => {
            let to_end = e.params.iter().any(|p| {
                p.name == ICalendarParameterName::Related
                    && p.value == ICalendarParameterValue::Related(ICalendarRelated::End)
            });
            Some(Trigger::Relative {
                to_end,
                seconds: d.as_seconds(),
            })
        }
        ICalendarValue::PartialDateTime(_) => dates::read(e).map(|w| Trigger::Absolute(w.both(user).utc)),
        _ => None,
    }
}

/// When a trigger fires. A relative trigger on a task relates to DTSTART (or DUE with
/// RELATED=END); with its anchor missing it uses the other one (RFC 5545 3.8.6.3 leaves it
/// undefined; Apple and Thunderbird write such alarms against DUE).
fn fires(t: &Trigger, anchors: Anchors) -> Option<i64> {
    match *t {
        Trigger::Absolute(s) => Some(s),
        Trigger::Relative { to_end, seconds } => {
            let anchor = if to_end {
                anchors.due.or(anchors.start)
            } else {
                anchors.start.or(anchors.due)
            };
            anchor.map(|a| a + seconds)
        }
    }
}

fn alarm_ids(cal: &ICalendar, todo: usize) -> Vec<u32> {
    cal.components[todo]
        .component_ids
        .iter()
        .copied()
        .filter(|id| {
            cal.component_by_id(*id)
                .is_some_and(|c| c.component_type == ICalendarComponentType::VAlarm)
        })
        .collect()
}

/// The reminder alarm's id and when it fires; and how many alarms there are in all.
pub(crate) fn reminder(cal: &ICalendar, todo: usize, user: &Zone) -> (Option<(u32, i64)>, usize) {
    let anchors = Anchors::of(&cal.components[todo], user);
    let ids = alarm_ids(cal, todo);
    let first = ids.iter().find_map(|id| {
        let alarm = cal.component_by_id(*id)?;
        fires(&trigger(alarm, user)?, anchors).map(|at| (*id, at))
    });
    (first, ids.len())
}

/// Sets the reminder to fire at `at`: the reminder alarm's trigger is rewritten (a relative
/// one stays relative to its anchor when it has one); with no alarm, a DISPLAY alarm is added.
pub(crate) fn set(cal: &mut ICalendar, todo: usize, at: i64, user: &Zone) {
    let anchors = Anchors::of(&cal.components[todo], user);
    if let (Some((id, _)), _) = reminder(cal, todo, user) {
        let Some(alarm) = cal.components.get_mut(id as usize) else {
            return;
        };
        let relative = match trigger(alarm, user) {
            Some(Trigger::Relative { to_end, .. }) => {
                let anchor = if to_end {
                    anchors.due.or(anchors.start)
                } else {
                    anchors.start.or(anchors.due)
                };
                anchor
            }
            _ => None,
        };
        if let Some(e) = alarm.property_mut(&ICalendarProperty::Trigger) {
            match relative {
                Some(anchor) => {
                    e.values = vec![ICalendarValue::Duration(ICalendarDuration::from_seconds(
                        at - anchor,
                    ))];
                }
                None => {
                    e.params.retain(|p| p.name != ICalendarParameterName::Related);
                    dates::write(alarm, ICalendarProperty::Trigger, &dates::When::Utc(at));
                    set_value_date_time(alarm);
                }
            }
        }
        return;
    }
    let mut alarm = ICalendarComponent {
        component_type: ICalendarComponentType::VAlarm,
        entries: vec![
            ics::entry(
                ICalendarProperty::Action,
                ICalendarValue::Action(ICalendarAction::Display),
            ),
            ics::entry(ICalendarProperty::Description, ics::text_value("Reminder")),
        ],
        component_ids: Vec::new(),
    };
    dates::write(&mut alarm, ICalendarProperty::Trigger, &dates::When::Utc(at));
    set_value_date_time(&mut alarm);
    let id = cal.components.len() as u32;
    cal.components.push(alarm);
    cal.components[todo].component_ids.push(id);
}

/// An absolute TRIGGER says `VALUE=DATE-TIME` (RFC 5545 3.8.6.3).
fn set_value_date_time(alarm: &mut ICalendarComponent) {
    if let Some(e) = alarm.property_mut(&ICalendarProperty::Trigger) {
        e.params.retain(|p| p.name != ICalendarParameterName::Value);
        e.params.insert(
            0,
            calcard::icalendar::ICalendarParameter {
                name: ICalendarParameterName::Value,
                value: ICalendarParameterValue::Value(
                    calcard::icalendar::ICalendarValueType::DateTime,
                ),
            },
        );
    }
}

/// Removes the reminder alarm (only it: other alarms stay).
pub(crate) fn clear(cal: &mut ICalendar, todo: usize, user: &Zone) {
    if let (Some((id, _)), _) = reminder(cal, todo, user) {
        cal.remove_component_ids(&[id]);
    }
}
