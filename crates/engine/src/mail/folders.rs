//! The user's mailboxes as EAS folders: which ones, their types and parents, and their stable
//! ids. FolderSync (hierarchy.rs) and the folder commands build on this.

use std::collections::BTreeMap;

use eas::FolderType;
use state::{DeviceFolder, FolderSource, UserFolders};

use super::backend::{Mailbox, SpecialUse};

/// Names that mark the special folders on servers without SPECIAL-USE (compared without
/// regard to case, against the last path segment).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecialNames {
    pub drafts: Vec<String>,
    pub sent: Vec<String>,
    pub trash: Vec<String>,
    pub junk: Vec<String>,
}

impl Default for SpecialNames {
    fn default() -> Self {
        let v = |names: &[&str]| names.iter().map(|s| s.to_string()).collect();
        SpecialNames {
            drafts: v(&["Drafts", "Draft", "Entwürfe"]),
            sent: v(&[
                "Sent",
                "Sent Items",
                "Sent Messages",
                "Sent Mail",
                "Gesendet",
            ]),
            trash: v(&[
                "Trash",
                "Deleted Items",
                "Deleted Messages",
                "Bin",
                "Papierkorb",
            ]),
            junk: v(&["Junk", "Spam", "Junk E-mail", "Junk Email"]),
        }
    }
}

/// A mailbox that is shown to devices as a folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailFolder {
    pub mailbox: Mailbox,
    pub folder_type: FolderType,
    /// The wire name of the parent mailbox, if the folder is not top-level.
    pub parent: Option<String>,
    pub display_name: String,
}

/// The default folders every device expects, with the name to create when missing.
pub const REQUIRED: [(FolderType, &str); 3] = [
    (FolderType::Drafts, "Drafts"),
    (FolderType::SentItems, "Sent"),
    (FolderType::DeletedItems, "Trash"),
];

fn last_segment(m: &Mailbox) -> &str {
    match m.delimiter {
        Some(d) => m.path.rsplit(d).next().unwrap_or(&m.path),
        None => &m.path,
    }
}

fn parent_path(m: &Mailbox) -> Option<&str> {
    let d = m.delimiter?;
    m.name.rfind(d).map(|i| &m.name[..i])
}

fn is_inbox(m: &Mailbox) -> bool {
    m.name.eq_ignore_ascii_case("INBOX")
}

/// Chooses the folders: INBOX, the special-use mailboxes, subscribed mailboxes, and the
/// parents those need. Each default type goes to one mailbox only (SPECIAL-USE first, then
/// the configured names); the others are user mail folders.
pub fn classify(listing: &[Mailbox], names: &SpecialNames) -> Vec<MailFolder> {
    let by_name: BTreeMap<&str, &Mailbox> = listing.iter().map(|m| (m.name.as_str(), m)).collect();
    let mut wanted: BTreeMap<&str, &Mailbox> = BTreeMap::new();
    for m in listing {
        if is_inbox(m) || m.subscribed || m.special_use.is_some() {
            wanted.insert(&m.name, m);
            // Parents must exist for ParentId; include them even when unsubscribed.
            let mut cur = m;
            while let Some(p) = parent_path(cur).and_then(|p| by_name.get(p)) {
                wanted.insert(&p.name, p);
                cur = p;
            }
        }
    }

    let mut taken: BTreeMap<u8, String> = BTreeMap::new();
    let mut types: BTreeMap<&str, FolderType> = BTreeMap::new();
    // Pass 1: INBOX and SPECIAL-USE.
    for m in wanted.values() {
        let t = if is_inbox(m) {
            Some(FolderType::Inbox)
        } else {
            match m.special_use {
                Some(SpecialUse::Drafts) => Some(FolderType::Drafts),
                Some(SpecialUse::Sent) => Some(FolderType::SentItems),
                Some(SpecialUse::Trash) => Some(FolderType::DeletedItems),
                _ => None,
            }
        };
        if let Some(t) = t
            && !taken.contains_key(&t.code())
        {
            taken.insert(t.code(), m.name.clone());
            types.insert(&m.name, t);
        }
    }
    // Pass 2: configured names, for types still free, top-level or directly under INBOX.
    let candidates = [
        (FolderType::Drafts, &names.drafts),
        (FolderType::SentItems, &names.sent),
        (FolderType::DeletedItems, &names.trash),
    ];
    for (t, list) in candidates {
        if taken.contains_key(&t.code()) {
            continue;
        }
        let found = list.iter().find_map(|wanted_name| {
            wanted.values().find(|m| {
                !types.contains_key(m.name.as_str())
                    && m.selectable
                    && parent_path(m).is_none_or(|p| p.eq_ignore_ascii_case("INBOX"))
                    && last_segment(m).eq_ignore_ascii_case(wanted_name)
            })
        });
        if let Some(m) = found {
            taken.insert(t.code(), m.name.clone());
            types.insert(&m.name, t);
        }
    }

    wanted
        .values()
        .map(|m| {
            let folder_type = types
                .get(m.name.as_str())
                .copied()
                .unwrap_or(FolderType::UserMail);
            let display_name = if folder_type == FolderType::Inbox {
                "Inbox".to_owned()
            } else {
                last_segment(m).to_owned()
            };
            MailFolder {
                mailbox: (*m).clone(),
                folder_type,
                parent: parent_path(m)
                    .filter(|p| wanted.contains_key(p))
                    .map(str::to_owned),
                display_name,
            }
        })
        .collect()
}

