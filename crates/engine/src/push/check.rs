//! What counts as a change for a waiting device: its sync state compared with what the
//! watcher last saw upstream. Pure functions.

use std::collections::BTreeMap;

use state::{CollectionRecord, DeviceFolder, UserFolders};

use crate::mail::SpecialNames;
use crate::mail::backend::{ChangeTracking, Mailbox, MailboxState};
use crate::mail::folders;

/// What a waiting request keeps of a collection's sync state: a few numbers, not the UID
/// sets (a held request should cost little memory).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Baseline {
    /// Items are still to be sent.
    pub pending: bool,
    pub uid_validity: u32,
    pub modseq: u64,
    pub uid_next: u32,
    pub messages: u32,
}

impl Baseline {
    pub fn of(record: &CollectionRecord) -> Baseline {
        let m = &record.mail;
        Baseline {
            pending: m.has_pending(),
            uid_validity: m.uid_validity,
            modseq: m.modseq,
            uid_next: m.uid_next,
            messages: m.messages,
        }
    }
}

/// Whether a Sync of this collection would have something for the device: it was never
/// synced (no baseline), items are still pending, or the mailbox moved past the baseline.
///
/// A watcher that lags behind the device's last Sync (its modseq below the baseline) is not
/// a change: the device has already seen more than the watcher.
pub fn mail_pending(
    baseline: Option<&Baseline>,
    upstream: Option<&MailboxState>,
    tracking: Option<ChangeTracking>,
) -> bool {
    let Some(mail) = baseline else {
        return true;
    };
    if mail.pending {
        return true;
    }
    let Some(st) = upstream else {
        return false;
    };
    if st.uid_validity != mail.uid_validity {
        return true;
    }
    let counts_differ = st.messages != mail.messages || st.uid_next != mail.uid_next;
    match (tracking, st.highest_modseq) {
        // Expunges raise HIGHESTMODSEQ under QRESYNC (RFC 7162 3.2.10), so it says it all.
        (Some(ChangeTracking::Qresync), Some(m)) if mail.modseq > 0 => m > mail.modseq,
        (Some(ChangeTracking::Condstore), Some(m)) if mail.modseq > 0 => {
            m > mail.modseq || (m == mail.modseq && counts_differ)
        }
        _ => counts_differ,
    }
}

/// Whether a FolderSync would change the device's folders: a mailbox without a folder id yet
/// (new), or the folders it would be shown differ from those it was shown last.
pub fn hierarchy_differs(
    ids: &UserFolders,
    device: &BTreeMap<String, DeviceFolder>,
    listing: &[Mailbox],
    names: &SpecialNames,
) -> bool {
    let found = folders::classify(listing, names);
    if found
        .iter()
        .any(|f| f.mailbox.selectable && ids.by_mailbox(&f.mailbox.name).is_none())
    {
        return true;
    }
    folders::device_view(ids, &found) != *device
}

#[cfg(test)]
mod tests {
    use super::*;
    use state::{MailState, RangeSet};

    fn record(modseq: u64, messages: u32, uid_next: u32) -> Baseline {
        Baseline::of(&CollectionRecord {
            key: 2,
            mail: MailState {
                uid_validity: 7,
                modseq,
                uid_next,
                messages,
                ..MailState::default()
            },
            previous: None,
            options: Vec::new(),
        })
    }

    fn upstream(modseq: Option<u64>, messages: u32, uid_next: u32) -> MailboxState {
        MailboxState {
            uid_validity: 7,
            uid_next,
            messages,
            highest_modseq: modseq,
        }
    }

    const Q: Option<ChangeTracking> = Some(ChangeTracking::Qresync);

    #[test]
    fn a_collection_never_synced_is_pending() {
        assert!(mail_pending(None, None, Q));
    }

    #[test]
    fn items_still_to_send_are_pending() {
        let mut rec = CollectionRecord {
            key: 2,
            mail: MailState::default(),
            previous: None,
            options: Vec::new(),
        };
        rec.mail.pending_add = RangeSet::from_iter([9]);
        let r = Baseline::of(&rec);
        assert!(mail_pending(Some(&r), None, Q));
    }

    #[test]
    fn the_same_modseq_is_no_change() {
        let r = record(10, 3, 4);
        assert!(!mail_pending(Some(&r), Some(&upstream(Some(10), 3, 4)), Q));
    }

    #[test]
    fn a_higher_modseq_is_a_change() {
        let r = record(10, 3, 4);
        assert!(mail_pending(Some(&r), Some(&upstream(Some(11), 3, 4)), Q));
    }

    #[test]
    fn a_watcher_behind_the_device_is_no_change() {
        let r = record(10, 3, 4);
        assert!(!mail_pending(Some(&r), Some(&upstream(Some(9), 2, 4)), Q));
    }

    #[test]
    fn a_new_uid_validity_is_a_change() {
        let r = record(10, 3, 4);
        let mut st = upstream(Some(10), 3, 4);
        st.uid_validity = 8;
        assert!(mail_pending(Some(&r), Some(&st), Q));
    }

    #[test]
    fn without_modseqs_the_counters_decide() {
        let r = record(0, 3, 4);
        let listing = Some(ChangeTracking::Listing);
        assert!(!mail_pending(
            Some(&r),
            Some(&upstream(None, 3, 4)),
            listing
        ));
        assert!(mail_pending(Some(&r), Some(&upstream(None, 4, 5)), listing));
    }

    #[test]
    fn an_unknown_upstream_state_is_no_change_yet() {
        let r = record(10, 3, 4);
        assert!(!mail_pending(Some(&r), None, Q));
    }
}
