//! Sync `Options` (MS-ASCMD 2.2.3.125.6): which items (FilterType), in which form (body
//! preferences, MIME), and how many.

use std::time::Duration;

use wbxml::{Element, tags::airsync as a, tags::airsyncbase as asb, tags::rightsmanagement as rm};

use crate::airsyncbase::{BodyPartPreference, BodyPreference};
use crate::error::{ProtocolError, bool_text, parse_bool_or_empty, parse_text, text_of};

/// How far back to synchronise (`FilterType`, MS-ASCMD 2.2.3.68.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FilterType {
    All = 0,
    OneDay = 1,
    ThreeDays = 2,
    OneWeek = 3,
    TwoWeeks = 4,
    OneMonth = 5,
    ThreeMonths = 6,
    SixMonths = 7,
    /// Tasks only: incomplete tasks.
    IncompleteTasks = 8,
}

impl FilterType {
    pub const ALL: [FilterType; 9] = [
        FilterType::All,
        FilterType::OneDay,
        FilterType::ThreeDays,
        FilterType::OneWeek,
        FilterType::TwoWeeks,
        FilterType::OneMonth,
        FilterType::ThreeMonths,
        FilterType::SixMonths,
        FilterType::IncompleteTasks,
    ];

    pub fn code(self) -> u8 {
        self as u8
    }

    pub fn from_code(code: u8) -> Option<FilterType> {
        FilterType::ALL.into_iter().find(|f| f.code() == code)
    }

    /// The oldest item age the filter keeps; `None` for no age limit (All, IncompleteTasks).
    /// Months count as 31 days, so that a month's filter never drops an item a device
    /// expects (Exchange and Z-Push do the same).
    pub fn max_age(self) -> Option<Duration> {
        const DAY: u64 = 86_400;
        let days = match self {
            FilterType::All | FilterType::IncompleteTasks => return None,
            FilterType::OneDay => 1,
            FilterType::ThreeDays => 3,
            FilterType::OneWeek => 7,
            FilterType::TwoWeeks => 14,
            FilterType::OneMonth => 31,
            FilterType::ThreeMonths => 3 * 31,
            FilterType::SixMonths => 6 * 31,
        };
        Some(Duration::from_secs(days * DAY))
    }

    pub(crate) fn from_element(el: &Element) -> Result<FilterType, ProtocolError> {
        let code: u8 = parse_text(el)?;
        FilterType::from_code(code).ok_or_else(|| ProtocolError::Invalid {
            element: el.tag,
            value: code.to_string(),
        })
    }
}

/// Whether the device wants messages as MIME (`MIMESupport`, MS-ASCMD 2.2.3.110.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MimeSupport {
    /// Never send MIME (the default).
    #[default]
    Never = 0,
    /// MIME for S/MIME messages only.
    SmimeOnly = 1,
    /// MIME for every message.
    Always = 2,
}

impl MimeSupport {
    pub fn code(self) -> u8 {
        self as u8
    }

    pub fn from_code(code: u8) -> Option<MimeSupport> {
        [
            MimeSupport::Never,
            MimeSupport::SmimeOnly,
            MimeSupport::Always,
        ]
        .into_iter()
        .find(|m| m.code() == code)
    }

    pub(crate) fn from_element(el: &Element) -> Result<MimeSupport, ProtocolError> {
        let code: u8 = parse_text(el)?;
        MimeSupport::from_code(code).ok_or_else(|| ProtocolError::Invalid {
            element: el.tag,
            value: code.to_string(),
        })
    }
}

/// How much MIME to send (`MIMETruncation`, MS-ASCMD 2.2.3.111): a code 0-8.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MimeTruncation(u8);

impl MimeTruncation {
    /// Send the whole message.
    pub const NONE: MimeTruncation = MimeTruncation(8);

    pub fn from_code(code: u8) -> Option<MimeTruncation> {
        (code <= 8).then_some(MimeTruncation(code))
    }

