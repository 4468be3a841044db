//! Tests of byte ranges and safe relative paths.

use std::path::{Path, PathBuf};

use crate::http::static_files::{
    content_type, parse_range, safe_relative_path, RangeAnswer, OPEN_RANGE_CAP,
};

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
        (Some("bytes=0-"), 3 * OPEN_RANGE_CAP, Some((0, OPEN_RANGE_CAP - 1)), false),
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
        assert_eq!(safe_relative_path(raw, true), want.map(PathBuf::from), "{raw:?}");
    }
}

#[test]
fn content_types_of_served_files() {
    let cases: &[(&str, &str)] = &[
        ("index.html", "text/html; charset=utf-8"),
        ("a.HTM", "text/html; charset=utf-8"),
        ("app.js", "text/javascript; charset=utf-8"),
        ("mod.mjs", "text/javascript; charset=utf-8"),
        ("app_bg.wasm", "application/wasm"),
        ("style.css", "text/css; charset=utf-8"),
        ("events.json", "application/json"),
        ("app.js.map", "application/json"),
        ("icon.svg", "image/svg+xml"),
        ("a.png", "image/png"),
        ("a.jpg", "image/jpeg"),
        ("a.jpeg", "image/jpeg"),
        ("a.gif", "image/gif"),
        ("a.webp", "image/webp"),
        ("favicon.ico", "image/x-icon"),
        ("clip.mp4", "video/mp4"),
        ("clip.m4v", "video/mp4"),
        ("clip.webm", "video/webm"),
        ("segment-1.ts", "video/mp2t"),
        ("index.m3u8", "application/vnd.apple.mpegurl"),
        ("notes.txt", "text/plain; charset=utf-8"),
        ("f.woff", "font/woff"),
        ("f.woff2", "font/woff2"),
        ("blob.bin", "application/octet-stream"),
        ("no-extension", "application/octet-stream"),
    ];
    for (name, want) in cases {
        assert_eq!(content_type(Path::new(name)), *want, "{name}");
    }
}
