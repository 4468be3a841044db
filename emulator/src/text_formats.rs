//! Text formats as VAS reads and writes them: percent-encoding, query
//! strings, UUIDs, RFC 3339 times.

use std::time::{SystemTime, UNIX_EPOCH};

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use uuid::Uuid;
use vas_overlay_viewer::core::time::{
    days_from_civil, days_in_month, format_rfc3339_utc, UnixMicros,
};

/// Percent-decodes `s`; with `plus_as_space`, `+` becomes a space (form
/// encoding, as query strings are read by VAS). Invalid escapes are kept
/// as-is; invalid UTF-8 becomes U+FFFD.
pub(crate) fn percent_decode(s: &str, plus_as_space: bool) -> String {
    // A literal `+` only: `%2B` still decodes to `+`.
    let spaced;
    let s = if plus_as_space {
        spaced = s.replace('+', " ");
        spaced.as_str()
    } else {
        s
    };
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// What `encode_path` escapes: everything but ASCII letters, digits and
/// `-._~/` (a relative path keeps its slashes).
const PATH_ESCAPED: &AsciiSet =
    &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~').remove(b'/');

/// Percent-encodes a relative path for use in a URL (keeps `/`).
pub(crate) fn encode_path(path: &str) -> String {
    utf8_percent_encode(path, PATH_ESCAPED).to_string()
}

/// Query pairs in order, keys and values percent-decoded with `+` as space;
/// blank values are kept.
pub(crate) fn parse_query(raw: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.as_bytes()).into_owned().collect()
}

/// A UUID in canonical form (lowercase, hyphenated), as pydantic reads one
/// (with the same `uuid` crate): 32 hex digits, hyphenated or not, optionally
/// in braces or after `urn:uuid:`. Errors are the crate's, which are
/// pydantic's.
pub(crate) fn parse_uuid(s: &str) -> Result<String, String> {
    Uuid::parse_str(s).map(|id| id.hyphenated().to_string()).map_err(|e| e.to_string())
}

/// Parses an RFC 3339 date-time to microseconds since the Unix epoch.
///
/// `YYYY-MM-DD(T|t| )HH:MM:SS[.fraction][Z|z|+hh:mm|-hh:mm]`; the fraction has
/// 1 to 9 digits (digits past the microsecond are truncated); a time without a
/// zone is read as UTC (the local zone of this server). Errors read like the
/// ones VAS reports ("invalid timezone sign" for `+` decoded to a space).
///
/// Not the core's `parse_rfc3339`, which is the viewer's: this one accepts
/// what VAS accepts (a time without a zone) and refuses what VAS refuses
/// (second 60, fractions past 9 digits), with VAS's reasons. The calendar
/// arithmetic is the core's.
pub(crate) fn parse_rfc3339(s: &str) -> Result<i64, &'static str> {
    let b = s.as_bytes();
    if b.len() < 19 {
        return Err("input is too short");
    }
    let num = |range: std::ops::Range<usize>, err: &'static str| -> Result<i64, &'static str> {
        let mut v = 0i64;
        for &c in &b[range] {
            if !c.is_ascii_digit() {
                return Err(err);
            }
            v = v * 10 + i64::from(c - b'0');
        }
        Ok(v)
    };
    let separator =
        |at: usize, expected: u8, err: &'static str| (b[at] == expected).then_some(()).ok_or(err);
    let year = num(0..4, "invalid character in year")?;
    separator(4, b'-', "invalid date separator, expected `-`")?;
    let month = num(5..7, "invalid character in month")?;
    separator(7, b'-', "invalid date separator, expected `-`")?;
    let day = num(8..10, "invalid character in day")?;
    if !(1..=12).contains(&month) {
        return Err("month value is outside expected range of 1-12");
    }
    if day < 1 || day > days_in_month(year, month) {
        return Err("day value is outside expected range");
    }
    if !matches!(b[10], b'T' | b't' | b' ') {
        return Err("invalid datetime separator, expected `T`, `t` or space");
    }
    let hour = num(11..13, "invalid character in hour")?;
    separator(13, b':', "invalid time separator, expected `:`")?;
    let minute = num(14..16, "invalid character in minute")?;
    separator(16, b':', "invalid time separator, expected `:`")?;
    let second = num(17..19, "invalid character in second")?;
    if hour > 23 {
        return Err("hour value is outside expected range of 0-23");
    }
    if minute > 59 {
        return Err("minute value is outside expected range of 0-59");
    }
    if second > 59 {
        return Err("second value is outside expected range of 0-59");
    }

    let mut pos = 19;
    let mut micros = 0i64;
    if b.get(pos) == Some(&b'.') {
        pos += 1;
        let digits_start = pos;
        while pos < b.len() && b[pos].is_ascii_digit() {
            pos += 1;
        }
        let n = pos - digits_start;
        if n == 0 {
            return Err("invalid character in second fraction");
        }
        if n > 9 {
            return Err("second fraction value is more than 9 digits long");
        }
        for i in 0..6 {
            let d = if i < n { i64::from(b[digits_start + i] - b'0') } else { 0 };
            micros = micros * 10 + d;
        }
    }

    let offset_seconds = match b.get(pos) {
        None => 0,
        Some(b'Z' | b'z') => {
            pos += 1;
            0
        }
        Some(&sign @ (b'+' | b'-')) => {
            if b.len() < pos + 6 {
                return Err("invalid timezone hour or minute");
            }
            let oh = num(pos + 1..pos + 3, "invalid timezone hour")?;
            separator(pos + 3, b':', "invalid timezone separator, expected `:`")?;
            let om = num(pos + 4..pos + 6, "invalid timezone minute")?;
            if oh > 23 {
                return Err("timezone offset hour must be less than 24");
            }
            if om > 59 {
                return Err("timezone offset minute must be less than 60");
            }
            pos += 6;
            let seconds = oh * 3600 + om * 60;
            if sign == b'-' {
                -seconds
            } else {
                seconds
            }
        }
        Some(_) => return Err("invalid timezone sign"),
    };
    if pos != b.len() {
        return Err("unexpected extra characters at the end of the input");
    }

    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
    Ok(seconds * 1_000_000 + micros)
}

/// Microseconds since the Unix epoch, server clock.
pub(crate) fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A time as VAS writes it: UTC with `Z`, a 6-digit fraction only when it
/// is not zero (the core's formatter).
pub(crate) fn format_vas_time(us: i64) -> String {
    format_rfc3339_utc(UnixMicros(us))
}

#[cfg(test)]
mod tests;
