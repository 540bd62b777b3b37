//! Plain-text line handling: RFC 3676 format=flowed and CRLF line ends.

/// RFC 3676: joins soft-broken lines (ending in a space) of the same quote depth, removes
/// space-stuffing, and with DelSp=yes the space that marked the soft break.
pub(crate) fn unflow(text: &str, delsp: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut open: Option<usize> = None; // quote depth of a paragraph still being joined
    for raw in text.split('\n') {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let depth = line.bytes().take_while(|b| *b == b'>').count();
        let mut content = &line[depth..];
        content = content.strip_prefix(' ').unwrap_or(content);
        let is_sig = content == "-- ";
        match open {
            Some(d) if d == depth && !is_sig => {}
            Some(_) => {
                out.push('\n');
                out.push_str(&">".repeat(depth));
                if depth > 0 {
                    out.push(' ');
                }
            }
            None => {
                out.push_str(&">".repeat(depth));
                if depth > 0 {
                    out.push(' ');
                }
            }
        }
        if content.ends_with(' ') && !is_sig {
            out.push_str(if delsp {
                &content[..content.len() - 1]
            } else {
                content
            });
            open = Some(depth);
        } else {
            out.push_str(content);
            out.push('\n');
            open = None;
        }
    }
    // split() yields a last empty piece after a final line break.
    if out.ends_with("\n\n") || (!text.ends_with('\n') && out.ends_with('\n')) {
        out.pop();
    }
    out
}

/// Line ends as CRLF, the way Exchange sends plain text.
pub(crate) fn crlf(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 32);
    let bytes = text.as_bytes();
    // Line by line: CR and LF are ASCII, so every cut is at a character boundary.
    let mut start = 0;
    while let Some(off) = memchr::memchr2(b'\r', b'\n', &bytes[start..]) {
        let end = start + off;
        out.push_str(&text[start..end]);
        out.push_str("\r\n");
        start = if bytes[end] == b'\r' && bytes.get(end + 1) == Some(&b'\n') {
            end + 2
        } else {
            end + 1
        };
    }
    out.push_str(&text[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flowed_lines_join_and_delsp_removes_the_marker() {
        assert_eq!(unflow("Hello \r\nworld\r\n", false), "Hello world\n");
        assert_eq!(unflow("Hel \r\nlo\r\n", true), "Hello\n");
    }

    #[test]
    fn flowed_quotes_keep_their_depth() {
        assert_eq!(unflow("> a \r\n> b\r\nc", false), "> a b\nc");
    }

    #[test]
    fn signature_separator_is_not_a_soft_break() {
        assert_eq!(unflow("-- \r\nme", false), "-- \nme");
    }

    #[test]
    fn line_ends_become_crlf() {
        assert_eq!(crlf("a\nb\r\nc\rd"), "a\r\nb\r\nc\r\nd");
        assert_eq!(crlf("\r\r\n\n\r"), "\r\n\r\n\r\n\r\n");
        assert_eq!(crlf("é\nü"), "é\r\nü");
    }

    proptest::proptest! {
        #[test]
        fn crlf_is_a_character_by_character_rewrite(text in "[a\r\n é]{0,40}") {
            let mut want = String::new();
            let mut chars = text.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '\r' => {
                        if chars.peek() == Some(&'\n') {
                            chars.next();
                        }
                        want.push_str("\r\n");
                    }
                    '\n' => want.push_str("\r\n"),
                    _ => want.push(c),
                }
            }
            proptest::prop_assert_eq!(crlf(&text), want);
        }
    }
}
