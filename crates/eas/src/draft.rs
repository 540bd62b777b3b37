//! Drafts in Sync (16.0+): the `ApplicationData` of a device's Add or Change in a Drafts
//! folder, read into [`DraftEmail`].
//!
//! A 16.x device creates and edits drafts with Sync (MS-ASEMAIL 3.1.5.4) and sends one by
//! adding `email2:Send` beside the `ApplicationData` (MS-ASEMAIL 2.2.2.69; the Sync request
//! reader moves it inside, see [`crate::sync::ClientCommand`]). A draft may carry To, Cc, Bcc,
//! Subject, Importance, ReplyTo, Attachments, Body, Read and Flag; with a MIME body (Type 4)
//! only Importance, Attachments, Body, Read and Flag. Attachments are added inline
//! (`airsyncbase:Attachments/Add`, with a temporary `ClientId` and the `Content`) and deleted
//! by `FileReference` (MS-ASAIRS 2.2.2.2, 2.2.2.21); the server answers each added attachment
//! with its `FileReference` ([`crate::airsyncbase::AttachmentReference`] in
//! [`crate::sync::ClientResponse::AddWithData`] and [`crate::sync::ClientResponse::ChangeWithData`]).
//!
//! In a Change only what the device sent is `Some`: an absent element means "unchanged". The
//! specs do not say how a device clears a text property of a draft; an empty element
//! (`<Cc/>`) is kept as `Some(String::new())`, which the engine reads as "now empty".

use wbxml::{
    Element, tags::airsync as a, tags::airsyncbase as asb, tags::email as em, tags::email2 as em2,
};

use crate::airsyncbase::BodyType;
use crate::email::{Flag, categories_element, flag_element};
use crate::error::{
    ProtocolError, bool_text, parse_bool, parse_bool_or_empty, parse_text, required, required_id,
    required_text, text_of,
};

/// A draft's body as the device writes it (`airsyncbase:Body` with `Type` and `Data`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DraftBody {
    /// Plain (1), HTML (2), RTF (3) or the whole message as MIME (4).
    pub body_type: BodyType,
    /// Required in a draft: a body without data would wipe the draft's text on a guess. An
    /// empty `<Data/>` is an empty body.
    pub data: String,
}

impl DraftBody {
    /// Reads a request `Body`: `Type` and `Data` (EstimatedDataSize, Truncated and Preview,
    /// which only responses carry, are ignored).
    pub fn from_element(el: &Element) -> Result<DraftBody, ProtocolError> {
        let code: u8 = parse_text(required(el, asb::TYPE)?)?;
        let body_type = BodyType::from_code(code).ok_or_else(|| ProtocolError::Invalid {
            element: asb::TYPE,
            value: code.to_string(),
        })?;
        Ok(DraftBody {
            body_type,
            data: required_text(el, asb::DATA)?,
        })
    }

    /// `<Body><Type/><Data/></Body>` (AirSyncBase.xsd sequence order).
    pub fn to_element(&self) -> Element {
        Element::new(asb::BODY)
            .text_child(asb::TYPE, self.body_type.code().to_string())
            .text_child(asb::DATA, self.data.as_str())
    }
}

/// An attachment a device adds to a draft (`airsyncbase:Attachments/Add`, MS-ASAIRS 2.2.2.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttachmentAdd {
    /// The device's temporary id; the response maps it to a `FileReference`.
    pub client_id: String,
    pub display_name: String,
    /// The MIME type of `content`, when the device says.
    pub content_type: Option<String>,
    /// The attachment's bytes (OPAQUE, or a string).
    pub content: Vec<u8>,
    /// [`crate::airsyncbase::Attachment::BY_VALUE`], `EMBEDDED_MESSAGE` or `OLE`.
    pub method: u8,
    pub content_id: Option<String>,
    pub content_location: Option<String>,
    pub is_inline: bool,
}

impl AttachmentAdd {
    /// Reads an `Add`: ClientId, Content, DisplayName and Method are required (MS-ASAIRS
    /// 2.2.2.2), the others optional; an empty `<IsInline/>` means true.
    pub fn from_element(el: &Element) -> Result<AttachmentAdd, ProtocolError> {
        let content_el = required(el, asb::CONTENT)?;
        let content = content_el.bytes().ok_or_else(|| ProtocolError::Invalid {
            element: asb::CONTENT,
            value: "child elements".to_owned(),
        })?;
        let optional = |tag| el.find(tag).map(text_of).transpose();
        Ok(AttachmentAdd {
            client_id: required_id(el, asb::CLIENT_ID)?,
            display_name: required_text(el, asb::DISPLAY_NAME)?,
            content_type: optional(asb::CONTENT_TYPE)?,
            content,
            method: parse_text(required(el, asb::METHOD)?)?,
            content_id: optional(asb::CONTENT_ID)?,
            content_location: optional(asb::CONTENT_LOCATION)?,
            is_inline: el
                .find(asb::IS_INLINE)
                .map(parse_bool_or_empty)
                .transpose()?
                .unwrap_or(false),
        })
    }

