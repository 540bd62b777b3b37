use convert::mail::{
    AttachmentInfo, BodyPart, Disposition, PartKind, TransferEncoding, attachments, plan_body,
};

use super::*;

fn attachments_of(raw: &[u8]) -> Vec<AttachmentInfo> {
    let s = structure_of(raw);
    attachments(&s, &plan_body(&s, &req(WantedBody::Html)))
}

fn names(list: &[AttachmentInfo]) -> Vec<&str> {
    list.iter().map(|a| a.display_name.as_str()).collect()
}

/// A leaf as the IMAP server describes it: parameters as they are in the message.
fn leaf(
    section: &str,
    media: (&str, &str),
    params: &[(&str, &str)],
    disposition: Option<(&str, &[(&str, &str)])>,
) -> BodyPart {
    let own = |l: &[(&str, &str)]| {
        l.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    BodyPart {
        path: path(section),
        media_type: media.0.into(),
        media_subtype: media.1.into(),
        params: own(params),
        content_id: None,
        description: None,
        encoding: Some(TransferEncoding::Base64),
        size: 780,
        disposition: disposition.map(|(kind, p)| Disposition {
            kind: kind.into(),
            params: own(p),
        }),
        location: None,
        kind: PartKind::Leaf,
    }
}

fn mixed(children: Vec<BodyPart>) -> BodyPart {
    BodyPart {
        path: path(""),
        media_type: "multipart".into(),
        media_subtype: "mixed".into(),
        params: Vec::new(),
        content_id: None,
        description: None,
        encoding: None,
        size: 0,
        disposition: None,
        location: None,
        kind: PartKind::Multipart(children),
    }
}

#[test]
fn plain_and_alternative_messages_have_no_attachments() {
    assert!(attachments_of(&fixture("plain.eml")).is_empty());
    assert!(attachments_of(&fixture("alternative.eml")).is_empty());
}

#[test]
fn every_non_body_leaf_of_mixed_is_an_attachment_in_order() {
    let list = attachments_of(&fixture("mixed.eml"));
    let paths: Vec<String> = list.iter().map(|a| a.path.section()).collect();
    assert_eq!(paths, ["2", "3", "4", "5"]);
}

#[test]
fn rfc2231_filename_is_decoded() {
    let list = attachments_of(&fixture("mixed.eml"));
    assert_eq!(list[0].display_name, "€ Rechnung März.pdf");
    assert_eq!(list[0].media_type, "application/pdf");
    assert_eq!(list[0].method, 1);
}

#[test]
fn rfc2231_continuations_from_the_imap_server_are_joined_and_decoded() {
    let part = leaf(
        "2",
        ("application", "pdf"),
        &[],
        Some((
            "attachment",
            &[
                ("filename*0*", "UTF-8''%E2%82%AC%20Rechnung%20"),
                ("filename*1*", "M%C3%A4rz.pdf"),
            ],
        )),
    );
    let s = mixed(vec![leaf("1", ("text", "plain"), &[], None), part]);
    let list = attachments(&s, &plan_body(&s, &req(WantedBody::Plain)));
    assert_eq!(names(&list), ["€ Rechnung März.pdf"]);
}

#[test]
fn rfc2047_encoded_type_name_is_decoded() {
    let list = attachments_of(&fixture("mixed.eml"));
    assert_eq!(list[1].display_name, "Sommerföto.jpg");
}

#[test]
fn rfc2047_name_from_the_imap_server_is_decoded() {
    let part = leaf(
        "2",
        ("image", "jpeg"),
        &[("name", "=?UTF-8?B?U29tbWVyZsO2dG8uanBn?=")],
        None,
    );
    let s = mixed(vec![leaf("1", ("text", "plain"), &[], None), part]);
    let list = attachments(&s, &plan_body(&s, &req(WantedBody::Plain)));
    assert_eq!(names(&list), ["Sommerföto.jpg"]);
}

#[test]
fn disposition_filename_wins_over_type_name() {
    let part = leaf(
        "2",
        ("image", "png"),
        &[("name", "type.png")],
        Some(("attachment", &[("filename", "disp.png")])),
    );
    let s = mixed(vec![leaf("1", ("text", "plain"), &[], None), part]);
    let list = attachments(&s, &plan_body(&s, &req(WantedBody::Plain)));
    assert_eq!(names(&list), ["disp.png"]);
}

#[test]
fn a_path_in_a_filename_is_reduced_to_its_last_component() {
    let part = leaf(
        "2",
        ("text", "plain"),
        &[],
        Some(("attachment", &[("filename", "C:\\Users\\x\\notes.txt")])),
    );
    let s = mixed(vec![leaf("1", ("text", "plain"), &[], None), part]);
    let list = attachments(&s, &plan_body(&s, &req(WantedBody::Plain)));
    assert_eq!(names(&list), ["notes.txt"]);
}

#[test]
fn a_named_text_part_is_an_attachment_not_body() {
    let list = attachments_of(&fixture("mixed.eml"));
    assert_eq!(list[2].display_name, "notes.txt");
    assert_eq!(list[2].media_type, "text/plain");
}

#[test]
fn unnamed_part_gets_a_name_from_its_section_and_type() {
    let list = attachments_of(&fixture("mixed.eml"));
    assert_eq!(list[3].display_name, "attachment-5.bin");
    let png = leaf("2", ("image", "png"), &[], None);
    let s = mixed(vec![leaf("1", ("text", "plain"), &[], None), png]);
    let list = attachments(&s, &plan_body(&s, &req(WantedBody::Plain)));
    assert_eq!(names(&list), ["attachment-2.png"]);
}

#[test]
fn estimated_size_is_the_decoded_size() {
    let list = attachments_of(&fixture("mixed.eml"));
    // the PDF is 3016 bytes, base64 in lines of 76
    assert!(
        (2980..=3040).contains(&list[0].estimated_size),
        "{}",
        list[0].estimated_size
    );
    assert_eq!(list[2].estimated_size, 17);
}

#[test]
fn inline_image_of_related_html_is_inline_with_its_content_id() {
    let list = attachments_of(&fixture("related.eml"));
    assert_eq!(list.len(), 1);
    let png = &list[0];
    assert_eq!(png.path, path("2.2"));
    assert!(png.is_inline);
    assert_eq!(png.content_id.as_deref(), Some("logo@example.net"));
    assert_eq!(png.display_name, "attachment-2.2.png");
}

#[test]
fn image_with_inline_disposition_is_inline() {
    let list = attachments_of(&fixture("apple_inline.eml"));
    assert_eq!(
        names(&list),
        ["IMG_0001.jpg", "archive.zip", "attachment-5.txt"]
    );
    assert!(list[0].is_inline);
    assert!(!list[1].is_inline);
}

#[test]
fn text_after_the_first_attachment_is_an_attachment() {
    let list = attachments_of(&fixture("apple_inline.eml"));
    assert_eq!(list[2].path, path("5"));
    assert_eq!(list[2].media_type, "text/plain");
}

#[test]
fn attached_messages_are_method_5_named_by_description() {
    let list = attachments_of(&fixture("forwarded.eml"));
    assert_eq!(names(&list), ["Re: Lunch?", "message.eml"]);
    assert!(list.iter().all(|a| a.method == 5));
    assert_eq!(list[0].media_type, "message/rfc822");
    assert_eq!(list[0].path, path("2"));
}

#[test]
fn smime_signature_is_an_attachment() {
    let list = attachments_of(&fixture("smime_signed.eml"));
    assert_eq!(names(&list), ["smime.p7s"]);
}

#[test]
fn calendar_alternative_is_not_an_attachment_but_the_ics_file_is() {
    let list = attachments_of(&fixture("invite.eml"));
    assert_eq!(names(&list), ["invite.ics"]);
}

#[test]
fn report_parts_after_the_text_are_attachments() {
    let list = attachments_of(&fixture("ndr.eml"));
    assert_eq!(names(&list), ["attachment-2.txt", "attachment-3.txt"]);
}

#[test]
fn mime_plans_exclude_the_same_body_parts() {
    let s = structure_of(&fixture("mixed.eml"));
    let list = attachments(&s, &plan_body(&s, &req(WantedBody::Mime)));
    assert_eq!(list.len(), 4);
}