    pub fn code(self) -> u8 {
        self.0
    }

    /// The byte limit: 0 (truncate everything), 4096, 5120, 7168, 10240, 20480, 51200,
    /// 102400, or `None` for no truncation (code 8). The spec counts characters of MIME text,
    /// which is ASCII, so bytes.
    pub fn limit(self) -> Option<u64> {
        Some(match self.0 {
            0 => 0,
            1 => 4096,
            2 => 5120,
            3 => 7168,
            4 => 10_240,
            5 => 20_480,
            6 => 51_200,
            7 => 102_400,
            _ => return None,
        })
    }
}

/// One `Options` element of a Sync collection. 14.0+ devices may send two, one per class
/// (Email and SMS); 12.x devices one, with the class in the collection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncOptions {
    /// The class these options apply to; `None` for the folder's own class.
    pub class: Option<String>,
    pub filter_type: Option<FilterType>,
    pub body_preferences: Vec<BodyPreference>,
    /// 14.1+.
    pub body_part_preferences: Vec<BodyPartPreference>,
    pub mime_support: MimeSupport,
    pub mime_truncation: Option<MimeTruncation>,
    /// 0: the client's change wins a conflict; 1 (default): the server's.
    pub conflict: Option<u8>,
    /// Recipient information cache: most items wanted.
    pub max_items: Option<u32>,
    /// 14.1+: the device can show IRM-protected messages.
    pub rights_management_support: bool,
}

impl SyncOptions {
    /// The body preference for `body_type`, if the device sent one.
    pub fn body_preference(
        &self,
        body_type: crate::airsyncbase::BodyType,
    ) -> Option<&BodyPreference> {
        self.body_preferences
            .iter()
            .find(|p| p.body_type == body_type)
    }

    /// Reads an `Options` element. Unknown children (2.5's `Truncation`) are ignored.
    pub fn from_element(el: &Element) -> Result<SyncOptions, ProtocolError> {
        let mut o = SyncOptions::default();
        for child in el.elements() {
            match child.tag {
                a::FILTER_TYPE => o.filter_type = Some(FilterType::from_element(child)?),
                a::CLASS => o.class = Some(text_of(child)?.trim().to_owned()),
                asb::BODY_PREFERENCE => o
                    .body_preferences
                    .push(BodyPreference::from_element(child)?),
                asb::BODY_PART_PREFERENCE => o
                    .body_part_preferences
                    .push(BodyPartPreference::from_element(child)?),
                a::MIME_SUPPORT => o.mime_support = MimeSupport::from_element(child)?,
                a::MIME_TRUNCATION => {
                    let code: u8 = parse_text(child)?;
                    o.mime_truncation = Some(MimeTruncation::from_code(code).ok_or_else(|| {
                        ProtocolError::Invalid {
                            element: child.tag,
                            value: code.to_string(),
                        }
                    })?);
                }
                a::CONFLICT => {
                    let code: u8 = parse_text(child)?;
                    if code > 1 {
                        return Err(ProtocolError::Invalid {
                            element: child.tag,
                            value: code.to_string(),
                        });
                    }
                    o.conflict = Some(code);
                }
                a::MAX_ITEMS => o.max_items = Some(parse_text(child)?),
                rm::RIGHTS_MANAGEMENT_SUPPORT => {
                    o.rights_management_support = parse_bool_or_empty(child)?;
                }
                _ => {}
            }
        }
        Ok(o)
    }

