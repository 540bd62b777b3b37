//! Notes as plain text (the vCard NOTE) and as the HTML body a device may ask for or send.

/// Plain text as a minimal HTML document (escaped, line breaks as `<br>`).
pub(crate) fn text_to_html(text: &str) -> String {
    let mut out = String::from("<html><body>");
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("<br>"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push_str("</body></html>");
    out
}

/// The text of an HTML body: tags dropped, `<br>` and block ends as newlines, the common
/// entities decoded. Enough for the notes field of a contact.
pub(crate) fn html_to_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&decode_entities(&rest[..lt]));
        let Some(gt) = rest[lt..].find('>') else {
            rest = "";
            break;
        };
        let tag = rest[lt + 1..lt + gt].trim().to_ascii_lowercase();
        let name = tag.trim_start_matches('/');
        let name = name.split([' ', '/']).next().unwrap_or("");
        if name == "br" || (tag.starts_with('/') && matches!(name, "p" | "div" | "li" | "tr")) {
            out.push('\n');
        }
        rest = &rest[lt + gt + 1..];
    }
    out.push_str(&decode_entities(rest));
    out.replace("\r\n", "\n").trim_end_matches('\n').to_owned()
}

fn decode_entities(s: &str) -> String {
    s.replace(['\r', '\n'], "")
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_and_text_round_trip() {
        let text = "a < b & c\nsecond line";
        assert_eq!(html_to_text(&text_to_html(text)), text);
        assert_eq!(html_to_text("<div>one</div><div>two</div>"), "one\ntwo");
    }
}
