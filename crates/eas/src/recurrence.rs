//! The `Recurrence` element of the Calendar (MS-ASCAL 2.2.2.39), Tasks (MS-ASTASK 2.2.2.21)
//! and Email (`email:Recurrence` in a MeetingRequest, MS-ASEMAIL 2.2.2.60) classes: one pattern
//! type, three namespaces. What it means as an RRULE is `convert::recurrence`.
//!
//! [`Recurrence::from_element`] reads the children in whichever of the three namespaces they
//! come (devices mix them up less than one would fear, but nothing is gained by refusing);
//! [`Recurrence::to_element`] writes one page's namespace, in the element order of that
//! page's schema (Calendar.xsd and Tasks.xsd list the children of an `xs:all`, Email.xsd a
//! `xs:sequence` in which `Interval` is required), and only the elements the protocol version
//! defines (CalendarType and IsLeapMonth from 14.0, FirstDayOfWeek from 14.1).

use wbxml::{
    Element, Tag, tags::calendar as cal, tags::email as em, tags::email2 as em2, tags::tasks as t,
};

use crate::date::{format_utc, format_utc_compact, parse_utc};
use crate::error::{ProtocolError, bool_text, parse_bool, parse_text, text_of};
use crate::version::ProtocolVersion;

/// `Type` (MS-ASCAL 2.2.2.46): how the pattern repeats. (There is no type 4.)
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

impl RecurrenceType {
    /// The `Type` code.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The type of a `Type` code; 4 and codes above 6 are not types.
    pub fn from_code(code: u8) -> Option<RecurrenceType> {
        Some(match code {
            0 => RecurrenceType::Daily,
            1 => RecurrenceType::Weekly,
            2 => RecurrenceType::Monthly,
            3 => RecurrenceType::MonthlyNth,
            5 => RecurrenceType::Yearly,
            6 => RecurrenceType::YearlyNth,
            _ => return None,
        })
    }
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

/// The tags of one page's `Recurrence` children.
struct PageTags {
    recurrence: Tag,
    kind: Tag,
    interval: Tag,
    occurrences: Tag,
    until: Tag,
    day_of_week: Tag,
    day_of_month: Tag,
    week_of_month: Tag,
    month_of_year: Tag,
    calendar_type: Tag,
    is_leap_month: Tag,
    first_day_of_week: Tag,
}

impl RecurrencePage {
    fn tags(self) -> PageTags {
        match self {
            RecurrencePage::Calendar => PageTags {
                recurrence: cal::RECURRENCE,
                kind: cal::TYPE,
                interval: cal::INTERVAL,
                occurrences: cal::OCCURRENCES,
                until: cal::UNTIL,
                day_of_week: cal::DAY_OF_WEEK,
                day_of_month: cal::DAY_OF_MONTH,
                week_of_month: cal::WEEK_OF_MONTH,
                month_of_year: cal::MONTH_OF_YEAR,
                calendar_type: cal::CALENDAR_TYPE,
                is_leap_month: cal::IS_LEAP_MONTH,
                first_day_of_week: cal::FIRST_DAY_OF_WEEK,
            },
            RecurrencePage::Tasks => PageTags {
                recurrence: t::RECURRENCE,
                kind: t::TYPE,
                interval: t::INTERVAL,
                occurrences: t::OCCURRENCES,
                until: t::UNTIL,
                day_of_week: t::DAY_OF_WEEK,
                day_of_month: t::DAY_OF_MONTH,
                week_of_month: t::WEEK_OF_MONTH,
                month_of_year: t::MONTH_OF_YEAR,
                calendar_type: t::CALENDAR_TYPE,
                is_leap_month: t::IS_LEAP_MONTH,
                first_day_of_week: t::FIRST_DAY_OF_WEEK,
            },
            RecurrencePage::Email => PageTags {
                recurrence: em::RECURRENCE,
                kind: em::TYPE,
                interval: em::INTERVAL,
                occurrences: em::OCCURRENCES,
                until: em::UNTIL,
                day_of_week: em::DAY_OF_WEEK,
                day_of_month: em::DAY_OF_MONTH,
                week_of_month: em::WEEK_OF_MONTH,
                month_of_year: em::MONTH_OF_YEAR,
                calendar_type: em2::CALENDAR_TYPE,
                is_leap_month: em2::IS_LEAP_MONTH,
                first_day_of_week: em2::FIRST_DAY_OF_WEEK,
            },
        }
    }

