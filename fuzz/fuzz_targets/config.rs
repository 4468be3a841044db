//! Fuzz target: the viewer's `config.json` (`ViewerConfig::parse` and `ViewerConfig::from_answer`).
//!
//! Any text is refused with a short message (and `Debug` line) or accepted as a sound
//! configuration: a base URL that is empty or http(s) without credentials,
//! query, fragment, whitespace or trailing slash, from which the signaling
//! URL can be made; a key of visible ASCII; trimmed, non-empty camera ids.
//! Secrets never reach a message: whenever a browser (WHATWG URL parsing,
//! the `url` crate, relative to a page) reads credentials in `apiBaseUrl`,
//! the file is refused without repeating the URL; and a canary planted as
//! `apiKey` into any JSON object the input is appears in no error and no
//! `Debug` line. A 2xx answer whose body is neither empty nor HTML is that
//! body parsed.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use url::Url;
use vas_overlay_viewer::core::clock::live::live_signaling::websocket_url;
use vas_overlay_viewer::core::params::viewer_config::{ConfigAnswer, ConfigError, ViewerConfig};

/// Planted where only a secret belongs (as in tests/core_props/config.rs).
const SECRET: &str = "Canary-Secret-93";

/// Does a browser read user or password in this `apiBaseUrl` (as the config
/// trims it), fetched from a page of another origin?
fn browser_sees_credentials(base: &str) -> bool {
    let page = Url::parse("http://viewer.example/index.html").expect("a valid page URL");
    Url::options()
        .base_url(Some(&page))
        .parse(base.trim())
        .is_ok_and(|u| !u.username().is_empty() || u.password().is_some())
}

/// Everything the config may show: its `Debug` line, or the error's message and `Debug` line.
fn shown(result: &Result<ViewerConfig, ConfigError>) -> Vec<String> {
    match result {
        Ok(c) => vec![format!("{c:?}")],
        Err(e) => vec![e.to_string(), format!("{e:?}")],
    }
}

fn check_sound(text: &str, result: &Result<ViewerConfig, ConfigError>) {
    match result {
        Ok(c) => {
            let base = &c.api_base_url;
            if !base.is_empty() {
                let lower = base.to_ascii_lowercase();
                assert!(lower.starts_with("http://") || lower.starts_with("https://"), "{base:?}");
                assert!(
                    !base.ends_with('/')
                        && !base.contains(['?', '#'])
                        && !base.chars().any(char::is_whitespace),
                    "{base:?}"
                );
                assert!(
                    !browser_sees_credentials(base),
                    "{base:?} carries credentials, accepted from {text:?}"
                );
                assert!(
                    websocket_url(base, "http://viewer.example").is_ok(),
                    "{base:?} names no signaling URL"
                );
                assert_eq!(c.api_url("/api/v1/devices"), format!("{base}/api/v1/devices"));
            }
            assert!(c
                .api_key
                .as_ref()
                .is_none_or(|k| !k.is_empty() && k.chars().all(|ch| ch.is_ascii_graphic())));
            for entry in &c.clips {
                assert!(
                    !entry.camera_id.is_empty() && entry.camera_id.trim() == entry.camera_id,
                    "{entry:?}"
                );
            }
        }
        Err(e) => {
            for shown in [e.to_string(), format!("{e:?}")] {
                assert!(shown.chars().count() < 400, "a long message: {shown}");
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let result = ViewerConfig::parse(&text);
    check_sound(&text, &result);

    let value: Option<Value> = serde_json::from_str(&text).ok();
    // Credentials a browser would use are never accepted nor repeated.
    if let Some(base) = value.as_ref().and_then(|v| v.get("apiBaseUrl")).and_then(Value::as_str) {
        if browser_sees_credentials(base) {
            // Refused for the credentials, or for a file that is not a config at all.
            assert!(
                matches!(result, Err(ConfigError::CredentialsInApiBaseUrl | ConfigError::NotJson(_))),
                "apiBaseUrl {base:?} carries credentials a browser would use, and the config answered {result:?}"
            );
        }
    }

    // The canary as `apiKey`, in one of the shapes a key is refused or accepted in.
    if let Some(Value::Object(mut object)) = value {
        if !Value::Object(object.clone()).to_string().contains("Canary") {
            let shapes = [
                json!(SECRET),
                json!(format!("{SECRET} x")),
                json!(format!("{SECRET}\n")),
                json!(format!("{SECRET}\u{e9}")),
                json!([SECRET]),
            ];
            object.insert("apiKey".into(), shapes[data.len() % shapes.len()].clone());
            let planted = Value::Object(object).to_string();
            let result = ViewerConfig::parse(&planted);
            check_sound(&planted, &result);
            for line in shown(&result) {
                assert!(!line.contains(SECRET), "the key is shown: {line}");
            }
        }
    }

    // A 2xx answer that is neither empty nor HTML is the operator's file.
    let rest = text.trim_start_matches('\u{feff}').trim_start();
    if !rest.is_empty() && !rest.starts_with('<') {
        assert_eq!(
            ViewerConfig::from_answer(200, Some("application/json"), &text),
            result.map(ConfigAnswer::File)
        );
    }
});