/// The default folder types missing from `folders`, with the mailbox name to create.
pub fn missing_required(folders: &[MailFolder]) -> Vec<(FolderType, &'static str)> {
    REQUIRED
        .into_iter()
        .filter(|(t, _)| !folders.iter().any(|f| f.folder_type == *t))
        .collect()
}

/// Gives every folder its id, keeping the ids of known mailboxes. A mailbox that vanished
/// while one with the same UIDVALIDITY appeared was renamed: it keeps its id. Returns the ids
/// that are gone for good.
pub fn assign_ids(
    ids: &mut UserFolders,
    folders: &[MailFolder],
    uid_validity: &BTreeMap<String, u32>,
) -> Vec<String> {
    let current: BTreeMap<&str, &MailFolder> = folders
        .iter()
        .map(|f| (f.mailbox.name.as_str(), f))
        .collect();
    // Entries whose mailbox no longer exists: candidates for a rename, or gone.
    let mut orphans: Vec<String> = ids
        .entries
        .iter()
        .filter(|e| match &e.source {
            FolderSource::Mail { mailbox, .. } => !current.contains_key(mailbox.as_str()),
        })
        .map(|e| e.server_id.clone())
        .collect();
    for f in folders {
        let name = &f.mailbox.name;
        let validity = uid_validity.get(name).copied();
        if let Some(entry) = ids.entries.iter_mut().find(|e| match &e.source {
            FolderSource::Mail { mailbox, .. } => mailbox == name,
        }) {
            if validity.is_some() {
                entry.source = FolderSource::Mail {
                    mailbox: name.clone(),
                    uid_validity: validity,
                };
            }
            continue;
        }
        let renamed = validity.and_then(|v| {
            orphans.iter().position(|id| {
                ids.by_id(id).is_some_and(|e| {
                    matches!(&e.source, FolderSource::Mail { uid_validity: Some(u), .. } if *u == v)
                })
            })
        });
        let source = FolderSource::Mail {
            mailbox: name.clone(),
            uid_validity: validity,
        };
        match renamed {
            Some(i) => {
                let id = orphans.remove(i);
                if let Some(e) = ids.by_id_mut(&id) {
                    e.source = source;
                }
            }
            None => {
                ids.allocate(source);
            }
        }
    }
    for id in &orphans {
        ids.remove(id);
    }
    orphans
}

