//! The EAS `TimeZone` value (MS-ASDTYPE 2.6.4): a Windows `TIME_ZONE_INFORMATION` structure,
//! 172 bytes little-endian, carried base64-encoded in `calendar:Timezone` and
//! `email:TimeZone`. Only the bytes live here; what they mean as a real zone is
//! `convert::timezone`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// Size of the structure: Bias, 32 UTF-16 units of StandardName, a SYSTEMTIME, StandardBias,
/// DaylightName, DaylightDate, DaylightBias.
pub const TIME_ZONE_INFORMATION_LEN: usize = 172;

/// A Windows `SYSTEMTIME` as `TIME_ZONE_INFORMATION` uses it: with `year == 0` a yearly rule
/// ("the `day`-th `day_of_week` of `month`", `day` 5 meaning the last); with a year, one
/// absolute date. `month == 0` means the zone has no daylight saving time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SystemTime {
    pub year: u16,
    pub month: u16,
    /// 0 = Sunday .. 6 = Saturday.
    pub day_of_week: u16,
    /// Week of the month 1-5 in a yearly rule, else the day of the month.
    pub day: u16,
    pub hour: u16,
    pub minute: u16,
    pub second: u16,
    pub milliseconds: u16,
}

/// The time zone of an event or meeting request, as EAS carries it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TimeZone {
    /// Minutes to add to local standard time to get UTC (UTC+1 is -60).
    pub bias: i32,
    /// At most 32 UTF-16 units; longer names are cut on encoding.
    pub standard_name: String,
    /// When daylight time ends; `month == 0` when there is no daylight time.
    pub standard_date: SystemTime,
    /// Added to `bias` during standard time (usually 0).
    pub standard_bias: i32,
    pub daylight_name: String,
    /// When daylight time starts.
    pub daylight_date: SystemTime,
    /// Added to `bias` during daylight time (usually -60).
    pub daylight_bias: i32,
}

/// The value is not a `TIME_ZONE_INFORMATION`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TimeZoneError {
    #[error("TimeZone is not valid base64")]
    Base64,
    #[error("TimeZone has {0} bytes, expected 172")]
    Length(usize),
}

impl TimeZone {
    /// UTC: all zero, as Exchange sends for events without a zone.
    pub fn utc() -> TimeZone {
        TimeZone::default()
    }

    /// Whether the zone observes daylight saving time.
    pub fn has_daylight(&self) -> bool {
        self.standard_date.month != 0 && self.daylight_date.month != 0
    }

    /// Reads the 172 bytes. Longer input is accepted (some clients pad), shorter is not.
    pub fn from_bytes(bytes: &[u8]) -> Result<TimeZone, TimeZoneError> {
        if bytes.len() < TIME_ZONE_INFORMATION_LEN {
            return Err(TimeZoneError::Length(bytes.len()));
        }
        let i32_at = |at: usize| {
            i32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        let u16_at = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]);
        let name_at = |at: usize| {
            let units: Vec<u16> = (0..32)
                .map(|i| u16_at(at + 2 * i))
                .take_while(|&u| u != 0)
                .collect();
            String::from_utf16_lossy(&units)
        };
        let time_at = |at: usize| SystemTime {
            year: u16_at(at),
            month: u16_at(at + 2),
            day_of_week: u16_at(at + 4),
            day: u16_at(at + 6),
            hour: u16_at(at + 8),
            minute: u16_at(at + 10),
            second: u16_at(at + 12),
            milliseconds: u16_at(at + 14),
        };
        Ok(TimeZone {
            bias: i32_at(0),
            standard_name: name_at(4),
            standard_date: time_at(68),
            standard_bias: i32_at(84),
            daylight_name: name_at(88),
            daylight_date: time_at(152),
            daylight_bias: i32_at(168),
        })
    }

    /// The 172 bytes. Names longer than 31 UTF-16 units are cut (the last unit stays NUL,
    /// as Windows writes them).
    pub fn to_bytes(&self) -> [u8; TIME_ZONE_INFORMATION_LEN] {
        let mut out = [0u8; TIME_ZONE_INFORMATION_LEN];
        let mut put = |at: usize, bytes: &[u8]| out[at..at + bytes.len()].copy_from_slice(bytes);
        put(0, &self.bias.to_le_bytes());
        put(4, &name_bytes(&self.standard_name));
        put(68, &time_bytes(&self.standard_date));
        put(84, &self.standard_bias.to_le_bytes());
        put(88, &name_bytes(&self.daylight_name));
        put(152, &time_bytes(&self.daylight_date));
        put(168, &self.daylight_bias.to_le_bytes());
        out
    }

    /// Reads the base64 text of a `Timezone` element. Whitespace is ignored.
    pub fn from_base64(text: &str) -> Result<TimeZone, TimeZoneError> {
        let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let bytes = STANDARD
            .decode(compact.as_bytes())
            .map_err(|_| TimeZoneError::Base64)?;
        TimeZone::from_bytes(&bytes)
    }

    /// The base64 text of a `Timezone` element.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.to_bytes())
    }
}

