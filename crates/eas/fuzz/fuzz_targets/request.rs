//! Arbitrary bytes as a request body: decoded as WBXML, then read as each command's typed
//! request. Nothing a device sends may panic; what parses must also answer, and a request
//! written back must read the same.
#![no_main]

use eas::provision::ProvisionRequest;
use eas::sync::EmailChange;
use eas::{
    ComposeMailRequest, DraftEmail, FolderCreateRequest, FolderDeleteRequest, FolderSyncRequest, FolderUpdateRequest,
    GetItemEstimateRequest, ItemOperationsRequest, MoveItemsRequest, ProtocolVersion,
    SettingsRequest, SyncRequest,
};
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
    if let Ok(req) = SyncRequest::from_element(&doc) {
        let _ = (req.interval(), req.interval_limit());
        for c in &req.collections {
            let _ = (c.wants_changes(), c.deletes_as_moves(), c.options_for(None));
            for cmd in &c.commands {
                if let eas::sync::ClientCommand::Change {
                    application_data, ..
                } = cmd
                {
                    let _ = EmailChange::from_application_data(application_data);
                }
                if let eas::sync::ClientCommand::Add {
                    application_data, ..
                }
                | eas::sync::ClientCommand::Change {
                    application_data, ..
                } = cmd
                    && let Ok(draft) = DraftEmail::from_application_data(application_data)
                {
                    let _ = wbxml::encode(&draft.to_application_data());
                }
                if let eas::sync::ClientCommand::Add {
                    application_data, ..
                }
                | eas::sync::ClientCommand::Change {
                    application_data, ..
                } = cmd
                {
                    content_classes(application_data);
                }
            }
        }
        let again = wbxml::decode(&wbxml::encode(&req.to_element())).expect("our WBXML decodes");
        assert_eq!(SyncRequest::from_element(&again).as_ref(), Ok(&req));
    }
    if let Ok(req) = ItemOperationsRequest::from_element(&doc) {
        let _ = wbxml::encode(&req.to_element());
    }
    if let Ok(req) = MoveItemsRequest::from_element(&doc) {
        assert_eq!(
            MoveItemsRequest::from_element(&req.to_element()).as_ref(),
            Ok(&req)
        );
    }
    if let Ok(req) = GetItemEstimateRequest::from_element(&doc) {
        let _ = wbxml::encode(&req.to_element());
    }
    if let Ok(req) = ComposeMailRequest::from_element(&doc) {
        let _ = req.problem();
        let again = wbxml::decode(&wbxml::encode(&req.to_element())).expect("our WBXML decodes");
        assert_eq!(ComposeMailRequest::from_element(&again).as_ref(), Ok(&req));
    }
    let _ = FolderCreateRequest::from_element(&doc);
    let _ = FolderUpdateRequest::from_element(&doc);
    let _ = FolderDeleteRequest::from_element(&doc);
    let _ = eas::item_operations::parse_multipart(data);
});

/// A device's ApplicationData read as each content class; what reads must write in every version.
fn content_classes(data: &wbxml::Element) {
    for v in [ProtocolVersion::V12_1, ProtocolVersion::V14_1, ProtocolVersion::V16_1] {
        if let Ok(c) = eas::calendar::Calendar::from_application_data(data, v) {
            let _ = wbxml::encode(&c.to_application_data(v));
        }
        if let Ok(c) = eas::contact::Contact::from_application_data(data, v) {
            let _ = wbxml::encode(&c.to_application_data(v));
        }
        if let Ok(t) = eas::task::Task::from_application_data(data, v) {
            let _ = wbxml::encode(&t.to_application_data(v));
        }
        if let Ok(n) = eas::note::Note::from_application_data(data, v) {
            let _ = wbxml::encode(&n.to_application_data(v));
        }
    }
    for child in data.elements() {
        if let Ok(r) = eas::recurrence::Recurrence::from_element(child) {
            for page in [
                eas::recurrence::RecurrencePage::Calendar,
                eas::recurrence::RecurrencePage::Tasks,
                eas::recurrence::RecurrencePage::Email,
            ] {
                let _ = wbxml::encode(&r.to_element(page, ProtocolVersion::V16_1));
            }
        }
        if let Ok(m) = eas::meeting_request::MeetingRequest::from_element(child) {
            let _ = wbxml::encode(&m.to_element(ProtocolVersion::V16_1));
        }
    }
}
