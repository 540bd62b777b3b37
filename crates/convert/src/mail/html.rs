//! HTML to plain text for devices that asked for plain text of an HTML-only message, and for
//! previews. Not a renderer: it keeps the words, paragraph breaks, list items and link targets,
//! and drops everything a reader would not see (head, style, script, comments).

use mail_parser::decoders::html::add_html_token;

/// Converts an HTML document or fragment to plain text. Never fails; a document cut in the
/// middle (a truncated fetch) converts up to the cut.
pub fn html_to_text(html: &str) -> String {
    let mut w = Writer::default();
    let b = html.as_bytes();
    let mut i = 0;
    // Elements whose content is not shown: skipped until their end tag.
    let mut skip_until: Option<&'static str> = None;
    let mut pre_depth = 0u32;
    let mut link: Option<(String, usize)> = None;

    while i < b.len() {
        if b[i] == b'<' {
            let Some(tag) = read_tag(html, i) else {
                if skip_until.is_none() {
                    w.text("<", pre_depth > 0);
                }
                i += 1;
                continue;
            };
            i = tag.end;
            let name = tag.name.as_str();
            if let Some(until) = skip_until {
                // <body> also ends a <head> whose end tag is missing.
                if (tag.closing && name == until) || (until == "head" && name == "body") {
                    skip_until = None;
                }
                continue;
            }
            match name {
                "script" | "style" | "head" | "title" | "template" | "xml" | "noscript"
                    if !tag.closing && !tag.self_closing =>
                {
                    skip_until = Some(match name {
                        "script" => "script",
                        "style" => "style",
                        "head" => "head",
                        "title" => "title",
                        "template" => "template",
                        "xml" => "xml",
                        _ => "noscript",
                    });
                }
                "br" => w.newline(),
                "pre" => {
                    w.block();
                    if tag.closing {
                        pre_depth = pre_depth.saturating_sub(1);
                    } else {
                        pre_depth += 1;
                    }
                }
                "blockquote" => {
                    w.block();
                    if tag.closing {
                        w.quote = w.quote.saturating_sub(1);
                    } else if !tag.self_closing {
                        w.quote += 1;
                    }
                }
                "li" if !tag.closing => {
                    w.block();
                    w.text("- ", true);
                }
                "td" | "th" if !tag.closing => w.space(),
                "hr" => {
                    w.block();
                    w.text("----------", true);
                    w.block();
                }
                "img" => {
                    if let Some(alt) = tag.attr(html, "alt").filter(|a| !a.trim().is_empty()) {
                        w.text(&format!("[{}]", decode_entities(alt.trim())), false);
                    }
                }
                "a" if !tag.closing => {
                    link = tag
                        .attr(html, "href")
                        .map(|h| (decode_entities(h.trim()), w.out.len()));
                }
                "a" => {
                    if let Some((href, start)) = link.take() {
                        w.link_target(&href, start);
                    }
                }
                _ if is_block(name) => w.block(),
                _ => {}
            }
        } else if b[i] == b'&' {
            let (text, next) = entity_at(html, i);
            if skip_until.is_none() {
                w.text(&text, pre_depth > 0);
            }
            i = next;
        } else {
            let next = b[i..]
                .iter()
                .position(|c| *c == b'<' || *c == b'&')
                .map_or(b.len(), |p| i + p);
            if skip_until.is_none() {
                w.text(&html[i..next], pre_depth > 0);
            }
            i = next;
        }
    }
    w.finish()
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "blockquote"
            | "ul"
            | "ol"
            | "dl"
            | "dt"
            | "dd"
            | "table"
            | "tr"
            | "section"
            | "article"
            | "header"
            | "footer"
            | "nav"
            | "aside"
            | "address"
            | "center"
            | "form"
            | "fieldset"
            | "figure"
            | "figcaption"
            | "main"
            | "body"
            | "html"
            | "caption"
            | "tbody"
            | "thead"
            | "tfoot"
    )
}

