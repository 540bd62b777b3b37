use convert::mail::{Headers, message_class, parse_headers};

use super::*;

fn class_of(raw: &[u8]) -> String {
    message_class(&structure_of(raw), &parse_headers(header_block(raw)))
}

#[test]
fn ordinary_mail_is_ipm_note() {
    assert_eq!(class_of(&fixture("plain.eml")), "IPM.Note");
    assert_eq!(class_of(&fixture("mixed.eml")), "IPM.Note");
}

#[test]
fn smime_multipart_signed_is_multipart_signed() {
    assert_eq!(
        class_of(&fixture("smime_signed.eml")),
        "IPM.Note.SMIME.MultipartSigned"
    );
}

#[test]
fn pgp_signed_is_a_plain_note() {
    let raw = crlf(b"Content-Type: multipart/signed; protocol=\"application/pgp-signature\"; boundary=S\n\n--S\nContent-Type: text/plain\n\nx\n--S\nContent-Type: application/pgp-signature\n\nsig\n--S--\n");
    assert_eq!(class_of(&raw), "IPM.Note");
}

#[test]
fn pkcs7_mime_is_smime() {
    let raw = crlf(b"Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\nContent-Transfer-Encoding: base64\n\nMIAGCSqGSIb3DQEHA6CAMIACAQA=\n");
    assert_eq!(class_of(&raw), "IPM.Note.SMIME");
}

#[test]
fn delivery_status_report_is_ndr() {
    assert_eq!(class_of(&fixture("ndr.eml")), "REPORT.IPM.Note.NDR");
}

#[test]
fn read_receipt_report_is_ipnrn() {
    let raw = crlf(b"Content-Type: multipart/report; report-type=disposition-notification; boundary=R\n\n--R\nContent-Type: text/plain\n\nread\n--R--\n");
    assert_eq!(class_of(&raw), "REPORT.IPM.Note.IPNRN");
}

#[test]
fn calendar_request_is_a_meeting_request() {
    assert_eq!(
        class_of(&fixture("invite.eml")),
        "IPM.Schedule.Meeting.Request"
    );
}

#[test]
fn calendar_cancel_is_a_meeting_cancellation() {
    let raw = crlf(b"Content-Type: text/calendar; method=CANCEL; charset=utf-8\n\nBEGIN:VCALENDAR\nEND:VCALENDAR\n");
    assert_eq!(class_of(&raw), "IPM.Schedule.Meeting.Canceled");
}

#[test]
fn invitation_inside_a_forwarded_message_does_not_make_a_meeting() {
    let raw = crlf(b"Content-Type: multipart/mixed; boundary=M\n\n--M\nContent-Type: text/plain\n\nfyi\n--M\nContent-Type: message/rfc822\n\nSubject: x\nContent-Type: text/calendar; method=REQUEST\n\nBEGIN:VCALENDAR\nEND:VCALENDAR\n--M--\n");
    assert_eq!(class_of(&raw), "IPM.Note");
}

#[test]
fn header_content_type_fills_in_missing_structure_parameters() {
    let mut s = structure_of(&fixture("ndr.eml"));
    s.params.clear();
    let headers: Headers = parse_headers(header_block(&fixture("ndr.eml")));
    assert_eq!(message_class(&s, &headers), "REPORT.IPM.Note.NDR");
}