/// The hierarchy as a device should see it, by server id.
pub fn device_view(ids: &UserFolders, folders: &[MailFolder]) -> BTreeMap<String, DeviceFolder> {
    let id_of = |mailbox: &str| ids.by_mailbox(mailbox).map(|e| e.server_id.clone());
    folders
        .iter()
        .filter_map(|f| {
            let id = id_of(&f.mailbox.name)?;
            let parent_id = f
                .parent
                .as_deref()
                .and_then(id_of)
                .unwrap_or_else(|| "0".to_owned());
            Some((
                id,
                DeviceFolder {
                    parent_id,
                    display_name: f.display_name.clone(),
                    folder_type: f.folder_type.code(),
                },
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mb(name: &str, special: Option<SpecialUse>, subscribed: bool) -> Mailbox {
        Mailbox {
            name: name.into(),
            path: name.into(),
            delimiter: Some('/'),
            special_use: special,
            subscribed,
            selectable: true,
        }
    }

    fn type_of(folders: &[MailFolder], name: &str) -> FolderType {
        folders
            .iter()
            .find(|f| f.mailbox.name == name)
            .unwrap()
            .folder_type
    }

    #[test]
    fn special_use_decides_the_default_folder_types() {
        let l = vec![
            mb("INBOX", None, true),
            mb("Entwürfe", Some(SpecialUse::Drafts), true),
            mb("Gesendet", Some(SpecialUse::Sent), true),
            mb("Papierkorb", Some(SpecialUse::Trash), true),
            mb("Spam", Some(SpecialUse::Junk), true),
        ];
        let f = classify(&l, &SpecialNames::default());
        assert_eq!(type_of(&f, "INBOX"), FolderType::Inbox);
        assert_eq!(type_of(&f, "Entwürfe"), FolderType::Drafts);
        assert_eq!(type_of(&f, "Gesendet"), FolderType::SentItems);
        assert_eq!(type_of(&f, "Papierkorb"), FolderType::DeletedItems);
        assert_eq!(type_of(&f, "Spam"), FolderType::UserMail);
        assert!(missing_required(&f).is_empty());
    }

    #[test]
    fn names_decide_when_the_server_has_no_special_use() {
        let l = vec![
            mb("INBOX", None, true),
            mb("Sent Items", None, true),
            mb("Deleted Messages", None, true),
        ];
        let f = classify(&l, &SpecialNames::default());
        assert_eq!(type_of(&f, "Sent Items"), FolderType::SentItems);
        assert_eq!(type_of(&f, "Deleted Messages"), FolderType::DeletedItems);
        assert_eq!(missing_required(&f), vec![(FolderType::Drafts, "Drafts")]);
    }

    #[test]
    fn a_second_mailbox_of_a_special_use_is_a_user_folder() {
        let l = vec![
            mb("INBOX", None, true),
            mb("Sent", Some(SpecialUse::Sent), true),
            mb("Sent Old", Some(SpecialUse::Sent), true),
        ];
        let f = classify(&l, &SpecialNames::default());
        assert_eq!(type_of(&f, "Sent"), FolderType::SentItems);
        assert_eq!(type_of(&f, "Sent Old"), FolderType::UserMail);
    }

    #[test]
    fn unsubscribed_mailboxes_are_left_out_unless_a_subscribed_child_needs_them() {
        let l = vec![
            mb("INBOX", None, true),
            mb("Old", None, false),
            mb("Projects", None, false),
            mb("Projects/airgate", None, true),
        ];
        let f = classify(&l, &SpecialNames::default());
        let names: Vec<_> = f.iter().map(|f| f.mailbox.name.as_str()).collect();
        assert_eq!(names, ["INBOX", "Projects", "Projects/airgate"]);
        let child = f
            .iter()
            .find(|f| f.mailbox.name == "Projects/airgate")
            .unwrap();
        assert_eq!(child.parent.as_deref(), Some("Projects"));
        assert_eq!(child.display_name, "airgate");
    }

    #[test]
    fn ids_survive_a_rename_recognised_by_uid_validity() {
        let mut ids = UserFolders::default();
        let names = SpecialNames::default();
        let before = classify(&[mb("INBOX", None, true), mb("Work", None, true)], &names);
        let v: BTreeMap<String, u32> = [("INBOX".into(), 1), ("Work".into(), 2)].into();
        assert!(assign_ids(&mut ids, &before, &v).is_empty());
        let work = ids.by_mailbox("Work").unwrap().server_id.clone();

        let after = classify(&[mb("INBOX", None, true), mb("Job", None, true)], &names);
        let v: BTreeMap<String, u32> = [("Job".into(), 2)].into();
        assert!(assign_ids(&mut ids, &after, &v).is_empty());
        assert_eq!(ids.by_mailbox("Job").unwrap().server_id, work);
    }

    #[test]
    fn a_deleted_mailbox_retires_its_id() {
        let mut ids = UserFolders::default();
        let names = SpecialNames::default();
        let before = classify(&[mb("INBOX", None, true), mb("Work", None, true)], &names);
        let v: BTreeMap<String, u32> = [("INBOX".into(), 1), ("Work".into(), 2)].into();
        assign_ids(&mut ids, &before, &v);
        let work = ids.by_mailbox("Work").unwrap().server_id.clone();
        let after = classify(&[mb("INBOX", None, true)], &names);
        assert_eq!(
            assign_ids(&mut ids, &after, &BTreeMap::new()),
            vec![work.clone()]
        );
        let again = classify(&[mb("INBOX", None, true), mb("Work", None, true)], &names);
        let v: BTreeMap<String, u32> = [("Work".into(), 9)].into();
        assign_ids(&mut ids, &again, &v);
        assert_ne!(ids.by_mailbox("Work").unwrap().server_id, work);
    }
}