    /// The page whose `Recurrence` tag this is (Calendar for any other tag).
    fn of(tag: Tag) -> RecurrencePage {
        if tag == t::RECURRENCE {
            RecurrencePage::Tasks
        } else if tag == em::RECURRENCE {
            RecurrencePage::Email
        } else {
            RecurrencePage::Calendar
        }
    }
}

/// An integer child within `range` (the schemas' bounds), else `Invalid`.
fn ranged<T>(el: &Element, range: std::ops::RangeInclusive<T>) -> Result<T, ProtocolError>
where
    T: std::str::FromStr + PartialOrd + ToString,
{
    let value: T = parse_text(el)?;
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(ProtocolError::Invalid {
            element: el.tag,
            value: value.to_string(),
        })
    }
}

impl Recurrence {
    /// Reads a `Recurrence` element of any of the three pages. Children may come in any of the
    /// three namespaces and in any order; unknown children are ignored. `Until` and `Start`
    /// are read in the compact (`20261122T100000Z`) or the `dateTime` form, whatever the page.
    ///
    /// `Type` is required; every value is checked against the schemas' ranges (a `DayOfWeek`
    /// of 0 or above 127, a `WeekOfMonth` of 6, an `Occurrences` of 0 ... are `Invalid`). An
    /// `Interval` of 0, which the schemas allow, is read as absent (1).
    pub fn from_element(el: &Element) -> Result<Recurrence, ProtocolError> {
        let mut kind = None;
        let mut rec = Recurrence::new(RecurrenceType::Daily);
        for child in el.elements() {
            match child.tag {
                cal::TYPE | t::TYPE | em::TYPE => {
                    let code: u8 = parse_text(child)?;
                    kind = Some(RecurrenceType::from_code(code).ok_or_else(|| {
                        ProtocolError::Invalid {
                            element: child.tag,
                            value: code.to_string(),
                        }
                    })?);
                }
                cal::INTERVAL | t::INTERVAL | em::INTERVAL => {
                    let interval: u16 = ranged(child, 0..=999)?;
                    rec.interval = (interval > 0).then_some(interval);
                }
                cal::OCCURRENCES | t::OCCURRENCES | em::OCCURRENCES => {
                    rec.occurrences = Some(ranged(child, 1..=u32::MAX)?);
                }
                cal::UNTIL | t::UNTIL | em::UNTIL => rec.until = Some(instant(child)?),
                cal::DAY_OF_WEEK | t::DAY_OF_WEEK | em::DAY_OF_WEEK => {
                    rec.day_of_week = Some(ranged(child, 1..=127)?);
                }
                cal::DAY_OF_MONTH | t::DAY_OF_MONTH | em::DAY_OF_MONTH => {
                    rec.day_of_month = Some(ranged(child, 1..=31)?);
                }
                cal::WEEK_OF_MONTH | t::WEEK_OF_MONTH | em::WEEK_OF_MONTH => {
                    rec.week_of_month = Some(ranged(child, 1..=5)?);
                }
                cal::MONTH_OF_YEAR | t::MONTH_OF_YEAR | em::MONTH_OF_YEAR => {
                    rec.month_of_year = Some(ranged(child, 1..=12)?);
                }
                cal::CALENDAR_TYPE | t::CALENDAR_TYPE | em2::CALENDAR_TYPE => {
                    rec.calendar_type = Some(ranged(child, 0..=23)?);
                }
                cal::IS_LEAP_MONTH | t::IS_LEAP_MONTH | em2::IS_LEAP_MONTH => {
                    rec.is_leap_month = Some(parse_bool(child)?);
                }
                cal::FIRST_DAY_OF_WEEK | t::FIRST_DAY_OF_WEEK | em2::FIRST_DAY_OF_WEEK => {
                    rec.first_day_of_week = Some(ranged(child, 0..=6)?);
                }
                t::START => rec.start = Some(instant(child)?),
                t::REGENERATE => rec.regenerate = Some(parse_bool(child)?),
                t::DEAD_OCCUR => rec.dead_occur = Some(parse_bool(child)?),
                _ => {}
            }
        }
        rec.kind = kind.ok_or(ProtocolError::Missing {
            element: RecurrencePage::of(el.tag).tags().kind,
            parent: el.tag,
        })?;
        Ok(rec)
    }

