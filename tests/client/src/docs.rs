//! Request documents devices send, built from `wbxml::tags`, and helpers to read responses.
//!
//! Build others the same way:
//!
//! ```
//! use eas_test_client::{Element, tags::folderhierarchy as fh};
//! let doc = Element::new(fh::FOLDER_SYNC).text_child(fh::SYNC_KEY, "0");
//! ```

use std::borrow::Cow;

use wbxml::tags::{
    airsync as a, airsyncbase as asb, email as em, folderhierarchy as fh, getitemestimate as gie,
    itemoperations as io, r#move as mv, provision as p, settings as s, tasks,
};
use wbxml::{Element, Tag};

/// The policy type of EAS 12.0 and later.
pub const POLICY_TYPE: &str = "MS-EAS-Provisioning-WBXML";

/// Reading a response: paths of tags below an element.
pub trait ElementExt {
    /// The element at `path` (each tag a child of the previous; the first one that matches).
    fn at(&self, path: &[Tag]) -> Option<&Element>;
    /// The text of the element at `path`.
    fn text_at(&self, path: &[Tag]) -> Option<String>;
    /// Every element at `path` (the last tag repeated under the first match of the others).
    fn all_at(&self, path: &[Tag]) -> Vec<&Element>;
    /// The text of this element, `""` when it has none.
    fn text_or_empty(&self) -> Cow<'_, str>;
    /// The XML form, for messages.
    fn to_xml(&self) -> String;

    // --- Sync responses ---

    /// In a Sync response, the `Collections/Collection` whose `CollectionId` is `collection_id`.
    fn sync_collection(&self, collection_id: &str) -> Option<&Element>;
    /// In a Sync response `Collection`: every `Commands/Add` as (ServerId, ApplicationData).
    fn sync_adds(&self) -> Vec<(String, &Element)>;
    /// In a Sync response `Collection`: every `Commands/Change` as (ServerId, ApplicationData).
    fn sync_changes(&self) -> Vec<(String, &Element)>;
    /// In a Sync response `Collection`: the ServerId of every `Commands/Delete`.
    fn sync_deletes(&self) -> Vec<String>;
    /// In a Sync response `Collection`: the ServerId of every `Commands/SoftDelete`.
    fn sync_soft_deletes(&self) -> Vec<String>;
    /// In a Sync response `Collection`: the children of `Responses` (Add, Change, Delete,
    /// Fetch), each with its own Status.
    fn sync_responses(&self) -> Vec<&Element>;

    // --- FolderSync responses ---

    /// In a FolderSync response: every `Changes/Add` as (ServerId, ParentId, DisplayName,
    /// Type).
    fn folder_sync_folders(&self) -> Vec<(String, String, String, u8)>;
    /// In a FolderSync response: every `Changes/Update` as (ServerId, ParentId, DisplayName,
    /// Type).
    fn folder_sync_updates(&self) -> Vec<(String, String, String, u8)>;
    /// In a FolderSync response: the ServerId of every `Changes/Delete`.
    fn folder_sync_deletes(&self) -> Vec<String>;
}

impl ElementExt for Element {
    fn at(&self, path: &[Tag]) -> Option<&Element> {
        let mut e = self;
        for &tag in path {
            e = e.find(tag)?;
        }
        Some(e)
    }

    fn text_at(&self, path: &[Tag]) -> Option<String> {
        self.at(path).and_then(|e| e.text()).map(Cow::into_owned)
    }

    fn all_at(&self, path: &[Tag]) -> Vec<&Element> {
        match path.split_last() {
            None => vec![self],
            Some((&last, parents)) => self
                .at(parents)
                .map(|p| p.find_all(last).collect())
                .unwrap_or_default(),
        }
    }

    fn text_or_empty(&self) -> Cow<'_, str> {
        self.text().unwrap_or(Cow::Borrowed(""))
    }

    fn to_xml(&self) -> String {
        wbxml::xml::to_xml(self)
    }

    fn sync_collection(&self, collection_id: &str) -> Option<&Element> {
        self.all_at(&[a::COLLECTIONS, a::COLLECTION])
            .into_iter()
            .find(|c| c.text_at(&[a::COLLECTION_ID]).as_deref() == Some(collection_id))
    }

    fn sync_adds(&self) -> Vec<(String, &Element)> {
        commands_with_data(self, a::ADD)
    }

    fn sync_changes(&self) -> Vec<(String, &Element)> {
        commands_with_data(self, a::CHANGE)
    }

    fn sync_deletes(&self) -> Vec<String> {
        command_ids(self, a::DELETE)
    }

    fn sync_soft_deletes(&self) -> Vec<String> {
        command_ids(self, a::SOFT_DELETE)
    }

    fn sync_responses(&self) -> Vec<&Element> {
        self.find(a::RESPONSES)
            .map(|r| r.elements().collect())
            .unwrap_or_default()
    }

    fn folder_sync_folders(&self) -> Vec<(String, String, String, u8)> {
        folder_changes(self, fh::ADD)
    }

    fn folder_sync_updates(&self) -> Vec<(String, String, String, u8)> {
        folder_changes(self, fh::UPDATE)
    }

    fn folder_sync_deletes(&self) -> Vec<String> {
        self.all_at(&[fh::CHANGES, fh::DELETE])
            .into_iter()
            .map(|d| required_text(d, fh::SERVER_ID))
            .collect()
    }
}

fn required_text(e: &Element, tag: Tag) -> String {
    e.text_at(&[tag])
        .unwrap_or_else(|| panic!("no {tag:?} in {}", e.to_xml()))
}

fn commands_with_data(collection: &Element, tag: Tag) -> Vec<(String, &Element)> {
    collection
        .all_at(&[a::COMMANDS, tag])
        .into_iter()
        .map(|c| {
            let data = c
                .find(a::APPLICATION_DATA)
                .unwrap_or_else(|| panic!("no ApplicationData in {}", c.to_xml()));
            (required_text(c, a::SERVER_ID), data)
        })
        .collect()
}

