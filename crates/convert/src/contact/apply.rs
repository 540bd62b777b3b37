//! A device's Contact merged into the stored card: only the lines whose rendering the device
//! changed are rewritten; new values get new lines next to their pool's lines.

use std::collections::{HashMap, HashSet};

use base64::Engine as _;
use eas::airsyncbase::BodyType;
use eas::contact::Contact;
use wbxml::{Tag, tags::contacts as c};

use super::ContactOptions;
use super::card::{Card, Line, Param, Version, escape_text, structured};
use super::dates::{Date, NO_YEAR};
use super::fields::{Kind, SLOT_FIELDS};
use super::layout::{Layout, Pool};
use super::render::{
    address_fields_home, address_fields_other, address_fields_work, date_of, default_file_as,
    name_parts, render,
};
use crate::merge::Ghosting;

/// What the device's Change says of one element.
enum Intent<T> {
    /// Ghosted (left out, and Supported keeps it): the stored value stays.
    Keep,
    /// Empty, or left out and not ghosted.
    Clear,
    Set(T),
}

fn intent<'a>(value: Option<&'a str>, tag: Tag, ghosting: &Ghosting) -> Intent<&'a str> {
    match value {
        Some(v) if !v.is_empty() => Intent::Set(v),
        Some(_) => Intent::Clear,
        None if ghosting.omission_clears(tag) => Intent::Clear,
        None => Intent::Keep,
    }
}

/// The new value of a text element given the rendered one.
fn resolve(old: &str, value: Option<&str>, tag: Tag, ghosting: &Ghosting) -> String {
    match intent(value, tag, ghosting) {
        Intent::Keep => old.to_owned(),
        Intent::Clear => String::new(),
        Intent::Set(v) => v.replace("\r\n", "\n"),
    }
}

/// Parameters a rewritten value keeps: all but the 2.1 transfer encodings and charsets (the
/// new value is written as UTF-8 text).
fn kept_params(line: &Line) -> Vec<Param> {
    line.params
        .iter()
        .filter(|p| {
            let n = p.name.to_ascii_uppercase();
            let v = p.value.to_ascii_uppercase();
            !(n == "ENCODING"
                || n == "CHARSET"
                || (n.is_empty() && (v == "QUOTED-PRINTABLE" || v == "BASE64")))
        })
        .cloned()
        .collect()
}

/// The edits of one merge, applied at the end so that line indices stay those of the layout.
struct Edits<'c> {
    card: &'c Card,
    layout: Layout,
    replaced: HashMap<usize, Line>,
    removed: HashSet<usize>,
    after: HashMap<usize, Vec<Line>>,
    groups: HashSet<String>,
}

