//! Tests of the text formats.

use crate::test_support::CAM_A;
use crate::text_formats::{
    format_vas_time, parse_query, parse_rfc3339, parse_uuid, percent_decode,
};
use crate::validation::{parse_int, query_get};

#[test]
fn rfc3339_parser() {
    let base = 1_767_614_400_000_000i64; // 2026-01-05T12:00:00Z
    let ok: &[(&str, i64)] = &[
        ("2026-01-05T12:00:00Z", base),
        ("2026-01-05t12:00:00z", base),
        ("2026-01-05 12:00:00Z", base),
        ("2026-01-05T12:00:00", base),
        ("2026-01-05T12:00:00.123000Z", base + 123_000),
        ("2026-01-05T12:00:00.1Z", base + 100_000),
        ("2026-01-05T12:00:00.123456789Z", base + 123_456),
        ("2026-01-05T13:30:00+01:30", base),
        ("2026-01-05T10:00:00-02:00", base),
        ("2026-01-05T12:00:00-00:00", base),
        ("1970-01-01T00:00:00Z", 0),
        ("1969-12-31T23:59:59.5Z", -500_000),
        ("2024-02-29T00:00:00Z", 1_709_164_800_000_000),
        ("2000-03-01T00:00:00Z", 951_868_800_000_000),
    ];
    for (input, want) in ok {
        assert_eq!(parse_rfc3339(input), Ok(*want), "{input}");
    }
    let bad: &[(&str, &str)] = &[
        ("2026-01-05T12:00:00 01:00", "invalid timezone sign"),
        ("2026-01-05", "too short"),
        ("", "too short"),
        ("2026-13-05T12:00:00Z", "month"),
        ("2025-02-29T12:00:00Z", "day"),
        ("2026-01-05T24:00:00Z", "hour"),
        ("2026-01-05T12:60:00Z", "minute"),
        ("2026-01-05T12:00:60Z", "second"),
        ("2026-01-05X12:00:00Z", "separator"),
        ("2026/01/05T12:00:00Z", "separator"),
        ("20x6-01-05T12:00:00Z", "year"),
        ("2026-01-05T12:00:00.Z", "fraction"),
        ("2026-01-05T12:00:00.1234567890Z", "9 digits"),
        ("2026-01-05T12:00:00+1:00", "timezone"),
        ("2026-01-05T12:00:00+01:00x", "extra characters"),
        ("2026-01-05T12:00:00Zjunk", "extra characters"),
        ("2026-01-05T12:00:00+24:00", "hour"),
    ];
    for (input, want) in bad {
        let err = parse_rfc3339(input).expect_err(input);
        assert!(err.contains(want), "{input}: {err}");
    }
}

#[test]
fn percent_decoding_query_and_uuid() {
    let cases: &[(&str, bool, &str)] = &[
        ("a%2Bb", true, "a+b"),
        ("a+b", true, "a b"),
        ("a+b", false, "a+b"),
        ("%e2%82%ac", true, "\u{20ac}"),
        ("100%", true, "100%"),
        ("%zz%4", true, "%zz%4"),
        ("%2e%2E", false, ".."),
    ];
    for (input, plus, want) in cases {
        assert_eq!(percent_decode(input, *plus), *want, "{input}");
    }
    let q = parse_query("a=1&b=&c&a=2&x%20y=p%3Dq");
    assert_eq!(query_get(&q, "a"), Some("2"));
    assert_eq!(query_get(&q, "b"), Some(""));
    assert_eq!(query_get(&q, "c"), Some(""));
    assert_eq!(query_get(&q, "x y"), Some("p=q"));
    assert_eq!(query_get(&q, "z"), None);

    let canonical = Ok(CAM_A.to_string());
    assert_eq!(parse_uuid(CAM_A), canonical);
    assert_eq!(parse_uuid(&CAM_A.to_uppercase()), canonical);
    assert_eq!(parse_uuid(&CAM_A.replace('-', "")), canonical);
    assert_eq!(parse_uuid(&format!("{{{CAM_A}}}")), canonical);
    assert_eq!(parse_uuid(&format!("urn:uuid:{CAM_A}")), canonical);
    assert!(parse_uuid("abc").is_err());
    assert!(parse_uuid(&CAM_A.replace('9', "g")).is_err());

    let ints: &[(&str, Option<i64>)] = &[
        ("5", Some(5)),
        ("-1", Some(-1)),
        ("+7", Some(7)),
        (" 3 ", Some(3)),
        ("2.0", Some(2)),
        ("2.5", None),
        ("", None),
        ("abc", None),
        ("99999999999999999999999", Some(i64::MAX)),
    ];
    for (input, want) in ints {
        assert_eq!(parse_int(input), *want, "{input:?}");
    }
}

#[test]
fn vas_time_format_round_trips() {
    let cases: &[(&str, i64)] = &[
        ("2026-01-05T12:00:00Z", 1_767_614_400_000_000),
        ("2026-01-05T12:00:00.123000Z", 1_767_614_400_123_000),
        ("2026-01-05T12:00:00.000001Z", 1_767_614_400_000_001),
        ("1970-01-01T00:00:00Z", 0),
        ("1969-12-31T23:59:59.500000Z", -500_000),
        ("2024-02-29T23:59:59.999999Z", 1_709_251_199_999_999),
        ("2000-03-01T00:00:00Z", 951_868_800_000_000),
    ];
    for (text, us) in cases {
        assert_eq!(format_vas_time(*us), *text);
        assert_eq!(parse_rfc3339(text), Ok(*us));
    }
}
