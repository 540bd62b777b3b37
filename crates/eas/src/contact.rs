//! The Contacts class (MS-ASCNTC): a contact's `ApplicationData` as the server sends it in a
//! Sync Add, Change or Fetch, and as a device sends it in a Sync Add or Change. Elements of the
//! `Contacts` and `Contacts2` namespaces and `airsyncbase:Body` (12.0+, MS-ASCNTC 2.2.2.7.1).
//!
//! Every field is optional: `None` is "element absent" (in a device's Change that is either a
//! ghosted element or a deletion, see `convert::merge::Ghosting`), `Some("")` an empty element.
//! Dates are UTC Unix seconds.

use wbxml::{Element, Tag, tags::airsyncbase as asb, tags::contacts as c, tags::contacts2 as c2};

use crate::airsyncbase::Body;
use crate::date::{format_utc, parse_utc};
use crate::error::{ProtocolError, parse_text, text_of};
use crate::version::ProtocolVersion;

/// Most `Category` or `Child` elements one contact may carry (Contacts.xsd `maxOccurs="300"`).
pub const MAX_LIST_ITEMS: usize = 300;

/// The largest `Picture` MS-ASCNTC 2.2.2.58 allows: 48 KB of base64 text (about 36 KB of
/// image). A device that sends more gets Sync status 6.
pub const MAX_PICTURE_BASE64_BYTES: usize = 48 * 1024;

/// A contact: every element of MS-ASCNTC 2.2.2.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contact {
    /// `Anniversary` (dateTime; the time of day carries no meaning, see MS-ASCNTC 2.2.2.6).
    pub anniversary: Option<i64>,
    pub assistant_name: Option<String>,
    /// `AssistantPhoneNumber` (read also under its misspelt 2.5 name `AssistnamePhoneNumber`,
    /// which has the same token).
    pub assistant_phone_number: Option<String>,
    /// `Birthday` (dateTime; the time of day SHOULD be ignored, MS-ASCNTC 2.2.2.6).
    pub birthday: Option<i64>,
    /// `airsyncbase:Body`: the contact's notes.
    pub body: Option<Body>,
    pub business2_phone_number: Option<String>,
    pub business_address_city: Option<String>,
    pub business_phone_number: Option<String>,
    pub web_page: Option<String>,
    pub business_address_country: Option<String>,
    pub department: Option<String>,
    pub email1_address: Option<String>,
    pub email2_address: Option<String>,
    pub email3_address: Option<String>,
    pub business_fax_number: Option<String>,
    pub file_as: Option<String>,
    /// Only in recipient information cache (Search) results, 14.0+; never written in Sync.
    pub alias: Option<String>,
    /// Only in recipient information cache (Search) results, 14.0+; never written in Sync.
    pub weighted_rank: Option<i32>,
    pub first_name: Option<String>,
    pub middle_name: Option<String>,
    pub home_address_city: Option<String>,
    pub home_address_country: Option<String>,
    pub home_fax_number: Option<String>,
    pub home_phone_number: Option<String>,
    pub home2_phone_number: Option<String>,
    pub home_address_postal_code: Option<String>,
    pub home_address_state: Option<String>,
    pub home_address_street: Option<String>,
    pub mobile_phone_number: Option<String>,
    pub suffix: Option<String>,
    pub company_name: Option<String>,
    pub other_address_city: Option<String>,
    pub other_address_country: Option<String>,
    pub car_phone_number: Option<String>,
    pub other_address_postal_code: Option<String>,
    pub other_address_state: Option<String>,
    pub other_address_street: Option<String>,
    pub pager_number: Option<String>,
    /// The honorific (Mr., Dr.); the job title is [`Contact::job_title`].
    pub title: Option<String>,
    pub business_address_postal_code: Option<String>,
    pub last_name: Option<String>,
    pub spouse: Option<String>,
    pub business_address_state: Option<String>,
    pub business_address_street: Option<String>,
    pub job_title: Option<String>,
    pub yomi_first_name: Option<String>,
    pub yomi_last_name: Option<String>,
    pub yomi_company_name: Option<String>,
    pub office_location: Option<String>,
    pub radio_phone_number: Option<String>,
    /// Base64 text of the image. iOS sends an empty `<Picture/>` (`Some("")`) with every edit.
    pub picture: Option<String>,
    /// `Some(vec![])` is an empty `<Categories/>`: the device removed every category.
    pub categories: Option<Vec<String>>,
    /// `Some(vec![])` is an empty `<Children/>`.
    pub children: Option<Vec<String>>,
    // Contacts2 (MS-ASCNTC 2.2.2, all versions 12.0+).
    pub customer_id: Option<String>,
    pub government_id: Option<String>,
    pub im_address: Option<String>,
    pub im_address2: Option<String>,
    pub im_address3: Option<String>,
    pub manager_name: Option<String>,
    pub company_main_phone: Option<String>,
    pub account_name: Option<String>,
    pub nick_name: Option<String>,
    pub mms: Option<String>,
}