fn command_ids(collection: &Element, tag: Tag) -> Vec<String> {
    collection
        .all_at(&[a::COMMANDS, tag])
        .into_iter()
        .map(|c| required_text(c, a::SERVER_ID))
        .collect()
}

fn folder_changes(doc: &Element, tag: Tag) -> Vec<(String, String, String, u8)> {
    doc.all_at(&[fh::CHANGES, tag])
        .into_iter()
        .map(|f| {
            let kind = required_text(f, fh::TYPE);
            (
                required_text(f, fh::SERVER_ID),
                required_text(f, fh::PARENT_ID),
                required_text(f, fh::DISPLAY_NAME),
                kind.parse()
                    .unwrap_or_else(|_| panic!("folder Type {kind:?} is not a number")),
            )
        })
        .collect()
}

/// `Settings:DeviceInformation/Set` with a model and user agent (and an OS when given).
pub fn device_information(model: &str, os: Option<&str>, user_agent: &str) -> Element {
    let mut set = Element::new(s::SET).text_child(s::MODEL, model);
    if let Some(os) = os {
        set = set.text_child(s::OS, os);
    }
    set = set.text_child(s::USER_AGENT, user_agent);
    Element::new(s::DEVICE_INFORMATION).child(set)
}

/// The initial Provision request of an EAS 14.1+ device:
/// `<Provision><DeviceInformation><Set><Model>Test</Model><UserAgent>test</UserAgent></Set>
/// </DeviceInformation><Policies><Policy><PolicyType>MS-EAS-Provisioning-WBXML</PolicyType>
/// </Policy></Policies></Provision>`.
pub fn provision_request() -> Element {
    Element::new(p::PROVISION)
        .child(device_information("Test", None, "test"))
        .child(policies(None, None))
}

/// The initial Provision request without DeviceInformation (EAS 12.x, 14.0).
pub fn provision_request_bare() -> Element {
    Element::new(p::PROVISION).child(policies(None, None))
}

/// The acknowledgement of a policy: `<Provision><Policies><Policy><PolicyType>...
/// <PolicyKey>KEY</PolicyKey><Status>1</Status></Policy></Policies></Provision>`.
pub fn provision_ack(temporary_key: &str) -> Element {
    provision_ack_with_status(temporary_key, "1")
}

/// An acknowledgement with another status (2: policy not applied, 4: partially applied...).
pub fn provision_ack_with_status(temporary_key: &str, status: &str) -> Element {
    Element::new(p::PROVISION).child(policies(Some(temporary_key), Some(status)))
}

fn policies(key: Option<&str>, status: Option<&str>) -> Element {
    let mut policy = Element::new(p::POLICY).text_child(p::POLICY_TYPE, POLICY_TYPE);
    if let Some(key) = key {
        policy = policy.text_child(p::POLICY_KEY, key);
    }
    if let Some(status) = status {
        policy = policy.text_child(p::STATUS, status);
    }
    Element::new(p::POLICIES).child(policy)
}

/// `<FolderSync xmlns="FolderHierarchy"><SyncKey>KEY</SyncKey></FolderSync>`.
pub fn folder_sync(sync_key: &str) -> Element {
    Element::new(fh::FOLDER_SYNC).text_child(fh::SYNC_KEY, sync_key)
}

/// A Settings request as devices send after provisioning: DeviceInformation Set,
/// UserInformation Get and RightsManagementInformation Get.
pub fn settings_request() -> Element {
    Element::new(s::SETTINGS)
        .child(device_information(
            "TestModel",
            Some("TestOS 1.0"),
            "eas-test-client/0.1",
        ))
        .child(Element::new(s::USER_INFORMATION).child(Element::new(s::GET)))
        .child(Element::new(s::RIGHTS_MANAGEMENT_INFORMATION).child(Element::new(s::GET)))
}

/// `<Settings><UserInformation><Get/></UserInformation></Settings>`, the smallest request that
/// needs the gate to let it through.
pub fn settings_user_information() -> Element {
    Element::new(s::SETTINGS).child(Element::new(s::USER_INFORMATION).child(Element::new(s::GET)))
}

// --- Sync ------------------------------------------------------------------------------------

/// One `airsyncbase:BodyPreference`: the body type (1 plain text, 2 HTML, 3 RTF, 4 MIME) and
/// its optional limits, written in the schema's order (Type, TruncationSize, AllOrNone,
/// Preview).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BodyPref {
    pub body_type: u8,
    pub truncation_size: Option<u32>,
    pub all_or_none: Option<bool>,
    pub preview: Option<u32>,
}

impl BodyPref {
    pub fn new(body_type: u8) -> BodyPref {
        BodyPref {
            body_type,
            ..BodyPref::default()
        }
    }

    pub fn truncation(mut self, bytes: u32) -> BodyPref {
        self.truncation_size = Some(bytes);
        self
    }

    pub fn all_or_none(mut self, all_or_none: bool) -> BodyPref {
        self.all_or_none = Some(all_or_none);
        self
    }

    pub fn preview(mut self, chars: u32) -> BodyPref {
        self.preview = Some(chars);
        self
    }

    /// The `BodyPreference` element.
    pub fn to_element(&self) -> Element {
        let mut e =
            Element::new(asb::BODY_PREFERENCE).text_child(asb::TYPE, self.body_type.to_string());
        if let Some(t) = self.truncation_size {
            e = e.text_child(asb::TRUNCATION_SIZE, t.to_string());
        }
        if let Some(b) = self.all_or_none {
            e = e.text_child(asb::ALL_OR_NONE, bool_text(b));
        }
        if let Some(p) = self.preview {
            e = e.text_child(asb::PREVIEW, p.to_string());
        }
        e
    }
}

