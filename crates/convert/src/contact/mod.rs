//! The Contacts class against vCard (2.1, 3.0, 4.0): what a device receives for a stored
//! vCard, and the vCard to store after a device's Add or Change, always as a merge.
//!
//! A stored card is kept as its content lines; each EAS element is rendered from one line (or
//! one component of N, ORG, ADR), chosen by a rule that depends only on the card
//! ([`layout`]), so the merge finds the same line again and rewrites only the lines whose
//! rendering the device changed. Everything else, X- properties, groups, parameters, folding,
//! the lines beyond the EAS slots, stays byte for byte. See the crate README.

mod apply;
mod body;
mod card;
mod dates;
mod fields;
mod layout;
mod render;

use eas::airsyncbase::BodyPreference;
use eas::contact::Contact;
use eas::version::ProtocolVersion;

use crate::merge::{ConvertError, Ghosting, Loss};
use card::Card;
use layout::Layout;

/// The PRODID of vCards airgate creates.
pub const PRODID: &str = "-//airgate//airgate//EN";

/// How contacts are rendered for a device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactOptions {
    pub version: ProtocolVersion,
    /// The device's BodyPreference for the collection; `None`: no Body is sent.
    pub body: Option<BodyPreference>,
    /// The largest Picture sent, as base64 text (MS-ASCNTC 2.2.2.58: 48 KB). A larger PHOTO is
    /// left out (and reported as a [`Loss`]), never altered.
    pub max_picture_bytes: usize,
    /// The UID of a card created by a device's Add; `None`: one is derived from the content
    /// ([`crate::merge::new_uid`]), so a retried Add gets the same UID.
    pub uid: Option<String>,
}

impl ContactOptions {
    /// Defaults for a version: plain-text notes in full, the spec's Picture limit.
    pub fn new(version: ProtocolVersion) -> ContactOptions {
        ContactOptions {
            version,
            body: Some(BodyPreference::whole(eas::airsyncbase::BodyType::Plain)),
            max_picture_bytes: eas::contact::MAX_PICTURE_BASE64_BYTES,
            uid: None,
        }
    }
}

fn parse(vcard: &str) -> Result<Card, ConvertError> {
    let card = Card::parse(vcard);
    let begins = card.lines.iter().any(|l| l.is("BEGIN"));
    if !begins {
        return Err(ConvertError::Unreadable {
            kind: "vCard",
            detail: "no BEGIN:VCARD".into(),
        });
    }
    Ok(card)
}

/// The Contact a device receives for a stored vCard, and what it cannot carry.
pub fn vcard_to_contact(
    vcard: &str,
    opts: &ContactOptions,
) -> Result<(Contact, Vec<Loss>), ConvertError> {
    let card = parse(vcard)?;
    Ok(render::render(&card, &Layout::of(&card), opts))
}

/// The vCard to store after a device's Add (`stored` None) or Change. Elements the device left
/// out follow `ghosting`; a value equal to what the stored card renders to changes nothing.
pub fn merge_contact(
    stored: Option<&str>,
    change: &Contact,
    ghosting: &Ghosting,
    opts: &ContactOptions,
) -> Result<String, ConvertError> {
    let (card, new) = match stored {
        Some(text) => (parse(text)?, false),
        None => {
            let uid = match &opts.uid {
                Some(u) => u.clone(),
                None => crate::merge::new_uid(&[format!("{change:?}").as_bytes()]),
            };
            (Card::skeleton(&uid), true)
        }
    };
    Ok(apply::merge(&card, change, ghosting, opts, new).write())
}
