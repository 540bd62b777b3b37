//! Which vCard line each EAS element is rendered from. The assignment is a pure function of the
//! stored card, so a merge re-derives the same one and a device's edit of `Email2Address`
//! changes the EMAIL line it was rendered from.

use std::collections::HashMap;

use super::card::{Card, Line, Param, Version};

/// A group of lines that fill an ordered list of EAS elements (one line per element; lines
/// beyond the last element stay on the server).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Pool {
    Mobile,
    HomeTel,
    WorkTel,
    HomeFax,
    WorkFax,
    Car,
    Pager,
    Radio,
    AssistantTel,
    CompanyMain,
    Mms,
    Email,
    Url,
    Im,
    JobTitle,
    NickName,
    Office,
    CustomerId,
    GovernmentId,
    AccountName,
    YomiFirst,
    YomiLast,
    YomiCompany,
    FileAs,
    Assistant,
    Manager,
    Spouse,
    Children,
    Categories,
    HomeAdr,
    WorkAdr,
    OtherAdr,
    Birthday,
    Anniversary,
    Note,
    Photo,
    Name,
    FullName,
    Org,
}

impl Pool {
    /// How many lines of the pool the device sees (`usize::MAX`: all).
    pub fn capacity(self) -> usize {
        match self {
            Pool::HomeTel | Pool::WorkTel => 2,
            Pool::Email | Pool::Im => 3,
            Pool::Children | Pool::Categories => eas::contact::MAX_LIST_ITEMS,
            _ => 1,
        }
    }