/// Collects text with HTML's whitespace rules: runs of blanks are one space, line breaks come
/// from elements only, and at most one empty line separates blocks.
#[derive(Default)]
struct Writer {
    out: String,
    space: bool,
    newlines: u8,
    /// blockquote depth
    quote: usize,
}

impl Writer {
    fn text(&mut self, s: &str, preformatted: bool) {
        for ch in s.chars() {
            if preformatted {
                if ch == '\n' {
                    self.newline();
                } else if ch != '\r' {
                    self.put(if ch == '\u{a0}' { ' ' } else { ch });
                }
            } else if ch.is_whitespace() && ch != '\u{a0}' {
                self.space = true;
            } else {
                // A non-breaking space is a visible space that does not collapse.
                self.put(if ch == '\u{a0}' { ' ' } else { ch });
            }
        }
    }

    fn put(&mut self, ch: char) {
        let line_start = if self.out.is_empty() {
            true
        } else if self.newlines > 0 {
            for _ in 0..self.newlines.min(2) {
                self.out.push('\n');
            }
            true
        } else {
            if self.space && ch != ' ' && !self.out.ends_with(' ') {
                self.out.push(' ');
            }
            false
        };
        if line_start {
            // Quoted text is marked the way plain-text mail marks it.
            for _ in 0..self.quote {
                self.out.push_str("> ");
            }
        }
        self.newlines = 0;
        self.space = false;
        self.out.push(ch);
    }

    fn space(&mut self) {
        self.space = true;
    }

    /// <br>: one more line break each time.
    fn newline(&mut self) {
        self.newlines = self.newlines.saturating_add(1);
        self.space = false;
    }

    /// A block boundary: a line break unless one is already pending.
    fn block(&mut self) {
        if self.newlines == 0 {
            self.newlines = 1;
        }
        self.space = false;
    }

    /// After a link's text, its target when the text does not already show it.
    fn link_target(&mut self, href: &str, start: usize) {
        let shown = self.out.get(start..).unwrap_or("");
        let target = href.strip_prefix("mailto:").unwrap_or(href);
        let useful =
            href.starts_with("http:") || href.starts_with("https:") || href.starts_with("mailto:");
        if useful && !shown.is_empty() && !shown.contains(target) {
            self.text(&format!(" <{href}>"), false);
        }
    }

    fn finish(self) -> String {
        let mut out = String::with_capacity(self.out.len());
        for line in self.out.split('\n') {
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out.trim().to_owned()
    }
}

struct Tag {
    name: String,
    closing: bool,
    self_closing: bool,
    /// Byte range of the attribute text in the document.
    attrs: (usize, usize),
    /// Index after the closing `>`.
    end: usize,
}

impl Tag {
    /// An attribute value (without quotes) by lower-case name.
    fn attr<'a>(&self, html: &'a str, name: &str) -> Option<&'a str> {
        let text = html.get(self.attrs.0..self.attrs.1)?;
        let b = text.as_bytes();
        let mut i = 0;
        while i < b.len() {
            while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
                i += 1;
            }
            let start = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'=' && b[i] != b'/' {
                i += 1;
            }
            let key = &text[start..i];
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            let mut value = "";
            if i < b.len() && b[i] == b'=' {
                i += 1;
                while i < b.len() && b[i].is_ascii_whitespace() {
                    i += 1;
                }
                if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                    let q = b[i];
                    let vs = i + 1;
                    let ve = b[vs..]
                        .iter()
                        .position(|c| *c == q)
                        .map_or(b.len(), |p| vs + p);
                    value = &text[vs..ve];
                    i = (ve + 1).min(b.len());
                } else {
                    let vs = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() {
                        i += 1;
                    }
                    value = &text[vs..i];
                }
            }
            if key.eq_ignore_ascii_case(name) {
                return Some(value);
            }
            if start == i {
                i += 1;
            }
        }
        None
    }
}

