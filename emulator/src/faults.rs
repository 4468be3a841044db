//! Fault modes: their settings ([`Faults`]), their checks, and which answer
//! faults apply to a request.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::control_api::ControlError;
use crate::demo_data::StoredEvent;
use crate::emulator::Emulator;
use crate::http::request::RequestParts;
use crate::recording;
use crate::run_time_state::POISON_ORDER;

/// Bounds of the fault settings.
pub(crate) const MAX_DELAY_MS: u64 = 60_000;
pub(crate) const MAX_HUGE_BODY_MB: u32 = 256;
pub(crate) const MAX_INSERT_BETWEEN_PAGES: u32 = 1000;
pub(crate) const MAX_POISON_ROWS: usize = 1000;
pub(crate) const MAX_SEGMENT_FAULTS: usize = 1000;

/// Model of poison rows given as a bare instant.
pub const POISON_MODEL_ID: &str = "demo-poison";

/// Fault modes of the emulated VAS, switched at run time by tests through
/// `POST /__demo/faults` or [`crate::RunningBackend::set_faults`]. A new set
/// replaces the previous one. In JSON every field is optional; unknown fields
/// are refused (a typo never silently tests nothing).
///
/// ```json
/// {"poison_at": ["2026-01-05T12:00:01.500000Z",
///                {"timestamp": "2026-01-05T12:00:07Z", "camera_id": "...", "model_id": "m"}],
///  "bare_500": false, "db_fault_empty": false, "auth": "missing" | "invalid" | null,
///  "required_key": "k" | null, "database_key": "k" | null, "delay_ms": 250 | null, "truncate_body": false,
///  "huge_body_mb": 4 | null, "chunked_body": false, "gzip_body": false, "huge_playlist_mb": 6 | null,
///  "fail_count": 3 | null, "path_filter": "/cameras/" | null,
///  "insert_between_pages": 2 | null, "stable_ties": false,
///  "missing_segments": ["segment-1767618001.ts"], "garbage_segments": ["1767619934"]}
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// A stored poison row at each instant (its `detections` is a string, not
    /// an object): every list page that would contain it answers 500 with the
    /// JSON error envelope (CORS on), every time; pages without it succeed and
    /// `total` counts it; a single-event request for it answers 500 too. A
    /// bare instant gives the row the demo camera and model
    /// [`POISON_MODEL_ID`]. Not limited by `fail_count` or `path_filter`.
    pub poison_at: Vec<PoisonSpec>,
    /// 500, `text/plain` body `Internal Server Error`, no CORS header. Every
    /// `/api/` request except the preflight.
    pub bare_500: bool,
    /// A database fault: a list answers 200 `{"events": [], "total": 0,
    /// "limit": L, "offset": O}`, a single event 404 (after validation, so a
    /// bad query still answers 422). Event endpoints only: the contract says
    /// nothing of devices.
    pub db_fault_empty: bool,
    /// 401 (`missing`) or 403 (`invalid`) with `{"detail": ...}` and no CORS
    /// header, whatever the request carries. Every `/api/` request, the
    /// preflight included.
    pub auth: Option<AuthFault>,
    /// VAS with authentication on: every `/api/` request (the preflight
    /// included, as browsers never send the key on one) without exactly this
    /// `X-API-Key` answers 401 (absent or empty) or 403 (different), without
    /// CORS headers. Not limited by `fail_count` or `path_filter`.
    pub required_key: Option<String>,
    /// A key created in VAS's database rather than given in its environment:
    /// VAS answers every `/api/` request carrying it with a bare `text/plain`
    /// 500 (contract, section 6), before any other auth check. Not limited by
    /// `fail_count` or `path_filter`.
    pub database_key: Option<String>,
    /// Answer this many milliseconds after the request arrived (the reply
    /// waits on its own thread; workers stay free). Every `/api/` request.
    pub delay_ms: Option<u64>,
    /// Send only the first half of a JSON body, with a `Content-Length` equal
    /// to what is sent. Every `/api/` answer with a JSON body.
    pub truncate_body: bool,
    /// An event list answers 200 with a valid list response of this many MiB:
    /// one synthetic event matching the query whose `event_metadata.padding`
    /// is a long string. Event list endpoints only.
    pub huge_body_mb: Option<u32>,
    /// An event list answer goes out without `Content-Length`, in chunked
    /// encoding, as a streamed answer does (the log's `bytes` are then those
    /// handed to the connection before the body ended or the client left).
    /// Event list endpoints only.
    pub chunked_body: bool,
    /// An event list answer goes out gzip-compressed (`Content-Encoding:
    /// gzip`) when the request accepts gzip: a browser decodes it, and
    /// `Content-Length` (and the log's `bytes`) count the compressed bytes.
    /// Event list endpoints only.
    pub gzip_body: bool,
    /// Recordings: a playlist answers with its usual entries followed by
    /// synthetic ones (6 s segments numbered on from the last, with no
    /// segment files behind them) up to this many MiB, as a recorder that
    /// keeps days in one rolling playlist would write. Playlists only.
    pub huge_playlist_mb: Option<u32>,
    /// Apply the answer faults to the next N requests they apply to only,
    /// then behave normally; counts down (GET shows what is left). None:
    /// always.
    pub fail_count: Option<u64>,
    /// Answer faults apply only to requests whose raw path contains this.
    pub path_filter: Option<String>,
    /// After every list request answered with a full page (200, `limit`
    /// events), store K synthetic events matching that page's filters before
    /// the next request: even ones newest in the window (at `end_time`, or 1
    /// ms past the page's first row), odd ones at the very timestamp of a row
    /// of the page. Ids are `feedc0de-0000-4000-8000-<12 hex digits>`
    /// counting from 1. Not limited by `fail_count` or `path_filter`.
    pub insert_between_pages: Option<u32>,
    /// Ties in stored order instead of the per-request shuffled order.
    pub stable_ties: bool,
    /// Recordings: these segments (`segment-N.ts` or the bare number `N`)
    /// answer 404 with VAS's error envelope, as when the recorder's file is
    /// gone, on every camera that serves the recording. Not limited by
    /// `fail_count` or `path_filter`.
    pub missing_segments: Vec<String>,
    /// Recordings: these segments answer 200 with their usual headers and
    /// length but a body that is not media (repeated text, no MPEG-TS sync
    /// byte), as a damaged file would. Not limited by `fail_count` or
    /// `path_filter`.
    pub garbage_segments: Vec<String>,
}