fn name_bytes(name: &str) -> [u8; 64] {
    let mut out = [0u8; 64];
    for (i, unit) in name.encode_utf16().take(31).enumerate() {
        out[2 * i..2 * i + 2].copy_from_slice(&unit.to_le_bytes());
    }
    out
}

fn time_bytes(t: &SystemTime) -> [u8; 16] {
    let mut out = [0u8; 16];
    let fields = [
        t.year,
        t.month,
        t.day_of_week,
        t.day,
        t.hour,
        t.minute,
        t.second,
        t.milliseconds,
    ];
    for (i, f) in fields.into_iter().enumerate() {
        out[2 * i..2 * i + 2].copy_from_slice(&f.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_is_172_zero_bytes() {
        assert_eq!(TimeZone::utc().to_bytes(), [0u8; 172]);
    }

    #[test]
    fn bytes_round_trip() {
        let tz = TimeZone {
            bias: -60,
            standard_name: "W. Europe Standard Time".into(),
            standard_date: SystemTime {
                month: 10,
                day: 5,
                hour: 3,
                ..SystemTime::default()
            },
            standard_bias: 0,
            daylight_name: "W. Europe Daylight Time".into(),
            daylight_date: SystemTime {
                month: 3,
                day: 5,
                hour: 2,
                ..SystemTime::default()
            },
            daylight_bias: -60,
        };
        assert_eq!(TimeZone::from_base64(&tz.to_base64()), Ok(tz));
    }

    #[test]
    fn short_input_is_an_error() {
        assert_eq!(
            TimeZone::from_bytes(&[0; 100]),
            Err(TimeZoneError::Length(100))
        );
    }

    #[test]
    fn names_are_cut_to_31_utf16_units_with_a_nul_left() {
        let tz = TimeZone {
            standard_name: "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna".into(),
            ..TimeZone::default()
        };
        let bytes = tz.to_bytes();
        assert_eq!(&bytes[66..68], &[0, 0]);
        let back = TimeZone::from_bytes(&bytes).unwrap();
        assert_eq!(back.standard_name, "(UTC+01:00) Amsterdam, Berlin, ");
    }

    #[test]
    fn padded_input_and_whitespace_are_accepted() {
        let mut bytes = TimeZone::utc().to_bytes().to_vec();
        bytes.extend([0u8; 8]);
        assert_eq!(TimeZone::from_bytes(&bytes), Ok(TimeZone::utc()));
        let text = TimeZone::utc().to_base64();
        let wrapped = format!("{}\r\n {}", &text[..76], &text[76..]);
        assert_eq!(TimeZone::from_base64(&wrapped), Ok(TimeZone::utc()));
        assert_eq!(
            TimeZone::from_base64("not base64!"),
            Err(TimeZoneError::Base64)
        );
    }

    #[test]
    fn has_daylight_needs_both_dates() {
        let mut tz = TimeZone::utc();
        tz.daylight_date.month = 3;
        assert!(!tz.has_daylight());
        tz.standard_date.month = 10;
        assert!(tz.has_daylight());
    }
}
