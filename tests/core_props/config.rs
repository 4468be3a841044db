//! Properties of what configures a page: `config.json` and its answer, and the clip page's parameters.

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use vas_overlay_viewer::core::clock::live::live_signaling::websocket_url;
use vas_overlay_viewer::core::params::clip_params::{ClipParamError, ClipParams};
use vas_overlay_viewer::core::params::viewer_config::{ConfigAnswer, ConfigError, ViewerConfig};
use vas_overlay_viewer::core::time::parse_rfc3339;

use super::gen::text;
use super::live::url_base;
use super::runner::check;

/// Planted where only a secret belongs: the API key, or the user part of `apiBaseUrl`.
const SECRET: &str = "Canary-Secret-93";

/// `apiBaseUrl` values: good ones, credentials in every spelling a browser
/// would still read as credentials, and hostile ones.
fn api_base_url() -> impl Strategy<Value = String> {
    let credentials_scheme = prop_oneof![
        Just("https://"),
        Just("http://"),
        Just("HTTPS://"),
        Just("https:/"),
        Just("https:"),
        Just("https:\\\\"),
        Just("https:\\/"),
        Just("ftp://"),
        Just("ws://"),
        Just("//"),
        Just(""),
    ];
    let user = prop_oneof![Just("user:"), Just(""), Just("a b:"), Just(":")];
    let host = prop_oneof![Just("vas.example:8443"), Just("10.0.0.2"), Just("vas"), Just("")];
    let tail = prop_oneof![Just(""), Just("/"), Just("/api?x=1"), Just("#f"), Just(" x")];
    prop_oneof![
        3 => url_base(),
        3 => (credentials_scheme, user, host, tail).prop_map(|(s, u, h, t)| format!("{s}{u}{SECRET}@{h}{t}")),
        1 => prop_oneof![Just("https:///vas"), Just("https://vas/x@y"), Just("javascript:alert(1)"), Just("https://vas/?k=v")].prop_map(str::to_owned),
        1 => (1usize..3000).prop_map(|n| format!("https://{}.example", "a".repeat(n))),
    ]
}

fn api_key() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => Just(json!(SECRET)),
        1 => Just(json!(format!("{SECRET} x"))),
        1 => Just(json!(format!("{SECRET}\n"))),
        1 => Just(json!(format!("{SECRET}é"))),
        1 => Just(json!("")),
        1 => Just(json!([SECRET])),
        1 => Just(json!(42)),
        1 => Just(Value::Null),
    ]
}

fn start_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just("2026-01-05T12:00:00Z".to_string()),
        1 => Just(" 2026-01-05T12:00:00.5+01:00 ".to_string()),
        1 => Just("2026-01-05T12:00:00".to_string()),
        1 => Just("".to_string()),
        1 => text(),
    ]
}

/// `src` values: the allowed kinds and every trick against the check.
fn src_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("/demo/clip.mp4"),
        Just("clip.mp4"),
        Just("https://h/x.mp4"),
        Just("HTTP://h/x.mp4"),
        Just("blob:http://h/1"),
        Just("//evil/x.mp4"),
        Just("javascript:alert(1)"),
        Just(" JaVaScRiPt:alert(1)"),
        Just("java\tscript:alert(1)"),
        Just("\u{1}javascript:alert(1)"),
        Just("data:video/mp4;base64,AAAA"),
        Just("vbscript:x"),
        Just("/a:b.mp4"),
        Just("a/b:c.mp4"),
        Just("   "),
        Just(""),
        Just("file:///etc/passwd"),
    ]
    .prop_map(str::to_owned)
    .boxed()
    .prop_union(text().boxed())
}

fn clip() -> impl Strategy<Value = Value> {
    (
        prop_oneof![
            Just(json!("cam")),
            Just(json!(" ")),
            text().prop_map(Value::String),
            Just(json!(7))
        ],
        src_text(),
        start_text(),
        prop::bool::weighted(0.05),
    )
        .prop_map(|(camera, src, start, extra)| {
            let mut c = json!({"cameraId": camera, "src": src, "start": start});
            if extra {
                c["camera"] = json!("typo");
            }
            c
        })
}

/// A `config.json` built from the parts above, with the occasional unknown key.
fn config_text() -> impl Strategy<Value = String> {
    let parts = (
        prop::option::of(api_base_url()),
        prop::option::of(api_key()),
        prop::option::of(prop::collection::vec(clip(), 0..3)),
        prop::bool::weighted(0.05),
    );
    prop_oneof![
        12 => parts.prop_map(|(base, key, clips, unknown)| {
            let mut o = Map::new();
            if let Some(b) = base {
                o.insert("apiBaseUrl".into(), json!(b));
            }
            if let Some(k) = key {
                o.insert("apiKey".into(), k);
            }
            if let Some(c) = clips {
                o.insert("clips".into(), Value::Array(c));
            }
            if unknown {
                o.insert("apiBaseURL".into(), json!("x"));
            }
            Value::Object(o).to_string()
        }),
        1 => text(),
    ]
}

/// How a browser would read the scheme of `src`: C0 controls and spaces
/// stripped at both ends, tabs and newlines removed, then letters up to a colon.
fn browser_scheme(src: &str) -> Option<String> {
    let s: String = src
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let colon = s.find(':')?;
    let scheme = &s[..colon];
    let mut chars = scheme.chars();
    (chars.next()?.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)))
    .then(|| scheme.to_ascii_lowercase())
}

