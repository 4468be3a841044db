//! Wall-clock instants in integer microseconds and their RFC 3339 text form as VAS writes it.

use std::fmt;

/// An instant on VAS's wall clock: microseconds since the Unix epoch, UTC.
///
/// Integer microseconds match VAS's own resolution (6 fraction digits), so
/// event times compare and de-duplicate exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct UnixMicros(pub i64);

/// A span of time in microseconds (may be negative).
pub type Micros = i64;

pub const MICROS_PER_SEC: i64 = 1_000_000;
pub const MICROS_PER_MILLI: i64 = 1_000;

impl UnixMicros {
    /// From fractional seconds since the epoch, rounded to the nearest microsecond.
    /// Returns `None` for NaN, infinities and values outside the representable range.
    pub fn from_secs_f64(secs: f64) -> Option<Self> {
        let us = (secs * 1e6).round();
        if us.is_finite() && us.abs() < 9.0e18 {
            Some(Self(us as i64))
        } else {
            None
        }
    }

    /// From fractional milliseconds since the epoch (the unit of `Date.now()`).
    pub fn from_millis_f64(ms: f64) -> Option<Self> {
        Self::from_secs_f64(ms / 1e3)
    }

    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }

    /// `self + d`, saturating instead of overflowing.
    pub fn plus(self, d: Micros) -> Self {
        Self(self.0.saturating_add(d))
    }

    /// `self - other` in microseconds, saturating.
    pub fn since(self, other: UnixMicros) -> Micros {
        self.0.saturating_sub(other.0)
    }
}

impl fmt::Display for UnixMicros {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_rfc3339_utc(*self))
    }
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01: (year, month 1..=12, day 1..=31).
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Days in month `m` (1..=12) of proleptic Gregorian year `y`.
pub fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn digits(s: &[u8]) -> Option<i64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter().try_fold(0i64, |acc, b| acc.checked_mul(10)?.checked_add(i64::from(b - b'0')))
}

/// Parses an RFC 3339 date-time into UTC microseconds.
///
/// Accepts `T`, `t` or a space between date and time, an optional fraction of
/// any length (digits beyond microseconds are truncated), and `Z`/`z` or a
/// numeric `+hh:mm`/`-hh:mm` offset. A time without a zone is rejected: VAS
/// would read it in its own local zone, which the viewer cannot know.
pub fn parse_rfc3339(text: &str) -> Option<UnixMicros> {
    let s = text.trim().as_bytes();
    if s.len() < 20 || s[4] != b'-' || s[7] != b'-' || s[13] != b':' || s[16] != b':' {
        return None;
    }
    if !matches!(s[10], b'T' | b't' | b' ') {
        return None;
    }
    let (year, month, day) = (digits(&s[0..4])?, digits(&s[5..7])?, digits(&s[8..10])?);
    let (hour, minute, second) = (digits(&s[11..13])?, digits(&s[14..16])?, digits(&s[17..19])?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    // A leap second (60) is accepted and folded into the next second.
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &s[19..];
    let mut micros = 0i64;
    if rest.first() == Some(&b'.') {
        let n = rest[1..].iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        let frac = &rest[1..1 + n];
        for i in 0..6 {
            micros = micros * 10 + frac.get(i).map_or(0, |b| i64::from(b - b'0'));
        }
        rest = &rest[1 + n..];
    }
    let offset_secs = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let (oh, om) = (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?);
            if oh > 23 || om > 59 {
                return None;
            }
            let v = oh * 3600 + om * 60;
            if *sign == b'+' {
                v
            } else {
                -v
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_secs;
    Some(UnixMicros(secs.checked_mul(MICROS_PER_SEC)?.checked_add(micros)?))
}

/// Formats an instant as VAS writes it: UTC with `Z`, the fraction only when
/// non-zero and then with exactly six digits.
pub fn format_rfc3339_utc(t: UnixMicros) -> String {
    let secs = t.0.div_euclid(MICROS_PER_SEC);
    let micros = t.0.rem_euclid(MICROS_PER_SEC);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    let (h, mi, s) = (sod / 3600, (sod % 3600) / 60, sod % 60);
    if micros == 0 {
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    } else {
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{micros:06}Z")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: Option<i64>) {
        assert_eq!(parse_rfc3339(text).map(|t| t.0), expected, "{text}");
    }

    #[test]
    fn parses_vas_forms_and_offsets() {
        let base = 1_767_614_400_000_000; // 2026-01-05T12:00:00Z
        check("2026-01-05T12:00:00Z", Some(base));
        check("2026-01-05T12:00:00.123000Z", Some(base + 123_000));
        check("2026-01-05T12:00:00.1Z", Some(base + 100_000));
        check("2026-01-05T12:00:00.123456789Z", Some(base + 123_456));
        check("2026-01-05T13:00:00+01:00", Some(base));
        check("2026-01-05T11:30:00-00:30", Some(base));
        check("2026-01-05 12:00:00z", Some(base));
        check("1970-01-01T00:00:00Z", Some(0));
        check("1969-12-31T23:59:59.500000Z", Some(-500_000));
    }

    #[test]
    fn rejects_malformed_text() {
        for bad in [
            "",
            "2026-01-05T12:00:00",       // no zone: VAS-local, unknowable
            "2026-01-05T12:00:00 01:00", // unencoded '+' arrives as a space
            "2026-02-30T12:00:00Z",
            "2026-13-01T12:00:00Z",
            "2026-01-05T24:00:00Z",
            "2026-01-05T12:00:00.Z",
            "2026-01-05X12:00:00Z",
            "２０２６-01-05T12:00:00Z",
            "2026-01-05T12:00:00+1:00",
        ] {
            check(bad, None);
        }
    }

    #[test]
    fn formats_like_vas_and_round_trips() {
        let cases = [
            (1_767_614_400_000_000, "2026-01-05T12:00:00Z"),
            (1_767_614_400_123_000, "2026-01-05T12:00:00.123000Z"),
            (1_767_614_400_033_333, "2026-01-05T12:00:00.033333Z"),
            (-500_000, "1969-12-31T23:59:59.500000Z"),
            (951_782_400_000_000, "2000-02-29T00:00:00Z"),
        ];
        for (us, text) in cases {
            assert_eq!(format_rfc3339_utc(UnixMicros(us)), text);
            assert_eq!(parse_rfc3339(text), Some(UnixMicros(us)));
        }
    }

    #[test]
    fn float_conversions_reject_non_finite() {
        assert_eq!(UnixMicros::from_secs_f64(1.5), Some(UnixMicros(1_500_000)));
        assert_eq!(UnixMicros::from_secs_f64(f64::NAN), None);
        assert_eq!(UnixMicros::from_secs_f64(f64::INFINITY), None);
        assert_eq!(UnixMicros::from_millis_f64(2.0), Some(UnixMicros(2_000)));
    }
}
