//! The GetItemEstimate command (MS-ASCMD 2.2.1.9): how many changes a Sync of each collection
//! would bring, so that a device can show progress or decide what to sync.
//!
//! The request has two forms. 12.x: `Class`, `CollectionId` (GetItemEstimate page),
//! `airsync:FilterType` and `airsync:SyncKey` directly in `Collection`. 14.0+:
//! `airsync:SyncKey`, `CollectionId`, `airsync:ConversationMode` and `airsync:Options` (with
//! `airsync:Class`, `airsync:FilterType`, `airsync:MaxItems`). Both are read into one shape.

use wbxml::{Element, tags::airsync as a, tags::getitemestimate as gie};

use crate::error::{
    ProtocolError, expect_tag, optional_bool, parse_text, required, required_collection_id,
    sync_key_of, text_of,
};
use crate::ids::{CollectionId, SyncKey};
use crate::status::CommonStatus;
use crate::sync::{FilterType, SyncOptions};

/// A GetItemEstimate status (MS-ASCMD 2.2.3.177.7), or a common status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EstimateStatus {
    Success,
    /// 2: the collection does not exist (or is not syncable).
    InvalidCollection,
    /// 3: the collection has no sync state yet (the device has not synced it with key 0).
    NotPrimed,
    /// 4: the sync key is not the collection's current one.
    InvalidSyncKey,
    Common(CommonStatus),
}

impl EstimateStatus {
    pub fn code(self) -> u16 {
        match self {
            EstimateStatus::Success => 1,
            EstimateStatus::InvalidCollection => 2,
            EstimateStatus::NotPrimed => 3,
            EstimateStatus::InvalidSyncKey => 4,
            EstimateStatus::Common(c) => c.code(),
        }
    }

    pub fn from_code(code: u16) -> Option<EstimateStatus> {
        Some(match code {
            1 => EstimateStatus::Success,
            2 => EstimateStatus::InvalidCollection,
            3 => EstimateStatus::NotPrimed,
            4 => EstimateStatus::InvalidSyncKey,
            n => return CommonStatus::from_code(n).map(EstimateStatus::Common),
        })
    }

    fn from_element(el: &Element) -> Result<EstimateStatus, ProtocolError> {
        let code: u16 = parse_text(el)?;
        EstimateStatus::from_code(code).ok_or_else(|| ProtocolError::Invalid {
            element: el.tag,
            value: code.to_string(),
        })
    }
}

/// One collection to estimate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EstimateCollection {
    /// Required by the spec; `None` when a device leaves it out (answered with status 3 or 4
    /// by the engine rather than failing the whole request).
    pub sync_key: Option<SyncKey>,
    pub collection_id: CollectionId,
    /// 12.x: `airsync:FilterType` in the collection; 14.0+: from the first `Options`.
    pub filter_type: Option<FilterType>,
    /// 12.x: `Class` in the collection; 14.0+: from the first `Options`.
    pub class: Option<String>,
    /// 14.0+.
    pub conversation_mode: Option<bool>,
    /// 14.0+: every `Options` as sent (a device may send one per class).
    pub options: Vec<SyncOptions>,
}

impl EstimateCollection {
    fn from_element(el: &Element) -> Result<EstimateCollection, ProtocolError> {
        let options = el
            .find_all(a::OPTIONS)
            .map(SyncOptions::from_element)
            .collect::<Result<Vec<_>, _>>()?;
        let first = options.first();
        let filter_type = match el.find(a::FILTER_TYPE) {
            Some(f) => Some(FilterType::from_element(f)?),
            None => first.and_then(|o| o.filter_type),
        };
        let class = match el.find(gie::CLASS) {
            Some(c) => Some(text_of(c)?.trim().to_owned()),
            None => first.and_then(|o| o.class.clone()),
        };
        Ok(EstimateCollection {
            sync_key: el.find(a::SYNC_KEY).map(sync_key_of).transpose()?,
            collection_id: required_collection_id(el, gie::COLLECTION_ID)?,
            filter_type,
            class,
            conversation_mode: optional_bool(el, a::CONVERSATION_MODE)?,
            options,
        })
    }
}