/// Reads a tag, comment or declaration starting at `<`. None when `<` does not start one (then
/// it is text).
fn read_tag(html: &str, start: usize) -> Option<Tag> {
    let b = html.as_bytes();
    let rest = b.get(start + 1..)?;
    if rest.starts_with(b"!--") {
        // Comments, including Outlook's conditional ones, are skipped whole.
        let end = find(b, start + 4, b"-->").map_or(b.len(), |p| p + 3);
        return Some(Tag::other(end));
    }
    if rest.first().is_some_and(|c| *c == b'!' || *c == b'?') {
        let end = find(b, start + 1, b">").map_or(b.len(), |p| p + 1);
        return Some(Tag::other(end));
    }
    let closing = rest.first() == Some(&b'/');
    let name_start = start + 1 + usize::from(closing);
    if !b.get(name_start).is_some_and(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let mut i = name_start;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b':' || b[i] == b'-') {
        i += 1;
    }
    let name = html[name_start..i].to_ascii_lowercase();
    let attrs_start = i;
    // Find the closing '>' outside quoted attribute values.
    let mut quote: Option<u8> = None;
    while i < b.len() {
        match (quote, b[i]) {
            (None, b'"' | b'\'') => quote = Some(b[i]),
            (Some(q), c) if c == q => quote = None,
            (None, b'>') => break,
            _ => {}
        }
        i += 1;
    }
    if i >= b.len() {
        // The document ends inside the tag (a truncated fetch): nothing more to show.
        return Some(Tag::other(b.len()));
    }
    let self_closing = i > attrs_start && b[i - 1] == b'/';
    Some(Tag {
        name,
        closing,
        self_closing,
        attrs: (attrs_start, i),
        end: i + 1,
    })
}

impl Tag {
    fn other(end: usize) -> Tag {
        Tag {
            name: String::new(),
            closing: false,
            self_closing: true,
            attrs: (end, end),
            end,
        }
    }
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

/// The character reference at `&` (named or numeric) and the index after it; an unknown or
/// unterminated one is a literal '&'.
fn entity_at(html: &str, start: usize) -> (String, usize) {
    let b = html.as_bytes();
    let end = b[start + 1..]
        .iter()
        .take(32)
        .position(|c| !(c.is_ascii_alphanumeric() || *c == b'#'))
        .map(|p| start + 1 + p);
    if let Some(end) = end
        && end > start + 1
    {
        let has_semi = b[end] == b';';
        let token = format!("{};", &html[start..end]);
        let mut decoded = String::new();
        add_html_token(&mut decoded, token.as_bytes(), false);
        if decoded != token {
            return (decoded, if has_semi { end + 1 } else { end });
        }
    }
    ("&".to_owned(), start + 1)
}

/// Decodes the character references in an attribute value or a short text.
pub fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(p) = text[i..].find('&') {
        out.push_str(&text[i..i + p]);
        let (t, next) = entity_at(text, i + p);
        out.push_str(&t);
        i = next;
    }
    out.push_str(&text[i..]);
    out
}

/// Plain text as an HTML fragment, for a plain part joined to an HTML body.
pub fn text_to_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    out.push_str("<div>");
    escape_into(text, &mut out);
    out.push_str("</div>");
    out
}

/// Text escaped for HTML element content; line breaks become `<br>`.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    escape_into(text, &mut out);
    out
}

fn escape_into(text: &str, out: &mut String) {
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' => out.push_str("<br>\n"),
            '\r' => {}
            _ => out.push(ch),
        }
    }
}

/// The content of an HTML document's `<body>` (the whole text when it has none), for putting
/// one document inside another.
pub fn body_content(html: &str) -> &str {
    // ASCII lower-casing keeps byte offsets.
    let lower = html.to_ascii_lowercase();
    let start = lower
        .find("<body")
        .and_then(|b| lower[b..].find('>').map(|e| b + e + 1))
        .unwrap_or(0);
    let end = lower[start..]
        .rfind("</body")
        .map_or(html.len(), |e| start + e);
    &html[start..end]
}

