//! The value types of the Calendar class: busy status, sensitivity, meeting status, response
//! type, attendees and the 16.x structured location.

use wbxml::{Element, Tag, tags::airsyncbase as asb, tags::calendar as cal};

use crate::error::{ProtocolError, optional_text, parse_text, text_of};
use crate::version::ProtocolVersion;

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $c:expr),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vm])* $v),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            pub fn code(self) -> u8 { match self { $($name::$v => $c),+ } }
            pub fn from_code(code: u8) -> Option<$name> {
                match code { $($c => Some($name::$v),)+ _ => None }
            }
            pub(crate) fn from_element(el: &Element) -> Result<$name, ProtocolError> {
                let code: u8 = parse_text(el)?;
                $name::from_code(code).ok_or_else(|| ProtocolError::Invalid {
                    element: el.tag,
                    value: code.to_string(),
                })
            }
        }
    };
}

code_enum! {
    /// `BusyStatus` (MS-ASCAL 2.2.2.8).
    BusyStatus {
        Free = 0,
        Tentative = 1,
        Busy = 2,
        OutOfOffice = 3,
        /// 16.0+; written as Busy to older versions.
        WorkingElsewhere = 4,
    }
}

impl BusyStatus {
    /// The value a device of `version` can take.
    pub fn for_version(self, version: ProtocolVersion) -> BusyStatus {
        match self {
            BusyStatus::WorkingElsewhere if version < ProtocolVersion::V16_0 => BusyStatus::Busy,
            s => s,
        }
    }
}

code_enum! {
    /// `Sensitivity` (MS-ASCAL 2.2.2.41).
    Sensitivity {
        Normal = 0,
        Personal = 1,
        Private = 2,
        Confidential = 3,
    }
}

code_enum! {
    /// `MeetingStatus` (MS-ASCAL 2.2.2.29). 9, 11, 13 and 15 mean the same as 1, 3, 5 and 7.
    MeetingStatus {
        /// An appointment, not a meeting.
        Appointment = 0,
        /// A meeting the user organizes.
        Meeting = 1,
        /// A meeting the user was invited to.
        Received = 3,
        /// A canceled meeting the user organized.
        Canceled = 5,
        /// A canceled meeting the user was invited to.
        ReceivedCanceled = 7,
        MeetingAlt = 9,
        ReceivedAlt = 11,
        CanceledAlt = 13,
        ReceivedCanceledAlt = 15,
    }
}

impl MeetingStatus {
    /// 9, 11, 13, 15 as 1, 3, 5, 7.
    pub fn normalized(self) -> MeetingStatus {
        match self {
            MeetingStatus::MeetingAlt => MeetingStatus::Meeting,
            MeetingStatus::ReceivedAlt => MeetingStatus::Received,
            MeetingStatus::CanceledAlt => MeetingStatus::Canceled,
            MeetingStatus::ReceivedCanceledAlt => MeetingStatus::ReceivedCanceled,
            s => s,
        }
    }

    pub fn is_meeting(self) -> bool {
        self != MeetingStatus::Appointment
    }

    pub fn is_canceled(self) -> bool {
        matches!(
            self.normalized(),
            MeetingStatus::Canceled | MeetingStatus::ReceivedCanceled
        )
    }

    /// The user organizes it.
    pub fn is_organizer(self) -> bool {
        matches!(
            self.normalized(),
            MeetingStatus::Meeting | MeetingStatus::Canceled
        )
    }
}

code_enum! {
    /// `ResponseType` (MS-ASCAL 2.2.2.38): the user's own response, 14.0+.
    ResponseType {
        None = 0,
        Organizer = 1,
        Tentative = 2,
        Accepted = 3,
        Declined = 4,
        NotResponded = 5,
    }
}

code_enum! {
    /// `AttendeeStatus` (MS-ASCAL 2.2.2.5).
    AttendeeStatus {
        ResponseUnknown = 0,
        Tentative = 2,
        Accept = 3,
        Decline = 4,
        NotResponded = 5,
    }
}

code_enum! {
    /// `AttendeeType` (MS-ASCAL 2.2.2.6).
    AttendeeType {
        Required = 1,
        Optional = 2,
        Resource = 3,
    }
}

/// One `Attendee` (MS-ASCAL 2.2.2.3). Status and type are 12.0+ (every version here).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attendee {
    pub email: String,
    pub name: String,
    pub status: Option<AttendeeStatus>,
    pub kind: Option<AttendeeType>,
}

impl Attendee {
    pub fn new(email: impl Into<String>, name: impl Into<String>) -> Attendee {
        Attendee {
            email: email.into(),
            name: name.into(),
            status: None,
            kind: None,
        }
    }

    fn from_element(el: &Element) -> Result<Attendee, ProtocolError> {
        let mut a = Attendee::new("", "");
        for child in el.elements() {
            match child.tag {
                cal::EMAIL => a.email = text_of(child)?,
                cal::NAME => a.name = text_of(child)?,
                cal::ATTENDEE_STATUS => a.status = Some(AttendeeStatus::from_element(child)?),
                cal::ATTENDEE_TYPE => a.kind = Some(AttendeeType::from_element(child)?),
                _ => {}
            }
        }
        Ok(a)
    }