/// What a Sync request says about one collection besides its key and window: the `Options`
/// (FilterType, Class, BodyPreference..., Conflict, MIMESupport, MIMETruncation, MaxItems) and
/// the collection-level GetChanges, DeletesAsMoves and ConversationMode. `None` leaves an
/// element out. Build with the methods:
///
/// ```
/// use eas_test_client::docs::{BodyPref, SyncOpts};
/// let opts = SyncOpts::default()
///     .filter_type(0)
///     .body_preference(BodyPref::new(2).truncation(51200).preview(255))
///     .body_preference(BodyPref::new(1).truncation(1024))
///     .get_changes(true);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncOpts {
    /// 0 all, 1 one day, 2 three days, 3 one week, 4 two weeks, 5 one month (6-8 for calendar).
    pub filter_type: Option<u8>,
    /// `Options/Class` (14.0 and later): `Email`, `SMS`, ...
    pub class: Option<String>,
    pub body_preferences: Vec<BodyPref>,
    pub conflict: Option<u8>,
    /// 0 never, 1 S/MIME only, 2 always.
    pub mime_support: Option<u8>,
    /// 0-8 (0: truncate everything, 8: no truncation).
    pub mime_truncation: Option<u8>,
    pub max_items: Option<u32>,
    pub get_changes: Option<bool>,
    pub deletes_as_moves: Option<bool>,
    pub conversation_mode: Option<bool>,
}

impl SyncOpts {
    pub fn filter_type(mut self, filter_type: u8) -> SyncOpts {
        self.filter_type = Some(filter_type);
        self
    }

    pub fn class(mut self, class: &str) -> SyncOpts {
        self.class = Some(class.to_owned());
        self
    }

    /// Adds one BodyPreference (several may be given, one per type).
    pub fn body_preference(mut self, pref: BodyPref) -> SyncOpts {
        self.body_preferences.push(pref);
        self
    }

    pub fn conflict(mut self, conflict: u8) -> SyncOpts {
        self.conflict = Some(conflict);
        self
    }

    pub fn mime_support(mut self, mime_support: u8) -> SyncOpts {
        self.mime_support = Some(mime_support);
        self
    }

    pub fn mime_truncation(mut self, mime_truncation: u8) -> SyncOpts {
        self.mime_truncation = Some(mime_truncation);
        self
    }

    pub fn max_items(mut self, max_items: u32) -> SyncOpts {
        self.max_items = Some(max_items);
        self
    }

    pub fn get_changes(mut self, get_changes: bool) -> SyncOpts {
        self.get_changes = Some(get_changes);
        self
    }

    pub fn deletes_as_moves(mut self, deletes_as_moves: bool) -> SyncOpts {
        self.deletes_as_moves = Some(deletes_as_moves);
        self
    }

    pub fn conversation_mode(mut self, conversation_mode: bool) -> SyncOpts {
        self.conversation_mode = Some(conversation_mode);
        self
    }

    /// The `Options` element, or `None` when no option is set. Order as in MS-ASCMD's
    /// examples: FilterType, Class, BodyPreference..., Conflict, MIMESupport, MIMETruncation,
    /// MaxItems.
    pub fn options_element(&self) -> Option<Element> {
        let mut o = Element::new(a::OPTIONS);
        if let Some(f) = self.filter_type {
            o.push(Element::with_text(a::FILTER_TYPE, f.to_string()));
        }
        if let Some(c) = &self.class {
            o.push(Element::with_text(a::CLASS, c.as_str()));
        }
        for p in &self.body_preferences {
            o.push(p.to_element());
        }
        let numbers = [
            (a::CONFLICT, self.conflict.map(u32::from)),
            (a::MIME_SUPPORT, self.mime_support.map(u32::from)),
            (a::MIME_TRUNCATION, self.mime_truncation.map(u32::from)),
            (a::MAX_ITEMS, self.max_items),
        ];
        for (tag, value) in numbers {
            if let Some(v) = value {
                o.push(Element::with_text(tag, v.to_string()));
            }
        }
        (!o.children.is_empty()).then_some(o)
    }
}

/// `true`/`false` as EAS writes booleans: `1`/`0`.
fn bool_text(b: bool) -> &'static str {
    if b { "1" } else { "0" }
}

/// One `Collection` of a Sync request, in the strict order of MS-ASCMD 2.2.3.29.2: SyncKey,
/// CollectionId, DeletesAsMoves, GetChanges, WindowSize, ConversationMode, Options, Commands.
/// `commands` are the children of `Commands` ([`change_read`], [`delete`], [`fetch`], ...);
/// none leaves `Commands` out.
pub fn sync_collection_request(
    collection_id: &str,
    sync_key: &str,
    window: Option<u32>,
    opts: &SyncOpts,
    commands: Vec<Element>,
) -> Element {
    let mut c = Element::new(a::COLLECTION)
        .text_child(a::SYNC_KEY, sync_key)
        .text_child(a::COLLECTION_ID, collection_id);
    if let Some(b) = opts.deletes_as_moves {
        c = c.text_child(a::DELETES_AS_MOVES, bool_text(b));
    }
    if let Some(b) = opts.get_changes {
        c = c.text_child(a::GET_CHANGES, bool_text(b));
    }
    if let Some(w) = window {
        c = c.text_child(a::WINDOW_SIZE, w.to_string());
    }
    if let Some(b) = opts.conversation_mode {
        c = c.text_child(a::CONVERSATION_MODE, bool_text(b));
    }
    if let Some(o) = opts.options_element() {
        c = c.child(o);
    }
    if !commands.is_empty() {
        let mut cmds = Element::new(a::COMMANDS);
        for cmd in commands {
            cmds.push(cmd);
        }
        c = c.child(cmds);
    }
    c
}

/// `<Sync><Collections>...</Collections></Sync>` of several [`sync_collection_request`]s.
pub fn sync_multi(collections: Vec<Element>) -> Element {
    sync_request(collections, &SyncTop::default())
}

/// The request-wide parts of a Sync: Wait (minutes) or HeartbeatInterval (seconds), the
/// request-wide WindowSize, Partial.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncTop {
    pub wait: Option<u32>,
    pub heartbeat_interval: Option<u32>,
    pub window_size: Option<u32>,
    pub partial: bool,
}

