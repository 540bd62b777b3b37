//! A set of UIDs kept as sorted, disjoint, inclusive ranges: what a device has of a mailbox is
//! usually a few long runs, so 100,000 messages cost a few bytes, not 400 KB.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, Default, PartialEq, Eq)]
pub struct RangeSet {
    /// Sorted, disjoint, non-adjacent, each `start <= end`.
    ranges: Vec<(u32, u32)>,
}

impl RangeSet {
    pub fn new() -> RangeSet {
        RangeSet::default()
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// How many values.
    pub fn len(&self) -> u64 {
        self.ranges
            .iter()
            .map(|(a, b)| u64::from(*b) - u64::from(*a) + 1)
            .sum()
    }

    pub fn contains(&self, v: u32) -> bool {
        self.ranges
            .binary_search_by(|&(a, b)| {
                if b < v {
                    std::cmp::Ordering::Less
                } else if a > v {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .is_ok()
    }

    pub fn max(&self) -> Option<u32> {
        self.ranges.last().map(|r| r.1)
    }

    pub fn insert(&mut self, v: u32) {
        self.insert_range(v, v);
    }

    pub fn insert_range(&mut self, start: u32, end: u32) {
        if start > end {
            return;
        }
        // Ranges that overlap or touch [start, end] merge with it.
        let lo = self
            .ranges
            .partition_point(|&(_, b)| b.saturating_add(1) < start);
        let hi = self
            .ranges
            .partition_point(|&(a, _)| a <= end.saturating_add(1));
        let mut s = start;
        let mut e = end;
        if lo < hi {
            s = s.min(self.ranges[lo].0);
            e = e.max(self.ranges[hi - 1].1);
        }
        self.ranges.splice(lo..hi, [(s, e)]);
    }

    pub fn remove(&mut self, v: u32) {
        self.remove_range(v, v);
    }

    pub fn remove_range(&mut self, start: u32, end: u32) {
        if start > end {
            return;
        }
        let mut out = Vec::with_capacity(self.ranges.len() + 1);
        for &(a, b) in &self.ranges {
            if b < start || a > end {
                out.push((a, b));
                continue;
            }
            if a < start {
                out.push((a, start - 1));
            }
            if b > end {
                out.push((end + 1, b));
            }
        }
        self.ranges = out;
    }

    pub fn extend(&mut self, values: impl IntoIterator<Item = u32>) {
        for v in values {
            self.insert(v);
        }
    }

    pub fn union(&mut self, other: &RangeSet) {
        for &(a, b) in &other.ranges {
            self.insert_range(a, b);
        }
    }

    pub fn subtract(&mut self, other: &RangeSet) {
        for &(a, b) in &other.ranges {
            self.remove_range(a, b);
        }
    }

    /// Values in both.
    pub fn intersection(&self, other: &RangeSet) -> RangeSet {
        let mut out = RangeSet::new();
        let (mut i, mut j) = (0, 0);
        while i < self.ranges.len() && j < other.ranges.len() {
            let (a1, b1) = self.ranges[i];
            let (a2, b2) = other.ranges[j];
            let (s, e) = (a1.max(a2), b1.min(b2));
            if s <= e {
                out.ranges.push((s, e));
            }
            if b1 < b2 { i += 1 } else { j += 1 }
        }
        out
    }

    /// Ascending.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = u32> + '_ {
        self.ranges.iter().flat_map(|&(a, b)| a..=b)
    }

    /// Up to `n` of the highest values, highest first (newest mail first).
    pub fn highest(&self, n: usize) -> Vec<u32> {
        self.iter().rev().take(n).collect()
    }

    pub fn ranges(&self) -> &[(u32, u32)] {
        &self.ranges
    }

    /// IMAP sequence-set form: "1:5,9".
    pub fn to_sequence_set(&self) -> String {
        let parts: Vec<String> = self
            .ranges
            .iter()
            .map(|&(a, b)| {
                if a == b {
                    a.to_string()
                } else {
                    format!("{a}:{b}")
                }
            })
            .collect();
        parts.join(",")
    }

    /// Parses the form of [`RangeSet::to_sequence_set`] (any order, overlaps allowed).
    pub fn parse(text: &str) -> Option<RangeSet> {
        let mut set = RangeSet::new();
        for part in text.split(',').filter(|p| !p.is_empty()) {
            let (a, b): (u32, u32) = match part.split_once(':') {
                Some((a, b)) => (a.parse().ok()?, b.parse().ok()?),
                None => {
                    let v: u32 = part.parse().ok()?;
                    (v, v)
                }
            };
            set.insert_range(a.min(b), a.max(b));
        }
        Some(set)
    }
}

impl FromIterator<u32> for RangeSet {
    fn from_iter<I: IntoIterator<Item = u32>>(iter: I) -> Self {
        let mut s = RangeSet::new();
        s.extend(iter);
        s
    }
}

impl fmt::Debug for RangeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RangeSet({})", self.to_sequence_set())
    }
}

impl Serialize for RangeSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_sequence_set())
    }
}

