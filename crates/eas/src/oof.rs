//! Out-of-office settings as the Settings command carries them (MS-ASCMD 2.2.3.122 Oof and its
//! children). The gateway maps them onto Sieve vacation; this module only reads and writes
//! the EAS form.

use wbxml::{Element, tags::settings as s};

use crate::error::{ProtocolError, bool_text, optional_text, parse_bool, parse_text, text_of};

/// OofState (MS-ASCMD 2.2.3.124).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OofState {
    Disabled = 0,
    /// On until turned off.
    Global = 1,
    /// On between StartTime and EndTime.
    TimeBased = 2,
}

impl OofState {
    pub fn from_code(code: u8) -> Option<OofState> {
        [OofState::Disabled, OofState::Global, OofState::TimeBased]
            .into_iter()
            .find(|s| *s as u8 == code)
    }
}

/// Who an OOF message is for (the AppliesTo* element present in an OofMessage).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OofAudience {
    Internal,
    ExternalKnown,
    ExternalUnknown,
}

/// BodyType of an OOF message: `Text` or `HTML`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OofBodyType {
    Text,
    Html,
}

impl OofBodyType {
    pub fn as_str(self) -> &'static str {
        match self {
            OofBodyType::Text => "Text",
            OofBodyType::Html => "HTML",
        }
    }

    fn from_element(el: &Element) -> Result<OofBodyType, ProtocolError> {
        let text = text_of(el)?;
        match text.trim() {
            t if t.eq_ignore_ascii_case("Text") => Ok(OofBodyType::Text),
            t if t.eq_ignore_ascii_case("HTML") => Ok(OofBodyType::Html),
            _ => Err(ProtocolError::Invalid {
                element: el.tag,
                value: text,
            }),
        }
    }
}

/// One OofMessage: the reply for one audience.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OofMessage {
    pub audience: OofAudience,
    /// Absent `Enabled` reads as false.
    pub enabled: bool,
    pub reply_message: Option<String>,
    pub body_type: Option<OofBodyType>,
}

/// The OOF settings of a Set request or a Get response.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OofSettings {
    pub state: Option<OofState>,
    /// xs:dateTime, as sent (e.g. `2024-03-01T08:00:00.000Z`).
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    /// At most three: one per audience.
    pub messages: Vec<OofMessage>,
}

/// What the device asks about OOF.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OofRequest {
    /// Read the settings; replies in this body type.
    Get {
        body_type: Option<OofBodyType>,
    },
    Set(OofSettings),
}

impl OofRequest {
    /// Reads the `Oof` element of a Settings request.
    pub(crate) fn from_element(oof: &Element) -> Result<OofRequest, ProtocolError> {
        if let Some(get) = oof.find(s::GET) {
            let body_type = get
                .find(s::BODY_TYPE)
                .map(OofBodyType::from_element)
                .transpose()?;
            return Ok(OofRequest::Get { body_type });
        }
        match oof.find(s::SET) {
            Some(set) => Ok(OofRequest::Set(OofSettings::from_children(set)?)),
            None => Err(ProtocolError::Missing {
                element: s::GET,
                parent: oof.tag,
            }),
        }
    }

    pub(crate) fn to_element(&self) -> Element {
        match self {
            OofRequest::Get { body_type } => {
                let mut get = Element::new(s::GET);
                if let Some(b) = body_type {
                    get.push(Element::with_text(s::BODY_TYPE, b.as_str()));
                }
                Element::new(s::OOF).child(get)
            }
            OofRequest::Set(settings) => Element::new(s::OOF).child(settings.to_element(s::SET)),
        }
    }
}

impl OofSettings {
    fn from_children(parent: &Element) -> Result<OofSettings, ProtocolError> {
        let state = match parent.find(s::OOF_STATE) {
            None => None,
            Some(el) => {
                let code: u8 = parse_text(el)?;
                let state = OofState::from_code(code).ok_or_else(|| ProtocolError::Invalid {
                    element: el.tag,
                    value: code.to_string(),
                })?;
                Some(state)
            }
        };
        let messages = parent
            .find_all(s::OOF_MESSAGE)
            .map(OofMessage::from_element)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(OofSettings {
            state,
            start_time: optional_text(parent, s::START_TIME)?,
            end_time: optional_text(parent, s::END_TIME)?,
            messages,
        })
    }

