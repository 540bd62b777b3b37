//! The Sync request (MS-ASCMD 2.2.1.21): collections with their sync keys, options and the
//! device's own changes.

use std::time::Duration;

use wbxml::{Element, Tag, tags::airsync as a, tags::email2 as em2};

use crate::error::{
    ProtocolError, expect_tag, optional_bool, optional_parse, parse_text, required,
    required_collection_id, required_id, sync_key_of, text_of,
};
use crate::ids::{CollectionId, SyncKey};

use super::options::SyncOptions;

/// The accepted range of `Wait`, in minutes (MS-ASCMD 2.2.3.198).
pub const WAIT_MINUTES: std::ops::RangeInclusive<u32> = 1..=59;
/// The accepted range of `HeartbeatInterval`, in seconds (MS-ASCMD 2.2.3.97: the Limit values
/// Exchange answers with).
pub const HEARTBEAT_SECONDS: std::ops::RangeInclusive<u32> = 60..=3540;

/// A change the device sends in a collection's `Commands`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientCommand {
    /// A new item. `application_data` is the `ApplicationData` element; an `email2:Send` that
    /// a 16.x device puts beside it is moved inside it, so that the item is all in one place.
    Add {
        client_id: String,
        /// 14.0+: the item's class when it is not the folder's (SMS).
        class: Option<String>,
        application_data: Element,
    },
    /// Changed properties of an item (only those the device changed, see
    /// [`crate::email::EmailChange`]).
    Change {
        server_id: String,
        application_data: Element,
    },
    Delete {
        server_id: String,
    },
    /// Send this item again in full (for example its untruncated body).
    Fetch {
        server_id: String,
    },
}

impl ClientCommand {
    fn from_element(el: &Element) -> Result<Option<ClientCommand>, ProtocolError> {
        Ok(Some(match el.tag {
            a::ADD => {
                let mut application_data = required(el, a::APPLICATION_DATA)?.clone();
                if let Some(send) = el.find(em2::SEND) {
                    application_data.push(send.clone());
                }
                ClientCommand::Add {
                    client_id: required_id(el, a::CLIENT_ID)?,
                    class: el
                        .find(a::CLASS)
                        .map(|c| text_of(c).map(|t| t.trim().to_owned()))
                        .transpose()?,
                    application_data,
                }
            }
            a::CHANGE => {
                let mut application_data = required(el, a::APPLICATION_DATA)?.clone();
                if let Some(send) = el.find(em2::SEND) {
                    application_data.push(send.clone());
                }
                ClientCommand::Change {
                    server_id: required_id(el, a::SERVER_ID)?,
                    application_data,
                }
            }
            a::DELETE => ClientCommand::Delete {
                server_id: required_id(el, a::SERVER_ID)?,
            },
            a::FETCH => ClientCommand::Fetch {
                server_id: required_id(el, a::SERVER_ID)?,
            },
            _ => return Ok(None),
        }))
    }

    fn to_element(&self) -> Element {
        match self {
            ClientCommand::Add {
                client_id,
                class,
                application_data,
            } => {
                let mut el = Element::new(a::ADD);
                if let Some(c) = class {
                    el.push(Element::with_text(a::CLASS, c.as_str()));
                }
                el.push(Element::with_text(a::CLIENT_ID, client_id.as_str()));
                push_application_data(&mut el, application_data);
                el
            }
            ClientCommand::Change {
                server_id,
                application_data,
            } => {
                let mut el = Element::new(a::CHANGE).text_child(a::SERVER_ID, server_id.as_str());
                push_application_data(&mut el, application_data);
                el
            }
            ClientCommand::Delete { server_id } => {
                Element::new(a::DELETE).text_child(a::SERVER_ID, server_id.as_str())
            }
            ClientCommand::Fetch { server_id } => {
                Element::new(a::FETCH).text_child(a::SERVER_ID, server_id.as_str())
            }
        }
    }
}

/// Appends `ApplicationData` to an Add or Change, with an `email2:Send` kept inside it moved
/// back beside it, where the device sends it (MS-ASCMD 2.2.3.7.2, 2.2.3.24).
fn push_application_data(command: &mut Element, application_data: &Element) {
    let mut data = application_data.clone();
    let before = data.children.len();
    data.children
        .retain(|n| !matches!(n, wbxml::Node::Element(e) if e.tag == em2::SEND));
    let had_send = data.children.len() != before;
    command.push(data);
    if had_send {
        command.push(Element::new(em2::SEND));
    }
}

