//! Request documents devices send, built from `wbxml::tags`, and helpers to read responses.
//!
//! Build others the same way:
//!
//! ```
//! use eas_test_client::{Element, tags::folderhierarchy as fh};
//! let doc = Element::new(fh::FOLDER_SYNC).text_child(fh::SYNC_KEY, "0");
//! ```

use std::borrow::Cow;

use wbxml::tags::{folderhierarchy as fh, provision as p, settings as s};
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
}
