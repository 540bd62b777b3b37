//! The EAS elements that are one line's whole value: which pool slot each reads, and how the
//! value is shown to the device and written back.

use eas::contact::Contact;
use wbxml::{Tag, tags::contacts as c, tags::contacts2 as c2};

use super::card::{Line, Param, escape_text};
use super::layout::Pool;

/// How a line's value becomes the element's text and back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Text,
    /// `tel:` URIs are shown without the scheme.
    Tel,
    /// `mailto:` is dropped; a device's `"Name" <addr>` is stored as `addr`.
    Email,
    /// URIs are written unescaped.
    Uri,
    /// IMPP URIs are shown without the scheme of a known service.
    Im,
}

/// One element filled by slot `n` of a pool.
pub(crate) struct SlotField {
    pub pool: Pool,
    pub n: usize,
    pub tag: Tag,
    pub kind: Kind,
    pub get: fn(&Contact) -> &Option<String>,
    pub set: fn(&mut Contact) -> &mut Option<String>,
}

macro_rules! slot {
    ($pool:ident, $n:expr, $tag:expr, $kind:ident, $field:ident) => {
        SlotField {
            pool: Pool::$pool,
            n: $n,
            tag: $tag,
            kind: Kind::$kind,
            get: |x| &x.$field,
            set: |x| &mut x.$field,
        }
    };
}

pub(crate) const SLOT_FIELDS: [SlotField; 32] = [
    slot!(Mobile, 0, c::MOBILE_PHONE_NUMBER, Tel, mobile_phone_number),
    slot!(HomeTel, 0, c::HOME_PHONE_NUMBER, Tel, home_phone_number),
    slot!(HomeTel, 1, c::HOME2_PHONE_NUMBER, Tel, home2_phone_number),
    slot!(
        WorkTel,
        0,
        c::BUSINESS_PHONE_NUMBER,
        Tel,
        business_phone_number
    ),
    slot!(
        WorkTel,
        1,
        c::BUSINESS2_PHONE_NUMBER,
        Tel,
        business2_phone_number
    ),
    slot!(HomeFax, 0, c::HOME_FAX_NUMBER, Tel, home_fax_number),
    slot!(WorkFax, 0, c::BUSINESS_FAX_NUMBER, Tel, business_fax_number),
    slot!(Car, 0, c::CAR_PHONE_NUMBER, Tel, car_phone_number),
    slot!(Pager, 0, c::PAGER_NUMBER, Tel, pager_number),
    slot!(Radio, 0, c::RADIO_PHONE_NUMBER, Tel, radio_phone_number),
    slot!(
        AssistantTel,
        0,
        c::ASSISTANT_PHONE_NUMBER,
        Tel,
        assistant_phone_number
    ),
    slot!(
        CompanyMain,
        0,
        c2::COMPANY_MAIN_PHONE,
        Tel,
        company_main_phone
    ),
    slot!(Mms, 0, c2::MMS, Tel, mms),
    slot!(Email, 0, c::EMAIL1_ADDRESS, Email, email1_address),
    slot!(Email, 1, c::EMAIL2_ADDRESS, Email, email2_address),
    slot!(Email, 2, c::EMAIL3_ADDRESS, Email, email3_address),
    slot!(Url, 0, c::WEB_PAGE, Uri, web_page),
    slot!(Im, 0, c2::IM_ADDRESS, Im, im_address),
    slot!(Im, 1, c2::IM_ADDRESS2, Im, im_address2),
    slot!(Im, 2, c2::IM_ADDRESS3, Im, im_address3),
    slot!(JobTitle, 0, c::JOB_TITLE, Text, job_title),
    slot!(NickName, 0, c2::NICK_NAME, Text, nick_name),
    slot!(Office, 0, c::OFFICE_LOCATION, Text, office_location),
    slot!(CustomerId, 0, c2::CUSTOMER_ID, Text, customer_id),
    slot!(GovernmentId, 0, c2::GOVERNMENT_ID, Text, government_id),
    slot!(AccountName, 0, c2::ACCOUNT_NAME, Text, account_name),
    slot!(YomiFirst, 0, c::YOMI_FIRST_NAME, Text, yomi_first_name),
    slot!(YomiLast, 0, c::YOMI_LAST_NAME, Text, yomi_last_name),
    slot!(
        YomiCompany,
        0,
        c::YOMI_COMPANY_NAME,
        Text,
        yomi_company_name
    ),
    slot!(Assistant, 0, c::ASSISTANT_NAME, Text, assistant_name),
    slot!(Manager, 0, c2::MANAGER_NAME, Text, manager_name),
    slot!(Spouse, 0, c::SPOUSE, Text, spouse),
];

