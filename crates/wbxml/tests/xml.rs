//! The XML form (shared/conformance/README.md): how trees are written and read back.

use wbxml::tags::{airsync, airsyncbase, composemail, folderhierarchy, gal, search};
use wbxml::{Element, Node, XmlError, decode, encode, from_xml, to_xml};

const DECL: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";

fn xml(body: &str) -> String {
    format!("{DECL}{body}")
}

// --- writing ----------------------------------------------------------------------------------

#[test]
fn the_root_declares_its_namespace_and_children_are_indented_by_two_spaces() {
    let tree = Element::new(airsync::SYNC)
        .child(Element::new(airsync::COLLECTIONS).text_child(airsync::SYNC_KEY, "0"));
    assert_eq!(
        to_xml(&tree),
        xml(
            "<Sync xmlns=\"AirSync\">\n  <Collections>\n    <SyncKey>0</SyncKey>\n  </Collections>\n</Sync>\n"
        )
    );
}

#[test]
fn a_namespace_is_declared_where_the_page_differs_from_the_parents() {
    let tree = Element::new(airsync::SYNC)
        .child(Element::new(airsyncbase::BODY).text_child(airsyncbase::TYPE, "1"))
        .text_child(airsync::STATUS, "1");
    assert_eq!(
        to_xml(&tree),
        xml(concat!(
            "<Sync xmlns=\"AirSync\">\n",
            "  <Body xmlns=\"AirSyncBase\">\n",
            "    <Type>1</Type>\n",
            "  </Body>\n",
            "  <Status>1</Status>\n",
            "</Sync>\n"
        ))
    );
}

#[test]
fn an_element_without_content_is_self_closing() {
    assert_eq!(
        to_xml(&Element::new(airsync::SYNC)),
        xml("<Sync xmlns=\"AirSync\"/>\n")
    );
}

#[test]
fn an_element_with_the_content_bit_and_no_content_has_a_start_and_an_end_tag() {
    let tree = Element::with_text(airsync::SYNC_KEY, "");
    assert_eq!(
        to_xml(&tree),
        xml("<SyncKey xmlns=\"AirSync\"></SyncKey>\n")
    );
}

#[test]
fn text_escapes_markup_and_carriage_returns() {
    let tree = Element::with_text(airsync::SYNC_KEY, "a<b>&c\r\nd\t\"e'");
    assert_eq!(
        to_xml(&tree),
        xml("<SyncKey xmlns=\"AirSync\">a&lt;b&gt;&amp;c&#13;\nd\t\"e'</SyncKey>\n")
    );
}

#[test]
fn characters_xml_forbids_are_written_as_character_references() {
    let tree = Element::with_text(airsync::SYNC_KEY, "a\u{1}b\u{FFFE}");
    assert_eq!(
        to_xml(&tree),
        xml("<SyncKey xmlns=\"AirSync\">a&#1;b&#65534;</SyncKey>\n")
    );
}

#[test]
fn utf8_opaque_is_written_as_cdata() {
    let tree = Element::with_opaque(airsyncbase::DATA, "<p>hi</p>\n".as_bytes());
    assert_eq!(
        to_xml(&tree),
        xml("<Data xmlns=\"AirSyncBase\"><![CDATA[<p>hi</p>\n]]></Data>\n")
    );
}

#[test]
fn opaque_that_cdata_cannot_carry_exactly_is_written_as_base64() {
    for bytes in [
        &[0xFF, 0x00][..], // not UTF-8
        b"a]]>b",          // would end the section
        b"a\r\nb",         // XML parsers turn CR LF into LF
        b"a\x01b",         // not allowed in XML
    ] {
        let tree = Element::with_opaque(composemail::MIME, bytes);
        let text = to_xml(&tree);
        assert!(
            text.contains("<Mime xmlns=\"ComposeMail\" encoding=\"base64\">"),
            "{text}"
        );
        assert_eq!(from_xml(&text).unwrap(), tree);
    }
}

#[test]
fn elements_with_text_are_written_inline_including_child_elements() {
    let tree = Element {
        tag: airsync::SYNC,
        children: vec![
            Node::Text(" a ".into()),
            Node::Element(Element::new(airsync::STATUS).text_child(airsync::SYNC_KEY, "1")),
        ],
    };
    assert_eq!(
        to_xml(&tree),
        xml("<Sync xmlns=\"AirSync\"> a <Status><SyncKey>1</SyncKey></Status></Sync>\n")
    );
    assert_eq!(from_xml(&to_xml(&tree)).unwrap(), tree);
}

