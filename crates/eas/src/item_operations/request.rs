//! The ItemOperations request (MS-ASCMD 2.2.1.10): fetch items and attachments, empty a
//! folder, move a conversation.

use wbxml::{
    Element, Tag, tags::airsync as a, tags::airsyncbase as asb, tags::documentlibrary as dl,
    tags::itemoperations as io, tags::rightsmanagement as rm, tags::search as se,
};

use crate::airsyncbase::{BodyPartPreference, BodyPreference};
use crate::error::{
    ProtocolError, bool_text, expect_tag, parse_bool_or_empty, required, required_collection_id,
    required_id, required_text, text_of,
};
use crate::ids::CollectionId;
use crate::sync::MimeSupport;

/// What a Fetch names (MS-ASCMD 2.2.3.67.1). When a device sends several, the most specific
/// wins: FileReference, then LongId, then ServerId, then LinkId.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FetchTarget {
    /// A mailbox item: `airsync:CollectionId` and `airsync:ServerId`.
    Item {
        collection_id: CollectionId,
        server_id: String,
    },
    /// An attachment (`airsyncbase:FileReference`, from an item's `Attachments`).
    FileReference(String),
    /// A Search result (`search:LongId`).
    LongId(String),
    /// A document library item (`documentlibrary:LinkId`, a UNC or SharePoint URL).
    LinkId(String),
}

impl FetchTarget {
    fn from_fetch(el: &Element) -> Result<FetchTarget, ProtocolError> {
        if el.find(asb::FILE_REFERENCE).is_some() {
            return Ok(FetchTarget::FileReference(required_id(
                el,
                asb::FILE_REFERENCE,
            )?));
        }
        if el.find(se::LONG_ID).is_some() {
            return Ok(FetchTarget::LongId(required_id(el, se::LONG_ID)?));
        }
        if el.find(a::SERVER_ID).is_some() {
            return Ok(FetchTarget::Item {
                collection_id: required_collection_id(el, a::COLLECTION_ID)?,
                server_id: required_id(el, a::SERVER_ID)?,
            });
        }
        if el.find(dl::LINK_ID).is_some() {
            return Ok(FetchTarget::LinkId(required_id(el, dl::LINK_ID)?));
        }
        Err(ProtocolError::Missing {
            element: a::SERVER_ID,
            parent: el.tag,
        })
    }

    /// The identifying elements, in the order of the Fetch response sequence
    /// (ItemOperationsResponse.xsd: CollectionId, ServerId, LongId, ..., LinkId,
    /// FileReference). The request accepts them in any order.
    pub(crate) fn elements(&self) -> Vec<Element> {
        match self {
            FetchTarget::Item {
                collection_id,
                server_id,
            } => vec![
                Element::with_text(a::COLLECTION_ID, collection_id.as_str()),
                Element::with_text(a::SERVER_ID, server_id.as_str()),
            ],
            FetchTarget::FileReference(r) => {
                vec![Element::with_text(asb::FILE_REFERENCE, r.as_str())]
            }
            FetchTarget::LongId(l) => vec![Element::with_text(se::LONG_ID, l.as_str())],
            FetchTarget::LinkId(l) => vec![Element::with_text(dl::LINK_ID, l.as_str())],
        }
    }
}

/// The `Options` of a Fetch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FetchOptions {
    /// Only these properties (children of `Schema`); empty means all.
    pub schema: Vec<Tag>,
    /// Bytes `start..=end` of an attachment or document (`Range` "m-n").
    pub range: Option<(u64, u64)>,
    /// Document library credentials.
    pub user_name: Option<String>,
    pub password: Option<String>,
    pub mime_support: MimeSupport,
    pub body_preferences: Vec<BodyPreference>,
    /// 14.1+.
    pub body_part_preferences: Vec<BodyPartPreference>,
    /// 14.1+.
    pub rights_management_support: bool,
}