impl<'c> Edits<'c> {
    fn new(card: &'c Card) -> Edits<'c> {
        let groups = card
            .lines
            .iter()
            .filter_map(|l| l.group.as_ref().map(|g| g.to_ascii_lowercase()))
            .collect();
        Edits {
            card,
            layout: Layout::of(card),
            replaced: HashMap::new(),
            removed: HashSet::new(),
            after: HashMap::new(),
            groups,
        }
    }

    fn line(&self, pool: Pool, n: usize) -> Option<(usize, &'c Line)> {
        let card = self.card;
        self.layout.slot(pool, n).map(|i| (i, &card.lines[i]))
    }

    /// Rewrites line `i` with a new value and parameters, keeping its name and group.
    fn rewrite(&mut self, i: usize, params: &[Param], value: &str) {
        let old = &self.card.lines[i];
        let line = self
            .card
            .build(old.group.as_deref(), &old.name, params, value);
        self.replaced.insert(i, line);
    }

    fn remove(&mut self, i: usize) {
        self.removed.insert(i);
    }

    /// Adds a line of `pool` after the pool's last line (else before `END:VCARD`).
    fn add(&mut self, pool: Pool, params: Option<Vec<Param>>, value: &str) {
        let version = self.card.version;
        let (name, template_params) = pool.template(version);
        let params = params.unwrap_or(template_params);
        let related = matches!(
            pool,
            Pool::Spouse | Pool::Children | Pool::Assistant | Pool::Manager
        );
        let lines = if related && version != Version::V4 {
            let group = self.free_group();
            vec![
                self.card.build(Some(&group), name, &params, value),
                self.card
                    .build(Some(&group), "X-ABLabel", &[], pool.related_label()),
            ]
        } else {
            vec![self.card.build(None, name, &params, value)]
        };
        let header = || {
            self.card
                .lines
                .iter()
                .rposition(|l| l.is("VERSION") || l.is("PRODID") || l.is("UID"))
        };
        let anchor = match self.layout.lines(pool).iter().max() {
            Some(&last) => last,
            // A new N or FN goes at the top, after the card's identity lines.
            None if matches!(pool, Pool::Name | Pool::FullName) && header().is_some() => {
                header().unwrap_or_default()
            }
            None => self.card.end_index().saturating_sub(1),
        };
        self.after.entry(anchor).or_default().extend(lines);
    }

    fn free_group(&mut self) -> String {
        let group = (1..)
            .map(|n| format!("item{n}"))
            .find(|g| !self.groups.contains(g))
            .unwrap_or_else(|| self.card.free_group());
        self.groups.insert(group.clone());
        group
    }

    /// Sets slot `n` of `pool` to `value` (a rewritten line or a new one).
    fn set(&mut self, pool: Pool, n: usize, kind: Kind, value: &str) {
        match self.line(pool, n) {
            Some((i, old)) => {
                let (text, params) = kind.write(value, Some(old), kept_params(old));
                self.rewrite(i, &params, &text);
            }
            None => {
                let (_, template) = pool.template(self.card.version);
                let (text, params) = kind.write(value, None, template);
                self.add(pool, Some(params), &text);
            }
        }
    }

    fn finish(self) -> Card {
        let mut out = self.card.clone();
        // Lines of a group that only labelled a removed line go with it.
        let removed_groups: HashSet<String> = self
            .removed
            .iter()
            .filter_map(|&i| self.card.lines[i].group.as_ref())
            .map(|g| g.to_ascii_lowercase())
            .collect();
        let companion = |l: &Line| l.is("X-ABLABEL") || l.is("X-ABADR");
        let mut removed = self.removed.clone();
        for g in removed_groups {
            let in_group = |l: &Line| {
                l.group
                    .as_deref()
                    .is_some_and(|x| x.eq_ignore_ascii_case(&g))
            };
            let still_used = self
                .card
                .lines
                .iter()
                .enumerate()
                .any(|(i, l)| in_group(l) && !companion(l) && !removed.contains(&i));
            if !still_used {
                for (i, l) in self.card.lines.iter().enumerate() {
                    if in_group(l) {
                        removed.insert(i);
                    }
                }
            }
        }
        let mut replaced = self.replaced;
        let mut after = self.after;
        out.lines = Vec::with_capacity(self.card.lines.len());
        for (i, line) in self.card.lines.iter().enumerate() {
            if !removed.contains(&i) {
                out.lines
                    .push(replaced.remove(&i).unwrap_or_else(|| line.clone()));
            }
            out.lines.extend(after.remove(&i).unwrap_or_default());
        }
        out
    }
}

/// Merges `change` into `card`. `new` is true for a device's Add (the card is the skeleton).
pub(crate) fn merge(
    card: &Card,
    change: &Contact,
    ghosting: &Ghosting,
    opts: &ContactOptions,
    new: bool,
) -> Card {
    let (rendered, _) = render(card, &Layout::of(card), opts);
    let mut e = Edits::new(card);
    let v4 = card.version == Version::V4;

    // Names: N's five components, and FN when they change.
    let old_names = name_parts(card, &e.layout);
    let name_tags = [
        c::LAST_NAME,
        c::FIRST_NAME,
        c::MIDDLE_NAME,
        c::TITLE,
        c::SUFFIX,
    ];
    let name_values = [
        &change.last_name,
        &change.first_name,
        &change.middle_name,
        &change.title,
        &change.suffix,
    ];
    let new_names: [String; 5] = std::array::from_fn(|i| {
        resolve(
            &old_names[i],
            name_values[i].as_deref(),
            name_tags[i],
            ghosting,
        )
    });
    let names_changed = new_names != old_names;
    let n_line = e.line(Pool::Name, 0);
    if names_changed || (n_line.is_none() && new && !v4) {
        let mut comps = n_line.map(|(_, l)| l.components()).unwrap_or_default();
        comps.resize(5, vec![String::new()]);
        for i in 0..5 {
            if new_names[i] != old_names[i] {
                comps[i] = vec![new_names[i].clone()];
            }
        }
        let value = structured(&comps);
        match n_line {
            Some((i, l)) => e.rewrite(i, &kept_params(l), &value),
            None => e.add(Pool::Name, None, &value),
        }
    }

    // Company and department: ORG's first two components.
    let org_line = e.line(Pool::Org, 0);
    let old_org = [
        rendered.company_name.clone().unwrap_or_default(),
        rendered.department.clone().unwrap_or_default(),
    ];
    let new_org = [
        resolve(
            &old_org[0],
            change.company_name.as_deref(),
            c::COMPANY_NAME,
            ghosting,
        ),
        resolve(
            &old_org[1],
            change.department.as_deref(),
            c::DEPARTMENT,
            ghosting,
        ),
    ];
    if new_org != old_org {
        let mut comps = org_line.map(|(_, l)| l.components()).unwrap_or_default();
        comps.resize(2, vec![String::new()]);
        for i in 0..2 {
            if new_org[i] != old_org[i] {
                comps[i] = vec![new_org[i].clone()];
            }
        }
        let empty = comps.iter().flatten().all(String::is_empty);
        match (org_line, empty) {
            (Some((i, _)), true) => e.remove(i),
            (Some((i, l)), false) => e.rewrite(i, &kept_params(l), &structured(&comps)),
            (None, false) => e.add(Pool::Org, None, &structured(&comps)),
            (None, true) => {}
        }
    }

    // FN: rebuilt from the names when they change (unless the card shows a company), and
    // always present.
    let fn_line = e.line(Pool::FullName, 0);
    let old_fn = fn_line.map(|(_, l)| l.text()).unwrap_or_default();
    let [last, first, middle, prefix, suffix] = &new_names;
    let from_names = [prefix, first, middle, last, suffix]
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let shows_company = card
        .lines
        .iter()
        .any(|l| l.is("X-ABSHOWAS") && l.text().eq_ignore_ascii_case("COMPANY"))
        || card
            .lines
            .iter()
            .any(|l| l.is("KIND") && l.text().eq_ignore_ascii_case("org"));
    let new_fn = if (names_changed && !shows_company) || fn_line.is_none() {
        [from_names.as_str(), new_org[0].as_str()]
            .into_iter()
            .find(|s| !s.is_empty())
            .map_or_else(
                || change.file_as.clone().unwrap_or(old_fn.clone()),
                str::to_owned,
            )
    } else {
        old_fn.clone()
    };
    match fn_line {
        Some((i, l)) if new_fn != old_fn => e.rewrite(i, &kept_params(l), &escape_text(&new_fn)),
        Some(_) => {}
        None => e.add(Pool::FullName, None, &escape_text(&new_fn)),
    }

    // FileAs: stored only when it differs from the default the card renders to.
    let file_as_line = e.line(Pool::FileAs, 0);
    match intent(change.file_as.as_deref(), c::FILE_AS, ghosting) {
        Intent::Keep => {}
        Intent::Clear => {
            if let Some((i, _)) = file_as_line {
                e.remove(i);
            }
        }
        Intent::Set(v) => {
            let default = default_file_as(last, first, &new_fn, &new_org[0]);
            match file_as_line {
                Some((i, l)) if rendered.file_as.as_deref() != Some(v) => {
                    e.rewrite(i, &kept_params(l), &escape_text(v));
                }
                Some(_) => {}
                None if v == default || rendered.file_as.as_deref() == Some(v) => {}
                None => e.add(Pool::FileAs, None, &escape_text(v)),
            }
        }
    }

    for f in &SLOT_FIELDS {
        let old = (f.get)(&rendered).as_deref();
        match intent((f.get)(change).as_deref(), f.tag, ghosting) {
            Intent::Keep => {}
            Intent::Clear => {
                // Only a value the device was shown can be cleared.
                if old.is_some()
                    && let Some((i, _)) = e.line(f.pool, f.n)
                {
                    e.remove(i);
                }
            }
            Intent::Set(v) => {
                let v = f.kind.normalize(v);
                if old == Some(v.as_str()) {
                    continue;
                }
                if v.is_empty() {
                    if let Some((i, _)) = e.line(f.pool, f.n) {
                        e.remove(i);
                    }
                } else {
                    e.set(f.pool, f.n, f.kind, &v);
                }
            }
        }
    }

    merge_addresses(&mut e, &rendered, change, ghosting);
    merge_dates(&mut e, change, ghosting, v4);
    merge_lists(&mut e, &rendered, change, ghosting);
    merge_body(&mut e, &rendered, change);
    merge_picture(&mut e, &rendered, change, ghosting, card.version);
    e.finish()
}

type AddressSetter = fn(&mut Contact) -> [&mut Option<String>; 5];

fn merge_addresses(e: &mut Edits, rendered: &Contact, change: &Contact, ghosting: &Ghosting) {
    let pools: [(Pool, AddressSetter, [Tag; 5]); 3] = [
        (
            Pool::HomeAdr,
            address_fields_home,
            [
                c::HOME_ADDRESS_STREET,
                c::HOME_ADDRESS_CITY,
                c::HOME_ADDRESS_STATE,
                c::HOME_ADDRESS_POSTAL_CODE,
                c::HOME_ADDRESS_COUNTRY,
            ],
        ),
        (
            Pool::WorkAdr,
            address_fields_work,
            [
                c::BUSINESS_ADDRESS_STREET,
                c::BUSINESS_ADDRESS_CITY,
                c::BUSINESS_ADDRESS_STATE,
                c::BUSINESS_ADDRESS_POSTAL_CODE,
                c::BUSINESS_ADDRESS_COUNTRY,
            ],
        ),
        (
            Pool::OtherAdr,
            address_fields_other,
            [
                c::OTHER_ADDRESS_STREET,
                c::OTHER_ADDRESS_CITY,
                c::OTHER_ADDRESS_STATE,
                c::OTHER_ADDRESS_POSTAL_CODE,
                c::OTHER_ADDRESS_COUNTRY,
            ],
        ),
    ];
    for (pool, fields, tags) in pools {
        let mut r = rendered.clone();
        let mut d = change.clone();
        let old: Vec<String> = fields(&mut r)
            .into_iter()
            .map(|v| v.clone().unwrap_or_default())
            .collect();
        let new: Vec<String> = fields(&mut d)
            .into_iter()
            .zip(tags)
            .zip(&old)
            .map(|((v, tag), o)| resolve(o, v.as_deref(), tag, ghosting))
            .collect();
        if new == old {
            continue;
        }
        let line = e.line(pool, 0);
        let mut comps = line.map(|(_, l)| l.components()).unwrap_or_default();
        comps.resize(7, vec![String::new()]);
        if new[0] != old[0] {
            comps[0] = vec![String::new()];
            comps[1] = vec![String::new()];
            comps[2] = vec![new[0].clone()];
        }
        for k in 1..5 {
            if new[k] != old[k] {
                comps[k + 2] = vec![new[k].clone()];
            }
        }
        let empty = comps.iter().flatten().all(String::is_empty);
        match (line, empty) {
            (Some((i, _)), true) => e.remove(i),
            (Some((i, l)), false) => {
                // A formatted LABEL of the old address would now be wrong.
                let mut params = kept_params(l);
                params.retain(|p| !p.name.eq_ignore_ascii_case("LABEL"));
                e.rewrite(i, &params, &structured(&comps));
            }
            (None, false) => e.add(pool, None, &structured(&comps)),
            (None, true) => {}
        }
    }
}

fn merge_dates(e: &mut Edits, change: &Contact, ghosting: &Ghosting, v4: bool) {
    for (pool, value, tag) in [
        (Pool::Birthday, change.birthday, c::BIRTHDAY),
        (Pool::Anniversary, change.anniversary, c::ANNIVERSARY),
    ] {
        let line = e.line(pool, 0);
        let new = match value {
            Some(t) => Date::from_eas(t),
            None if ghosting.omission_clears(tag) => None,
            None => continue,
        };
        let old = line.and_then(|(_, l)| date_of(l));
        if new == old {
            continue;
        }
        match (line, new) {
            (Some((i, _)), None) => e.remove(i),
            (None, None) => {}
            (line, Some(date)) => {
                let mut params = line.map(|(_, l)| kept_params(l)).unwrap_or_default();
                params.retain(|p| {
                    let omit_year = p.name.eq_ignore_ascii_case("X-APPLE-OMIT-YEAR");
                    let not_date = p.name.eq_ignore_ascii_case("VALUE")
                        && !p.value.eq_ignore_ascii_case("date");
                    !omit_year && !not_date
                });
                if date.year.is_none() && !v4 {
                    params.push(Param::new("X-APPLE-OMIT-YEAR", &NO_YEAR.to_string()));
                }
                let text = date.to_vcard(v4);
                match line {
                    Some((i, _)) => e.rewrite(i, &params, &text),
                    None => e.add(pool, Some(params), &text),
                }
            }
        }
    }
}

fn merge_lists(e: &mut Edits, rendered: &Contact, change: &Contact, ghosting: &Ghosting) {
    // Categories: the first CATEGORIES line takes the device's list, the others go.
    let new = match &change.categories {
        Some(list) => Some(list.clone()),
        None if ghosting.omission_clears(c::CATEGORIES) => Some(Vec::new()),
        None => None,
    };
    let old = rendered.categories.clone().unwrap_or_default();
    if let Some(new) = new.filter(|n| *n != old) {
        let lines = e.layout.lines(Pool::Categories).to_vec();
        let value = new
            .iter()
            .map(|s| escape_text(s))
            .collect::<Vec<_>>()
            .join(",");
        match lines.first() {
            Some(&first) if !new.is_empty() => {
                let params = kept_params(&e.card.lines[first]);
                e.rewrite(first, &params, &value);
            }
            Some(&first) => e.remove(first),
            None if !new.is_empty() => e.add(Pool::Categories, None, &value),
            None => {}
        }
        for &i in lines.iter().skip(1) {
            e.remove(i);
        }
    }

    // Children: one line each, rewritten in place.
    let new = match &change.children {
        Some(list) => Some(list.clone()),
        None if ghosting.omission_clears(c::CHILDREN) => Some(Vec::new()),
        None => None,
    };
    let old = rendered.children.clone().unwrap_or_default();
    if let Some(new) = new.filter(|n| *n != old) {
        let lines = e.layout.lines(Pool::Children).to_vec();
        for (k, &i) in lines.iter().enumerate() {
            match new.get(k) {
                Some(v) if *v != old[k] => {
                    let params = kept_params(&e.card.lines[i]);
                    e.rewrite(i, &params, &escape_text(v));
                }
                Some(_) => {}
                None => e.remove(i),
            }
        }
        for v in new.iter().skip(lines.len()) {
            e.add(Pool::Children, None, &escape_text(v));
        }
    }
}

fn merge_body(e: &mut Edits, rendered: &Contact, change: &Contact) {
    // An omitted, data-less or truncated Body is never a deletion (MS-ASAIRS 2.2.2.9).
    let Some(body) = &change.body else { return };
    let Some(data) = &body.data else { return };
    if body.truncated {
        return;
    }
    if rendered.body.as_ref().and_then(|b| b.data.as_ref()) == Some(data) {
        return;
    }
    let text = match body.body_type {
        BodyType::Html => super::body::html_to_text(data),
        _ => data.replace("\r\n", "\n"),
    };
    let line = e.line(Pool::Note, 0);
    if line.is_some_and(|(_, l)| l.text() == text) {
        return;
    }
    match line {
        Some((i, _)) if text.is_empty() => e.remove(i),
        Some((i, l)) => e.rewrite(i, &kept_params(l), &escape_text(&text)),
        None if !text.is_empty() => e.add(Pool::Note, None, &escape_text(&text)),
        None => {}
    }
}

fn merge_picture(
    e: &mut Edits,
    rendered: &Contact,
    change: &Contact,
    ghosting: &Ghosting,
    version: Version,
) {
    let line = e.line(Pool::Photo, 0);
    match change.picture.as_deref() {
        // iOS sends an empty Picture with every edit: never a deletion.
        Some("") => {}
        Some(p) if rendered.picture.as_deref() == Some(p) => {}
        Some(p) => {
            let compact: String = p.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(&compact) else {
                return;
            };
            let media = if bytes.starts_with(&[0x89, b'P', b'N', b'G']) {
                ("PNG", "image/png")
            } else if bytes.starts_with(b"GIF8") {
                ("GIF", "image/gif")
            } else {
                ("JPEG", "image/jpeg")
            };
            let mut params: Vec<Param> = line
                .map(|(_, l)| kept_params(l))
                .unwrap_or_default()
                .into_iter()
                .filter(|p| {
                    !["TYPE", "MEDIATYPE", "VALUE", ""]
                        .iter()
                        .any(|n| p.name.eq_ignore_ascii_case(n))
                })
                .collect();
            let value = match version {
                Version::V4 => format!("data:{};base64,{compact}", media.1),
                Version::V3 => {
                    params.push(Param::new("ENCODING", "b"));
                    params.push(Param::new("TYPE", media.0));
                    compact
                }
                Version::V2_1 => {
                    params.push(Param::new("ENCODING", "BASE64"));
                    params.push(Param::new("TYPE", media.0));
                    compact
                }
            };
            match line {
                Some((i, _)) => e.rewrite(i, &params, &value),
                None => e.add(Pool::Photo, Some(params), &value),
            }
        }
        None => {
            // Only a photo the device was shown can be deleted by leaving it out.
            if ghosting.omission_clears(c::PICTURE)
                && rendered.picture.is_some()
                && let Some((i, _)) = line
            {
                e.remove(i);
            }
        }
    }
}
