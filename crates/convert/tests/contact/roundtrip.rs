//! Any Contact a device may add, merged into nothing and rendered again, is the same Contact
//! in normal form: empty strings and empty lists are absent, FileAs is the default when not
//! given, dates are the intended date at 10:00 UTC, and the slots of a pool (Home/Home2,
//! Business/Business2, Email1-3, IMAddress1-3) are filled from the first.

use base64::Engine as _;
use convert::contact::{merge_contact, vcard_to_contact};
use convert::merge::Ghosting;
use eas::airsyncbase::{Body, BodyType};
use eas::contact::Contact;
use proptest::prelude::*;

use crate::opts;

/// Runs of spaces are one space: calcard reads `a\\,  b` as `a, b`.
fn single_spaced(s: String) -> String {
    s.split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(
        "[A-Za-z0-9äé]([A-Za-z0-9äé ,;.\\\\-]{0,10}[A-Za-z0-9])?".prop_map(single_spaced),
    )
}

fn date() -> impl Strategy<Value = Option<i64>> {
    // 1900-01-01 .. 2100-01-01
    proptest::option::of(-2_208_988_800i64..4_102_444_800)
}

fn list() -> impl Strategy<Value = Option<Vec<String>>> {
    proptest::option::of(proptest::collection::vec(
        "[A-Za-z][A-Za-z ,]{0,8}[A-Za-z]".prop_map(single_spaced),
        0..4,
    ))
}

prop_compose! {
    fn contact()(
        names in proptest::array::uniform8(text()),
        phones in proptest::array::uniform13(text()),
        emails in proptest::array::uniform3(proptest::option::of("[a-z]{1,8}@[a-z]{1,8}\\.example")),
        ims in proptest::array::uniform3(proptest::option::of("[a-z]{1,8}(@[a-z]{1,6}\\.example)?")),
        addr in proptest::array::uniform15(text()),
        more in proptest::array::uniform12(text()),
        web in proptest::option::of("https://[a-z]{1,8}\\.example/[a-z0-9]{0,6}"),
        birthday in date(), anniversary in date(),
        categories in list(), children in list(),
        note in proptest::option::of("[A-Za-z0-9 ,;\\n]{1,40}"),
        picture in proptest::option::of(proptest::collection::vec(any::<u8>(), 1..64)),
    ) -> Contact {
        let [last_name, first_name, middle_name, title, suffix, company_name, department, file_as] = names;
        let [mobile_phone_number, home_phone_number, home2_phone_number, business_phone_number,
            business2_phone_number, home_fax_number, business_fax_number, car_phone_number,
            pager_number, radio_phone_number, assistant_phone_number, company_main_phone, mms] = phones;
        let [email1_address, email2_address, email3_address] = emails;
        let [im_address, im_address2, im_address3] = ims;
        let [home_address_street, home_address_city, home_address_state, home_address_postal_code,
            home_address_country, business_address_street, business_address_city,
            business_address_state, business_address_postal_code, business_address_country,
            other_address_street, other_address_city, other_address_state,
            other_address_postal_code, other_address_country] = addr;
        let [job_title, nick_name, office_location, customer_id, government_id, account_name,
            yomi_first_name, yomi_last_name, yomi_company_name, assistant_name, manager_name,
            spouse] = more;
        Contact {
            last_name, first_name, middle_name, title, suffix, company_name, department, file_as,
            mobile_phone_number, home_phone_number, home2_phone_number, business_phone_number,
            business2_phone_number, home_fax_number, business_fax_number, car_phone_number,
            pager_number, radio_phone_number, assistant_phone_number, company_main_phone, mms,
            email1_address, email2_address, email3_address, im_address, im_address2, im_address3,
            home_address_street, home_address_city, home_address_state, home_address_postal_code,
            home_address_country, business_address_street, business_address_city,
            business_address_state, business_address_postal_code, business_address_country,
            other_address_street, other_address_city, other_address_state,
            other_address_postal_code, other_address_country,
            job_title, nick_name, office_location, customer_id, government_id, account_name,
            yomi_first_name, yomi_last_name, yomi_company_name, assistant_name, manager_name,
            spouse, web_page: web, birthday, anniversary, categories, children,
            body: note.map(|n| Body::full(BodyType::Plain, n)),
            picture: picture.map(|p| base64::engine::general_purpose::STANDARD.encode(p)),
            alias: None, weighted_rank: None,
        }
    }
}

fn compact(slots: [&mut Option<String>; 3]) {
    let values: Vec<String> = slots.iter().filter_map(|s| (*s).clone()).collect();
    for (i, s) in slots.into_iter().enumerate() {
        *s = values.get(i).cloned();
    }
}

fn normal(mut c: Contact) -> Contact {
    let day = |t: i64| (t + 12 * 3600).div_euclid(86_400) * 86_400 + 10 * 3600;
    c.birthday = c.birthday.map(day);
    c.anniversary = c.anniversary.map(day);
    c.categories = c.categories.filter(|l| !l.is_empty());
    c.children = c.children.filter(|l| !l.is_empty());
    let (a, b) = (c.home_phone_number.take(), c.home2_phone_number.take());
    let mut pair = [a, b, None];
    let [x, y, z] = &mut pair;
    compact([x, y, z]);
    [c.home_phone_number, c.home2_phone_number] = [pair[0].take(), pair[1].take()];
    let mut pair = [
        c.business_phone_number.take(),
        c.business2_phone_number.take(),
        None,
    ];
    let [x, y, z] = &mut pair;
    compact([x, y, z]);
    [c.business_phone_number, c.business2_phone_number] = [pair[0].take(), pair[1].take()];
    compact([
        &mut c.email1_address,
        &mut c.email2_address,
        &mut c.email3_address,
    ]);
    compact([&mut c.im_address, &mut c.im_address2, &mut c.im_address3]);
    if c.file_as.is_none() {
        let (last, first) = (
            c.last_name.clone().unwrap_or_default(),
            c.first_name.clone().unwrap_or_default(),
        );
        let full = [
            &c.title,
            &c.first_name,
            &c.middle_name,
            &c.last_name,
            &c.suffix,
        ]
        .iter()
        .filter_map(|s| s.as_deref())
        .collect::<Vec<_>>()
        .join(" ");
        let company = c.company_name.clone().unwrap_or_default();
        let fa = match (last.is_empty(), first.is_empty()) {
            (false, false) => format!("{last}, {first}"),
            (false, true) => last,
            (true, false) => first,
            _ if !full.is_empty() => full,
            _ => company,
        };
        c.file_as = (!fa.is_empty()).then_some(fa);
    }
    c
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn an_added_contact_renders_back_as_itself(contact in contact()) {
        let card = merge_contact(None, &contact, &Ghosting::NothingGhosted, &opts()).expect("merges");
        let (back, _) = vcard_to_contact(&card, &opts()).expect("renders");
        prop_assert_eq!(back, normal(contact.clone()), "card:\n{}", card);
        // And sending the rendering back changes nothing.
        let again = merge_contact(Some(&card), &vcard_to_contact(&card, &opts()).expect("r").0,
            &Ghosting::NothingGhosted, &opts()).expect("merges");
        prop_assert_eq!(again, card);
    }
}
