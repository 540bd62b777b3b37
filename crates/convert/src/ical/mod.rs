//! Small, generic helpers over calcard's iCalendar model, shared by the calendar, task, note
//! and meeting converters: parse and write, find a component and its overrides, read and
//! change text properties, date-times ([`When`]), categories, `CLASS`, the reminder and the
//! body.
//!
//! Every setter returns whether it changed the object, and leaves an entry alone when its
//! value already equals the one asked for (so its parameters, formatting and neighbours stay
//! as they were: merge, never regenerate).
//!
//! calcard keeps the components of an object in one flat list: `components[0]` is the
//! `VCALENDAR`, and a component names its children by index in `component_ids`. The helpers
//! here take and return those indices.

pub(crate) mod alarm;
mod body;
mod when;
mod zones;

pub use alarm::{Reminder, reminder, set_reminder};
pub use body::{apply_body, body, html_of, plain_of};
pub use when::{When, set_when, set_whens, when, when_of, whens_of};
pub use zones::{ensure_vtimezone, resolve_tzid, zone_tzid};

pub use calcard::icalendar::{
    ICalendar, ICalendarClassification, ICalendarComponent, ICalendarComponentType, ICalendarEntry,
    ICalendarParameter, ICalendarParameterName, ICalendarParameterValue, ICalendarProperty,
    ICalendarValue,
};

use crate::merge::ConvertError;

/// Reads an iCalendar object (one `VCALENDAR`; text before it is skipped).
pub fn parse(text: &str) -> Result<ICalendar, ConvertError> {
    let mut parser = calcard::Parser::new(text);
    loop {
        match parser.entry() {
            calcard::Entry::ICalendar(ical) => {
                return match ical.components.first() {
                    Some(c) if c.component_type == ICalendarComponentType::VCalendar => Ok(ical),
                    _ => Err(unreadable("the object is not a VCALENDAR")),
                };
            }
            calcard::Entry::InvalidLine(_) => continue,
            calcard::Entry::Eof => return Err(unreadable("no VCALENDAR in the text")),
            other => return Err(unreadable(&format!("{other:?}"))),
        }
    }
}

fn unreadable(detail: &str) -> ConvertError {
    ConvertError::Unreadable {
        kind: "iCalendar",
        detail: detail.to_owned(),
    }
}

/// The object as text (CRLF lines, folded at 75 octets).
pub fn write(ical: &ICalendar) -> String {
    ical.to_string()
}

/// An empty `VCALENDAR` (`VERSION:2.0`, `PRODID`), the skeleton a new item merges into.
pub fn empty(prodid: &str) -> ICalendar {
    ICalendar {
        components: vec![ICalendarComponent {
            component_type: ICalendarComponentType::VCalendar,
            entries: vec![
                entry(ICalendarProperty::Version, text_value("2.0")),
                entry(ICalendarProperty::Prodid, text_value(prodid)),
            ],
            component_ids: Vec::new(),
        }],
    }
}

/// An entry without parameters.
pub fn entry(name: ICalendarProperty, value: ICalendarValue) -> ICalendarEntry {
    ICalendarEntry {
        name,
        params: Vec::new(),
        values: vec![value],
    }
}

pub fn text_value(text: &str) -> ICalendarValue {
    ICalendarValue::Text(text.to_owned())
}

/// A property by name (`"X-ALT-DESC"` is `Other`, which compares case-insensitively in the
/// helpers here).
pub fn property(name: &str) -> ICalendarProperty {
    use calcard::common::IanaParse as _;
    ICalendarProperty::parse(name.as_bytes())
        .unwrap_or_else(|| ICalendarProperty::Other(name.to_owned()))
}

/// Whether `entry` is a `prop` (X- names case-insensitively).
pub fn is(entry: &ICalendarEntry, prop: &ICalendarProperty) -> bool {
    match (&entry.name, prop) {
        (ICalendarProperty::Other(a), ICalendarProperty::Other(b)) => a.eq_ignore_ascii_case(b),
        (a, b) => a == b,
    }
}

/// The first entry of `prop`.
pub fn find<'a>(
    comp: &'a ICalendarComponent,
    prop: &ICalendarProperty,
) -> Option<&'a ICalendarEntry> {
    comp.entries.iter().find(|e| is(e, prop))
}

/// The first parameter `name` of an entry.
pub fn param<'a>(
    entry: &'a ICalendarEntry,
    name: &ICalendarParameterName,
) -> Option<&'a ICalendarParameterValue> {
    entry
        .params
        .iter()
        .find(|p| param_is(&p.name, name))
        .map(|p| &p.value)
}

/// A text parameter's value (`CN`, `TZID`, X- parameters).
pub fn param_text<'a>(entry: &'a ICalendarEntry, name: &ICalendarParameterName) -> Option<&'a str> {
    param(entry, name).and_then(|v| v.as_text())
}

fn param_is(a: &ICalendarParameterName, b: &ICalendarParameterName) -> bool {
    match (a, b) {
        (ICalendarParameterName::Other(a), ICalendarParameterName::Other(b)) => {
            a.eq_ignore_ascii_case(b)
        }
        (a, b) => a == b,
    }
}

