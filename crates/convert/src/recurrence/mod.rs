//! The EAS recurrence pattern (MS-ASCAL 2.2.2.39, MS-ASTASK 2.2.2.21, MS-ASEMAIL 2.2.2.60) <->
//! the iCalendar RRULE (RFC 5545 3.3.10). (Being written: the signatures are the contract.)

use calcard::icalendar::ICalendarRecurrenceRule;
use eas::recurrence::Recurrence;

use crate::merge::Loss;
use crate::timezone::Zone;

/// Where the series starts, in the event's (or task's) own zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeriesStart {
    pub local: chrono::NaiveDateTime,
    pub all_day: bool,
}

/// The RRULE a device's pattern means.
pub fn to_rrule(rec: &Recurrence, start: &SeriesStart, zone: &Zone) -> ICalendarRecurrenceRule {
    let _ = (rec, start, zone);
    ICalendarRecurrenceRule::default()
}

/// The EAS pattern of an RRULE. Err: the rule cannot be carried by EAS (kept on the server,
/// reported).
pub fn from_rrule(
    rule: &ICalendarRecurrenceRule,
    start: &SeriesStart,
    zone: &Zone,
) -> Result<Recurrence, Loss> {
    let _ = (rule, start, zone);
    Err(Loss::new("RRULE", "not yet converted"))
}