    /// The settings as children of `container` (`Set` in a request, `Get` in a response), in
    /// the order of `SettingsResponse.xsd`: OofState, StartTime, EndTime, OofMessage*.
    pub(crate) fn to_element(&self, container: wbxml::Tag) -> Element {
        let mut el = Element::new(container);
        if let Some(state) = self.state {
            el.push(Element::with_text(s::OOF_STATE, (state as u8).to_string()));
        }
        if let Some(t) = &self.start_time {
            el.push(Element::with_text(s::START_TIME, t.as_str()));
        }
        if let Some(t) = &self.end_time {
            el.push(Element::with_text(s::END_TIME, t.as_str()));
        }
        for m in &self.messages {
            el.push(m.to_element());
        }
        el
    }
}

impl OofMessage {
    fn from_element(el: &Element) -> Result<OofMessage, ProtocolError> {
        let audience = if el.find(s::APPLIES_TO_INTERNAL).is_some() {
            OofAudience::Internal
        } else if el.find(s::APPLIES_TO_EXTERNAL_KNOWN).is_some() {
            OofAudience::ExternalKnown
        } else if el.find(s::APPLIES_TO_EXTERNAL_UNKNOWN).is_some() {
            OofAudience::ExternalUnknown
        } else {
            return Err(ProtocolError::Missing {
                element: s::APPLIES_TO_INTERNAL,
                parent: el.tag,
            });
        };
        Ok(OofMessage {
            audience,
            enabled: el
                .find(s::ENABLED)
                .map(parse_bool)
                .transpose()?
                .unwrap_or(false),
            reply_message: optional_text(el, s::REPLY_MESSAGE)?,
            body_type: el
                .find(s::BODY_TYPE)
                .map(OofBodyType::from_element)
                .transpose()?,
        })
    }

    fn to_element(&self) -> Element {
        let applies = match self.audience {
            OofAudience::Internal => s::APPLIES_TO_INTERNAL,
            OofAudience::ExternalKnown => s::APPLIES_TO_EXTERNAL_KNOWN,
            OofAudience::ExternalUnknown => s::APPLIES_TO_EXTERNAL_UNKNOWN,
        };
        let mut el = Element::new(s::OOF_MESSAGE)
            .child(Element::new(applies))
            .text_child(s::ENABLED, bool_text(self.enabled));
        if let Some(m) = &self.reply_message {
            el.push(Element::with_text(s::REPLY_MESSAGE, m.as_str()));
        }
        if let Some(b) = self.body_type {
            el.push(Element::with_text(s::BODY_TYPE, b.as_str()));
        }
        el
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_oof_set_round_trips() {
        let settings = OofSettings {
            state: Some(OofState::TimeBased),
            start_time: Some("2024-03-01T08:00:00.000Z".into()),
            end_time: Some("2024-03-08T17:00:00.000Z".into()),
            messages: vec![
                OofMessage {
                    audience: OofAudience::Internal,
                    enabled: true,
                    reply_message: Some("Away until Friday".into()),
                    body_type: Some(OofBodyType::Text),
                },
                OofMessage {
                    audience: OofAudience::ExternalUnknown,
                    enabled: false,
                    reply_message: None,
                    body_type: None,
                },
            ],
        };
        let req = OofRequest::Set(settings);
        assert_eq!(OofRequest::from_element(&req.to_element()), Ok(req));
    }

    #[test]
    fn an_oof_get_names_the_body_type() {
        let req = OofRequest::Get {
            body_type: Some(OofBodyType::Html),
        };
        assert_eq!(OofRequest::from_element(&req.to_element()), Ok(req));
    }

    #[test]
    fn an_oof_message_without_audience_or_with_a_bad_state_is_rejected() {
        let set =
            Element::new(s::SET).child(Element::new(s::OOF_MESSAGE).text_child(s::ENABLED, "1"));
        let oof = Element::new(s::OOF).child(set);
        assert!(matches!(
            OofRequest::from_element(&oof),
            Err(ProtocolError::Missing { .. })
        ));
        let set = Element::new(s::SET).text_child(s::OOF_STATE, "7");
        let oof = Element::new(s::OOF).child(set);
        assert!(matches!(
            OofRequest::from_element(&oof),
            Err(ProtocolError::Invalid { .. })
        ));
    }
}
