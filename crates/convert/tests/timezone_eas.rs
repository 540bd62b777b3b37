//! The EAS TimeZone blob (MS-ASDTYPE 2.6.4) <-> zones.

use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use convert::timezone::{CustomZone, Zone};
use eas::timezone::{SystemTime, TimeZone};
use proptest::prelude::*;

/// Blobs as Exchange writes them (built from the structure in MS-ASDTYPE 2.6.4: Bias minutes
/// west, StandardDate = end of daylight time, DaylightDate = its start, yearly rules).
const W_EUROPE: &str = "xP///1cALgAgAEUAdQByAG8AcABlACAAUwB0AGEAbgBkAGEAcgBkACAAVABpAG0AZQAAAAAAAAAAAAAAAAAAAAAAAAAAAAoAAAAFAAMAAAAAAAAAAAAAAFcALgAgAEUAdQByAG8AcABlACAARABhAHkAbABpAGcAaAB0ACAAVABpAG0AZQAAAAAAAAAAAAAAAAAAAAAAAAAAAAMAAAAFAAIAAAAAAAAAxP///w==";
const EASTERN: &str = "LAEAAEUAYQBzAHQAZQByAG4AIABTAHQAYQBuAGQAYQByAGQAIABUAGkAbQBlAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAsAAAABAAIAAAAAAAAAAAAAAEUAYQBzAHQAZQByAG4AIABEAGEAeQBsAGkAZwBoAHQAIABUAGkAbQBlAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAMAAAACAAIAAAAAAAAAxP///w==";
const PACIFIC: &str = "4AEAAFAAYQBjAGkAZgBpAGMAIABTAHQAYQBuAGQAYQByAGQAIABUAGkAbQBlAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAsAAAABAAIAAAAAAAAAAAAAAFAAYQBjAGkAZgBpAGMAIABEAGEAeQBsAGkAZwBoAHQAIABUAGkAbQBlAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAMAAAACAAIAAAAAAAAAxP///w==";
const AUS_EASTERN: &str = "qP3//0EAVQBTACAARQBhAHMAdABlAHIAbgAgAFMAdABhAG4AZABhAHIAZAAgAFQAaQBtAGUAAAAAAAAAAAAAAAAAAAAAAAQAAAABAAMAAAAAAAAAAAAAAEEAVQBTACAARQBhAHMAdABlAHIAbgAgAEQAYQB5AGwAaQBnAGgAdAAgAFQAaQBtAGUAAAAAAAAAAAAAAAAAAAAAAAoAAAABAAIAAAAAAAAAxP///w==";
const INDIA: &str = "tv7//0kAbgBkAGkAYQAgAFMAdABhAG4AZABhAHIAZAAgAFQAaQBtAGUAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEkAbgBkAGkAYQAgAEQAYQB5AGwAaQBnAGgAdAAgAFQAaQBtAGUAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAxP///w==";
const UTC: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==";
/// W. Europe rules without names (as some phones send).
const NAMELESS_CET: &str = "xP///wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAoAAAAFAAMAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAMAAAAFAAIAAAAAAAAAxP///w==";
/// A display name cut to 31 UTF-16 units, as the structure stores it.
const CUT_DISPLAY_EASTERN: &str = "LAEAACgAVQBUAEMALQAwADUAOgAwADAAKQAgAEUAYQBzAHQAZQByAG4AIABUAGkAbQBlACAAKABVAFMAIAAmACAAAAAAAAsAAAABAAIAAAAAAAAAAAAAACgAVQBUAEMALQAwADUAOgAwADAAKQAgAEUAYQBzAHQAZQByAG4AIABUAGkAbQBlACAAKABVAFMAIAAmACAAAAAAAAMAAAACAAIAAAAAAAAAxP///w==";
/// "Eastern Standard Time" with the rules before 2007 (first Sunday of April, last of October).
const OLD_EASTERN: &str = "LAEAAEUAYQBzAHQAZQByAG4AIABTAHQAYQBuAGQAYQByAGQAIABUAGkAbQBlAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAoAAAAFAAIAAAAAAAAAAAAAAEUAYQBzAHQAZQByAG4AIABEAGEAeQBsAGkAZwBoAHQAIABUAGkAbQBlAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAAAABAAIAAAAAAAAAxP///w==";

