//! Fuzz target: RFC 3339 date-times (`parse_rfc3339`, every event time and page parameter).
//!
//! Any text gives nothing or an instant; surrounding whitespace does not
//! change it; the instant formatted as VAS writes it (`format_rfc3339_utc`)
//! parses back to the same instant within the four-digit years, and is
//! refused rather than misread outside them. The first eight bytes, read as
//! an instant in microseconds, must survive the same round trip.

#![no_main]

use libfuzzer_sys::fuzz_target;
use vas_overlay_viewer::core::time::{format_rfc3339_utc, parse_rfc3339, UnixMicros};

/// 0000-01-01T00:00:00Z and the last microsecond of 9999, as in tests/core_props/gen.rs.
const YEAR_0: i64 = -62_167_219_200_000_000;
const YEAR_9999_END: i64 = 253_402_300_799_999_999;
/// A day in microseconds: the most a zone offset (at most 23:59) or a leap second moves a four-digit date.
const DAY: i64 = 86_400_000_000;

fn round_trip(t: UnixMicros) {
    let text = format_rfc3339_utc(t);
    let back = parse_rfc3339(&text);
    if (YEAR_0..=YEAR_9999_END).contains(&t.0) {
        assert_eq!(back, Some(t), "{text} does not read back");
        assert!((text.len() == 20 || text.len() == 27) && text.ends_with('Z'), "{text}");
    } else {
        assert!(back.is_none() || back == Some(t), "{t:?} written as {text} reads as {back:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Some(t) = parse_rfc3339(&text) {
        assert!((YEAR_0 - DAY..=YEAR_9999_END + DAY).contains(&t.0), "{text:?} read as {t:?}");
        assert_eq!(
            parse_rfc3339(&format!(" \t{text}\n")),
            Some(t),
            "{text:?}: whitespace changed it"
        );
        round_trip(t);
    }
    if let Some(bytes) = data.get(..8) {
        round_trip(UnixMicros(i64::from_le_bytes(bytes.try_into().expect("eight bytes"))));
    }
});