    /// The `Add` element, content as OPAQUE (for tests and test clients). Children in the
    /// order of MS-ASAIRS 2.2.2.2 (the schema is an `xs:all`).
    pub fn to_element(&self) -> Element {
        let mut el = Element::new(asb::ADD)
            .text_child(asb::CLIENT_ID, self.client_id.as_str())
            .child(Element::with_opaque(asb::CONTENT, self.content.clone()));
        if let Some(c) = &self.content_id {
            el.push(Element::with_text(asb::CONTENT_ID, c.as_str()));
        }
        if let Some(c) = &self.content_location {
            el.push(Element::with_text(asb::CONTENT_LOCATION, c.as_str()));
        }
        if let Some(c) = &self.content_type {
            el.push(Element::with_text(asb::CONTENT_TYPE, c.as_str()));
        }
        el.push(Element::with_text(
            asb::DISPLAY_NAME,
            self.display_name.as_str(),
        ));
        if self.is_inline {
            el.push(Element::with_text(asb::IS_INLINE, "1"));
        }
        el.child(Element::with_text(asb::METHOD, self.method.to_string()))
    }
}

/// A draft as a 16.x device writes it in a Sync Add or Change (MS-ASEMAIL 3.1.5.4). Every field
/// is what the device sent; `None` (or empty lists) when it sent nothing, which in a Change
/// means "unchanged".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DraftEmail {
    /// Address lists as the device wrote them (RFC 5322 text, `,` or `;` separated).
    pub to: Option<String>,
    pub cc: Option<String>,
    /// `email2:Bcc`.
    pub bcc: Option<String>,
    pub reply_to: Option<String>,
    pub subject: Option<String>,
    /// 0 low, 1 normal, 2 high.
    pub importance: Option<u8>,
    pub body: Option<DraftBody>,
    pub attachments_add: Vec<AttachmentAdd>,
    /// `FileReference`s of attachments to remove.
    pub attachments_delete: Vec<String>,
    /// `email2:Send` was present: send the draft now (and remove it from Drafts), instead of
    /// saving it (MS-ASEMAIL 2.2.2.69).
    pub send: bool,
    pub read: Option<bool>,
    /// `Some(None)`: an empty `<Flag/>`, which clears the flag.
    pub flag: Option<Option<Flag>>,
    /// Not in MS-ASEMAIL's list for drafts, but kept when a device sends it.
    /// `Some(vec![])`: an empty `<Categories/>`.
    pub categories: Option<Vec<String>>,
}

impl DraftEmail {
    /// Reads the `ApplicationData` of a draft Add or Change (with `email2:Send` inside it, as
    /// [`crate::sync::ClientCommand`] keeps it). Properties a draft does not carry (and the
    /// read-only ones a client may echo, such as `email2:IsDraft`) are ignored.
    pub fn from_application_data(el: &Element) -> Result<DraftEmail, ProtocolError> {
        let mut d = DraftEmail::default();
        for child in el.elements() {
            let text = || text_of(child).map(Some);
            match child.tag {
                em::TO => d.to = text()?,
                em::CC => d.cc = text()?,
                em2::BCC => d.bcc = text()?,
                em::REPLY_TO => d.reply_to = text()?,
                em::SUBJECT => d.subject = text()?,
                em::IMPORTANCE => {
                    let v: u8 = parse_text(child)?;
                    if v > 2 {
                        return Err(ProtocolError::Invalid {
                            element: child.tag,
                            value: v.to_string(),
                        });
                    }
                    d.importance = Some(v);
                }
                em::READ => d.read = Some(parse_bool(child)?),
                em::FLAG => {
                    d.flag = Some(if child.elements().next().is_none() {
                        None
                    } else {
                        Some(Flag::from_element(child)?)
                    });
                }
                em::CATEGORIES => {
                    d.categories = Some(
                        child
                            .find_all(em::CATEGORY)
                            .map(text_of)
                            .collect::<Result<_, _>>()?,
                    );
                }
                asb::BODY => d.body = Some(DraftBody::from_element(child)?),
                asb::ATTACHMENTS => {
                    for op in child.elements() {
                        match op.tag {
                            asb::ADD => d.attachments_add.push(AttachmentAdd::from_element(op)?),
                            asb::DELETE => d
                                .attachments_delete
                                .push(required_id(op, asb::FILE_REFERENCE)?),
                            // `Attachment` is response-only (MS-ASAIRS 2.2.2.7: "Command
                            // requests MUST NOT include" it); nothing to do with one.
                            _ => {}
                        }
                    }
                }
                em2::SEND => d.send = true,
                _ => {}
            }
        }
        Ok(d)
    }