// --- reading ----------------------------------------------------------------------------------

#[test]
fn reading_accepts_namespaces_with_a_trailing_colon() {
    let tree = from_xml("<Sync xmlns=\"AirSync:\"><Body xmlns=\"AirSyncBase:\"/></Sync>").unwrap();
    assert_eq!(
        tree,
        Element::new(airsync::SYNC).child(Element::new(airsyncbase::BODY))
    );
}

#[test]
fn reading_accepts_prefixed_namespaces() {
    let tree = from_xml(
        "<Sync xmlns=\"AirSync:\" xmlns:airsyncbase=\"AirSyncBase:\"><airsyncbase:Body/></Sync>",
    )
    .unwrap();
    assert_eq!(
        tree,
        Element::new(airsync::SYNC).child(Element::new(airsyncbase::BODY))
    );
}

#[test]
fn reading_ignores_declaration_doctype_comments_and_processing_instructions() {
    let tree = from_xml(concat!(
        "<?xml version=\"1.0\"?>\n",
        "<!DOCTYPE ActiveSync PUBLIC \"-//MICROSOFT//DTD ActiveSync//EN\" \"http://www.microsoft.com/\">\n",
        "<!-- a comment -->\n",
        "<?pi data?>\n",
        "<FolderSync xmlns=\"FolderHierarchy\"><!-- x --><SyncKey>0</SyncKey></FolderSync>\n",
        "<!-- trailing -->\n"
    ))
    .unwrap();
    assert_eq!(
        tree,
        Element::new(folderhierarchy::FOLDER_SYNC).text_child(folderhierarchy::SYNC_KEY, "0")
    );
}

#[test]
fn whitespace_between_elements_is_layout_but_whitespace_in_text_is_kept() {
    let tree = from_xml(
        "<Sync xmlns=\"AirSync\">\n  <SyncKey>  0 \n</SyncKey>\n  <Status> </Status>\n</Sync>",
    )
    .unwrap();
    assert_eq!(
        tree,
        Element::new(airsync::SYNC)
            .text_child(airsync::SYNC_KEY, "  0 \n")
            .text_child(airsync::STATUS, " ")
    );
}

#[test]
fn reading_resolves_entities_and_character_references() {
    let tree =
        from_xml("<SyncKey xmlns=\"AirSync\">&lt;&gt;&amp;&quot;&apos;&#13;&#x41;&#233;</SyncKey>")
            .unwrap();
    assert_eq!(tree.text().unwrap(), "<>&\"'\rAé");
}

#[test]
fn reading_normalises_literal_line_breaks_as_xml_does() {
    let tree = from_xml("<SyncKey xmlns=\"AirSync\">a\r\nb\rc</SyncKey>").unwrap();
    assert_eq!(tree.text().unwrap(), "a\nb\nc");
}

#[test]
fn cdata_reads_as_opaque_and_base64_elements_read_as_opaque_bytes() {
    let tree = from_xml(concat!(
        "<Search xmlns=\"Search\"><ConversationId><![CDATA[x]]></ConversationId>",
        "<ConversationId encoding=\"base64\">/w\n==</ConversationId></Search>"
    ))
    .unwrap();
    assert_eq!(
        tree,
        Element::new(search::SEARCH)
            .child(Element::with_opaque(search::CONVERSATION_ID, b"x".to_vec()))
            .child(Element::with_opaque(search::CONVERSATION_ID, vec![0xFF]))
    );
}

#[test]
fn an_unknown_element_is_refused() {
    let e = from_xml("<Sync xmlns=\"AirSync\"><Nonsense/></Sync>").unwrap_err();
    assert!(
        matches!(e, XmlError::UnknownElement { ref name, .. } if name == "Nonsense"),
        "{e}"
    );
}

#[test]
fn an_element_of_another_page_is_unknown_without_its_namespace() {
    let e = from_xml("<Sync xmlns=\"AirSync\"><DisplayName/></Sync>").unwrap_err();
    assert!(matches!(e, XmlError::UnknownElement { .. }), "{e}");
    let ok = from_xml("<Sync xmlns=\"AirSync\"><DisplayName xmlns=\"GAL\"/></Sync>").unwrap();
    assert_eq!(ok.elements().next().unwrap().tag, gal::DISPLAY_NAME);
}