    /// What the device is told about lines beyond the capacity.
    pub fn property(self) -> &'static str {
        match self {
            Pool::Mobile
            | Pool::HomeTel
            | Pool::WorkTel
            | Pool::HomeFax
            | Pool::WorkFax
            | Pool::Car
            | Pool::Pager
            | Pool::Radio
            | Pool::AssistantTel
            | Pool::CompanyMain
            | Pool::Mms => "TEL",
            Pool::Email => "EMAIL",
            Pool::Url => "URL",
            Pool::Im => "IMPP",
            Pool::HomeAdr | Pool::WorkAdr | Pool::OtherAdr => "ADR",
            Pool::Birthday => "BDAY",
            Pool::Anniversary => "ANNIVERSARY",
            Pool::Note => "NOTE",
            Pool::Photo => "PHOTO",
            Pool::Name => "N",
            Pool::FullName => "FN",
            Pool::Org => "ORG",
            Pool::JobTitle => "TITLE",
            Pool::NickName => "NICKNAME",
            Pool::Categories => "CATEGORIES",
            _ => "RELATED",
        }
    }

    /// Simple text properties of our own or of other producers: (pool, names read, name
    /// written).
    const SIMPLE: [(Pool, &'static [&'static str], &'static str); 11] = [
        (Pool::JobTitle, &["TITLE"], "TITLE"),
        (Pool::NickName, &["NICKNAME"], "NICKNAME"),
        (
            Pool::Office,
            &["X-AIRGATE-OFFICE-LOCATION", "X-MS-OFFICE-LOCATION"],
            "X-AIRGATE-OFFICE-LOCATION",
        ),
        (
            Pool::CustomerId,
            &["X-AIRGATE-CUSTOMER-ID"],
            "X-AIRGATE-CUSTOMER-ID",
        ),
        (
            Pool::GovernmentId,
            &["X-AIRGATE-GOVERNMENT-ID"],
            "X-AIRGATE-GOVERNMENT-ID",
        ),
        (
            Pool::AccountName,
            &["X-AIRGATE-ACCOUNT-NAME"],
            "X-AIRGATE-ACCOUNT-NAME",
        ),
        (
            Pool::YomiFirst,
            &["X-PHONETIC-FIRST-NAME"],
            "X-PHONETIC-FIRST-NAME",
        ),
        (
            Pool::YomiLast,
            &["X-PHONETIC-LAST-NAME"],
            "X-PHONETIC-LAST-NAME",
        ),
        (Pool::YomiCompany, &["X-PHONETIC-ORG"], "X-PHONETIC-ORG"),
        (
            Pool::FileAs,
            &["X-AIRGATE-FILE-AS", "X-EVOLUTION-FILE-AS"],
            "X-AIRGATE-FILE-AS",
        ),
        (Pool::Note, &["NOTE"], "NOTE"),
    ];

    /// The line a device's new value is written as: (group, name, params). Related names in
    /// 3.0 are Apple's labelled `X-ABRELATEDNAMES` (read by DAVx5 and Thunderbird too); the
    /// caller adds the `X-ABLabel` line of the group.
    pub fn template(self, version: Version) -> (&'static str, Vec<Param>) {
        let v4 = version == Version::V4;
        let types = |v3: &str, v4s: &str| vec![Param::new("TYPE", if v4 { v4s } else { v3 })];
        match self {
            Pool::Mobile => ("TEL", types("CELL", "cell")),
            Pool::HomeTel => ("TEL", types("HOME,VOICE", "home,voice")),
            Pool::WorkTel => ("TEL", types("WORK,VOICE", "work,voice")),
            Pool::HomeFax => ("TEL", types("HOME,FAX", "home,fax")),
            Pool::WorkFax => ("TEL", types("WORK,FAX", "work,fax")),
            Pool::Car => ("TEL", types("CAR", "x-car")),
            Pool::Pager => ("TEL", types("PAGER", "pager")),
            Pool::Radio => ("TEL", types("X-RADIO", "x-radio")),
            Pool::AssistantTel => ("TEL", types("X-ASSISTANT", "x-assistant")),
            Pool::CompanyMain => ("TEL", types("WORK,MAIN", "work,x-main")),
            Pool::Mms => ("TEL", types("X-MMS", "x-mms")),
            Pool::Email if v4 => ("EMAIL", Vec::new()),
            Pool::Email => ("EMAIL", types("INTERNET", "")),
            Pool::Url => ("URL", Vec::new()),
            Pool::Im => ("IMPP", Vec::new()),
            Pool::HomeAdr => ("ADR", types("HOME", "home")),
            Pool::WorkAdr => ("ADR", types("WORK", "work")),
            Pool::OtherAdr => ("ADR", Vec::new()),
            Pool::Birthday => ("BDAY", Vec::new()),
            Pool::Anniversary if v4 => ("ANNIVERSARY", Vec::new()),
            Pool::Anniversary => ("X-ANNIVERSARY", Vec::new()),
            Pool::Photo => ("PHOTO", Vec::new()),
            Pool::Name => ("N", Vec::new()),
            Pool::FullName => ("FN", Vec::new()),
            Pool::Org => ("ORG", Vec::new()),
            Pool::Categories => ("CATEGORIES", Vec::new()),
            Pool::Spouse | Pool::Children | Pool::Assistant | Pool::Manager if v4 => (
                "RELATED",
                vec![
                    Param::new("TYPE", self.related_type()),
                    Param::new("VALUE", "text"),
                ],
            ),
            Pool::Spouse | Pool::Children | Pool::Assistant | Pool::Manager => {
                ("X-ABRELATEDNAMES", Vec::new())
            }
            other => (
                Pool::SIMPLE
                    .iter()
                    .find(|(p, _, _)| *p == other)
                    .map_or("NOTE", |(_, _, w)| w),
                Vec::new(),
            ),
        }
    }

    pub fn related_type(self) -> &'static str {
        match self {
            Pool::Spouse => "spouse",
            Pool::Children => "child",
            Pool::Assistant => "assistant",
            _ => "manager",
        }
    }

    /// Apple's label for a related name.
    pub fn related_label(self) -> &'static str {
        match self {
            Pool::Spouse => "_$!<Spouse>!$_",
            Pool::Children => "_$!<Child>!$_",
            Pool::Assistant => "_$!<Assistant>!$_",
            _ => "_$!<Manager>!$_",
        }
    }

    fn by_pref(self) -> bool {
        matches!(self, Pool::Email)
    }
}

/// Properties that carry nothing a contact shows (or that other lines already render).
const STRUCTURAL: [&str; 15] = [
    "",
    "BEGIN",
    "END",
    "VERSION",
    "PRODID",
    "UID",
    "REV",
    "KIND",
    "X-ABLABEL",
    "X-ABADR",
    "X-ABSHOWAS",
    "X-ABUID",
    "CLIENTPIDMAP",
    "LABEL",
    "X-APPLE-OMIT-YEAR",
];

const IM_PROPERTIES: [&str; 13] = [
    "IMPP",
    "X-AIM",
    "X-JABBER",
    "X-ICQ",
    "X-MSN",
    "X-YAHOO",
    "X-SKYPE",
    "X-SKYPE-USERNAME",
    "X-GOOGLE-TALK",
    "X-GTALK",
    "X-QQ",
    "X-GADUGADU",
    "X-MS-IMADDRESS",
];