/// `config.json` of every shape: a configuration accepted is sound (a base
/// URL that is empty or http(s) without credentials, query, fragment or
/// trailing slash, from which the signaling URL can be made; a key without
/// spaces or controls; clips that are valid clip parameters), and the
/// secret never appears in an error message or a `Debug` line.
#[test]
fn config_files_are_validated_and_never_echo_a_secret() {
    check("config_files_are_validated_and_never_echo_a_secret", 2.0, config_text, |text| {
        match ViewerConfig::parse(&text) {
            Ok(c) => {
                prop_assert!(!format!("{c:?}").contains(SECRET), "{c:?}");
                let base = &c.api_base_url;
                if !base.is_empty() {
                    let lower = base.to_ascii_lowercase();
                    prop_assert!(
                        lower.starts_with("http://") || lower.starts_with("https://"),
                        "{base}"
                    );
                    prop_assert!(
                        !base.ends_with('/')
                            && !base.contains(['?', '#'])
                            && !base.chars().any(char::is_whitespace),
                        "{base}"
                    );
                    let authority = base
                        .split_once("//")
                        .map_or("", |(_, rest)| rest.split('/').next().unwrap_or(""));
                    prop_assert!(!authority.contains('@'), "{base} carries credentials");
                    prop_assert!(
                        websocket_url(base, "http://viewer.example").is_ok(),
                        "{base} is accepted but names no signaling URL: {:?}",
                        websocket_url(base, "http://viewer.example")
                    );
                    prop_assert_eq!(c.api_url("/api/v1/devices"), format!("{base}/api/v1/devices"));
                }
                prop_assert!(c
                    .api_key
                    .as_ref()
                    .is_none_or(|k| !k.is_empty() && k.chars().all(|ch| ch.is_ascii_graphic())));
                for entry in &c.clips {
                    prop_assert!(
                        !entry.camera_id.is_empty() && entry.camera_id.trim() == entry.camera_id
                    );
                }
            }
            Err(e) => {
                for shown in [e.to_string(), format!("{e:?}")] {
                    prop_assert!(!shown.contains(SECRET), "{shown}");
                    prop_assert!(shown.chars().count() < 400, "a long message: {shown}");
                }
            }
        }
        Ok(())
    });
}

/// The answer to `GET /config.json`, as documented: 404, an empty body or
/// HTML mean the defaults; another status is an error; any other body is
/// the operator's file, parsed (and refused when wrong), never replaced by
/// the defaults.
#[test]
fn config_answers_follow_the_documented_rule() {
    check(
        "config_answers_follow_the_documented_rule",
        2.0,
        || {
            let status = prop_oneof![
                Just(200u16),
                Just(204),
                Just(299),
                Just(404),
                Just(500),
                Just(301),
                Just(0),
                any::<u16>()
            ];
            let content_type = prop::option::of(prop_oneof![
                Just("application/json".to_string()),
                Just("text/html".to_string()),
                Just(" TEXT/HTML; charset=utf-8".to_string()),
                Just("text/plain".to_string()),
                text(),
            ]);
            let body = prop_oneof![
                4 => config_text(),
                1 => Just("<!DOCTYPE html><html></html>".to_string()),
                1 => Just("\u{feff}\n  <html>".to_string()),
                1 => Just("".to_string()),
                1 => Just(" \n\t".to_string()),
                1 => Just("\u{feff}".to_string()),
            ];
            (status, content_type, body)
        },
        |(status, content_type, body)| {
            let got = ViewerConfig::from_answer(status, content_type.as_deref(), &body);
            let html = content_type
                .as_deref()
                .is_some_and(|t| t.trim().to_ascii_lowercase().starts_with("text/html"));
            let rest = body.trim_start_matches('\u{feff}').trim_start();
            match status {
                404 => prop_assert!(matches!(got, Ok(ConfigAnswer::Defaults(_)))),
                200..=299 if html || rest.starts_with('<') || rest.is_empty() => {
                    prop_assert!(matches!(got, Ok(ConfigAnswer::Defaults(_))), "{got:?}")
                }
                200..=299 => {
                    prop_assert_eq!(got, ViewerConfig::parse(&body).map(ConfigAnswer::File))
                }
                s => prop_assert_eq!(got, Err(ConfigError::HttpStatus(s))),
            }
            Ok(())
        },
    );
}

/// The clip page's `src` and `start`: accepted only for a source a browser
/// resolves to http(s), blob or this server (never a script or data URL),
/// with `start` read as RFC 3339; refused with a short message otherwise.
#[test]
fn clip_parameters_accept_only_playable_sources() {
    check(
        "clip_parameters_accept_only_playable_sources",
        4.0,
        || (prop::option::of(src_text()), prop::option::of(start_text())),
        |(src, start)| {
            let got = ClipParams::parse(src.as_deref(), start.as_deref());
            match &got {
                Ok(c) => {
                    let src = src.as_deref().unwrap();
                    prop_assert_eq!(&c.src, src.trim());
                    prop_assert!(!c.src.is_empty());
                    let scheme = browser_scheme(&c.src);
                    prop_assert!(
                        scheme.as_deref().is_none_or(|s| ["http", "https", "blob"].contains(&s)),
                        "{} is {scheme:?}",
                        c.src
                    );
                    prop_assert_eq!(Some(c.start), parse_rfc3339(start.as_deref().unwrap().trim()));
                }
                Err(e) => {
                    prop_assert!(e.to_string().chars().count() < 250, "{e}");
                    let src_blank = src.as_deref().is_none_or(|s| s.trim().is_empty());
                    prop_assert_eq!(matches!(e, ClipParamError::MissingSrc), src_blank);
                    if matches!(e, ClipParamError::MissingStart) {
                        prop_assert!(start.as_deref().is_none_or(|s| s.trim().is_empty()));
                    }
                }
            }
            Ok(())
        },
    );
}
