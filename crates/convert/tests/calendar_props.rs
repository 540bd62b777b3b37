//! Property: a device's event (field by field, in a zone from a small set, with a recurrence
//! from a small set) merged into an empty object renders back as the same event, in the
//! normal form the server sends (defaults filled in; all-day events at midnight of the
//! user's zone with its Timezone before 16.0, dates at midnight UTC without one in 16.x).

use chrono::{Datelike, Duration, NaiveDate, NaiveTime};
use convert::calendar::{CalendarOptions, event_to_eas, merge_event};
use convert::merge::Ghosting;
use convert::timezone::Zone;
use eas::ProtocolVersion;
use eas::airsyncbase::{Body, BodyType};
use eas::calendar::{BusyStatus, Calendar, Location, MeetingStatus, Sensitivity};
use eas::recurrence::{Recurrence, RecurrenceType, day_bits};
use proptest::prelude::*;

const NOW: i64 = 1_714_000_000;

fn zones() -> Vec<Zone> {
    vec![
        Zone::UTC,
        Zone::Iana(chrono_tz::Europe::Berlin),
        Zone::Iana(chrono_tz::America::New_York),
        Zone::Iana(chrono_tz::Asia::Kolkata),
    ]
}

#[derive(Clone, Debug)]
enum Pattern {
    None,
    DailyCount,
    WeeklyOnStartDay,
    WeeklyMonWedFri,
    MonthlyOnStartDay,
}

fn recurrence(p: &Pattern, local_start: NaiveDate) -> Option<Recurrence> {
    let mut r = match p {
        Pattern::None => return None,
        Pattern::DailyCount => {
            let mut r = Recurrence::new(RecurrenceType::Daily);
            r.occurrences = Some(5);
            r
        }
        Pattern::WeeklyOnStartDay => {
            let mut r = Recurrence::new(RecurrenceType::Weekly);
            r.day_of_week = Some(1 << local_start.weekday().num_days_from_sunday());
            r
        }
        Pattern::WeeklyMonWedFri => {
            let mut r = Recurrence::new(RecurrenceType::Weekly);
            // The start is an occurrence (EAS counts from it, RFC 5545 counts DTSTART).
            r.day_of_week = Some(
                day_bits::MONDAY
                    | day_bits::WEDNESDAY
                    | day_bits::FRIDAY
                    | 1 << local_start.weekday().num_days_from_sunday(),
            );
            r.interval = Some(2);
            r
        }
        Pattern::MonthlyOnStartDay => {
            let mut r = Recurrence::new(RecurrenceType::Monthly);
            r.day_of_month = Some(local_start.day() as u8);
            r
        }
    };
    r.interval = Some(r.interval.unwrap_or(1));
    Some(r)
}

/// The fields a pattern is compared by.
fn pattern_key(r: &Recurrence) -> impl PartialEq + std::fmt::Debug {
    (
        r.kind,
        r.interval.unwrap_or(1),
        r.occurrences,
        r.until,
        r.day_of_week,
        r.day_of_month,
        r.week_of_month,
        r.month_of_year,
    )
}

fn text() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9 ,;:.!?-]{0,20}"
}

