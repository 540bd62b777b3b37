//! The body: `DESCRIPTION` (plain text) and `X-ALT-DESC;FMTTYPE=text/html` (HTML, as Outlook
//! writes it) <-> `airsyncbase:Body` (MS-ASAIRS 2.2.2.9).

use eas::airsyncbase::{Body, BodyPreference, BodyType};

use super::{
    ICalendarComponent, ICalendarEntry, ICalendarParameterName, ICalendarParameterValue,
    ICalendarProperty, find, param_text, remove, set_text, text_value,
};
use crate::mail::html::{html_to_text, text_to_html, truncate_html};
use crate::mail::preview_of;
use crate::mail::text::truncate_utf8;

fn alt_desc() -> ICalendarProperty {
    ICalendarProperty::Other("X-ALT-DESC".to_owned())
}

/// The plain-text body (`DESCRIPTION`).
pub fn plain_of(comp: &ICalendarComponent) -> Option<String> {
    super::text(comp, &ICalendarProperty::Description)
}

/// The HTML body (`X-ALT-DESC` with `FMTTYPE=text/html`).
pub fn html_of(comp: &ICalendarComponent) -> Option<String> {
    comp.entries
        .iter()
        .filter(|e| super::is(e, &alt_desc()))
        .find(|e| {
            param_text(e, &ICalendarParameterName::Fmttype)
                .is_some_and(|t| t.eq_ignore_ascii_case("text/html"))
        })
        .and_then(super::entry_text)
}

/// The body the device gets, per its preference (`None`: the whole plain text). HTML is the
/// stored HTML or the plain text made HTML; every other type gets plain text (type 1). `None`
/// when the component has no body.
pub fn body(comp: &ICalendarComponent, pref: Option<&BodyPreference>) -> Option<Body> {
    let plain = plain_of(comp);
    let html = html_of(comp);
    if plain.is_none() && html.is_none() {
        return None;
    }
    let plain_text = || {
        plain
            .clone()
            .unwrap_or_else(|| html_to_text(html.as_deref().unwrap_or("")))
    };
    let wants_html = pref.is_some_and(|p| p.body_type == BodyType::Html);
    let (body_type, data) = if wants_html {
        let h = html
            .clone()
            .unwrap_or_else(|| text_to_html(plain.as_deref().unwrap_or("")));
        (BodyType::Html, h)
    } else {
        (
            BodyType::Plain,
            plain_text().replace('\n', "\r\n").replace("\r\r\n", "\r\n"),
        )
    };
    let full = data.len() as u64;
    let limit = pref.and_then(|p| p.truncation_size);
    let (data, truncated) = match limit {
        Some(n) if full > n => {
            if pref.is_some_and(|p| p.all_or_none) {
                (None, true)
            } else {
                let n = usize::try_from(n).unwrap_or(usize::MAX);
                let cut = if body_type == BodyType::Html {
                    truncate_html(&data, n)
                } else {
                    truncate_utf8(&data, n)
                };
                (Some(cut.to_owned()), true)
            }
        }
        _ => (Some(data), false),
    };
    let preview = pref
        .and_then(|p| p.preview)
        .map(|n| preview_of(&plain_text(), n));
    Some(Body {
        body_type,
        estimated_data_size: full,
        truncated,
        data,
        preview,
    })
}

fn normalize(text: &str) -> String {
    text.replace("\r\n", "\n")
}

/// Applies a body a device sent: plain (type 1) replaces `DESCRIPTION` and drops a stale
/// `X-ALT-DESC`; HTML (type 2) sets `X-ALT-DESC` and a `DESCRIPTION` made from it. A truncated
/// body, a body without data and other types change nothing, and a body equal to what the
/// component renders to changes nothing. An empty body removes both. Returns whether it
/// changed.
pub fn apply_body(comp: &mut ICalendarComponent, body: &Body) -> bool {
    if body.truncated {
        return false;
    }
    let Some(data) = body.data.as_deref() else {
        return false;
    };
    let data = normalize(data);
    match body.body_type {
        BodyType::Plain => {
            let current = plain_of(comp).or_else(|| html_of(comp).map(|h| html_to_text(&h)));
            if current.as_deref().map(normalize).unwrap_or_default() == data {
                return false;
            }
            let mut changed = remove(comp, &alt_desc());
            changed |= if data.is_empty() {
                remove(comp, &ICalendarProperty::Description)
            } else {
                set_text(comp, ICalendarProperty::Description, &data)
            };
            changed
        }
        BodyType::Html => {
            let current = html_of(comp).or_else(|| plain_of(comp).map(|p| text_to_html(&p)));
            if current.as_deref().map(normalize).unwrap_or_default() == data {
                return false;
            }
            remove(comp, &alt_desc());
            if data.is_empty() {
                remove(comp, &ICalendarProperty::Description);
                return true;
            }
            set_text(
                comp,
                ICalendarProperty::Description,
                &normalize(&html_to_text(&data)),
            );
            comp.entries.push(ICalendarEntry {
                name: alt_desc(),
                params: vec![super::ICalendarParameter {
                    name: ICalendarParameterName::Fmttype,
                    value: ICalendarParameterValue::Text("text/html".to_owned()),
                }],
                values: vec![text_value(&data)],
            });
            let _ = find;
            true
        }
        BodyType::Rtf | BodyType::Mime => false,
    }
}
