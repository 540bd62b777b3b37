use wbxml::{Element, tags::airsync as a, tags::airsyncbase as asb, tags::itemoperations as io};

use super::*;
use crate::airsyncbase::BodyType;
use crate::error::ProtocolError;
use crate::ids::CollectionId;
use crate::sync::MimeSupport;

fn xml(doc: &str) -> Element {
    let tree = wbxml::from_xml(doc).expect("XML form");
    wbxml::decode(&wbxml::encode(&tree)).expect("decodes")
}

fn id(i: &str) -> CollectionId {
    CollectionId::new(i).expect("id")
}

#[test]
fn fetches_of_items_attachments_and_search_results_are_read() {
    let req = ItemOperationsRequest::from_element(&xml(
        r#"<ItemOperations xmlns="ItemOperations">
             <Fetch><Store>Mailbox</Store><CollectionId xmlns="AirSync">5</CollectionId><ServerId xmlns="AirSync">5:12</ServerId>
               <Options><MIMESupport xmlns="AirSync">2</MIMESupport>
                 <BodyPreference xmlns="AirSyncBase"><Type>4</Type></BodyPreference>
                 <Schema><Body xmlns="AirSyncBase"/></Schema></Options></Fetch>
             <Fetch><Store>Mailbox</Store><FileReference xmlns="AirSyncBase">5%3a12%3a2</FileReference>
               <Options><Range>0-1023</Range></Options></Fetch>
             <Fetch><Store>Mailbox</Store><LongId xmlns="Search">RgAAAAB</LongId></Fetch>
             <EmptyFolderContents><CollectionId xmlns="AirSync">4</CollectionId><Options><DeleteSubFolders/></Options></EmptyFolderContents>
             <Move><ConversationId>conv-1</ConversationId><DstFldId>9</DstFldId><Options><MoveAlways/></Options></Move>
           </ItemOperations>"#,
    ))
    .expect("parses");
    assert_eq!(req.operations.len(), 5);
    let ItemOperation::Fetch {
        store,
        target,
        options,
        remove_rights_management_protection,
    } = &req.operations[0]
    else {
        panic!("a Fetch");
    };
    assert!(store_is_mailbox(store) && !remove_rights_management_protection);
    assert_eq!(
        *target,
        FetchTarget::Item {
            collection_id: id("5"),
            server_id: "5:12".into()
        }
    );
    assert_eq!(options.mime_support, MimeSupport::Always);
    assert_eq!(options.body_preferences[0].body_type, BodyType::Mime);
    assert_eq!(options.schema, [asb::BODY]);
    assert!(
        matches!(&req.operations[1], ItemOperation::Fetch { target: FetchTarget::FileReference(r), options, .. }
        if r == "5%3a12%3a2" && options.range == Some((0, 1023)))
    );
    assert!(
        matches!(&req.operations[2], ItemOperation::Fetch { target: FetchTarget::LongId(l), .. } if l == "RgAAAAB")
    );
    assert_eq!(
        req.operations[3],
        ItemOperation::EmptyFolderContents {
            collection_id: id("4"),
            delete_sub_folders: true
        }
    );
    assert_eq!(
        req.operations[4],
        ItemOperation::Move {
            conversation_id: b"conv-1".to_vec(),
            dst_fld_id: id("9"),
            move_always: true
        }
    );
    let again = wbxml::decode(&wbxml::encode(&req.to_element())).expect("decodes");
    assert_eq!(ItemOperationsRequest::from_element(&again), Ok(req));
}

#[test]
fn malformed_operations_are_protocol_errors() {
    for (doc, element) in [
        (
            r#"<ItemOperations xmlns="ItemOperations"><Fetch><ServerId xmlns="AirSync">1:1</ServerId><CollectionId xmlns="AirSync">1</CollectionId></Fetch></ItemOperations>"#,
            io::STORE,
        ),
        (
            r#"<ItemOperations xmlns="ItemOperations"><Fetch><Store>Mailbox</Store></Fetch></ItemOperations>"#,
            a::SERVER_ID,
        ),
        (
            r#"<ItemOperations xmlns="ItemOperations"><Fetch><Store>Mailbox</Store><ServerId xmlns="AirSync">1:1</ServerId></Fetch></ItemOperations>"#,
            a::COLLECTION_ID,
        ),
        (
            r#"<ItemOperations xmlns="ItemOperations"><Fetch><Store>Mailbox</Store><FileReference xmlns="AirSyncBase">x</FileReference><Options><Range>9-1</Range></Options></Fetch></ItemOperations>"#,
            io::RANGE,
        ),
        (
            r#"<ItemOperations xmlns="ItemOperations"><Fetch><Store>Mailbox</Store><FileReference xmlns="AirSyncBase">x</FileReference><Options><Range>all</Range></Options></Fetch></ItemOperations>"#,
            io::RANGE,
        ),
        (
            r#"<ItemOperations xmlns="ItemOperations"><EmptyFolderContents/></ItemOperations>"#,
            a::COLLECTION_ID,
        ),
        (
            r#"<ItemOperations xmlns="ItemOperations"><Move><ConversationId/><DstFldId>9</DstFldId></Move></ItemOperations>"#,
            io::CONVERSATION_ID,
        ),
        (
            r#"<ItemOperations xmlns="ItemOperations"><Move><ConversationId>c</ConversationId></Move></ItemOperations>"#,
            io::DST_FLD_ID,
        ),
    ] {
        let err = ItemOperationsRequest::from_element(&xml(doc)).expect_err(doc);
        assert_eq!(err.element(), element, "{doc}");
    }
    assert!(matches!(
        ItemOperationsRequest::from_element(&Element::new(a::SYNC)),
        Err(ProtocolError::WrongDocumentElement { .. })
    ));
}