/// One `Collection` of a Sync request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncCollectionRequest {
    pub sync_key: SyncKey,
    pub collection_id: CollectionId,
    /// 12.x: the collection's class (Email, Calendar, ...), a child of Collection. 14.0+ sends
    /// it in `Options` instead ([`crate::ProtocolVersion::sync_class_in_collection`]).
    pub class: Option<String>,
    /// As sent; see [`SyncCollectionRequest::wants_changes`] for its meaning.
    pub get_changes: Option<bool>,
    /// As sent; see [`SyncCollectionRequest::deletes_as_moves`].
    pub deletes_as_moves: Option<bool>,
    /// As sent; see [`super::window_size`].
    pub window_size: Option<u32>,
    /// At most one per class (a repeated class is a protocol error, MS-ASCMD R929).
    pub options: Vec<SyncOptions>,
    pub commands: Vec<ClientCommand>,
    /// Contacts and Calendar ghosting: the properties the device supports; those it does not
    /// list must be kept when it changes an item (MS-ASCMD 2.2.3.179).
    pub supported: Vec<Tag>,
    /// 14.0+: also send items of the same conversations outside the filter.
    pub conversation_mode: Option<bool>,
}

impl SyncCollectionRequest {
    /// A collection with only a key and an id.
    pub fn new(sync_key: SyncKey, collection_id: CollectionId) -> SyncCollectionRequest {
        SyncCollectionRequest {
            sync_key,
            collection_id,
            class: None,
            get_changes: None,
            deletes_as_moves: None,
            window_size: None,
            options: Vec::new(),
            commands: Vec::new(),
            supported: Vec::new(),
            conversation_mode: None,
        }
    }

    /// Whether the server sends its changes (MS-ASCMD 2.2.3.84): an absent `GetChanges`
    /// means true, except with sync key 0, where the request only primes the state and
    /// changes are never sent. The spec answers `GetChanges` 1 with key 0 with status 4; we
    /// ignore it instead, since the answer without changes is what the device needs anyway.
    pub fn wants_changes(&self) -> bool {
        !self.sync_key.is_initial() && self.get_changes.unwrap_or(true)
    }

    /// Whether a deleted item goes to Deleted Items (true, the default, also for an empty
    /// element) or is deleted for good (MS-ASCMD 2.2.3.43).
    pub fn deletes_as_moves(&self) -> bool {
        self.deletes_as_moves.unwrap_or(true)
    }

    /// The options for `class`, or for the folder's own class when `class` is `None`: the
    /// `Options` without a `Class` element (or, for 12.x, the only one).
    pub fn options_for(&self, class: Option<&str>) -> Option<&SyncOptions> {
        match class {
            Some(c) => self.options.iter().find(|o| {
                o.class
                    .as_deref()
                    .is_some_and(|oc| oc.eq_ignore_ascii_case(c))
            }),
            None => self
                .options
                .iter()
                .find(|o| o.class.is_none())
                .or(self.options.first()),
        }
    }

    /// Reads a `Collection` of a Sync request. Element order is not checked (the spec fixes
    /// one, but devices differ and nothing depends on it).
    pub fn from_element(el: &Element) -> Result<SyncCollectionRequest, ProtocolError> {
        let sync_key = sync_key_of(required(el, a::SYNC_KEY)?)?;
        let collection_id = required_collection_id(el, a::COLLECTION_ID)?;
        let mut c = SyncCollectionRequest::new(sync_key, collection_id);
        c.class = el
            .find(a::CLASS)
            .map(|e| text_of(e).map(|t| t.trim().to_owned()))
            .transpose()?;
        c.get_changes = optional_bool(el, a::GET_CHANGES)?;
        c.deletes_as_moves = optional_bool(el, a::DELETES_AS_MOVES)?;
        c.window_size = optional_parse(el, a::WINDOW_SIZE)?;
        c.conversation_mode = optional_bool(el, a::CONVERSATION_MODE)?;
        if let Some(s) = el.find(a::SUPPORTED) {
            c.supported = s.elements().map(|e| e.tag).collect();
        }
        for o in el.find_all(a::OPTIONS) {
            let options = SyncOptions::from_element(o)?;
            let same_class = |x: &SyncOptions| match (&x.class, &options.class) {
                (Some(p), Some(q)) => p.eq_ignore_ascii_case(q),
                (None, None) => true,
                _ => false,
            };
            if c.options.iter().any(same_class) {
                return Err(ProtocolError::Invalid {
                    element: a::OPTIONS,
                    value: format!(
                        "options repeated for class {}",
                        options.class.as_deref().unwrap_or("(default)")
                    ),
                });
            }
            c.options.push(options);
        }
        if let Some(commands) = el.find(a::COMMANDS) {
            for command in commands.elements() {
                if let Some(cmd) = ClientCommand::from_element(command)? {
                    c.commands.push(cmd);
                }
            }
        }
        Ok(c)
    }

