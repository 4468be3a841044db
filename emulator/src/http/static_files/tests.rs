//! Tests of byte ranges and safe relative paths.

use std::path::PathBuf;

use crate::http::static_files::{parse_range, safe_relative_path, OPEN_RANGE_CAP, RangeAnswer};

#[test]
fn range_and_path_parsing() {
    // header, file length, expected partial range, expected unsatisfiable
    type Case<'a> = (Option<&'a str>, u64, Option<(u64, u64)>, bool);
    let cases: &[Case] = &[
        (None, 100, None, false),
        (Some("bytes=0-9"), 100, Some((0, 9)), false),
        (Some("bytes=90-"), 100, Some((90, 99)), false),
        (Some("bytes=90-500"), 100, Some((90, 99)), false),
        (Some("bytes=-10"), 100, Some((90, 99)), false),
        (Some("bytes=-500"), 100, Some((0, 99)), false),
        (Some("BYTES=1-1"), 100, Some((1, 1)), false),
        (Some("bytes=100-"), 100, None, true),
        (Some("bytes=-0"), 100, None, true),
        (Some("bytes=0-"), 0, None, true),
        (Some("bytes=5-1"), 100, None, false),
        (Some("bytes=0-1,5-6"), 100, None, false),
        (Some("items=0-1"), 100, None, false),
        (Some("bytes=x-1"), 100, None, false),
        (
            Some("bytes=0-"),
            3 * OPEN_RANGE_CAP,
            Some((0, OPEN_RANGE_CAP - 1)),
            false,
        ),
    ];
    for (header, len, partial, unsat) in cases {
        let got = parse_range(*header, *len);
        match (got, partial, unsat) {
            (RangeAnswer::Partial(a, b), Some((x, y)), false) => {
                assert_eq!((a, b), (*x, *y), "{header:?}")
            }
            (RangeAnswer::Unsatisfiable, None, true) => {}
            (RangeAnswer::Full, None, false) => {}
            _ => panic!("unexpected range answer for {header:?} len {len}"),
        }
    }

    let paths: &[(&str, Option<&str>)] = &[
        ("clip.mp4", Some("clip.mp4")),
        ("a/b.js", Some("a/b.js")),
        ("a%20b.js", Some("a b.js")),
        ("", Some("")),
        ("sub/", Some("sub")),
        ("../x", None),
        ("a/../x", None),
        ("%2e%2e/x", None),
        ("./x", None),
        ("a%2fb", None),
        ("a%5cb", None),
        ("a\\b", None),
        ("/etc/passwd", None),
        ("a//b", None),
        ("a%00b", None),
    ];
    for (raw, want) in paths {
        assert_eq!(
            safe_relative_path(raw, true),
            want.map(PathBuf::from),
            "{raw:?}"
        );
    }
}

// -- emulated API -------------------------------------------------------
