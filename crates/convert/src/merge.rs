//! What the content converters share: which elements a device's Change speaks for (ghosting),
//! and the report of what a conversion could not carry.
//!
//! Merge, never regenerate: a device's Add or Change is applied to the stored iCalendar or
//! vCard object (an Add to an empty one), changing only the properties the change speaks for.
//! A value equal to what the stored object renders to is not rewritten, so parameters,
//! formatting and properties EAS cannot carry stay as they were.

use wbxml::Tag;

/// Whether an element a device left out of a Sync Change clears the property
/// (MS-ASCMD 2.2.3.179 Supported). Only Contacts and Calendar elements can be ghosted; the
/// converters apply the rule to the elements they list as ghostable and keep the others'
/// own rules (for instance an omitted Body is never a deletion).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Ghosting {
    /// No `Supported` in the collection's first Sync: nothing is ghosted, so every omitted
    /// ghostable element is cleared.
    #[default]
    NothingGhosted,
    /// `Supported` named these elements: they are cleared when omitted, every other
    /// ghostable element is kept.
    Supported(Vec<Tag>),
}

impl Ghosting {
    /// From the `Supported` children the device sent (empty: none sent). An empty
    /// `<Supported/>` is also "nothing named", which the spec treats as no Supported element.
    pub fn from_supported(supported: &[Tag]) -> Ghosting {
        if supported.is_empty() {
            Ghosting::NothingGhosted
        } else {
            Ghosting::Supported(supported.to_vec())
        }
    }

    /// Whether omitting the ghostable element `tag` from a Change clears it.
    pub fn omission_clears(&self, tag: Tag) -> bool {
        match self {
            Ghosting::NothingGhosted => true,
            Ghosting::Supported(tags) => tags.contains(&tag),
        }
    }
}

/// Something of the source object that the EAS form cannot carry. The data stays in the
/// stored object; the report is for logs and for the caller's decisions (e.g. a device's
/// edit of an event whose RRULE it never saw must not drop the RRULE).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loss {
    /// The property (or component) as the source names it, e.g. `RRULE`, `TEL`.
    pub property: String,
    /// Why, in a few words.
    pub reason: String,
}

impl Loss {
    pub fn new(property: impl Into<String>, reason: impl Into<String>) -> Loss {
        Loss {
            property: property.into(),
            reason: reason.into(),
        }
    }
}

/// Conversion of a stored object failed as a whole.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConvertError {
    /// The text is not an iCalendar / vCard object this converter can read.
    #[error("unreadable {kind}: {detail}")]
    Unreadable { kind: &'static str, detail: String },
    /// The object has no component of the kind asked for (e.g. no VEVENT).
    #[error("no {0} in the object")]
    NoComponent(&'static str),
    /// The attendee is not invited to this meeting (e.g. a reply on behalf of someone the
    /// meeting does not list).
    #[error("the attendee is not invited to this meeting")]
    NotInvited,
}

/// The UID of an object a device's Add creates, when the caller gives none: a SHA-256 of
/// `seed` in the UUID form. Pure, so a retried Add with the same seed gets the same UID; the
/// DAV caller should seed with what identifies the Add (device and ClientId) or pass its own.
pub fn new_uid(seed: &[&[u8]]) -> String {
    use sha2::{Digest as _, Sha256};
    let mut h = Sha256::new();
    for part in seed {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part);
    }
    let hex: String = h
        .finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use wbxml::tags::calendar as cal;

    #[test]
    fn without_supported_every_omission_clears() {
        assert!(Ghosting::from_supported(&[]).omission_clears(cal::LOCATION));
    }

    #[test]
    fn with_supported_only_named_elements_clear() {
        let g = Ghosting::from_supported(&[cal::SUBJECT]);
        assert!(g.omission_clears(cal::SUBJECT));
        assert!(!g.omission_clears(cal::LOCATION));
    }
}
