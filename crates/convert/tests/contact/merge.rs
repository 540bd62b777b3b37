//! Device edits merged into stored cards: only what the device changed is rewritten.

use convert::contact::{ContactOptions, merge_contact, vcard_to_contact};
use convert::merge::Ghosting;
use eas::airsyncbase::{Body, BodyPreference, BodyType};
use eas::contact::Contact;
use wbxml::tags::contacts as c;

use crate::opts;

fn corpus(name: &str) -> String {
    let path = format!(
        "{}/tests/corpus/contacts/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(path).expect("corpus file");
    String::from_utf8(bytes.clone())
        .unwrap_or_else(|_| bytes.iter().map(|&b| char::from(b)).collect())
}

fn rendered(text: &str) -> Contact {
    vcard_to_contact(text, &opts()).expect("renders").0
}

fn merged(text: &str, change: &Contact, ghosting: &Ghosting) -> String {
    merge_contact(Some(text), change, ghosting, &opts()).expect("merges")
}

/// Lines of `a` not in `b`, and lines of `b` not in `a` (physical lines).
fn diff(a: &str, b: &str) -> (Vec<String>, Vec<String>) {
    let la: Vec<&str> = a.lines().collect();
    let lb: Vec<&str> = b.lines().collect();
    (
        la.iter()
            .filter(|l| !lb.contains(l))
            .map(|s| s.to_string())
            .collect(),
        lb.iter()
            .filter(|l| !la.contains(l))
            .map(|s| s.to_string())
            .collect(),
    )
}

#[test]
fn a_name_edit_rewrites_only_n_and_fn_and_keeps_x_properties_groups_and_parameters() {
    let text = corpus("ios-full.vcf");
    let mut change = rendered(&text);
    change.first_name = Some("John".into());
    change.picture = Some(String::new());
    let out = merged(&text, &change, &Ghosting::NothingGhosted);
    let (gone, added) = diff(&text, &out);
    assert_eq!(
        gone,
        [
            "N:Appleseed;Johnny;Q.;Dr.;Jr.",
            "FN:Dr. Johnny Q. Appleseed Jr."
        ]
    );
    assert_eq!(
        added,
        [
            "N:Appleseed;John;Q.;Dr.;Jr.",
            "FN:Dr. John Q. Appleseed Jr."
        ]
    );
}

#[test]
fn a_company_card_keeps_its_fn_when_a_name_is_added() {
    let text = corpus("ios-company.vcf");
    let mut change = rendered(&text);
    change.first_name = Some("Joe".into());
    let out = merged(&text, &change, &Ghosting::NothingGhosted);
    assert!(out.contains("FN:Joe's Pizza\n"));
    assert!(out.contains("N:;Joe;;;\n"));
}

#[test]
fn email2_edit_changes_the_email_it_was_rendered_from() {
    // PREF=1 (privat) is Email1, PREF=2 (firma) is Email2.
    let text = corpus("davx5-4.vcf");
    let mut change = rendered(&text);
    assert_eq!(change.email2_address.as_deref(), Some("lena@firma.example"));
    change.email2_address = Some("\"Lena Fischer\" <lena@neu.example>".into());
    let out = merged(&text, &change, &Ghosting::NothingGhosted);
    let (gone, added) = diff(&text, &out);
    assert_eq!(gone, ["EMAIL;TYPE=work;PREF=2:lena@firma.example"]);
    assert_eq!(added, ["EMAIL;TYPE=work;PREF=2:lena@neu.example"]);
    assert_eq!(
        rendered(&out).email2_address.as_deref(),
        Some("lena@neu.example")
    );
}

#[test]
fn emails_and_phones_beyond_the_slots_survive_an_edit_and_a_clear() {
    let text = corpus("many-emails-phones.vcf");
    let mut change = rendered(&text);
    change.email2_address = Some("bea@new.example".into());
    change.home_phone_number = None;
    let out = merged(&text, &change, &Ghosting::NothingGhosted);
    for kept in [
        "bea@four.example",
        "bea@five.example",
        "+1 555 0002",
        "+1 555 0005",
        "+1 555 0007",
    ] {
        assert!(out.contains(kept), "{kept} lost");
    }
    let (gone, added) = diff(&text, &out);
    assert_eq!(
        gone,
        [
            "item2.EMAIL;type=INTERNET;type=HOME:bea@two.example",
            "TEL;type=HOME;type=VOICE:+1 555 0003"
        ]
    );
    assert_eq!(
        added,
        ["item2.EMAIL;type=INTERNET;type=HOME:bea@new.example"]
    );
}

#[test]
fn a_cleared_grouped_line_takes_its_label_along() {
    let text = corpus("ios-full.vcf");
    let mut change = rendered(&text);
    change.web_page = Some(String::new());
    let out = merged(&text, &change, &Ghosting::NothingGhosted);
    assert!(!out.contains("item5."));
    assert!(out.contains("item4.X-ABADR:us"));
}

#[test]
fn an_empty_picture_never_deletes_the_photo() {
    let text = corpus("ios-full.vcf");
    let mut change = rendered(&text);
    change.picture = Some(String::new());
    assert_eq!(merged(&text, &change, &Ghosting::NothingGhosted), text);
}

#[test]
fn an_absent_picture_follows_ghosting() {
    let text = corpus("ios-full.vcf");
    let mut change = rendered(&text);
    change.picture = None;
    assert!(!merged(&text, &change, &Ghosting::NothingGhosted).contains("PHOTO"));
    let supported = Ghosting::Supported(vec![c::FIRST_NAME]);
    assert_eq!(merged(&text, &change, &supported), text);
}

#[test]
fn a_photo_the_device_never_got_is_not_deleted_by_its_absence() {
    let text = corpus("ios-huge-photo.vcf");
    let change = rendered(&text);
    assert!(change.picture.is_none());
    assert_eq!(merged(&text, &change, &Ghosting::NothingGhosted), text);
}

#[test]
fn a_new_picture_is_written_in_the_cards_own_style() {
    let png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
    let text3 = corpus("ios-full.vcf");
    let mut change = rendered(&text3);
    change.picture = Some(png.into());
    let out = merged(&text3, &change, &Ghosting::NothingGhosted);
    assert!(
        out.contains("PHOTO;ENCODING=b;TYPE=PNG:iVBORw0KGgo"),
        "{out}"
    );
    assert_eq!(rendered(&out).picture.as_deref(), Some(png));

    let text4 = corpus("davx5-4.vcf");
    let mut change = rendered(&text4);
    change.picture = Some(png.into());
    let out = merged(&text4, &change, &Ghosting::NothingGhosted);
    assert!(
        out.contains("PHOTO:data:image/png;base64,iVBORw0KGgo"),
        "{out}"
    );
    assert_eq!(rendered(&out).picture.as_deref(), Some(png));
}

#[test]
fn with_supported_only_named_elements_clear_when_left_out() {
    let text = corpus("davx5-3.vcf");
    let change = Contact {
        first_name: Some("Keiko".into()),
        last_name: Some("Tanaka".into()),
        ..Contact::default()
    };
    let supported = Ghosting::Supported(vec![c::FIRST_NAME, c::LAST_NAME, c::PAGER_NUMBER]);
    let out = merged(&text, &change, &supported);
    let (gone, added) = diff(&text, &out);
    assert_eq!(gone, ["TEL;TYPE=pager:+81 20-5555-0104"]);
    assert!(added.is_empty());

    let out = merged(&text, &change, &Ghosting::NothingGhosted);
    let after = rendered(&out);
    assert_eq!(after.mobile_phone_number, None);
    assert_eq!(after.categories, None);
    assert_eq!(after.children, None);
    assert!(out.contains("REV:20240301T101500Z"), "unmapped lines stay");
    assert!(!out.contains("Hana") && !out.contains("item2."));
}

#[test]
fn a_birthday_sent_as_local_midnight_is_the_same_date() {
    let text = corpus("ios-full.vcf");
    let mut change = rendered(&text);
    // iOS in UTC+2 sends May 3 as local midnight.
    change.birthday = eas::date::parse_utc("1980-05-02T22:00:00.000Z");
    assert_eq!(merged(&text, &change, &Ghosting::NothingGhosted), text);
    change.birthday = eas::date::parse_utc("1981-05-02T22:00:00.000Z");
    let (gone, added) = diff(&text, &merged(&text, &change, &Ghosting::NothingGhosted));
    assert_eq!(gone, ["BDAY;VALUE=date:1980-05-03"]);
    assert_eq!(added, ["BDAY;VALUE=date:1981-05-03"]);
}

#[test]
fn a_year_less_birthday_stays_year_less() {
    let text = corpus("ios-yearless-birthday.vcf");
    let mut change = rendered(&text);
    assert_eq!(
        change.birthday.map(eas::date::format_utc).as_deref(),
        Some("1604-12-24T10:00:00.000Z")
    );
    change.birthday = eas::date::parse_utc("1604-12-25T00:00:00.000Z");
    let out = merged(&text, &change, &Ghosting::NothingGhosted);
    assert!(
        out.contains("BDAY;X-APPLE-OMIT-YEAR=1604:1604-12-25\n"),
        "{out}"
    );
    let text4 = corpus("davx5-4.vcf");
    let mut change = rendered(&text4);
    change.birthday = eas::date::parse_utc("1604-05-04T00:00:00.000Z");
    assert!(merged(&text4, &change, &Ghosting::NothingGhosted).contains("BDAY:--0504\n"));
}

#[test]
fn an_omitted_body_keeps_the_note_and_an_empty_one_clears_it() {
    let text = corpus("thunderbird-4.vcf");
    let mut change = rendered(&text);
    change.body = None;
    assert_eq!(merged(&text, &change, &Ghosting::NothingGhosted), text);
    change.body = Some(Body::full(BodyType::Plain, String::new()));
    assert!(!merged(&text, &change, &Ghosting::NothingGhosted).contains("NOTE"));
}

#[test]
fn a_truncated_note_sent_back_does_not_cut_the_stored_note() {
    let text = corpus("ios-full.vcf");
    let short = ContactOptions {
        body: Some(BodyPreference {
            truncation_size: Some(6),
            ..BodyPreference::whole(BodyType::Plain)
        }),
        ..opts()
    };
    let (mut change, _) = vcard_to_contact(&text, &short).expect("renders");
    let body = change.body.as_mut().expect("body");
    assert!(body.truncated);
    // A device sends back what it has, without the flag.
    body.truncated = false;
    change.picture = Some(String::new());
    let out =
        merge_contact(Some(&text), &change, &Ghosting::NothingGhosted, &short).expect("merges");
    assert_eq!(out, text);
}

#[test]
fn an_html_body_is_stored_as_text() {
    let text = corpus("thunderbird-4.vcf");
    let mut change = rendered(&text);
    change.body = Some(Body::full(
        BodyType::Html,
        "<p>Appeler <b>le soir</b>.</p>".into(),
    ));
    assert!(merged(&text, &change, &Ghosting::NothingGhosted).contains("NOTE:Appeler le soir.\n"));
}

#[test]
fn a_quoted_printable_line_is_rewritten_as_utf8_text() {
    let text = corpus("outlook-21.vcf");
    let mut change = rendered(&text);
    assert_eq!(
        change.business_address_street.as_deref(),
        Some("Leopoldstraße 1\nHaus B")
    );
    change.business_address_city = Some("Münster".into());
    let out = merged(&text, &change, &Ghosting::NothingGhosted).replace("\r\n ", "");
    assert!(out.contains("ADR;WORK;PREF;CHARSET=UTF-8:;;Leopoldstraße 1\\nHaus B;Münster;Bayern;80802;Deutschland\r\n"), "{out}");
    assert!(out.contains("LABEL;WORK;PREF;ENCODING=QUOTED-PRINTABLE:"));
}

#[test]
fn a_second_home_number_lands_in_home2() {
    let text = corpus("davx5-3.vcf");
    let mut change = rendered(&text);
    change.home2_phone_number = Some("+81 3-5555-0199".into());
    let out = merged(&text, &change, &Ghosting::NothingGhosted);
    let after = rendered(&out);
    assert_eq!(after.home_phone_number.as_deref(), Some("+81 3-5555-0102"));
    assert_eq!(after.home2_phone_number.as_deref(), Some("+81 3-5555-0199"));
    assert!(out.contains("TEL;TYPE=home:+81 3-5555-0102\nTEL;TYPE=HOME,VOICE:+81 3-5555-0199\n"));
}

#[test]
fn related_names_are_added_in_each_versions_form() {
    let text3 = corpus("davx5-3.vcf");
    let mut change = rendered(&text3);
    change.spouse = Some("Yuki".into());
    let out = merged(&text3, &change, &Ghosting::NothingGhosted);
    assert!(
        out.contains("item4.X-ABRELATEDNAMES:Yuki\nitem4.X-ABLabel:_$!<Spouse>!$_\n"),
        "{out}"
    );
    let text4 = corpus("davx5-4.vcf");
    let mut change = rendered(&text4);
    change.assistant_name = Some("Ole".into());
    let out = merged(&text4, &change, &Ghosting::NothingGhosted);
    assert!(
        out.contains("RELATED;TYPE=assistant;VALUE=text:Ole\n"),
        "{out}"
    );
}

#[test]
fn clearing_categories_removes_every_categories_line() {
    let text = corpus("google-export.vcf");
    let mut change = rendered(&text);
    change.categories = Some(vec![]);
    assert!(!merged(&text, &change, &Ghosting::NothingGhosted).contains("CATEGORIES"));
}

#[test]
fn a_file_as_other_than_the_default_is_kept_in_an_x_property() {
    let text = corpus("davx5-3.vcf");
    let mut change = rendered(&text);
    assert_eq!(change.file_as.as_deref(), Some("Tanaka, Keiko"));
    change.file_as = Some("Keiko (Tokyo)".into());
    let out = merged(&text, &change, &Ghosting::NothingGhosted);
    assert!(out.contains("X-AIRGATE-FILE-AS:Keiko (Tokyo)\n"));
    let radicale = corpus("radicale-stored.vcf");
    assert_eq!(
        rendered(&radicale).file_as.as_deref(),
        Some("Okafor, Chidi (Ethics)")
    );
}

#[test]
fn an_add_creates_a_version_3_card_with_uid_prodid_fn_and_n() {
    let change = Contact {
        first_name: Some("Ada".into()),
        last_name: Some("Lovelace".into()),
        mobile_phone_number: Some("+44 20 7946 0000".into()),
        email1_address: Some("ada@example.org".into()),
        birthday: eas::date::parse_utc("1815-12-09T23:00:00.000Z"),
        categories: Some(vec!["Math, Computing".into()]),
        spouse: Some("William".into()),
        body: Some(Body::full(
            BodyType::Plain,
            "First programmer;\r\nanalyst.".into(),
        )),
        picture: Some(String::new()),
        file_as: Some("Lovelace, Ada".into()),
        ..Contact::default()
    };
    let out = merge_contact(None, &change, &Ghosting::NothingGhosted, &opts()).expect("merges");
    crate::snapshot("contact_new_card", &out);
    let back = rendered(&out);
    assert_eq!(
        back.birthday.map(eas::date::format_utc).as_deref(),
        Some("1815-12-10T10:00:00.000Z")
    );
    assert_eq!(back.categories, change.categories);
    assert_eq!(back.spouse, change.spouse);
}