/// Cuts HTML to at most `max` bytes without leaving half a tag at the end.
pub fn truncate_html(html: &str, max: usize) -> &str {
    let cut = super::text::truncate_utf8(html, max);
    if cut.len() == html.len() {
        return cut;
    }
    match (cut.rfind('<'), cut.rfind('>')) {
        (Some(lt), Some(gt)) if lt > gt => &cut[..lt],
        (Some(lt), None) => &cut[..lt],
        _ => cut,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_style_and_script_are_dropped() {
        let html = "<html><head><title>T</title><style>p{color:red}</style></head>\
                    <body><script>alert(1)</script><p>Hello</p></body></html>";
        assert_eq!(html_to_text(html), "Hello");
    }

    #[test]
    fn block_elements_break_lines_and_blanks_collapse() {
        let html = "<div>one\n   two</div><p>three</p>four<br>five<br><br>six";
        assert_eq!(html_to_text(html), "one two\nthree\nfour\nfive\n\nsix");
    }

    #[test]
    fn entities_are_decoded() {
        assert_eq!(
            html_to_text("a &amp; b &lt;c&gt; &#233;&#x20AC; &eacute;&nbsp;x"),
            "a & b <c> é€ é x"
        );
    }

    #[test]
    fn unknown_entity_and_bare_ampersand_stay() {
        assert_eq!(html_to_text("R&D &bogus; AT&T"), "R&D &bogus; AT&T");
    }

    #[test]
    fn comments_and_conditional_comments_are_dropped() {
        assert_eq!(
            html_to_text("a<!--[if mso]><b>x</b><![endif]-->b<!DOCTYPE html>"),
            "ab"
        );
    }

    #[test]
    fn list_items_get_dashes() {
        assert_eq!(
            html_to_text("<ul><li>one</li><li>two</li></ul>"),
            "- one\n- two"
        );
    }

    #[test]
    fn link_targets_are_shown_when_the_text_hides_them() {
        assert_eq!(
            html_to_text("<a href=\"https://x.org/a?b=1&amp;c=2\">here</a>"),
            "here <https://x.org/a?b=1&c=2>"
        );
        assert_eq!(
            html_to_text("<a href='https://x.org'>https://x.org</a>"),
            "https://x.org"
        );
    }

    #[test]
    fn blockquotes_are_marked_with_quote_prefixes() {
        assert_eq!(
            html_to_text(
                "<p>Yes.</p><blockquote><p>Lunch?</p><blockquote>Hungry</blockquote></blockquote>after"
            ),
            "Yes.\n> Lunch?\n> > Hungry\nafter"
        );
    }

    #[test]
    fn preformatted_text_keeps_its_lines() {
        assert_eq!(html_to_text("<pre>a  b\n c</pre>"), "a  b\n c");
    }

    #[test]
    fn a_document_cut_inside_a_tag_converts_up_to_the_cut() {
        assert_eq!(html_to_text("<p>Hello</p><p class=\"x"), "Hello");
    }

    #[test]
    fn a_less_than_sign_in_text_is_text() {
        assert_eq!(html_to_text("1 < 2"), "1 < 2");
    }

    #[test]
    fn head_without_end_tag_ends_at_body() {
        assert_eq!(html_to_text("<head><meta charset=utf-8><body>Hi"), "Hi");
    }

    #[test]
    fn html_truncation_does_not_leave_half_a_tag() {
        assert_eq!(truncate_html("<p>ab</p><p class=x>cd", 14), "<p>ab</p>");
    }

    #[test]
    fn body_content_is_what_the_body_element_holds() {
        assert_eq!(
            body_content("<html><HEAD></HEAD><Body class=x>hi <b>there</b></BODY></html>"),
            "hi <b>there</b>"
        );
        assert_eq!(body_content("<p>fragment</p>"), "<p>fragment</p>");
    }

    #[test]
    fn plain_text_is_escaped_into_html() {
        assert_eq!(text_to_html("a<b\n&"), "<div>a&lt;b<br>\n&amp;</div>");
    }
}
