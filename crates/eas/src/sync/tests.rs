use std::time::Duration;

use wbxml::{Element, tags::airsync as a, tags::email as em, tags::email2 as em2};

use super::*;
use crate::airsyncbase::BodyType;
use crate::error::ProtocolError;
use crate::ids::{CollectionId, SyncKey};
use crate::version::ProtocolVersion;

fn xml(doc: &str) -> Element {
    let tree = wbxml::from_xml(doc).expect("valid XML form");
    wbxml::decode(&wbxml::encode(&tree)).expect("decodes")
}

fn key(k: &str) -> SyncKey {
    SyncKey::new(k).expect("key")
}

fn id(i: &str) -> CollectionId {
    CollectionId::new(i).expect("id")
}

#[test]
fn an_initial_16_1_request_with_options_is_read() {
    let req = SyncRequest::from_element(&xml(
        r#"<Sync xmlns="AirSync"><Collections><Collection>
             <SyncKey>0</SyncKey><CollectionId>5</CollectionId>
             <Options><FilterType>3</FilterType>
               <BodyPreference xmlns="AirSyncBase"><Type>2</Type><TruncationSize>200000</TruncationSize><Preview>255</Preview></BodyPreference>
             </Options>
           </Collection></Collections></Sync>"#,
    ))
    .expect("parses");
    let c = &req.collections[0];
    assert!(c.sync_key.is_initial());
    assert_eq!(c.collection_id.as_str(), "5");
    assert!(!c.wants_changes(), "key 0 never gets changes");
    let o = c.options_for(None).expect("options");
    assert_eq!(o.filter_type, Some(FilterType::OneWeek));
    let pref = o.body_preference(BodyType::Html).expect("HTML preference");
    assert_eq!(pref.truncation_size, Some(200_000));
    assert_eq!(pref.preview, Some(255));
    assert!(!req.partial && req.interval().is_none());
}

#[test]
fn a_14_request_with_client_changes_and_two_classes_is_read() {
    let req = SyncRequest::from_element(&xml(
        r#"<Sync xmlns="AirSync"><Collections><Collection>
             <SyncKey>{9b1c}4</SyncKey><CollectionId>5</CollectionId>
             <DeletesAsMoves>0</DeletesAsMoves><GetChanges/><WindowSize>25</WindowSize>
             <ConversationMode>1</ConversationMode>
             <Options><Class>Email</Class><FilterType>5</FilterType></Options>
             <Options><Class>SMS</Class><FilterType>1</FilterType></Options>
             <Commands>
               <Change><ServerId>5:101</ServerId><ApplicationData>
                 <Read xmlns="Email">1</Read>
                 <Flag xmlns="Email"><Status>2</Status><FlagType>Flag for follow up</FlagType>
                   <StartDate xmlns="Tasks">2026-11-22T00:00:00.000Z</StartDate></Flag>
               </ApplicationData></Change>
               <Delete><ServerId>5:102</ServerId></Delete>
               <Fetch><ServerId>5:103</ServerId></Fetch>
               <Add><Class>SMS</Class><ClientId>c1</ClientId><ApplicationData><Read xmlns="Email">0</Read></ApplicationData></Add>
             </Commands>
           </Collection></Collections><HeartbeatInterval>600</HeartbeatInterval><WindowSize>100</WindowSize></Sync>"#,
    ))
    .expect("parses");
    assert_eq!(req.interval(), Some(Duration::from_secs(600)));
    assert_eq!(req.interval_limit(), None);
    assert_eq!(window_size(req.window_size), 100);
    let c = &req.collections[0];
    assert!(c.wants_changes() && !c.deletes_as_moves());
    assert_eq!(c.conversation_mode, Some(true));
    assert_eq!(window_size(c.window_size), 25);
    assert_eq!(
        c.options_for(Some("sms")).and_then(|o| o.filter_type),
        Some(FilterType::OneDay)
    );
    assert_eq!(c.commands.len(), 4);
    let ClientCommand::Change {
        server_id,
        application_data,
    } = &c.commands[0]
    else {
        panic!("a Change first: {:?}", c.commands[0]);
    };
    assert_eq!(server_id, "5:101");
    let change = EmailChange::from_application_data(application_data).expect("email change");
    assert_eq!(change.read, Some(true));
    let flag = change.flag.flatten().expect("flag");
    assert!(flag.is_active());
    assert_eq!(flag.start_date.as_deref(), Some("2026-11-22T00:00:00.000Z"));
    assert_eq!(
        c.commands[1],
        ClientCommand::Delete {
            server_id: "5:102".into()
        }
    );
    assert_eq!(
        c.commands[2],
        ClientCommand::Fetch {
            server_id: "5:103".into()
        }
    );
    assert!(
        matches!(&c.commands[3], ClientCommand::Add { client_id, class: Some(cl), .. }
        if client_id == "c1" && cl == "SMS")
    );
}

