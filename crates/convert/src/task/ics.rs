//! iCalendar helpers the Tasks and Notes converters use: reading and writing a calendar,
//! finding the master component, text and list properties that keep their parameters, and the
//! AirSyncBase `Body` of a DESCRIPTION.
//!
//! These are general; they live here only because `convert::ical` (the calendar helper's
//! module) had not landed when this was written. The lead moves or merges them there.

use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarEntry, ICalendarParameter,
    ICalendarParameterName, ICalendarParameterValue, ICalendarProperty, ICalendarValue,
};
use eas::airsyncbase::{Body, BodyPreference, BodyType};

use crate::merge::ConvertError;

/// Parses an iCalendar object.
pub(crate) fn parse(ics: &str) -> Result<ICalendar, ConvertError> {
    ICalendar::parse(ics).map_err(|e| ConvertError::Unreadable {
        kind: "iCalendar",
        detail: format!("{e:?}").chars().take(200).collect(),
    })
}

/// The calendar as text (CRLF lines, folded at 75 octets).
pub(crate) fn write(cal: &ICalendar) -> String {
    cal.to_string()
}

/// An empty `VCALENDAR` holding one empty component of `kind`; returns it and the component's
/// index.
pub(crate) fn skeleton(kind: ICalendarComponentType) -> (ICalendar, usize) {
    let root = ICalendarComponent {
        component_type: ICalendarComponentType::VCalendar,
        entries: vec![
            entry(ICalendarProperty::Version, text_value("2.0")),
            entry(ICalendarProperty::Prodid, text_value("-//airgate//EN")),
        ],
        component_ids: vec![1],
    };
    let item = ICalendarComponent {
        component_type: kind,
        entries: Vec::new(),
        component_ids: Vec::new(),
    };
    (
        ICalendar {
            components: vec![root, item],
        },
        1,
    )
}

pub(crate) fn text_value(s: &str) -> ICalendarValue {
    ICalendarValue::Text(s.to_owned())
}

pub(crate) fn entry(name: ICalendarProperty, value: ICalendarValue) -> ICalendarEntry {
    ICalendarEntry {
        name,
        params: Vec::new(),
        values: vec![value],
    }
}

/// The index of the master component of `kind`: the first one without RECURRENCE-ID.
pub(crate) fn master(cal: &ICalendar, kind: &ICalendarComponentType) -> Option<usize> {
    cal.components.iter().position(|c| {
        &c.component_type == kind && !c.has_property(&ICalendarProperty::RecurrenceId)
    })
}

/// How many components of `kind` carry a RECURRENCE-ID (per-instance data).
pub(crate) fn overrides(cal: &ICalendar, kind: &ICalendarComponentType) -> usize {
    cal.components
        .iter()
        .filter(|c| {
            &c.component_type == kind && c.has_property(&ICalendarProperty::RecurrenceId)
        })
        .count()
}

/// The text of the first `prop`.
pub(crate) fn text(c: &ICalendarComponent, prop: &ICalendarProperty) -> Option<String> {
    c.property(prop)
        .and_then(|e| e.values.first())
        .and_then(|v| v.as_text())
        .map(str::to_owned)
}

/// Sets the first `prop` to one text value, keeping its parameters (and its place); adds it
/// when absent.
pub(crate) fn set_text(c: &mut ICalendarComponent, prop: ICalendarProperty, value: &str) {
    set_value(c, prop, text_value(value));
}

/// Sets the first `prop` to one value, keeping its parameters; adds it when absent.
pub(crate) fn set_value(c: &mut ICalendarComponent, prop: ICalendarProperty, value: ICalendarValue) {
    match c.property_mut(&prop) {
        Some(e) => e.values = vec![value],
        None => c.entries.push(entry(prop, value)),
    }
}

/// Removes every `prop`.
pub(crate) fn remove(c: &mut ICalendarComponent, prop: &ICalendarProperty) {
    c.entries.retain(|e| &e.name != prop);
}

/// Every category of every CATEGORIES property, in order.
pub(crate) fn categories(c: &ICalendarComponent) -> Vec<String> {
    c.properties(&ICalendarProperty::Categories)
        .flat_map(|e| e.values.iter())
        .filter_map(|v| v.as_text())
        .map(str::to_owned)
        .collect()
}