    /// The `ApplicationData` element (for tests and test clients), with `email2:Send` inside
    /// it as the Sync request reader keeps it ([`crate::sync::ClientCommand::Add`] writes it
    /// back beside). Order of the list in MS-ASEMAIL 3.1.5.4.
    pub fn to_application_data(&self) -> Element {
        let mut el = Element::new(a::APPLICATION_DATA);
        let texts = [
            (em::TO, &self.to),
            (em::CC, &self.cc),
            (em2::BCC, &self.bcc),
            (em::SUBJECT, &self.subject),
        ];
        for (tag, value) in texts {
            if let Some(v) = value {
                el.push(Element::with_text(tag, v.as_str()));
            }
        }
        if let Some(i) = self.importance {
            el.push(Element::with_text(em::IMPORTANCE, i.to_string()));
        }
        if let Some(r) = &self.reply_to {
            el.push(Element::with_text(em::REPLY_TO, r.as_str()));
        }
        if !self.attachments_add.is_empty() || !self.attachments_delete.is_empty() {
            let mut list = Element::new(asb::ATTACHMENTS);
            for add in &self.attachments_add {
                list.push(add.to_element());
            }
            for reference in &self.attachments_delete {
                list.push(
                    Element::new(asb::DELETE).text_child(asb::FILE_REFERENCE, reference.as_str()),
                );
            }
            el.push(list);
        }
        if let Some(b) = &self.body {
            el.push(b.to_element());
        }
        if let Some(r) = self.read {
            el.push(Element::with_text(em::READ, bool_text(r)));
        }
        if let Some(f) = &self.flag {
            el.push(flag_element(f.as_ref()));
        }
        if let Some(c) = &self.categories {
            el.push(categories_element(c));
        }
        if self.send {
            el.push(Element::new(em2::SEND));
        }
        el
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::{ClientCommand, SyncRequest};

    fn xml(doc: &str) -> Element {
        let tree = wbxml::from_xml(doc).expect("valid XML form");
        wbxml::decode(&wbxml::encode(&tree)).expect("decodes")
    }

    /// The `ApplicationData` of the first command of a Sync request.
    fn first_command(doc: &str) -> ClientCommand {
        let req = SyncRequest::from_element(&xml(doc)).expect("parses");
        req.collections[0].commands[0].clone()
    }

    #[test]
    fn a_draft_add_with_body_two_attachments_and_send_is_read() {
        let cmd = first_command(
            r#"<Sync xmlns="AirSync"><Collections><Collection>
                 <SyncKey>3</SyncKey><CollectionId>4</CollectionId><Commands>
                   <Add><ClientId>d1</ClientId><ApplicationData>
                     <To xmlns="Email">"Jo" &lt;jo@example.org&gt;</To>
                     <Cc xmlns="Email">al@example.org</Cc>
                     <Bcc xmlns="Email2">hidden@example.org</Bcc>
                     <Subject xmlns="Email">Report</Subject>
                     <Importance xmlns="Email">2</Importance>
                     <Attachments xmlns="AirSyncBase">
                       <Add><ClientId>a1</ClientId><Content><![CDATA[hello]]></Content>
                         <ContentType>text/plain</ContentType><DisplayName>a.txt</DisplayName><Method>1</Method></Add>
                       <Add><ClientId>a2</ClientId><Content encoding="base64">iVBORw0=</Content>
                         <ContentId>img1@x</ContentId><DisplayName>logo.png</DisplayName><IsInline>1</IsInline><Method>1</Method></Add>
                     </Attachments>
                     <Body xmlns="AirSyncBase"><Type>2</Type><Data>&lt;p&gt;See attached&lt;/p&gt;</Data></Body>
                   </ApplicationData><Send xmlns="Email2"/></Add>
                 </Commands></Collection></Collections></Sync>"#,
        );
        let ClientCommand::Add {
            application_data, ..
        } = cmd
        else {
            panic!("an Add");
        };
        let d = DraftEmail::from_application_data(&application_data).expect("draft");
        assert_eq!(d.to.as_deref(), Some("\"Jo\" <jo@example.org>"));
        assert_eq!(d.bcc.as_deref(), Some("hidden@example.org"));
        assert_eq!(d.importance, Some(2));
        assert!(d.send);
        assert_eq!(
            d.body,
            Some(DraftBody {
                body_type: BodyType::Html,
                data: "<p>See attached</p>".into()
            })
        );
        assert_eq!(d.attachments_add.len(), 2);
        assert_eq!(d.attachments_add[0].content, b"hello");
        assert_eq!(
            d.attachments_add[0].content_type.as_deref(),
            Some("text/plain")
        );
        assert!(!d.attachments_add[0].is_inline);
        assert_eq!(d.attachments_add[1].content, b"\x89PNG\r");
        assert_eq!(d.attachments_add[1].content_id.as_deref(), Some("img1@x"));
        assert!(d.attachments_add[1].is_inline);
        assert!(d.attachments_delete.is_empty());
        assert_eq!(d.read, None);
    }

    #[test]
    fn a_draft_change_that_only_deletes_an_attachment_changes_nothing_else() {
        let cmd = first_command(
            r#"<Sync xmlns="AirSync"><Collections><Collection>
                 <SyncKey>4</SyncKey><CollectionId>4</CollectionId><Commands>
                   <Change><ServerId>4:17</ServerId><ApplicationData>
                     <Attachments xmlns="AirSyncBase"><Delete><FileReference>4:17:2</FileReference></Delete></Attachments>
                   </ApplicationData></Change>
                 </Commands></Collection></Collections></Sync>"#,
        );
        let ClientCommand::Change {
            application_data, ..
        } = cmd
        else {
            panic!("a Change");
        };
        let d = DraftEmail::from_application_data(&application_data).expect("draft");
        assert_eq!(
            d,
            DraftEmail {
                attachments_delete: vec!["4:17:2".into()],
                ..DraftEmail::default()
            }
        );
    }

    #[test]
    fn an_empty_element_in_a_change_clears_the_property() {
        let d = DraftEmail::from_application_data(&xml(
            r#"<ApplicationData xmlns="AirSync"><Cc xmlns="Email"/><Flag xmlns="Email"/></ApplicationData>"#,
        ))
        .expect("draft");
        assert_eq!(d.cc.as_deref(), Some(""));
        assert_eq!(d.flag, Some(None));
        assert_eq!(d.to, None);
    }

    #[test]
    fn a_draft_round_trips_through_its_element() {
        let d = DraftEmail {
            to: Some("jo@example.org".into()),
            cc: Some(String::new()),
            bcc: Some("b@example.org".into()),
            reply_to: Some("r@example.org".into()),
            subject: Some("S".into()),
            importance: Some(0),
            body: Some(DraftBody {
                body_type: BodyType::Plain,
                data: "text\r\n".into(),
            }),
            attachments_add: vec![AttachmentAdd {
                client_id: "c1".into(),
                display_name: "x.bin".into(),
                content_type: Some("application/octet-stream".into()),
                content: vec![0, 255, 1],
                method: 1,
                content_id: Some("cid".into()),
                content_location: Some("loc".into()),
                is_inline: true,
            }],
            attachments_delete: vec!["5:1:1".into()],
            send: true,
            read: Some(true),
            flag: Some(Some(Flag::active())),
            categories: Some(vec!["Red".into()]),
        };
        let el = wbxml::decode(&wbxml::encode(&d.to_application_data())).expect("decodes");
        assert_eq!(DraftEmail::from_application_data(&el), Ok(d));
    }

    #[test]
    fn an_attachment_add_without_content_or_a_bad_importance_is_a_protocol_error() {
        let no_content = xml(
            r#"<ApplicationData xmlns="AirSync"><Attachments xmlns="AirSyncBase"><Add>
                 <ClientId>a1</ClientId><DisplayName>a</DisplayName><Method>1</Method></Add></Attachments></ApplicationData>"#,
        );
        assert_eq!(
            DraftEmail::from_application_data(&no_content),
            Err(ProtocolError::Missing {
                element: asb::CONTENT,
                parent: asb::ADD
            })
        );
        let importance = xml(
            r#"<ApplicationData xmlns="AirSync"><Importance xmlns="Email">7</Importance></ApplicationData>"#,
        );
        assert!(matches!(
            DraftEmail::from_application_data(&importance),
            Err(ProtocolError::Invalid { .. })
        ));
        let no_data = xml(
            r#"<ApplicationData xmlns="AirSync"><Body xmlns="AirSyncBase"><Type>1</Type></Body></ApplicationData>"#,
        );
        assert!(DraftEmail::from_application_data(&no_data).is_err());
    }
}
