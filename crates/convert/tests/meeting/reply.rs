//! The iMIP REPLY and the message carrying it.

use convert::meeting::{Response, imip_reply, reply_message};
use convert::merge::ConvertError;
use mail_parser::{MessageParser, MimeHeaders as _};

use super::corpus;

const NOW: i64 = 1_795_400_000; // 2026-11-23T02:13:20Z

fn reply(name: &str, response: Response, instance: Option<i64>) -> String {
    imip_reply(
        &corpus(name),
        "jo@example.org",
        response,
        None,
        instance,
        NOW,
    )
    .expect("a reply")
}

/// The unfolded content lines of the VEVENT.
fn event_lines(ics: &str) -> Vec<String> {
    let unfolded = ics.replace("\r\n ", "");
    let mut lines = Vec::new();
    let mut inside = false;
    for l in unfolded.split("\r\n") {
        match l {
            "BEGIN:VEVENT" => inside = true,
            "END:VEVENT" => inside = false,
            _ if inside => lines.push(l.to_owned()),
            _ => {}
        }
    }
    lines
}

fn utc(text: &str) -> i64 {
    eas::date::parse_utc(text).expect("date")
}

#[test]
fn a_reply_keeps_only_the_replying_attendee_with_the_new_partstat() {
    let ics = reply("google_invitation.ics", Response::Accepted, None);
    assert!(ics.contains("\r\nMETHOD:REPLY\r\n"), "{ics}");
    let lines = event_lines(&ics);
    let attendees: Vec<_> = lines.iter().filter(|l| l.starts_with("ATTENDEE")).collect();
    assert_eq!(attendees.len(), 1, "{lines:?}");
    let a = attendees[0];
    assert!(a.ends_with(":mailto:Jo@Example.org"), "{a}");
    assert!(
        a.contains("PARTSTAT=ACCEPTED") && !a.contains("NEEDS-ACTION"),
        "{a}"
    );
    assert!(!a.contains("RSVP"), "{a}");
    assert!(a.contains("X-NUM-GUESTS=0"), "other parameters stay: {a}");
}

#[test]
fn a_reply_carries_the_identifying_properties_and_a_fresh_dtstamp() {
    let ics = reply("outlook_invitation.ics", Response::Tentative, None);
    let lines = event_lines(&ics);
    let names: Vec<&str> = lines
        .iter()
        .map(|l| l.split([';', ':']).next().unwrap_or_default())
        .collect();
    assert_eq!(
        names,
        [
            "UID",
            "SEQUENCE",
            "DTSTAMP",
            "DTSTART",
            "DTEND",
            "ORGANIZER",
            "SUMMARY",
            "ATTENDEE"
        ]
    );
    assert!(
        lines.contains(&"DTSTAMP:20261123T021320Z".to_owned()),
        "{lines:?}"
    );
    assert!(lines.contains(&"SEQUENCE:0".to_owned()));
    assert!(lines.iter().any(|l| l.contains("PARTSTAT=TENTATIVE")));
    // The VTIMEZONE DTSTART references.
    assert!(
        ics.contains("BEGIN:VTIMEZONE\r\nTZID:W. Europe Standard Time\r\n"),
        "{ics}"
    );
    assert_eq!(ics.matches("BEGIN:VTIMEZONE").count(), 1);
    assert!(!ics.contains("VALARM") && !ics.contains("X-MICROSOFT-CDO"));
    let parsed = convert::ical::parse(&ics).expect("the reply parses");
    assert!(parsed.components.len() >= 4);
}

#[test]
fn a_reply_keeps_sequence_and_adds_the_comment() {
    let ics = imip_reply(
        &corpus("cancellation.ics").replace("METHOD:CANCEL", "METHOD:REQUEST"),
        "JO@EXAMPLE.ORG",
        Response::Declined,
        Some("On holiday, sorry"),
        None,
        NOW,
    )
    .expect("reply");
    let lines = event_lines(&ics);
    assert!(lines.contains(&"SEQUENCE:2".to_owned()));
    assert!(
        lines.contains(&"COMMENT:On holiday\\, sorry".to_owned()),
        "{lines:?}"
    );
    assert!(lines.iter().any(|l| l.contains("PARTSTAT=DECLINED")));
    assert!(!ics.contains("VTIMEZONE"), "UTC times reference no zone");
}

#[test]
fn answering_one_occurrence_of_a_series_moves_the_series_to_it() {
    // Wednesday 2026-11-04 09:30 Berlin.
    let t = utc("2026-11-04T08:30:00Z");
    let ics = reply("recurring_invitation.ics", Response::Accepted, Some(t));
    let lines = event_lines(&ics);
    assert!(
        lines.contains(&"DTSTART;TZID=Europe/Berlin:20261104T093000".to_owned()),
        "{lines:?}"
    );
    assert!(lines.contains(&"DTEND;TZID=Europe/Berlin:20261104T094500".to_owned()));
    assert!(lines.contains(&"RECURRENCE-ID;TZID=Europe/Berlin:20261104T093000".to_owned()));
    assert!(
        !lines
            .iter()
            .any(|l| l.starts_with("RRULE") || l.starts_with("EXDATE"))
    );
}