    /// The `Collection` element (for tests and test clients), in the request order of
    /// MS-ASCMD 2.2.3.29.2, with the 12.x `Class` first.
    pub fn to_element(&self) -> Element {
        let mut el = Element::new(a::COLLECTION);
        if let Some(c) = &self.class {
            el.push(Element::with_text(a::CLASS, c.as_str()));
        }
        el.push(Element::with_text(a::SYNC_KEY, self.sync_key.as_str()));
        el.push(Element::with_text(
            a::COLLECTION_ID,
            self.collection_id.as_str(),
        ));
        if !self.supported.is_empty() {
            let mut s = Element::new(a::SUPPORTED);
            for &tag in &self.supported {
                s.push(Element::new(tag));
            }
            el.push(s);
        }
        let bools = [
            (a::DELETES_AS_MOVES, self.deletes_as_moves),
            (a::GET_CHANGES, self.get_changes),
        ];
        for (tag, value) in bools {
            if let Some(v) = value {
                el.push(Element::with_text(tag, crate::error::bool_text(v)));
            }
        }
        if let Some(w) = self.window_size {
            el.push(Element::with_text(a::WINDOW_SIZE, w.to_string()));
        }
        if let Some(m) = self.conversation_mode {
            el.push(Element::with_text(
                a::CONVERSATION_MODE,
                crate::error::bool_text(m),
            ));
        }
        for o in &self.options {
            el.push(o.to_element());
        }
        if !self.commands.is_empty() {
            let mut commands = Element::new(a::COMMANDS);
            for c in &self.commands {
                commands.push(c.to_element());
            }
            el.push(commands);
        }
        el
    }
}

/// A Sync request with a body. (An empty body, which repeats the previous request, is the
/// caller's to handle: MS-ASCMD 2.2.1.21.1.)
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncRequest {
    pub collections: Vec<SyncCollectionRequest>,
    /// Minutes to hold the request when nothing changed (1-59).
    pub wait: Option<u32>,
    /// Seconds to hold the request when nothing changed (60-3540).
    pub heartbeat_interval: Option<u32>,
    /// The request-wide window (see [`super::window_size`]).
    pub window_size: Option<u32>,
    /// The collections are only those that changed since the previous request; the others
    /// keep their keys and options from it (MS-ASCMD 2.2.3.131).
    pub partial: bool,
}

impl SyncRequest {
    /// Reads a Sync request document. `Wait` together with `HeartbeatInterval` is a protocol
    /// error (MS-ASCMD 2.2.3.198: status 4); values outside their ranges are not (they get
    /// status 14 and a Limit, see [`SyncRequest::interval_limit`]).
    pub fn from_element(element: &Element) -> Result<SyncRequest, ProtocolError> {
        expect_tag(element, a::SYNC)?;
        let mut req = SyncRequest::default();
        for child in element.elements() {
            match child.tag {
                a::COLLECTIONS => {
                    for c in child.find_all(a::COLLECTION) {
                        req.collections
                            .push(SyncCollectionRequest::from_element(c)?);
                    }
                }
                a::WAIT => req.wait = Some(parse_text(child)?),
                a::HEARTBEAT_INTERVAL => req.heartbeat_interval = Some(parse_text(child)?),
                a::WINDOW_SIZE => req.window_size = Some(parse_text(child)?),
                a::PARTIAL => req.partial = true,
                _ => {}
            }
        }
        if req.wait.is_some() && req.heartbeat_interval.is_some() {
            return Err(ProtocolError::Invalid {
                element: a::HEARTBEAT_INTERVAL,
                value: "sent together with Wait".to_owned(),
            });
        }
        Ok(req)
    }

    /// How long to hold the request when nothing changed, from `Wait` or
    /// `HeartbeatInterval` (as sent; check [`SyncRequest::interval_limit`] first).
    pub fn interval(&self) -> Option<Duration> {
        match (self.wait, self.heartbeat_interval) {
            (Some(minutes), _) => Some(Duration::from_secs(u64::from(minutes) * 60)),
            (None, Some(seconds)) => Some(Duration::from_secs(u64::from(seconds))),
            (None, None) => None,
        }
    }

    /// For a `Wait` or `HeartbeatInterval` outside its range: the nearest allowed value, to
    /// send as `Limit` with status 14 (MS-ASCMD 2.2.3.97). `None` when the value is fine.
    pub fn interval_limit(&self) -> Option<u32> {
        let outside = |v: u32, range: &std::ops::RangeInclusive<u32>| {
            (!range.contains(&v)).then(|| v.clamp(*range.start(), *range.end()))
        };
        match (self.wait, self.heartbeat_interval) {
            (Some(w), _) => outside(w, &WAIT_MINUTES),
            (None, Some(h)) => outside(h, &HEARTBEAT_SECONDS),
            (None, None) => None,
        }
    }

    /// The request document (for tests and test clients).
    pub fn to_element(&self) -> Element {
        let mut el = Element::new(a::SYNC);
        if !self.collections.is_empty() {
            let mut cs = Element::new(a::COLLECTIONS);
            for c in &self.collections {
                cs.push(c.to_element());
            }
            el.push(cs);
        }
        if let Some(w) = self.wait {
            el.push(Element::with_text(a::WAIT, w.to_string()));
        }
        if let Some(h) = self.heartbeat_interval {
            el.push(Element::with_text(a::HEARTBEAT_INTERVAL, h.to_string()));
        }
        if let Some(w) = self.window_size {
            el.push(Element::with_text(a::WINDOW_SIZE, w.to_string()));
        }
        if self.partial {
            el.push(Element::new(a::PARTIAL));
        }
        el
    }
}
