//! Events: an iCalendar `VEVENT` (with its overrides) <-> the EAS Calendar class
//! (MS-ASCAL). See the crate README for every mapping decision.
//!
//! Rendering ([`event_to_eas`]) reads the stored object; a device's Add or Change is always a
//! merge into the stored object ([`merge_event`]), changing only what the device's data
//! speaks for, so X- properties, extra alarms, attachments, parameters and per-instance data
//! survive. 16.x devices change or delete one occurrence with [`merge_instance`] and
//! [`delete_instance`].

mod instances;
mod merge;
mod people;
mod render;
mod when;

pub use instances::{delete_instance, merge_instance};
pub use merge::merge_event;
pub use render::event_to_eas;

use eas::ProtocolVersion;
use eas::airsyncbase::BodyPreference;

/// What the conversion needs to know of the device and the user.
#[derive(Clone, Debug, PartialEq)]
pub struct CalendarOptions {
    pub version: ProtocolVersion,
    /// The device's body preference for the Calendar class (`None`: whole plain text).
    pub body: Option<BodyPreference>,
    /// The user's own addresses: whether the user is the organizer or which attendee is the
    /// user (compared case-insensitively, without `mailto:`).
    pub user_addresses: Vec<String>,
    /// Now, UTC seconds: `DTSTAMP` and `LAST-MODIFIED` of new and changed objects.
    pub now: i64,
    /// The user's zone: all-day events and floating times are sent in it (before 16.0,
    /// all-day events as its local midnights with its Timezone; 16.x sends them as dates
    /// without a Timezone), and a device's times without a Timezone are written in it.
    pub zone: crate::timezone::Zone,
}

impl CalendarOptions {
    pub(crate) fn is_user(&self, address: &str) -> bool {
        self.user_addresses
            .iter()
            .any(|u| crate::ical::same_address(u, address))
    }
}

/// The PRODID of objects the gateway creates.
pub const PRODID: &str = "-//airgate//EAS Calendar//EN";
