//! The seam to `crate::timezone`: a TZID of an object to a [`Zone`], a zone to its TZID, and
//! the object's `VTIMEZONE` for a zone.

use super::ICalendar;
use crate::timezone::Zone;

/// The zone a `TZID` parameter names in `ical` (a known IANA or Windows name, or the
/// object's VTIMEZONE by its rules); `None` when it cannot be resolved.
pub fn resolve_tzid(ical: &ICalendar, tzid: &str) -> Option<Zone> {
    Zone::resolve(tzid, ical)
}

/// The `TZID` to write for `zone`.
pub fn zone_tzid(zone: &Zone) -> String {
    zone.tzid()
}

/// Adds the `VTIMEZONE` of `zone` covering `from..=to` (UTC seconds) to `ical` unless it has
/// one with that TZID; never for UTC.
pub fn ensure_vtimezone(ical: &mut ICalendar, zone: &Zone, from: i64, to: i64) {
    if *zone != Zone::UTC {
        zone.add_vtimezone(ical, from, to);
    }
}
