//! The MoveItems command (MS-ASCMD 2.2.1.12): move items between folders, each answered with
//! its new id.

use wbxml::{Element, tags::r#move as mv};

use crate::error::{
    ProtocolError, expect_tag, parse_text, required, required_collection_id, required_id,
};
use crate::ids::CollectionId;
use crate::status::CommonStatus;

/// A MoveItems status (MS-ASCMD 2.2.3.177.10), or a common status. Note that 3 is success.
///
/// Older revisions of the spec listed 6 "already exists"; the current table has no 6 and
/// neither does this type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoveItemsStatus {
    /// 1: the source folder or item does not exist.
    InvalidSource,
    /// 2: the destination folder does not exist.
    InvalidDestination,
    /// 3.
    Success,
    /// 4: source and destination are the same folder.
    SameFolder,
    /// 5: the move failed (an item moved to several places at once, or a locked item); also
    /// the status for server errors.
    ServerError,
    /// 7: the source or destination item is locked (transient; the device retries).
    Locked,
    Common(CommonStatus),
}

impl MoveItemsStatus {
    pub fn code(self) -> u16 {
        match self {
            MoveItemsStatus::InvalidSource => 1,
            MoveItemsStatus::InvalidDestination => 2,
            MoveItemsStatus::Success => 3,
            MoveItemsStatus::SameFolder => 4,
            MoveItemsStatus::ServerError => 5,
            MoveItemsStatus::Locked => 7,
            MoveItemsStatus::Common(c) => c.code(),
        }
    }

    pub fn from_code(code: u16) -> Option<MoveItemsStatus> {
        Some(match code {
            1 => MoveItemsStatus::InvalidSource,
            2 => MoveItemsStatus::InvalidDestination,
            3 => MoveItemsStatus::Success,
            4 => MoveItemsStatus::SameFolder,
            5 => MoveItemsStatus::ServerError,
            7 => MoveItemsStatus::Locked,
            n => return CommonStatus::from_code(n).map(MoveItemsStatus::Common),
        })
    }
}

/// One `Move` of the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MoveItem {
    /// The item's server id in the source folder.
    pub src_msg_id: String,
    pub src_fld_id: CollectionId,
    pub dst_fld_id: CollectionId,
}

/// A MoveItems request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MoveItemsRequest {
    pub moves: Vec<MoveItem>,
}

impl MoveItemsRequest {
    /// Reads a MoveItems document; every `Move` must name the item and both folders.
    pub fn from_element(element: &Element) -> Result<MoveItemsRequest, ProtocolError> {
        expect_tag(element, mv::MOVE_ITEMS)?;
        let moves = element
            .find_all(mv::MOVE)
            .map(|m| {
                Ok(MoveItem {
                    src_msg_id: required_id(m, mv::SRC_MSG_ID)?,
                    src_fld_id: required_collection_id(m, mv::SRC_FLD_ID)?,
                    dst_fld_id: required_collection_id(m, mv::DST_FLD_ID)?,
                })
            })
            .collect::<Result<Vec<_>, ProtocolError>>()?;
        Ok(MoveItemsRequest { moves })
    }

    /// The request document (for tests and test clients).
    pub fn to_element(&self) -> Element {
        let mut el = Element::new(mv::MOVE_ITEMS);
        for m in &self.moves {
            el.push(
                Element::new(mv::MOVE)
                    .text_child(mv::SRC_MSG_ID, m.src_msg_id.as_str())
                    .text_child(mv::SRC_FLD_ID, m.src_fld_id.as_str())
                    .text_child(mv::DST_FLD_ID, m.dst_fld_id.as_str()),
            );
        }
        el
    }
}

/// The answer to one `Move`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MoveResponse {
    pub src_msg_id: String,
    pub status: MoveItemsStatus,
    /// The item's id in the destination folder; with success only.
    pub dst_msg_id: Option<String>,
}

/// A MoveItems response: one `Response` per `Move`, in request order; a top-level `Status`
/// only for a failure of the whole request (a common status).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MoveItemsResponse {
    pub status: Option<MoveItemsStatus>,
    pub responses: Vec<MoveResponse>,
}

impl MoveItemsResponse {
    pub fn new(responses: Vec<MoveResponse>) -> MoveItemsResponse {
        MoveItemsResponse {
            status: None,
            responses,
        }
    }

    /// A failure of the whole request: the status alone.
    pub fn error(status: MoveItemsStatus) -> MoveItemsResponse {
        MoveItemsResponse {
            status: Some(status),
            responses: Vec::new(),
        }
    }

