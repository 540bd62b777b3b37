//! UID sets on the wire: `1:5,9,12:20`.

use async_imap::imap_proto::rfc4315::UidSetMember;

/// Longest set written into one command. Dovecot accepts command lines of
/// 64 KiB (`imap_max_line_length`); leave room for the rest of the command.
pub(crate) const MAX_SET_LEN: usize = 8 * 1024;

/// Sorted, deduplicated, zeros dropped (0 is no UID).
fn normalized(uids: &[u32]) -> Vec<u32> {
    let mut v: Vec<u32> = uids.iter().copied().filter(|u| *u != 0).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Consecutive runs of a sorted list.
fn runs(sorted: &[u32]) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for &u in sorted {
        match out.last_mut() {
            Some((_, end)) if end.checked_add(1) == Some(u) => *end = u,
            _ => out.push((u, u)),
        }
    }
    out
}

fn push_run(s: &mut String, (start, end): (u32, u32)) {
    if !s.is_empty() {
        s.push(',');
    }
    if start == end {
        s.push_str(&start.to_string());
    } else {
        s.push_str(&format!("{start}:{end}"));
    }
}

/// The compressed set of `uids` (any order, duplicates allowed); empty for
/// no UIDs.
pub fn compress(uids: &[u32]) -> String {
    let mut s = String::new();
    for run in runs(&normalized(uids)) {
        push_run(&mut s, run);
    }
    s
}

/// `uids` as sets of at most `max_len` bytes each (a single run is never
/// split; it is at most 21 bytes), with the UIDs of each set.
pub(crate) fn chunks(uids: &[u32], max_len: usize) -> Vec<(String, Vec<u32>)> {
    let sorted = normalized(uids);
    let mut out: Vec<(String, Vec<u32>)> = Vec::new();
    let mut current = String::new();
    let mut members = Vec::new();
    for (start, end) in runs(&sorted) {
        let mut piece = String::new();
        push_run(&mut piece, (start, end));
        if !current.is_empty() && current.len() + 1 + piece.len() > max_len {
            out.push((std::mem::take(&mut current), std::mem::take(&mut members)));
        }
        push_run(&mut current, (start, end));
        members.extend(start..=end);
    }
    if !current.is_empty() {
        out.push((current, members));
    }
    out
}

/// The UIDs of a parsed `uid-set` (COPYUID, APPENDUID), in order; `None`
/// if there are more than `limit` (a set no answer to this client's
/// request can hold).
pub(crate) fn expand(members: &[UidSetMember], limit: usize) -> Option<Vec<u32>> {
    let mut out = Vec::new();
    for m in members {
        match m {
            UidSetMember::Uid(u) => out.push(*u),
            UidSetMember::UidRange(r) => {
                let count = (*r.end() as u64) - (*r.start() as u64) + 1;
                if out.len() as u64 + count > limit as u64 {
                    return None;
                }
                out.extend(r.clone());
            }
        }
        if out.len() > limit {
            return None;
        }
    }
    Some(out)
}

/// The UIDs of a parsed sequence set (VANISHED), bounded like [`expand`].
pub(crate) fn expand_ranges(
    ranges: &[std::ops::RangeInclusive<u32>],
    out: &mut Vec<u32>,
    limit: usize,
) -> bool {
    for r in ranges {
        let count = (*r.end() as u64).saturating_sub(*r.start() as u64) + 1;
        if out.len() as u64 + count > limit as u64 {
            return false;
        }
        out.extend(r.clone());
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn compresses_runs() {
        assert_eq!(compress(&[]), "");
        assert_eq!(compress(&[7]), "7");
        assert_eq!(
            compress(&[1, 2, 3, 4, 5, 9, 12, 13, 14, 20, 15, 16, 17, 18, 19]),
            "1:5,9,12:20"
        );
        assert_eq!(compress(&[3, 1, 2, 2, 0]), "1:3");
        assert_eq!(compress(&[u32::MAX, u32::MAX - 1]), "4294967294:4294967295");
    }

    #[test]
    fn chunks_respect_the_length() {
        let uids: Vec<u32> = (1..=2000).map(|i| i * 2).collect();
        let chunks = chunks(&uids, 100);
        assert!(chunks.len() > 1);
        let mut all: Vec<u32> = Vec::new();
        for (set, members) in &chunks {
            assert!(set.len() <= 100, "{set}");
            assert_eq!(compress(members), *set);
            all.extend(members.iter().copied());
        }
        assert_eq!(all, uids);
        assert_eq!(super::chunks(&[], 100), Vec::<(String, Vec<u32>)>::new());
        assert_eq!(
            super::chunks(&[1, 2, 3], 100),
            vec![("1:3".to_string(), vec![1, 2, 3])]
        );
    }

    #[test]
    fn expands_with_a_limit() {
        let set = [UidSetMember::UidRange(3..=5), UidSetMember::Uid(9)];
        assert_eq!(expand(&set, 10), Some(vec![3, 4, 5, 9]));
        assert_eq!(expand(&set, 3), None);
        assert_eq!(expand(&[UidSetMember::UidRange(1..=u32::MAX)], 100), None);
        let mut out = Vec::new();
        assert!(expand_ranges(&[1..=2, 5..=5], &mut out, 10));
        assert_eq!(out, [1, 2, 5]);
        assert!(!expand_ranges(&[1..=u32::MAX], &mut out, 10));
    }

    proptest! {
        #[test]
        fn compress_round_trips(uids in proptest::collection::vec(1u32..500, 0..200)) {
            let set = compress(&uids);
            let mut expanded = Vec::new();
            for part in set.split(',').filter(|p| !p.is_empty()) {
                match part.split_once(':') {
                    Some((a, b)) => expanded.extend(a.parse::<u32>().unwrap()..=b.parse::<u32>().unwrap()),
                    None => expanded.push(part.parse::<u32>().unwrap()),
                }
            }
            let mut want = uids.clone();
            want.sort_unstable();
            want.dedup();
            prop_assert_eq!(expanded, want);
        }
    }
}