fn zone_of(base64: &str, year: i32) -> Zone {
    Zone::from_eas(&TimeZone::from_base64(base64).unwrap(), year)
}

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(h, min, 0)
        .unwrap()
}

#[test]
fn exchange_w_europe_blob_is_berlin() {
    assert_eq!(zone_of(W_EUROPE, 2024), Zone::Iana(Tz::Europe__Berlin));
}

#[test]
fn exchange_eastern_blob_is_new_york() {
    assert_eq!(zone_of(EASTERN, 2024), Zone::Iana(Tz::America__New_York));
}

#[test]
fn exchange_pacific_blob_is_los_angeles() {
    assert_eq!(zone_of(PACIFIC, 2024), Zone::Iana(Tz::America__Los_Angeles));
}

#[test]
fn exchange_aus_eastern_blob_is_sydney() {
    assert_eq!(
        zone_of(AUS_EASTERN, 2024),
        Zone::Iana(Tz::Australia__Sydney)
    );
}

#[test]
fn india_blob_without_daylight_time_is_calcutta() {
    assert_eq!(zone_of(INDIA, 2024), Zone::Iana(Tz::Asia__Calcutta));
}

#[test]
fn all_zero_blob_is_utc() {
    assert_eq!(zone_of(UTC, 2024), Zone::UTC);
}

#[test]
fn nameless_blob_is_matched_by_its_rules() {
    assert_eq!(zone_of(NAMELESS_CET, 2024), Zone::Iana(Tz::Europe__Berlin));
}

#[test]
fn cut_display_name_falls_back_to_the_rules() {
    assert_eq!(
        zone_of(CUT_DISPLAY_EASTERN, 2024),
        Zone::Iana(Tz::America__New_York)
    );
}

#[test]
fn iana_name_in_standard_name_is_accepted_when_its_rules_match() {
    let mut blob = TimeZone::from_base64(W_EUROPE).unwrap();
    blob.standard_name = "Europe/Paris".into();
    assert_eq!(Zone::from_eas(&blob, 2024), Zone::Iana(Tz::Europe__Paris));
}

#[test]
fn a_name_is_accepted_only_with_the_rules_of_the_event_year() {
    // The rules before 2007 are New York's in 2006...
    assert_eq!(
        zone_of(OLD_EASTERN, 2006),
        Zone::Iana(Tz::America__New_York)
    );
    // ...but no zone's in 2024: a custom zone, never named after a known zone.
    let Zone::Custom(custom) = zone_of(OLD_EASTERN, 2024) else {
        panic!("expected a custom zone");
    };
    assert_eq!(custom.name, "Custom/UTC-05:00");
    assert_eq!(custom.standard_offset, -5 * 3600);
    let daylight = custom.daylight.unwrap();
    assert_eq!((daylight.start.month, daylight.start.week), (4, 1));
    assert_eq!((daylight.end.month, daylight.end.week), (10, 5));
}

#[test]
fn unknown_name_is_kept_as_the_custom_zone_name() {
    let mut blob = TimeZone::from_base64(OLD_EASTERN).unwrap();
    blob.standard_name = "Old Eastern".into();
    assert_eq!(Zone::from_eas(&blob, 2024).tzid(), "Old Eastern");
}

#[test]
fn last_sunday_is_week_5_and_second_sunday_week_2() {
    // 2018: March 25th is both the fourth and the last Sunday of March.
    let europe = Zone::Iana(Tz::Europe__Berlin).to_eas(2018);
    assert_eq!(
        (europe.daylight_date.month, europe.daylight_date.day),
        (3, 5)
    );
    let us = Zone::Iana(Tz::America__New_York).to_eas(2018);
    assert_eq!((us.daylight_date.month, us.daylight_date.day), (3, 2));
    assert_eq!((us.standard_date.month, us.standard_date.day), (11, 1));
}

#[test]
fn southern_hemisphere_starts_daylight_time_after_it_ends() {
    let blob = Zone::Iana(Tz::Australia__Sydney).to_eas(2024);
    assert_eq!(blob.bias, -600);
    assert_eq!(blob.daylight_bias, -60);
    assert!(blob.daylight_date.month > blob.standard_date.month);
    assert_eq!(blob.standard_date.hour, 3);
}

#[test]
fn zone_without_daylight_time_has_zero_dates() {
    let blob = Zone::Iana(Tz::Asia__Tokyo).to_eas(2024);
    assert_eq!(blob.bias, -540);
    assert!(!blob.has_daylight());
    assert_eq!(blob.standard_name, "Tokyo Standard Time");
}

