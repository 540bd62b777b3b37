//! Birthdays and anniversaries: vCard dates (possibly without a year) against the EAS
//! `dateTime`, whose time of day carries no meaning (MS-ASCNTC 2.2.2.6) but differs by client.

use calcard::common::PartialDateTime;
use calcard::vcard::VCardValue;
use chrono::{Datelike, NaiveDate};

/// The year a date without one is sent as (Apple's convention, `X-APPLE-OMIT-YEAR=1604`;
/// iOS shows such a birthday without a year).
pub(crate) const NO_YEAR: i32 = 1604;

/// The time of day dates are sent at: 10:00 UTC, which is the same calendar date in every UTC
/// offset from -10:00 to +13:00 for a client that shows the instant in local time, and before
/// noon for clients that read "12:00 UTC or later" as the next day (AOSP Exchange).
const SEND_HOUR: i64 = 10;

/// A calendar date; `year` is `None` for a year-less vCard date (`--0503`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Date {
    pub year: Option<i32>,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// The date of a vCard BDAY/ANNIVERSARY (or X-ANNIVERSARY, X-ABDATE) value.
    pub fn of_value(value: Option<&VCardValue>, raw: &str) -> Option<Date> {
        match value {
            Some(VCardValue::PartialDateTime(p)) => Date::of_partial(p),
            _ => Date::parse(raw),
        }
    }

    fn of_partial(p: &PartialDateTime) -> Option<Date> {
        let date = Date {
            year: p.year.map(i32::from),
            month: u32::from(p.month?),
            day: u32::from(p.day?),
        };
        date.valid().then_some(date)
    }

    /// `YYYY-MM-DD`, `YYYYMMDD`, `--MMDD`, `--MM-DD`, with any time part ignored.
    pub fn parse(text: &str) -> Option<Date> {
        let t = text.trim();
        let date_part = t.split(['T', 't']).next().unwrap_or(t);
        let (year, rest) = match date_part.strip_prefix("--") {
            Some(rest) => (None, rest.to_owned()),
            None => {
                let digits: String = date_part.chars().filter(char::is_ascii_digit).collect();
                if digits.len() != 8 {
                    return None;
                }
                (Some(digits[..4].parse().ok()?), digits[4..].to_owned())
            }
        };
        let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
        if digits.len() != 4 {
            return None;
        }
        let date = Date {
            year,
            month: digits[..2].parse().ok()?,
            day: digits[2..].parse().ok()?,
        };
        date.valid().then_some(date)
    }

    fn valid(&self) -> bool {
        NaiveDate::from_ymd_opt(self.year.unwrap_or(2000), self.month, self.day).is_some()
    }

    /// The EAS value: the date at 10:00 UTC (a year-less date in year 1604).
    pub fn to_eas(self) -> Option<i64> {
        let d = NaiveDate::from_ymd_opt(self.year.unwrap_or(NO_YEAR), self.month, self.day)?;
        let midnight = d.and_hms_opt(0, 0, 0)?.and_utc().timestamp();
        Some(midnight + SEND_HOUR * 3600)
    }

    /// The date a device meant: the UTC date of the instant 12 hours later. Clients send local
    /// midnight (iOS: `1980-05-03T22:00Z` from UTC+2 for May 4), 00:00 UTC (Android), 08:00 or
    /// 11:59 UTC (Outlook) or our 10:00; all land on the intended date for offsets from
    /// -11:59 to +12:00. Year 1604 is read as "no year".
    pub fn from_eas(unix: i64) -> Option<Date> {
        let dt = chrono::DateTime::from_timestamp(unix.checked_add(12 * 3600)?, 0)?;
        let d = dt.date_naive();
        Some(Date {
            year: (d.year() != NO_YEAR).then_some(d.year()),
            month: d.month(),
            day: d.day(),
        })
    }

    /// The vCard text: 4.0 `YYYYMMDD` / `--MMDD`; 3.0 and 2.1 `YYYY-MM-DD` (a year-less date
    /// as `1604-MM-DD`, with `X-APPLE-OMIT-YEAR=1604` added by the caller).
    pub fn to_vcard(self, v4: bool) -> String {
        match (self.year, v4) {
            (Some(y), true) => format!("{y:04}{:02}{:02}", self.month, self.day),
            (None, true) => format!("--{:02}{:02}", self.month, self.day),
            (y, false) => format!(
                "{:04}-{:02}-{:02}",
                y.unwrap_or(NO_YEAR),
                self.month,
                self.day
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> i64 {
        eas::date::parse_utc(text).expect("date")
    }

    fn d(y: i32, m: u32, day: u32) -> Date {
        Date {
            year: Some(y),
            month: m,
            day,
        }
    }

    #[test]
    fn every_client_convention_reads_as_the_intended_date() {
        for sent in [
            "1980-05-03T22:00:00.000Z", // iOS, UTC+2
            "1980-05-04T05:00:00.000Z", // iOS, UTC-5
            "1980-05-03T12:00:00.000Z", // iOS, UTC+12
            "1980-05-04T00:00:00.000Z", // Android
            "1980-05-04T08:00:00.000Z", // Outlook
            "1980-05-04T11:59:00.000Z", // Outlook
            "1980-05-04T10:00:00.000Z", // airgate
        ] {
            assert_eq!(Date::from_eas(ts(sent)), Some(d(1980, 5, 4)), "{sent}");
        }
    }

    #[test]
    fn dates_are_sent_at_ten_utc_and_read_back() {
        let date = d(1980, 5, 4);
        let sent = date.to_eas().expect("in range");
        assert_eq!(eas::date::format_utc(sent), "1980-05-04T10:00:00.000Z");
        assert_eq!(Date::from_eas(sent), Some(date));
    }

    #[test]
    fn a_year_less_date_travels_as_1604() {
        let date = Date::parse("--0503").expect("parses");
        assert_eq!(date.year, None);
        let sent = date.to_eas().expect("in range");
        assert_eq!(eas::date::format_utc(sent), "1604-05-03T10:00:00.000Z");
        assert_eq!(Date::from_eas(sent), Some(date));
        assert_eq!(date.to_vcard(true), "--0503");
        assert_eq!(date.to_vcard(false), "1604-05-03");
    }

    #[test]
    fn text_forms_parse() {
        assert_eq!(Date::parse("1980-05-03"), Some(d(1980, 5, 3)));
        assert_eq!(Date::parse("19800503T000000Z"), Some(d(1980, 5, 3)));
        assert_eq!(Date::parse("--05-03").map(|x| x.day), Some(3));
        assert_eq!(Date::parse("1980-02-30"), None);
        assert_eq!(Date::parse("circa 1800"), None);
    }
}
