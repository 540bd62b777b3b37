//! Item ids: a message's ServerId is `<collection>:<uid>`, an attachment's FileReference is
//! `<collection>:<uid>:<section>`. UIDs are only valid within one UIDVALIDITY; a change of it
//! resets the collection, so old ids are never resolved against new messages.

use convert::mail::PartPath;

pub fn server_id(collection: &str, uid: u32) -> String {
    format!("{collection}:{uid}")
}

/// The UID of a ServerId of `collection`; None for anything else.
pub fn parse_server_id(collection: &str, server_id: &str) -> Option<u32> {
    let (c, uid) = server_id.split_once(':')?;
    (c == collection).then(|| uid.parse().ok()).flatten()
}

/// Collection and UID of a ServerId.
pub fn split_server_id(server_id: &str) -> Option<(&str, u32)> {
    let (c, uid) = server_id.split_once(':')?;
    Some((c, uid.parse().ok()?))
}

pub fn file_reference(collection: &str, uid: u32, path: &PartPath) -> String {
    format!("{collection}:{uid}:{}", path.section())
}

pub fn parse_file_reference(reference: &str) -> Option<(&str, u32, PartPath)> {
    let mut it = reference.splitn(3, ':');
    let c = it.next()?;
    let uid = it.next()?.parse().ok()?;
    let path = PartPath::parse(it.next()?)?;
    (!c.is_empty() && !path.0.is_empty()).then_some((c, uid, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_ids_name_collection_and_uid() {
        assert_eq!(server_id("5", 42), "5:42");
        assert_eq!(parse_server_id("5", "5:42"), Some(42));
        assert_eq!(parse_server_id("6", "5:42"), None);
        assert_eq!(parse_server_id("5", "5:x"), None);
        assert_eq!(split_server_id("5:42"), Some(("5", 42)));
    }

    #[test]
    fn file_references_carry_the_section() {
        let r = file_reference("5", 42, &PartPath(vec![2, 1]));
        assert_eq!(r, "5:42:2.1");
        assert_eq!(
            parse_file_reference(&r),
            Some(("5", 42, PartPath(vec![2, 1])))
        );
        assert_eq!(parse_file_reference("5:42:"), None);
        assert_eq!(parse_file_reference("5:42:a"), None);
    }
}