/// Sets parameter `name` to `value` (replacing every occurrence); returns whether it changed.
pub fn set_param(
    entry: &mut ICalendarEntry,
    name: ICalendarParameterName,
    value: ICalendarParameterValue,
) -> bool {
    let existing: Vec<&ICalendarParameterValue> = entry
        .params
        .iter()
        .filter(|p| param_is(&p.name, &name))
        .map(|p| &p.value)
        .collect();
    if existing.len() == 1 && *existing[0] == value {
        return false;
    }
    match entry.params.iter().position(|p| param_is(&p.name, &name)) {
        Some(at) => {
            entry.params.retain(|p| !param_is(&p.name, &name));
            entry.params.insert(
                at.min(entry.params.len()),
                ICalendarParameter { name, value },
            );
        }
        None => entry.params.push(ICalendarParameter { name, value }),
    }
    true
}

/// Removes parameter `name`; returns whether there was one.
pub fn remove_param(entry: &mut ICalendarEntry, name: &ICalendarParameterName) -> bool {
    let before = entry.params.len();
    entry.params.retain(|p| !param_is(&p.name, name));
    entry.params.len() != before
}

/// Components, children of `VCALENDAR`.
fn top_level(ical: &ICalendar) -> impl Iterator<Item = usize> + '_ {
    ical.components
        .first()
        .map_or(&[][..], |c| c.component_ids.as_slice())
        .iter()
        .map(|&id| id as usize)
        .filter(|&id| id < ical.components.len())
}

/// The master component of `kind`: the first one without `RECURRENCE-ID` (else the first of
/// that kind, for an object holding only overrides).
pub fn master(ical: &ICalendar, kind: &ICalendarComponentType) -> Option<usize> {
    let of_kind: Vec<usize> = top_level(ical)
        .filter(|&id| ical.components[id].component_type == *kind)
        .collect();
    of_kind
        .iter()
        .copied()
        .find(|&id| find(&ical.components[id], &ICalendarProperty::RecurrenceId).is_none())
        .or_else(|| of_kind.first().copied())
}

/// The overrides (components of `kind` with `RECURRENCE-ID` and the master's UID) of the
/// series whose master is `master`.
pub fn overrides(ical: &ICalendar, master: usize) -> Vec<usize> {
    let Some(m) = ical.components.get(master) else {
        return Vec::new();
    };
    let uid = m.uid();
    top_level(ical)
        .filter(|&id| {
            id != master
                && ical.components[id].component_type == m.component_type
                && find(&ical.components[id], &ICalendarProperty::RecurrenceId).is_some()
                && ical.components[id].uid() == uid
        })
        .collect()
}

/// The children of component `parent` of `kind` (e.g. its `VALARM`s).
pub fn children(ical: &ICalendar, parent: usize, kind: &ICalendarComponentType) -> Vec<usize> {
    ical.components
        .get(parent)
        .map_or(&[][..], |c| c.component_ids.as_slice())
        .iter()
        .map(|&id| id as usize)
        .filter(|&id| {
            ical.components
                .get(id)
                .is_some_and(|c| c.component_type == *kind)
        })
        .collect()
}

/// Appends `comp` as the last child of `parent` and returns its index.
pub fn add_child(ical: &mut ICalendar, parent: usize, comp: ICalendarComponent) -> usize {
    let id = ical.components.len();
    ical.components.push(comp);
    if let Some(p) = ical.components.get_mut(parent) {
        p.component_ids.push(id as u32);
    }
    id
}

/// Detaches child `child` from `parent` (it is no longer written; indices stay valid).
pub fn remove_child(ical: &mut ICalendar, parent: usize, child: usize) -> bool {
    match ical.components.get_mut(parent) {
        Some(p) => {
            let before = p.component_ids.len();
            p.component_ids.retain(|&id| id as usize != child);
            p.component_ids.len() != before
        }
        None => false,
    }
}

/// A new, empty component of `kind`.
pub fn component(kind: ICalendarComponentType) -> ICalendarComponent {
    ICalendarComponent {
        component_type: kind,
        entries: Vec::new(),
        component_ids: Vec::new(),
    }
}

/// The text of the first `prop` (several values, as in a comma list, are joined by `,`).
pub fn text(comp: &ICalendarComponent, prop: &ICalendarProperty) -> Option<String> {
    find(comp, prop).and_then(entry_text)
}

/// An entry's value as text.
pub fn entry_text(entry: &ICalendarEntry) -> Option<String> {
    let parts: Vec<String> = entry
        .values
        .iter()
        .filter_map(|v| v.clone().into_text().map(|t| t.into_owned()))
        .collect();
    (!parts.is_empty()).then(|| parts.join(","))
}

/// Sets the first `prop` to `value`, keeping its parameters; adds it when absent. An entry
/// whose text already equals `value` is not touched. Returns whether it changed.
pub fn set_text(comp: &mut ICalendarComponent, prop: ICalendarProperty, value: &str) -> bool {
    if text(comp, &prop).as_deref() == Some(value) {
        return false;
    }
    match comp.entries.iter_mut().find(|e| is(e, &prop)) {
        Some(e) => e.values = vec![text_value(value)],
        None => comp.entries.push(entry(prop, text_value(value))),
    }
    true
}