/// Which pool a line belongs to.
pub(crate) fn pool_of(card: &Card, line: &Line) -> Option<Pool> {
    let name = line.name.to_ascii_uppercase();
    let label = || card.label_of(line.group.as_deref()).unwrap_or_default();
    Some(match name.as_str() {
        "TEL" => tel_pool(&line.types(), &label()),
        "EMAIL" => Pool::Email,
        "URL" => Pool::Url,
        "ADR" => {
            if line.has_type("home") {
                Pool::HomeAdr
            } else if line.has_type("work") {
                Pool::WorkAdr
            } else {
                Pool::OtherAdr
            }
        }
        "N" => Pool::Name,
        "FN" => Pool::FullName,
        "ORG" => Pool::Org,
        "BDAY" => Pool::Birthday,
        "ANNIVERSARY" | "X-ANNIVERSARY" | "X-MS-ANNIVERSARY" | "X-EVOLUTION-ANNIVERSARY" => {
            Pool::Anniversary
        }
        "X-ABDATE" if label().contains("anniversary") => Pool::Anniversary,
        "PHOTO" => Pool::Photo,
        "CATEGORIES" => Pool::Categories,
        "RELATED" => related_pool(&line.types().join(","))?,
        "X-ABRELATEDNAMES" => related_pool(&label())?,
        "X-SPOUSE" | "X-MS-SPOUSE" | "X-EVOLUTION-SPOUSE" | "X-KADDRESSBOOK-X-SPOUSESNAME" => {
            Pool::Spouse
        }
        "X-ASSISTANT"
        | "X-MS-ASSISTANT"
        | "X-EVOLUTION-ASSISTANT"
        | "X-KADDRESSBOOK-X-ASSISTANTSNAME" => Pool::Assistant,
        "X-MANAGER" | "X-MS-MANAGER" | "X-EVOLUTION-MANAGER" | "X-KADDRESSBOOK-X-MANAGERSNAME" => {
            Pool::Manager
        }
        "X-CHILD" | "X-MS-CHILD" | "X-CHILDREN" => Pool::Children,
        n if IM_PROPERTIES.contains(&n) => Pool::Im,
        n => Pool::SIMPLE
            .iter()
            .find(|(_, names, _)| names.contains(&n))
            .map(|(p, _, _)| *p)?,
    })
}

fn tel_pool(types: &[String], label: &str) -> Pool {
    let has = |t: &str| types.iter().any(|x| x == t) || label == t;
    if has("fax") || label.contains("fax") {
        if has("home") || label.contains("home") {
            Pool::HomeFax
        } else {
            Pool::WorkFax
        }
    } else if has("pager") {
        Pool::Pager
    } else if has("car") || has("x-car") {
        Pool::Car
    } else if has("x-radio") || has("radio") {
        Pool::Radio
    } else if has("x-assistant") || has("assistant") {
        Pool::AssistantTel
    } else if has("x-mms") || has("mms") || has("msg") {
        Pool::Mms
    } else if has("main") || has("x-main") || has("x-company-main") || has("company main") {
        Pool::CompanyMain
    } else if has("cell") || has("mobile") || has("iphone") {
        Pool::Mobile
    } else if has("work") {
        Pool::WorkTel
    } else {
        Pool::HomeTel
    }
}

fn related_pool(kind: &str) -> Option<Pool> {
    let k = kind.to_ascii_lowercase();
    Some(if k.contains("spouse") || k.contains("partner") {
        Pool::Spouse
    } else if k.contains("child") {
        Pool::Children
    } else if k.contains("assistant") {
        Pool::Assistant
    } else if k.contains("manager") {
        Pool::Manager
    } else {
        return None;
    })
}

/// The lines of each pool, in slot order; and the lines no pool renders.
pub(crate) struct Layout {
    pools: HashMap<Pool, Vec<usize>>,
    pub unmapped: Vec<usize>,
}

impl Layout {
    pub fn of(card: &Card) -> Layout {
        let mut pools: HashMap<Pool, Vec<usize>> = HashMap::new();
        let mut unmapped = Vec::new();
        for (i, line) in card.lines.iter().enumerate() {
            match pool_of(card, line) {
                Some(p) => pools.entry(p).or_default().push(i),
                None => {
                    let upper = line.name.to_ascii_uppercase();
                    if !STRUCTURAL.contains(&upper.as_str()) {
                        unmapped.push(i);
                    }
                }
            }
        }
        for (pool, lines) in pools.iter_mut() {
            if pool.by_pref() {
                // Stable: equal preference keeps document order.
                lines.sort_by_key(|&i| card.lines[i].pref());
            }
        }
        Layout { pools, unmapped }
    }

    /// The lines of a pool in slot order (all of them, including those beyond capacity).
    pub fn lines(&self, pool: Pool) -> &[usize] {
        self.pools.get(&pool).map_or(&[], Vec::as_slice)
    }

    /// The line shown in slot `n` of a pool.
    pub fn slot(&self, pool: Pool, n: usize) -> Option<usize> {
        (n < pool.capacity())
            .then(|| self.lines(pool).get(n).copied())
            .flatten()
    }

    pub fn pools(&self) -> impl Iterator<Item = (Pool, &[usize])> {
        self.pools.iter().map(|(p, l)| (*p, l.as_slice()))
    }
}