#[test]
fn a_12_1_request_with_class_in_the_collection_is_read() {
    let req = SyncRequest::from_element(&xml(
        r#"<Sync xmlns="AirSync"><Collections><Collection>
             <Class>Email</Class><SyncKey>7</SyncKey><CollectionId>1</CollectionId>
             <DeletesAsMoves/><GetChanges>0</GetChanges><WindowSize>0</WindowSize>
             <Options><FilterType>0</FilterType><MIMESupport>2</MIMESupport><MIMETruncation>1</MIMETruncation>
               <BodyPreference xmlns="AirSyncBase"><Type>4</Type><AllOrNone>1</AllOrNone></BodyPreference></Options>
           </Collection></Collections><Wait>10</Wait></Sync>"#,
    ))
    .expect("parses");
    let c = &req.collections[0];
    assert_eq!(c.class.as_deref(), Some("Email"));
    assert!(!c.wants_changes() && c.deletes_as_moves());
    assert_eq!(window_size(c.window_size), MAX_WINDOW_SIZE);
    let o = c
        .options_for(Some("Email"))
        .or(c.options_for(None))
        .expect("options");
    assert_eq!(o.mime_support, MimeSupport::Always);
    assert_eq!(
        o.mime_truncation.and_then(MimeTruncation::limit),
        Some(4096)
    );
    assert!(
        o.body_preference(BodyType::Mime)
            .is_some_and(|p| p.all_or_none)
    );
    assert_eq!(req.interval(), Some(Duration::from_secs(600)));
}

#[test]
fn a_16_draft_send_beside_application_data_moves_into_it() {
    let req = SyncRequest::from_element(&xml(
        r#"<Sync xmlns="AirSync"><Collections><Collection>
             <SyncKey>3</SyncKey><CollectionId>4</CollectionId><Commands>
               <Add><ClientId>d1</ClientId><ApplicationData><Subject xmlns="Email">x</Subject></ApplicationData><Send xmlns="Email2"/></Add>
             </Commands></Collection></Collections></Sync>"#,
    ))
    .expect("parses");
    let ClientCommand::Add {
        application_data, ..
    } = &req.collections[0].commands[0]
    else {
        panic!("an Add");
    };
    assert!(application_data.find(em2::SEND).is_some());
}

#[test]
fn out_of_range_intervals_get_the_nearest_limit() {
    let with = |wait, heartbeat| SyncRequest {
        wait,
        heartbeat_interval: heartbeat,
        ..SyncRequest::default()
    };
    assert_eq!(with(Some(0), None).interval_limit(), Some(1));
    assert_eq!(with(Some(60), None).interval_limit(), Some(59));
    assert_eq!(with(Some(59), None).interval_limit(), None);
    assert_eq!(with(None, Some(30)).interval_limit(), Some(60));
    assert_eq!(with(None, Some(4000)).interval_limit(), Some(3540));
    assert_eq!(with(None, None).interval_limit(), None);
}

#[test]
fn window_sizes_follow_the_spec_defaults() {
    assert_eq!(window_size(None), 100);
    assert_eq!(window_size(Some(0)), 512);
    assert_eq!(window_size(Some(1)), 1);
    assert_eq!(window_size(Some(10_000)), 512);
}

