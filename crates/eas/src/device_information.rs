//! `settings:DeviceInformation`: what a device says about itself, in a Settings request
//! (MS-ASCMD 2.2.3.45) or in the initial Provision request of 14.1+ (MS-ASPROV 2.2.2.53).

use wbxml::{Element, tags::settings as s};

use crate::error::{ProtocolError, bool_text, expect_tag, optional_text, parse_bool, required};

/// The device's description. Every field is optional on the wire; MS-ASPROV 2.2.2.53 requires
/// at least `Model` in a Provision request, which the parser does not enforce. Serializable
/// because the state store keeps it with the device record.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct DeviceInformation {
    pub model: Option<String>,
    pub imei: Option<String>,
    pub friendly_name: Option<String>,
    pub os: Option<String>,
    pub os_language: Option<String>,
    pub phone_number: Option<String>,
    /// 12.1+.
    pub user_agent: Option<String>,
    /// 14.0+.
    pub enable_outbound_sms: Option<bool>,
    /// 14.0+.
    pub mobile_operator: Option<String>,
}

impl DeviceInformation {
    /// Reads `<DeviceInformation><Set>...</Set></DeviceInformation>`.
    pub fn from_element(element: &Element) -> Result<DeviceInformation, ProtocolError> {
        expect_tag(element, s::DEVICE_INFORMATION)?;
        DeviceInformation::from_set(required(element, s::SET)?)
    }

    /// Reads the children of the `Set` element.
    pub fn from_set(set: &Element) -> Result<DeviceInformation, ProtocolError> {
        Ok(DeviceInformation {
            model: optional_text(set, s::MODEL)?,
            imei: optional_text(set, s::IMEI)?,
            friendly_name: optional_text(set, s::FRIENDLY_NAME)?,
            os: optional_text(set, s::OS)?,
            os_language: optional_text(set, s::OS_LANGUAGE)?,
            phone_number: optional_text(set, s::PHONE_NUMBER)?,
            user_agent: optional_text(set, s::USER_AGENT)?,
            enable_outbound_sms: set
                .find(s::ENABLE_OUTBOUND_SMS)
                .map(parse_bool)
                .transpose()?,
            mobile_operator: optional_text(set, s::MOBILE_OPERATOR)?,
        })
    }

    /// `<DeviceInformation><Set>...</Set></DeviceInformation>`, as a client sends it (for
    /// tests and test clients).
    pub fn to_element(&self) -> Element {
        let mut set = Element::new(s::SET);
        let texts = [
            (s::MODEL, &self.model),
            (s::IMEI, &self.imei),
            (s::FRIENDLY_NAME, &self.friendly_name),
            (s::OS, &self.os),
            (s::OS_LANGUAGE, &self.os_language),
            (s::PHONE_NUMBER, &self.phone_number),
            (s::USER_AGENT, &self.user_agent),
        ];
        for (tag, value) in texts {
            if let Some(value) = value {
                set.push(Element::with_text(tag, value.as_str()));
            }
        }
        if let Some(sms) = self.enable_outbound_sms {
            set.push(Element::with_text(s::ENABLE_OUTBOUND_SMS, bool_text(sms)));
        }
        if let Some(op) = &self.mobile_operator {
            set.push(Element::with_text(s::MOBILE_OPERATOR, op.as_str()));
        }
        Element::new(s::DEVICE_INFORMATION).child(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> DeviceInformation {
        DeviceInformation {
            model: Some("iPhone15,2".into()),
            imei: Some("356938035643809".into()),
            friendly_name: Some("Jo's phone".into()),
            os: Some("iOS 17.4".into()),
            os_language: Some("en".into()),
            phone_number: Some("+15551234".into()),
            user_agent: Some("Apple-iPhone15C2/2104.20".into()),
            enable_outbound_sms: Some(false),
            mobile_operator: Some("Carrier".into()),
        }
    }

    #[test]
    fn device_information_round_trips_through_its_element() {
        let info = sample();
        assert_eq!(
            DeviceInformation::from_element(&info.to_element()),
            Ok(info)
        );
        let empty = DeviceInformation::default();
        assert_eq!(
            DeviceInformation::from_element(&empty.to_element()),
            Ok(empty)
        );
    }

    #[test]
    fn device_information_without_set_is_a_protocol_error() {
        let err = DeviceInformation::from_element(&Element::new(s::DEVICE_INFORMATION));
        assert_eq!(
            err,
            Err(ProtocolError::Missing {
                element: s::SET,
                parent: s::DEVICE_INFORMATION
            })
        );
    }

    #[test]
    fn enable_outbound_sms_must_be_a_boolean() {
        let el = Element::new(s::DEVICE_INFORMATION)
            .child(Element::new(s::SET).text_child(s::ENABLE_OUTBOUND_SMS, "maybe"));
        assert!(matches!(
            DeviceInformation::from_element(&el),
            Err(ProtocolError::Invalid { element, .. }) if element == s::ENABLE_OUTBOUND_SMS
        ));
    }
}
