//! Yearly rules ("the last Sunday of March at 02:00") and the arithmetic of zones given by
//! them, plus the local <-> UTC resolution shared by every zone.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Weekday};

use super::{CustomZone, YearlyRule};

impl YearlyRule {
    /// The wall time the rule names in `year`; `None` when the rule is not valid (month not
    /// 1-12, week not 1-5) or the year is out of chrono's range. Week 5 is the last such
    /// weekday of the month (which may be the fourth).
    pub fn date_in(&self, year: i32) -> Option<NaiveDateTime> {
        if !(1..=5).contains(&self.week) {
            return None;
        }
        let date = if self.week == 5 {
            NaiveDate::from_weekday_of_month_opt(year, u32::from(self.month), self.weekday, 5)
                .or_else(|| {
                    NaiveDate::from_weekday_of_month_opt(
                        year,
                        u32::from(self.month),
                        self.weekday,
                        4,
                    )
                })
        } else {
            NaiveDate::from_weekday_of_month_opt(
                year,
                u32::from(self.month),
                self.weekday,
                self.week,
            )
        }?;
        Some(date.and_time(self.time))
    }

    /// The rule naming this date: its month and weekday, week 5 when the date is in the last
    /// seven days of its month, else its week of the month.
    pub fn for_date(at: NaiveDateTime) -> YearlyRule {
        let day = at.day();
        let week = if day + 7 > days_in_month(at.year(), at.month()) {
            5
        } else {
            ((day - 1) / 7 + 1) as u8
        };
        YearlyRule {
            month: at.month() as u8,
            week,
            weekday: at.weekday(),
            time: at.time(),
        }
    }
}

impl CustomZone {
    /// A zone without daylight saving time.
    pub fn fixed(name: impl Into<String>, offset: i32) -> CustomZone {
        CustomZone {
            name: name.into(),
            standard_offset: offset,
            daylight: None,
        }
    }

    /// UTC instants at which daylight time starts and ends in the year `year` of local
    /// standard time; `None` without daylight time or with invalid rules.
    pub fn transitions(&self, year: i32) -> Option<(i64, i64)> {
        let daylight = self.daylight.as_ref()?;
        let start = daylight.start.date_in(year)?;
        let end = daylight.end.date_in(year)?;
        let start = naive_seconds(start).saturating_sub(i64::from(self.standard_offset));
        let end = naive_seconds(end).saturating_sub(i64::from(daylight.offset));
        (start != end).then_some((start, end))
    }

    /// Seconds east of UTC at a UTC instant.
    pub fn offset_at(&self, utc: i64) -> i32 {
        let Some(daylight) = &self.daylight else {
            return self.standard_offset;
        };
        let year = year_of(utc.saturating_add(i64::from(self.standard_offset)));
        let Some((start, end)) = self.transitions(year) else {
            return self.standard_offset;
        };
        // Northern hemisphere: daylight time between start and end; southern (the start after
        // the end in the year): daylight time before the end and after the start.
        let in_daylight = if start < end {
            (start..end).contains(&utc)
        } else {
            utc < end || utc >= start
        };
        if in_daylight {
            daylight.offset
        } else {
            self.standard_offset
        }
    }
}

/// UTC unix seconds of a local wall time in a zone given by its offset function: an
/// ambiguous time (overlap) takes the earlier instant; a time in a gap is read with the
/// offset before the gap, which moves it forward by the gap.
pub(crate) fn local_to_utc(local: NaiveDateTime, offset_at: impl Fn(i64) -> i32) -> i64 {
    let naive = naive_seconds(local);
    let before = offset_at(naive.saturating_sub(2 * 86_400));
    let after = offset_at(naive.saturating_add(2 * 86_400));
    let candidates = [
        before,
        after,
        offset_at(naive.saturating_sub(i64::from(before))),
        offset_at(naive.saturating_sub(i64::from(after))),
    ];
    candidates
        .into_iter()
        .map(|offset| (offset, naive.saturating_sub(i64::from(offset))))
        .filter(|&(offset, utc)| offset_at(utc) == offset)
        .map(|(_, utc)| utc)
        .min()
        .unwrap_or_else(|| naive.saturating_sub(i64::from(before)))
}

/// The local wall time of a UTC instant at an offset; saturates at chrono's range.
pub(crate) fn utc_to_local(utc: i64, offset: i32) -> NaiveDateTime {
    let local = utc.saturating_add(i64::from(offset));
    DateTime::from_timestamp(local, 0).map_or(
        if local < 0 {
            NaiveDateTime::MIN
        } else {
            NaiveDateTime::MAX
        },
        |t| t.naive_utc(),
    )
}

/// The seconds of a wall time read as if it were UTC.
pub(crate) fn naive_seconds(at: NaiveDateTime) -> i64 {
    at.and_utc().timestamp()
}

/// A UTC instant clamped to what chrono can represent.
pub(crate) fn clamp_utc(utc: i64) -> i64 {
    utc.clamp(
        DateTime::<chrono::Utc>::MIN_UTC.timestamp(),
        DateTime::<chrono::Utc>::MAX_UTC.timestamp(),
    )
}

/// The calendar year of a UTC instant (clamped to chrono's range).
pub(crate) fn year_of(utc: i64) -> i32 {
    DateTime::from_timestamp(clamp_utc(utc), 0).map_or(1970, |t| t.year())
}

/// Unix seconds of January 1st 00:00 of `year` (saturating).
pub(crate) fn start_of_year(year: i32) -> i64 {
    NaiveDate::from_ymd_opt(year, 1, 1).map_or(
        if year < 1970 {
            i64::MIN / 2
        } else {
            i64::MAX / 2
        },
        |d| naive_seconds(d.and_time(NaiveTime::MIN)),
    )
}

pub(crate) fn days_in_month(year: i32, month: u32) -> u32 {
    let (next_year, next_month) = if month >= 12 {
        (year.saturating_add(1), 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(next_year, next_month, 1)
        .and_then(|d| d.pred_opt())
        .map_or(31, |d| d.day())
}

/// 0 = Sunday .. 6 = Saturday, as SYSTEMTIME counts.
pub(crate) fn weekday_from_sunday(n: u16) -> Option<Weekday> {
    Some(match n {
        0 => Weekday::Sun,
        1 => Weekday::Mon,
        2 => Weekday::Tue,
        3 => Weekday::Wed,
        4 => Weekday::Thu,
        5 => Weekday::Fri,
        6 => Weekday::Sat,
        _ => return None,
    })
}