impl<'de> Deserialize<'de> for RangeSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        RangeSet::parse(&text).ok_or_else(|| serde::de::Error::custom("not a sequence set"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    #[test]
    fn adjacent_values_merge_into_one_range() {
        let s: RangeSet = [1, 2, 3, 5, 4].into_iter().collect();
        assert_eq!(s.ranges(), &[(1, 5)]);
        assert_eq!(s.to_sequence_set(), "1:5");
    }

    #[test]
    fn removing_from_the_middle_splits_a_range() {
        let mut s: RangeSet = (1..=10).collect();
        s.remove(5);
        assert_eq!(s.to_sequence_set(), "1:4,6:10");
        assert_eq!(s.len(), 9);
    }

    #[test]
    fn highest_lists_newest_first() {
        let s: RangeSet = [1, 7, 3, 9].into_iter().collect();
        assert_eq!(s.highest(3), vec![9, 7, 3]);
    }

    #[test]
    fn serializes_as_a_sequence_set() {
        let s: RangeSet = [1, 2, 3, 9].into_iter().collect();
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, "\"1:3,9\"");
        assert_eq!(serde_json::from_str::<RangeSet>(&json).unwrap(), s);
    }

    #[test]
    fn extreme_values_do_not_overflow() {
        let mut s = RangeSet::new();
        s.insert(u32::MAX);
        s.insert(0);
        s.insert_range(u32::MAX - 3, u32::MAX);
        s.remove_range(0, 0);
        assert_eq!(
            s.to_sequence_set(),
            format!("{}:{}", u32::MAX - 3, u32::MAX)
        );
    }

    proptest! {
        #[test]
        fn behaves_like_a_set(ops in proptest::collection::vec((any::<bool>(), 0u32..200, 0u32..5), 0..80),
                              other in proptest::collection::btree_set(0u32..200, 0..60)) {
            let mut model = BTreeSet::new();
            let mut s = RangeSet::new();
            for (add, v, w) in ops {
                if add { s.insert_range(v, v + w); model.extend(v..=v + w); }
                else { s.remove_range(v, v + w); for x in v..=v + w { model.remove(&x); } }
            }
            prop_assert_eq!(s.iter().collect::<Vec<_>>(), model.iter().copied().collect::<Vec<_>>());
            prop_assert_eq!(s.len(), model.len() as u64);
            for w in s.ranges().windows(2) { prop_assert!(w[0].1 + 1 < w[1].0); }
            let o: RangeSet = other.iter().copied().collect();
            let inter: Vec<u32> = model.intersection(&other).copied().collect();
            prop_assert_eq!(s.intersection(&o).iter().collect::<Vec<_>>(), inter);
            let mut d = s.clone(); d.subtract(&o);
            let diff: Vec<u32> = model.difference(&other).copied().collect();
            prop_assert_eq!(d.iter().collect::<Vec<_>>(), diff);
            prop_assert_eq!(RangeSet::parse(&s.to_sequence_set()), Some(s.clone()));
            for v in 0..210 { prop_assert_eq!(s.contains(v), model.contains(&v)); }
        }
    }
}