/// A GetItemEstimate request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GetItemEstimateRequest {
    pub collections: Vec<EstimateCollection>,
}

impl GetItemEstimateRequest {
    /// Reads either form of the request; a request without `Collections` is a protocol
    /// error (the element is required).
    pub fn from_element(element: &Element) -> Result<GetItemEstimateRequest, ProtocolError> {
        expect_tag(element, gie::GET_ITEM_ESTIMATE)?;
        let collections = required(element, gie::COLLECTIONS)?
            .find_all(gie::COLLECTION)
            .map(EstimateCollection::from_element)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(GetItemEstimateRequest { collections })
    }

    /// The 14.0+ request document (for tests and test clients).
    pub fn to_element(&self) -> Element {
        let mut cs = Element::new(gie::COLLECTIONS);
        for c in &self.collections {
            let mut el = Element::new(gie::COLLECTION);
            if let Some(k) = &c.sync_key {
                el.push(Element::with_text(a::SYNC_KEY, k.as_str()));
            }
            el.push(Element::with_text(
                gie::COLLECTION_ID,
                c.collection_id.as_str(),
            ));
            if let Some(m) = c.conversation_mode {
                el.push(Element::with_text(
                    a::CONVERSATION_MODE,
                    crate::error::bool_text(m),
                ));
            }
            for o in &c.options {
                el.push(o.to_element());
            }
            cs.push(el);
        }
        Element::new(gie::GET_ITEM_ESTIMATE).child(cs)
    }
}

/// The estimate for one collection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EstimateResponse {
    pub status: EstimateStatus,
    pub collection_id: CollectionId,
    /// The number of changes; with success only.
    pub estimate: Option<u32>,
}

/// A GetItemEstimate response: one `Response` per collection, in request order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GetItemEstimateResponse {
    /// For a failure of the whole request only.
    pub status: Option<EstimateStatus>,
    pub responses: Vec<EstimateResponse>,
}

impl GetItemEstimateResponse {
    pub fn new(responses: Vec<EstimateResponse>) -> GetItemEstimateResponse {
        GetItemEstimateResponse {
            status: None,
            responses,
        }
    }

    pub fn error(status: EstimateStatus) -> GetItemEstimateResponse {
        GetItemEstimateResponse {
            status: Some(status),
            responses: Vec::new(),
        }
    }

    /// `Status?`, then `Response*` with `Status, Collection (CollectionId, Estimate?)`
    /// (GetItemEstimateResponse.xsd).
    pub fn to_element(&self) -> Element {
        let mut el = Element::new(gie::GET_ITEM_ESTIMATE);
        if let Some(s) = self.status {
            el.push(Element::with_text(gie::STATUS, s.code().to_string()));
        }
        for r in &self.responses {
            let mut c = Element::new(gie::COLLECTION)
                .text_child(gie::COLLECTION_ID, r.collection_id.as_str());
            if let Some(n) = r.estimate {
                c.push(Element::with_text(gie::ESTIMATE, n.to_string()));
            }
            el.push(
                Element::new(gie::RESPONSE)
                    .text_child(gie::STATUS, r.status.code().to_string())
                    .child(c),
            );
        }
        el
    }

