//! The request log (`GET /__demo/log`) and the scan for watched secrets.

use serde::Serialize;

use crate::emulator::Emulator;
use crate::text_formats::percent_decode;

/// One answered request (`/__demo/` ones excluded). Never holds a header
/// value: the API key is only reported as present or not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    /// From 1 since start or the last reset.
    pub seq: u64,
    pub method: String,
    /// The request target as received: path and query.
    pub target: String,
    pub status: u16,
    /// Whether an `X-API-Key` header was present.
    pub api_key_present: bool,
    /// Body bytes sent (after any truncation or compression; of a chunked
    /// answer, those handed to the connection before it ended).
    pub bytes: u64,
    /// The fault that shaped the answer (`poison`, `required_key`, `auth`,
    /// `bare_500`, `db_fault_empty`, `huge_body_mb`, `truncate_body`,
    /// `gzip_body`, `chunked_body`, `delay_ms`, `missing_segments`,
    /// `garbage_segments`, `huge_playlist_mb`, joined by `+`), if any.
    pub fault: Option<String>,
    /// Where a watched secret (see [`crate::RunningBackend::watch_secrets`])
    /// occurred in the request: `<label> in target` or `<label> in header
    /// <name>` (name in lower case). Labels and places only, never values;
    /// left out of the JSON when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets_seen: Vec<String>,
}

impl Emulator {
    /// Where the watched secrets occur in a request (see `watch_secrets`).
    pub(crate) fn secrets_in(&self, target: &str, headers: &[(String, String)]) -> Vec<String> {
        let watched = self.watched.lock().unwrap_or_else(|e| e.into_inner());
        if watched.is_empty() {
            return Vec::new();
        }
        let has = |text: &str, value: &str| {
            text.to_ascii_lowercase().contains(&value.to_ascii_lowercase())
        };
        // A secret could travel encoded: `+` as a space, `@` as `%40`.
        let decoded = percent_decode(target, true);
        let mut seen = Vec::new();
        for (label, value) in watched.iter() {
            if has(target, value) || has(&decoded, value) {
                seen.push(format!("{label} in target"));
            }
            for (name, v) in headers {
                if has(v, value) || has(&percent_decode(v, false), value) {
                    seen.push(format!("{label} in header {}", name.to_ascii_lowercase()));
                }
            }
        }
        seen
    }
}

#[cfg(test)]
mod tests;
