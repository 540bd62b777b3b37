//! DTSTART / DUE as the two forms an EAS task carries: the device's local wall time ("local
//! seconds": the wall time's seconds since 1970-01-01T00:00, no zone) and the UTC instant.

use chrono::{NaiveDateTime, NaiveTime};

use crate::ical::When;
use crate::timezone::Zone;

/// A date-time both ways, for a user in one zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Both {
    pub local: i64,
    pub utc: i64,
}

pub(crate) fn local_seconds(t: NaiveDateTime) -> i64 {
    t.and_utc().timestamp()
}

pub(crate) fn from_local_seconds(s: i64) -> NaiveDateTime {
    chrono::DateTime::from_timestamp(s, 0).map_or_else(NaiveDateTime::default, |d| d.naive_utc())
}

/// Both forms of a stored value for a user in `user`: a date is local midnight, a floating
/// time is the user's wall time (both read in the user's zone); a zoned or UTC time is its
/// instant, and the user's wall time of it.
pub(crate) fn both(w: &When, user: &Zone) -> Both {
    if w.date_only || w.zone.is_none() {
        Both {
            local: local_seconds(w.local),
            utc: user.to_utc(w.local),
        }
    } else {
        let utc = w.to_utc(user);
        Both {
            local: local_seconds(user.to_local(utc)),
            utc,
        }
    }
}

/// The value to write for `new` where `stored` was: a date stays a date while the new local
/// time is midnight; a floating time stays floating; a zoned time stays in its zone (UTC
/// stays UTC); a date that gains a time becomes UTC.
pub(crate) fn like(stored: &When, new: Both) -> When {
    let local = from_local_seconds(new.local);
    if stored.date_only {
        return if local.time() == NaiveTime::MIN {
            When::date(local.date())
        } else {
            When::utc(new.utc)
        };
    }
    match &stored.zone {
        None => When {
            local,
            zone: None,
            date_only: false,
        },
        Some(z) => When::in_zone(new.utc, z),
    }
}

/// The value for a property the object did not have: a date when the local time is midnight
/// (what Outlook and most task lists mean), else the UTC instant (no VTIMEZONE needed).
pub(crate) fn fresh(new: Both) -> When {
    let local = from_local_seconds(new.local);
    if local.time() == NaiveTime::MIN {
        When::date(local.date())
    } else {
        When::utc(new.utc)
    }
}

/// Whether what the device sent says the same as the stored pair: every form it sent equals
/// the stored one.
pub(crate) fn same(stored: Option<Both>, local: Option<i64>, utc: Option<i64>) -> bool {
    match stored {
        None => local.is_none() && utc.is_none(),
        Some(s) => {
            (local.is_some() || utc.is_some())
                && local.is_none_or(|l| l == s.local)
                && utc.is_none_or(|u| u == s.utc)
        }
    }
}

/// The pair a device means by what it sent; a missing form is derived through the user's
/// zone. Both sent: taken as sent.
pub(crate) fn device_pair(local: Option<i64>, utc: Option<i64>, user: &Zone) -> Option<Both> {
    match (local, utc) {
        (Some(local), Some(utc)) => Some(Both { local, utc }),
        (Some(local), None) => Some(Both {
            local,
            utc: user.to_utc(from_local_seconds(local)),
        }),
        (None, Some(utc)) => Some(Both {
            local: local_seconds(user.to_local(utc)),
            utc,
        }),
        (None, None) => None,
    }
}