    /// The `Recurrence` element of `page`, children in the order of the page's schema:
    ///
    /// - Calendar (an `xs:all`, in its listed order): Type, Occurrences, Interval,
    ///   WeekOfMonth, DayOfWeek, MonthOfYear, Until, DayOfMonth, CalendarType, IsLeapMonth,
    ///   FirstDayOfWeek; Until in the compact form.
    /// - Tasks (an `xs:all`, in its listed order): Type, Start, Until, Occurrences, Interval,
    ///   DayOfWeek, DayOfMonth, WeekOfMonth, MonthOfYear, Regenerate, DeadOccur, CalendarType,
    ///   IsLeapMonth, FirstDayOfWeek; Start and Until in the `dateTime` form.
    /// - Email (an `xs:sequence`): Type, Interval (required: 1 when absent), Until,
    ///   Occurrences, WeekOfMonth, DayOfMonth, DayOfWeek, MonthOfYear, then email2:
    ///   CalendarType, IsLeapMonth, FirstDayOfWeek; Until in the compact form.
    ///
    /// CalendarType and IsLeapMonth only from 14.0, FirstDayOfWeek only from 14.1; Start,
    /// Regenerate and DeadOccur only on the Tasks page. Values are written as they are (the
    /// Tasks schema types Occurrences as `unsignedByte`: the tasks converter keeps counts
    /// above 255 off the device).
    pub fn to_element(&self, page: RecurrencePage, version: ProtocolVersion) -> Element {
        let tags = page.tags();
        let mut el = Element::new(tags.recurrence);
        let num = |el: &mut Element, tag: Tag, value: Option<u32>| {
            if let Some(v) = value {
                el.push(Element::with_text(tag, v.to_string()));
            }
        };
        let until = self.until.map(|u| match page {
            RecurrencePage::Tasks => format_utc(u),
            RecurrencePage::Calendar | RecurrencePage::Email => format_utc_compact(u),
        });
        let until = |el: &mut Element| {
            if let Some(u) = &until {
                el.push(Element::with_text(tags.until, u.as_str()));
            }
        };
        let interval = self.interval.map(u32::from);
        let dow = self.day_of_week.map(u32::from);
        let dom = self.day_of_month.map(u32::from);
        let wom = self.week_of_month.map(u32::from);
        let moy = self.month_of_year.map(u32::from);
        el.push(Element::with_text(tags.kind, self.kind.code().to_string()));
        match page {
            RecurrencePage::Calendar => {
                num(&mut el, tags.occurrences, self.occurrences);
                num(&mut el, tags.interval, interval);
                num(&mut el, tags.week_of_month, wom);
                num(&mut el, tags.day_of_week, dow);
                num(&mut el, tags.month_of_year, moy);
                until(&mut el);
                num(&mut el, tags.day_of_month, dom);
            }
            RecurrencePage::Tasks => {
                if let Some(s) = self.start {
                    el.push(Element::with_text(t::START, format_utc(s)));
                }
                until(&mut el);
                num(&mut el, tags.occurrences, self.occurrences);
                num(&mut el, tags.interval, interval);
                num(&mut el, tags.day_of_week, dow);
                num(&mut el, tags.day_of_month, dom);
                num(&mut el, tags.week_of_month, wom);
                num(&mut el, tags.month_of_year, moy);
                for (tag, value) in [
                    (t::REGENERATE, self.regenerate),
                    (t::DEAD_OCCUR, self.dead_occur),
                ] {
                    if let Some(v) = value {
                        el.push(Element::with_text(tag, bool_text(v)));
                    }
                }
            }
            RecurrencePage::Email => {
                num(&mut el, tags.interval, Some(interval.unwrap_or(1)));
                until(&mut el);
                num(&mut el, tags.occurrences, self.occurrences);
                num(&mut el, tags.week_of_month, wom);
                num(&mut el, tags.day_of_month, dom);
                num(&mut el, tags.day_of_week, dow);
                num(&mut el, tags.month_of_year, moy);
            }
        }
        if version >= ProtocolVersion::V14_0 {
            num(
                &mut el,
                tags.calendar_type,
                self.calendar_type.map(u32::from),
            );
            if let Some(leap) = self.is_leap_month {
                el.push(Element::with_text(tags.is_leap_month, bool_text(leap)));
            }
        }
        if version >= ProtocolVersion::V14_1 {
            num(
                &mut el,
                tags.first_day_of_week,
                self.first_day_of_week.map(u32::from),
            );
        }
        el
    }
}

/// A date-time in either EAS form (MS-ASDTYPE 2.3), as UTC unix seconds.
fn instant(el: &Element) -> Result<i64, ProtocolError> {
    let text = text_of(el)?;
    parse_utc(&text).ok_or(ProtocolError::Invalid {
        element: el.tag,
        value: text,
    })
}
