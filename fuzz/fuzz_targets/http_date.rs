//! Fuzz target: HTTP dates (`parse_http_date`, the `Last-Modified` reader).
//!
//! Any text gives nothing, or a whole second within the four-digit years;
//! that instant written in the IMF-fixdate and asctime forms (and RFC 850's
//! two-digit years, where they can name it) reads back as itself.

#![no_main]

use libfuzzer_sys::fuzz_target;
use vas_overlay_viewer::core::clock::recording::http_date::parse_http_date;
use vas_overlay_viewer::core::time::{civil_from_days, UnixMicros};

/// 0000-01-01T00:00:00Z and the last microsecond of 9999, as in tests/core_props/gen.rs.
const YEAR_0: i64 = -62_167_219_200_000_000;
/// 10000-01-01T00:00:00Z: a leap second on the last second of 9999 folds into it.
const YEAR_10000: i64 = 253_402_300_800_000_000;

const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Some(t) = parse_http_date(&text) else { return };
    assert_eq!(t.0 % 1_000_000, 0, "{text:?} read as {t:?}: not a whole second");
    assert!(
        (YEAR_0..=YEAR_10000).contains(&t.0),
        "{text:?} read as {t:?}: outside the four-digit years"
    );
    if t.0 == YEAR_10000 {
        return;
    }
    let secs = t.0 / 1_000_000;
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    let (h, mi, s) = (sod / 3600, sod % 3600 / 60, sod % 60);
    let mon = MONTHS[(mo - 1) as usize];
    let imf = format!("Sun, {d:02} {mon} {y:04} {h:02}:{mi:02}:{s:02} GMT");
    let asctime = format!("Sun {mon} {d:>2} {h:02}:{mi:02}:{s:02} {y:04}");
    let mut forms = vec![imf, asctime];
    if (1970..2070).contains(&y) {
        forms.push(format!("Sunday, {d:02}-{mon}-{:02} {h:02}:{mi:02}:{s:02} GMT", y % 100));
    }
    for form in forms {
        assert_eq!(
            parse_http_date(&form),
            Some(UnixMicros(t.0)),
            "{text:?} read as {t:?}, but {form:?} is not"
        );
    }
});
