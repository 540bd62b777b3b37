//! The CLDR mapping between Windows time zone names and IANA zones
//! (`data/windowsZones.txt`, from CLDR `common/supplemental/windowsZones.xml`, Unicode
//! license), and the tz database links (`data/tzlinks.txt`, public domain) to find the
//! Windows name of an IANA alias the mapping does not list.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::LazyLock;

use chrono_tz::Tz;

const WINDOWS_ZONES: &str = include_str!("../../data/windowsZones.txt");
const TZ_LINKS: &str = include_str!("../../data/tzlinks.txt");

/// One IANA zone of a CLDR `mapZone` entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MapZone {
    /// The Windows zone name ("W. Europe Standard Time").
    pub windows: &'static str,
    /// The CLDR territory ("001" = the zone a Windows name stands for, "ZZ" = Etc zones).
    pub territory: &'static str,
    pub tz: Tz,
}

struct Table {
    zones: Vec<MapZone>,
    skipped: Vec<&'static str>,
    /// Windows name of every listed IANA zone (first listing wins).
    by_tz: HashMap<Tz, &'static str>,
    /// Windows name of every canonical zone a listed zone links to.
    by_canonical: HashMap<Tz, &'static str>,
    /// The "001" zone of each Windows name.
    golden: HashMap<&'static str, Tz>,
    /// Link -> target of the tz database.
    links: HashMap<Tz, Tz>,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    let links: HashMap<Tz, Tz> = TZ_LINKS
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (target, link) = l.split_once(' ')?;
            Some((Tz::from_str(link).ok()?, Tz::from_str(target).ok()?))
        })
        .collect();
    let canonical = |tz: Tz| links.get(&tz).copied().unwrap_or(tz);
    let mut table = Table {
        zones: Vec::new(),
        skipped: Vec::new(),
        by_tz: HashMap::new(),
        by_canonical: HashMap::new(),
        golden: HashMap::new(),
        links: HashMap::new(),
    };
    for line in WINDOWS_ZONES.lines().filter(|l| !l.starts_with('#')) {
        let mut fields = line.split(';');
        let (Some(windows), Some(territory), Some(names)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        for name in names.split_whitespace() {
            let Ok(tz) = Tz::from_str(name) else {
                table.skipped.push(name);
                continue;
            };
            table.zones.push(MapZone {
                windows,
                territory,
                tz,
            });
            table.by_tz.entry(tz).or_insert(windows);
            table.by_canonical.entry(canonical(tz)).or_insert(windows);
            if territory == "001" {
                table.golden.entry(windows).or_insert(tz);
            }
        }
    }
    table.links = links;
    table
});

/// The Windows zone name of an IANA zone: the CLDR entry listing it, else the entry listing
/// the zone it is a link of (or another link of the same zone). `None` for zones CLDR does
/// not map (most of them historical or uninhabited).
pub fn windows_name(tz: Tz) -> Option<&'static str> {
    let table = &*TABLE;
    if let Some(name) = table.by_tz.get(&tz) {
        return Some(name);
    }
    let canonical = table.links.get(&tz).copied().unwrap_or(tz);
    table.by_canonical.get(&canonical).copied()
}

/// The IANA zone CLDR gives for a Windows zone name (its territory "001" entry). Exact
/// name first, then ignoring ASCII case.
pub fn iana_for_windows(name: &str) -> Option<Tz> {
    let table = &*TABLE;
    let name = name.trim();
    table.golden.get(name).copied().or_else(|| {
        table
            .golden
            .iter()
            .find(|(windows, _)| windows.eq_ignore_ascii_case(name))
            .map(|(_, tz)| *tz)
    })
}

/// Every (Windows name, territory, IANA zone) of the mapping, in the order of the CLDR file.
pub fn mapped_zones() -> &'static [MapZone] {
    &TABLE.zones
}

/// IANA names of the CLDR file that chrono-tz does not know (skipped).
pub fn skipped_names() -> &'static [&'static str] {
    &TABLE.skipped
}