/// URI schemes of instant messaging services, shown without the scheme.
const IM_SCHEMES: [&str; 10] = [
    "xmpp:", "aim:", "skype:", "ymsgr:", "msnim:", "icq:", "gtalk:", "im:", "qq:", "x-apple:",
];

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len() && s.is_char_boundary(prefix.len()))
        .then(|| s.split_at(prefix.len()))
        .filter(|(head, _)| head.eq_ignore_ascii_case(prefix))
        .map(|(_, rest)| rest)
}

impl Kind {
    /// The element text of a line.
    pub fn render(self, line: &Line) -> String {
        let text = line.text();
        match self {
            Kind::Text | Kind::Uri => text,
            Kind::Tel => strip_prefix_ci(&text, "tel:").unwrap_or(&text).to_owned(),
            Kind::Email => strip_prefix_ci(&text, "mailto:")
                .unwrap_or(&text)
                .to_owned(),
            Kind::Im if line.is("IMPP") => IM_SCHEMES
                .iter()
                .find_map(|s| strip_prefix_ci(&text, s))
                .unwrap_or(&text)
                .to_owned(),
            Kind::Im => text,
        }
    }

    /// A device's value in the form it is compared and stored in.
    pub fn normalize(self, value: &str) -> String {
        match self {
            Kind::Email => email_address(value),
            Kind::Text => value.replace("\r\n", "\n"),
            _ => value.replace(['\r', '\n'], ""),
        }
    }

    /// The value text (escaped as the property needs) and the parameters to write for a
    /// normalized device value, given the line it replaces (if any).
    pub fn write(
        self,
        value: &str,
        old: Option<&Line>,
        mut params: Vec<Param>,
    ) -> (String, Vec<Param>) {
        let text = match self {
            Kind::Text | Kind::Email => escape_text(value),
            Kind::Tel => {
                // A changed `VALUE=uri` number becomes text: a device's number is free text.
                params.retain(|p| !p.name.eq_ignore_ascii_case("VALUE"));
                escape_text(value)
            }
            Kind::Uri => value.to_owned(),
            Kind::Im => {
                let is_impp = old.is_none_or(|l| l.is("IMPP"));
                let has_scheme = value.split_once(':').is_some_and(|(s, _)| {
                    !s.is_empty()
                        && s.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                });
                if !is_impp || has_scheme {
                    value.to_owned()
                } else {
                    let old_scheme = old.and_then(|l| {
                        let t = l.text();
                        IM_SCHEMES
                            .iter()
                            .find(|s| strip_prefix_ci(&t, s).is_some())
                            .copied()
                    });
                    let scheme =
                        old_scheme.unwrap_or(if value.contains('@') { "xmpp:" } else { "im:" });
                    format!("{scheme}{value}")
                }
            }
        };
        (text, params)
    }
}

/// `addr` of `"Name" <addr>` (what Outlook and Exchange-minded clients send), else the text.
pub(crate) fn email_address(value: &str) -> String {
    let v = value.trim();
    match (v.rfind('<'), v.rfind('>')) {
        (Some(a), Some(b)) if a < b => v[a + 1..b].trim().to_owned(),
        _ => v.to_owned(),
    }
}
