//! What the meeting converter reads of an iCalendar object, over calcard: the METHOD, the
//! VEVENTs, text and X- properties and attendees (date-times are `crate::ical::When`).

pub(super) use crate::ical::{entry_text, find, param_text, parse, same_address, text, when_of};
use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarEntry, ICalendarParameterName,
    ICalendarParameterValue, ICalendarParticipationStatus, ICalendarProperty, ICalendarValue,
};

/// The `METHOD` of the object, upper case.
pub(super) fn method(ical: &ICalendar) -> Option<String> {
    let cal = ical.components.first()?;
    let e = find(cal, &ICalendarProperty::Method)?;
    e.values
        .first()
        .and_then(ICalendarValue::as_text)
        .map(|m| m.trim().to_ascii_uppercase())
}

/// The indices of the object's top-level VEVENTs, in order.
pub(super) fn events(ical: &ICalendar) -> Vec<usize> {
    let Some(cal) = ical.components.first() else {
        return Vec::new();
    };
    cal.component_ids
        .iter()
        .map(|&id| id as usize)
        .filter(|&id| {
            ical.components
                .get(id)
                .is_some_and(|c| c.component_type == ICalendarComponentType::VEvent)
        })
        .collect()
}

/// The first entry of an X- property, by name, case-insensitively.
pub(super) fn find_other<'a>(
    comp: &'a ICalendarComponent,
    name: &str,
) -> Option<&'a ICalendarEntry> {
    find(comp, &ICalendarProperty::Other(name.to_owned()))
}

/// The address of an ORGANIZER or ATTENDEE without `mailto:`.
pub(super) fn address(e: &ICalendarEntry) -> Option<&str> {
    e.calendar_address().map(str::trim)
}

/// The ATTENDEE entries of `comp` whose address is one of `addresses`.
pub(super) fn attendee_of<'a>(
    comp: &'a ICalendarComponent,
    addresses: &[String],
) -> Option<&'a ICalendarEntry> {
    comp.entries.iter().find(|e| {
        e.name == ICalendarProperty::Attendee
            && address(e).is_some_and(|a| addresses.iter().any(|u| same_address(a, u)))
    })
}

/// The PARTSTAT of an ATTENDEE (absent: NEEDS-ACTION).
pub(super) fn partstat(e: &ICalendarEntry) -> ICalendarParticipationStatus {
    match e.parameter(&ICalendarParameterName::Partstat) {
        Some(ICalendarParameterValue::Partstat(p)) => p.clone(),
        _ => ICalendarParticipationStatus::NeedsAction,
    }
}

/// The duration of a DURATION entry in seconds.
pub(super) fn duration_seconds(e: &ICalendarEntry) -> Option<i64> {
    match e.values.first()? {
        ICalendarValue::Duration(d) => Some(d.as_seconds()),
        _ => None,
    }
}

/// Writes component `idx` of `ical` with its children (BEGIN/END lines, entries folded).
pub(super) fn write_component(ical: &ICalendar, idx: usize, out: &mut String) {
    let Some(c) = ical.components.get(idx) else {
        return;
    };
    let name = c.component_type.as_str();
    out.push_str("BEGIN:");
    out.push_str(name);
    out.push_str("\r\n");
    for e in &c.entries {
        let _ = e.write_to(out);
    }
    for &child in &c.component_ids {
        write_component(ical, child as usize, out);
    }
    out.push_str("END:");
    out.push_str(name);
    out.push_str("\r\n");
}