#[test]
fn a_request_survives_its_own_element() {
    let mut c = SyncCollectionRequest::new(key("12"), id("7"));
    c.get_changes = Some(true);
    c.deletes_as_moves = Some(false);
    c.window_size = Some(50);
    c.conversation_mode = Some(false);
    c.supported = vec![wbxml::tags::contacts::FIRST_NAME];
    c.options = vec![SyncOptions {
        filter_type: Some(FilterType::All),
        ..SyncOptions::default()
    }];
    c.commands = vec![
        ClientCommand::Change {
            server_id: "7:1".into(),
            application_data: Element::new(a::APPLICATION_DATA).text_child(em::READ, "1"),
        },
        ClientCommand::Add {
            client_id: "n1".into(),
            class: None,
            application_data: Element::new(a::APPLICATION_DATA),
        },
    ];
    let req = SyncRequest {
        collections: vec![c],
        wait: Some(5),
        heartbeat_interval: None,
        window_size: Some(200),
        partial: true,
    };
    let tree = wbxml::decode(&wbxml::encode(&req.to_element())).expect("decodes");
    assert_eq!(SyncRequest::from_element(&tree), Ok(req));
}

fn parse_error(doc: &str) -> ProtocolError {
    match SyncRequest::from_element(&xml(doc)) {
        Err(e) => e,
        Ok(r) => panic!("parsed: {r:?}"),
    }
}