/// Replaces the categories by `names` (one CATEGORIES property, at the first one's place and
/// with its parameters); an empty list removes them.
pub(crate) fn set_categories(c: &mut ICalendarComponent, names: &[String]) {
    let values: Vec<ICalendarValue> = names.iter().map(|n| text_value(n)).collect();
    let first = c
        .entries
        .iter()
        .position(|e| e.name == ICalendarProperty::Categories);
    match (first, values.is_empty()) {
        (_, true) => remove(c, &ICalendarProperty::Categories),
        (Some(i), false) => {
            c.entries[i].values = values;
            let mut seen = false;
            c.entries.retain(|e| {
                if e.name != ICalendarProperty::Categories {
                    return true;
                }
                let keep = !seen;
                seen = true;
                keep
            });
        }
        (None, false) => c.entries.push(ICalendarEntry {
            name: ICalendarProperty::Categories,
            params: Vec::new(),
            values,
        }),
    }
}

/// An `X-` property's text.
pub(crate) fn x_text(c: &ICalendarComponent, name: &str) -> Option<String> {
    text(c, &ICalendarProperty::Other(name.to_owned()))
}

/// Sets (`Some`) or removes (`None`) an `X-` property.
pub(crate) fn set_x_text(c: &mut ICalendarComponent, name: &str, value: Option<&str>) {
    let prop = ICalendarProperty::Other(name.to_owned());
    match value {
        Some(v) => set_text(c, prop, v),
        None => remove(c, &prop),
    }
}

/// The HTML alternative of DESCRIPTION (`X-ALT-DESC;FMTTYPE=text/html`, Outlook's and
/// Thunderbird's form).
pub(crate) fn alt_html(c: &ICalendarComponent) -> Option<String> {
    c.properties(&ICalendarProperty::Other("X-ALT-DESC".into()))
        .find(|e| {
            e.params.iter().any(|p| {
                p.name == ICalendarParameterName::Fmttype
                    && matches!(&p.value, ICalendarParameterValue::Text(t) if t.eq_ignore_ascii_case("text/html"))
            })
        })
        .and_then(|e| e.values.first())
        .and_then(|v| v.as_text())
        .map(str::to_owned)
}

/// Sets or removes `X-ALT-DESC;FMTTYPE=text/html`.
pub(crate) fn set_alt_html(c: &mut ICalendarComponent, html: Option<&str>) {
    let prop = ICalendarProperty::Other("X-ALT-DESC".into());
    remove(c, &prop);
    if let Some(h) = html {
        c.entries.push(ICalendarEntry {
            name: prop,
            params: vec![ICalendarParameter {
                name: ICalendarParameterName::Fmttype,
                value: ICalendarParameterValue::Text("text/html".into()),
            }],
            values: vec![text_value(h)],
        });
    }
}

/// The `Body` of a plain text (with its HTML alternative, if any) as the device's preference
/// asks: HTML when asked and known (else the plain text as minimal HTML), plain otherwise;
/// truncated to `truncation_size` bytes at a character boundary; no data when `all_or_none`
/// and it does not fit.
pub(crate) fn body_for(plain: &str, html: Option<&str>, pref: Option<&BodyPreference>) -> Body {
    let (body_type, data) = match pref.map(|p| p.body_type) {
        Some(BodyType::Html) => (
            BodyType::Html,
            html.map_or_else(|| plain_to_html(plain), str::to_owned),
        ),
        _ => (BodyType::Plain, plain.to_owned()),
    };
    let size = data.len() as u64;
    let limit = pref.and_then(|p| p.truncation_size);
    match limit {
        Some(limit) if size > limit => {
            let all_or_none = pref.is_some_and(|p| p.all_or_none);
            let cut = if all_or_none {
                None
            } else {
                let mut end = usize::try_from(limit).unwrap_or(usize::MAX).min(data.len());
                while !data.is_char_boundary(end) {
                    end -= 1;
                }
                Some(data[..end].to_owned())
            };
            Body {
                body_type,
                estimated_data_size: size,
                truncated: true,
                data: cut,
                preview: None,
            }
        }
        _ => Body::full(body_type, data),
    }
}

