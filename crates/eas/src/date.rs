//! Date-times as EAS writes them (MS-ASDTYPE 2.3): `2026-11-22T10:00:00.000Z` for the
//! `dateTime` elements of Email, Email2, Tasks and the commands, and the compact basic form
//! `20261122T100000Z` that the Calendar class uses for `DtStamp`, `StartTime`, `EndTime`.
//! Always UTC: the gateway never writes local times.
//!
//! Pure arithmetic (days from the civil date, proleptic Gregorian), so that `eas` needs no
//! date crate; values are clamped to years 1-9999, the range the four-digit forms can carry.

/// The earliest instant the forms can carry: 0001-01-01T00:00:00Z.
const MIN_SECONDS: i64 = -62_135_596_800;
/// The latest instant the forms can carry: 9999-12-31T23:59:59Z.
const MAX_SECONDS: i64 = 253_402_300_799;

/// `YYYY-MM-DDTHH:MM:SS.000Z` (MS-ASDTYPE 2.3: the form with milliseconds and `Z`, which is
/// what Exchange sends and every client reads). Out-of-range values are clamped.
pub fn format_utc(unix_seconds: i64) -> String {
    format_utc_millis(unix_seconds.saturating_mul(1000))
}

/// As [`format_utc`], with the milliseconds of `unix_millis`.
pub fn format_utc_millis(unix_millis: i64) -> String {
    let seconds = unix_millis.div_euclid(1000);
    let millis = unix_millis.rem_euclid(1000);
    let (seconds, millis) = if seconds < MIN_SECONDS {
        (MIN_SECONDS, 0)
    } else if seconds > MAX_SECONDS {
        (MAX_SECONDS, 999)
    } else {
        (seconds, millis)
    };
    let (y, mo, d, h, mi, s) = civil(seconds);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{millis:03}Z")
}

/// The compact form `YYYYMMDDTHHMMSSZ` (MS-ASDTYPE 2.3; MS-ASCAL `DtStamp`, `StartTime`,
/// `EndTime`). Out-of-range values are clamped.
pub fn format_utc_compact(unix_seconds: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(unix_seconds.clamp(MIN_SECONDS, MAX_SECONDS));
    format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z")
}

/// Reads either form back to Unix seconds (fractions dropped). A missing `Z` is read as UTC,
/// as clients that omit it mean; other offsets are not part of the EAS forms and are refused.
pub fn parse_utc(text: &str) -> Option<i64> {
    let t = text.trim();
    let t = t.strip_suffix('Z').unwrap_or(t);
    let b = t.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = b.get(range)?;
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        digits
            .iter()
            .try_fold(0u32, |acc, d| Some(acc * 10 + u32::from(d - b'0')))
    };
    let (date, time_start) = if b.get(4) == Some(&b'-') {
        if b.get(7) != Some(&b'-') || b.get(10) != Some(&b'T') {
            return None;
        }
        ((num(0..4)?, num(5..7)?, num(8..10)?), 11)
    } else {
        if b.get(8) != Some(&b'T') {
            return None;
        }
        ((num(0..4)?, num(4..6)?, num(6..8)?), 9)
    };
    let rest = t.get(time_start..)?;
    let rb = rest.as_bytes();
    let (h, mi, s, tail) = if rb.get(2) == Some(&b':') {
        if rb.get(5) != Some(&b':') {
            return None;
        }
        let n = |r: std::ops::Range<usize>| num(time_start + r.start..time_start + r.end);
        (n(0..2)?, n(3..5)?, n(6..8)?, rest.get(8..)?)
    } else {
        let n = |r: std::ops::Range<usize>| num(time_start + r.start..time_start + r.end);
        (n(0..2)?, n(2..4)?, n(4..6)?, rest.get(6..)?)
    };
    // Only a fraction may follow the seconds.
    if let Some(fraction) = tail.strip_prefix('.') {
        if fraction.is_empty() || !fraction.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
    } else if !tail.is_empty() {
        return None;
    }
    let (y, mo, d) = date;
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 59
    {
        return None;
    }
    let days = days_from_civil(i64::from(y), mo, d);
    Some(days * 86_400 + i64::from(h * 3600 + mi * 60 + s))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Year, month, day, hour, minute, second of a Unix time.
fn civil(seconds: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400) as u32;
    let (y, m, d) = civil_from_days(days);
    (y, m, d, secs / 3600, secs / 60 % 60, secs % 60)
}

/// Days since 1970-01-01 to (year, month, day); H. Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// (year, month, day) to days since 1970-01-01; H. Hinnant's `days_from_civil`.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_instants_format_in_both_forms() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_utc(1_795_341_600), "2026-11-22T10:00:00.000Z");
        assert_eq!(format_utc_compact(1_795_341_600), "20261122T100000Z");
        assert_eq!(format_utc(951_782_400), "2000-02-29T00:00:00.000Z");
        assert_eq!(format_utc(-1), "1969-12-31T23:59:59.000Z");
        assert_eq!(format_utc_millis(1_500), "1970-01-01T00:00:01.500Z");
    }

    #[test]
    fn out_of_range_values_are_clamped_to_four_digit_years() {
        assert_eq!(format_utc(i64::MAX), "9999-12-31T23:59:59.999Z");
        assert_eq!(format_utc(i64::MIN), "0001-01-01T00:00:00.000Z");
        assert_eq!(format_utc_compact(i64::MIN), "00010101T000000Z");
    }

    #[test]
    fn both_forms_parse_and_garbage_does_not() {
        assert_eq!(parse_utc("2026-11-22T10:00:00.000Z"), Some(1_795_341_600));
        assert_eq!(parse_utc("2026-11-22T10:00:00Z"), Some(1_795_341_600));
        assert_eq!(parse_utc("2026-11-22T10:00:00"), Some(1_795_341_600));
        assert_eq!(parse_utc("20261122T100000Z"), Some(1_795_341_600));
        for bad in [
            "",
            "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-11-22T24:00:00Z",
            "2026-11-22 10:00:00Z",
            "2026-11-22T10:00:00+01:00",
            "2026-11-22T10:00:00.Z",
            "2026-1-22T10:00:00Z",
            "2026-11-22T10:0é:00Z",
            "20261122T1000Z",
        ] {
            assert_eq!(parse_utc(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn formatting_round_trips(s in MIN_SECONDS..=MAX_SECONDS) {
            prop_assert_eq!(parse_utc(&format_utc(s)), Some(s));
            prop_assert_eq!(parse_utc(&format_utc_compact(s)), Some(s));
        }

        #[test]
        fn parsing_never_panics(text in "\\PC{0,30}") {
            let _ = parse_utc(&text);
        }
    }
}