    /// `Status?`, then `Response*` with `SrcMsgId, Status, DstMsgId?` (MoveItemsResponse.xsd).
    pub fn to_element(&self) -> Element {
        let mut el = Element::new(mv::MOVE_ITEMS);
        if let Some(s) = self.status {
            el.push(Element::with_text(mv::STATUS, s.code().to_string()));
        }
        for r in &self.responses {
            let mut resp = Element::new(mv::RESPONSE)
                .text_child(mv::SRC_MSG_ID, r.src_msg_id.as_str())
                .text_child(mv::STATUS, r.status.code().to_string());
            if let Some(d) = &r.dst_msg_id {
                resp.push(Element::with_text(mv::DST_MSG_ID, d.as_str()));
            }
            el.push(resp);
        }
        el
    }

    /// Reads a response document (for tests and test clients).
    pub fn from_element(element: &Element) -> Result<MoveItemsResponse, ProtocolError> {
        expect_tag(element, mv::MOVE_ITEMS)?;
        let status_of = |el: &Element| -> Result<MoveItemsStatus, ProtocolError> {
            let code: u16 = parse_text(el)?;
            MoveItemsStatus::from_code(code).ok_or_else(|| ProtocolError::Invalid {
                element: el.tag,
                value: code.to_string(),
            })
        };
        let status = element.find(mv::STATUS).map(status_of).transpose()?;
        let responses = element
            .find_all(mv::RESPONSE)
            .map(|r| {
                Ok(MoveResponse {
                    src_msg_id: required_id(r, mv::SRC_MSG_ID)?,
                    status: status_of(required(r, mv::STATUS)?)?,
                    dst_msg_id: r
                        .find(mv::DST_MSG_ID)
                        .map(crate::error::text_of)
                        .transpose()?,
                })
            })
            .collect::<Result<Vec<_>, ProtocolError>>()?;
        Ok(MoveItemsResponse { status, responses })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_read_as_clients_send_it() {
        let tree = wbxml::from_xml(
            r#"<MoveItems xmlns="Move"><Move><SrcMsgId>5:12</SrcMsgId><SrcFldId>5</SrcFldId><DstFldId>9</DstFldId></Move>
               <Move><SrcMsgId>5:13</SrcMsgId><SrcFldId>5</SrcFldId><DstFldId>9</DstFldId></Move></MoveItems>"#,
        )
        .expect("XML");
        let req = MoveItemsRequest::from_element(&tree).expect("parses");
        assert_eq!(req.moves.len(), 2);
        assert_eq!(req.moves[1].src_msg_id, "5:13");
        assert_eq!(req.moves[1].dst_fld_id.as_str(), "9");
        assert_eq!(MoveItemsRequest::from_element(&req.to_element()), Ok(req));
    }

    #[test]
    fn a_move_without_a_destination_is_a_protocol_error() {
        let el = Element::new(mv::MOVE_ITEMS).child(
            Element::new(mv::MOVE)
                .text_child(mv::SRC_MSG_ID, "1")
                .text_child(mv::SRC_FLD_ID, "1"),
        );
        assert_eq!(
            MoveItemsRequest::from_element(&el),
            Err(ProtocolError::Missing {
                element: mv::DST_FLD_ID,
                parent: mv::MOVE
            })
        );
        let empty_id = Element::new(mv::MOVE_ITEMS).child(
            Element::new(mv::MOVE)
                .text_child(mv::SRC_MSG_ID, "")
                .text_child(mv::SRC_FLD_ID, "1")
                .text_child(mv::DST_FLD_ID, "2"),
        );
        assert!(MoveItemsRequest::from_element(&empty_id).is_err());
    }

    #[test]
    fn responses_round_trip_and_success_is_3() {
        let resp = MoveItemsResponse::new(vec![
            MoveResponse {
                src_msg_id: "5:12".into(),
                status: MoveItemsStatus::Success,
                dst_msg_id: Some("9:40".into()),
            },
            MoveResponse {
                src_msg_id: "5:13".into(),
                status: MoveItemsStatus::InvalidSource,
                dst_msg_id: None,
            },
        ]);
        let el = resp.to_element();
        assert_eq!(
            el.find(mv::RESPONSE)
                .and_then(|r| r.child_text(mv::STATUS))
                .as_deref(),
            Some("3")
        );
        assert_eq!(MoveItemsResponse::from_element(&el), Ok(resp));
        for code in [1, 2, 3, 4, 5, 7, 110] {
            assert_eq!(
                MoveItemsStatus::from_code(code).map(MoveItemsStatus::code),
                Some(code)
            );
        }
        assert_eq!(MoveItemsStatus::from_code(6), None);
    }
}