/// A whole Sync request: Collections (left out when there are none, as with a Partial Sync
/// that only changes the wait), Wait, HeartbeatInterval, WindowSize, Partial.
pub fn sync_request(collections: Vec<Element>, top: &SyncTop) -> Element {
    let mut sync = Element::new(a::SYNC);
    if !collections.is_empty() {
        let mut cs = Element::new(a::COLLECTIONS);
        for c in collections {
            cs.push(c);
        }
        sync.push(cs);
    }
    if let Some(w) = top.wait {
        sync.push(Element::with_text(a::WAIT, w.to_string()));
    }
    if let Some(h) = top.heartbeat_interval {
        sync.push(Element::with_text(a::HEARTBEAT_INTERVAL, h.to_string()));
    }
    if let Some(w) = top.window_size {
        sync.push(Element::with_text(a::WINDOW_SIZE, w.to_string()));
    }
    if top.partial {
        sync.push(Element::new(a::PARTIAL));
    }
    sync
}

/// The first Sync of a collection: `SyncKey` 0, no options.
pub fn sync_initial(collection_id: &str) -> Element {
    sync_multi(vec![sync_collection_request(
        collection_id,
        "0",
        None,
        &SyncOpts::default(),
        Vec::new(),
    )])
}

/// A Sync of one collection with a window size and options.
pub fn sync(collection_id: &str, sync_key: &str, window: u32, options: SyncOpts) -> Element {
    sync_multi(vec![sync_collection_request(
        collection_id,
        sync_key,
        Some(window),
        &options,
        Vec::new(),
    )])
}

/// A Sync of one collection that sends client changes (`Commands`), without options.
pub fn sync_with_commands(collection_id: &str, sync_key: &str, commands: Vec<Element>) -> Element {
    sync_multi(vec![sync_collection_request(
        collection_id,
        sync_key,
        None,
        &SyncOpts::default(),
        commands,
    )])
}

/// A `Change` command: `<Change><ServerId/><ApplicationData>children</ApplicationData></Change>`.
pub fn change(server_id: &str, application_data: Vec<Element>) -> Element {
    let mut data = Element::new(a::APPLICATION_DATA);
    for e in application_data {
        data.push(e);
    }
    Element::new(a::CHANGE)
        .text_child(a::SERVER_ID, server_id)
        .child(data)
}

/// Marks a message read or unread: `email:Read` 1/0.
pub fn change_read(server_id: &str, read: bool) -> Element {
    change(
        server_id,
        vec![Element::with_text(em::READ, bool_text(read))],
    )
}

/// Sets a message's follow-up flag: status 0 clears it (an empty `email:Flag`), 1 marks it
/// complete (with `CompleteTime` and `tasks:DateCompleted` of now), 2 flags it (with
/// `FlagType` "for Follow Up", as phones send).
pub fn change_flag(server_id: &str, status: u8) -> Element {
    let flag = match status {
        0 => Element::new(em::FLAG),
        1 => {
            let now = eas_date_now();
            Element::new(em::FLAG)
                .text_child(em::STATUS, "1")
                .text_child(em::COMPLETE_TIME, now.clone())
                .text_child(tasks::DATE_COMPLETED, now)
        }
        2 => Element::new(em::FLAG)
            .text_child(em::STATUS, "2")
            .text_child(em::FLAG_TYPE, "for Follow Up"),
        other => panic!("flag status {other} is not 0, 1 or 2"),
    };
    change(server_id, vec![flag])
}

/// Replaces a message's categories; none clears them (an empty `email:Categories`).
pub fn change_categories(server_id: &str, categories: &[&str]) -> Element {
    let mut cats = Element::new(em::CATEGORIES);
    for c in categories {
        cats.push(Element::with_text(em::CATEGORY, *c));
    }
    change(server_id, vec![cats])
}

/// A `Delete` command.
pub fn delete(server_id: &str) -> Element {
    Element::new(a::DELETE).text_child(a::SERVER_ID, server_id)
}

/// A `Fetch` command (the item again, e.g. its whole body).
pub fn fetch(server_id: &str) -> Element {
    Element::new(a::FETCH).text_child(a::SERVER_ID, server_id)
}

/// The current time as an EAS date-time (`2026-11-22T08:00:00.000Z`).
pub fn eas_date_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    eas_date(secs)
}

