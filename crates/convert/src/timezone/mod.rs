//! Time zones: the EAS TimeZone blob <-> IANA zones and VTIMEZONE, through the CLDR
//! Windows <-> IANA mapping, with the rules in force in the event's own year. See
//! the crate README for every decision that is not one-to-one.

mod eas;
mod rules;
mod vtimezone;
mod windows;

pub use windows::{MapZone, iana_for_windows, mapped_zones, skipped_names, windows_name};

use chrono::NaiveDateTime;

/// A zone an event's local times are in.
#[derive(Clone, Debug, PartialEq)]
pub enum Zone {
    /// A zone of the tz database (UTC is `Iana(chrono_tz::UTC)`).
    Iana(chrono_tz::Tz),
    /// A zone known only by its rules (a custom VTIMEZONE or an unmatched EAS blob).
    Custom(CustomZone),
}

/// A zone given by a standard offset and at most one yearly daylight-saving rule, which is
/// what an EAS blob can say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomZone {
    /// The name to write as TZID.
    pub name: String,
    /// Seconds east of UTC in standard time.
    pub standard_offset: i32,
    pub daylight: Option<DaylightRule>,
}

/// Daylight saving time: its offset and the yearly rules that start and end it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DaylightRule {
    /// Seconds east of UTC in daylight time.
    pub offset: i32,
    pub start: YearlyRule,
    pub end: YearlyRule,
}

/// "The `week`-th `weekday` of `month` at `time`" (`week` 5 = last), local wall time before
/// the transition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YearlyRule {
    pub month: u8,
    pub week: u8,
    pub weekday: chrono::Weekday,
    pub time: chrono::NaiveTime,
}

impl Zone {
    pub const UTC: Zone = Zone::Iana(chrono_tz::UTC);

    /// The TZID to write: the IANA name, the custom zone's name.
    pub fn tzid(&self) -> String {
        match self {
            Zone::Iana(tz) => tz.name().to_string(),
            Zone::Custom(custom) => custom.name.clone(),
        }
    }

    /// Seconds east of UTC at a UTC instant (any `i64`; beyond chrono's range the offset at
    /// its end).
    pub fn offset_at(&self, utc: i64) -> i32 {
        use chrono::{Offset as _, TimeZone as _};
        match self {
            Zone::Iana(tz) => {
                chrono::DateTime::from_timestamp(rules::clamp_utc(utc), 0).map_or(0, |t| {
                    tz.offset_from_utc_datetime(&t.naive_utc())
                        .fix()
                        .local_minus_utc()
                })
            }
            Zone::Custom(custom) => custom.offset_at(utc),
        }
    }

    /// UTC unix seconds of a local wall time (a time in a gap moves forward by the gap, an
    /// ambiguous one takes the earlier instant).
    pub fn to_utc(&self, local: NaiveDateTime) -> i64 {
        rules::local_to_utc(local, |utc| self.offset_at(utc))
    }

    /// The local wall time of a UTC instant (saturating at chrono's range).
    pub fn to_local(&self, utc: i64) -> NaiveDateTime {
        rules::utc_to_local(utc, self.offset_at(utc))
    }
}