/// Sets `prop` to `value`, or removes it for `None`. Returns whether it changed.
pub fn set_or_remove_text(
    comp: &mut ICalendarComponent,
    prop: ICalendarProperty,
    value: Option<&str>,
) -> bool {
    match value {
        Some(v) => set_text(comp, prop, v),
        None => remove(comp, &prop),
    }
}

/// Removes every `prop`; returns whether there was one.
pub fn remove(comp: &mut ICalendarComponent, prop: &ICalendarProperty) -> bool {
    let before = comp.entries.len();
    comp.entries.retain(|e| !is(e, prop));
    comp.entries.len() != before
}

/// Sets `prop` to one value of any type (keeping the first entry's parameters), unless it
/// already has exactly that value.
pub fn set_value(
    comp: &mut ICalendarComponent,
    prop: ICalendarProperty,
    value: ICalendarValue,
) -> bool {
    if find(comp, &prop).is_some_and(|e| e.values.len() == 1 && e.values[0] == value) {
        return false;
    }
    let first = comp.entries.iter().position(|e| is(e, &prop));
    match first {
        Some(at) => {
            comp.entries[at].values = vec![value];
            let mut seen = false;
            comp.entries.retain(|e| {
                if is(e, &prop) {
                    let keep = !seen;
                    seen = true;
                    keep
                } else {
                    true
                }
            });
        }
        None => comp.entries.push(entry(prop, value)),
    }
    true
}

/// Every category of every `CATEGORIES` entry, in order.
pub fn categories(comp: &ICalendarComponent) -> Vec<String> {
    comp.entries
        .iter()
        .filter(|e| is(e, &ICalendarProperty::Categories))
        .flat_map(|e| {
            e.values
                .iter()
                .filter_map(|v| v.as_text().map(str::to_owned))
        })
        .collect()
}

/// Makes the categories `list` (one `CATEGORIES` entry with the first entry's parameters;
/// none for an empty list). Unchanged when the list is already that.
pub fn set_categories(comp: &mut ICalendarComponent, list: &[String]) -> bool {
    if categories(comp) == list {
        return false;
    }
    let at = comp
        .entries
        .iter()
        .position(|e| is(e, &ICalendarProperty::Categories));
    let params = at
        .map(|i| comp.entries[i].params.clone())
        .unwrap_or_default();
    remove(comp, &ICalendarProperty::Categories);
    if !list.is_empty() {
        let e = ICalendarEntry {
            name: ICalendarProperty::Categories,
            params,
            values: list.iter().map(|c| text_value(c)).collect(),
        };
        comp.entries
            .insert(at.unwrap_or(comp.entries.len()).min(comp.entries.len()), e);
    }
    true
}

/// EAS `Sensitivity` (0 normal, 1 personal, 2 private, 3 confidential) of `CLASS`: PUBLIC 0,
/// `X-PERSONAL` 1, PRIVATE 2, CONFIDENTIAL 3; an unknown value is private (RFC 5545
/// 3.8.1.3); no `CLASS` is `None` (normal).
pub fn sensitivity(comp: &ICalendarComponent) -> Option<u8> {
    let e = find(comp, &ICalendarProperty::Class)?;
    Some(match e.values.first()? {
        ICalendarValue::Classification(ICalendarClassification::Public) => 0,
        ICalendarValue::Classification(ICalendarClassification::Private) => 2,
        ICalendarValue::Classification(ICalendarClassification::Confidential) => 3,
        ICalendarValue::Text(t) if t.eq_ignore_ascii_case("X-PERSONAL") => 1,
        _ => 2,
    })
}

/// Sets `CLASS` from an EAS `Sensitivity`; an object without `CLASS` already means normal (0),
/// so 0 adds nothing there. Values above 3 are ignored.
pub fn set_sensitivity(comp: &mut ICalendarComponent, value: u8) -> bool {
    if sensitivity(comp).unwrap_or(0) == value {
        return false;
    }
    let v = match value {
        0 => ICalendarValue::Classification(ICalendarClassification::Public),
        1 => ICalendarValue::Text("X-PERSONAL".to_owned()),
        2 => ICalendarValue::Classification(ICalendarClassification::Private),
        3 => ICalendarValue::Classification(ICalendarClassification::Confidential),
        _ => return false,
    };
    set_value(comp, ICalendarProperty::Class, v)
}

/// A calendar address (ORGANIZER, ATTENDEE) without its `mailto:` scheme.
pub fn strip_mailto(value: &str) -> &str {
    let v = value.trim();
    match v.get(..7) {
        Some(s) if s.eq_ignore_ascii_case("mailto:") => &v[7..],
        _ => v,
    }
}

/// Whether two calendar addresses are the same mailbox (case-insensitive, `mailto:` ignored).
pub fn same_address(a: &str, b: &str) -> bool {
    strip_mailto(a).eq_ignore_ascii_case(strip_mailto(b))
}

#[cfg(test)]
mod tests;