#[test]
fn malformed_requests_are_protocol_errors() {
    assert_eq!(
        parse_error(
            r#"<Sync xmlns="AirSync"><Collections><Collection><CollectionId>1</CollectionId></Collection></Collections></Sync>"#
        ),
        ProtocolError::Missing {
            element: a::SYNC_KEY,
            parent: a::COLLECTION
        }
    );
    assert_eq!(
        parse_error(
            r#"<Sync xmlns="AirSync"><Collections><Collection><SyncKey>1</SyncKey></Collection></Collections></Sync>"#
        ),
        ProtocolError::Missing {
            element: a::COLLECTION_ID,
            parent: a::COLLECTION
        }
    );
    for (doc, element) in [
        (
            r#"<Sync xmlns="AirSync"><Wait>5</Wait><HeartbeatInterval>300</HeartbeatInterval></Sync>"#,
            a::HEARTBEAT_INTERVAL,
        ),
        (r#"<Sync xmlns="AirSync"><Wait>soon</Wait></Sync>"#, a::WAIT),
        (
            r#"<Sync xmlns="AirSync"><Collections><Collection><SyncKey></SyncKey><CollectionId>1</CollectionId></Collection></Collections></Sync>"#,
            a::SYNC_KEY,
        ),
        (
            r#"<Sync xmlns="AirSync"><Collections><Collection><SyncKey>1</SyncKey><CollectionId>1</CollectionId><WindowSize>-3</WindowSize></Collection></Collections></Sync>"#,
            a::WINDOW_SIZE,
        ),
        (
            r#"<Sync xmlns="AirSync"><Collections><Collection><SyncKey>1</SyncKey><CollectionId>1</CollectionId><GetChanges>maybe</GetChanges></Collection></Collections></Sync>"#,
            a::GET_CHANGES,
        ),
        (
            r#"<Sync xmlns="AirSync"><Collections><Collection><SyncKey>1</SyncKey><CollectionId>1</CollectionId>
                 <Options><Class>Email</Class></Options><Options><Class>email</Class></Options></Collection></Collections></Sync>"#,
            a::OPTIONS,
        ),
        (
            r#"<Sync xmlns="AirSync"><Collections><Collection><SyncKey>1</SyncKey><CollectionId>1</CollectionId>
                 <Commands><Delete><ServerId> </ServerId></Delete></Commands></Collection></Collections></Sync>"#,
            a::SERVER_ID,
        ),
    ] {
        assert_eq!(parse_error(doc).element(), element, "{doc}");
    }
    assert_eq!(
        parse_error(
            r#"<Sync xmlns="AirSync"><Collections><Collection><SyncKey>1</SyncKey><CollectionId>1</CollectionId>
                 <Commands><Add><ApplicationData/></Add></Commands></Collection></Collections></Sync>"#
        ),
        ProtocolError::Missing {
            element: a::CLIENT_ID,
            parent: a::ADD
        }
    );
    assert_eq!(
        parse_error(
            r#"<Sync xmlns="AirSync"><Collections><Collection><SyncKey>1</SyncKey><CollectionId>1</CollectionId>
                 <Commands><Change><ServerId>1:1</ServerId></Change></Commands></Collection></Collections></Sync>"#
        ),
        ProtocolError::Missing {
            element: a::APPLICATION_DATA,
            parent: a::CHANGE
        }
    );
    assert!(matches!(
        parse_error(r#"<Ping xmlns="Ping"/>"#),
        ProtocolError::WrongDocumentElement { .. }
    ));
}

#[test]
fn sync_status_codes_round_trip() {
    for code in [1, 3, 4, 5, 6, 7, 8, 9, 12, 13, 14, 15, 16, 110, 142] {
        assert_eq!(
            SyncStatus::from_code(code).map(SyncStatus::code),
            Some(code)
        );
    }
    for unused in [0, 2, 10, 11, 17] {
        assert_eq!(SyncStatus::from_code(unused), None);
    }
}

fn names(el: &Element) -> Vec<&'static str> {
    el.elements().map(|e| e.tag.name()).collect()
}

fn full_collection() -> SyncCollectionResponse {
    let mut c = SyncCollectionResponse::new(key("2"), id("5"), SyncStatus::Success);
    c.class = Some("Email".into());
    c.more_available = true;
    c.commands = vec![
        ServerCommand::Add {
            server_id: "5:1".into(),
            application_data: Element::new(a::APPLICATION_DATA).text_child(em::READ, "0"),
        },
        ServerCommand::SoftDelete {
            server_id: "5:0".into(),
        },
    ];
    c.responses = vec![
        ClientResponse::Add {
            client_id: "c1".into(),
            server_id: Some("5:9".into()),
            status: SyncStatus::Success,
        },
        ClientResponse::Fetch {
            server_id: "5:3".into(),
            status: SyncStatus::Success,
            // Not wrapped: to_element wraps it.
            application_data: Some(Element::with_text(em::READ, "1")),
        },
    ];
    c
}

#[test]
fn collection_children_are_ordered_and_class_is_12_x_only() {
    let resp = SyncResponse::new(vec![full_collection()]);
    let el = resp.to_element(ProtocolVersion::V12_1);
    let c = el
        .find(a::COLLECTIONS)
        .and_then(|cs| cs.find(a::COLLECTION))
        .expect("Collection");
    assert_eq!(
        names(c),
        [
            "Class",
            "SyncKey",
            "CollectionId",
            "Status",
            "Responses",
            "MoreAvailable",
            "Commands"
        ]
    );
    let el = resp.to_element(ProtocolVersion::V16_1);
    let c = el
        .find(a::COLLECTIONS)
        .and_then(|cs| cs.find(a::COLLECTION))
        .expect("Collection");
    assert_eq!(names(c)[0], "SyncKey");
    let fetch = c
        .find(a::RESPONSES)
        .and_then(|r| r.find(a::FETCH))
        .expect("Fetch");
    assert_eq!(names(fetch), ["ServerId", "Status", "ApplicationData"]);
    assert!(
        fetch
            .find(a::APPLICATION_DATA)
            .is_some_and(|d| d.find(em::READ).is_some())
    );
}

#[test]
fn a_response_reads_back() {
    let mut c = full_collection();
    c.class = None;
    if let Some(ClientResponse::Fetch {
        application_data, ..
    }) = c.responses.get_mut(1)
    {
        *application_data = Some(Element::new(a::APPLICATION_DATA).text_child(em::READ, "1"));
    }
    let resp = SyncResponse::new(vec![c]);
    let el = resp.to_element(ProtocolVersion::V14_1);
    assert_eq!(SyncResponse::from_element(&el), Ok(resp));
}

#[test]
fn errors_and_limits_are_status_alone_or_with_limit() {
    let el =
        SyncResponse::error(SyncStatus::FolderHierarchyChanged).to_element(ProtocolVersion::V14_0);
    assert_eq!(names(&el), ["Status"]);
    assert_eq!(el.child_text(a::STATUS).as_deref(), Some("12"));
    let mut limited = SyncResponse::limit(SyncStatus::InvalidWaitOrHeartbeat, 59);
    limited.collections.push(full_collection());
    let el = limited.to_element(ProtocolVersion::V16_1);
    assert_eq!(
        names(&el),
        ["Status", "Limit"],
        "Limit excludes Collections"
    );
    assert!(SyncResponse::default().is_empty());
    assert!(!SyncResponse::error(SyncStatus::Retry).is_empty());
}

#[test]
fn empty_commands_and_responses_are_left_out() {
    let c = SyncCollectionResponse::new(key("0"), id("5"), SyncStatus::InvalidSyncKey);
    let el = SyncResponse::new(vec![c]).to_element(ProtocolVersion::V16_1);
    let c = el
        .find(a::COLLECTIONS)
        .and_then(|cs| cs.find(a::COLLECTION))
        .expect("Collection");
    assert_eq!(names(c), ["SyncKey", "CollectionId", "Status"]);
}

#[test]
fn a_draft_send_is_written_beside_application_data_again() {
    let add = ClientCommand::Add {
        client_id: "d1".into(),
        class: None,
        application_data: Element::new(a::APPLICATION_DATA)
            .text_child(em::SUBJECT, "x")
            .child(Element::new(em2::SEND)),
    };
    let mut c = SyncCollectionRequest::new(key("3"), id("4"));
    c.commands = vec![add];
    let el = c.to_element();
    let add_el = el
        .find(a::COMMANDS)
        .and_then(|cs| cs.find(a::ADD))
        .expect("Add");
    assert_eq!(names(add_el), ["ClientId", "ApplicationData", "Send"]);
    assert!(
        add_el
            .find(a::APPLICATION_DATA)
            .is_some_and(|d| d.find(em2::SEND).is_none())
    );
    let tree = wbxml::decode(&wbxml::encode(&el)).expect("decodes");
    assert_eq!(SyncCollectionRequest::from_element(&tree), Ok(c));
}

fn attachment_references() -> ResponseData {
    ResponseData {
        attachments: vec![
            crate::airsyncbase::AttachmentReference {
                client_id: "a1".into(),
                file_reference: "4:17:1".into(),
            },
            crate::airsyncbase::AttachmentReference {
                client_id: "a2".into(),
                file_reference: "4:17:2".into(),
            },
        ],
        conversation_id: Some(vec![7; 16]),
        conversation_index: Some(vec![1, 2, 3, 4, 5]),
    }
}

#[test]
fn answers_with_attachment_references_are_written_for_16_and_read_back() {
    let mut c = SyncCollectionResponse::new(key("5"), id("4"), SyncStatus::Success);
    c.responses = vec![
        ClientResponse::AddWithData {
            client_id: "d1".into(),
            server_id: Some("4:17".into()),
            status: SyncStatus::Success,
            data: attachment_references(),
        },
        ClientResponse::ChangeWithData {
            server_id: "4:18".into(),
            status: SyncStatus::Success,
            data: ResponseData {
                attachments: attachment_references().attachments,
                ..ResponseData::default()
            },
        },
    ];
    let resp = SyncResponse::new(vec![c]);
    let el = resp.to_element(ProtocolVersion::V16_1);
    let responses = el
        .find(a::COLLECTIONS)
        .and_then(|cs| cs.find(a::COLLECTION))
        .and_then(|c| c.find(a::RESPONSES))
        .expect("Responses");
    let add = responses.find(a::ADD).expect("Add");
    assert_eq!(
        names(add),
        ["ClientId", "ServerId", "Status", "ApplicationData"]
    );
    let data = add.find(a::APPLICATION_DATA).expect("data");
    assert_eq!(
        names(data),
        ["Attachments", "ConversationId", "ConversationIndex"]
    );
    let att = data
        .find(wbxml::tags::airsyncbase::ATTACHMENTS)
        .and_then(|l| l.find(wbxml::tags::airsyncbase::ATTACHMENT))
        .expect("Attachment");
    assert_eq!(names(att), ["ClientId", "FileReference"]);
    let change = responses.find(a::CHANGE).expect("Change");
    assert_eq!(names(change), ["ServerId", "Status", "ApplicationData"]);
    let tree = wbxml::decode(&wbxml::encode(&el)).expect("decodes");
    assert_eq!(SyncResponse::from_element(&tree), Ok(resp));
}

#[test]
fn answers_with_data_are_plain_answers_before_16() {
    let mut c = SyncCollectionResponse::new(key("5"), id("4"), SyncStatus::Success);
    c.responses = vec![ClientResponse::AddWithData {
        client_id: "d1".into(),
        server_id: Some("4:17".into()),
        status: SyncStatus::Success,
        data: attachment_references(),
    }];
    let el = SyncResponse::new(vec![c]).to_element(ProtocolVersion::V14_1);
    let back = SyncResponse::from_element(&el).expect("reads");
    assert_eq!(
        back.collections[0].responses,
        [ClientResponse::Add {
            client_id: "d1".into(),
            server_id: Some("4:17".into()),
            status: SyncStatus::Success,
        }]
    );
}
