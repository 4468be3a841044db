//! Viewer configuration (`config.json` beside `index.html`), validated once at start.

use std::fmt;

use serde::Deserialize;

use crate::core::params::clip_params::{ClipParamError, ClipParams};
use crate::core::params::{echo, plain_char};

/// The configuration in force. Its `Debug` form leaves the key out, so a
/// debug line that prints the configuration cannot leak it.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct ViewerConfig {
    /// Base URL of the VAS API without a trailing slash; empty means the viewer's own origin.
    pub api_base_url: String,
    /// Sent as `X-API-Key` to the API origin only; never placed in a URL, a log line or the DOM.
    pub api_key: Option<String>,
    /// Known clips per camera, linked from the camera list (the demo uses this).
    pub clips: Vec<ClipEntry>,
}

impl fmt::Debug for ViewerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ViewerConfig")
            .field("api_base_url", &self.api_base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("clips", &self.clips)
            .finish()
    }
}

/// A clip that the camera list offers for a camera.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClipEntry {
    pub camera_id: String,
    pub clip: ClipParams,
}

/// What is wrong with `config.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    NotJson(String),
    BadApiBaseUrl(String),
    /// `user:password@` in `apiBaseUrl`; the URL is not repeated in the message.
    CredentialsInApiBaseUrl,
    BadApiKey,
    BadClip {
        index: usize,
        reason: ClipParamError,
    },
    EmptyCameraId {
        index: usize,
    },
    /// `/config.json` answered with a status that is neither success nor 404.
    HttpStatus(u16),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotJson(e) => write!(f, "config.json is not valid: {e}"),
            Self::BadApiBaseUrl(u) => write!(f, "config.json: `apiBaseUrl` must be empty or an http(s) URL without query or fragment, not `{u}`"),
            Self::CredentialsInApiBaseUrl => {
                write!(f, "config.json: `apiBaseUrl` must not carry credentials (`user:password@`); give the key as `apiKey`")
            }
            Self::BadApiKey => write!(f, "config.json: `apiKey` must be a non-empty string without spaces or control characters"),
            Self::BadClip { index, reason } => write!(f, "config.json: clips[{index}]: {reason}"),
            Self::EmptyCameraId { index } => write!(f, "config.json: clips[{index}] has an empty `cameraId`"),
            Self::HttpStatus(s) => write!(f, "config.json could not be loaded: HTTP status {s}"),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawConfig {
    #[serde(default)]
    api_base_url: Option<String>,
    #[serde(default)]
    api_key: Option<String>,
    #[serde(default)]
    clips: Vec<RawClip>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawClip {
    camera_id: String,
    src: String,
    start: String,
}

/// Longest part of serde_json's message kept in `ConfigError::NotJson`.
const JSON_ERROR_CHARS: usize = 120;

/// serde_json's message, which repeats an unknown key or a value of the
/// wrong type in full: cut to a length the page can show, its position
/// kept, and plain (`plain_char`: no controls).
fn json_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    if text.chars().count() <= JSON_ERROR_CHARS {
        return text.chars().map(plain_char).collect();
    }
    let head: String = text.chars().take(JSON_ERROR_CHARS).map(plain_char).collect();
    format!("{head}... at line {} column {}", e.line(), e.column())
}

/// What the viewer starts with, from the answer to `GET /config.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigAnswer {
    /// A configuration file, parsed and valid.
    File(ViewerConfig),
    /// No configuration file: the defaults. The reason is for a debug line.
    Defaults(&'static str),
}

impl ViewerConfig {
    /// Decides from an answer to `GET /config.json` (status, `Content-Type`,
    /// body). No file means the defaults: a 404, an empty body, or HTML,
    /// which is what static hosting with an SPA fallback answers for a file
    /// it does not have. A body that is not HTML is the operator's file and
    /// must be valid: a wrong one is refused with its reason, never replaced
    /// by defaults.
    pub fn from_answer(
        status: u16,
        content_type: Option<&str>,
        body: &str,
    ) -> Result<ConfigAnswer, ConfigError> {
        match status {
            404 => Ok(ConfigAnswer::Defaults("config.json is absent (404)")),
            200..=299 => {
                let html = content_type
                    .is_some_and(|t| t.trim().to_ascii_lowercase().starts_with("text/html"));
                let trimmed = body.trim_start_matches('\u{feff}').trim_start();
                if html || trimmed.starts_with('<') {
                    Ok(ConfigAnswer::Defaults(
                        "config.json answered with HTML (a static host's SPA fallback)",
                    ))
                } else if trimmed.is_empty() {
                    Ok(ConfigAnswer::Defaults("config.json is empty"))
                } else {
                    Self::parse(body).map(ConfigAnswer::File)
                }
            }
            s => Err(ConfigError::HttpStatus(s)),
        }
    }