impl FetchOptions {
    fn from_element(el: &Element) -> Result<FetchOptions, ProtocolError> {
        let mut o = FetchOptions::default();
        for child in el.elements() {
            match child.tag {
                io::SCHEMA => o.schema = child.elements().map(|e| e.tag).collect(),
                io::RANGE => o.range = Some(parse_range(child)?),
                io::USER_NAME => o.user_name = Some(text_of(child)?),
                io::PASSWORD => o.password = Some(text_of(child)?),
                a::MIME_SUPPORT => o.mime_support = MimeSupport::from_element(child)?,
                asb::BODY_PREFERENCE => o
                    .body_preferences
                    .push(BodyPreference::from_element(child)?),
                asb::BODY_PART_PREFERENCE => o
                    .body_part_preferences
                    .push(BodyPartPreference::from_element(child)?),
                rm::RIGHTS_MANAGEMENT_SUPPORT => {
                    o.rights_management_support = parse_bool_or_empty(child)?;
                }
                _ => {}
            }
        }
        Ok(o)
    }

    fn to_element(&self) -> Element {
        let mut el = Element::new(io::OPTIONS);
        if !self.schema.is_empty() {
            let mut s = Element::new(io::SCHEMA);
            for &t in &self.schema {
                s.push(Element::new(t));
            }
            el.push(s);
        }
        if let Some(r) = self.range {
            el.push(Element::with_text(io::RANGE, range_text(r)));
        }
        if let Some(u) = &self.user_name {
            el.push(Element::with_text(io::USER_NAME, u.as_str()));
        }
        if let Some(p) = &self.password {
            el.push(Element::with_text(io::PASSWORD, p.as_str()));
        }
        if self.mime_support != MimeSupport::Never {
            el.push(Element::with_text(
                a::MIME_SUPPORT,
                self.mime_support.code().to_string(),
            ));
        }
        for p in &self.body_preferences {
            el.push(p.to_element());
        }
        for p in &self.body_part_preferences {
            el.push(p.to_element());
        }
        if self.rights_management_support {
            el.push(Element::with_text(
                rm::RIGHTS_MANAGEMENT_SUPPORT,
                bool_text(true),
            ));
        }
        el
    }
}

/// `"m-n"` as the pair (m, n), m <= n (MS-ASCMD 2.2.3.143.2).
fn parse_range(el: &Element) -> Result<(u64, u64), ProtocolError> {
    let text = text_of(el)?;
    let parsed = text.trim().split_once('-').and_then(|(m, n)| {
        let (m, n) = (m.trim().parse::<u64>().ok()?, n.trim().parse::<u64>().ok()?);
        (m <= n).then_some((m, n))
    });
    parsed.ok_or(ProtocolError::Invalid {
        element: el.tag,
        value: text,
    })
}

/// `"m-n"`.
pub(crate) fn range_text((m, n): (u64, u64)) -> String {
    format!("{m}-{n}")
}

/// The store a Fetch names: `Mailbox` (items and attachments) or `Document Library`.
pub fn store_is_mailbox(store: &str) -> bool {
    store.trim().eq_ignore_ascii_case("Mailbox")
}

/// One operation of the request, in request order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ItemOperation {
    Fetch {
        /// `Mailbox` or `Document Library` (see [`store_is_mailbox`]).
        store: String,
        target: FetchTarget,
        options: FetchOptions,
        /// 14.1+: `rm:RemoveRightsManagementProtection`.
        remove_rights_management_protection: bool,
    },
    /// Delete every item in a folder (in practice Deleted Items).
    EmptyFolderContents {
        collection_id: CollectionId,
        /// Also delete its subfolders.
        delete_sub_folders: bool,
    },
    /// 14.0+: move every message of a conversation (and, with `move_always`, future ones).
    Move {
        conversation_id: Vec<u8>,
        dst_fld_id: CollectionId,
        move_always: bool,
    },
}