    /// `Email, Name, AttendeeStatus, AttendeeType`. The schema requires Name: an empty one is
    /// written when unknown.
    fn to_element(&self) -> Element {
        let mut el = Element::new(cal::ATTENDEE)
            .text_child(cal::EMAIL, self.email.as_str())
            .text_child(cal::NAME, self.name.as_str());
        if let Some(s) = self.status {
            el.push(Element::with_text(
                cal::ATTENDEE_STATUS,
                s.code().to_string(),
            ));
        }
        if let Some(k) = self.kind {
            el.push(Element::with_text(cal::ATTENDEE_TYPE, k.code().to_string()));
        }
        el
    }
}

pub(crate) fn attendees_from(el: &Element) -> Result<Vec<Attendee>, ProtocolError> {
    el.find_all(cal::ATTENDEE)
        .map(Attendee::from_element)
        .collect()
}

pub(crate) fn attendees_element(list: &[Attendee]) -> Element {
    let mut el = Element::new(cal::ATTENDEES);
    for a in list {
        el.push(a.to_element());
    }
    el
}

/// Most categories of one item (Calendar.xsd `Category maxOccurs="300"`).
pub const MAX_CATEGORIES: usize = 300;

pub(crate) fn categories_from(el: &Element) -> Result<Vec<String>, ProtocolError> {
    el.find_all(cal::CATEGORY).map(text_of).collect()
}

pub(crate) fn categories_element(list: &[String]) -> Element {
    let mut el = Element::new(cal::CATEGORIES);
    for c in list.iter().take(MAX_CATEGORIES) {
        el.push(Element::with_text(cal::CATEGORY, c.as_str()));
    }
    el
}

/// Where an event is. Before 16.0 only the text `calendar:Location` exists (kept in
/// `display_name`); 16.0+ sends the structured `airsyncbase:Location` (MS-ASAIRS 2.2.2.27).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Location {
    pub display_name: Option<String>,
    pub annotation: Option<String>,
    pub street: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub country: Option<String>,
    pub postal_code: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub accuracy: Option<f64>,
    pub altitude: Option<f64>,
    pub altitude_accuracy: Option<f64>,
    pub location_uri: Option<String>,
}

impl Location {
    /// A location that is only a name.
    pub fn named(name: impl Into<String>) -> Location {
        Location {
            display_name: Some(name.into()),
            ..Location::default()
        }
    }

    /// Whether nothing but (at most) the name is set.
    pub fn is_name_only(&self) -> bool {
        *self
            == Location {
                display_name: self.display_name.clone(),
                ..Location::default()
            }
    }

    /// Reads `calendar:Location` (text) or `airsyncbase:Location`.
    pub(crate) fn from_element(el: &Element) -> Result<Location, ProtocolError> {
        if el.tag == cal::LOCATION {
            return Ok(Location::named(text_of(el)?));
        }
        let float = |tag: Tag| -> Result<Option<f64>, ProtocolError> {
            el.find(tag).map(parse_text::<f64>).transpose()
        };
        Ok(Location {
            display_name: optional_text(el, asb::DISPLAY_NAME)?,
            annotation: optional_text(el, asb::ANNOTATION)?,
            street: optional_text(el, asb::STREET)?,
            city: optional_text(el, asb::CITY)?,
            state: optional_text(el, asb::STATE)?,
            country: optional_text(el, asb::COUNTRY)?,
            postal_code: optional_text(el, asb::POSTAL_CODE)?,
            latitude: float(asb::LATITUDE)?,
            longitude: float(asb::LONGITUDE)?,
            accuracy: float(asb::ACCURACY)?,
            altitude: float(asb::ALTITUDE)?,
            altitude_accuracy: float(asb::ALTITUDE_ACCURACY)?,
            location_uri: optional_text(el, asb::LOCATION_URI)?,
        })
    }

    /// `calendar:Location` (the name) before 16.0, `airsyncbase:Location` from 16.0.
    pub(crate) fn to_element(&self, version: ProtocolVersion) -> Element {
        if version < ProtocolVersion::V16_0 {
            return Element::with_text(
                cal::LOCATION,
                self.display_name.clone().unwrap_or_default(),
            );
        }
        let mut el = Element::new(asb::LOCATION);
        let texts = [
            (asb::DISPLAY_NAME, &self.display_name),
            (asb::ANNOTATION, &self.annotation),
            (asb::STREET, &self.street),
            (asb::CITY, &self.city),
            (asb::STATE, &self.state),
            (asb::COUNTRY, &self.country),
            (asb::POSTAL_CODE, &self.postal_code),
        ];
        for (tag, v) in texts {
            if let Some(v) = v {
                el.push(Element::with_text(tag, v.as_str()));
            }
        }
        let floats = [
            (asb::LATITUDE, self.latitude),
            (asb::LONGITUDE, self.longitude),
            (asb::ACCURACY, self.accuracy),
            (asb::ALTITUDE, self.altitude),
            (asb::ALTITUDE_ACCURACY, self.altitude_accuracy),
        ];
        for (tag, v) in floats {
            if let Some(v) = v {
                el.push(Element::with_text(tag, v.to_string()));
            }
        }
        if let Some(u) = &self.location_uri {
            el.push(Element::with_text(asb::LOCATION_URI, u.as_str()));
        }
        el
    }
}
