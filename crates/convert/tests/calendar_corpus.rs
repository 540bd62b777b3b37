//! Real-world-style events (iOS, DAVx5, Thunderbird, Outlook, Google, Radicale, ...) as the EAS
//! Calendar class: a snapshot of the 16.1 and 14.1 ApplicationData and the loss report of
//! each, and every output valid against the EAS schemas in a Sync Add.

#[path = "../../eas/tests/support/mod.rs"]
mod support;

use convert::calendar::{CalendarOptions, event_to_eas};
use eas::ProtocolVersion;
use eas::airsyncbase::{BodyPreference, BodyType};
use eas::sync::{ServerCommand, SyncCollectionResponse, SyncResponse, SyncStatus};
use eas::{CollectionId, SyncKey};
use wbxml::Element;

fn opts(version: ProtocolVersion) -> CalendarOptions {
    CalendarOptions {
        version,
        body: Some(BodyPreference {
            truncation_size: Some(200),
            ..BodyPreference::whole(BodyType::Html)
        }),
        user_addresses: vec!["me@example.com".into()],
        now: 1_714_000_000,
        zone: convert::timezone::Zone::Iana(chrono_tz::Europe::Berlin),
    }
}

fn sync_add(data: Element, version: ProtocolVersion) -> Element {
    let key = SyncKey::new("3").unwrap();
    let mut c =
        SyncCollectionResponse::new(key, CollectionId::new("4").unwrap(), SyncStatus::Success);
    c.commands = vec![ServerCommand::Add {
        server_id: "4:1".into(),
        application_data: data,
    }];
    SyncResponse::new(vec![c]).to_element(version)
}

fn check(name: &str) {
    let path = format!(
        "{}/tests/corpus/calendar/{name}.ics",
        env!("CARGO_MANIFEST_DIR")
    );
    let ics = std::fs::read_to_string(&path).unwrap();
    let mut out = String::new();
    for v in [ProtocolVersion::V16_1, ProtocolVersion::V14_1] {
        let (cal, losses) = event_to_eas(&ics, &opts(v)).unwrap();
        let data = cal.to_application_data(v);
        support::assert_valid(&format!("{name} {v}"), &sync_add(data.clone(), v));
        out.push_str(&format!("--- {v} ---\n{}\n", wbxml::to_xml(&data)));
        if v == ProtocolVersion::V16_1 {
            out.push_str(&format!("--- losses ---\n{losses:#?}\n"));
        }
    }
    insta::assert_snapshot!(name, out);
}

macro_rules! corpus {
    ($($name:ident),+ $(,)?) => { $( #[test] fn $name() { check(stringify!($name)); } )+ };
}

corpus!(
    ios_lunch,
    davx5_dentist,
    thunderbird_invitation,
    outlook_windows_tzid,
    google_meet,
    radicale_duration,
    all_day,
    weekly_overrides_exdate,
    monthly_last_friday,
    unrepresentable_rrule,
    custom_vtimezone,
    floating,
    three_alarms_attach,
);
