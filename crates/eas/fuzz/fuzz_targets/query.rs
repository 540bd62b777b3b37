//! Arbitrary query strings into the request-line parser (both MS-ASHTTP forms). Whatever parses
//! must encode back to a plain query that parses to the same request line.
#![no_main]

use eas::RequestLine;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(query) = std::str::from_utf8(data) else { return };
    let Ok(line) = RequestLine::parse(query) else { return };
    let again = RequestLine::parse(&line.to_plain_query()).expect("a plain query we wrote parses");
    assert_eq!(again.command, line.command);
    assert_eq!(again.device_id, line.device_id);
    assert_eq!(again.device_type, line.device_type);
});
