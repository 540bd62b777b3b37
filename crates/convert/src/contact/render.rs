//! A stored vCard as the Contact a device receives, and what the Contact cannot carry.

use base64::Engine as _;
use eas::airsyncbase::{Body, BodyType};
use eas::contact::Contact;

use super::ContactOptions;
use super::card::{Card, Line};
use super::dates::Date;
use super::fields::SLOT_FIELDS;
use super::layout::{Layout, Pool};
use crate::merge::Loss;

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// A structured component (list items joined with a space: `Q.,R.` shows as `Q. R.`).
pub(crate) fn component(comps: &[Vec<String>], i: usize, sep: &str) -> String {
    comps.get(i).map(|c| c.join(sep)).unwrap_or_default()
}

/// The five N components: family, given, additional, prefix, suffix.
pub(crate) fn name_parts(card: &Card, layout: &Layout) -> [String; 5] {
    let comps = layout
        .slot(Pool::Name, 0)
        .map(|i| card.lines[i].components())
        .unwrap_or_default();
    std::array::from_fn(|i| component(&comps, i, " "))
}

/// The street of an ADR: street lines, then extended address, then PO box, one per line.
pub(crate) fn street_of(comps: &[Vec<String>]) -> String {
    [2, 1, 0]
        .iter()
        .map(|&i| component(comps, i, "\n"))
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The FileAs a contact gets when none is stored: "Last, First" (Outlook's default), else the
/// one name there is, else FN, else the company.
pub(crate) fn default_file_as(last: &str, first: &str, full_name: &str, company: &str) -> String {
    match (last.is_empty(), first.is_empty()) {
        (false, false) => format!("{last}, {first}"),
        (false, true) => last.to_owned(),
        (true, false) => first.to_owned(),
        (true, true) if !full_name.is_empty() => full_name.to_owned(),
        _ => company.to_owned(),
    }
}

/// The date of a BDAY/ANNIVERSARY-like line.
pub(crate) fn date_of(line: &Line) -> Option<Date> {
    Date::of_value(line.value(), &line.raw_value())
}

/// The image bytes of a PHOTO line: 3.0 `ENCODING=b` / 2.1 `BASE64` text, or a 4.0 `data:`
/// URI (decoded here: calcard reads base64 that happens to be UTF-8 as text).
pub(crate) fn photo_bytes(line: &Line) -> Option<Vec<u8>> {
    let raw = line.raw_value();
    let encoded = line.params.iter().any(|p| {
        (p.name.eq_ignore_ascii_case("ENCODING")
            && matches!(p.value.to_ascii_lowercase().as_str(), "b" | "base64"))
            || (p.name.is_empty() && p.value.eq_ignore_ascii_case("BASE64"))
    });
    let b64 = if encoded {
        raw.as_str()
    } else {
        let rest = raw.strip_prefix("data:")?;
        let (meta, data) = rest.split_once(',')?;
        if !meta.to_ascii_lowercase().ends_with(";base64") {
            return None;
        }
        data
    };
    let compact: String = b64.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .ok()
        .filter(|b| !b.is_empty())
}

/// A note as the body the device asked for (plain text unless it asked for HTML).
pub(crate) fn body_of(note: &str, opts: &ContactOptions) -> Option<Body> {
    let pref = opts.body?;
    let (body_type, full) = match pref.body_type {
        BodyType::Html => (BodyType::Html, super::body::text_to_html(note)),
        _ => (BodyType::Plain, note.to_owned()),
    };
    let mut body = Body::full(body_type, full);
    if let (Some(limit), Some(data)) = (pref.truncation_size, body.data.as_mut())
        && data.len() as u64 > limit
    {
        body.truncated = true;
        if pref.all_or_none {
            body.data = None;
        } else {
            let mut cut = usize::try_from(limit).unwrap_or(usize::MAX).min(data.len());
            while !data.is_char_boundary(cut) {
                cut -= 1;
            }
            data.truncate(cut);
        }
    }
    Some(body)
}

/// The Contact for a parsed card, and its losses.
pub(crate) fn render(card: &Card, layout: &Layout, opts: &ContactOptions) -> (Contact, Vec<Loss>) {
    let mut contact = Contact::default();
    let mut losses = Vec::new();
    let line = |pool: Pool| layout.slot(pool, 0).map(|i| &card.lines[i]);

    for f in &SLOT_FIELDS {
        if let Some(i) = layout.slot(f.pool, f.n) {
            *(f.set)(&mut contact) = non_empty(f.kind.render(&card.lines[i]));
        }
    }

    let [last, first, middle, prefix, suffix] = name_parts(card, layout);
    let full_name = line(Pool::FullName).map(Line::text).unwrap_or_default();
    let org = line(Pool::Org).map(Line::components).unwrap_or_default();
    let company = component(&org, 0, ",");
    contact.file_as = match line(Pool::FileAs) {
        Some(l) => non_empty(l.text()),
        None => non_empty(default_file_as(&last, &first, &full_name, &company)),
    };
    contact.last_name = non_empty(last);
    contact.first_name = non_empty(first);
    contact.middle_name = non_empty(middle);
    contact.title = non_empty(prefix);
    contact.suffix = non_empty(suffix);
    contact.company_name = non_empty(company);
    contact.department = non_empty(component(&org, 1, ","));

    for (pool, fields) in [
        (Pool::HomeAdr, address_fields_home as AddressSetter),
        (Pool::WorkAdr, address_fields_work),
        (Pool::OtherAdr, address_fields_other),
    ] {
        if let Some(l) = line(pool) {
            let comps = l.components();
            let parts = [
                street_of(&comps),
                component(&comps, 3, ","),
                component(&comps, 4, ","),
                component(&comps, 5, ","),
                component(&comps, 6, ","),
            ];
            for (slot, value) in fields(&mut contact).into_iter().zip(parts) {
                *slot = non_empty(value);
            }
        }
    }

    for (pool, slot) in [
        (Pool::Birthday, &mut contact.birthday),
        (Pool::Anniversary, &mut contact.anniversary),
    ] {
        if let Some(l) = line(pool) {
            *slot = date_of(l).and_then(Date::to_eas);
            if slot.is_none() {
                losses.push(Loss::new(
                    l.name.to_ascii_uppercase(),
                    "not a calendar date",
                ));
            }
        }
    }

    let categories: Vec<String> = layout
        .lines(Pool::Categories)
        .iter()
        .flat_map(|&i| card.lines[i].list())
        .collect();
    if categories.len() > eas::contact::MAX_LIST_ITEMS {
        losses.push(Loss::new("CATEGORIES", "more than 300 categories"));
    }
    contact.categories = (!categories.is_empty()).then(|| {
        categories
            .into_iter()
            .take(eas::contact::MAX_LIST_ITEMS)
            .collect()
    });
    let children: Vec<String> = layout
        .lines(Pool::Children)
        .iter()
        .map(|&i| card.lines[i].text())
        .collect();
    contact.children = (!children.is_empty()).then_some(children);

    if let Some(l) = line(Pool::Note) {
        contact.body = body_of(&l.text(), opts);
    }

    if let Some(l) = line(Pool::Photo) {
        match photo_bytes(l) {
            Some(bytes) => {
                let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
                if b64.len() <= opts.max_picture_bytes {
                    contact.picture = Some(b64);
                } else {
                    losses.push(Loss::new(
                        "PHOTO",
                        format!(
                            "{} bytes of base64, more than the Picture limit of {}",
                            b64.len(),
                            opts.max_picture_bytes
                        ),
                    ));
                }
            }
            None => losses.push(Loss::new("PHOTO", "not an inline image (a URI)")),
        }
    }

    for (pool, lines) in layout.pools() {
        let extra = lines.len().saturating_sub(pool.capacity());
        if extra > 0 {
            losses.push(Loss::new(
                pool.property(),
                format!("{extra} more than the device's {:?} slots", pool),
            ));
        }
    }
    let mut seen = Vec::new();
    for &i in &layout.unmapped {
        let name = card.lines[i].name.to_ascii_uppercase();
        if !seen.contains(&name) {
            losses.push(Loss::new(name.clone(), "no EAS element"));
            seen.push(name);
        }
    }
    losses.sort_by(|a, b| (&a.property, &a.reason).cmp(&(&b.property, &b.reason)));
    (contact, losses)
}

type AddressSetter = fn(&mut Contact) -> [&mut Option<String>; 5];

/// Street, city, state, postal code, country of each address.
pub(crate) fn address_fields_home(c: &mut Contact) -> [&mut Option<String>; 5] {
    [
        &mut c.home_address_street,
        &mut c.home_address_city,
        &mut c.home_address_state,
        &mut c.home_address_postal_code,
        &mut c.home_address_country,
    ]
}

pub(crate) fn address_fields_work(c: &mut Contact) -> [&mut Option<String>; 5] {
    [
        &mut c.business_address_street,
        &mut c.business_address_city,
        &mut c.business_address_state,
        &mut c.business_address_postal_code,
        &mut c.business_address_country,
    ]
}

pub(crate) fn address_fields_other(c: &mut Contact) -> [&mut Option<String>; 5] {
    [
        &mut c.other_address_street,
        &mut c.other_address_city,
        &mut c.other_address_state,
        &mut c.other_address_postal_code,
        &mut c.other_address_country,
    ]
}
