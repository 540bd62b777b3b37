//! The EAS Notes class (MS-ASNOTE, 14.0+) <-> iCalendar VJOURNAL (RFC 5545 3.6.3).
//!
//! A note is a VJOURNAL without DTSTART (as jtx Board stores its notes; a journal entry has
//! one): SUMMARY <-> Subject, DESCRIPTION (and X-ALT-DESC) <-> Body, CATEGORIES <->
//! Categories, LAST-MODIFIED -> LastModifiedDate (server-set), MessageClass kept in
//! `X-AIRGATE-MESSAGECLASS` when it is not `IPM.StickyNote`. See
//! the crate README.

use eas::ProtocolVersion;
use eas::airsyncbase::BodyPreference;
use eas::note::Note;

use crate::ical::{self, ICalendar, ICalendarComponentType, ICalendarProperty};
use crate::merge::{ConvertError, Loss};
use crate::timezone::Zone;

/// The note's MessageClass when it is not `IPM.StickyNote` (e.g. `IPM.StickyNote.Yellow`).
pub const X_MESSAGE_CLASS: &str = "X-AIRGATE-MESSAGECLASS";

/// How notes are converted for one device.
#[derive(Clone, Debug, PartialEq)]
pub struct NoteOptions {
    pub version: ProtocolVersion,
    /// The device's body preference for the Notes class (`None`: the whole plain text).
    pub body: Option<BodyPreference>,
    /// Now, UTC unix seconds.
    pub now: i64,
}

/// Properties a VJOURNAL may have that a note cannot carry: kept on the server, reported.
const NOT_CARRIED: [(ICalendarProperty, &str); 9] = [
    (ICalendarProperty::Dtstart, "a note has no date"),
    (ICalendarProperty::RelatedTo, "no links between notes"),
    (ICalendarProperty::Attach, "no attachments in EAS notes"),
    (ICalendarProperty::Status, "no status in EAS notes"),
    (ICalendarProperty::Class, "no sensitivity in EAS notes"),
    (ICalendarProperty::Url, "no URL in EAS notes"),
    (ICalendarProperty::Geo, "no location in EAS notes"),
    (ICalendarProperty::Attendee, "no attendees in EAS notes"),
    (ICalendarProperty::Rrule, "notes do not recur"),
];

/// The note a device gets for the stored object `ics` (its master VJOURNAL), and what EAS
/// cannot carry of it.
pub fn journal_to_eas(ics: &str, opts: &NoteOptions) -> Result<(Note, Vec<Loss>), ConvertError> {
    let cal = ical::parse(ics)?;
    let j = ical::master(&cal, &ICalendarComponentType::VJournal)
        .ok_or(ConvertError::NoComponent("VJOURNAL"))?;
    let c = &cal.components[j];
    let mut losses = Vec::new();
    let descriptions = c
        .entries
        .iter()
        .filter(|e| e.name == ICalendarProperty::Description)
        .count();
    if descriptions > 1 {
        losses.push(Loss::new(
            "DESCRIPTION",
            format!("{descriptions} descriptions: the device gets the first"),
        ));
    }
    for (prop, why) in &NOT_CARRIED {
        if ical::find(c, prop).is_some() {
            losses.push(Loss::new(prop.as_str(), *why));
        }
    }
    for e in &c.entries {
        if let ICalendarProperty::Other(name) = &e.name
            && !name.eq_ignore_ascii_case(X_MESSAGE_CLASS)
            && !name.eq_ignore_ascii_case("X-ALT-DESC")
            && !losses.iter().any(|l| l.property.eq_ignore_ascii_case(name))
        {
            losses.push(Loss::new(name.as_str(), "no EAS element"));
        }
    }
    let modified = [
        ICalendarProperty::LastModified,
        ICalendarProperty::Dtstamp,
        ICalendarProperty::Created,
    ]
    .iter()
    .find_map(|p| ical::when(&cal, j, p))
    .map(|w| w.to_utc(&Zone::UTC));
    let note = Note {
        subject: ical::text(c, &ICalendarProperty::Summary),
        body: ical::body(c, opts.body.as_ref()),
        message_class: Some(
            ical::text(c, &ical::property(X_MESSAGE_CLASS))
                .unwrap_or_else(|| Note::DEFAULT_MESSAGE_CLASS.to_owned()),
        ),
        categories: Some(ical::categories(c)).filter(|v| !v.is_empty()),
        last_modified_date: modified,
    };
    Ok((note, losses))
}

/// Applies a device's note to the stored object (`None`: a new note, a VJOURNAL without
/// DTSTART) and returns the object to store. Notes have no ghosting: an omitted element keeps
/// its property (and an omitted or truncated Body never changes the description). An empty
/// Subject removes SUMMARY; an empty Categories removes CATEGORIES. LastModifiedDate is the
/// server's: LAST-MODIFIED becomes `now` when anything changed.
pub fn merge_journal(
    stored: Option<&str>,
    change: &Note,
    opts: &NoteOptions,
) -> Result<String, ConvertError> {
    let (mut cal, j, new) = match stored {
        Some(ics) => {
            let cal = ical::parse(ics)?;
            let j = ical::master(&cal, &ICalendarComponentType::VJournal)
                .ok_or(ConvertError::NoComponent("VJOURNAL"))?;
            (cal, j, false)
        }
        None => {
            let mut cal: ICalendar = ical::empty("-//airgate//EN");
            let j = ical::add_child(
                &mut cal,
                0,
                ical::component(ICalendarComponentType::VJournal),
            );
            (cal, j, true)
        }
    };
    let c = &mut cal.components[j];
    let mut changed = false;
    changed |= match change.subject.as_deref() {
        Some("") => ical::remove(c, &ICalendarProperty::Summary),
        Some(s) => ical::set_text(c, ICalendarProperty::Summary, s),
        None => false,
    };
    if let Some(b) = &change.body {
        // Several DESCRIPTIONs (allowed in a VJOURNAL): the device saw the first; a change
        // replaces that one only.
        changed |= ical::apply_body(c, b);
    }
    if let Some(list) = &change.categories {
        changed |= ical::set_categories(c, list);
    }
    if let Some(class) = &change.message_class {
        let value = (class != Note::DEFAULT_MESSAGE_CLASS).then_some(class.as_str());
        let stored = ical::text(c, &ical::property(X_MESSAGE_CLASS));
        if stored.as_deref() != value {
            changed |= ical::set_or_remove_text(c, ical::property(X_MESSAGE_CLASS), value);
        }
    }
    crate::task::stamp(&mut cal, j, new, changed, opts.now, &format!("{change:?}"));
    Ok(ical::write(&cal))
}