    /// The `Options` element (for tests and test clients), in the order of MS-ASCMD's
    /// examples: FilterType, Class, BodyPreference, BodyPartPreference, Conflict, MIMESupport,
    /// MIMETruncation, MaxItems, RightsManagementSupport.
    pub fn to_element(&self) -> Element {
        let mut el = Element::new(a::OPTIONS);
        if let Some(f) = self.filter_type {
            el.push(Element::with_text(a::FILTER_TYPE, f.code().to_string()));
        }
        if let Some(c) = &self.class {
            el.push(Element::with_text(a::CLASS, c.as_str()));
        }
        for p in &self.body_preferences {
            el.push(p.to_element());
        }
        for p in &self.body_part_preferences {
            el.push(p.to_element());
        }
        if let Some(c) = self.conflict {
            el.push(Element::with_text(a::CONFLICT, c.to_string()));
        }
        if self.mime_support != MimeSupport::Never {
            el.push(Element::with_text(
                a::MIME_SUPPORT,
                self.mime_support.code().to_string(),
            ));
        }
        if let Some(t) = self.mime_truncation {
            el.push(Element::with_text(a::MIME_TRUNCATION, t.code().to_string()));
        }
        if let Some(m) = self.max_items {
            el.push(Element::with_text(a::MAX_ITEMS, m.to_string()));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::airsyncbase::BodyType;

    #[test]
    fn filter_types_have_their_codes_and_ages() {
        for (i, f) in FilterType::ALL.into_iter().enumerate() {
            assert_eq!(usize::from(f.code()), i);
            assert_eq!(FilterType::from_code(f.code()), Some(f));
        }
        assert_eq!(FilterType::from_code(9), None);
        assert_eq!(FilterType::All.max_age(), None);
        assert_eq!(FilterType::IncompleteTasks.max_age(), None);
        assert_eq!(
            FilterType::OneWeek.max_age(),
            Some(Duration::from_secs(7 * 86_400))
        );
        assert!(FilterType::SixMonths.max_age() > FilterType::ThreeMonths.max_age());
    }

    #[test]
    fn mime_truncation_codes_map_to_the_spec_limits() {
        let limits: Vec<Option<u64>> = (0..=8)
            .map(|c| MimeTruncation::from_code(c).and_then(MimeTruncation::limit))
            .collect();
        assert_eq!(
            limits,
            [
                Some(0),
                Some(4096),
                Some(5120),
                Some(7168),
                Some(10_240),
                Some(20_480),
                Some(51_200),
                Some(102_400),
                None
            ]
        );
        assert_eq!(MimeTruncation::from_code(9), None);
        assert_eq!(MimeSupport::default(), MimeSupport::Never);
        assert_eq!(MimeSupport::from_code(3), None);
    }

    #[test]
    fn options_round_trip() {
        let o = SyncOptions {
            class: Some("Email".into()),
            filter_type: Some(FilterType::TwoWeeks),
            body_preferences: vec![
                BodyPreference {
                    body_type: BodyType::Html,
                    truncation_size: Some(200_000),
                    all_or_none: false,
                    preview: Some(100),
                },
                BodyPreference::whole(BodyType::Mime),
            ],
            body_part_preferences: vec![BodyPartPreference {
                body_type: BodyType::Html,
                truncation_size: Some(5120),
                all_or_none: false,
                preview: None,
            }],
            mime_support: MimeSupport::SmimeOnly,
            mime_truncation: Some(MimeTruncation::NONE),
            conflict: Some(1),
            max_items: Some(50),
            rights_management_support: true,
        };
        assert_eq!(SyncOptions::from_element(&o.to_element()), Ok(o.clone()));
        assert!(o.body_preference(BodyType::Mime).is_some());
        assert!(o.body_preference(BodyType::Rtf).is_none());
    }

    #[test]
    fn out_of_range_option_values_are_protocol_errors() {
        for (tag, value) in [
            (a::FILTER_TYPE, "9"),
            (a::MIME_SUPPORT, "3"),
            (a::MIME_TRUNCATION, "12"),
            (a::CONFLICT, "2"),
            (a::MAX_ITEMS, "-1"),
            (a::FILTER_TYPE, "x"),
        ] {
            let el = Element::new(a::OPTIONS).text_child(tag, value);
            assert!(
                matches!(SyncOptions::from_element(&el), Err(ProtocolError::Invalid { element, .. }) if element == tag),
                "{tag:?} {value}"
            );
        }
    }
}