    /// Reads a response document (for tests and test clients).
    pub fn from_element(element: &Element) -> Result<GetItemEstimateResponse, ProtocolError> {
        expect_tag(element, gie::GET_ITEM_ESTIMATE)?;
        let status = element
            .find(gie::STATUS)
            .map(EstimateStatus::from_element)
            .transpose()?;
        let responses = element
            .find_all(gie::RESPONSE)
            .map(|r| {
                let c = required(r, gie::COLLECTION)?;
                Ok(EstimateResponse {
                    status: EstimateStatus::from_element(required(r, gie::STATUS)?)?,
                    collection_id: required_collection_id(c, gie::COLLECTION_ID)?,
                    estimate: crate::error::optional_parse(c, gie::ESTIMATE)?,
                })
            })
            .collect::<Result<Vec<_>, ProtocolError>>()?;
        Ok(GetItemEstimateResponse { status, responses })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xml(doc: &str) -> Element {
        let tree = wbxml::from_xml(doc).expect("XML form");
        wbxml::decode(&wbxml::encode(&tree)).expect("decodes")
    }

    #[test]
    fn the_12_x_form_is_read() {
        let req = GetItemEstimateRequest::from_element(&xml(
            r#"<GetItemEstimate xmlns="GetItemEstimate"><Collections><Collection>
                 <Class>Email</Class><CollectionId>5</CollectionId>
                 <FilterType xmlns="AirSync">3</FilterType><SyncKey xmlns="AirSync">4</SyncKey>
               </Collection></Collections></GetItemEstimate>"#,
        ))
        .expect("parses");
        let c = &req.collections[0];
        assert_eq!(c.class.as_deref(), Some("Email"));
        assert_eq!(c.filter_type, Some(FilterType::OneWeek));
        assert_eq!(c.sync_key.as_ref().map(SyncKey::as_str), Some("4"));
        assert_eq!(c.collection_id.as_str(), "5");
    }

    #[test]
    fn the_14_form_with_options_is_read() {
        let req = GetItemEstimateRequest::from_element(&xml(
            r#"<GetItemEstimate xmlns="GetItemEstimate"><Collections>
                 <Collection><SyncKey xmlns="AirSync">7</SyncKey><CollectionId>5</CollectionId>
                   <ConversationMode xmlns="AirSync">1</ConversationMode>
                   <Options xmlns="AirSync"><Class>Email</Class><FilterType>5</FilterType></Options>
                   <Options xmlns="AirSync"><Class>SMS</Class><FilterType>1</FilterType></Options></Collection>
                 <Collection><SyncKey xmlns="AirSync">2</SyncKey><CollectionId>8</CollectionId></Collection>
               </Collections></GetItemEstimate>"#,
        ))
        .expect("parses");
        let c = &req.collections[0];
        assert_eq!(c.filter_type, Some(FilterType::OneMonth));
        assert_eq!(c.class.as_deref(), Some("Email"));
        assert_eq!(c.conversation_mode, Some(true));
        assert_eq!(c.options.len(), 2);
        let d = &req.collections[1];
        assert_eq!((d.filter_type, d.class.as_deref()), (None, None));
        assert_eq!(
            GetItemEstimateRequest::from_element(&req.to_element()),
            Ok(req)
        );
    }

    #[test]
    fn malformed_requests_are_protocol_errors() {
        let no_collections = Element::new(gie::GET_ITEM_ESTIMATE);
        assert_eq!(
            GetItemEstimateRequest::from_element(&no_collections),
            Err(ProtocolError::Missing {
                element: gie::COLLECTIONS,
                parent: gie::GET_ITEM_ESTIMATE
            })
        );
        let no_id = Element::new(gie::GET_ITEM_ESTIMATE).child(
            Element::new(gie::COLLECTIONS)
                .child(Element::new(gie::COLLECTION).text_child(a::SYNC_KEY, "1")),
        );
        assert!(matches!(
            GetItemEstimateRequest::from_element(&no_id),
            Err(ProtocolError::Missing {
                element: gie::COLLECTION_ID,
                ..
            })
        ));
        let bad_filter = Element::new(gie::GET_ITEM_ESTIMATE).child(
            Element::new(gie::COLLECTIONS).child(
                Element::new(gie::COLLECTION)
                    .text_child(gie::COLLECTION_ID, "1")
                    .text_child(a::FILTER_TYPE, "12"),
            ),
        );
        assert!(GetItemEstimateRequest::from_element(&bad_filter).is_err());
    }

    #[test]
    fn responses_round_trip() {
        let resp = GetItemEstimateResponse::new(vec![
            EstimateResponse {
                status: EstimateStatus::Success,
                collection_id: CollectionId::new("5").expect("id"),
                estimate: Some(42),
            },
            EstimateResponse {
                status: EstimateStatus::InvalidSyncKey,
                collection_id: CollectionId::new("8").expect("id"),
                estimate: None,
            },
        ]);
        assert_eq!(
            GetItemEstimateResponse::from_element(&resp.to_element()),
            Ok(resp)
        );
        for code in [1, 2, 3, 4, 142] {
            assert_eq!(
                EstimateStatus::from_code(code).map(EstimateStatus::code),
                Some(code)
            );
        }
    }
}