/// Plain text as minimal HTML (escaped, line breaks as `<br>`).
pub(crate) fn plain_to_html(plain: &str) -> String {
    let mut out = String::from("<html><body>");
    for (i, line) in plain.split('\n').enumerate() {
        if i > 0 {
            out.push_str("<br>");
        }
        for ch in line.trim_end_matches('\r').chars() {
            match ch {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                c => out.push(c),
            }
        }
    }
    out.push_str("</body></html>");
    out
}

/// The text of an HTML body: tags dropped, `<br>`, `</p>` and `</div>` as line breaks, the
/// common entities decoded, `<head>`, `<style>` and `<script>` content dropped.
pub(crate) fn html_to_plain(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    let mut skip_until: Option<&str> = None;
    while let Some(lt) = rest.find('<') {
        if skip_until.is_none() {
            out.push_str(&decode_entities(&rest[..lt]));
        }
        let after = &rest[lt + 1..];
        let gt = after.find('>').unwrap_or(after.len());
        let tag = after[..gt].trim().to_ascii_lowercase();
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if let Some(end) = skip_until {
            if tag.starts_with('/') && name == end {
                skip_until = None;
            }
        } else if !tag.starts_with('/') && matches!(name.as_str(), "head" | "style" | "script") {
            skip_until = Some(match name.as_str() {
                "head" => "head",
                "style" => "style",
                _ => "script",
            });
        } else if name == "br" || (tag.starts_with('/') && matches!(name.as_str(), "p" | "div")) {
            out.push('\n');
        }
        rest = after.get(gt + 1..).unwrap_or("");
    }
    if skip_until.is_none() {
        out.push_str(&decode_entities(rest));
    }
    out.trim_end_matches('\n').to_owned()
}

fn decode_entities(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// What a device's body says, as (plain text, HTML alternative): `None` when it says nothing
/// (no data, or truncated: a truncated body is never written back).
pub(crate) fn body_text(body: &Body) -> Option<(String, Option<String>)> {
    if body.truncated {
        return None;
    }
    let data = body.data.as_deref()?;
    match body.body_type {
        BodyType::Html => Some((html_to_plain(data), Some(data.to_owned()))),
        BodyType::Plain => Some((data.replace("\r\n", "\n"), None)),
        // RTF and MIME bodies are not read (devices do not send them for tasks and notes).
        BodyType::Rtf | BodyType::Mime => None,
    }
}

/// Applies a device's body to DESCRIPTION (and X-ALT-DESC), unless it equals what the stored
/// object renders to. Returns whether anything changed.
pub(crate) fn merge_body(c: &mut ICalendarComponent, body: &Body) -> bool {
    let Some((plain, html)) = body_text(body) else {
        return false;
    };
    let stored_plain = text(c, &ICalendarProperty::Description).unwrap_or_default();
    let stored_html = alt_html(c);
    let same = match &html {
        Some(h) => stored_html.as_deref() == Some(h.as_str()) || stored_plain == plain,
        None => stored_plain == plain,
    };
    if same {
        return false;
    }
    if plain.is_empty() {
        remove(c, &ICalendarProperty::Description);
    } else {
        set_text(c, ICalendarProperty::Description, &plain);
    }
    set_alt_html(c, html.as_deref());
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_text_with_line_breaks() {
        assert_eq!(
            html_to_plain(
                "<html><head><style>p{}</style></head><body><p>a &amp; b</p><div>c<br>d</div></body></html>"
            ),
            "a & b\nc\nd"
        );
    }

    #[test]
    fn truncation_cuts_at_a_character_boundary() {
        let pref = BodyPreference {
            body_type: BodyType::Plain,
            truncation_size: Some(3),
            all_or_none: false,
            preview: None,
        };
        let b = body_for("aéb", None, Some(&pref));
        assert_eq!(b.data.as_deref(), Some("aé"));
        assert!(b.truncated);
        assert_eq!(b.estimated_data_size, 4);
    }
}
