//! Arbitrary bytes as a request body: decoded as WBXML, then read as each command's typed
//! request. Nothing a device sends may panic; what parses must also answer.
#![no_main]

use eas::provision::ProvisionRequest;
use eas::{FolderSyncRequest, ProtocolVersion, SettingsRequest};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = wbxml::decode(data) else { return };
    if let Ok(req) = ProvisionRequest::from_element(&doc) {
        let _ = req.lacks_required_device_information(ProtocolVersion::V16_1);
        let _ = wbxml::encode(&req.to_element());
    }
    if let Ok(req) = SettingsRequest::from_element(&doc) {
        let _ = wbxml::encode(&req.to_element());
    }
    let _ = FolderSyncRequest::from_element(&doc);
});