/// One poison row: a bare RFC 3339 instant, or a row with its own camera and
/// model (both optional).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PoisonSpec {
    At(String),
    Row(PoisonRow),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoisonRow {
    pub timestamp: String,
    #[serde(default)]
    pub camera_id: Option<String>,
    #[serde(default)]
    pub model_id: Option<String>,
}

impl From<&str> for PoisonSpec {
    fn from(at: &str) -> PoisonSpec {
        PoisonSpec::At(at.to_string())
    }
}

/// The forced authentication answers of [`Faults::auth`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthFault {
    /// 401 `{"detail": "API key required. Provide X-API-Key header."}`
    Missing,
    /// 403 `{"detail": "Invalid or expired API key"}`
    Invalid,
}

/// What a row of a full page lends to `insert_between_pages` rows.
pub(crate) struct InsertTemplate {
    pub(crate) ts_us: i64,
    pub(crate) timestamp: String,
    pub(crate) camera_id: Value,
    pub(crate) model_id: String,
}

/// Which answer faults can apply to a request.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum FaultScope {
    Preflight,
    EventList,
    Event,
    /// A recording's playlist.
    Playlist,
    Other,
}

/// The answer faults applied to one request.
#[derive(Default, PartialEq)]
pub(crate) struct AnswerFaults {
    pub(crate) auth: Option<AuthFault>,
    pub(crate) bare_500: bool,
    pub(crate) db_fault_empty: bool,
    pub(crate) delay: Option<Duration>,
    pub(crate) truncate: bool,
    pub(crate) huge_mb: Option<u32>,
    pub(crate) chunked: bool,
    pub(crate) gzip: bool,
    pub(crate) huge_playlist_mb: Option<u32>,
}