/// One step of the written order.
enum Item<'a> {
    Text(Tag, &'a Option<String>),
    Date(Tag, Option<i64>),
    Body,
    List(Tag, Tag, &'a Option<Vec<String>>),
}

impl Contact {
    /// The elements in the order of the `AllProps` groups of Contacts.xsd and Contacts2.xsd
    /// (`airsyncbase:Body` where Contacts.xsd has its 2.5 `Body`). `Alias` and `WeightedRank`
    /// are left out: they belong to recipient information cache results only.
    fn items(&self) -> Vec<Item<'_>> {
        use Item::{Date, List, Text};
        vec![
            Date(c::ANNIVERSARY, self.anniversary),
            Text(c::ASSISTANT_NAME, &self.assistant_name),
            Text(c::ASSISTANT_PHONE_NUMBER, &self.assistant_phone_number),
            Date(c::BIRTHDAY, self.birthday),
            Item::Body,
            Text(c::BUSINESS2_PHONE_NUMBER, &self.business2_phone_number),
            Text(c::BUSINESS_ADDRESS_CITY, &self.business_address_city),
            Text(c::BUSINESS_PHONE_NUMBER, &self.business_phone_number),
            Text(c::WEB_PAGE, &self.web_page),
            Text(c::BUSINESS_ADDRESS_COUNTRY, &self.business_address_country),
            Text(c::DEPARTMENT, &self.department),
            Text(c::EMAIL1_ADDRESS, &self.email1_address),
            Text(c::EMAIL2_ADDRESS, &self.email2_address),
            Text(c::EMAIL3_ADDRESS, &self.email3_address),
            Text(c::BUSINESS_FAX_NUMBER, &self.business_fax_number),
            Text(c::FILE_AS, &self.file_as),
            Text(c::FIRST_NAME, &self.first_name),
            Text(c::MIDDLE_NAME, &self.middle_name),
            Text(c::HOME_ADDRESS_CITY, &self.home_address_city),
            Text(c::HOME_ADDRESS_COUNTRY, &self.home_address_country),
            Text(c::HOME_FAX_NUMBER, &self.home_fax_number),
            Text(c::HOME_PHONE_NUMBER, &self.home_phone_number),
            Text(c::HOME2_PHONE_NUMBER, &self.home2_phone_number),
            Text(c::HOME_ADDRESS_POSTAL_CODE, &self.home_address_postal_code),
            Text(c::HOME_ADDRESS_STATE, &self.home_address_state),
            Text(c::HOME_ADDRESS_STREET, &self.home_address_street),
            Text(c::MOBILE_PHONE_NUMBER, &self.mobile_phone_number),
            Text(c::SUFFIX, &self.suffix),
            Text(c::COMPANY_NAME, &self.company_name),
            Text(c::OTHER_ADDRESS_CITY, &self.other_address_city),
            Text(c::OTHER_ADDRESS_COUNTRY, &self.other_address_country),
            Text(c::CAR_PHONE_NUMBER, &self.car_phone_number),
            Text(
                c::OTHER_ADDRESS_POSTAL_CODE,
                &self.other_address_postal_code,
            ),
            Text(c::OTHER_ADDRESS_STATE, &self.other_address_state),
            Text(c::OTHER_ADDRESS_STREET, &self.other_address_street),
            Text(c::PAGER_NUMBER, &self.pager_number),
            Text(c::TITLE, &self.title),
            Text(
                c::BUSINESS_ADDRESS_POSTAL_CODE,
                &self.business_address_postal_code,
            ),
            Text(c::LAST_NAME, &self.last_name),
            Text(c::SPOUSE, &self.spouse),
            Text(c::BUSINESS_ADDRESS_STATE, &self.business_address_state),
            Text(c::BUSINESS_ADDRESS_STREET, &self.business_address_street),
            Text(c::JOB_TITLE, &self.job_title),
            Text(c::YOMI_FIRST_NAME, &self.yomi_first_name),
            Text(c::YOMI_LAST_NAME, &self.yomi_last_name),
            Text(c::YOMI_COMPANY_NAME, &self.yomi_company_name),
            Text(c::OFFICE_LOCATION, &self.office_location),
            Text(c::RADIO_PHONE_NUMBER, &self.radio_phone_number),
            Text(c::PICTURE, &self.picture),
            List(c::CATEGORIES, c::CATEGORY, &self.categories),
            List(c::CHILDREN, c::CHILD, &self.children),
            Text(c2::CUSTOMER_ID, &self.customer_id),
            Text(c2::GOVERNMENT_ID, &self.government_id),
            Text(c2::IM_ADDRESS, &self.im_address),
            Text(c2::IM_ADDRESS2, &self.im_address2),
            Text(c2::IM_ADDRESS3, &self.im_address3),
            Text(c2::MANAGER_NAME, &self.manager_name),
            Text(c2::COMPANY_MAIN_PHONE, &self.company_main_phone),
            Text(c2::ACCOUNT_NAME, &self.account_name),
            Text(c2::NICK_NAME, &self.nick_name),
            Text(c2::MMS, &self.mms),
        ]
    }

    /// The string field an element fills, for the reader.
    fn text_field(&mut self, tag: Tag) -> Option<&mut Option<String>> {
        Some(match tag {
            c::ASSISTANT_NAME => &mut self.assistant_name,
            c::ASSISTANT_PHONE_NUMBER => &mut self.assistant_phone_number,
            c::BUSINESS2_PHONE_NUMBER => &mut self.business2_phone_number,
            c::BUSINESS_ADDRESS_CITY => &mut self.business_address_city,
            c::BUSINESS_PHONE_NUMBER => &mut self.business_phone_number,
            c::WEB_PAGE => &mut self.web_page,
            c::BUSINESS_ADDRESS_COUNTRY => &mut self.business_address_country,
            c::DEPARTMENT => &mut self.department,
            c::EMAIL1_ADDRESS => &mut self.email1_address,
            c::EMAIL2_ADDRESS => &mut self.email2_address,
            c::EMAIL3_ADDRESS => &mut self.email3_address,
            c::BUSINESS_FAX_NUMBER => &mut self.business_fax_number,
            c::FILE_AS => &mut self.file_as,
            c::ALIAS => &mut self.alias,
            c::FIRST_NAME => &mut self.first_name,
            c::MIDDLE_NAME => &mut self.middle_name,
            c::HOME_ADDRESS_CITY => &mut self.home_address_city,
            c::HOME_ADDRESS_COUNTRY => &mut self.home_address_country,
            c::HOME_FAX_NUMBER => &mut self.home_fax_number,
            c::HOME_PHONE_NUMBER => &mut self.home_phone_number,
            c::HOME2_PHONE_NUMBER => &mut self.home2_phone_number,
            c::HOME_ADDRESS_POSTAL_CODE => &mut self.home_address_postal_code,
            c::HOME_ADDRESS_STATE => &mut self.home_address_state,
            c::HOME_ADDRESS_STREET => &mut self.home_address_street,
            c::MOBILE_PHONE_NUMBER => &mut self.mobile_phone_number,
            c::SUFFIX => &mut self.suffix,
            c::COMPANY_NAME => &mut self.company_name,
            c::OTHER_ADDRESS_CITY => &mut self.other_address_city,
            c::OTHER_ADDRESS_COUNTRY => &mut self.other_address_country,
            c::CAR_PHONE_NUMBER => &mut self.car_phone_number,
            c::OTHER_ADDRESS_POSTAL_CODE => &mut self.other_address_postal_code,
            c::OTHER_ADDRESS_STATE => &mut self.other_address_state,
            c::OTHER_ADDRESS_STREET => &mut self.other_address_street,
            c::PAGER_NUMBER => &mut self.pager_number,
            c::TITLE => &mut self.title,
            c::BUSINESS_ADDRESS_POSTAL_CODE => &mut self.business_address_postal_code,
            c::LAST_NAME => &mut self.last_name,
            c::SPOUSE => &mut self.spouse,
            c::BUSINESS_ADDRESS_STATE => &mut self.business_address_state,
            c::BUSINESS_ADDRESS_STREET => &mut self.business_address_street,
            c::JOB_TITLE => &mut self.job_title,
            c::YOMI_FIRST_NAME => &mut self.yomi_first_name,
            c::YOMI_LAST_NAME => &mut self.yomi_last_name,
            c::YOMI_COMPANY_NAME => &mut self.yomi_company_name,
            c::OFFICE_LOCATION => &mut self.office_location,
            c::RADIO_PHONE_NUMBER => &mut self.radio_phone_number,
            c::PICTURE => &mut self.picture,
            c2::CUSTOMER_ID => &mut self.customer_id,
            c2::GOVERNMENT_ID => &mut self.government_id,
            c2::IM_ADDRESS => &mut self.im_address,
            c2::IM_ADDRESS2 => &mut self.im_address2,
            c2::IM_ADDRESS3 => &mut self.im_address3,
            c2::MANAGER_NAME => &mut self.manager_name,
            c2::COMPANY_MAIN_PHONE => &mut self.company_main_phone,
            c2::ACCOUNT_NAME => &mut self.account_name,
            c2::NICK_NAME => &mut self.nick_name,
            c2::MMS => &mut self.mms,
            _ => return None,
        })
    }

    /// Reads a device's `ApplicationData` (Sync Add or Change). Unknown children, and the 2.5
    /// `contacts:Body`/`BodySize`/`BodyTruncated`, are ignored. `Picture` is read as sent
    /// (text or opaque), an empty element as `Some("")`.
    pub fn from_application_data(
        el: &Element,
        _version: ProtocolVersion,
    ) -> Result<Contact, ProtocolError> {
        let mut contact = Contact::default();
        for child in el.elements() {
            match child.tag {
                c::ANNIVERSARY => contact.anniversary = date_of(child)?,
                c::BIRTHDAY => contact.birthday = date_of(child)?,
                c::WEIGHTED_RANK => contact.weighted_rank = Some(parse_text(child)?),
                asb::BODY => contact.body = Some(Body::from_element(child)?),
                c::CATEGORIES => contact.categories = Some(list_of(child, c::CATEGORY)?),
                c::CHILDREN => contact.children = Some(list_of(child, c::CHILD)?),
                tag => {
                    if let Some(field) = contact.text_field(tag) {
                        *field = Some(text_of(child)?);
                    }
                }
            }
        }
        Ok(contact)
    }

    /// The server's `ApplicationData` for a Sync Add, Change or Fetch: every field that is
    /// `Some`, in schema order. `Alias` and `WeightedRank` are never written here (MS-ASCNTC
    /// 2.2.2.2, 2.2.2.64: recipient information cache responses only). All other elements
    /// exist in every version the gateway speaks (12.0+).
    pub fn to_application_data(&self, version: ProtocolVersion) -> Element {
        let mut el = Element::new(wbxml::tags::airsync::APPLICATION_DATA);
        for item in self.items() {
            match item {
                Item::Text(tag, Some(v)) => el.push(Element::with_text(tag, v.as_str())),
                Item::Text(_, None) | Item::Date(_, None) | Item::List(_, _, None) => {}
                Item::Date(tag, Some(t)) => el.push(Element::with_text(tag, format_utc(t))),
                Item::Body => {
                    if let Some(b) = &self.body {
                        el.push(b.to_element(version));
                    }
                }
                Item::List(tag, item_tag, Some(items)) => {
                    let mut list = Element::new(tag);
                    for v in items.iter().take(MAX_LIST_ITEMS) {
                        list.push(Element::with_text(item_tag, v.as_str()));
                    }
                    el.push(list);
                }
            }
        }
        el
    }
}