#[test]
fn answering_an_overridden_occurrence_uses_the_override() {
    let t = utc("2026-11-11T08:30:00Z");
    let ics = reply("occurrence_update.ics", Response::Accepted, Some(t));
    let lines = event_lines(&ics);
    assert!(
        lines.contains(&"DTSTART;TZID=Europe/Berlin:20261111T110000".to_owned()),
        "{lines:?}"
    );
    assert!(lines.contains(&"RECURRENCE-ID;TZID=Europe/Berlin:20261111T093000".to_owned()));
    assert!(lines.contains(&"SEQUENCE:1".to_owned()));
    assert!(lines.contains(&"SUMMARY:Stand-up (moved)".to_owned()));
}

#[test]
fn an_all_day_occurrence_keeps_the_date_form() {
    let series =
        corpus("ios_invitation.ics").replace("SEQUENCE:0", "SEQUENCE:0\r\nRRULE:FREQ=YEARLY");
    let ics = imip_reply(
        &series,
        "jo@example.org",
        Response::Accepted,
        None,
        Some(utc("2027-12-05T00:00:00Z")),
        NOW,
    )
    .expect("reply");
    let lines = event_lines(&ics);
    assert!(
        lines.contains(&"RECURRENCE-ID;VALUE=DATE:20271205".to_owned()),
        "{lines:?}"
    );
    assert!(lines.contains(&"DTEND;VALUE=DATE:20271206".to_owned()));
    assert!(!lines.iter().any(|l| l.contains("SCHEDULE-STATUS")));
}

#[test]
fn someone_not_invited_cannot_reply() {
    assert_eq!(
        imip_reply(
            &corpus("google_invitation.ics"),
            "eve@example.org",
            Response::Accepted,
            None,
            None,
            NOW
        ),
        Err(ConvertError::NotInvited)
    );
    assert_eq!(
        imip_reply(
            "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
            "jo@example.org",
            Response::Accepted,
            None,
            None,
            NOW
        ),
        Err(ConvertError::NoComponent("VEVENT"))
    );
}

#[test]
fn the_reply_message_is_multipart_alternative_with_an_imip_part() {
    let ics = reply("outlook_invitation.ics", Response::Accepted, None);
    let bytes = reply_message(
        &ics,
        "Jo Doe <jo@example.org>",
        "\"Anna Berger\" <anna.berger@contoso.example>",
        "Q4 Planung für alle",
        Response::Accepted,
        NOW,
        "gw.example.org",
    );
    let text = String::from_utf8(bytes.clone()).expect("ASCII");
    assert!(
        !text.contains("\n\n") && text.lines().all(|l| l.len() <= 78),
        "{text}"
    );
    let msg = MessageParser::default().parse(&bytes).expect("parses");
    assert_eq!(msg.subject(), Some("Accepted: Q4 Planung für alle"));
    assert_eq!(
        msg.from().and_then(|a| a.first()).and_then(|a| a.address()),
        Some("jo@example.org")
    );
    assert_eq!(
        msg.to().and_then(|a| a.first()).and_then(|a| a.address()),
        Some("anna.berger@contoso.example")
    );
    assert!(
        msg.message_id()
            .is_some_and(|id| id.ends_with("@gw.example.org"))
    );
    let ct = msg.content_type().expect("Content-Type");
    assert_eq!(
        (ct.ctype(), ct.subtype()),
        ("multipart", Some("alternative"))
    );
    let parts: Vec<_> = msg.parts.iter().skip(1).collect();
    assert_eq!(parts.len(), 2);
    let plain = parts[0].content_type().expect("part type");
    assert_eq!((plain.ctype(), plain.subtype()), ("text", Some("plain")));
    let cal = parts[1].content_type().expect("part type");
    assert_eq!((cal.ctype(), cal.subtype()), ("text", Some("calendar")));
    assert_eq!(cal.attribute("method"), Some("REPLY"));
    assert!(
        cal.attribute("charset")
            .is_some_and(|c| c.eq_ignore_ascii_case("utf-8"))
    );
    assert_eq!(parts[1].text_contents(), Some(ics.as_str()));
    assert!(
        parts[0]
            .text_contents()
            .is_some_and(|t| t.contains("accepted"))
    );
}

#[test]
fn the_reply_message_is_the_same_for_the_same_reply_and_time() {
    let ics = reply("google_invitation.ics", Response::Declined, None);
    let a = reply_message(
        &ics,
        "jo@example.org",
        "sam.lee@gmail.example",
        "Sync",
        Response::Declined,
        NOW,
        "",
    );
    let b = reply_message(
        &ics,
        "jo@example.org",
        "sam.lee@gmail.example",
        "Sync",
        Response::Declined,
        NOW,
        "",
    );
    assert_eq!(a, b);
    let text = String::from_utf8(a).expect("ASCII");
    assert!(text.contains("Subject: Declined: Sync\r\n"));
    assert!(text.contains("@airgate.invalid>"));
}