/// Seconds since the Unix epoch as an EAS date-time (`2026-11-22T08:00:00.000Z`).
pub fn eas_date(unix_seconds: u64) -> String {
    let days = (unix_seconds / 86_400) as i64;
    let rem = unix_seconds % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.000Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

// --- FolderCreate, FolderUpdate, FolderDelete ----------------------------------------------------

/// `<FolderCreate><SyncKey/><ParentId/><DisplayName/><Type/></FolderCreate>` (parent "0": the
/// root; type 12: a user-created mail folder).
pub fn folder_create(sync_key: &str, parent_id: &str, name: &str, folder_type: u8) -> Element {
    Element::new(fh::FOLDER_CREATE)
        .text_child(fh::SYNC_KEY, sync_key)
        .text_child(fh::PARENT_ID, parent_id)
        .text_child(fh::DISPLAY_NAME, name)
        .text_child(fh::TYPE, folder_type.to_string())
}

/// `<FolderUpdate><SyncKey/><ServerId/><ParentId/><DisplayName/></FolderUpdate>`: rename
/// and/or move.
pub fn folder_update(sync_key: &str, server_id: &str, parent_id: &str, name: &str) -> Element {
    Element::new(fh::FOLDER_UPDATE)
        .text_child(fh::SYNC_KEY, sync_key)
        .text_child(fh::SERVER_ID, server_id)
        .text_child(fh::PARENT_ID, parent_id)
        .text_child(fh::DISPLAY_NAME, name)
}

/// `<FolderDelete><SyncKey/><ServerId/></FolderDelete>`.
pub fn folder_delete(sync_key: &str, server_id: &str) -> Element {
    Element::new(fh::FOLDER_DELETE)
        .text_child(fh::SYNC_KEY, sync_key)
        .text_child(fh::SERVER_ID, server_id)
}

// --- GetItemEstimate ----------------------------------------------------------------------------

/// A GetItemEstimate for `(sync_key, collection_id)` pairs in the form of `version` (MS-ASCMD
/// 2.2.1.9, request schema 6.20), without a filter (FilterType 0 where the form needs one):
///
/// - 12.x: `<Collection><CollectionId/><airsync:FilterType>0</airsync:FilterType>
///   <airsync:SyncKey/></Collection>` (the Class is optional and left out);
/// - 14.0 and later: `<Collection><airsync:SyncKey/><CollectionId/></Collection>`.
pub fn get_item_estimate(collections: &[(&str, &str)], version: &str) -> Element {
    get_item_estimate_with(collections, version, None, None)
}

/// [`get_item_estimate`] with a FilterType (12.x: in the Collection, default 0; 14+: in
/// `airsync:Options`) and a Class (12.x: `getitemestimate:Class` first in the Collection;
/// 14+: `airsync:Class` in `airsync:Options`).
pub fn get_item_estimate_with(
    collections: &[(&str, &str)],
    version: &str,
    filter_type: Option<u8>,
    class: Option<&str>,
) -> Element {
    let v12 = version.starts_with("12.") || version.starts_with("2.");
    let mut cs = Element::new(gie::COLLECTIONS);
    for &(sync_key, collection_id) in collections {
        let mut c = Element::new(gie::COLLECTION);
        if v12 {
            if let Some(class) = class {
                c = c.text_child(gie::CLASS, class);
            }
            c = c
                .text_child(gie::COLLECTION_ID, collection_id)
                .text_child(a::FILTER_TYPE, filter_type.unwrap_or(0).to_string())
                .text_child(a::SYNC_KEY, sync_key);
        } else {
            c = c
                .text_child(a::SYNC_KEY, sync_key)
                .text_child(gie::COLLECTION_ID, collection_id);
            if filter_type.is_some() || class.is_some() {
                let mut o = Element::new(a::OPTIONS);
                if let Some(f) = filter_type {
                    o.push(Element::with_text(a::FILTER_TYPE, f.to_string()));
                }
                if let Some(class) = class {
                    o.push(Element::with_text(a::CLASS, class));
                }
                c = c.child(o);
            }
        }
        cs.push(c);
    }
    Element::new(gie::GET_ITEM_ESTIMATE).child(cs)
}

// --- ItemOperations -------------------------------------------------------------------------------

/// `<ItemOperations>ops</ItemOperations>`: several Fetch / EmptyFolderContents operations in
/// one request ([`io_fetch_item`], [`io_fetch_attachment`], [`io_empty_folder`]).
pub fn item_operations(ops: Vec<Element>) -> Element {
    let mut e = Element::new(io::ITEM_OPERATIONS);
    for op in ops {
        e.push(op);
    }
    e
}

/// A Fetch of one mail item with one body type (1 plain, 2 HTML, 3 RTF, 4 MIME):
/// `<Fetch><Store>Mailbox</Store><airsync:CollectionId/><airsync:ServerId/><Options>
/// [<airsync:MIMESupport>2</airsync:MIMESupport> for MIME]<airsyncbase:BodyPreference>
/// <Type/></airsyncbase:BodyPreference></Options></Fetch>`.
pub fn io_fetch_item(collection_id: &str, server_id: &str, body_type: u8) -> Element {
    let mut options = Element::new(io::OPTIONS);
    if body_type == 4 {
        options.push(Element::with_text(a::MIME_SUPPORT, "2"));
    }
    options.push(BodyPref::new(body_type).to_element());
    io_fetch_item_with(collection_id, server_id, options)
}

/// A Fetch of one mail item with the given `ItemOperations:Options` element (or an empty
/// one: no Options sent).
pub fn io_fetch_item_with(collection_id: &str, server_id: &str, options: Element) -> Element {
    let mut fetch = Element::new(io::FETCH)
        .text_child(io::STORE, "Mailbox")
        .text_child(a::COLLECTION_ID, collection_id)
        .text_child(a::SERVER_ID, server_id);
    if !options.children.is_empty() {
        fetch.push(options);
    }
    fetch
}

/// A Fetch of an attachment by its `airsyncbase:FileReference`.
pub fn io_fetch_attachment(file_reference: &str) -> Element {
    Element::new(io::FETCH)
        .text_child(io::STORE, "Mailbox")
        .text_child(asb::FILE_REFERENCE, file_reference)
}

/// `<EmptyFolderContents><airsync:CollectionId/>[<Options><DeleteSubFolders/></Options>]
/// </EmptyFolderContents>`.
pub fn io_empty_folder(collection_id: &str, delete_subfolders: bool) -> Element {
    let mut e = Element::new(io::EMPTY_FOLDER_CONTENTS).text_child(a::COLLECTION_ID, collection_id);
    if delete_subfolders {
        e.push(Element::new(io::OPTIONS).child(Element::new(io::DELETE_SUB_FOLDERS)));
    }
    e
}

/// ItemOperations with one [`io_fetch_item`].
pub fn item_operations_fetch_item(collection_id: &str, server_id: &str, body_type: u8) -> Element {
    item_operations(vec![io_fetch_item(collection_id, server_id, body_type)])
}

/// ItemOperations with one [`io_fetch_attachment`].
pub fn item_operations_fetch_attachment(file_reference: &str) -> Element {
    item_operations(vec![io_fetch_attachment(file_reference)])
}

/// ItemOperations with one [`io_empty_folder`].
pub fn item_operations_empty_folder(collection_id: &str, delete_subfolders: bool) -> Element {
    item_operations(vec![io_empty_folder(collection_id, delete_subfolders)])
}

// --- MoveItems ------------------------------------------------------------------------------------

/// `<MoveItems><Move><SrcMsgId/><SrcFldId/><DstFldId/></Move>...</MoveItems>` for
/// `(source message, source folder, destination folder)` triples.
pub fn move_items(moves: &[(&str, &str, &str)]) -> Element {
    let mut e = Element::new(mv::MOVE_ITEMS);
    for &(msg, src, dst) in moves {
        e.push(
            Element::new(mv::MOVE)
                .text_child(mv::SRC_MSG_ID, msg)
                .text_child(mv::SRC_FLD_ID, src)
                .text_child(mv::DST_FLD_ID, dst),
        );
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_provision_request_has_the_documented_xml_form() {
        let xml = provision_request().to_xml();
        let compact: String = xml.lines().map(str::trim).collect();
        assert!(
            compact.contains(
                "<Provision xmlns=\"Provision\"><DeviceInformation xmlns=\"Settings\"><Set>\
                 <Model>Test</Model><UserAgent>test</UserAgent></Set></DeviceInformation>\
                 <Policies><Policy><PolicyType>MS-EAS-Provisioning-WBXML</PolicyType>\
                 </Policy></Policies></Provision>"
            ),
            "{xml}"
        );
    }

    #[test]
    fn paths_find_nested_elements_and_their_text() {
        let doc = provision_ack("123");
        assert_eq!(
            doc.text_at(&[p::POLICIES, p::POLICY, p::POLICY_KEY])
                .as_deref(),
            Some("123")
        );
        assert_eq!(doc.all_at(&[p::POLICIES, p::POLICY]).len(), 1);
        assert!(doc.at(&[p::DATA]).is_none());
    }

    fn compact(e: &Element) -> String {
        e.to_xml().lines().map(str::trim).collect()
    }

    #[test]
    fn a_sync_collection_follows_the_strict_request_order() {
        let opts = SyncOpts::default()
            .filter_type(3)
            .body_preference(
                BodyPref::new(2)
                    .truncation(5120)
                    .all_or_none(false)
                    .preview(100),
            )
            .body_preference(BodyPref::new(4))
            .mime_support(2)
            .mime_truncation(8)
            .get_changes(true)
            .deletes_as_moves(false)
            .conversation_mode(true);
        let doc = sync_multi(vec![sync_collection_request(
            "5",
            "K1",
            Some(25),
            &opts,
            vec![change_read("5:12", true), delete("5:13"), fetch("5:14")],
        )]);
        let xml = compact(&doc);
        let expected = "<Sync xmlns=\"AirSync\"><Collections><Collection><SyncKey>K1</SyncKey>\
            <CollectionId>5</CollectionId><DeletesAsMoves>0</DeletesAsMoves>\
            <GetChanges>1</GetChanges><WindowSize>25</WindowSize>\
            <ConversationMode>1</ConversationMode><Options><FilterType>3</FilterType>\
            <BodyPreference xmlns=\"AirSyncBase\"><Type>2</Type><TruncationSize>5120</TruncationSize>\
            <AllOrNone>0</AllOrNone><Preview>100</Preview></BodyPreference>\
            <BodyPreference xmlns=\"AirSyncBase\"><Type>4</Type></BodyPreference>\
            <MIMESupport>2</MIMESupport><MIMETruncation>8</MIMETruncation></Options>\
            <Commands><Change><ServerId>5:12</ServerId><ApplicationData>\
            <Read xmlns=\"Email\">1</Read></ApplicationData></Change>\
            <Delete><ServerId>5:13</ServerId></Delete><Fetch><ServerId>5:14</ServerId></Fetch>\
            </Commands></Collection></Collections></Sync>";
        assert!(xml.contains(expected), "{xml}");
        // The simple forms.
        assert!(compact(&sync_initial("7")).contains(
            "<Collection><SyncKey>0</SyncKey><CollectionId>7</CollectionId></Collection>"
        ));
        let xml = compact(&sync("7", "K", 10, SyncOpts::default()));
        assert!(
            xml.contains("<CollectionId>7</CollectionId><WindowSize>10</WindowSize></Collection>"),
            "{xml}"
        );
        let xml = compact(&sync_request(
            Vec::new(),
            &SyncTop {
                wait: Some(5),
                partial: true,
                ..SyncTop::default()
            },
        ));
        assert!(
            xml.contains("<Wait>5</Wait><Partial/>")
                || xml.contains("<Wait>5</Wait><Partial></Partial>"),
            "{xml}"
        );
    }

    #[test]
    fn flag_and_category_changes_have_the_email_forms() {
        let xml = compact(&change_flag("1:2", 2));
        assert!(
            xml.contains(
                "<Flag xmlns=\"Email\"><Status>2</Status><FlagType>for Follow Up</FlagType></Flag>"
            ),
            "{xml}"
        );
        let xml = compact(&change_flag("1:2", 0));
        assert!(
            xml.contains("<Flag xmlns=\"Email\"/>")
                || xml.contains("<Flag xmlns=\"Email\"></Flag>"),
            "{xml}"
        );
        let xml = compact(&change_flag("1:2", 1));
        assert!(xml.contains("<Status>1</Status><CompleteTime>"), "{xml}");
        assert!(xml.contains("<DateCompleted xmlns=\"Tasks\">"), "{xml}");
        let xml = compact(&change_categories("1:2", &["Red", "Work"]));
        assert!(xml.contains("<Categories xmlns=\"Email\"><Category>Red</Category><Category>Work</Category></Categories>"), "{xml}");
    }

    #[test]
    fn eas_dates_are_civil_utc() {
        assert_eq!(eas_date(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(eas_date(1_795_335_353), "2026-11-22T08:15:53.000Z");
        assert_eq!(eas_date(951_782_400), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn folder_commands_have_their_element_order() {
        assert!(compact(&folder_create("3", "0", "Projects", 12)).contains(
            "<FolderCreate xmlns=\"FolderHierarchy\"><SyncKey>3</SyncKey><ParentId>0</ParentId>\
             <DisplayName>Projects</DisplayName><Type>12</Type></FolderCreate>"
        ));
        assert!(compact(&folder_update("3", "f9", "0", "New")).contains(
            "<SyncKey>3</SyncKey><ServerId>f9</ServerId><ParentId>0</ParentId><DisplayName>New</DisplayName>"
        ));
        assert!(
            compact(&folder_delete("3", "f9"))
                .contains("<SyncKey>3</SyncKey><ServerId>f9</ServerId></FolderDelete>")
        );
    }

    #[test]
    fn get_item_estimate_has_a_12x_and_a_14_form() {
        let xml = compact(&get_item_estimate(&[("K1", "5"), ("K2", "6")], "12.1"));
        assert!(xml.contains(
            "<Collection><CollectionId>5</CollectionId><FilterType xmlns=\"AirSync\">0</FilterType>\
             <SyncKey xmlns=\"AirSync\">K1</SyncKey></Collection>"
        ), "{xml}");
        assert!(xml.contains("<CollectionId>6</CollectionId>"), "{xml}");
        let xml = compact(&get_item_estimate(&[("K1", "5")], "16.1"));
        assert!(xml.contains(
            "<Collection><SyncKey xmlns=\"AirSync\">K1</SyncKey><CollectionId>5</CollectionId></Collection>"
        ), "{xml}");
        let xml = compact(&get_item_estimate_with(
            &[("K1", "5")],
            "14.1",
            Some(0),
            Some("Email"),
        ));
        assert!(xml.contains(
            "<CollectionId>5</CollectionId><Options xmlns=\"AirSync\"><FilterType>0</FilterType><Class>Email</Class></Options>"
        ), "{xml}");
        let xml = compact(&get_item_estimate_with(
            &[("K1", "5")],
            "12.0",
            Some(2),
            Some("Email"),
        ));
        assert!(
            xml.contains("<Collection><Class>Email</Class><CollectionId>5</CollectionId>"),
            "{xml}"
        );
    }

    #[test]
    fn item_operations_and_move_items_have_their_forms() {
        let xml = compact(&item_operations_fetch_item("5", "5:9", 4));
        assert!(xml.contains(
            "<Fetch><Store>Mailbox</Store><CollectionId xmlns=\"AirSync\">5</CollectionId>\
             <ServerId xmlns=\"AirSync\">5:9</ServerId><Options><MIMESupport xmlns=\"AirSync\">2</MIMESupport>\
             <BodyPreference xmlns=\"AirSyncBase\"><Type>4</Type></BodyPreference></Options></Fetch>"
        ), "{xml}");
        let xml = compact(&item_operations_fetch_attachment("5:9:2"));
        assert!(
            xml.contains(
                "<Store>Mailbox</Store><FileReference xmlns=\"AirSyncBase\">5:9:2</FileReference>"
            ),
            "{xml}"
        );
        let xml = compact(&item_operations_empty_folder("8", true));
        assert!(
            xml.contains(
                "<EmptyFolderContents><CollectionId xmlns=\"AirSync\">8</CollectionId>\
            <Options><DeleteSubFolders/></Options>"
            ) || xml.contains("<DeleteSubFolders></DeleteSubFolders>"),
            "{xml}"
        );
        let xml = compact(&move_items(&[("5:1", "5", "8"), ("5:2", "5", "9")]));
        assert!(
            xml.contains(
                "<MoveItems xmlns=\"Move\"><Move><SrcMsgId>5:1</SrcMsgId><SrcFldId>5</SrcFldId>\
             <DstFldId>8</DstFldId></Move><Move><SrcMsgId>5:2</SrcMsgId>"
            ),
            "{xml}"
        );
    }

    #[test]
    fn sync_and_folder_sync_responses_are_read() {
        let data =
            |subject: &str| Element::new(a::APPLICATION_DATA).text_child(em::SUBJECT, subject);
        let collection = Element::new(a::COLLECTION)
            .text_child(a::SYNC_KEY, "2")
            .text_child(a::COLLECTION_ID, "5")
            .text_child(a::STATUS, "1")
            .child(
                Element::new(a::COMMANDS)
                    .child(
                        Element::new(a::ADD)
                            .text_child(a::SERVER_ID, "5:1")
                            .child(data("one")),
                    )
                    .child(
                        Element::new(a::ADD)
                            .text_child(a::SERVER_ID, "5:2")
                            .child(data("two")),
                    )
                    .child(
                        Element::new(a::CHANGE)
                            .text_child(a::SERVER_ID, "5:3")
                            .child(data("three")),
                    )
                    .child(Element::new(a::DELETE).text_child(a::SERVER_ID, "5:4"))
                    .child(Element::new(a::SOFT_DELETE).text_child(a::SERVER_ID, "5:5")),
            )
            .child(
                Element::new(a::RESPONSES).child(
                    Element::new(a::FETCH)
                        .text_child(a::SERVER_ID, "5:6")
                        .text_child(a::STATUS, "1"),
                ),
            );
        let doc = Element::new(a::SYNC).child(Element::new(a::COLLECTIONS).child(collection));
        let c = doc.sync_collection("5").expect("collection 5");
        assert!(doc.sync_collection("6").is_none());
        let adds = c.sync_adds();
        assert_eq!(adds.len(), 2);
        assert_eq!(adds[1].0, "5:2");
        assert_eq!(adds[1].1.text_at(&[em::SUBJECT]).as_deref(), Some("two"));
        assert_eq!(c.sync_changes()[0].0, "5:3");
        assert_eq!(c.sync_deletes(), vec!["5:4"]);
        assert_eq!(c.sync_soft_deletes(), vec!["5:5"]);
        assert_eq!(c.sync_responses()[0].tag, a::FETCH);

        let folder = |id: &str, name: &str, t: &str| {
            Element::new(fh::ADD)
                .text_child(fh::SERVER_ID, id)
                .text_child(fh::PARENT_ID, "0")
                .text_child(fh::DISPLAY_NAME, name)
                .text_child(fh::TYPE, t)
        };
        let doc = Element::new(fh::FOLDER_SYNC)
            .text_child(fh::STATUS, "1")
            .text_child(fh::SYNC_KEY, "1")
            .child(
                Element::new(fh::CHANGES)
                    .text_child(fh::COUNT, "3")
                    .child(folder("1", "Inbox", "2"))
                    .child(folder("2", "Sent Items", "5"))
                    .child(Element::new(fh::DELETE).text_child(fh::SERVER_ID, "9")),
            );
        assert_eq!(
            doc.folder_sync_folders(),
            vec![
                ("1".into(), "0".into(), "Inbox".into(), 2),
                ("2".into(), "0".into(), "Sent Items".into(), 5)
            ]
        );
        assert_eq!(doc.folder_sync_deletes(), vec!["9"]);
        assert!(doc.folder_sync_updates().is_empty());
    }

    #[test]
    fn every_request_builder_encodes_to_wbxml_that_libwbxml_reads() {
        let docs = vec![
            sync_initial("5"),
            sync(
                "5",
                "K",
                5,
                SyncOpts::default()
                    .filter_type(0)
                    .body_preference(BodyPref::new(2).truncation(100).preview(50))
                    .mime_support(1)
                    .mime_truncation(1)
                    .get_changes(true)
                    .deletes_as_moves(true),
            ),
            sync_with_commands(
                "5",
                "K",
                vec![
                    change_read("5:1", false),
                    change_flag("5:1", 1),
                    change_categories("5:1", &[]),
                    delete("5:2"),
                    fetch("5:3"),
                ],
            ),
            folder_create("1", "0", "X", 12),
            folder_update("1", "f", "0", "Y"),
            folder_delete("1", "f"),
            get_item_estimate(&[("K", "5")], "12.1"),
            get_item_estimate_with(&[("K", "5")], "16.1", Some(3), Some("Email")),
            item_operations(vec![
                io_fetch_item("5", "5:1", 2),
                io_fetch_attachment("ref"),
                io_empty_folder("5", true),
            ]),
            move_items(&[("5:1", "5", "6")]),
        ];
        let dir = tempfile::tempdir().unwrap();
        for doc in docs {
            let bytes = wbxml::encode(&doc);
            assert_eq!(wbxml::decode(&bytes).unwrap(), doc);
            let path = dir.path().join("req.wbxml");
            std::fs::write(&path, &bytes).unwrap();
            if let Err(e) = crate::validate::libwbxml(&path) {
                panic!("{e}\n{}", doc.to_xml());
            }
        }
    }

    #[test]
    fn the_server_readers_accept_the_documents() {
        // Written independently from the eas crate; a disagreement means one of the two misreads
        // MS-ASCMD (as with the query encoders).
        let opts = SyncOpts::default()
            .filter_type(2)
            .class("Email")
            .body_preference(
                BodyPref::new(2)
                    .truncation(512)
                    .all_or_none(true)
                    .preview(64),
            )
            .body_preference(BodyPref::new(1))
            .mime_support(2)
            .mime_truncation(4)
            .deletes_as_moves(false)
            .get_changes(true);
        let doc = sync_multi(vec![
            sync_collection_request(
                "5",
                "K1",
                Some(20),
                &opts,
                vec![
                    change_read("5:1", true),
                    change_flag("5:1", 2),
                    delete("5:2"),
                    fetch("5:3"),
                ],
            ),
            sync_collection_request("6", "K2", None, &SyncOpts::default(), Vec::new()),
        ]);
        let req = eas::SyncRequest::from_element(&doc).expect("Sync");
        assert_eq!(req.collections.len(), 2);
        let c = &req.collections[0];
        assert_eq!((c.sync_key.as_str(), c.collection_id.as_str()), ("K1", "5"));
        assert_eq!(
            (c.window_size, c.get_changes, c.deletes_as_moves),
            (Some(20), Some(true), Some(false))
        );
        assert_eq!(c.commands.len(), 4);
        let o = &c.options[0];
        assert_eq!(o.filter_type.map(|f| f.code()), Some(2));
        assert_eq!(o.class.as_deref(), Some("Email"));
        assert_eq!(o.body_preferences.len(), 2);
        assert_eq!(o.body_preferences[0].truncation_size, Some(512));
        assert!(o.body_preferences[0].all_or_none);
        assert_eq!(o.body_preferences[0].preview, Some(64));

        for version in ["12.1", "14.1"] {
            let doc = get_item_estimate_with(
                &[("K1", "5"), ("K2", "6")],
                version,
                Some(3),
                Some("Email"),
            );
            let req = eas::GetItemEstimateRequest::from_element(&doc).expect("GetItemEstimate");
            assert_eq!(req.collections.len(), 2, "{version}");
            let c = &req.collections[1];
            assert_eq!(
                c.sync_key.as_ref().map(|k| k.as_str()),
                Some("K2"),
                "{version}"
            );
            assert_eq!(c.collection_id.as_str(), "6");
            assert_eq!(c.filter_type.map(|f| f.code()), Some(3), "{version}");
            assert_eq!(c.class.as_deref(), Some("Email"), "{version}");
        }

        let create =
            eas::FolderCreateRequest::from_element(&folder_create("1", "0", "P", 12)).unwrap();
        assert_eq!(
            (create.display_name.as_str(), create.folder_type.code()),
            ("P", 12)
        );
        let update =
            eas::FolderUpdateRequest::from_element(&folder_update("1", "f", "0", "Q")).unwrap();
        assert_eq!(
            (update.server_id.as_str(), update.display_name.as_str()),
            ("f", "Q")
        );
        let delete = eas::FolderDeleteRequest::from_element(&folder_delete("1", "f")).unwrap();
        assert_eq!(delete.server_id.as_str(), "f");

        let doc = item_operations(vec![
            io_fetch_item("5", "5:1", 4),
            io_fetch_attachment("5:1:0"),
            io_empty_folder("7", true),
        ]);
        let req = eas::ItemOperationsRequest::from_element(&doc).expect("ItemOperations");
        assert_eq!(req.operations.len(), 3);
        assert!(
            matches!(&req.operations[1], eas::item_operations::ItemOperation::Fetch {
            target: eas::item_operations::FetchTarget::FileReference(r), .. } if r == "5:1:0")
        );
        assert!(matches!(
            &req.operations[2],
            eas::item_operations::ItemOperation::EmptyFolderContents {
                delete_sub_folders: true,
                ..
            }
        ));

        let req = eas::MoveItemsRequest::from_element(&move_items(&[("5:1", "5", "8")])).unwrap();
        assert_eq!(req.moves[0].src_msg_id, "5:1");
        assert_eq!(req.moves[0].dst_fld_id.as_str(), "8");
    }
}
