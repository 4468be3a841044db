//! Properties of the two date parsers: RFC 3339 (event times, page parameters) and HTTP dates (`Last-Modified`).

use proptest::prelude::*;
use vas_overlay_viewer::core::clock::recording::http_date::parse_http_date;
use vas_overlay_viewer::core::time::{
    civil_from_days, days_from_civil, format_rfc3339_utc, parse_rfc3339, UnixMicros,
};

use super::gen::{hostile_instant, text, YEAR_0, YEAR_9999_END};
use super::runner::check;

const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

fn leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn month_days(y: i64, m: i64) -> i64 {
    [31, if leap(y) { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][(m - 1) as usize]
}

/// Format then parse is the identity over the four-digit years; outside
/// them the text is refused, never read as another instant; the calendar
/// conversions invert each other far beyond.
#[test]
fn rfc3339_formatting_parses_back() {
    check(
        "rfc3339_formatting_parses_back",
        12.0,
        || (hostile_instant(), -400_000_000i64..400_000_000),
        |(t, days)| {
            let text = format_rfc3339_utc(UnixMicros(t));
            let back = parse_rfc3339(&text);
            if (YEAR_0..=YEAR_9999_END).contains(&t) {
                prop_assert_eq!(back, Some(UnixMicros(t)), "{}", text);
                prop_assert!(text.len() == 20 || text.len() == 27, "{text}");
                prop_assert!(text.ends_with('Z'));
            } else {
                prop_assert!(
                    back.is_none() || back == Some(UnixMicros(t)),
                    "{text} read as {back:?}"
                );
            }
            let (y, m, d) = civil_from_days(days);
            prop_assert!((1..=12).contains(&m) && d >= 1 && d <= month_days(y, m), "{y}-{m}-{d}");
            prop_assert_eq!(days_from_civil(y, m, d), days);
            Ok(())
        },
    );
}

/// The fields of a date-time, some out of range, and how they are written.
#[derive(Debug, Clone)]
struct Fields {
    date: (i64, i64, i64),
    time: (i64, i64, i64),
    fraction: Option<String>,
    separator: char,
    /// `None`: no zone; `Some((sign, h, m))` with sign 0 for `Z`.
    zone: Option<(i8, i64, i64)>,
    padding: (String, String),
}

impl Fields {
    fn text(&self, sec: i64, zone: Option<(i8, i64, i64)>) -> String {
        let (y, mo, d) = self.date;
        let (h, mi) = (self.time.0, self.time.1);
        let fraction = self.fraction.as_ref().map_or(String::new(), |f| format!(".{f}"));
        let zone = match zone {
            None => String::new(),
            Some((0, _, _)) => "Z".into(),
            Some((s, zh, zm)) => format!("{}{zh:02}:{zm:02}", if s > 0 { '+' } else { '-' }),
        };
        format!(
            "{}{y:04}-{mo:02}-{d:02}{}{h:02}:{mi:02}:{sec:02}{fraction}{zone}{}",
            self.padding.0, self.separator, self.padding.1
        )
    }

    fn valid(&self) -> bool {
        let (y, mo, d) = self.date;
        let (h, mi, s) = self.time;
        let zone_ok = matches!(self.zone, Some((0, _, _)))
            || self.zone.is_some_and(|(_, zh, zm)| zh <= 23 && zm <= 59);
        (1..=12).contains(&mo)
            && d >= 1
            && d <= month_days(y, mo)
            && h <= 23
            && mi <= 59
            && s <= 60
            && self.fraction.as_ref().is_none_or(|f| !f.is_empty())
            && matches!(self.separator, 'T' | 't' | ' ')
            && zone_ok
    }
}

fn fields() -> impl Strategy<Value = Fields> {
    let date = (0i64..=9999, 0i64..=13, 0i64..=32);
    let time = (0i64..=25, 0i64..=61, 0i64..=61);
    let fraction = prop::option::of("[0-9]{0,12}");
    let separator = prop_oneof![Just('T'), Just('t'), Just(' '), Just('X'), Just('_')];
    let zone = prop::option::weighted(
        0.95,
        (prop_oneof![Just(0i8), Just(1i8), Just(-1i8)], 0i64..=25, 0i64..=61),
    );
    let padding = (
        prop_oneof![Just(""), Just(" "), Just("\t\n")],
        prop_oneof![Just(""), Just(" "), Just("\r\n")],
    );
    (date, time, fraction, separator, zone, padding).prop_map(
        |(date, time, fraction, separator, zone, (a, b))| Fields {
            date,
            time,
            fraction,
            separator,
            zone,
            padding: (a.into(), b.into()),
        },
    )
}

/// Generated fields in and out of range: the text parses exactly when every
/// field is valid, to the instant its canonical UTC form names, moved by the
/// offset, with a leap second folded into the next second.
#[test]
fn rfc3339_parsing_agrees_with_the_fields() {
    check("rfc3339_parsing_agrees_with_the_fields", 10.0, fields, |f| {
        let got = parse_rfc3339(&f.text(f.time.2, f.zone));
        if !f.valid() {
            prop_assert_eq!(got, None, "{:?}", f.text(f.time.2, f.zone));
            return Ok(());
        }
        let (y, mo, d) = f.date;
        let (h, mi, s) = f.time;
        // The canonical UTC text of the same fields at second 59 or less: what formatting writes.
        let digits: String = f
            .fraction
            .as_deref()
            .unwrap_or("")
            .chars()
            .chain(std::iter::repeat('0'))
            .take(6)
            .collect();
        let fraction = if digits == "000000" { String::new() } else { format!(".{digits}") };
        let canonical = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{:02}{fraction}Z", s.min(59));
        let base = parse_rfc3339(&f.text(s.min(59), Some((0, 0, 0))))
            .expect("the same fields in UTC parse");
        prop_assert_eq!(format_rfc3339_utc(base), canonical);
        let offset_secs =
            f.zone.map_or(0, |(sign, zh, zm)| i64::from(sign) * (zh * 3600 + zm * 60));
        let leap_second = i64::from(s == 60);
        prop_assert_eq!(got, Some(UnixMicros(base.0 + (leap_second - offset_secs) * 1_000_000)));
        Ok(())
    });
}

/// Whole seconds of the four-digit years HTTP dates can name.
fn http_instant() -> impl Strategy<Value = i64> {
    // 1000-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
    -30_610_224_000i64..=253_402_300_799
}

fn random_case(s: &str, mask: u32) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| {
            if mask >> (i % 32) & 1 == 1 {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// An instant written in one of the three forms, with the month in any case
/// and any whitespace between the parts.
fn http_text(secs: i64, form: u8, mask: u32, gap: &str) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    let time = format!("{:02}:{:02}:{:02}", sod / 3600, sod % 3600 / 60, sod % 60);
    let mon = random_case(MONTHS[(m - 1) as usize], mask);
    let wd = DAYS[(secs.div_euclid(86_400) + 3).rem_euclid(7) as usize];
    match form {
        0 => format!("{wd},{gap}{d:02}{gap}{mon}{gap}{y}{gap}{time}{gap}GMT"),
        1 if (1970..=2069).contains(&y) => {
            format!("{wd}day,{gap}{d:02}-{mon}-{:02}{gap}{time}{gap}GMT", y % 100)
        }
        1 => format!("{wd}day,{gap}{d:02}-{mon}-{y}{gap}{time}{gap}GMT"),
        _ => format!("{wd}{gap}{mon}{gap}{d:>2}{gap}{time}{gap}{y}"),
    }
}

#[test]
fn http_dates_of_every_form_parse_to_their_instant() {
    check(
        "http_dates_of_every_form_parse_to_their_instant",
        12.0,
        || {
            let gap = prop_oneof![Just(" "), Just("  "), Just("\t"), Just(" \u{a0}")];
            (http_instant(), 0u8..3, any::<u32>(), gap)
        },
        |(secs, form, mask, gap)| {
            let text = http_text(secs, form, mask, gap);
            prop_assert_eq!(parse_http_date(&text), Some(UnixMicros(secs * 1_000_000)), "{}", text);
            Ok(())
        },
    );
}

/// Valid dates with one part replaced by something hostile, and arbitrary
/// text: nothing, or a whole second within the four-digit years that writes
/// back to itself.
#[test]
fn hostile_http_dates_give_a_whole_second_or_nothing() {
    check(
        "hostile_http_dates_give_a_whole_second_or_nothing",
        8.0,
        || {
            let part = prop_oneof![
                text(),
                "-?[0-9]{1,21}",
                Just("99".to_string()),
                Just("0".to_string()),
                Just("24:00:00".to_string()),
                Just("23:59:60".to_string()),
                Just("9:9:9:9".to_string()),
                Just("é".to_string()),
                Just("+94".to_string()),
            ];
            let input = prop_oneof![
                (http_instant(), 0u8..3, any::<u32>(), 0usize..6, part).prop_map(
                    |(secs, form, mask, at, part)| {
                        let text = http_text(secs, form, mask, " ");
                        let mut parts: Vec<String> = text.split(' ').map(str::to_owned).collect();
                        let at = at % parts.len();
                        parts[at] = part;
                        parts.join(" ")
                    }
                ),
                text(),
            ];
            input
        },
        |text| {
            if let Some(t) = parse_http_date(&text) {
                prop_assert_eq!(t.0 % 1_000_000, 0, "{}", text);
                prop_assert!((YEAR_0..=YEAR_9999_END).contains(&t.0), "{text} read as {t:?}");
                let secs = t.0 / 1_000_000;
                if secs >= -30_610_224_000 {
                    prop_assert_eq!(parse_http_date(&http_text(secs, 0, 0, " ")), Some(t));
                }
            }
            Ok(())
        },
    );
}