#[test]
fn an_unknown_namespace_is_refused() {
    let e = from_xml("<Sync xmlns=\"Nope\"/>").unwrap_err();
    assert!(matches!(e, XmlError::UnknownNamespace { ref namespace, .. } if namespace == "Nope"));
}

#[test]
fn an_element_without_a_namespace_is_refused() {
    assert!(matches!(
        from_xml("<Sync/>"),
        Err(XmlError::NoNamespace { .. })
    ));
}

#[test]
fn an_unknown_attribute_or_encoding_is_refused() {
    assert!(matches!(
        from_xml("<Sync xmlns=\"AirSync\" id=\"1\"/>"),
        Err(XmlError::UnknownAttribute { .. })
    ));
    assert!(matches!(
        from_xml("<Sync xmlns=\"AirSync\" encoding=\"hex\"/>"),
        Err(XmlError::UnknownEncoding { .. })
    ));
}

#[test]
fn an_unknown_entity_is_refused() {
    assert!(matches!(
        from_xml("<SyncKey xmlns=\"AirSync\">&nbsp;</SyncKey>"),
        Err(XmlError::UnknownEntity { .. })
    ));
}

#[test]
fn invalid_base64_is_refused() {
    assert!(matches!(
        from_xml("<Mime xmlns=\"ComposeMail\" encoding=\"base64\">*</Mime>"),
        Err(XmlError::InvalidBase64 { .. })
    ));
}

#[test]
fn nul_in_text_is_refused() {
    assert!(matches!(
        from_xml("<SyncKey xmlns=\"AirSync\">a\0b</SyncKey>"),
        Err(XmlError::NulInText { .. })
    ));
    assert!(matches!(
        from_xml("<SyncKey xmlns=\"AirSync\">&#0;</SyncKey>"),
        Err(XmlError::InvalidCharacterReference { .. })
    ));
}

#[test]
fn text_outside_the_root_is_refused() {
    assert!(matches!(
        from_xml("x<Sync xmlns=\"AirSync\"/>"),
        Err(XmlError::TextOutsideRoot { .. })
    ));
}

#[test]
fn a_second_root_is_refused() {
    assert!(matches!(
        from_xml("<Sync xmlns=\"AirSync\"/><Sync xmlns=\"AirSync\"/>"),
        Err(XmlError::SecondRoot { .. })
    ));
}

#[test]
fn no_root_is_refused() {
    assert!(matches!(
        from_xml("<?xml version=\"1.0\"?>"),
        Err(XmlError::NoRoot)
    ));
}

#[test]
fn malformed_xml_is_a_syntax_error() {
    assert!(matches!(
        from_xml("<Sync xmlns=\"AirSync\"><Status></Sync>"),
        Err(XmlError::Syntax { .. })
    ));
    assert!(matches!(
        from_xml("<Sync xmlns=\"AirSync\">"),
        Err(XmlError::Syntax { .. } | XmlError::Unclosed { .. })
    ));
}

#[test]
fn nesting_deeper_than_the_default_depth_limit_is_refused() {
    let deep = "<Sync xmlns=\"AirSync\">".repeat(100_000);
    assert!(matches!(
        from_xml(&deep),
        Err(XmlError::TooDeep { max: 64, .. })
    ));
}

// --- both ways --------------------------------------------------------------------------------

#[test]
fn the_readme_forms_survive_xml_to_wbxml_to_xml() {
    let text = xml(concat!(
        "<SendMail xmlns=\"ComposeMail\">\n",
        "  <ClientId>1</ClientId>\n",
        "  <SaveInSentItems/>\n",
        "  <AccountId></AccountId>\n",
        "  <Mime encoding=\"base64\">RnJvbTogYQ0KDQpoaQ==</Mime>\n",
        "  <Status><![CDATA[plain ]] text]]></Status>\n",
        "  <Source>\n",
        "    <ItemId>a&amp;b&#13;\nc</ItemId>\n",
        "    <Data xmlns=\"AirSyncBase\"> x </Data>\n",
        "  </Source>\n",
        "</SendMail>\n"
    ));
    let bytes = encode(&from_xml(&text).unwrap());
    assert_eq!(to_xml(&decode(&bytes).unwrap()), text);
}