    /// Parses and validates `config.json`. Unknown keys are errors: a typo in
    /// a key must not silently fall back to a default.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let raw: RawConfig =
            serde_json::from_str(text).map_err(|e| ConfigError::NotJson(json_error(&e)))?;
        let base = raw.api_base_url.unwrap_or_default().trim().trim_end_matches('/').to_owned();
        if !base.is_empty() {
            // Checked first: the other message repeats the URL, and it is shown on the page.
            // The authority as a browser finds it: in the text with C0 controls and
            // spaces dropped at both ends and tabs and newlines removed (`https:/\t/u:p@h`),
            // after the scheme, if there is one, and any run of slashes either way
            // round (`https:/u:p@h`, `https:\\u:p@h` and `//u:p@h` carry credentials
            // too), up to the path, query or fragment; a backslash ends it only in
            // the schemes a browser reads it as a slash in (`foo://h\\u:p@h` carries
            // credentials), and in a URL without a scheme, read against the page's.
            let browser: String = base
                .trim_matches(|c: char| c <= ' ')
                .chars()
                .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                .collect();
            let is_scheme = |s: &str| {
                s.starts_with(|c: char| c.is_ascii_alphabetic())
                    && s.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            };
            let (after_scheme, backslash_ends) = match browser.split_once(':') {
                Some((scheme, rest)) if is_scheme(scheme) => (
                    rest,
                    ["http", "https", "ws", "wss", "ftp", "file"]
                        .iter()
                        .any(|s| s.eq_ignore_ascii_case(scheme)),
                ),
                _ => (browser.as_str(), true),
            };
            let ends: &[char] =
                if backslash_ends { &['/', '\\', '?', '#'] } else { &['/', '?', '#'] };
            let authority =
                after_scheme.trim_start_matches(['/', '\\']).split(ends).next().unwrap_or_default();
            if authority.contains('@') {
                return Err(ConfigError::CredentialsInApiBaseUrl);
            }
            let lower = base.to_ascii_lowercase();
            let scheme_ok = lower.starts_with("http://") || lower.starts_with("https://");
            // A host right after `//`: `https:///vas` is read as `https://vas` by a
            // browser's fetch, but names no host for the signaling URL; nor does
            // `https://:8443` (a port without a host) or `https://://vas`.
            let host_ok = base
                .split_once("//")
                .is_some_and(|(_, rest)| !rest.is_empty() && !rest.starts_with(['/', '\\', ':']));
            if !scheme_ok
                || !host_ok
                || base.contains('?')
                || base.contains('#')
                || base.chars().any(char::is_whitespace)
            {
                return Err(ConfigError::BadApiBaseUrl(echo(&base)));
            }
        }
        let api_key = match raw.api_key {
            None => None,
            Some(k) if !k.is_empty() && k.chars().all(|c| c.is_ascii_graphic()) => Some(k),
            Some(_) => return Err(ConfigError::BadApiKey),
        };
        let mut clips = Vec::with_capacity(raw.clips.len());
        for (index, c) in raw.clips.into_iter().enumerate() {
            if c.camera_id.trim().is_empty() {
                return Err(ConfigError::EmptyCameraId { index });
            }
            let clip = ClipParams::parse(Some(&c.src), Some(&c.start))
                .map_err(|reason| ConfigError::BadClip { index, reason })?;
            clips.push(ClipEntry { camera_id: c.camera_id.trim().to_owned(), clip });
        }
        Ok(Self { api_base_url: base, api_key, clips })
    }

    /// An absolute or origin-relative URL for an API path such as `/api/v1/devices`.
    pub fn api_url(&self, path_and_query: &str) -> String {
        format!("{}{}", self.api_base_url, path_and_query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_good_configs() {
        assert_eq!(ViewerConfig::parse("{}").unwrap(), ViewerConfig::default());
        let c = ViewerConfig::parse(
            r#"{"apiBaseUrl": "https://vas.example:8443/", "apiKey": "k-1",
                "clips": [{"cameraId": "cam", "src": "/demo/clip.mp4", "start": "2026-01-05T12:00:00Z"}]}"#,
        )
        .unwrap();
        assert_eq!(c.api_base_url, "https://vas.example:8443");
        assert_eq!(c.api_url("/api/v1/devices"), "https://vas.example:8443/api/v1/devices");
        assert_eq!(c.api_key.as_deref(), Some("k-1"));
        assert_eq!(c.clips[0].camera_id, "cam");
    }

    #[test]
    fn rejects_bad_configs_with_a_reason() {
        let cases = [
            ("not json", "not valid"),
            (r#"{"apiBaseURL": "x"}"#, "unknown field"),
            (r#"{"apiBaseUrl": "ftp://h"}"#, "apiBaseUrl"),
            (r#"{"apiBaseUrl": "https://"}"#, "apiBaseUrl"),
            (r#"{"apiBaseUrl": "https://h/?a=1"}"#, "apiBaseUrl"),
            (r#"{"apiKey": ""}"#, "apiKey"),
            (r#"{"apiBaseUrl": "https://u:p@vas:8000"}"#, "credentials"),
            (r#"{"apiBaseUrl": "https:///vas"}"#, "apiBaseUrl"),
            (r#"{"apiBaseUrl": "http://\\vas"}"#, "apiBaseUrl"),
            // No host (found with the fuzz targets in fuzz/: an accepted base
            // must name a signaling URL, and `websocket_url` refuses these).
            (r#"{"apiBaseUrl": "https://://vas"}"#, "apiBaseUrl"),
            (r#"{"apiBaseUrl": "https://:8443"}"#, "apiBaseUrl"),
            (r#"{"apiKey": "a b"}"#, "apiKey"),
            (
                r#"{"clips": [{"cameraId": " ", "src": "/a", "start": "2026-01-05T12:00:00Z"}]}"#,
                "cameraId",
            ),
            (r#"{"clips": [{"cameraId": "c", "src": "/a", "start": "yesterday"}]}"#, "clips[0]"),
        ];
        for (text, needle) in cases {
            let err = ViewerConfig::parse(text).unwrap_err().to_string();
            assert!(err.contains(needle), "{text}: {err}");
        }
        // serde_json repeats an unknown key or a wrongly typed value in full:
        // the message stays short (found with the `config` fuzz target, fuzz/).
        let long = r#"\u0001\\\"\u0301"#.repeat(1000);
        for (text, needle, position) in [
            (format!(r#"{{"apiBaseUr{long}": 1}}"#), "unknown field", "... at line 1 column 16012"),
            (format!(r#"{{"clips": "{long}"}}"#), "invalid type", "... at line 1 column 16012"),
            (
                format!(r#"{{"{}": 1}}"#, r"\u0301".repeat(100)),
                "unknown field `????",
                "at line 1 column 603",
            ),
            (
                r#"{"apiBaseURL": "x"}"#.to_owned(),
                "unknown field `apiBaseURL`",
                "at line 1 column 13",
            ),
        ] {
            let err = ViewerConfig::parse(&text).unwrap_err();
            for shown in [err.to_string(), format!("{err:?}")] {
                assert!(
                    shown.chars().count() < 400
                        && shown.contains(needle)
                        && shown.contains(position),
                    "{shown}"
                );
            }
        }
        // A bad base URL is echoed plain: no controls for its debug line to spell out.
        let err = ViewerConfig::parse(&format!(
            r#"{{"apiBaseUrl": "{}https://vas"}}"#,
            r"\u007f".repeat(100)
        ))
        .unwrap_err();
        assert_eq!(err, ConfigError::BadApiBaseUrl("?".repeat(80)));
    }

    #[test]
    fn answers_without_a_file_mean_the_defaults_and_a_wrong_file_is_refused() {
        let page = "<!DOCTYPE html><html><head></head><body></body></html>";
        type Row<'a> = (u16, Option<&'a str>, &'a str, Result<bool, &'a str>);
        let rows: [Row; 11] = [
            (404, None, "", Ok(false)),
            (404, Some("text/html"), page, Ok(false)),
            (200, Some("text/html; charset=utf-8"), page, Ok(false)),
            (200, Some("application/octet-stream"), page, Ok(false)),
            (200, None, "\u{feff}  \n<html></html>", Ok(false)),
            (200, Some("application/json"), "", Ok(false)),
            (200, Some("application/json"), "{}", Ok(true)),
            (200, Some("application/json"), r#"{"apiBaseUrl": "https://vas:8443"}"#, Ok(true)),
            (200, Some("application/json"), "{\"apiBaseURL\": \"x\"}", Err("unknown field")),
            (200, Some("application/json"), "[1, 2", Err("not valid")),
            (500, None, "", Err("HTTP status 500")),
        ];
        for (status, content_type, body, expected) in rows {
            let got = ViewerConfig::from_answer(status, content_type, body);
            match (got, expected) {
                (Ok(ConfigAnswer::File(_)), Ok(true))
                | (Ok(ConfigAnswer::Defaults(_)), Ok(false)) => {}
                (Err(e), Err(needle)) => {
                    assert!(e.to_string().contains(needle), "{status} {body}: {e}")
                }
                (got, expected) => {
                    panic!("{status} {content_type:?} {body}: got {got:?}, expected {expected:?}")
                }
            }
        }
    }

    /// The key and base-URL credentials never reach a message shown on the
    /// page or a debug line: not through an error, not through `Debug`.
    #[test]
    fn secrets_stay_out_of_messages_and_debug_output() {
        let key = "Canary-Key-51";
        let good = ViewerConfig::parse(&format!(r#"{{"apiKey": "{key}", "clips": [{{"cameraId": "c", "src": "/a", "start": "2026-01-05T12:00:00Z"}}]}}"#)).unwrap();
        assert_eq!(good.api_key.as_deref(), Some(key));
        let debug = format!("{good:?}");
        assert!(
            !debug.contains(key) && debug.contains("<redacted>") && debug.contains("/a"),
            "{debug}"
        );
        assert!(!format!("{:?}", ViewerConfig::default()).contains("redacted"));
        let bad = [
            format!(r#"{{"apiKey": "{key} x"}}"#),
            format!(r#"{{"apiKey": "{key}\n"}}"#),
            format!(r#"{{"apikey": "{key}"}}"#),
            format!(r#"{{"apiKey": ["{key}"]}}"#),
            format!(r#"{{"apiKey": {{"k": "{key}"}}}}"#),
            format!(r#"{{"apiKey": "{key}", "apiBaseUrl": "ftp://h"}}"#),
            format!(
                r#"{{"apiKey": "{key}", "clips": [{{"cameraId": "", "src": "/a", "start": "2026-01-05T12:00:00Z"}}]}}"#
            ),
            format!(r#"{{"apiBaseUrl": "https://user:{key}@vas:8000/?x=1"}}"#),
            format!(r#"{{"apiBaseUrl": "https://{key}@vas"}}"#),
            // Spellings a browser still reads as credentials; they were echoed as a bad URL.
            format!(r#"{{"apiBaseUrl": "https:/user:{key}@vas"}}"#),
            format!(r#"{{"apiBaseUrl": "https:user:{key}@vas"}}"#),
            format!(r#"{{"apiBaseUrl": "https:\\\\user:{key}@vas"}}"#),
            format!(r#"{{"apiBaseUrl": "user:{key}@vas:8000"}}"#),
            format!(r#"{{"apiBaseUrl": "//{key}@vas:8000"}}"#),
            format!(r#"{{"apiBaseUrl": "{key}@vas:8000"}}"#),
            // Found with the `config` fuzz target (fuzz/), whose oracle is WHATWG
            // URL parsing: a browser drops C0 controls at the ends and tabs and
            // newlines anywhere, and a backslash is a slash only in special schemes.
            format!(r#"{{"apiBaseUrl": "https:/\t/user:{key}@vas"}}"#),
            format!(r#"{{"apiBaseUrl": "\u0001https://user:{key}@vas"}}"#),
            format!(r#"{{"apiBaseUrl": "ht\ntps://user:{key}@vas"}}"#),
            format!(r#"{{"apiBaseUrl": "foo://h\\user:{key}@vas"}}"#),
        ];
        for text in bad {
            let err = ViewerConfig::parse(&text).unwrap_err();
            for shown in [err.to_string(), format!("{err:?}")] {
                assert!(!shown.contains(key), "{text}: {shown}");
            }
        }
    }
}
