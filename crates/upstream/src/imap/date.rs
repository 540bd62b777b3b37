//! IMAP dates: INTERNALDATE (`22-Nov-2026 08:02:28 +0000`) and SEARCH
//! dates (`1-Feb-2026`).

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// (year, month, day) of days since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn month_number(name: &str) -> Option<u32> {
    MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(name))
        .map(|i| i as u32 + 1)
}

/// Unix seconds of an INTERNALDATE (`date-time` of RFC 3501: the day may be
/// space-padded); `None` if it is not one.
pub(crate) fn parse_internal_date(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, rest) = text.split_once(' ')?;
    let (time, zone) = rest.trim_start().split_once(' ')?;
    let mut dparts = date.split('-');
    let day: u32 = dparts.next()?.trim().parse().ok()?;
    let month = month_number(dparts.next()?)?;
    let year: i64 = dparts.next()?.parse().ok()?;
    if dparts.next().is_some() || !(1..=days_in_month(year, month)).contains(&day) {
        return None;
    }
    let mut tparts = time.split(':');
    let h: i64 = tparts.next()?.parse().ok()?;
    let mi: i64 = tparts.next()?.parse().ok()?;
    let s: i64 = tparts.next()?.parse().ok()?;
    if tparts.next().is_some() || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let zone = zone.trim();
    let (sign, digits) = match zone.as_bytes().first()? {
        b'+' => (1, &zone[1..]),
        b'-' => (-1, &zone[1..]),
        _ => return None,
    };
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let zh: i64 = digits[..2].parse().ok()?;
    let zm: i64 = digits[2..].parse().ok()?;
    let offset = sign * (zh * 3600 + zm * 60);
    Some(days_from_civil(year, month, day) * 86400 + h * 3600 + mi * 60 + s - offset)
}

/// An INTERNALDATE in UTC for APPEND, quoted: `"22-Nov-2026 08:02:28 +0000"`.
/// `None` outside years 1..=9999.
pub(crate) fn format_internal_date(unix: i64) -> Option<String> {
    let days = unix.div_euclid(86400);
    let secs = unix.rem_euclid(86400);
    let (y, m, d) = civil_from_days(days);
    if !(1..=9999).contains(&y) {
        return None;
    }
    Some(format!(
        "\"{:02}-{}-{:04} {:02}:{:02}:{:02} +0000\"",
        d,
        MONTHS[m as usize - 1],
        y,
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    ))
}

/// A SEARCH date: `1-Feb-2026`. `None` for a date that does not exist.
pub(crate) fn search_date(year: i32, month: u32, day: u32) -> Option<String> {
    if !(1..=9999).contains(&year)
        || !(1..=12).contains(&month)
        || !(1..=days_in_month(year as i64, month)).contains(&day)
    {
        return None;
    }
    Some(format!("{day}-{}-{year}", MONTHS[month as usize - 1]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn internal_dates() {
        assert_eq!(parse_internal_date("01-Jan-1970 00:00:00 +0000"), Some(0));
        assert_eq!(
            parse_internal_date("22-Nov-2026 08:02:28 +0000"),
            Some(1_795_334_548)
        );
        assert_eq!(
            parse_internal_date(" 2-Feb-2026 10:00:00 +0100"),
            parse_internal_date("02-Feb-2026 09:00:00 +0000")
        );
        assert_eq!(
            parse_internal_date("17-Jul-1996 02:44:25 -0700"),
            Some(837_596_665)
        );
        for bad in [
            "",
            "31-Feb-2026 00:00:00 +0000",
            "01-Foo-2026 00:00:00 +0000",
            "01-Jan-2026 24:00:00 +0000",
            "01-Jan-2026 00:00:00 0000",
            "01-Jan-2026 00:00:00 +00",
            "01-Jan-2026",
        ] {
            assert_eq!(parse_internal_date(bad), None, "{bad:?}");
        }
        assert_eq!(
            format_internal_date(1_795_334_548).as_deref(),
            Some("\"22-Nov-2026 08:02:28 +0000\"")
        );
        assert_eq!(
            format_internal_date(-1).as_deref(),
            Some("\"31-Dec-1969 23:59:59 +0000\"")
        );
    }

    #[test]
    fn search_dates() {
        assert_eq!(search_date(2026, 2, 1).as_deref(), Some("1-Feb-2026"));
        assert_eq!(search_date(2024, 2, 29).as_deref(), Some("29-Feb-2024"));
        assert_eq!(search_date(2026, 2, 29), None);
        assert_eq!(search_date(2026, 13, 1), None);
        assert_eq!(search_date(2026, 1, 0), None);
        assert_eq!(search_date(0, 1, 1), None);
    }

    proptest! {
        #[test]
        fn format_then_parse(unix in -62_135_596_800i64..253_402_300_799) {
            let text = format_internal_date(unix).unwrap();
            prop_assert_eq!(parse_internal_date(text.trim_matches('"')), Some(unix));
        }
    }
}
