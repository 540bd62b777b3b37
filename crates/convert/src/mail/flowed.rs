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
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\r\n");
            }
            '\n' => out.push_str("\r\n"),
            _ => out.push(c),
        }
    }
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
    }
}
