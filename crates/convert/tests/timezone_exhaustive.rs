//! Every zone of the CLDR mapping, every year 2000..=2037: zone -> blob -> zone keeps the
//! offsets of that year, and blob -> zone -> blob is byte-identical.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use convert::timezone::{CustomZone, Zone, mapped_zones};

fn instant(year: i32, month: u32, day: u32, hour: u32) -> i64 {
    NaiveDate::from_ymd_opt(year, month, day)
        .unwrap()
        .and_hms_opt(hour, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp()
}

/// The 15th of every month at noon UTC, and one second around each daylight transition the
/// blob names.
fn samples(custom: &CustomZone, year: i32) -> Vec<i64> {
    let mut out: Vec<i64> = (1..=12).map(|m| instant(year, m, 15, 12)).collect();
    if let Some((start, end)) = custom.transitions(year) {
        out.extend([start - 1, start, end - 1, end]);
    }
    out
}

#[test]
fn every_mapped_zone_round_trips_in_every_year_2000_to_2037() {
    let started = std::time::Instant::now();
    let zones: BTreeMap<&str, _> = mapped_zones().iter().map(|m| (m.tz.name(), m.tz)).collect();
    let mut lossy = Vec::new();
    let mut checked = 0;
    for &tz in zones.values() {
        let zone = Zone::Iana(tz);
        for year in 2000..=2037 {
            let blob = zone.to_eas(year);
            let back = Zone::from_eas(&blob, year);
            assert_eq!(
                back.to_eas(year).to_bytes(),
                blob.to_bytes(),
                "{tz} {year}: blob -> {back:?} -> blob"
            );
            let custom = CustomZone::from_eas(&blob, year);
            // The blob alone (what a device reads) is exact but for years the blob cannot
            // describe (one transition, more than two): those are written with absolute dates,
            // and are exact but near the year's ends.
            let (first, last) = (instant(year, 1, 2, 0), instant(year, 12, 30, 0));
            let blob_exact = samples(&custom, year)
                .into_iter()
                .filter(|t| (first..last).contains(t))
                .all(|t| custom.offset_at(t) == zone.offset_at(t));
            if !blob_exact {
                assert_ne!(
                    blob.standard_date.year, 0,
                    "{tz} {year}: inexact yearly rules"
                );
                lossy.push(format!("{tz} {year}"));
            }
            for t in samples(&custom, year) {
                assert_eq!(
                    back.offset_at(t),
                    zone.offset_at(t),
                    "{tz} {year} at {t}: read back as {back:?}"
                );
            }
            checked += 1;
        }
    }
    eprintln!(
        "{} zones x 38 years = {checked} in {:?}; {} blobs (absolute dates) not exact for their year: {lossy:?}",
        zones.len(),
        started.elapsed(),
        lossy.len(),
    );
}

#[test]
fn every_cldr_iana_name_parses_in_chrono_tz() {
    assert_eq!(convert::timezone::skipped_names(), &[] as &[&str]);
    assert!(mapped_zones().len() > 450);
}

#[test]
fn windows_names_of_canonical_names_cldr_lists_by_their_old_links() {
    use chrono_tz::Tz;
    use convert::timezone::{iana_for_windows, windows_name};
    assert_eq!(windows_name(Tz::Asia__Kolkata), Some("India Standard Time"));
    assert_eq!(windows_name(Tz::Europe__Kyiv), Some("FLE Standard Time"));
    assert_eq!(
        windows_name(Tz::America__Nuuk),
        Some("Greenland Standard Time")
    );
    assert_eq!(windows_name(Tz::Etc__UTC), Some("UTC"));
    assert_eq!(windows_name(Tz::UTC), Some("UTC"));
    assert_eq!(windows_name(Tz::Antarctica__Troll), None);
    assert_eq!(
        iana_for_windows("W. Europe Standard Time"),
        Some(Tz::Europe__Berlin)
    );
    assert_eq!(
        iana_for_windows("w. europe standard time"),
        Some(Tz::Europe__Berlin)
    );
    assert_eq!(
        iana_for_windows("India Standard Time"),
        Some(Tz::Asia__Calcutta)
    );
    assert_eq!(iana_for_windows("Nowhere Standard Time"), None);
}