#[test]
fn unmapped_zone_is_named_by_its_iana_name() {
    let blob = Zone::Iana(Tz::America__Argentina__ComodRivadavia).to_eas(2024);
    // A link of America/Argentina/Catamarca, which CLDR maps.
    assert_eq!(blob.standard_name, "Argentina Standard Time");
    let blob = Zone::Iana(Tz::Antarctica__Troll).to_eas(2024);
    assert_eq!(blob.standard_name, "Antarctica/Troll");
    assert_eq!(blob.daylight_bias, -120);
    assert_eq!(
        Zone::from_eas(&blob, 2024),
        Zone::Iana(Tz::Antarctica__Troll)
    );
}

#[test]
fn year_with_one_transition_uses_absolute_dates() {
    // Moscow left daylight time for good on 2011-03-27 (UTC+3 -> UTC+4).
    let blob = Zone::Iana(Tz::Europe__Moscow).to_eas(2011);
    assert_eq!(blob.daylight_date.year, 2011);
    assert_eq!((blob.daylight_date.month, blob.daylight_date.day), (3, 27));
    assert_eq!(Zone::from_eas(&blob, 2011), Zone::Iana(Tz::Europe__Moscow));
}

#[test]
fn custom_zone_converts_local_times_by_its_rules() {
    let zone = zone_of(OLD_EASTERN, 2024);
    // 2024-04-07 is the first Sunday of April: 02:00 EST jumps to 03:00 EDT.
    assert_eq!(
        zone.to_utc(at(2024, 4, 7, 1, 59)),
        at(2024, 4, 7, 6, 59).and_utc().timestamp()
    );
    assert_eq!(
        zone.to_utc(at(2024, 4, 7, 3, 0)),
        at(2024, 4, 7, 7, 0).and_utc().timestamp()
    );
    // In the gap: moved forward by the gap.
    assert_eq!(
        zone.to_utc(at(2024, 4, 7, 2, 30)),
        at(2024, 4, 7, 7, 30).and_utc().timestamp()
    );
    // 2024-10-27 (last Sunday of October): 01:30 happens twice, the earlier is taken.
    assert_eq!(
        zone.to_utc(at(2024, 10, 27, 1, 30)),
        at(2024, 10, 27, 5, 30).and_utc().timestamp()
    );
    assert_eq!(
        zone.to_local(at(2024, 7, 1, 12, 0).and_utc().timestamp()),
        at(2024, 7, 1, 8, 0)
    );
    assert_eq!(
        zone.offset_at(at(2024, 1, 1, 12, 0).and_utc().timestamp()),
        -5 * 3600
    );
}

#[test]
fn iana_gap_moves_forward_and_overlap_takes_the_earlier() {
    let zone = Zone::Iana(Tz::Europe__Berlin);
    assert_eq!(
        zone.to_utc(at(2024, 3, 31, 2, 30)),
        at(2024, 3, 31, 1, 30).and_utc().timestamp()
    );
    assert_eq!(
        zone.to_utc(at(2024, 10, 27, 2, 30)),
        at(2024, 10, 27, 0, 30).and_utc().timestamp()
    );
    let lord_howe = Zone::Iana(Tz::Australia__Lord_Howe);
    // 30-minute gap: 02:00 -> 02:30 on 2024-10-06.
    assert_eq!(
        lord_howe.to_local(lord_howe.to_utc(at(2024, 10, 6, 2, 15))),
        at(2024, 10, 6, 2, 45)
    );
}

#[test]
fn extreme_values_do_not_panic() {
    let zones = [
        Zone::UTC,
        Zone::Iana(Tz::America__New_York),
        zone_of(OLD_EASTERN, 2024),
        Zone::Custom(CustomZone::fixed("x", 14 * 3600)),
    ];
    for zone in zones {
        for t in [i64::MIN, i64::MAX, 0, -1, i64::MIN / 2, i64::MAX / 2] {
            let local = zone.to_local(t);
            zone.to_utc(local);
            zone.offset_at(t);
        }
        for local in [NaiveDateTime::MIN, NaiveDateTime::MAX] {
            zone.to_utc(local);
        }
        for year in [i32::MIN, -1, 0, 1, 9999, 262_143, i32::MAX] {
            Zone::from_eas(&zone.to_eas(year), year);
        }
    }
}

