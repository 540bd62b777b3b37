//! Arbitrary text as a stored vCard: rendered as a Contact, and the rendering (as it is, with a
//! changed name, an empty Picture, and cleared emails) merged back. Nothing may panic.
#![no_main]

use convert::contact::{self, ContactOptions};
use convert::merge::Ghosting;
use eas::ProtocolVersion;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for version in [ProtocolVersion::V12_1, ProtocolVersion::V16_1] {
        let opts = ContactOptions::new(version);
        let Ok((mut c, _)) = contact::vcard_to_contact(text, &opts) else { continue };
        let _ = contact::merge_contact(Some(text), &c, &Ghosting::NothingGhosted, &opts);
        c.first_name = Some("Changed".to_owned());
        c.picture = Some(String::new());
        c.email2_address = None;
        let ghosting = Ghosting::from_supported(&[wbxml::tags::contacts::EMAIL2_ADDRESS]);
        let _ = contact::merge_contact(Some(text), &c, &ghosting, &opts);
    }
});
