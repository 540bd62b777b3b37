//! The Ping command (MS-ASCMD 2.2.1.13): the device asks to be told when any of some folders
//! changes, and the server holds the request until one does or the heartbeat interval ends.

use wbxml::{Element, tags::ping as p};

use crate::error::{ProtocolError, expect_tag, parse_text, required, text_of};
use crate::ids::CollectionId;
use crate::status::CommonStatus;

/// A Ping status (MS-ASCMD 2.2.3.177.11), or a common status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PingStatus {
    /// 1: the heartbeat interval ended without a change.
    Expired,
    /// 2: the folders in the response changed.
    Changed,
    /// 3: the request left out parameters the server has not cached.
    MissingParameters,
    /// 4: the request is malformed.
    ProtocolError,
    /// 5: the heartbeat interval is out of range; the response has the nearest allowed one.
    HeartbeatOutOfRange,
    /// 6: too many folders; the response has MaxFolders.
    TooManyFolders,
    /// 7: the folder hierarchy changed: the device must FolderSync.
    FolderSyncRequired,
    /// 8: a server error.
    ServerError,
    Common(CommonStatus),
}

impl PingStatus {
    pub fn code(self) -> u16 {
        match self {
            PingStatus::Expired => 1,
            PingStatus::Changed => 2,
            PingStatus::MissingParameters => 3,
            PingStatus::ProtocolError => 4,
            PingStatus::HeartbeatOutOfRange => 5,
            PingStatus::TooManyFolders => 6,
            PingStatus::FolderSyncRequired => 7,
            PingStatus::ServerError => 8,
            PingStatus::Common(c) => c.code(),
        }
    }

    pub fn from_code(code: u16) -> Option<PingStatus> {
        Some(match code {
            1 => PingStatus::Expired,
            2 => PingStatus::Changed,
            3 => PingStatus::MissingParameters,
            4 => PingStatus::ProtocolError,
            5 => PingStatus::HeartbeatOutOfRange,
            6 => PingStatus::TooManyFolders,
            7 => PingStatus::FolderSyncRequired,
            8 => PingStatus::ServerError,
            n => return CommonStatus::from_code(n).map(PingStatus::Common),
        })
    }
}

/// The content class of a pinged folder (MS-ASCMD 2.2.3.27.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PingClass {
    Email,
    Calendar,
    Contacts,
    Tasks,
    Notes,
}

impl PingClass {
    pub fn name(self) -> &'static str {
        match self {
            PingClass::Email => "Email",
            PingClass::Calendar => "Calendar",
            PingClass::Contacts => "Contacts",
            PingClass::Tasks => "Tasks",
            PingClass::Notes => "Notes",
        }
    }

    pub fn from_name(name: &str) -> Option<PingClass> {
        Some(match name {
            "Email" => PingClass::Email,
            "Calendar" => PingClass::Calendar,
            "Contacts" => PingClass::Contacts,
            "Tasks" => PingClass::Tasks,
            "Notes" => PingClass::Notes,
            _ => return None,
        })
    }
}

/// One folder to watch.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PingFolder {
    pub id: CollectionId,
    pub class: PingClass,
}

/// A Ping request. Both parts are optional: what is left out is the device's last value
/// (MS-ASCMD 3.1.5.8); a request with a body names at least one of them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PingRequest {
    /// Seconds.
    pub heartbeat_interval: Option<u32>,
    pub folders: Option<Vec<PingFolder>>,
}

impl PingRequest {
    /// Reads a Ping document. A `Folders` without `Folder`, a folder without Id or Class, an
    /// unknown class or a body with neither part is malformed (status 4).
    pub fn from_element(element: &Element) -> Result<PingRequest, ProtocolError> {
        expect_tag(element, p::PING)?;
        let heartbeat_interval = element
            .find(p::HEARTBEAT_INTERVAL)
            .map(parse_text::<u32>)
            .transpose()?;
        let folders = match element.find(p::FOLDERS) {
            None => None,
            Some(f) => {
                let list = f
                    .find_all(p::FOLDER)
                    .map(|folder| {
                        let id_el = required(folder, p::ID)?;
                        let id = text_of(id_el)?;
                        let id = CollectionId::new(id.clone()).ok_or(ProtocolError::Invalid {
                            element: p::ID,
                            value: id,
                        })?;
                        let class_el = required(folder, p::CLASS)?;
                        let class = text_of(class_el)?;
                        let class = PingClass::from_name(&class).ok_or(ProtocolError::Invalid {
                            element: p::CLASS,
                            value: class,
                        })?;
                        Ok(PingFolder { id, class })
                    })
                    .collect::<Result<Vec<_>, ProtocolError>>()?;
                if list.is_empty() {
                    return Err(ProtocolError::Missing {
                        element: p::FOLDER,
                        parent: p::FOLDERS,
                    });
                }
                Some(list)
            }
        };
        if heartbeat_interval.is_none() && folders.is_none() {
            return Err(ProtocolError::Missing {
                element: p::FOLDERS,
                parent: p::PING,
            });
        }
        Ok(PingRequest {
            heartbeat_interval,
            folders,
        })
    }

    /// The request document (for tests and test clients).
    pub fn to_element(&self) -> Element {
        let mut el = Element::new(p::PING);
        if let Some(h) = self.heartbeat_interval {
            el.push(Element::with_text(p::HEARTBEAT_INTERVAL, h.to_string()));
        }
        if let Some(folders) = &self.folders {
            let mut fs = Element::new(p::FOLDERS);
            for f in folders {
                fs.push(
                    Element::new(p::FOLDER)
                        .text_child(p::ID, f.id.as_str())
                        .text_child(p::CLASS, f.class.name()),
                );
            }
            el.push(fs);
        }
        el
    }
}