impl Emulator {
    /// The active faults as JSON, the required key redacted.
    pub(crate) fn faults_json(&self) -> Value {
        let mut value = json!(self.lock().faults);
        for key in ["required_key", "database_key"] {
            if value[key].is_string() {
                value[key] = json!("<redacted>");
            }
        }
        value
    }

    /// Checks and replaces the faults (and their poison rows).
    pub(crate) fn set_faults(&self, faults: Faults) -> Result<(), ControlError> {
        let data = &self.data;
        let bad = |m: String| -> ControlError { (400, m) };
        if faults.delay_ms.is_some_and(|ms| ms > MAX_DELAY_MS) {
            return Err(bad(format!("delay_ms must be at most {MAX_DELAY_MS}")));
        }
        if faults.huge_body_mb.is_some_and(|mb| mb == 0 || mb > MAX_HUGE_BODY_MB) {
            return Err(bad(format!("huge_body_mb must be in 1..={MAX_HUGE_BODY_MB}")));
        }
        if faults.huge_playlist_mb.is_some_and(|mb| mb == 0 || mb > MAX_HUGE_BODY_MB) {
            return Err(bad(format!("huge_playlist_mb must be in 1..={MAX_HUGE_BODY_MB}")));
        }
        if faults.insert_between_pages.is_some_and(|k| k > MAX_INSERT_BETWEEN_PAGES) {
            return Err(bad(format!(
                "insert_between_pages must be at most {MAX_INSERT_BETWEEN_PAGES}"
            )));
        }
        if faults.required_key.as_deref() == Some("") {
            return Err(bad("required_key must not be empty".into()));
        }
        if faults.database_key.as_deref() == Some("") {
            return Err(bad("database_key must not be empty".into()));
        }
        for (name, list) in [
            ("missing_segments", &faults.missing_segments),
            ("garbage_segments", &faults.garbage_segments),
        ] {
            if list.len() > MAX_SEGMENT_FAULTS {
                return Err(bad(format!("at most {MAX_SEGMENT_FAULTS} {name}")));
            }
            if let Some((i, bad_name)) =
                list.iter().enumerate().find(|(_, n)| recording::segment_key(n).is_none())
            {
                return Err(bad(format!(
                    "{name}[{i}]: `{bad_name}` is not `segment-N.ts` or a number N"
                )));
            }
        }
        if faults.poison_at.len() > MAX_POISON_ROWS {
            return Err(bad(format!("at most {MAX_POISON_ROWS} poison rows")));
        }
        let mut poison = Vec::with_capacity(faults.poison_at.len());
        for (i, spec) in faults.poison_at.iter().enumerate() {
            let (timestamp, camera, model) = match spec {
                PoisonSpec::At(t) => (t, None, None),
                PoisonSpec::Row(r) => (&r.timestamp, r.camera_id.as_ref(), r.model_id.as_ref()),
            };
            let raw = json!({
                "id": format!("badbad00-0000-4000-8000-{:012x}", i + 1),
                "camera_id": camera.unwrap_or(&data.device_id_raw),
                "model_id": model.map_or(POISON_MODEL_ID, String::as_str),
                "timestamp": timestamp, "frame_id": null,
                "detections": "poison row: detections is not a JSON object",
                "confidence": null, "event_metadata": null, "created_at": data.created_at,
            });
            let row = StoredEvent::parse(&raw, POISON_ORDER + i as u64)
                .map_err(|e| bad(format!("poison_at[{i}]: {e}")))?;
            poison.push(row);
        }
        let mut ctl = self.lock();
        ctl.faults = faults;
        ctl.poison = poison;
        Ok(())
    }
}

/// Whether the request's `Accept-Encoding` names gzip (`gzip_body`).
pub(crate) fn accepts_gzip(req: &RequestParts) -> bool {
    req.header("Accept-Encoding").is_some_and(|v| {
        v.split(',')
            .any(|c| c.split(';').next().is_some_and(|c| c.trim().eq_ignore_ascii_case("gzip")))
    })
}

/// `gzip_body`: the bytes gzip-compressed (at the fastest level: a huge
/// body must not hold up its answer, in a debug build too).
pub(crate) fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests;
