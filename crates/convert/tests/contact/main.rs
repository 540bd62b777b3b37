//! Contacts against vCard: the corpus as devices see it, merges that keep what EAS cannot
//! carry, and round trips of arbitrary contacts.

#[path = "../../../eas/tests/support/mod.rs"]
mod support;

mod corpus;
mod merge;
mod roundtrip;

use convert::contact::ContactOptions;
use eas::ProtocolVersion;

pub fn opts() -> ContactOptions {
    ContactOptions {
        uid: Some("test-uid-1".into()),
        ..ContactOptions::new(ProtocolVersion::V16_1)
    }
}

/// A snapshot in `tests/snapshots`, named without the module path.
pub fn snapshot(name: &str, value: &str) {
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(name, value);
    });
}