impl ItemOperation {
    fn from_element(el: &Element) -> Result<Option<ItemOperation>, ProtocolError> {
        Ok(Some(match el.tag {
            io::FETCH => ItemOperation::Fetch {
                store: required_text(el, io::STORE)?.trim().to_owned(),
                target: FetchTarget::from_fetch(el)?,
                options: el
                    .find(io::OPTIONS)
                    .map(FetchOptions::from_element)
                    .transpose()?
                    .unwrap_or_default(),
                remove_rights_management_protection: el
                    .find(rm::REMOVE_RIGHTS_MANAGEMENT_PROTECTION)
                    .is_some(),
            },
            io::EMPTY_FOLDER_CONTENTS => ItemOperation::EmptyFolderContents {
                collection_id: required_collection_id(el, a::COLLECTION_ID)?,
                delete_sub_folders: el
                    .find(io::OPTIONS)
                    .is_some_and(|o| o.find(io::DELETE_SUB_FOLDERS).is_some()),
            },
            io::MOVE => {
                let id = required(el, io::CONVERSATION_ID)?;
                let conversation_id = match id.bytes() {
                    Some(b) if !b.is_empty() => b,
                    _ => {
                        return Err(ProtocolError::Invalid {
                            element: io::CONVERSATION_ID,
                            value: String::new(),
                        });
                    }
                };
                ItemOperation::Move {
                    conversation_id,
                    dst_fld_id: required_collection_id(el, io::DST_FLD_ID)?,
                    move_always: el
                        .find(io::OPTIONS)
                        .is_some_and(|o| o.find(io::MOVE_ALWAYS).is_some()),
                }
            }
            _ => return Ok(None),
        }))
    }

    fn to_element(&self) -> Element {
        match self {
            ItemOperation::Fetch {
                store,
                target,
                options,
                remove_rights_management_protection,
            } => {
                let mut el = Element::new(io::FETCH).text_child(io::STORE, store.as_str());
                for e in target.elements() {
                    el.push(e);
                }
                if *options != FetchOptions::default() {
                    el.push(options.to_element());
                }
                if *remove_rights_management_protection {
                    el.push(Element::new(rm::REMOVE_RIGHTS_MANAGEMENT_PROTECTION));
                }
                el
            }
            ItemOperation::EmptyFolderContents {
                collection_id,
                delete_sub_folders,
            } => {
                let mut el = Element::new(io::EMPTY_FOLDER_CONTENTS)
                    .text_child(a::COLLECTION_ID, collection_id.as_str());
                if *delete_sub_folders {
                    el.push(Element::new(io::OPTIONS).child(Element::new(io::DELETE_SUB_FOLDERS)));
                }
                el
            }
            ItemOperation::Move {
                conversation_id,
                dst_fld_id,
                move_always,
            } => {
                let mut el = Element::new(io::MOVE)
                    .child(Element::with_opaque(
                        io::CONVERSATION_ID,
                        conversation_id.clone(),
                    ))
                    .text_child(io::DST_FLD_ID, dst_fld_id.as_str());
                if *move_always {
                    el.push(Element::new(io::OPTIONS).child(Element::new(io::MOVE_ALWAYS)));
                }
                el
            }
        }
    }
}

/// An ItemOperations request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ItemOperationsRequest {
    pub operations: Vec<ItemOperation>,
}

impl ItemOperationsRequest {
    /// Reads the request; any malformed operation fails the whole request (status 2).
    pub fn from_element(element: &Element) -> Result<ItemOperationsRequest, ProtocolError> {
        expect_tag(element, io::ITEM_OPERATIONS)?;
        let mut operations = Vec::new();
        for child in element.elements() {
            operations.extend(ItemOperation::from_element(child)?);
        }
        Ok(ItemOperationsRequest { operations })
    }

    /// The request document (for tests and test clients).
    pub fn to_element(&self) -> Element {
        let mut el = Element::new(io::ITEM_OPERATIONS);
        for op in &self.operations {
            el.push(op.to_element());
        }
        el
    }
}