fn date_of(el: &Element) -> Result<Option<i64>, ProtocolError> {
    let text = text_of(el)?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    parse_utc(&text).map(Some).ok_or(ProtocolError::Invalid {
        element: el.tag,
        value: text,
    })
}

fn list_of(el: &Element, item: Tag) -> Result<Vec<String>, ProtocolError> {
    el.find_all(item).map(text_of).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Contact {
        Contact {
            first_name: Some("Jo".into()),
            last_name: Some("Doe".into()),
            birthday: Some(326_196_000),
            picture: Some(String::new()),
            categories: Some(vec![]),
            children: Some(vec!["Ann".into(), "Bo".into()]),
            alias: Some("jdoe".into()),
            weighted_rank: Some(3),
            nick_name: Some("JD".into()),
            ..Contact::default()
        }
    }

    #[test]
    fn sync_data_leaves_out_alias_and_weighted_rank() {
        let el = sample().to_application_data(ProtocolVersion::V16_1);
        assert!(el.find(c::ALIAS).is_none());
        assert!(el.find(c::WEIGHTED_RANK).is_none());
        let names: Vec<_> = el.elements().map(|e| e.tag.name()).collect();
        assert_eq!(
            names,
            [
                "Birthday",
                "FirstName",
                "LastName",
                "Picture",
                "Categories",
                "Children",
                "NickName"
            ]
        );
    }

    #[test]
    fn a_device_change_reads_back_including_empty_elements() {
        let mut expected = sample();
        let el = expected.to_application_data(ProtocolVersion::V14_1);
        expected.alias = None;
        expected.weighted_rank = None;
        assert_eq!(
            Contact::from_application_data(&el, ProtocolVersion::V14_1),
            Ok(expected)
        );
    }

    #[test]
    fn a_birthday_that_is_not_a_date_is_invalid() {
        let el = Element::new(wbxml::tags::airsync::APPLICATION_DATA)
            .text_child(c::BIRTHDAY, "yesterday");
        assert!(matches!(
            Contact::from_application_data(&el, ProtocolVersion::V16_1),
            Err(ProtocolError::Invalid { .. })
        ));
    }
}
