//! The EAS TimeZone blob <-> zones.

use convert::timezone::Zone;

#[test]
fn berlin_blob_is_w_europe_with_last_sundays() {
    let blob = Zone::Iana(chrono_tz::Europe::Berlin).to_eas(2024);
    assert_eq!(blob.bias, -60);
    assert_eq!(blob.standard_name, "W. Europe Standard Time");
    assert_eq!(blob.daylight_name, "W. Europe Daylight Time");
    assert_eq!((blob.standard_date.month, blob.standard_date.day, blob.standard_date.hour), (10, 5, 3));
    assert_eq!((blob.daylight_date.month, blob.daylight_date.day, blob.daylight_date.hour), (3, 5, 2));
    assert_eq!(blob.daylight_bias, -60);
    assert_eq!(Zone::from_eas(&blob, 2024), Zone::Iana(chrono_tz::Europe::Berlin));
}
