//! Time zones: the EAS TimeZone blob <-> IANA zones and VTIMEZONE. (Being written: the API
//! below is the contract the calendar, task, recurrence and meeting converters use.)

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

    /// UTC unix seconds of a local wall time (a time in a gap moves forward by the gap, an
    /// ambiguous one takes the earlier instant).
    pub fn to_utc(&self, local: NaiveDateTime) -> i64 {
        use chrono::{LocalResult, TimeZone as _};
        match self {
            Zone::Iana(tz) => match tz.from_local_datetime(&local) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.timestamp(),
                LocalResult::None => tz
                    .from_local_datetime(&(local + chrono::Duration::hours(1)))
                    .earliest()
                    .map_or(local.and_utc().timestamp(), |t| t.timestamp()),
            },
            Zone::Custom(_) => todo!("convert::timezone is being written"),
        }
    }

    /// The local wall time of a UTC instant.
    pub fn to_local(&self, utc: i64) -> NaiveDateTime {
        use chrono::TimeZone as _;
        match self {
            Zone::Iana(tz) => tz
                .timestamp_opt(utc, 0)
                .single()
                .map_or_else(NaiveDateTime::default, |t| t.naive_local()),
            Zone::Custom(_) => todo!("convert::timezone is being written"),
        }
    }
}