prop_compose! {
    fn device_event()(
        zone in prop::sample::select(zones()),
        user in prop::sample::select(zones()),
        all_day in any::<bool>(),
        day in 0i64..3000,
        minute in 0i64..1440,
        length in 1i64..600,
        days in 1i64..5,
        subject in prop::option::of(text()),
        location in prop::option::of(text()),
        reminder in prop::option::of(0u32..3000),
        sensitivity in prop::option::of(prop::sample::select(Sensitivity::ALL.to_vec())),
        busy in prop::option::of(prop::sample::select(BusyStatus::ALL.to_vec())),
        categories in prop::option::of(prop::collection::btree_set("[A-Za-z]{1,8}", 0..3)),
        body in prop::option::of("[A-Za-z0-9][A-Za-z0-9 .]{0,40}"),
        pattern in prop::sample::select(vec![
            Pattern::None, Pattern::DailyCount, Pattern::WeeklyOnStartDay,
            Pattern::WeeklyMonWedFri, Pattern::MonthlyOnStartDay,
        ]),
        v16 in any::<bool>(),
    ) -> (Calendar, ProtocolVersion, Zone) {
        let date = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + Duration::days(day);
        let (start, end) = if all_day && v16 {
            // MS-ASCAL 2.2.2.1: 16.x all-day times have no time component.
            let s = Zone::UTC.to_utc(date.and_time(NaiveTime::MIN));
            (s, s + days * 86_400)
        } else if all_day {
            let s = zone.to_utc(date.and_time(NaiveTime::MIN));
            (s, zone.to_utc((date + Duration::days(days)).and_time(NaiveTime::MIN)))
        } else {
            let s = zone.to_utc(date.and_time(NaiveTime::MIN) + Duration::minutes(minute));
            (s, s + length * 60)
        };
        let local_start = if all_day { date } else { zone.to_local(start).date() };
        let version = if v16 { ProtocolVersion::V16_1 } else { ProtocolVersion::V14_1 };
        let busy = busy.map(|b| b.for_version(version));
        (Calendar {
            timezone: (!(all_day && v16)).then(|| zone.to_eas(zone.to_local(start).year())),
            all_day_event: Some(all_day),
            start_time: Some(start),
            end_time: Some(end),
            subject,
            location: location.map(Location::named),
            reminder,
            sensitivity,
            busy_status: busy,
            categories: categories.map(|c| c.into_iter().collect()),
            body: body.map(|b| Body::full(BodyType::Plain, b)),
            recurrence: recurrence(&pattern, local_start),
            ..Calendar::default()
        }, version, user)
    }
}

/// What the server renders for the device's event, for a user in `user`.
fn normalized(input: &Calendar, rendered: &Calendar, user: &Zone) -> Calendar {
    let mut want = input.clone();
    if input.all_day_event == Some(true)
        && let Some(blob) = &input.timezone
    {
        // Before 16.0 all-day events are sent as the user's midnights of their dates, in
        // the user's zone (16.x: as the device sent them, dates without a Timezone).
        let zone = Zone::from_eas(blob, Zone::UTC.to_local(input.start_time.unwrap()).year());
        let date = |t: i64| zone.to_local(t).date();
        let midnight = |t: i64| user.to_utc(date(t).and_time(NaiveTime::MIN));
        want.start_time = input.start_time.map(midnight);
        want.end_time = input.end_time.map(midnight);
        want.timezone = Some(user.to_eas(date(input.start_time.unwrap()).year()));
    }
    want.dt_stamp = Some(NOW);
    want.uid = rendered.uid.clone();
    want.meeting_status = Some(MeetingStatus::Appointment);
    want.sensitivity = Some(input.sensitivity.unwrap_or(Sensitivity::Normal));
    want.busy_status = Some(input.busy_status.unwrap_or(BusyStatus::Busy));
    want.categories = input.categories.clone().filter(|c| !c.is_empty());
    want.native_body_type = input.body.as_ref().map(|_| BodyType::Plain);
    want.recurrence = rendered.recurrence.clone();
    want
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_device_event_merged_into_nothing_renders_back((input, version, user) in device_event()) {
        let opts = CalendarOptions {
            version,
            body: None,
            user_addresses: vec!["me@example.com".into()],
            now: NOW,
            zone: user.clone(),
        };
        let ics = merge_event(None, &input, &Ghosting::NothingGhosted, &opts).unwrap();
        let (rendered, losses) = event_to_eas(&ics, &opts).unwrap();
        prop_assert!(losses.is_empty(), "{losses:?}\n{ics}");
        prop_assert_eq!(
            input.recurrence.as_ref().map(pattern_key),
            rendered.recurrence.as_ref().map(pattern_key),
            "{}", ics
        );
        prop_assert_eq!(&rendered, &normalized(&input, &rendered, &user), "{}", ics);
        // And the device's own event, sent back, changes nothing.
        let again = merge_event(Some(&ics), &rendered, &Ghosting::NothingGhosted, &opts).unwrap();
        prop_assert_eq!(again, ics);
    }
}