/// A Ping response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PingResponse {
    pub status: PingStatus,
    /// With status 2: the folders that changed.
    pub folders: Vec<CollectionId>,
    /// With status 6.
    pub max_folders: Option<u32>,
    /// With status 5: the nearest allowed interval.
    pub heartbeat_interval: Option<u32>,
}

impl PingResponse {
    pub fn status(status: PingStatus) -> PingResponse {
        PingResponse {
            status,
            folders: Vec::new(),
            max_folders: None,
            heartbeat_interval: None,
        }
    }

    pub fn changed(folders: Vec<CollectionId>) -> PingResponse {
        PingResponse {
            folders,
            ..PingResponse::status(PingStatus::Changed)
        }
    }

    /// `Status, Folders?, MaxFolders?, HeartbeatInterval?` (PingResponse.xsd).
    pub fn to_element(&self) -> Element {
        let mut el = Element::new(p::PING);
        el.push(Element::with_text(
            p::STATUS,
            self.status.code().to_string(),
        ));
        if !self.folders.is_empty() {
            let mut fs = Element::new(p::FOLDERS);
            for f in &self.folders {
                fs.push(Element::with_text(p::FOLDER, f.as_str()));
            }
            el.push(fs);
        }
        if let Some(m) = self.max_folders {
            el.push(Element::with_text(p::MAX_FOLDERS, m.to_string()));
        }
        if let Some(h) = self.heartbeat_interval {
            el.push(Element::with_text(p::HEARTBEAT_INTERVAL, h.to_string()));
        }
        el
    }

    /// Reads a response document (for tests and test clients).
    pub fn from_element(element: &Element) -> Result<PingResponse, ProtocolError> {
        expect_tag(element, p::PING)?;
        let status_el = required(element, p::STATUS)?;
        let code: u16 = parse_text(status_el)?;
        let status = PingStatus::from_code(code).ok_or_else(|| ProtocolError::Invalid {
            element: p::STATUS,
            value: code.to_string(),
        })?;
        let folders = match element.find(p::FOLDERS) {
            None => Vec::new(),
            Some(fs) => fs
                .find_all(p::FOLDER)
                .map(|f| {
                    let id = text_of(f)?;
                    CollectionId::new(id.clone()).ok_or(ProtocolError::Invalid {
                        element: p::FOLDER,
                        value: id,
                    })
                })
                .collect::<Result<Vec<_>, ProtocolError>>()?,
        };
        Ok(PingResponse {
            status,
            folders,
            max_folders: element
                .find(p::MAX_FOLDERS)
                .map(parse_text::<u32>)
                .transpose()?,
            heartbeat_interval: element
                .find(p::HEARTBEAT_INTERVAL)
                .map(parse_text::<u32>)
                .transpose()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(xml: &str) -> Result<PingRequest, ProtocolError> {
        PingRequest::from_element(&wbxml::from_xml(xml).expect("XML"))
    }

    #[test]
    fn a_request_is_read_as_clients_send_it() {
        let req = parse(
            r#"<Ping xmlns="Ping"><HeartbeatInterval>480</HeartbeatInterval><Folders>
               <Folder><Id>5</Id><Class>Email</Class></Folder>
               <Folder><Id>7</Id><Class>Calendar</Class></Folder></Folders></Ping>"#,
        )
        .expect("parses");
        assert_eq!(req.heartbeat_interval, Some(480));
        let folders = req.folders.expect("folders");
        assert_eq!(folders.len(), 2);
        assert_eq!(folders[1].id.as_str(), "7");
        assert_eq!(folders[1].class, PingClass::Calendar);
    }

    #[test]
    fn either_part_alone_is_a_request() {
        let req = parse(r#"<Ping xmlns="Ping"><HeartbeatInterval>60</HeartbeatInterval></Ping>"#)
            .expect("interval only");
        assert_eq!(req.folders, None);
        let req = parse(
            r#"<Ping xmlns="Ping"><Folders><Folder><Id>1</Id><Class>Email</Class></Folder></Folders></Ping>"#,
        )
        .expect("folders only");
        assert_eq!(req.heartbeat_interval, None);
    }

    #[test]
    fn a_body_with_neither_part_is_malformed() {
        assert!(parse(r#"<Ping xmlns="Ping"/>"#).is_err());
    }

    #[test]
    fn an_unknown_class_or_a_missing_id_is_malformed() {
        assert!(
            parse(
                r#"<Ping xmlns="Ping"><Folders><Folder><Id>1</Id><Class>Mail</Class></Folder></Folders></Ping>"#
            )
            .is_err()
        );
        assert!(
            parse(r#"<Ping xmlns="Ping"><Folders><Folder><Class>Email</Class></Folder></Folders></Ping>"#)
                .is_err()
        );
        assert!(parse(r#"<Ping xmlns="Ping"><Folders/></Ping>"#).is_err());
    }

    #[test]
    fn a_negative_interval_is_malformed() {
        assert!(
            parse(r#"<Ping xmlns="Ping"><HeartbeatInterval>-5</HeartbeatInterval></Ping>"#)
                .is_err()
        );
    }

    #[test]
    fn responses_round_trip() {
        let cases = [
            PingResponse::status(PingStatus::Expired),
            PingResponse::changed(vec![
                CollectionId::new("5").expect("id"),
                CollectionId::new("9").expect("id"),
            ]),
            PingResponse {
                max_folders: Some(300),
                ..PingResponse::status(PingStatus::TooManyFolders)
            },
            PingResponse {
                heartbeat_interval: Some(60),
                ..PingResponse::status(PingStatus::HeartbeatOutOfRange)
            },
        ];
        for r in cases {
            assert_eq!(
                PingResponse::from_element(&r.to_element()).expect("reads"),
                r
            );
        }
    }
}
