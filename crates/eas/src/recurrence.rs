//! The `Recurrence` element of the Calendar (MS-ASCAL 2.2.2.39), Tasks (MS-ASTASK 2.2.2.21)
//! and Email (`email:Recurrence` in a MeetingRequest, MS-ASEMAIL 2.2.2.60) classes: one pattern
//! type, three namespaces. What it means as an RRULE is `convert::recurrence`.

/// `Type` (MS-ASCAL 2.2.2.46): how the pattern repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecurrenceType {
    Daily = 0,
    Weekly = 1,
    /// On `day_of_month` of every `interval` months.
    Monthly = 2,
    /// On the `week_of_month`-th `day_of_week` (5 = last) of every `interval` months.
    MonthlyNth = 3,
    /// On `day_of_month` of `month_of_year`.
    Yearly = 5,
    /// On the `week_of_month`-th `day_of_week` of `month_of_year`.
    YearlyNth = 6,
}

/// Where a `Recurrence` is written: the namespace of its children and the form of `Until`
/// (compact `20261122T100000Z` for Calendar and Email, `dateTime` for Tasks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecurrencePage {
    Calendar,
    Tasks,
    /// `email:Recurrences/email:Recurrence` inside a MeetingRequest (CalendarType,
    /// IsLeapMonth and FirstDayOfWeek from Email2).
    Email,
}

/// `DayOfWeek` bits (MS-ASCAL 2.2.2.18): Sunday 1, Monday 2, ... Saturday 64; 127 every day,
/// 62 weekdays, 65 weekend days.
pub mod day_bits {
    pub const SUNDAY: u8 = 1;
    pub const MONDAY: u8 = 2;
    pub const TUESDAY: u8 = 4;
    pub const WEDNESDAY: u8 = 8;
    pub const THURSDAY: u8 = 16;
    pub const FRIDAY: u8 = 32;
    pub const SATURDAY: u8 = 64;
}

/// A recurrence pattern as a device sends or receives it. Fields a pattern does not use are
/// `None`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Recurrence {
    pub kind: RecurrenceType,
    /// 1-999; `None` means 1.
    pub interval: Option<u16>,
    /// Number of occurrences; excludes `until`.
    pub occurrences: Option<u32>,
    /// The last occurrence's start (or later), UTC unix seconds.
    pub until: Option<i64>,
    /// [`day_bits`] mask.
    pub day_of_week: Option<u8>,
    /// 1-31.
    pub day_of_month: Option<u8>,
    /// 1-5, 5 meaning the last.
    pub week_of_month: Option<u8>,
    /// 1-12.
    pub month_of_year: Option<u8>,
    /// 14.0+: the calendar system (MS-ASCAL 2.2.2.11); 0 default, 1 Gregorian.
    pub calendar_type: Option<u8>,
    /// 14.0+.
    pub is_leap_month: Option<bool>,
    /// 14.1+: 0 Sunday .. 6 Saturday.
    pub first_day_of_week: Option<u8>,
    /// Tasks: the pattern's first day (`tasks:Start`), UTC unix seconds.
    pub start: Option<i64>,
    /// Tasks: the next occurrence is counted from completion.
    pub regenerate: Option<bool>,
    /// Tasks: the task recurs forever (`DeadOccur`).
    pub dead_occur: Option<bool>,
}

impl Recurrence {
    /// A pattern of `kind` with nothing else set.
    pub fn new(kind: RecurrenceType) -> Recurrence {
        Recurrence {
            kind,
            interval: None,
            occurrences: None,
            until: None,
            day_of_week: None,
            day_of_month: None,
            week_of_month: None,
            month_of_year: None,
            calendar_type: None,
            is_leap_month: None,
            first_day_of_week: None,
            start: None,
            regenerate: None,
            dead_occur: None,
        }
    }
}