fn names(el: &Element) -> Vec<&'static str> {
    el.elements().map(|e| e.tag.name()).collect()
}

#[test]
fn responses_are_grouped_by_kind_in_schema_order() {
    let resp = ItemOperationsResponse::new(vec![
        OperationResponse::Fetch(FetchResponse {
            status: ItemOperationsStatus::Success,
            target: Some(FetchTarget::FileReference("5%3a12%3a2".into())),
            class: None,
            properties: Some(FetchProperties::Attachment(AttachmentProperties {
                content_type: Some("text/plain".into()),
                range: Some((0, 2)),
                total: Some(3),
                data: Some(AttachmentData::inline(b"abc")),
            })),
        }),
        OperationResponse::Move {
            status: ItemOperationsStatus::Success,
            conversation_id: b"c1".to_vec(),
        },
        OperationResponse::EmptyFolderContents {
            status: ItemOperationsStatus::Success,
            collection_id: id("4"),
        },
    ]);
    let el = resp.to_element();
    assert_eq!(names(&el), ["Status", "Response"]);
    let r = el.find(io::RESPONSE).expect("Response");
    assert_eq!(names(r), ["Move", "EmptyFolderContents", "Fetch"]);
    let fetch = r.find(io::FETCH).expect("Fetch");
    assert_eq!(names(fetch), ["Status", "FileReference", "Properties"]);
    let props = fetch.find(io::PROPERTIES).expect("Properties");
    assert_eq!(names(props), ["ContentType", "Range", "Total", "Data"]);
    assert_eq!(props.child_text(io::DATA).as_deref(), Some("YWJj"));
    assert_eq!(props.child_text(io::RANGE).as_deref(), Some("0-2"));
}

#[test]
fn an_item_fetch_puts_class_between_the_ids_and_unwraps_application_data() {
    let data = Element::new(a::APPLICATION_DATA).text_child(wbxml::tags::email::READ, "1");
    let resp = ItemOperationsResponse::new(vec![OperationResponse::Fetch(FetchResponse {
        status: ItemOperationsStatus::Success,
        target: Some(FetchTarget::Item {
            collection_id: id("5"),
            server_id: "5:12".into(),
        }),
        class: Some("Email".into()),
        properties: Some(FetchProperties::Item(data)),
    })]);
    let el = resp.to_element();
    let fetch = el
        .find(io::RESPONSE)
        .and_then(|r| r.find(io::FETCH))
        .expect("Fetch");
    assert_eq!(
        names(fetch),
        ["Status", "CollectionId", "ServerId", "Class", "Properties"]
    );
    assert_eq!(
        names(fetch.find(io::PROPERTIES).expect("Properties")),
        ["Read"]
    );
    let err = ItemOperationsResponse::error(ItemOperationsStatus::ProtocolError).to_element();
    assert_eq!(names(&err), ["Status"]);
}

#[test]
fn status_codes_round_trip() {
    for code in [
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16, 17, 18, 155, 156,
    ] {
        assert_eq!(
            ItemOperationsStatus::from_code(code).map(ItemOperationsStatus::code),
            Some(code)
        );
    }
    assert_eq!(ItemOperationsStatus::from_code(13), None);
}

#[test]
fn a_body_moves_to_a_multipart_part() {
    use crate::airsyncbase::Body;
    use crate::email::EmailItem;
    let item = EmailItem {
        body: Some(Body {
            preview: Some("hel".into()),
            ..Body::full(BodyType::Plain, "hello".into())
        }),
        ..EmailItem::default()
    };
    let mut data = item.to_application_data(crate::ProtocolVersion::V16_1);
    assert_eq!(move_body_to_part(&mut data, 1).as_deref(), Some("hello"));
    let body = data.find(asb::BODY).expect("Body");
    assert_eq!(
        names(body),
        ["Type", "EstimatedDataSize", "Truncated", "Preview", "Part"]
    );
    assert_eq!(body.child_text(io::PART).as_deref(), Some("1"));
    assert_eq!(
        move_body_to_part(&mut data, 2),
        None,
        "no data left to move"
    );
    let mut no_body = EmailItem::default().to_application_data(crate::ProtocolVersion::V16_1);
    assert_eq!(move_body_to_part(&mut no_body, 1), None);
}