#[test]
fn invalid_dates_mean_no_daylight_time() {
    let blob = TimeZone {
        bias: i32::MAX,
        standard_bias: i32::MIN,
        daylight_bias: i32::MAX,
        standard_date: SystemTime {
            month: 13,
            day: 9,
            day_of_week: 9,
            hour: 99,
            ..SystemTime::default()
        },
        daylight_date: SystemTime {
            year: 2024,
            month: 2,
            day: 30,
            ..SystemTime::default()
        },
        ..TimeZone::default()
    };
    let zone = Zone::from_eas(&blob, 2024);
    assert_eq!(zone.offset_at(0), zone.offset_at(200 * 86_400));
}

fn yearly_rule() -> impl Strategy<Value = SystemTime> {
    (
        1u16..=12,
        1u16..=5,
        0u16..=6,
        0u16..=23,
        prop::sample::select(vec![0u16, 30]),
    )
        .prop_map(|(month, day, day_of_week, hour, minute)| SystemTime {
            month,
            day,
            day_of_week,
            hour,
            minute,
            ..SystemTime::default()
        })
}

fn blob() -> impl Strategy<Value = TimeZone> {
    (
        -48i32..=56,
        prop::option::of((
            yearly_rule(),
            yearly_rule(),
            prop::sample::select(vec![-120, -60, -30, 60]),
        )),
        prop::sample::select(vec!["", "Some Zone", "W. Europe Standard Time"]),
    )
        .prop_filter_map("start and end apart", |(quarters, daylight, name)| {
            let mut tz = TimeZone {
                bias: quarters * 15,
                standard_name: name.into(),
                daylight_name: name.into(),
                ..TimeZone::default()
            };
            if let Some((start, end, bias)) = daylight {
                if (start.month, start.day) == (end.month, end.day) {
                    return None;
                }
                tz.daylight_date = start;
                tz.standard_date = end;
                tz.daylight_bias = bias;
            }
            Some(tz)
        })
}

fn same_rules(a: &TimeZone, b: &TimeZone) -> bool {
    let strip = |t: &TimeZone| TimeZone {
        standard_name: String::new(),
        daylight_name: String::new(),
        ..t.clone()
    };
    strip(a) == strip(b)
}

proptest! {
    #[test]
    fn blob_to_zone_to_blob_keeps_the_rules(tz in blob(), year in 2000i32..=2037) {
        let zone = Zone::from_eas(&tz, year);
        let back = zone.to_eas(year);
        match &zone {
            Zone::Custom(_) => prop_assert!(same_rules(&back, &tz), "{tz:?} -> {back:?}"),
            // A zone with these rules in that year: same offsets all year.
            Zone::Iana(_) => {
                let (a, b) = (CustomZone::from_eas(&tz, year), CustomZone::from_eas(&back, year));
                let start = at(year, 1, 1, 0, 0).and_utc().timestamp();
                for day in 1..364 {
                    let t = start + day * 86_400;
                    prop_assert_eq!(a.offset_at(t), b.offset_at(t));
                }
            }
        }
    }

    #[test]
    fn local_time_round_trips_outside_overlaps(tz in blob(), year in 2000i32..=2037, second in 0i64..366 * 86_400) {
        let zone = Zone::from_eas(&tz, year);
        let t = at(year, 1, 1, 0, 0).and_utc().timestamp() + second;
        let local = zone.to_local(t);
        let back = zone.to_utc(local);
        if back != t {
            // Only in an overlap: the same wall time earlier.
            prop_assert!(back < t);
            prop_assert_eq!(zone.to_local(back), local);
        }
    }
}

#[test]
fn nameless_fixed_offset_blob_is_an_etc_zone() {
    let blob = TimeZone {
        bias: 300,
        ..TimeZone::default()
    };
    assert_eq!(Zone::from_eas(&blob, 2024), Zone::Iana(Tz::Etc__GMTPlus5));
    let odd = TimeZone {
        bias: -345,
        ..TimeZone::default()
    };
    assert_eq!(Zone::from_eas(&odd, 2024), Zone::Iana(Tz::Asia__Katmandu));
    let unknown = TimeZone {
        bias: -310,
        ..TimeZone::default()
    };
    assert_eq!(Zone::from_eas(&unknown, 2024).tzid(), "Custom/UTC+05:10");
}
