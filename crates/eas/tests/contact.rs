//! A Sync response carrying a full Contact validates against the EAS schemas.

mod support;

use eas::airsyncbase::{Body, BodyType};
use eas::contact::Contact;
use eas::sync::{ServerCommand, SyncCollectionResponse, SyncResponse, SyncStatus};
use eas::{CollectionId, ProtocolVersion, SyncKey};
use support::assert_valid;

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

/// Every element the class defines, with a value.
fn full_contact() -> Contact {
    Contact {
        anniversary: Some(993_945_600),
        assistant_name: s("Ada Assistant"),
        assistant_phone_number: s("+1 555 0100"),
        birthday: Some(326_196_000),
        body: Some(Body::full(
            BodyType::Plain,
            "Met at the fair.\nLikes tea.".into(),
        )),
        business2_phone_number: s("+1 555 0101"),
        business_address_city: s("Springfield"),
        business_phone_number: s("+1 555 0102"),
        web_page: s("https://example.org/"),
        business_address_country: s("USA"),
        department: s("R&D"),
        email1_address: s("jo@example.org"),
        email2_address: s("jo@work.example"),
        email3_address: s("jo@old.example"),
        business_fax_number: s("+1 555 0103"),
        file_as: s("Doe, Jo"),
        alias: s("jdoe"),
        weighted_rank: Some(7),
        first_name: s("Jo"),
        middle_name: s("Q."),
        home_address_city: s("Shelbyville"),
        home_address_country: s("USA"),
        home_fax_number: s("+1 555 0104"),
        home_phone_number: s("+1 555 0105"),
        home2_phone_number: s("+1 555 0106"),
        home_address_postal_code: s("12345"),
        home_address_state: s("IL"),
        home_address_street: s("1 Main St\nApt 2"),
        mobile_phone_number: s("+1 555 0107"),
        suffix: s("Jr."),
        company_name: s("ACME <Inc>"),
        other_address_city: s("Ogdenville"),
        other_address_country: s("USA"),
        car_phone_number: s("+1 555 0108"),
        other_address_postal_code: s("54321"),
        other_address_state: s("IL"),
        other_address_street: s("2 Side Rd"),
        pager_number: s("+1 555 0109"),
        title: s("Dr."),
        business_address_postal_code: s("67890"),
        last_name: s("Doe"),
        spouse: s("Sam Doe"),
        business_address_state: s("IL"),
        business_address_street: s("3 Work Ave"),
        job_title: s("Engineer"),
        yomi_first_name: s("ジョー"),
        yomi_last_name: s("ドウ"),
        yomi_company_name: s("アクメ"),
        office_location: s("B2-114"),
        radio_phone_number: s("+1 555 0110"),
        picture: s("iVBORw0KGgo="),
        categories: Some(vec!["Family".into(), "VIP".into()]),
        children: Some(vec!["Ann".into(), "Bo".into()]),
        customer_id: s("C-42"),
        government_id: s("123-45-6789"),
        im_address: s("jo@jabber.example"),
        im_address2: s("jo.skype"),
        im_address3: s("sip:jo@example.org"),
        manager_name: s("Max Manager"),
        company_main_phone: s("+1 555 0111"),
        account_name: s("ACC-9"),
        nick_name: s("JD"),
        mms: s("+1 555 0112"),
    }
}

fn sync_with(contacts: &[Contact], v: ProtocolVersion) -> SyncResponse {
    let mut c = SyncCollectionResponse::new(
        SyncKey::new("{c0}2").expect("key"),
        CollectionId::new("9").expect("id"),
        SyncStatus::Success,
    );
    c.commands = contacts
        .iter()
        .enumerate()
        .map(|(i, contact)| ServerCommand::Add {
            server_id: format!("9:{i}"),
            application_data: contact.to_application_data(v),
        })
        .collect();
    SyncResponse::new(vec![c])
}

#[test]
fn a_sync_add_with_a_full_contact_validates_in_14_1_and_16_1() {
    for v in [ProtocolVersion::V14_1, ProtocolVersion::V16_1] {
        assert_valid(
            &format!("Sync Add of a full Contact, {v}"),
            &sync_with(&[full_contact()], v).to_element(v),
        );
    }
}

#[test]
fn a_sync_add_with_empty_lists_and_an_empty_picture_validates_for_every_version() {
    let sparse = Contact {
        last_name: s("Doe"),
        picture: s(""),
        categories: Some(vec![]),
        children: Some(vec![]),
        ..Contact::default()
    };
    for v in ProtocolVersion::ALL {
        assert_valid(
            &format!("Sync Add of sparse Contacts, {v}"),
            &sync_with(std::slice::from_ref(&sparse), v).to_element(v),
        );
    }
}

#[test]
fn a_full_contact_survives_the_wire() {
    for v in ProtocolVersion::ALL {
        let el = full_contact().to_application_data(v);
        let back = wbxml::decode(&wbxml::encode(&el)).expect("decodes");
        let mut expected = full_contact();
        expected.alias = None;
        expected.weighted_rank = None;
        assert_eq!(Contact::from_application_data(&back, v), Ok(expected));
    }
}
