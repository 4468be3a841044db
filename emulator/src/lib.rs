//! Demo backend: serves the built viewer and emulates the VAS read API from bundled data.
//!
//! Dev tooling only, never part of the viewer. One small HTTP server that:
//! - emulates the VAS AI-event and device read endpoints from a demo data dir
//!   (`camera.json`, `events.json`, a clip), following `vas-contract.md`
//!   (filters, inclusive bounds, newest-first ordering, paging, 422/404/405/307
//!   shapes, CORS, and with `api_key` set VAS's auth: 401/403 before CORS);
//!   the production server (`vas-viewer-server`) relays to it as to VAS;
//! - generates `/config.json` for the viewer;
//! - serves `/demo/<file>` (with single-range support, needed for video seeking);
//! - serves the Trunk output with an SPA fallback to `index.html`.
//!
//! HTTP is hyper's (`serve`); each request's handler runs on a thread of its
//! own, so a slow answer (a large file, a slow upstream, a `delay_ms` fault)
//! never holds up another connection.
//!
//! The API key and device `rtsp_url`s are never logged. Per-request logging to
//! stderr is enabled with `VAS_DEMO_LOG=1`.
//!
//! # Ordering
//!
//! Lists are newest `timestamp` first. VAS has no tie-breaker, so rows with
//! equal timestamps come in an order that changes from one list request to
//! the next (a hash of the event id and a per-request counter): deterministic
//! for a given sequence of requests, never stable across pages. The fault
//! field `stable_ties` restores a stable order (stored order), which is what
//! PostgreSQL happened to give in every trial.
//!
//! # Test control: `/__demo/` (dev tooling, not part of VAS)
//!
//! Every answer is JSON with `Access-Control-Allow-Origin: *`, so
//! browser tests served from another origin can drive it; these requests are
//! never subject to faults and never enter the request log.
//!
//! | request | body | answer |
//! | --- | --- | --- |
//! | `GET /__demo/faults` | | the active [`Faults`] (all fields; `required_key` redacted) |
//! | `POST /__demo/faults` | a [`Faults`] object (fields optional, unknown fields refused) | replaces the whole set; answers as GET |
//! | `POST /__demo/reset` | | back to the started state: no faults, no inserted events, generators stopped, log and counters cleared; `{"reset": true}` |
//! | `POST /__demo/events` | an array of VAS events, or `{"events": [...]}` | `{"inserted": n, "stored": total}`; all or nothing |
//! | `POST /__demo/live` | a [`LiveConfig`] | `{"generator": id, "count": n}` |
//! | `GET /__demo/log` | | the request log: an array of [`LogEntry`] |
//!
//! Secrets scans: [`RunningBackend::watch_secrets`] names strings (an API
//! key, camera credentials) whose every occurrence in a request's target or
//! header values the log records by label and place (`secrets_seen`), never
//! by value. `viewer_api_key` in [`BackendConfig`] hands the browser a key
//! in `/config.json`, for a viewer that sends the key itself.
//!
//! Errors answer 400 (or 409 for a duplicate event id) with
//! `{"error": "<message>"}`. The same operations are methods of
//! [`RunningBackend`] for native tests.
//!
//! Fault modes fall in two groups:
//! - stored state, always in force: `poison_at` (and any stored event whose
//!   `detections` is not an object), `required_key`, `insert_between_pages`,
//!   `stable_ties`, and for recordings `missing_segments` and
//!   `garbage_segments`;
//! - answer faults, limited by `path_filter` and `fail_count`: `auth`,
//!   `bare_500`, `db_fault_empty`, `delay_ms`, `truncate_body`,
//!   `huge_body_mb`, `chunked_body`, `gzip_body`, `huge_playlist_mb`. A
//!   request counts against `fail_count` only when at least one of them
//!   applies to it (see [`Faults`] for where each applies).
//!
//! Order of evaluation of an `/api/` request, as in VAS: `required_key`, then
//! `auth` (both before CORS: their answers carry no CORS header, and they also
//! refuse an OPTIONS preflight), then the preflight, `bare_500`, routing and
//! validation (422 before any database fault), `db_fault_empty`,
//! `huge_body_mb`, poison rows, then `truncate_body`, `gzip_body`,
//! `chunked_body`, and last `delay_ms`.

pub mod serve;

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::{self, Seek, SeekFrom};
use std::net::{SocketAddr, TcpListener};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use vas_overlay_viewer::core::time::{days_from_civil, days_in_month, format_rfc3339_utc, UnixMicros};

// Recordings (HLS) of the demo camera: a separate module, see its notes.
mod recording;
// The day camera: a day of VAS's rolling playlist, growing on the clock; see its notes.
pub mod day_recording;

/// Upper bound of one answer to an open-ended range (`bytes=a-`). Browsers
/// continue with a new range request, so a paused media element never pins a
/// connection for a whole large file.
const OPEN_RANGE_CAP: u64 = 8 * 1024 * 1024;

/// Bounds of the fault settings and of run-time inserts.
const MAX_DELAY_MS: u64 = 60_000;
const MAX_HUGE_BODY_MB: u32 = 256;
const MAX_INSERT_BETWEEN_PAGES: u32 = 1000;
const MAX_POISON_ROWS: usize = 1000;
const MAX_SEGMENT_FAULTS: usize = 1000;
const MAX_INSERTED: usize = 200_000;
const MAX_LOG_ENTRIES: usize = 10_000;
/// Live generators: at most this many at once, each bounded in rate,
/// duration and count.
const MAX_GENERATORS: usize = 8;
const MAX_LIVE_RATE_HZ: f64 = 100.0;
const MAX_LIVE_DURATION_S: f64 = 600.0;
const MAX_LIVE_LATENESS_MS: u64 = 600_000;
const MAX_LIVE_EVENTS: u64 = 10_000;
/// `created_at` of synthetic rows when the data has none to copy: VAS gives
/// every row the same frozen value.
const FROZEN_CREATED_AT: &str = "2026-01-01T00:00:00Z";
/// Model of poison rows given as a bare instant.
pub const POISON_MODEL_ID: &str = "demo-poison";
/// Model of live-generator events when none is given.
pub const LIVE_MODEL_ID: &str = "demo-live";
/// Model of the synthetic `huge_body_mb` event when the query names none.
pub const HUGE_MODEL_ID: &str = "demo-huge-body";

/// Fault modes of the emulated VAS, switched at run time by tests through
/// `POST /__demo/faults` or [`RunningBackend::set_faults`]. A new set
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

/// A live event generator (`POST /__demo/live`,
/// [`RunningBackend::start_live`]): from now on, one event every `1/rate_hz`
/// seconds with `timestamp = now - lateness_ms` (server clock), for
/// `duration_s` seconds (`ceil(rate_hz * duration_s)` events, at most
/// 10 000), or until a reset. Each carries one canonical (shape A) `person`
/// detection moving left and right, `track_id` = the generator number,
/// `frame_id` counting from 0, and ids `11fe<4 hex: generator>-0000-4000-8000-<12 hex: index>`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiveConfig {
    /// Default: the demo camera.
    #[serde(default)]
    pub camera_id: Option<String>,
    /// Default: [`LIVE_MODEL_ID`].
    #[serde(default)]
    pub model_id: Option<String>,
    /// Events per second, in (0, 100].
    pub rate_hz: f64,
    /// How far behind the server clock each event is stamped, <= 600 000.
    #[serde(default)]
    pub lateness_ms: u64,
    /// In (0, 600].
    pub duration_s: f64,
}

/// A started generator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LiveStarted {
    /// Its number (from 1), also the `track_id` of its detections.
    pub generator: u64,
    /// How many events it will insert unless reset first.
    pub count: u64,
}

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
    /// Where a watched secret (see [`RunningBackend::watch_secrets`])
    /// occurred in the request: `<label> in target` or `<label> in header
    /// <name>` (name in lower case). Labels and places only, never values;
    /// left out of the JSON when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets_seen: Vec<String>,
}

/// What the demo backend serves.
#[allow(dead_code)]
pub struct BackendConfig {
    /// The built viewer (Trunk output): index.html, wasm, js, css.
    pub dist_dir: PathBuf,
    /// Demo data: camera.json, events.json, the clip file (required).
    pub data_dir: Option<PathBuf>,
    /// VAS's key as set in its process environment (auth on): every `/api/`
    /// request then needs it in `X-API-Key`; a missing key answers 401, a
    /// wrong one 403, both before CORS and routing, the preflight included,
    /// as VAS does. Survives `reset` (it is configuration, not a fault).
    pub api_key: Option<String>,
    /// Written into `/config.json` as `apiKey`, so that the browser holds the
    /// key and sends it itself (a viewer talking to VAS directly). For the
    /// secrets scan; `cargo xtask run` never sets it (the production server
    /// adds the key on the server side, so the browser never sees one).
    pub viewer_api_key: Option<String>,
    /// Speed of the day camera's clock (`day_recording::DAY_CAMERA_ID`): its
    /// now is the backend's start plus the real time elapsed times this
    /// (above 0, at most `day_recording::MAX_DAY_SPEED`). None: 1.
    pub day_speed: Option<f64>,
}

/// A started backend; dropping it stops it as `stop` does.
#[allow(dead_code)]
pub struct RunningBackend {
    local: SocketAddr,
    /// None once stopped.
    server: Option<serve::Server>,
    state: Arc<State>,
}

#[allow(dead_code)]
impl RunningBackend {
    /// Replaces the active fault modes (see [`Faults`]). Errors name a bad
    /// field; nothing changes then. Emulated mode only.
    pub fn set_faults(&self, faults: Faults) -> Result<(), String> {
        self.state.set_faults(faults)
    }

    /// The active fault modes (`fail_count` is what is left of it).
    pub fn faults(&self) -> Faults {
        self.state.lock().faults.clone()
    }

    /// Stores VAS event objects at run time (all or nothing); they show in
    /// the lists at once. Returns how many were stored. An event whose
    /// `detections` is not an object is a poison row. Emulated mode only.
    pub fn insert_events(&self, events: Vec<Value>) -> Result<usize, String> {
        self.state.insert_events(events)
    }

    /// Starts a live event generator (see [`LiveConfig`]). Emulated mode only.
    pub fn start_live(&self, config: LiveConfig) -> Result<LiveStarted, String> {
        self.state.start_live(&config)
    }

    /// Back to the started state: no faults, no inserted events, generators
    /// stopped (and joined), request log and counters cleared.
    pub fn reset(&self) {
        self.state.reset();
    }

    /// Watches these secrets from now on, as `(label, value)` pairs: every
    /// request whose target (raw or percent-decoded) or any header value
    /// contains a value (case-insensitively) gets `<label> in ...` in its
    /// log entry's `secrets_seen`. Replaces the previous list; a reset keeps
    /// it. Empty values are ignored.
    pub fn watch_secrets(&self, secrets: Vec<(String, String)>) {
        *self.state.watched.lock().unwrap_or_else(|e| e.into_inner()) =
            secrets.into_iter().filter(|(_, v)| !v.is_empty()).collect();
    }

    /// The requests answered since start or the last reset, oldest first
    /// (the last 10 000).
    pub fn request_log(&self) -> Vec<LogEntry> {
        self.state.lock().log.iter().cloned().collect()
    }

    /// The day camera's truth now: its runs, every listed segment's number,
    /// true start and duration, the newest; None without the demo recording.
    pub fn day_truth(&self) -> Option<day_recording::DayTruth> {
        self.state.data.day.as_ref().map(|d| d.truth())
    }

    /// The bound TCP port.
    pub fn port(&self) -> u16 {
        self.local.port()
    }

    /// `http://127.0.0.1:PORT/`
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.local.port())
    }

    /// Stops accepting requests, ends every connection once its current
    /// answer is written (delayed answers are sent at once), stops the live
    /// generators, joins all threads and returns once the listening socket is
    /// closed (the port can be bound again).
    pub fn stop(self) {
        // Drop does the work.
    }

    fn shutdown(&mut self) {
        let Some(mut server) = self.server.take() else {
            return;
        };
        let generators = {
            let mut ctl = self.state.lock();
            ctl.shutting_down = true;
            std::mem::take(&mut ctl.generators)
        };
        self.state.wake.notify_all();
        for generator in generators {
            let _ = generator.join();
        }
        server.stop();
    }
}

impl Drop for RunningBackend {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Loads and validates the demo data (emulated mode), binds `bind` (for
/// example `127.0.0.1:0`), starts the workers and returns at once.
#[allow(dead_code)]
pub fn start(config: BackendConfig, bind: &str) -> io::Result<RunningBackend> {
    start_with_live(config, bind, None)
}

/// `start`, with the live rig's cameras listed beside the data (see the
/// "Live rig" section).
pub fn start_with_live(config: BackendConfig, bind: &str, live: Option<LiveCameras>) -> io::Result<RunningBackend> {
    let Some(dir) = &config.data_dir else {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "demo backend: the emulated VAS needs a data_dir"));
    };
    let mut data = Box::new(DemoData::load(dir)?);
    let day_clock = day_recording::DayClock::start(now_us(), config.day_speed)?;
    data.day = day_recording::DayRecording::load(dir, day_clock)?;
    let demo_dir = Some(data.dir.clone());

    let listener = TcpListener::bind(bind)?;
    let local = listener.local_addr()?;
    let state = Arc::new(State {
        dist_dir: config.dist_dir,
        demo_dir,
        data,
        api_key: config.api_key.filter(|k| !k.is_empty()),
        log: std::env::var("VAS_DEMO_LOG")
            .map(|v| v == "1")
            .unwrap_or(false),
        local_host: format!("127.0.0.1:{}", local.port()),
        control: Mutex::new(Control::default()),
        wake: Condvar::new(),
        live: live.map(LiveStore::new).transpose()?,
        viewer_api_key: config.viewer_api_key.filter(|k| !k.is_empty()),
        watched: Mutex::new(Vec::new()),
    });
    let handler: Arc<serve::Handler> = {
        let state = Arc::clone(&state);
        Arc::new(move |request: &serve::Request, out: &mut serve::Responder| {
            state.handle(request, out)
        })
    };
    let server = serve::Server::start(listener, handler)
        .map_err(|e| io::Error::other(format!("demo backend: cannot start server: {e}")))?;
    Ok(RunningBackend {
        local,
        server: Some(server),
        state,
    })
}

// ---------------------------------------------------------------------------
// Demo data

struct DemoData {
    dir: PathBuf,
    device: Value,
    /// Canonical (lowercase, hyphenated) device id.
    device_id: String,
    /// The device id as written in camera.json.
    device_id_raw: String,
    start: String,
    clip: String,
    /// Newest first; ties keep file order.
    events: Vec<StoredEvent>,
    /// Canonical event id to index in `events`.
    by_id: HashMap<String, usize>,
    /// The frozen `created_at` of the data, given to synthetic rows.
    created_at: String,
    /// The demo recording (`recording/` in the data dir), if present.
    recording: Option<recording::DemoRecording>,
    /// The day camera, made of the demo recording, if present.
    day: Option<day_recording::DayRecording>,
}

struct StoredEvent {
    /// Canonical id.
    id: String,
    ts_us: i64,
    /// Canonical camera id.
    camera_id: String,
    model_id: String,
    /// Stored order: ties keep it when `stable_ties` is on.
    order: u64,
    /// `detections` is not a JSON object: any page holding it fails.
    poison: bool,
    raw: Value,
}

impl StoredEvent {
    /// Validates a VAS event object as VAS would have stored it; errors name
    /// the field.
    fn parse(event: &Value, order: u64) -> Result<StoredEvent, String> {
        if !event.is_object() {
            return Err("must be a JSON object".into());
        }
        let field = |name: &str| -> Result<&str, String> {
            event
                .get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| format!("`{name}` must be a string"))
        };
        let id_raw = field("id")?;
        let id = parse_uuid(id_raw).map_err(|e| format!("`id` {id_raw:?} is not a UUID ({e})"))?;
        let camera_raw = field("camera_id")?;
        let camera_id = parse_uuid(camera_raw)
            .map_err(|e| format!("`camera_id` {camera_raw:?} is not a UUID ({e})"))?;
        let model_id = field("model_id")?.to_string();
        let ts_raw = field("timestamp")?;
        let ts_us = parse_rfc3339(ts_raw)
            .map_err(|e| format!("`timestamp` {ts_raw:?} is not an RFC 3339 time ({e})"))?;
        Ok(StoredEvent {
            id,
            ts_us,
            camera_id,
            model_id,
            order,
            poison: !event.get("detections").is_some_and(Value::is_object),
            raw: event.clone(),
        })
    }
}

fn data_error(path: &Path, what: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("demo data: {}: {}", path.display(), what),
    )
}

fn read_json(path: &Path) -> io::Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("demo data: {}: cannot read: {}", path.display(), e),
        )
    })?;
    serde_json::from_str(&text).map_err(|e| data_error(path, format!("invalid JSON: {e}")))
}

impl DemoData {
    fn load(dir: &Path) -> io::Result<DemoData> {
        if !dir.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("demo data: {}: not a directory", dir.display()),
            ));
        }

        let camera_path = dir.join("camera.json");
        let camera = read_json(&camera_path)?;
        let camera = camera
            .as_object()
            .ok_or_else(|| data_error(&camera_path, "top level must be a JSON object"))?;
        let device = camera
            .get("device")
            .filter(|d| d.is_object())
            .ok_or_else(|| data_error(&camera_path, "`device` must be a VAS device object"))?
            .clone();
        let device_id_raw = device
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| data_error(&camera_path, "`device.id` must be a string"))?
            .to_string();
        let device_id = parse_uuid(&device_id_raw).map_err(|e| {
            data_error(
                &camera_path,
                format!("`device.id` {device_id_raw:?} is not a UUID ({e})"),
            )
        })?;
        let start = camera
            .get("start")
            .and_then(Value::as_str)
            .ok_or_else(|| data_error(&camera_path, "`start` must be an RFC 3339 string"))?
            .to_string();
        parse_rfc3339(&start).map_err(|e| {
            data_error(
                &camera_path,
                format!("`start` {start:?} is not an RFC 3339 time ({e})"),
            )
        })?;
        let clip = camera
            .get("clip")
            .and_then(Value::as_str)
            .ok_or_else(|| data_error(&camera_path, "`clip` must be a file name string"))?
            .to_string();
        let clip_rel = safe_relative_path(&clip, false).ok_or_else(|| {
            data_error(
                &camera_path,
                format!("`clip` {clip:?} must be a relative path inside the data dir"),
            )
        })?;
        if !dir.join(&clip_rel).is_file() {
            return Err(data_error(
                &camera_path,
                format!(
                    "`clip` {clip:?}: file {} does not exist",
                    dir.join(&clip_rel).display()
                ),
            ));
        }

        let events_path = dir.join("events.json");
        let envelope = read_json(&events_path)?;
        let list = envelope
            .get("events")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                data_error(
                    &events_path,
                    "expected a VAS list envelope {\"events\": [...], ...}",
                )
            })?;
        let mut events = Vec::with_capacity(list.len());
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, event) in list.iter().enumerate() {
            let at = |what: String| data_error(&events_path, format!("events[{i}]: {what}"));
            let stored = StoredEvent::parse(event, i as u64).map_err(at)?;
            if let Some(first) = seen.insert(stored.id.clone(), i) {
                return Err(at(format!(
                    "duplicate `id` {:?} (also events[{first}])",
                    event["id"].as_str().unwrap_or_default()
                )));
            }
            events.push(stored);
        }
        // The recording's events join the clip's (before sorting).
        let recording = recording::load(dir)?.map(|(rec, recorded)| {
            events.extend(recorded);
            rec
        });
        // Stable: equal timestamps keep their file order.
        events.sort_by_key(|e| std::cmp::Reverse(e.ts_us));
        let by_id = events
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.clone(), i))
            .collect();
        let created_at = events
            .iter()
            .find_map(|e| e.raw.get("created_at").and_then(Value::as_str))
            .unwrap_or(FROZEN_CREATED_AT)
            .to_string();

        Ok(DemoData {
            dir: dir.to_path_buf(),
            device,
            device_id,
            device_id_raw,
            start,
            clip,
            events,
            by_id,
            created_at,
            recording,
            day: None,
        })
    }
}

// ---------------------------------------------------------------------------
// Request handling

struct State {
    dist_dir: PathBuf,
    demo_dir: Option<PathBuf>,
    data: Box<DemoData>,
    /// VAS's environment key (see [`BackendConfig::api_key`]).
    api_key: Option<String>,
    log: bool,
    local_host: String,
    control: Mutex<Control>,
    /// Wakes generators and delayed replies (on reset and shutdown).
    wake: Condvar,
    /// The live rig's cameras and their events, when the rig runs.
    live: Option<LiveStore>,
    /// `apiKey` of the generated `/config.json`.
    viewer_api_key: Option<String>,
    /// Secrets whose occurrences the log records (see `watch_secrets`).
    watched: Mutex<Vec<(String, String)>>,
}

enum Body {
    Bytes(Vec<u8>),
    File { file: File, len: u64 },
    /// Sent without a `Content-Length` (`chunked_body`).
    Chunked(Vec<u8>),
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Body,
}

impl Reply {
    fn bytes(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: Body::Bytes(body.into()),
        }
    }

    fn text(status: u16, body: &str) -> Reply {
        Reply::bytes(status, "text/plain; charset=utf-8", body)
    }

    fn with(mut self, name: &str, value: impl Into<String>) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }

    fn body_len(&self) -> u64 {
        match &self.body {
            Body::Bytes(bytes) | Body::Chunked(bytes) => bytes.len() as u64,
            Body::File { len, .. } => *len,
        }
    }
}

/// The parts of a request the handlers need, detached from the HTTP layer.
struct Req<'a> {
    method: &'a str,
    /// Raw path as received (still percent-encoded).
    path: &'a str,
    /// Raw query (without `?`), if any.
    query: Option<&'a str>,
    headers: &'a [(String, String)],
}

impl Req<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        header_value(self.headers, name)
    }

    fn is_get_or_head(&self) -> bool {
        self.method == "GET" || self.method == "HEAD"
    }
}

/// The value of the first header named `name` (case-insensitive).
fn header_value<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Splits a request target into raw path and raw query; absolute-form
/// targets (`http://host/path`) are reduced to their path.
fn split_target(target: &str) -> (&str, Option<&str>) {
    let mut rest = target;
    for scheme in ["http://", "https://"] {
        if let Some(after) = rest.strip_prefix(scheme) {
            rest = after.find('/').map_or("/", |i| &after[i..]);
            break;
        }
    }
    let rest = rest.split('#').next().unwrap_or("");
    match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    }
}

/// The run-time state tests switch: faults, inserted rows, generators, log.
#[derive(Default)]
struct Control {
    faults: Faults,
    /// The rows of `faults.poison_at`.
    poison: Vec<StoredEvent>,
    /// Rows stored at run time, in insertion order.
    inserted: Vec<StoredEvent>,
    /// Canonical id to index in `inserted`.
    inserted_ids: HashMap<String, usize>,
    /// Rows stored so far (their stored order).
    insert_seq: u64,
    /// Ids of `insert_between_pages` rows.
    synthetic_seq: u64,
    /// List requests answered: seeds the order of ties.
    list_requests: u64,
    log: VecDeque<LogEntry>,
    log_seq: u64,
    /// Bumped by reset: generators of an older generation stop.
    generation: u64,
    next_generator: u64,
    generators: Vec<JoinHandle<()>>,
    /// Set on stop: delayed answers go out at once, generators end.
    shutting_down: bool,
}

/// Stored order of run-time rows and poison rows: after every row of the
/// data files (ties keep it when `stable_ties` is on).
const INSERTED_ORDER: u64 = 1 << 40;
const POISON_ORDER: u64 = 1 << 50;

impl Control {
    fn store(&mut self, mut event: StoredEvent) {
        event.order = INSERTED_ORDER + self.insert_seq;
        self.insert_seq += 1;
        self.inserted_ids
            .insert(event.id.clone(), self.inserted.len());
        self.inserted.push(event);
    }

    /// Logs an answered request; returns its `seq`.
    fn record(&mut self, mut entry: LogEntry) -> u64 {
        self.log_seq += 1;
        entry.seq = self.log_seq;
        if self.log.len() >= MAX_LOG_ENTRIES {
            self.log.pop_front();
        }
        self.log.push_back(entry);
        self.log_seq
    }

    /// The answer faults that apply to this request; counts it against
    /// `fail_count` when any does.
    fn answer_faults(&mut self, req: &Req, scope: Scope) -> Applied {
        let f = &self.faults;
        if f.path_filter.as_deref().is_some_and(|p| !req.path.contains(p)) || f.fail_count == Some(0) {
            return Applied::default();
        }
        let applied = Applied {
            auth: f.auth,
            bare_500: f.bare_500 && scope != Scope::Preflight,
            db_fault_empty: f.db_fault_empty && matches!(scope, Scope::EventList | Scope::Event),
            delay: f.delay_ms.filter(|&ms| ms > 0).map(Duration::from_millis),
            truncate: f.truncate_body && scope != Scope::Preflight,
            huge_mb: f.huge_body_mb.filter(|_| scope == Scope::EventList),
            chunked: f.chunked_body && scope == Scope::EventList,
            gzip: f.gzip_body && scope == Scope::EventList && accepts_gzip(req),
            huge_playlist_mb: f.huge_playlist_mb.filter(|_| scope == Scope::Playlist),
        };
        if applied.is_empty() {
            return Applied::default();
        }
        if let Some(n) = &mut self.faults.fail_count {
            *n -= 1;
        }
        applied
    }

    /// `insert_between_pages`: stores `k` rows derived from a full page.
    fn insert_between_pages(&mut self, seeds: &[Seed], k: u32, end: Option<i64>, created_at: &str) {
        let Some(top) = seeds.first() else {
            return;
        };
        for j in 0..k as usize {
            if self.inserted.len() >= MAX_INSERTED {
                return;
            }
            let seed = &seeds[(j / 2) % seeds.len()];
            let (ts_us, timestamp) = if j % 2 == 0 {
                let us = end.unwrap_or(top.ts_us + 1000 * (j as i64 / 2 + 1));
                (us, format_vas_time(us))
            } else {
                (seed.ts_us, seed.timestamp.clone())
            };
            let id = loop {
                self.synthetic_seq += 1;
                let id = format!("feedc0de-0000-4000-8000-{:012x}", self.synthetic_seq);
                if !self.inserted_ids.contains_key(&id) {
                    break id;
                }
            };
            let raw = json!({
                "id": id, "camera_id": seed.camera_id, "model_id": seed.model_id,
                "timestamp": timestamp, "frame_id": null,
                "detections": {"detections": [{"class_id": 0, "class_name": "person",
                    "confidence": 0.5, "bbox": [0.4, 0.4, 0.6, 0.9], "track_id": null}]},
                "confidence": 0.5,
                "event_metadata": {"synthetic": "insert_between_pages"},
                "created_at": created_at,
            });
            if let Ok(mut event) = StoredEvent::parse(&raw, 0) {
                event.ts_us = ts_us;
                self.store(event);
            }
        }
    }
}

/// What a row of a full page lends to `insert_between_pages` rows.
struct Seed {
    ts_us: i64,
    timestamp: String,
    camera_id: Value,
    model_id: String,
}

/// Which answer faults can apply to a request.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Preflight,
    EventList,
    Event,
    /// A recording's playlist.
    Playlist,
    Other,
}

/// The answer faults applied to one request.
#[derive(Default)]
struct Applied {
    auth: Option<AuthFault>,
    bare_500: bool,
    db_fault_empty: bool,
    delay: Option<Duration>,
    truncate: bool,
    huge_mb: Option<u32>,
    chunked: bool,
    gzip: bool,
    huge_playlist_mb: Option<u32>,
}

impl Applied {
    fn is_empty(&self) -> bool {
        self.auth.is_none()
            && !self.bare_500
            && !self.db_fault_empty
            && self.delay.is_none()
            && !self.truncate
            && self.huge_mb.is_none()
            && !self.chunked
            && !self.gzip
            && self.huge_playlist_mb.is_none()
    }
}

/// A routed answer and how it came about.
struct Outcome {
    reply: Reply,
    /// Answer this long after the request arrived.
    delay: Option<Duration>,
    fault: Option<String>,
}

impl Outcome {
    fn plain(reply: Reply) -> Outcome {
        Outcome {
            reply,
            delay: None,
            fault: None,
        }
    }
}

/// An error of a control operation: HTTP status and message.
type ControlError = (u16, String);

impl State {
    /// The control state; a panic elsewhere never locks tests out.
    fn lock(&self) -> MutexGuard<'_, Control> {
        self.control.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn emulated(&self) -> Result<&DemoData, ControlError> {
        Ok(&self.data)
    }

    fn handle(self: &Arc<Self>, request: &serve::Request, out: &mut serve::Responder) {
        if self.live_handle(request, out) {
            return;
        }
        let started = Instant::now();
        let method = request.method.to_ascii_uppercase();
        let target = request.target.as_str();
        let (path, query) = split_target(target);

        if path == "/__demo" || path.starts_with("/__demo/") {
            let reply = self.control(&method, path, &request.body);
            let status = reply.status;
            let result = send(out, reply);
            if self.log {
                eprintln!(
                    "demo-backend: {method} {target} -> {status} (control){}",
                    result
                        .err()
                        .map(|e| format!(" [send failed: {e}]"))
                        .unwrap_or_default()
                );
            }
            return;
        }

        let req = Req {
            method: &method,
            path,
            query,
            headers: &request.headers,
        };
        let Outcome {
            reply,
            delay,
            fault,
        } = self.route(&req);
        let status = reply.status;
        // A chunked answer's bytes are logged once they are sent.
        let bytes = if method == "HEAD" || matches!(reply.body, Body::Chunked(_)) {
            0
        } else {
            reply.body_len()
        };
        let seq = self.lock().record(LogEntry {
            seq: 0,
            method: method.clone(),
            target: target.to_string(),
            status,
            api_key_present: req.header("X-API-Key").is_some(),
            bytes,
            fault: fault.clone(),
            secrets_seen: self.secrets_in(target, &request.headers),
        });
        if let Some(delay) = delay {
            // This connection's own thread waits; a stop cuts it short.
            let ctl = self.lock();
            let remaining = (started + delay).saturating_duration_since(Instant::now());
            drop(
                self.wake
                    .wait_timeout_while(ctl, remaining, |c| !c.shutting_down)
                    .unwrap_or_else(|e| e.into_inner()),
            );
        }
        let result = match reply.body {
            Body::Chunked(bytes) => {
                let (sent, result) = out.send_chunked(reply.status, &reply.headers, &mut bytes.as_slice());
                if let Some(entry) = self.lock().log.iter_mut().rev().find(|e| e.seq == seq) {
                    entry.bytes = sent;
                }
                result
            }
            body => send(out, Reply { body, ..reply }),
        };
        if self.log {
            let fault = fault.map(|f| format!(" [fault: {f}]")).unwrap_or_default();
            let failed = match result {
                Ok(()) => String::new(),
                Err(e) => format!(" [send failed: {e}]"),
            };
            eprintln!(
                "demo-backend: {method} {target} -> {status}{fault} in {:.1} ms{failed}",
                started.elapsed().as_secs_f64() * 1000.0
            );
        }
    }

    fn route(&self, req: &Req) -> Outcome {
        if req.path == "/api" || req.path.starts_with("/api/") {
            return self.emulate_api(&self.data, req);
        }
        if req.path == "/config.json" {
            if !req.is_get_or_head() {
                return Outcome::plain(method_not_allowed());
            }
            return Outcome::plain(self.config_json());
        }
        if let Some(rest) = req.path.strip_prefix("/demo/") {
            if !req.is_get_or_head() {
                return Outcome::plain(method_not_allowed());
            }
            let Some(dir) = &self.demo_dir else {
                return Outcome::plain(Reply::text(404, "Not Found"));
            };
            return Outcome::plain(match safe_relative_path(rest, true) {
                Some(rel) if dir.join(&rel).is_file() => {
                    serve_file(&dir.join(rel), req.header("Range"))
                }
                _ => Reply::text(404, "Not Found"),
            });
        }
        Outcome::plain(self.static_file(req))
    }

    /// Where the watched secrets occur in a request (see `watch_secrets`).
    fn secrets_in(&self, target: &str, headers: &[(String, String)]) -> Vec<String> {
        let watched = self.watched.lock().unwrap_or_else(|e| e.into_inner());
        if watched.is_empty() {
            return Vec::new();
        }
        let has = |text: &str, value: &str| text.to_ascii_lowercase().contains(&value.to_ascii_lowercase());
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

    fn host(&self, req: &Req) -> String {
        req.header("Host")
            .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()))
            .unwrap_or(&self.local_host)
            .to_string()
    }

    fn config_json(&self) -> Reply {
        let data = &self.data;
        let clips = json!([{
            "cameraId": data.device_id_raw,
            "src": format!("/demo/{}", encode_path(&data.clip)),
            "start": data.start,
        }]);
        let mut body = json!({"apiBaseUrl": "", "clips": clips});
        if let Some(key) = &self.viewer_api_key {
            body["apiKey"] = json!(key);
        }
        Reply::bytes(200, "application/json", body.to_string()).with("Cache-Control", "no-cache")
    }

    fn static_file(&self, req: &Req) -> Reply {
        if !req.is_get_or_head() {
            return method_not_allowed();
        }
        let rest = req.path.strip_prefix('/').unwrap_or(req.path);
        let Some(rel) = safe_relative_path(rest, true) else {
            return Reply::text(404, "Not Found");
        };
        let full = self.dist_dir.join(&rel);
        if full.is_file() {
            let reply = serve_file(&full, req.header("Range"));
            return if rel.extension().is_some_and(|e| e == "html") {
                reply.with("Cache-Control", "no-cache")
            } else {
                reply
            };
        }
        if full.is_dir() && full.join("index.html").is_file() {
            return serve_file(&full.join("index.html"), None).with("Cache-Control", "no-cache");
        }
        // SPA route: a path whose last segment has no extension.
        if rel.extension().is_none() {
            let index = self.dist_dir.join("index.html");
            if index.is_file() {
                return serve_file(&index, None).with("Cache-Control", "no-cache");
            }
            return Reply::text(
                404,
                &format!(
                    "viewer not built: {} does not exist (run the Trunk build first)",
                    index.display()
                ),
            );
        }
        Reply::text(404, "Not Found")
    }

    // -- emulated VAS -------------------------------------------------------

    /// An `/api/` request in emulated mode, faults included.
    fn emulate_api(&self, data: &DemoData, req: &Req) -> Outcome {
        let route = match_api_route(req.path);
        let scope = match (req.method, &route) {
            ("OPTIONS", _) => Scope::Preflight,
            ("GET", Some(ApiRoute::Events | ApiRoute::CameraEvents(_))) => Scope::EventList,
            ("GET", Some(ApiRoute::Event(_))) => Scope::Event,
            ("GET", None) if recording::is_playlist(req.path) => Scope::Playlist,
            _ => Scope::Other,
        };
        // VAS's auth middleware runs before CORS and routing. A key from its
        // database fails inside it, unhandled; then the environment key
        // (configuration), then the fault's.
        let database_key = self.lock().faults.database_key.clone();
        if database_key.is_some() && req.header("X-API-Key") == database_key.as_deref() {
            return Outcome { fault: Some("database_key".into()), ..Outcome::plain(Reply::text(500, "Internal Server Error")) };
        }
        if let Some(key) = self.api_key.as_deref() {
            let refused = match req.header("X-API-Key") {
                None | Some("") => Some(AuthFault::Missing),
                Some(given) if given != key => Some(AuthFault::Invalid),
                Some(_) => None,
            };
            if let Some(kind) = refused {
                return Outcome { fault: Some("api_key".into()), ..Outcome::plain(auth_reply(kind)) };
            }
        }
        let mut ctl = self.lock();
        if let Some(key) = ctl.faults.required_key.as_deref() {
            let refused = match req.header("X-API-Key") {
                None | Some("") => Some(AuthFault::Missing),
                Some(given) if given != key => Some(AuthFault::Invalid),
                Some(_) => None,
            };
            if let Some(kind) = refused {
                return Outcome {
                    fault: Some("required_key".into()),
                    ..Outcome::plain(auth_reply(kind))
                };
            }
        }
        let applied = ctl.answer_faults(req, scope);
        let mut faults: Vec<&'static str> = Vec::new();
        let mut reply = self.emulate(data, &mut ctl, req, route, &applied, &mut faults);
        drop(ctl);
        if applied.truncate {
            let is_json = reply
                .headers
                .iter()
                .any(|(k, v)| k.eq_ignore_ascii_case("Content-Type") && v == "application/json");
            if let (true, Body::Bytes(bytes)) = (is_json, &mut reply.body) {
                if !bytes.is_empty() {
                    bytes.truncate(bytes.len() / 2);
                    faults.push("truncate_body");
                }
            }
        }
        if let (true, Body::Bytes(bytes)) = (applied.gzip, &mut reply.body) {
            *bytes = gzip(bytes);
            reply.headers.push(("Content-Encoding".into(), "gzip".into()));
            faults.push("gzip_body");
        }
        if let (true, Body::Bytes(bytes)) = (applied.chunked, &mut reply.body) {
            reply.body = Body::Chunked(std::mem::take(bytes));
            faults.push("chunked_body");
        }
        if applied.delay.is_some() {
            faults.push("delay_ms");
        }
        Outcome {
            reply,
            delay: applied.delay,
            fault: (!faults.is_empty()).then(|| faults.join("+")),
        }
    }

    fn emulate(
        &self,
        data: &DemoData,
        ctl: &mut Control,
        req: &Req,
        route: Option<ApiRoute>,
        applied: &Applied,
        faults: &mut Vec<&'static str>,
    ) -> Reply {
        if let Some(kind) = applied.auth {
            faults.push("auth");
            return auth_reply(kind);
        }
        if req.method == "OPTIONS" {
            return preflight(req);
        }
        if applied.bare_500 {
            faults.push("bare_500");
            return Reply::text(500, "Internal Server Error");
        }
        if let Some((reply, fault)) = day_recording::route(data.day.as_ref(), req, &ctl.faults, applied.huge_playlist_mb) {
            faults.extend(fault);
            return reply;
        }
        if let Some((reply, fault)) = recording::route(data.recording.as_ref(), req, &ctl.faults, applied.huge_playlist_mb) {
            faults.extend(fault);
            return reply;
        }
        let route = match route {
            Some(route) => route,
            None => {
                // Starlette redirect_slashes: the same path without the
                // trailing slash names a route.
                if let Some(stripped) = req.path.strip_suffix('/') {
                    if match_api_route(stripped).is_some() {
                        let mut location = format!("http://{}{}", self.host(req), stripped);
                        if let Some(q) = req.query {
                            location.push('?');
                            location.push_str(q);
                        }
                        return api_json(307, &Value::Null, false).with("Location", location);
                    }
                }
                return api_error(404, "Not Found", req.path);
            }
        };
        if req.method != "GET" {
            return api_error(405, "Method Not Allowed", req.path).with("Allow", "GET");
        }
        let query = parse_query(req.query.unwrap_or(""));
        match route {
            ApiRoute::Devices => list_devices(data, &query, req.path),
            ApiRoute::Device(id) => match parse_uuid(&id) {
                Err(e) => {
                    validation_error(vec![uuid_error("path", "device_id", &id, &e)], req.path)
                }
                Ok(id) if id == data.device_id => api_json(200, &data.device, true),
                Ok(_) => api_error(404, "Device not found", req.path),
            },
            ApiRoute::Event(id) => match parse_uuid(&id) {
                Err(e) => validation_error(vec![uuid_error("path", "event_id", &id, &e)], req.path),
                Ok(id) => {
                    let not_found =
                        || api_error(404, &format!("AI event {id} not found"), req.path);
                    if applied.db_fault_empty {
                        faults.push("db_fault_empty");
                        return not_found();
                    }
                    let found = data
                        .by_id
                        .get(&id)
                        .map(|&i| &data.events[i])
                        .or_else(|| ctl.inserted_ids.get(&id).map(|&i| &ctl.inserted[i]))
                        .or_else(|| ctl.poison.iter().find(|p| p.id == id));
                    match found {
                        Some(e) if e.poison => {
                            faults.push("poison");
                            api_error(500, "Internal server error", req.path)
                        }
                        Some(e) => api_json(200, &e.raw, true),
                        None => not_found(),
                    }
                }
            },
            ApiRoute::Events => list_events(data, ctl, &query, None, req.path, applied, faults),
            ApiRoute::CameraEvents(camera) => {
                list_events(data, ctl, &query, Some(&camera), req.path, applied, faults)
            }
        }
    }

    // -- test control -------------------------------------------------------

    /// A `/__demo/` request.
    fn control(self: &Arc<Self>, method: &str, path: &str, body: &[u8]) -> Reply {
        const PATHS: [&str; 5] = [
            "/__demo/faults",
            "/__demo/reset",
            "/__demo/events",
            "/__demo/live",
            "/__demo/log",
        ];
        if method == "OPTIONS" {
            return Reply::bytes(204, "application/json", Vec::new())
                .with("Access-Control-Allow-Origin", "*")
                .with("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
                .with("Access-Control-Allow-Headers", "Content-Type")
                .with("Access-Control-Max-Age", "600");
        }
        let result: Result<Value, ControlError> = match (method, path) {
            ("GET", "/__demo/faults") => self.emulated().map(|_| self.faults_json()),
            ("POST", "/__demo/faults") => parse_body::<Faults>(body)
                .and_then(|f| self.set_faults_inner(f))
                .map(|()| self.faults_json()),
            ("POST", "/__demo/reset") => {
                self.reset();
                Ok(json!({"reset": true}))
            }
            ("POST", "/__demo/events") => parse_body::<Value>(body)
                .and_then(|v| match v {
                    Value::Array(list) => Ok(list),
                    Value::Object(mut o) => match o.remove("events") {
                        Some(Value::Array(list)) => Ok(list),
                        _ => Err((
                            400,
                            "expected an array of events or {\"events\": [...]}".into(),
                        )),
                    },
                    _ => Err((
                        400,
                        "expected an array of events or {\"events\": [...]}".into(),
                    )),
                })
                .and_then(|list| self.insert_events_inner(list))
                .map(|n| json!({"inserted": n, "stored": self.lock().inserted.len()})),
            ("POST", "/__demo/live") => parse_body::<LiveConfig>(body)
                .and_then(|c| self.start_live_inner(&c))
                .map(|started| json!(started)),
            ("GET", "/__demo/log") => Ok(json!(self.lock().log)),
            (_, p) if PATHS.contains(&p) => {
                let allow = match p {
                    "/__demo/faults" => "GET, POST, OPTIONS",
                    "/__demo/log" => "GET, OPTIONS",
                    _ => "POST, OPTIONS",
                };
                return control_reply(405, &json!({"error": "method not allowed"}))
                    .with("Allow", allow);
            }
            _ => Err((
                404,
                format!("no demo control at {path}; see emulator/src/lib.rs"),
            )),
        };
        match result {
            Ok(body) => control_reply(200, &body),
            Err((status, message)) => control_reply(status, &json!({"error": message})),
        }
    }

    /// The active faults as JSON, the required key redacted.
    fn faults_json(&self) -> Value {
        let mut value = json!(self.lock().faults);
        for key in ["required_key", "database_key"] {
            if value[key].is_string() {
                value[key] = json!("<redacted>");
            }
        }
        value
    }

    fn set_faults(&self, faults: Faults) -> Result<(), String> {
        self.set_faults_inner(faults).map_err(|(_, m)| m)
    }

    fn set_faults_inner(&self, faults: Faults) -> Result<(), ControlError> {
        let data = self.emulated()?;
        let bad = |m: String| -> ControlError { (400, m) };
        if faults.delay_ms.is_some_and(|ms| ms > MAX_DELAY_MS) {
            return Err(bad(format!("delay_ms must be at most {MAX_DELAY_MS}")));
        }
        if faults
            .huge_body_mb
            .is_some_and(|mb| mb == 0 || mb > MAX_HUGE_BODY_MB)
        {
            return Err(bad(format!(
                "huge_body_mb must be in 1..={MAX_HUGE_BODY_MB}"
            )));
        }
        if faults.huge_playlist_mb.is_some_and(|mb| mb == 0 || mb > MAX_HUGE_BODY_MB) {
            return Err(bad(format!("huge_playlist_mb must be in 1..={MAX_HUGE_BODY_MB}")));
        }
        if faults
            .insert_between_pages
            .is_some_and(|k| k > MAX_INSERT_BETWEEN_PAGES)
        {
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
        for (name, list) in [("missing_segments", &faults.missing_segments), ("garbage_segments", &faults.garbage_segments)] {
            if list.len() > MAX_SEGMENT_FAULTS {
                return Err(bad(format!("at most {MAX_SEGMENT_FAULTS} {name}")));
            }
            if let Some((i, bad_name)) = list.iter().enumerate().find(|(_, n)| recording::segment_key(n).is_none()) {
                return Err(bad(format!("{name}[{i}]: `{bad_name}` is not `segment-N.ts` or a number N")));
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

    fn insert_events(&self, events: Vec<Value>) -> Result<usize, String> {
        self.insert_events_inner(events).map_err(|(_, m)| m)
    }

    fn insert_events_inner(&self, events: Vec<Value>) -> Result<usize, ControlError> {
        let data = self.emulated()?;
        let mut ctl = self.lock();
        if ctl.inserted.len() + events.len() > MAX_INSERTED {
            return Err((400, format!("at most {MAX_INSERTED} inserted events")));
        }
        let mut parsed: Vec<StoredEvent> = Vec::with_capacity(events.len());
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, event) in events.iter().enumerate() {
            let row =
                StoredEvent::parse(event, 0).map_err(|e| (400, format!("events[{i}]: {e}")))?;
            if data.by_id.contains_key(&row.id) || ctl.inserted_ids.contains_key(&row.id) {
                return Err((
                    409,
                    format!("events[{i}]: duplicate `id` {} (already stored)", row.id),
                ));
            }
            if let Some(first) = seen.insert(row.id.clone(), i) {
                return Err((
                    409,
                    format!(
                        "events[{i}]: duplicate `id` {} (also events[{first}])",
                        row.id
                    ),
                ));
            }
            parsed.push(row);
        }
        let n = parsed.len();
        for row in parsed {
            ctl.store(row);
        }
        Ok(n)
    }

    fn start_live(self: &Arc<Self>, config: &LiveConfig) -> Result<LiveStarted, String> {
        self.start_live_inner(config).map_err(|(_, m)| m)
    }

    fn start_live_inner(
        self: &Arc<Self>,
        config: &LiveConfig,
    ) -> Result<LiveStarted, ControlError> {
        let data = self.emulated()?;
        let bad = |m: String| -> ControlError { (400, m) };
        if !(config.rate_hz.is_finite()
            && config.rate_hz > 0.0
            && config.rate_hz <= MAX_LIVE_RATE_HZ)
        {
            return Err(bad(format!("rate_hz must be in (0, {MAX_LIVE_RATE_HZ}]")));
        }
        if !(config.duration_s.is_finite()
            && config.duration_s > 0.0
            && config.duration_s <= MAX_LIVE_DURATION_S)
        {
            return Err(bad(format!(
                "duration_s must be in (0, {MAX_LIVE_DURATION_S}]"
            )));
        }
        if config.lateness_ms > MAX_LIVE_LATENESS_MS {
            return Err(bad(format!(
                "lateness_ms must be at most {MAX_LIVE_LATENESS_MS}"
            )));
        }
        let count = (config.rate_hz * config.duration_s).ceil() as u64;
        if count > MAX_LIVE_EVENTS {
            return Err(bad(format!(
                "rate_hz * duration_s gives {count} events, more than {MAX_LIVE_EVENTS}"
            )));
        }
        let camera_id = match &config.camera_id {
            Some(c) => {
                parse_uuid(c).map_err(|e| bad(format!("camera_id {c:?} is not a UUID ({e})")))?;
                c.clone()
            }
            None => data.device_id_raw.clone(),
        };
        let model_id = config
            .model_id
            .clone()
            .unwrap_or_else(|| LIVE_MODEL_ID.into());
        if model_id.is_empty() || model_id.chars().count() > 128 {
            return Err(bad("model_id must have 1 to 128 characters".into()));
        }
        let mut ctl = self.lock();
        if ctl.shutting_down {
            return Err((503, "the backend is stopping".into()));
        }
        ctl.generators.retain(|h| !h.is_finished());
        if ctl.generators.len() >= MAX_GENERATORS {
            return Err((
                409,
                format!("at most {MAX_GENERATORS} live generators at once"),
            ));
        }
        ctl.next_generator += 1;
        let generator = Generator {
            number: ctl.next_generator,
            generation: ctl.generation,
            count,
            interval_s: 1.0 / config.rate_hz,
            lateness_us: config.lateness_ms as i64 * 1000,
            camera_id,
            model_id,
            created_at: data.created_at.clone(),
        };
        let number = generator.number;
        let state = Arc::clone(self);
        let handle = std::thread::Builder::new()
            .name(format!("demo-backend-live-{number}"))
            .spawn(move || generator.run(&state))
            .map_err(|e| (500, format!("cannot start the generator: {e}")))?;
        ctl.generators.push(handle);
        Ok(LiveStarted {
            generator: number,
            count,
        })
    }

    fn reset(&self) {
        let generators = {
            let mut ctl = self.lock();
            let generators = std::mem::take(&mut ctl.generators);
            *ctl = Control {
                generation: ctl.generation + 1,
                shutting_down: ctl.shutting_down,
                ..Control::default()
            };
            generators
        };
        self.wake.notify_all();
        for generator in generators {
            let _ = generator.join();
        }
    }
}

/// A running live generator's settings.
struct Generator {
    number: u64,
    generation: u64,
    count: u64,
    interval_s: f64,
    lateness_us: i64,
    camera_id: String,
    model_id: String,
    created_at: String,
}

impl Generator {
    fn run(self, state: &State) {
        let started = Instant::now();
        let mut ctl = state.lock();
        for i in 0..self.count {
            let due = started + Duration::from_secs_f64(i as f64 * self.interval_s);
            loop {
                if ctl.generation != self.generation || ctl.shutting_down {
                    return;
                }
                let now = Instant::now();
                if now >= due {
                    break;
                }
                ctl = match state.wake.wait_timeout(ctl, due - now) {
                    Ok((guard, _)) => guard,
                    Err(poisoned) => poisoned.into_inner().0,
                };
            }
            if ctl.inserted.len() >= MAX_INSERTED {
                return;
            }
            let ts = now_us() - self.lateness_us;
            // A box sweeping left and right once every 8 s of events.
            let phase = (i as f64 * self.interval_s / 8.0).fract();
            let sweep = if phase < 0.5 {
                phase * 2.0
            } else {
                2.0 - phase * 2.0
            };
            let x = ((0.05 + 0.7 * sweep) * 10_000.0).round() / 10_000.0;
            let x2 = ((x + 0.2) * 10_000.0).round() / 10_000.0;
            let raw = json!({
                "id": format!("11fe{:04x}-0000-4000-8000-{:012x}", self.number & 0xffff, i),
                "camera_id": self.camera_id, "model_id": self.model_id,
                "timestamp": format_vas_time(ts), "frame_id": i,
                "detections": {"detections": [{"class_id": 0, "class_name": "person",
                    "confidence": 0.9, "bbox": [x, 0.3, x2, 0.8], "track_id": self.number}]},
                "confidence": 0.9,
                "event_metadata": {"frame_width": 1920, "frame_height": 1080, "generator": self.number},
                "created_at": self.created_at,
            });
            if let Ok(row) = StoredEvent::parse(&raw, 0) {
                if !ctl.inserted_ids.contains_key(&row.id) {
                    ctl.store(row);
                }
            }
        }
    }
}

fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ControlError> {
    serde_json::from_slice(body).map_err(|e| (400, format!("invalid JSON body: {e}")))
}

fn control_reply(status: u16, body: &Value) -> Reply {
    Reply::bytes(status, "application/json", body.to_string())
        .with("Access-Control-Allow-Origin", "*")
        .with("Cache-Control", "no-store")
}

/// VAS's authentication answers: JSON, and no CORS header.
fn auth_reply(kind: AuthFault) -> Reply {
    let (status, detail) = match kind {
        AuthFault::Missing => (401, "API key required. Provide X-API-Key header."),
        AuthFault::Invalid => (403, "Invalid or expired API key"),
    };
    Reply::bytes(
        status,
        "application/json",
        json!({"detail": detail}).to_string(),
    )
}

fn method_not_allowed() -> Reply {
    Reply::text(405, "Method Not Allowed").with("Allow", "GET, HEAD")
}

enum ApiRoute {
    Devices,
    Device(String),
    Events,
    Event(String),
    CameraEvents(String),
}

fn match_api_route(raw_path: &str) -> Option<ApiRoute> {
    let rest = raw_path.strip_prefix("/api/v1/")?;
    let segs: Vec<String> = rest.split('/').map(|s| percent_decode(s, false)).collect();
    if segs.iter().any(String::is_empty) {
        return None;
    }
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    match segs.as_slice() {
        ["devices"] => Some(ApiRoute::Devices),
        ["devices", id] => Some(ApiRoute::Device(id.to_string())),
        ["ai-events"] => Some(ApiRoute::Events),
        ["ai-events", id] => Some(ApiRoute::Event(id.to_string())),
        ["ai-events", "cameras", camera, "events"] => {
            Some(ApiRoute::CameraEvents(camera.to_string()))
        }
        _ => None,
    }
}

fn api_json(status: u16, body: &Value, with_body: bool) -> Reply {
    let bytes = if with_body {
        serde_json::to_vec(body).unwrap_or_default()
    } else {
        Vec::new()
    };
    Reply::bytes(status, "application/json", bytes).with("Access-Control-Allow-Origin", "*")
}

fn api_error(status: u16, message: &str, path: &str) -> Reply {
    api_json(
        status,
        &json!({"error": {"status": status, "message": message, "path": path}}),
        true,
    )
}

fn validation_error(details: Vec<Value>, path: &str) -> Reply {
    api_json(
        422,
        &json!({"error": {"status": 422, "message": "Validation error", "details": details, "path": path}}),
        true,
    )
}

fn preflight(req: &Req) -> Reply {
    let mut allow_headers = String::from("X-API-Key, Content-Type");
    if let Some(requested) = req.header("Access-Control-Request-Headers") {
        if !requested.trim().is_empty() {
            allow_headers = format!("{}, X-API-Key", requested.trim());
        }
    }
    Reply::bytes(204, "application/json", Vec::new())
        .with("Access-Control-Allow-Origin", "*")
        .with("Access-Control-Allow-Methods", "GET, OPTIONS")
        .with("Access-Control-Allow-Headers", allow_headers)
        .with("Access-Control-Max-Age", "600")
}

fn list_devices(data: &DemoData, query: &[(String, String)], path: &str) -> Reply {
    let mut errors = Vec::new();
    let skip = int_param(query, "skip", 0, Some(0), None, &mut errors);
    let limit = int_param(query, "limit", 100, Some(0), None, &mut errors);
    if !errors.is_empty() {
        return validation_error(errors, path);
    }
    let devices: Vec<&Value> = std::iter::once(&data.device)
        .skip(usize::try_from(skip).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect();
    api_json(200, &json!(devices), true)
}

#[derive(Serialize)]
struct ListPage<'a> {
    events: Vec<&'a Value>,
    total: usize,
    limit: i64,
    offset: i64,
}

/// A 64-bit mix (splitmix64 finalizer).
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Rank of a row among its ties in list request number `counter`: VAS has
/// no tie-breaker, so ties come in an order that changes per request, yet is
/// the same for the same sequence of requests.
fn tie_rank(id: &str, counter: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    mix64(h ^ mix64(counter.wrapping_add(0x9e37_79b9_7f4a_7c15)))
}

/// The filters and page of an event list request (the demo's and a live camera's).
struct ListQuery<'a> {
    model: Option<&'a str>,
    start: Option<i64>,
    end: Option<i64>,
    limit: i64,
    offset: i64,
}

impl<'a> ListQuery<'a> {
    /// Reads them as VAS does, in VAS's order; each invalid one adds its 422
    /// detail to `errors`.
    fn parse(query: &'a [(String, String)], errors: &mut Vec<Value>) -> ListQuery<'a> {
        ListQuery {
            model: query_get(query, "model_id"),
            start: time_param(query, "start_time", errors),
            end: time_param(query, "end_time", errors),
            limit: int_param(query, "limit", 100, Some(1), Some(1000), errors),
            offset: int_param(query, "offset", 0, Some(0), None, errors),
        }
    }
}

fn list_events(
    data: &DemoData,
    ctl: &mut Control,
    query: &[(String, String)],
    path_camera: Option<&str>,
    path: &str,
    applied: &Applied,
    faults: &mut Vec<&'static str>,
) -> Reply {
    let mut errors = Vec::new();
    let mut camera: Option<String> = None;
    match path_camera {
        Some(raw) => match parse_uuid(raw) {
            Ok(id) => camera = Some(id),
            Err(e) => errors.push(uuid_error("path", "camera_id", raw, &e)),
        },
        None => {
            if let Some(raw) = query_get(query, "camera_id") {
                match parse_uuid(raw) {
                    Ok(id) => camera = Some(id),
                    Err(e) => errors.push(uuid_error("query", "camera_id", raw, &e)),
                }
            }
        }
    }
    let ListQuery { model, start, end, limit, offset } = ListQuery::parse(query, &mut errors);
    if !errors.is_empty() {
        return validation_error(errors, path);
    }

    if applied.db_fault_empty {
        faults.push("db_fault_empty");
        return api_json(
            200,
            &json!({"events": [], "total": 0, "limit": limit, "offset": offset}),
            true,
        );
    }
    if let Some(mb) = applied.huge_mb {
        faults.push("huge_body_mb");
        let camera = camera.as_deref().unwrap_or(&data.device_id_raw);
        let ts = end.or(start).unwrap_or_else(now_us);
        return huge_list(data, camera, model, ts, limit, offset, mb);
    }

    let counter = ctl.list_requests;
    ctl.list_requests += 1;
    let stable = ctl.faults.stable_ties;
    let between = ctl.faults.insert_between_pages.filter(|&k| k > 0);

    let stored: &Control = ctl;
    let mut matches: Vec<&StoredEvent> = data
        .events
        .iter()
        .chain(&stored.inserted)
        .chain(&stored.poison)
        .filter(|e| camera.as_ref().is_none_or(|c| &e.camera_id == c))
        .filter(|e| model.is_none_or(|m| e.model_id == m))
        .filter(|e| start.is_none_or(|s| e.ts_us >= s))
        .filter(|e| end.is_none_or(|t| e.ts_us <= t))
        .collect();
    // The day camera's rows: generated for this page only, the rest counted.
    let day = day_recording::rows_for(data.day.as_ref(), camera.as_deref(), model, start, end, offset, limit, matches.len());
    matches.extend(&day.rows);
    if stable {
        matches.sort_by_key(|e| (std::cmp::Reverse(e.ts_us), e.order));
    } else {
        matches.sort_by_cached_key(|e| (std::cmp::Reverse(e.ts_us), tie_rank(&e.id, counter)));
    }
    let total = matches.len() + day.skipped_newer + day.skipped_older;
    let rows: Vec<&StoredEvent> = matches
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX).saturating_sub(day.skipped_newer))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect();
    if rows.iter().any(|e| e.poison) {
        // VAS fails serializing the page: the JSON envelope, CORS on.
        faults.push("poison");
        return api_error(500, "Internal server error", path);
    }
    let body = serde_json::to_vec(&ListPage {
        events: rows.iter().map(|e| &e.raw).collect(),
        total,
        limit,
        offset,
    })
    .unwrap_or_default();
    let seeds: Vec<Seed> = match between {
        Some(_) if rows.len() as i64 == limit => rows
            .iter()
            .map(|e| Seed {
                ts_us: e.ts_us,
                timestamp: e.raw["timestamp"].as_str().unwrap_or_default().to_string(),
                camera_id: e.raw["camera_id"].clone(),
                model_id: e.model_id.clone(),
            })
            .collect(),
        _ => Vec::new(),
    };
    if let Some(k) = between.filter(|_| !seeds.is_empty()) {
        ctl.insert_between_pages(&seeds, k, end, &data.created_at);
    }
    Reply::bytes(200, "application/json", body).with("Access-Control-Allow-Origin", "*")
}

/// `huge_body_mb`: a valid list response of `mb` MiB, one synthetic event
/// (matching the query) whose `event_metadata.padding` fills the size.
fn huge_list(
    data: &DemoData,
    camera: &str,
    model: Option<&str>,
    ts: i64,
    limit: i64,
    offset: i64,
    mb: u32,
) -> Reply {
    const MARK: &str = "\"padding\":\"@@padding@@\"";
    let event = json!({
        "id": "b16b0d1e-0000-4000-8000-000000000001", "camera_id": camera,
        "model_id": model.unwrap_or(HUGE_MODEL_ID), "timestamp": format_vas_time(ts),
        "frame_id": null, "detections": {"detections": []}, "confidence": null,
        "event_metadata": {"padding": "@@padding@@"}, "created_at": data.created_at,
    });
    let page = json!({"events": [event], "total": offset + 1, "limit": limit, "offset": offset})
        .to_string();
    let target = mb as usize * 1024 * 1024;
    let Some(at) = page.find(MARK) else {
        return Reply::bytes(200, "application/json", page)
            .with("Access-Control-Allow-Origin", "*");
    };
    let fixed = page.len() - "@@padding@@".len();
    let pad = target.saturating_sub(fixed);
    let mut body = Vec::with_capacity(fixed + pad);
    let value_at = at + MARK.len() - "@@padding@@\"".len();
    body.extend_from_slice(&page.as_bytes()[..value_at]);
    body.resize(body.len() + pad, b'x');
    body.extend_from_slice(&page.as_bytes()[value_at + "@@padding@@".len()..]);
    Reply::bytes(200, "application/json", body).with("Access-Control-Allow-Origin", "*")
}

/// Whether the request's `Accept-Encoding` names gzip (`gzip_body`).
fn accepts_gzip(req: &Req) -> bool {
    req.header("Accept-Encoding")
        .is_some_and(|v| v.split(',').any(|c| c.split(';').next().is_some_and(|c| c.trim().eq_ignore_ascii_case("gzip"))))
}

/// `gzip_body`: the bytes gzip-compressed (at the fastest level: a huge
/// body must not hold up its answer, in a debug build too).
fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

/// The last value of a query parameter (FastAPI reads the last one).
fn query_get<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn detail(
    kind: &str,
    loc: &str,
    name: &str,
    msg: String,
    input: &str,
    ctx: Option<Value>,
) -> Value {
    let mut d = json!({"type": kind, "loc": [loc, name], "msg": msg, "input": input});
    if let Some(ctx) = ctx {
        d["ctx"] = ctx;
    }
    d
}

fn uuid_error(loc: &str, name: &str, input: &str, reason: &str) -> Value {
    detail(
        "uuid_parsing",
        loc,
        name,
        format!("Input should be a valid UUID, {reason}"),
        input,
        Some(json!({"error": reason})),
    )
}

fn time_param(query: &[(String, String)], name: &str, errors: &mut Vec<Value>) -> Option<i64> {
    let raw = query_get(query, name)?;
    match parse_rfc3339(raw) {
        Ok(us) => Some(us),
        Err(reason) => {
            errors.push(detail(
                "datetime_parsing",
                "query",
                name,
                format!("Input should be a valid datetime, {reason}"),
                raw,
                Some(json!({"error": reason})),
            ));
            None
        }
    }
}

fn int_param(
    query: &[(String, String)],
    name: &str,
    default: i64,
    ge: Option<i64>,
    le: Option<i64>,
    errors: &mut Vec<Value>,
) -> i64 {
    let Some(raw) = query_get(query, name) else {
        return default;
    };
    let Some(value) = parse_int(raw) else {
        errors.push(detail(
            "int_parsing",
            "query",
            name,
            "Input should be a valid integer, unable to parse string as an integer".into(),
            raw,
            None,
        ));
        return default;
    };
    if let Some(min) = ge.filter(|&min| value < min) {
        errors.push(detail(
            "greater_than_equal",
            "query",
            name,
            format!("Input should be greater than or equal to {min}"),
            raw,
            Some(json!({"ge": min})),
        ));
        return default;
    }
    if let Some(max) = le.filter(|&max| value > max) {
        errors.push(detail(
            "less_than_equal",
            "query",
            name,
            format!("Input should be less than or equal to {max}"),
            raw,
            Some(json!({"le": max})),
        ));
        return default;
    }
    value
}

/// An integer as pydantic reads one from a string: optional sign, digits,
/// surrounding whitespace, an optional all-zero fraction. Out-of-range values
/// saturate (they fail any bound check anyway).
fn parse_int(raw: &str) -> Option<i64> {
    let t = raw.trim();
    let t = match t.split_once('.') {
        Some((int, frac)) if !frac.is_empty() && frac.bytes().all(|b| b == b'0') => int,
        Some(_) => return None,
        None => t,
    };
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match digits.parse::<i64>() {
        Ok(v) => Some(if negative { -v } else { v }),
        Err(_) => Some(if negative { i64::MIN } else { i64::MAX }),
    }
}

// ---------------------------------------------------------------------------
// Files

fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "mp4" | "m4v" => "video/mp4",
        "webm" => "video/webm",
        "ts" => "video/mp2t",
        "m3u8" => "application/vnd.apple.mpegurl",
        "txt" => "text/plain; charset=utf-8",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// A relative path made only of normal components, or None for anything that
/// could leave its root: `..`, `.`, empty segments (`//`), backslashes, NUL,
/// absolute or prefixed (Windows drive) components. Segments are
/// percent-decoded first, so `%2e%2e` and `%2f` are caught too. With
/// `allow_trailing_slash`, one final empty segment is accepted (and the empty
/// path names the root).
fn safe_relative_path(raw: &str, allow_trailing_slash: bool) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    let segments: Vec<&str> = raw.split('/').collect();
    let last = segments.len() - 1;
    for (i, seg) in segments.iter().enumerate() {
        if seg.is_empty() {
            if i == last && allow_trailing_slash {
                continue;
            }
            return None;
        }
        let decoded = percent_decode(seg, false);
        if decoded.contains(['/', '\\', '\0']) {
            return None;
        }
        let mut components = Path::new(&decoded).components();
        match (components.next(), components.next()) {
            (Some(Component::Normal(c)), None) if c == decoded.as_str() => out.push(c),
            _ => return None,
        }
    }
    Some(out)
}

enum RangeAnswer {
    Full,
    Partial(u64, u64),
    Unsatisfiable,
}

/// A single `bytes=` range; anything else (several ranges, other units, bad
/// syntax) is ignored and the whole file is sent, as RFC 9110 allows.
fn parse_range(header: Option<&str>, len: u64) -> RangeAnswer {
    let Some(header) = header else {
        return RangeAnswer::Full;
    };
    let header = header.trim();
    let Some(spec) = header
        .get(..6)
        .filter(|p| p.eq_ignore_ascii_case("bytes="))
        .map(|_| header[6..].trim())
    else {
        return RangeAnswer::Full;
    };
    if spec.contains(',') {
        return RangeAnswer::Full;
    }
    let Some((a, b)) = spec.split_once('-') else {
        return RangeAnswer::Full;
    };
    let (a, b) = (a.trim(), b.trim());
    let number = |s: &str| -> Option<u64> {
        if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        Some(s.parse::<u64>().unwrap_or(u64::MAX))
    };
    if a.is_empty() {
        // Suffix range: the last n bytes.
        let Some(n) = number(b) else {
            return RangeAnswer::Full;
        };
        if n == 0 || len == 0 {
            return RangeAnswer::Unsatisfiable;
        }
        return RangeAnswer::Partial(len.saturating_sub(n), len - 1);
    }
    let Some(start) = number(a) else {
        return RangeAnswer::Full;
    };
    let end = if b.is_empty() {
        None
    } else {
        match number(b) {
            Some(end) if end >= start => Some(end),
            _ => return RangeAnswer::Full,
        }
    };
    if start >= len {
        return RangeAnswer::Unsatisfiable;
    }
    let end = match end {
        Some(end) => end.min(len - 1),
        None => (len - 1).min(start.saturating_add(OPEN_RANGE_CAP - 1)),
    };
    RangeAnswer::Partial(start, end)
}

fn serve_file(path: &Path, range: Option<&str>) -> Reply {
    let opened = File::open(path).and_then(|f| {
        let len = f.metadata()?.len();
        Ok((f, len))
    });
    let (mut file, len) = match opened {
        Ok(x) => x,
        Err(_) => return Reply::text(404, "Not Found"),
    };
    let ctype = content_type(path);
    match parse_range(range, len) {
        RangeAnswer::Full => Reply {
            status: 200,
            headers: vec![("Content-Type".into(), ctype.into())],
            body: Body::File { file, len },
        }
        .with("Accept-Ranges", "bytes"),
        RangeAnswer::Unsatisfiable => Reply::text(416, "Range Not Satisfiable")
            .with("Content-Range", format!("bytes */{len}"))
            .with("Accept-Ranges", "bytes"),
        RangeAnswer::Partial(start, end) => {
            if file.seek(SeekFrom::Start(start)).is_err() {
                return Reply::text(500, "Internal Server Error");
            }
            Reply {
                status: 206,
                headers: vec![("Content-Type".into(), ctype.into())],
                body: Body::File {
                    file,
                    len: end - start + 1,
                },
            }
            .with("Content-Range", format!("bytes {start}-{end}/{len}"))
            .with("Accept-Ranges", "bytes")
        }
    }
}

fn send(out: &mut serve::Responder, reply: Reply) -> io::Result<()> {
    // A Content-Length (chunked only as a fault), which media elements prefer.
    match reply.body {
        Body::Bytes(bytes) => {
            let len = bytes.len() as u64;
            out.send(reply.status, &reply.headers, &mut bytes.as_slice(), len)
        }
        Body::File { mut file, len } => out.send(reply.status, &reply.headers, &mut file, len),
        Body::Chunked(bytes) => out.send_chunked(reply.status, &reply.headers, &mut bytes.as_slice()).1,
    }
}

// ---------------------------------------------------------------------------
// Live rig: live cameras and their events
//
// The live test rig (`xtask/src/rig/`) runs a real SFU whose feeds stand for
// VAS cameras. The backend lists those cameras beside the demo data and
// serves their events, which the rig posts as its frames are produced, as
// VAS's pipeline would write them:
//
// | request | body | answer |
// | --- | --- | --- |
// | `POST /__live/events` | an array of VAS events of live cameras | `{"inserted": n, "stored": total, "inserted_at_us": when they became listable (server clock)}` |
// | `GET /api/v1/devices` | | the demo's devices, then the live cameras |
// | `GET /api/v1/devices/{live id}` | | that camera |
// | event lists of a live camera | | its events, filtered and paged as VAS does |
//
// Everything else is answered by the sections above. The `GET` answers go
// into the request log as every other section's do (the side door does not).

/// The live cameras: VAS device objects (with a UUID `id`).
#[derive(Clone, Debug, Default)]
pub struct LiveCameras {
    pub devices: Vec<Value>,
}

/// An RFC 3339 time in microseconds since the epoch, as the backend reads `timestamp`.
pub fn parse_time_us(s: &str) -> Option<i64> {
    parse_rfc3339(s).ok()
}

/// Most live events kept; the oldest go first (a long demo run stays bounded).
const MAX_RIG_EVENTS: usize = 200_000;

struct LiveStore {
    /// Canonical ids of the live cameras, in `devices` order.
    ids: Vec<String>,
    devices: Vec<Value>,
    /// (timestamp in us, canonical camera id, model id, event), newest first.
    events: std::sync::Mutex<Vec<(i64, String, String, Value)>>,
}

impl LiveStore {
    fn new(cameras: LiveCameras) -> io::Result<LiveStore> {
        let ids = cameras
            .devices
            .iter()
            .map(|d| {
                let raw = d.get("id").and_then(Value::as_str).unwrap_or_default();
                parse_uuid(raw).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("live camera id {raw:?}: {e}")))
            })
            .collect::<io::Result<Vec<_>>>()?;
        Ok(LiveStore { ids, devices: cameras.devices, events: std::sync::Mutex::new(Vec::new()) })
    }

    fn is_live(&self, raw_id: &str) -> bool {
        parse_uuid(raw_id).is_ok_and(|id| self.ids.contains(&id))
    }

    /// Stores events (all or nothing); each must name a live camera.
    fn insert(&self, body: &[u8]) -> Result<(usize, usize), String> {
        let list: Vec<Value> = serde_json::from_slice(body).map_err(|e| format!("not a JSON array of events: {e}"))?;
        let mut rows = Vec::with_capacity(list.len());
        for (i, e) in list.into_iter().enumerate() {
            let text = |k: &str| e.get(k).and_then(Value::as_str).map(str::to_owned).ok_or(format!("events[{i}]: `{k}` must be a string"));
            let camera = parse_uuid(&text("camera_id")?).map_err(|err| format!("events[{i}]: camera_id: {err}"))?;
            if !self.ids.contains(&camera) {
                return Err(format!("events[{i}]: camera {camera} is not a live camera"));
            }
            let ts = parse_rfc3339(&text("timestamp")?).map_err(|err| format!("events[{i}]: timestamp: {err}"))?;
            rows.push((ts, camera, text("model_id")?, e));
        }
        let mut events = self.events.lock().unwrap_or_else(|p| p.into_inner());
        let n = rows.len();
        events.extend(rows);
        events.sort_by_key(|r| std::cmp::Reverse(r.0));
        events.truncate(MAX_RIG_EVENTS);
        Ok((n, events.len()))
    }

    /// An event list of one live camera, as `list_events` answers for the demo data.
    fn list(&self, camera: &str, query: &[(String, String)], path: &str) -> Reply {
        let mut errors = Vec::new();
        let ListQuery { model, start, end, limit, offset } = ListQuery::parse(query, &mut errors);
        if !errors.is_empty() {
            return validation_error(errors, path);
        }
        let camera = parse_uuid(camera).unwrap_or_default();
        let events = self.events.lock().unwrap_or_else(|p| p.into_inner());
        let matches: Vec<&Value> = events
            .iter()
            .filter(|(ts, cam, m, _)| {
                *cam == camera && model.is_none_or(|x| x == m) && start.is_none_or(|s| *ts >= s) && end.is_none_or(|t| *ts <= t)
            })
            .map(|r| &r.3)
            .collect();
        let page: Vec<&Value> = matches
            .iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .copied()
            .collect();
        api_json(200, &json!({"events": page, "total": matches.len(), "limit": limit, "offset": offset}), true)
    }
}

impl State {
    /// Answers the live rig's requests; returns false for every other request.
    fn live_handle(&self, request: &serve::Request, out: &mut serve::Responder) -> bool {
        let Some(live) = &self.live else { return false };
        let target = request.target.as_str();
        let (path, query) = split_target(target);
        let method = request.method.to_ascii_uppercase();
        let reply = if path == "/__live/events" && method == "POST" {
            match live.insert(&request.body) {
                Ok((n, total)) => api_json(200, &json!({"inserted": n, "stored": total, "inserted_at_us": now_us()}), true),
                Err(e) => api_json(400, &json!({"error": e}), true),
            }
        } else if method != "GET" {
            return false;
        } else {
            let q = parse_query(query.unwrap_or(""));
            match match_api_route(path) {
                Some(ApiRoute::Devices) => {
                    // The demo's answer, then the live cameras.
                    let req = Req { method: &method, path, query, headers: &request.headers };
                    let outcome = self.route(&req);
                    let mut list: Vec<Value> = match &outcome.reply.body {
                        Body::Bytes(b) if outcome.reply.status == 200 => serde_json::from_slice(b).unwrap_or_default(),
                        _ => return false,
                    };
                    list.extend(live.devices.iter().cloned());
                    api_json(200, &json!(list), true)
                }
                Some(ApiRoute::Device(id)) if live.is_live(&id) => {
                    let i = live.ids.iter().position(|x| parse_uuid(&id).is_ok_and(|id| &id == x)).unwrap_or(0);
                    api_json(200, &live.devices[i], true)
                }
                Some(ApiRoute::CameraEvents(camera)) if live.is_live(&camera) => live.list(&camera, &q, path),
                Some(ApiRoute::Events) if query_get(&q, "camera_id").is_some_and(|c| live.is_live(c)) => {
                    let camera = query_get(&q, "camera_id").unwrap_or_default().to_owned();
                    live.list(&camera, &q, path)
                }
                _ => return false,
            }
        };
        if method == "GET" {
            let api_key_present = header_value(&request.headers, "X-API-Key").is_some();
            let secrets_seen = self.secrets_in(target, &request.headers);
            let entry = LogEntry { seq: 0, method, target: target.to_string(), status: reply.status, api_key_present, bytes: reply.body_len(), fault: None, secrets_seen };
            self.lock().record(entry);
        }
        let _ = send(out, reply);
        true
    }
}

// ---------------------------------------------------------------------------
// Small parsers

/// Percent-decodes `s`; with `plus_as_space`, `+` becomes a space (form
/// encoding, as query strings are read by VAS). Invalid escapes are kept
/// as-is; invalid UTF-8 becomes U+FFFD.
fn percent_decode(s: &str, plus_as_space: bool) -> String {
    fn hex(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_as_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes a relative path for use in a URL (keeps `/`).
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Query pairs in order, keys and values percent-decoded with `+` as space;
/// blank values are kept.
fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

/// A UUID in canonical form (lowercase, hyphenated). Accepts what Python's
/// `uuid.UUID` accepts: optional `urn:uuid:` prefix, optional braces, 32 hex
/// digits with or without hyphens.
fn parse_uuid(s: &str) -> Result<String, String> {
    let mut t = s.trim();
    if t.len() >= 9 && t[..9].eq_ignore_ascii_case("urn:uuid:") {
        t = &t[9..];
    }
    let t = t.strip_prefix('{').unwrap_or(t);
    let t = t.strip_suffix('}').unwrap_or(t);
    let hex: String = t.chars().filter(|&c| c != '-').collect();
    if let Some(bad) = hex.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(format!("invalid character: found `{bad}`"));
    }
    if hex.len() != 32 {
        return Err(format!(
            "invalid length: expected 32 hex digits, found {}",
            hex.len()
        ));
    }
    let h = hex.to_ascii_lowercase();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

/// Parses an RFC 3339 date-time to microseconds since the Unix epoch.
///
/// `YYYY-MM-DD(T|t| )HH:MM:SS[.fraction][Z|z|+hh:mm|-hh:mm]`; the fraction has
/// 1 to 9 digits (digits past the microsecond are truncated); a time without a
/// zone is read as UTC (the local zone of this server). Errors read like the
/// ones VAS reports ("invalid timezone sign" for `+` decoded to a space).
///
/// Not the core's `parse_rfc3339`, which is the viewer's: this one accepts
/// what VAS accepts (a time without a zone) and refuses what VAS refuses
/// (second 60, fractions past 9 digits), with VAS's reasons. The calendar
/// arithmetic is the core's.
fn parse_rfc3339(s: &str) -> Result<i64, &'static str> {
    let b = s.as_bytes();
    if b.len() < 19 {
        return Err("input is too short");
    }
    let num = |range: std::ops::Range<usize>, err: &'static str| -> Result<i64, &'static str> {
        let mut v = 0i64;
        for &c in &b[range] {
            if !c.is_ascii_digit() {
                return Err(err);
            }
            v = v * 10 + i64::from(c - b'0');
        }
        Ok(v)
    };
    let year = num(0..4, "invalid character in year")?;
    if b[4] != b'-' {
        return Err("invalid date separator, expected `-`");
    }
    let month = num(5..7, "invalid character in month")?;
    if b[7] != b'-' {
        return Err("invalid date separator, expected `-`");
    }
    let day = num(8..10, "invalid character in day")?;
    if !(1..=12).contains(&month) {
        return Err("month value is outside expected range of 1-12");
    }
    if day < 1 || day > days_in_month(year, month) {
        return Err("day value is outside expected range");
    }
    if !matches!(b[10], b'T' | b't' | b' ') {
        return Err("invalid datetime separator, expected `T`, `t` or space");
    }
    let hour = num(11..13, "invalid character in hour")?;
    if b[13] != b':' {
        return Err("invalid time separator, expected `:`");
    }
    let minute = num(14..16, "invalid character in minute")?;
    if b[16] != b':' {
        return Err("invalid time separator, expected `:`");
    }
    let second = num(17..19, "invalid character in second")?;
    if hour > 23 {
        return Err("hour value is outside expected range of 0-23");
    }
    if minute > 59 {
        return Err("minute value is outside expected range of 0-59");
    }
    if second > 59 {
        return Err("second value is outside expected range of 0-59");
    }

    let mut pos = 19;
    let mut micros = 0i64;
    if b.get(pos) == Some(&b'.') {
        pos += 1;
        let digits_start = pos;
        while pos < b.len() && b[pos].is_ascii_digit() {
            pos += 1;
        }
        let n = pos - digits_start;
        if n == 0 {
            return Err("invalid character in second fraction");
        }
        if n > 9 {
            return Err("second fraction value is more than 9 digits long");
        }
        for i in 0..6 {
            let d = if i < n {
                i64::from(b[digits_start + i] - b'0')
            } else {
                0
            };
            micros = micros * 10 + d;
        }
    }

    let offset_seconds = match b.get(pos) {
        None => 0,
        Some(b'Z' | b'z') => {
            pos += 1;
            0
        }
        Some(&sign @ (b'+' | b'-')) => {
            if b.len() < pos + 6 {
                return Err("invalid timezone hour or minute");
            }
            let oh = num(pos + 1..pos + 3, "invalid timezone hour")?;
            if b[pos + 3] != b':' {
                return Err("invalid timezone separator, expected `:`");
            }
            let om = num(pos + 4..pos + 6, "invalid timezone minute")?;
            if oh > 23 {
                return Err("timezone offset hour must be less than 24");
            }
            if om > 59 {
                return Err("timezone offset minute must be less than 60");
            }
            pos += 6;
            let seconds = oh * 3600 + om * 60;
            if sign == b'-' {
                -seconds
            } else {
                seconds
            }
        }
        Some(_) => return Err("invalid timezone sign"),
    };
    if pos != b.len() {
        return Err("unexpected extra characters at the end of the input");
    }

    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
    Ok(seconds * 1_000_000 + micros)
}

/// Microseconds since the Unix epoch, server clock.
fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A time as VAS writes it: UTC with `Z`, a 6-digit fraction only when it
/// is not zero (the core's formatter).
fn format_vas_time(us: i64) -> String {
    format_rfc3339_utc(UnixMicros(us))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const CAM_A: &str = "9d3f2b1a-6c4e-4b8a-a1f0-2e7d5c9b3a10";
    const CAM_B: &str = "11111111-2222-4333-8444-555555555555";
    const ABSENT: &str = "00000000-0000-4000-8000-000000000000";
    const CLIP_LEN: usize = 1000;

    fn eid(n: u32) -> String {
        format!("0b6f7a52-3c1e-4f0a-9d2b-7e5c4a1f8e0{n}")
    }

    fn device() -> Value {
        json!({
            "id": CAM_A, "name": "Demo camera", "description": null,
            "rtsp_url": "rtsp://user:secret@10.0.0.1/stream", "is_active": true,
            "location": null, "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z"
        })
    }

    fn event(n: u32, camera: &str, model: &str, ts: &str) -> Value {
        json!({
            "id": eid(n), "camera_id": camera, "model_id": model, "timestamp": ts,
            "frame_id": n, "confidence": 0.91,
            "detections": {"detections": [{"class_id": 0, "class_name": "person",
                "confidence": 0.91, "bbox": [0.10, 0.20, 0.30, 0.80], "track_id": n}]},
            "event_metadata": if matches!(n, 2 | 4 | 6) { json!(null) } else { json!({"frame_width": 1920, "frame_height": 1080}) },
            "created_at": "2026-01-01T00:00:00Z"
        })
    }

    /// In file order (deliberately unsorted). Newest first is 5, 6 (a tie:
    /// file order with `stable_ties`, else shuffled per request), 4, 3, 2, 1.
    fn events() -> Vec<Value> {
        vec![
            event(3, CAM_A, "m2", "2026-01-05T12:00:01Z"),
            event(5, CAM_A, "m1", "2026-01-05T12:00:03.500000Z"),
            event(1, CAM_A, "m1", "2026-01-05T12:00:00Z"),
            event(6, CAM_A, "m1", "2026-01-05T12:00:03.5Z"),
            event(4, CAM_B, "m1", "2026-01-05T12:00:02Z"),
            event(2, CAM_A, "m1", "2026-01-05T12:00:00.200000Z"),
        ]
    }

    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> TempDir {
            static COUNTER: AtomicUsize = AtomicUsize::new(0);
            let n = COUNTER.fetch_add(1, Ordering::SeqCst);
            let dir =
                std::env::temp_dir().join(format!("xtask-demo-backend-{}-{n}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(dir.join("data")).unwrap();
            std::fs::create_dir_all(dir.join("dist/assets")).unwrap();
            TempDir(dir)
        }
        fn data(&self) -> PathBuf {
            self.0.join("data")
        }
        fn dist(&self) -> PathBuf {
            self.0.join("dist")
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn clip_bytes() -> Vec<u8> {
        (0..CLIP_LEN).map(|i| (i % 251) as u8).collect()
    }

    fn write_json(path: &Path, value: &Value) {
        std::fs::write(path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
    }

    /// `camera.json` of the test data, changed by `change` first.
    fn write_camera_with(dir: &Path, change: impl FnOnce(&mut Value)) {
        let mut camera = json!({"device": device(), "start": "2026-01-05T12:00:00Z", "clip": "clip.mp4"});
        change(&mut camera);
        write_json(&dir.join("camera.json"), &camera);
    }

    /// `events.json` with the test events, changed by `change` first.
    fn write_events_with(dir: &Path, change: impl FnOnce(&mut Vec<Value>)) {
        let mut list = events();
        change(&mut list);
        write_json(&dir.join("events.json"), &json!({"events": list}));
    }

    fn write_data(dir: &Path) {
        write_camera_with(dir, |_| {});
        write_json(
            &dir.join("events.json"),
            &json!({"events": events(), "total": 6, "limit": 100, "offset": 0}),
        );
        std::fs::write(dir.join("clip.mp4"), clip_bytes()).unwrap();
    }

    fn write_dist(dir: &Path) {
        let files: &[(&str, &[u8])] = &[
            ("index.html", b"<!doctype html><title>viewer</title>"),
            ("app.js", b"export {};"),
            ("app_bg.wasm", b"\0asm\x01\0\0\0"),
            ("style.css", b"body{}"),
            ("assets/icon.svg", b"<svg/>"),
            ("assets/logo.png", b"\x89PNG"),
            ("assets/data.json", b"{}"),
            ("assets/seg.ts", b"G"),
            ("assets/list.m3u8", b"#EXTM3U"),
            ("assets/movie.mp4", b"mp4"),
        ];
        for (name, body) in files {
            std::fs::write(dir.join(name), body).unwrap();
        }
    }

    /// An emulating backend's configuration (no data dir: refused at start).
    fn emulated_config(dist_dir: PathBuf, data_dir: Option<PathBuf>) -> BackendConfig {
        BackendConfig { dist_dir, data_dir, api_key: None, viewer_api_key: None, day_speed: None }
    }

    struct Fixture {
        backend: RunningBackend,
        _dir: TempDir,
    }

    impl Fixture {
        fn emulated() -> Fixture {
            let dir = TempDir::new();
            write_data(&dir.data());
            write_dist(&dir.dist());
            let backend = start(emulated_config(dir.dist(), Some(dir.data())), "127.0.0.1:0").unwrap();
            Fixture { backend, _dir: dir }
        }

        /// An emulating backend with these faults on.
        fn with_faults(faults: Faults) -> Fixture {
            let f = Fixture::emulated();
            f.set(faults);
            f
        }


        fn url(&self, path: &str) -> String {
            format!("http://127.0.0.1:{}{}", self.backend.port(), path)
        }

        fn get(&self, path: &str) -> Resp {
            request("GET", &self.url(path), &[])
        }

        fn stable_ties(&self) {
            self.set(Faults {
                stable_ties: true,
                ..Faults::default()
            });
        }

        fn set(&self, faults: Faults) {
            self.backend.set_faults(faults).unwrap();
        }
    }

    struct Resp {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    }

    impl Resp {
        fn header(&self, name: &str) -> Option<&str> {
            header_value(&self.headers, name)
        }
        fn json(&self) -> Value {
            serde_json::from_slice(&self.body).unwrap_or_else(|e| {
                panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body))
            })
        }
        fn ids(&self) -> Vec<String> {
            self.json()["events"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_str().unwrap().to_string())
                .collect()
        }
    }

    fn request(method: &str, url: &str, headers: &[(&str, &str)]) -> Resp {
        send_request(method, url, headers, None)
    }

    /// A POST with a JSON body.
    fn post(url: &str, body: &str) -> Resp {
        send_request(
            "POST",
            url,
            &[("Content-Type", "application/json")],
            Some(body),
        )
    }

    fn send_request(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>) -> Resp {
        let agent = ureq::AgentBuilder::new()
            .redirects(0)
            .timeout(Duration::from_secs(10))
            .build();
        let mut req = agent.request(method, url);
        for (k, v) in headers {
            req = req.set(k, v);
        }
        let sent = match body {
            Some(body) => req.send_string(body),
            None => req.call(),
        };
        let response = match sent {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {url}: {e}"),
        };
        let status = response.status();
        let headers = response
            .headers_names()
            .into_iter()
            .map(|n| {
                let v = response.header(&n).unwrap_or("").to_string();
                (n, v)
            })
            .collect();
        let mut body = Vec::new();
        response.into_reader().read_to_end(&mut body).unwrap();
        Resp {
            status,
            headers,
            body,
        }
    }

    /// A raw request, for targets an HTTP client library would normalize.
    fn raw_status(port: u16, target: &str) -> u16 {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(
            s,
            "GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out.split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("no status line for {target}: {out:?}"))
    }

    fn assert_api_headers(r: &Resp) {
        assert_eq!(r.header("Content-Type"), Some("application/json"));
        assert_eq!(r.header("Access-Control-Allow-Origin"), Some("*"));
    }

    fn ids(ns: &[u32]) -> Vec<String> {
        ns.iter().map(|&n| eid(n)).collect()
    }

    // -- unit: parsers ------------------------------------------------------

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

    #[test]
    fn list_filters_ordering_and_paging() {
        let f = Fixture::emulated();
        // Ties in stored order (as PostgreSQL gave them), so that pages are exact.
        f.stable_ties();
        // query, expected ids in order, total, limit, offset
        let cases: &[(&str, &[u32], usize, i64, i64)] = &[
            ("", &[5, 6, 4, 3, 2, 1], 6, 100, 0),
            (&format!("?camera_id={CAM_A}"), &[5, 6, 3, 2, 1], 5, 100, 0),
            (
                &format!("?camera_id={}", CAM_A.to_uppercase()),
                &[5, 6, 3, 2, 1],
                5,
                100,
                0,
            ),
            (&format!("?camera_id={CAM_B}"), &[4], 1, 100, 0),
            (&format!("?camera_id={ABSENT}"), &[], 0, 100, 0),
            ("?model_id=m2", &[3], 1, 100, 0),
            ("?model_id=m", &[], 0, 100, 0),
            ("?model_id=", &[], 0, 100, 0),
            // inclusive on both ends
            (
                "?start_time=2026-01-05T12:00:00.200000Z&end_time=2026-01-05T12:00:01Z",
                &[3, 2],
                2,
                100,
                0,
            ),
            (
                "?start_time=2026-01-05T12:00:00.2Z&end_time=2026-01-05T12:00:00.2Z",
                &[2],
                1,
                100,
                0,
            ),
            ("?start_time=2026-01-05T12:00:03.5Z", &[5, 6], 2, 100, 0),
            ("?end_time=2026-01-05T12:00:00Z", &[1], 1, 100, 0),
            (
                "?start_time=2026-01-05T12:00:00.000001Z&end_time=2026-01-05T12:00:00.199999Z",
                &[],
                0,
                100,
                0,
            ),
            // explicit offsets; %2B is a real plus
            (
                "?start_time=2026-01-05T13:00:00.2%2B01:00&end_time=2026-01-05T07:00:01-05:00",
                &[3, 2],
                2,
                100,
                0,
            ),
            ("?start_time=2026-01-05T12%3A00%3A03.5Z", &[5, 6], 2, 100, 0),
            // no zone: UTC here
            ("?start_time=2026-01-05T12:00:02", &[5, 6, 4], 3, 100, 0),
            // paging: total ignores limit/offset
            ("?limit=2", &[5, 6], 6, 2, 0),
            ("?limit=2&offset=2", &[4, 3], 6, 2, 2),
            ("?limit=2&offset=5", &[1], 6, 2, 5),
            ("?offset=6", &[], 6, 100, 6),
            ("?offset=1000000", &[], 6, 100, 1_000_000),
            ("?limit=1000", &[5, 6, 4, 3, 2, 1], 6, 1000, 0),
            ("?limit=1", &[5], 6, 1, 0),
            // the last value of a repeated parameter wins
            ("?limit=1&limit=3", &[5, 6, 4], 6, 3, 0),
            (
                &format!("?model_id=m1&camera_id={CAM_A}&limit=2&offset=1"),
                &[6, 2],
                4,
                2,
                1,
            ),
        ];
        for (query, want, total, limit, offset) in cases {
            let r = f.get(&format!("/api/v1/ai-events{query}"));
            assert_eq!(
                r.status,
                200,
                "{query}: {}",
                String::from_utf8_lossy(&r.body)
            );
            assert_api_headers(&r);
            assert_eq!(r.ids(), ids(want), "{query}");
            let body = r.json();
            assert_eq!(body["total"], json!(total), "{query}");
            assert_eq!(body["limit"], json!(limit), "{query}");
            assert_eq!(body["offset"], json!(offset), "{query}");
            let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
            assert_eq!(keys.len(), 4, "{query}");
        }
    }

    #[test]
    fn camera_endpoint_equals_camera_filter() {
        let f = Fixture::emulated();
        f.stable_ties();
        let cases: &[(&str, &[u32], usize)] = &[
            ("", &[5, 6, 3, 2, 1], 5),
            ("?model_id=m2", &[3], 1),
            ("?limit=2&offset=1", &[6, 3], 5),
            ("?end_time=2026-01-05T12:00:00.2Z", &[2, 1], 2),
            // camera_id in the query is not a filter of this endpoint
            (&format!("?camera_id={CAM_B}"), &[5, 6, 3, 2, 1], 5),
        ];
        for (query, want, total) in cases {
            let r = f.get(&format!("/api/v1/ai-events/cameras/{CAM_A}/events{query}"));
            assert_eq!(r.status, 200, "{query}");
            assert_api_headers(&r);
            assert_eq!(r.ids(), ids(want), "{query}");
            assert_eq!(r.json()["total"], json!(total), "{query}");
        }
        let r = f.get(&format!("/api/v1/ai-events/cameras/{ABSENT}/events"));
        assert_eq!((r.status, r.json()["total"].clone()), (200, json!(0)));
    }

    #[test]
    fn validation_errors() {
        let f = Fixture::emulated();
        let list = "/api/v1/ai-events";
        // path and query, loc, type, text in msg
        let cases: &[(String, [&str; 2], &str, &str)] = &[
            (
                format!("{list}?limit=0"),
                ["query", "limit"],
                "greater_than_equal",
                "greater than or equal to 1",
            ),
            (
                format!("{list}?limit=1001"),
                ["query", "limit"],
                "less_than_equal",
                "less than or equal to 1000",
            ),
            (
                format!("{list}?limit=-5"),
                ["query", "limit"],
                "greater_than_equal",
                "1",
            ),
            (
                format!("{list}?limit="),
                ["query", "limit"],
                "int_parsing",
                "valid integer",
            ),
            (
                format!("{list}?limit=ten"),
                ["query", "limit"],
                "int_parsing",
                "valid integer",
            ),
            (
                format!("{list}?offset=-1"),
                ["query", "offset"],
                "greater_than_equal",
                "greater than or equal to 0",
            ),
            (
                format!("{list}?offset=1.5"),
                ["query", "offset"],
                "int_parsing",
                "valid integer",
            ),
            (
                format!("{list}?start_time=yesterday"),
                ["query", "start_time"],
                "datetime_parsing",
                "valid datetime",
            ),
            (
                format!("{list}?end_time=2026-01-05T25:00:00Z"),
                ["query", "end_time"],
                "datetime_parsing",
                "hour",
            ),
            // unencoded `+` arrives as a space
            (
                format!("{list}?start_time=2026-01-05T13:00:00+01:00"),
                ["query", "start_time"],
                "datetime_parsing",
                "invalid timezone sign",
            ),
            (
                format!("{list}?camera_id=cam-1"),
                ["query", "camera_id"],
                "uuid_parsing",
                "valid UUID",
            ),
            (
                format!("{list}/cameras/cam-1/events"),
                ["path", "camera_id"],
                "uuid_parsing",
                "valid UUID",
            ),
            (
                format!("{list}/cameras/{CAM_A}/events?limit=1001"),
                ["query", "limit"],
                "less_than_equal",
                "1000",
            ),
            (
                format!("{list}/not-a-uuid"),
                ["path", "event_id"],
                "uuid_parsing",
                "valid UUID",
            ),
            (
                "/api/v1/devices/xyz".to_string(),
                ["path", "device_id"],
                "uuid_parsing",
                "valid UUID",
            ),
            (
                "/api/v1/devices?skip=a".to_string(),
                ["query", "skip"],
                "int_parsing",
                "valid integer",
            ),
        ];
        for (target, loc, kind, msg) in cases {
            let r = f.get(target);
            assert_eq!(r.status, 422, "{target}");
            assert_api_headers(&r);
            let body = r.json();
            let err = &body["error"];
            assert_eq!(err["status"], json!(422), "{target}");
            assert_eq!(err["message"], json!("Validation error"), "{target}");
            let path = target.split('?').next().unwrap();
            assert_eq!(err["path"], json!(path), "{target}");
            let details = err["details"].as_array().unwrap();
            assert_eq!(details.len(), 1, "{target}: {details:?}");
            assert_eq!(details[0]["loc"], json!(loc), "{target}");
            assert_eq!(details[0]["type"], json!(kind), "{target}");
            let text = details[0]["msg"].as_str().unwrap();
            assert!(text.contains(msg), "{target}: {text}");
        }
        // Every bad parameter is reported at once.
        let r = f.get(&format!("{list}?limit=0&offset=-1&start_time=x"));
        assert_eq!(r.status, 422);
        let details = r.json()["error"]["details"].as_array().unwrap().clone();
        let locs: Vec<&Value> = details.iter().map(|d| &d["loc"][1]).collect();
        assert_eq!(
            locs,
            [&json!("start_time"), &json!("limit"), &json!("offset")]
        );
    }

    #[test]
    fn single_event_devices_and_not_found() {
        let f = Fixture::emulated();
        let originals = events();
        for original in &originals {
            let id = original["id"].as_str().unwrap();
            let r = f.get(&format!("/api/v1/ai-events/{id}"));
            assert_eq!(r.status, 200, "{id}");
            assert_api_headers(&r);
            assert_eq!(&r.json(), original, "{id}");
        }
        // Non-canonical spelling of an existing id.
        let r = f.get(&format!("/api/v1/ai-events/{}", eid(3).to_uppercase()));
        assert_eq!(r.json(), originals[0]);
        // List entries are the stored events unchanged.
        let listed = f.get("/api/v1/ai-events").json();
        assert!(listed["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| originals.contains(e)));

        let r = f.get("/api/v1/devices?skip=0&limit=100");
        assert_eq!(r.status, 200);
        assert_api_headers(&r);
        assert_eq!(r.json(), json!([device()]));
        assert_eq!(f.get("/api/v1/devices").json(), json!([device()]));
        assert_eq!(f.get("/api/v1/devices?skip=1").json(), json!([]));
        assert_eq!(f.get("/api/v1/devices?limit=0").json(), json!([]));
        let r = f.get(&format!("/api/v1/devices/{CAM_A}"));
        assert_eq!((r.status, r.json()), (200, device()));

        let not_found: &[(String, String)] = &[
            (
                format!("/api/v1/ai-events/{ABSENT}"),
                format!("AI event {ABSENT} not found"),
            ),
            (
                format!("/api/v1/devices/{ABSENT}"),
                "Device not found".into(),
            ),
            ("/api/v1/nothing-here".into(), "Not Found".into()),
            ("/api/v2/ai-events".into(), "Not Found".into()),
            ("/api".into(), "Not Found".into()),
            (
                "/api/v1/recordings/devices/x/dates".into(),
                "Not Found".into(),
            ),
            (
                format!("/api/v1/ai-events/cameras/{CAM_A}/events/extra"),
                "Not Found".into(),
            ),
        ];
        for (path, message) in not_found {
            let r = f.get(path);
            assert_eq!(r.status, 404, "{path}");
            assert_api_headers(&r);
            assert_eq!(
                r.json(),
                json!({"error": {"status": 404, "message": message, "path": path}}),
                "{path}"
            );
        }
    }

    #[test]
    fn trailing_slash_redirects_methods_and_preflight() {
        let f = Fixture::emulated();
        let port = f.backend.port();
        let cases: &[(&str, String)] = &[
            ("/api/v1/ai-events/", format!("http://127.0.0.1:{port}/api/v1/ai-events")),
            (
                "/api/v1/ai-events/?limit=5&start_time=2026-01-05T12:00:00%2B01:00",
                format!("http://127.0.0.1:{port}/api/v1/ai-events?limit=5&start_time=2026-01-05T12:00:00%2B01:00"),
            ),
            ("/api/v1/devices/", format!("http://127.0.0.1:{port}/api/v1/devices")),
        ];
        for (path, location) in cases {
            let r = f.get(path);
            assert_eq!(r.status, 307, "{path}");
            assert_eq!(r.header("Location"), Some(location.as_str()), "{path}");
            assert_eq!(r.header("Access-Control-Allow-Origin"), Some("*"));
        }
        // The Location follows the Host header.
        let r = request(
            "GET",
            &f.url("/api/v1/ai-events/"),
            &[("Host", "viewer.example:8080")],
        );
        assert_eq!(
            r.header("Location"),
            Some("http://viewer.example:8080/api/v1/ai-events")
        );

        for method in ["HEAD", "POST", "PUT", "DELETE"] {
            let r = request(method, &f.url("/api/v1/ai-events"), &[]);
            assert_eq!(r.status, 405, "{method}");
            assert_eq!(r.header("Content-Type"), Some("application/json"));
            assert_eq!(r.header("Access-Control-Allow-Origin"), Some("*"));
            if method != "HEAD" {
                assert_eq!(r.json()["error"]["status"], json!(405));
            }
        }
        let r = request("HEAD", &f.url(&format!("/api/v1/devices/{CAM_A}")), &[]);
        assert_eq!(r.status, 405);

        let r = request(
            "OPTIONS",
            &f.url("/api/v1/ai-events?limit=5"),
            &[
                ("Origin", "http://elsewhere.example"),
                ("Access-Control-Request-Method", "GET"),
                ("Access-Control-Request-Headers", "x-api-key"),
            ],
        );
        assert!(r.status == 200 || r.status == 204, "{}", r.status);
        assert_eq!(r.header("Access-Control-Allow-Origin"), Some("*"));
        assert!(r
            .header("Access-Control-Allow-Methods")
            .unwrap()
            .contains("GET"));
        assert!(r
            .header("Access-Control-Allow-Headers")
            .unwrap()
            .to_ascii_lowercase()
            .contains("x-api-key"));
    }

    // -- config, files ------------------------------------------------------

    #[test]
    fn config_json() {
        let f = Fixture::emulated();
        let r = f.get("/config.json");
        assert_eq!(r.status, 200);
        assert_eq!(r.header("Content-Type"), Some("application/json"));
        assert_eq!(
            r.json(),
            json!({"apiBaseUrl": "", "clips": [
                {"cameraId": CAM_A, "src": "/demo/clip.mp4", "start": "2026-01-05T12:00:00Z"}
            ]})
        );
        let clip = f.get("/demo/clip.mp4");
        assert_eq!((clip.status, clip.body), (200, clip_bytes()));
    }

    #[test]
    fn static_files_mime_types_and_spa_fallback() {
        let f = Fixture::emulated();
        let cases: &[(&str, u16, &str)] = &[
            ("/", 200, "text/html; charset=utf-8"),
            ("/index.html", 200, "text/html; charset=utf-8"),
            ("/app.js", 200, "text/javascript; charset=utf-8"),
            ("/app_bg.wasm", 200, "application/wasm"),
            ("/style.css", 200, "text/css; charset=utf-8"),
            ("/assets/icon.svg", 200, "image/svg+xml"),
            ("/assets/logo.png", 200, "image/png"),
            ("/assets/data.json", 200, "application/json"),
            ("/assets/seg.ts", 200, "video/mp2t"),
            ("/assets/list.m3u8", 200, "application/vnd.apple.mpegurl"),
            ("/assets/movie.mp4", 200, "video/mp4"),
            ("/demo/clip.mp4", 200, "video/mp4"),
            ("/demo/camera.json", 200, "application/json"),
            ("/demo/events.json", 200, "application/json"),
            // SPA routes
            ("/cameras/abc/clip", 200, "text/html; charset=utf-8"),
            ("/cameras/abc/clip?t=12", 200, "text/html; charset=utf-8"),
            ("/live/", 200, "text/html; charset=utf-8"),
            // missing files with an extension are real 404s
            ("/missing.js", 404, "text/plain; charset=utf-8"),
            ("/assets/missing.wasm", 404, "text/plain; charset=utf-8"),
            ("/demo/missing.mp4", 404, "text/plain; charset=utf-8"),
            ("/demo/", 404, "text/plain; charset=utf-8"),
        ];
        let index = std::fs::read(f._dir.dist().join("index.html")).unwrap();
        for (path, status, ctype) in cases {
            let r = f.get(path);
            assert_eq!(r.status, *status, "{path}");
            assert_eq!(r.header("Content-Type"), Some(*ctype), "{path}");
            if ctype.starts_with("text/html") {
                assert_eq!(r.body, index, "{path}");
                assert_eq!(r.header("Cache-Control"), Some("no-cache"), "{path}");
            }
        }
        assert_eq!(request("POST", &f.url("/index.html"), &[]).status, 405);
        let head = request("HEAD", &f.url("/app.js"), &[]);
        assert_eq!((head.status, head.body.len()), (200, 0));
        assert_eq!(head.header("Content-Length"), Some("10"));
    }

    #[test]
    fn demo_range_requests() {
        let f = Fixture::emulated();
        let clip = clip_bytes();
        let full = f.get("/demo/clip.mp4");
        assert_eq!(full.status, 200);
        assert_eq!(full.header("Accept-Ranges"), Some("bytes"));
        assert_eq!(full.header("Content-Length"), Some("1000"));
        // range, status, Content-Range, body range
        type Case<'a> = (&'a str, u16, &'a str, Option<(usize, usize)>);
        let cases: &[Case] = &[
            ("bytes=0-9", 206, "bytes 0-9/1000", Some((0, 10))),
            ("bytes=100-199", 206, "bytes 100-199/1000", Some((100, 200))),
            ("bytes=990-", 206, "bytes 990-999/1000", Some((990, 1000))),
            ("bytes=0-", 206, "bytes 0-999/1000", Some((0, 1000))),
            (
                "bytes=995-5000",
                206,
                "bytes 995-999/1000",
                Some((995, 1000)),
            ),
            ("bytes=-4", 206, "bytes 996-999/1000", Some((996, 1000))),
            ("bytes=1000-", 416, "bytes */1000", None),
            ("bytes=5000-6000", 416, "bytes */1000", None),
        ];
        for (range, status, content_range, slice) in cases {
            let r = request("GET", &f.url("/demo/clip.mp4"), &[("Range", range)]);
            assert_eq!(r.status, *status, "{range}");
            assert_eq!(r.header("Content-Range"), Some(*content_range), "{range}");
            assert_eq!(r.header("Accept-Ranges"), Some("bytes"), "{range}");
            if let Some((a, b)) = slice {
                assert_eq!(r.header("Content-Type"), Some("video/mp4"));
                assert_eq!(r.body, clip[*a..*b].to_vec(), "{range}");
                assert_eq!(
                    r.header("Content-Length"),
                    Some((b - a).to_string().as_str())
                );
            }
        }
        // Several ranges: the whole file.
        let r = request(
            "GET",
            &f.url("/demo/clip.mp4"),
            &[("Range", "bytes=0-1,4-5")],
        );
        assert_eq!((r.status, r.body.len()), (200, CLIP_LEN));
    }

    #[test]
    fn path_traversal_refused() {
        let f = Fixture::emulated();
        let port = f.backend.port();
        // Files that exist next to the served roots.
        std::fs::write(f._dir.0.join("secret.txt"), "secret").unwrap();
        assert_eq!(raw_status(port, "/demo/camera.json"), 200);
        for target in [
            "/../secret.txt",
            "/..%2fsecret.txt",
            "/%2e%2e/secret.txt",
            "/%2E%2E/%2e%2e/etc/passwd",
            "/assets/../../secret.txt",
            "/demo/../secret.txt",
            "/demo/%2e%2e/secret.txt",
            "/demo/..%5csecret.txt",
            "/demo/..\\secret.txt",
            "/demo//etc/passwd",
            "/demo/%2fetc%2fpasswd",
            "//etc/passwd",
            "/demo/./camera.json",
            "/demo/../dist/index.html",
        ] {
            assert_eq!(raw_status(port, target), 404, "{target}");
        }
    }

    // -- loading ------------------------------------------------------------

    #[test]
    fn load_errors_name_the_file_and_the_problem() {
        type Mutation = fn(&Path);
        let cases: &[(&str, Mutation, &[&str])] = &[
            (
                "no camera.json",
                |d| std::fs::remove_file(d.join("camera.json")).unwrap(),
                &["camera.json", "cannot read"],
            ),
            (
                "no events.json",
                |d| std::fs::remove_file(d.join("events.json")).unwrap(),
                &["events.json", "cannot read"],
            ),
            (
                "bad JSON",
                |d| std::fs::write(d.join("camera.json"), "{").unwrap(),
                &["camera.json", "invalid JSON"],
            ),
            (
                "no device",
                |d| {
                    write_camera_with(d, |c| {
                        c.as_object_mut().unwrap().remove("device");
                    })
                },
                &["camera.json", "`device`"],
            ),
            (
                "bad device id",
                |d| write_camera_with(d, |c| c["device"] = json!({"id": "cam"})),
                &["camera.json", "`device.id`", "UUID"],
            ),
            (
                "bad start",
                |d| write_camera_with(d, |c| c["start"] = json!("noon")),
                &["camera.json", "`start`", "RFC 3339"],
            ),
            (
                "clip missing",
                |d| std::fs::remove_file(d.join("clip.mp4")).unwrap(),
                &["camera.json", "`clip`", "does not exist"],
            ),
            (
                "clip escapes",
                |d| write_camera_with(d, |c| c["clip"] = json!("../clip.mp4")),
                &["camera.json", "`clip`", "inside the data dir"],
            ),
            (
                "no envelope",
                |d| write_json(&d.join("events.json"), &json!([])),
                &["events.json", "envelope"],
            ),
            (
                "bad timestamp",
                |d| write_events_with(d, |list| list[1]["timestamp"] = json!("2026-01-05T12:00:00 01:00")),
                &[
                    "events.json",
                    "events[1]",
                    "`timestamp`",
                    "invalid timezone sign",
                ],
            ),
            (
                "missing model",
                |d| {
                    write_events_with(d, |list| {
                        list[2].as_object_mut().unwrap().remove("model_id");
                    })
                },
                &["events.json", "events[2]", "`model_id`"],
            ),
            (
                "duplicate id",
                |d| write_events_with(d, |list| list[4]["id"] = list[0]["id"].clone()),
                &["events.json", "events[4]", "duplicate", "events[0]"],
            ),
        ];
        for (name, mutate, needles) in cases {
            let dir = TempDir::new();
            write_data(&dir.data());
            mutate(&dir.data());
            let err = match start(emulated_config(dir.dist(), Some(dir.data())), "127.0.0.1:0") {
                Ok(_) => panic!("{name}: started"),
                Err(e) => e.to_string(),
            };
            for needle in *needles {
                assert!(err.contains(needle), "{name}: {err:?} lacks {needle:?}");
            }
        }

        let dir = TempDir::new();
        let config = |data_dir: Option<PathBuf>| emulated_config(dir.dist(), data_dir);
        let err = start(config(Some(dir.0.join("nope"))), "127.0.0.1:0")
            .err()
            .unwrap();
        assert!(err.to_string().contains("not a directory"), "{err}");
        let err = start(config(None), "127.0.0.1:0").err().unwrap();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }

    /// The data the generator ships in `static/demo/` loads and serves (the
    /// test is skipped while that dir does not exist yet).
    #[test]
    fn shipped_demo_data_loads() {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../static/demo");
        if !data.join("camera.json").is_file() {
            eprintln!("skipped: {} has no camera.json", data.display());
            return;
        }
        let dir = TempDir::new();
        write_dist(&dir.dist());
        let backend = start(emulated_config(dir.dist(), Some(data.clone())), "127.0.0.1:0")
            .unwrap_or_else(|e| panic!("shipped demo data rejected: {e}"));
        let url = |path: &str| format!("http://127.0.0.1:{}{path}", backend.port());

        let camera: Value =
            serde_json::from_slice(&std::fs::read(data.join("camera.json")).unwrap()).unwrap();
        let stored: Value =
            serde_json::from_slice(&std::fs::read(data.join("events.json")).unwrap()).unwrap();
        let stored = stored["events"].as_array().unwrap();

        let config = request("GET", &url("/config.json"), &[]).json();
        let clip = &config["clips"][0];
        assert_eq!(clip["cameraId"], camera["device"]["id"]);
        assert_eq!(clip["start"], camera["start"]);
        let src = clip["src"].as_str().unwrap();
        let r = request("GET", &url(src), &[("Range", "bytes=0-99")]);
        assert_eq!((r.status, r.body.len()), (206, 100));
        assert_eq!(r.header("Content-Type"), Some("video/mp4"));

        // The clip's span only: the data dir's recording adds events of its own, later.
        let list = request("GET", &url("/api/v1/ai-events?limit=1000&end_time=2026-01-05T12:00:10Z"), &[]).json();
        assert_eq!(list["total"], json!(stored.len()));
        let listed = list["events"].as_array().unwrap();
        let times: Vec<i64> = listed
            .iter()
            .map(|e| parse_rfc3339(e["timestamp"].as_str().unwrap()).unwrap())
            .collect();
        assert!(times.windows(2).all(|w| w[0] >= w[1]), "not newest first");
        assert!(listed.iter().all(|e| stored.contains(e)));
        if let Some(first) = stored.first() {
            let id = first["id"].as_str().unwrap();
            let one = request("GET", &url(&format!("/api/v1/ai-events/{id}")), &[]);
            assert_eq!(&one.json(), first);
        }
    }

    #[test]
    fn start_binds_and_stops() {
        let f = Fixture::emulated();
        let url = f.backend.url();
        assert_eq!(url, format!("http://127.0.0.1:{}/", f.backend.port()));
        assert_eq!(request("GET", &url, &[]).status, 200);
        let Fixture { backend, _dir } = f;
        let port = backend.port();
        backend.stop();
        // The port is free again once stopped.
        let rebound = TcpListener::bind(("127.0.0.1", port));
        assert!(rebound.is_ok(), "{rebound:?}");
    }

    // -- fault modes, inserts, live events, request log ---------------------

    const LIST: &str = "/api/v1/ai-events";
    const POISON_ID: &str = "badbad00-0000-4000-8000-000000000001";

    fn assert_no_cors(r: &Resp, what: &str) {
        assert_eq!(r.header("Access-Control-Allow-Origin"), None, "{what}");
    }

    /// The error envelope of a poison page.
    fn assert_poison_500(r: &Resp, path: &str) {
        assert_eq!(
            r.status,
            500,
            "{path}: {}",
            String::from_utf8_lossy(&r.body)
        );
        assert_api_headers(r);
        assert_eq!(
            r.json(),
            json!({"error": {"status": 500, "message": "Internal server error", "path": path}}),
            "{path}"
        );
    }

    fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while !done() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    #[test]
    fn control_endpoints_set_get_reset() {
        let f = Fixture::emulated();
        let faults_url = f.url("/__demo/faults");
        let defaults = json!({
            "poison_at": [], "bare_500": false, "db_fault_empty": false, "auth": null,
            "required_key": null, "database_key": null, "delay_ms": null, "truncate_body": false,
            "huge_body_mb": null, "chunked_body": false, "gzip_body": false, "huge_playlist_mb": null,
            "fail_count": null, "path_filter": null,
            "insert_between_pages": null, "stable_ties": false,
            "missing_segments": [], "garbage_segments": []
        });
        let r = f.get("/__demo/faults");
        assert_eq!(r.status, 200);
        assert_api_headers(&r);
        assert_eq!(r.json(), defaults);

        let set = json!({
            "poison_at": ["2026-01-05T12:00:01.5Z",
                {"timestamp": "2026-01-05T12:00:02.5Z", "model_id": "m1"}],
            "bare_500": true, "auth": "invalid", "fail_count": 3, "path_filter": "/cameras/"
        });
        let r = post(&faults_url, &set.to_string());
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let mut want = defaults.clone();
        for (k, v) in set.as_object().unwrap() {
            want[k] = v.clone();
        }
        // Answered with every field of a row.
        want["poison_at"][1]["camera_id"] = json!(null);
        assert_eq!(r.json(), want);
        assert_eq!(f.get("/__demo/faults").json(), want);
        let faults = f.backend.faults();
        assert_eq!(faults.auth, Some(AuthFault::Invalid));
        assert_eq!(
            faults.poison_at[1],
            PoisonSpec::Row(PoisonRow {
                timestamp: "2026-01-05T12:00:02.5Z".into(),
                camera_id: None,
                model_id: Some("m1".into()),
            })
        );

        // A POST replaces the whole set.
        let r = post(&faults_url, r#"{"db_fault_empty": true}"#);
        let mut want = defaults.clone();
        want["db_fault_empty"] = json!(true);
        assert_eq!(r.json(), want);

        // Refused settings change nothing and say why.
        let bad: &[(&str, &str)] = &[
            (r#"{"bare500": true}"#, "unknown field"),
            (r#"{"auth": "maybe"}"#, "unknown variant"),
            (r#"{"poison_at": ["yesterday"]}"#, "poison_at[0]"),
            (
                r#"{"poison_at": [{"timestamp": "2026-01-05T12:00:00Z", "camera_id": "cam"}]}"#,
                "camera_id",
            ),
            (r#"{"delay_ms": 999999}"#, "delay_ms"),
            (r#"{"huge_body_mb": 0}"#, "huge_body_mb"),
            (r#"{"huge_playlist_mb": 0}"#, "huge_playlist_mb"),
            (r#"{"insert_between_pages": 5000}"#, "insert_between_pages"),
            (r#"{"required_key": ""}"#, "required_key"),
            ("not json", "invalid JSON"),
        ];
        for (body, needle) in bad {
            let r = post(&faults_url, body);
            assert_eq!(r.status, 400, "{body}");
            assert_api_headers(&r);
            let message = r.json()["error"].as_str().unwrap().to_string();
            assert!(message.contains(needle), "{body}: {message}");
        }
        assert_eq!(f.get("/__demo/faults").json(), want);
        assert!(f
            .backend
            .set_faults(Faults {
                delay_ms: Some(70_000),
                ..Faults::default()
            })
            .is_err());

        // The key is never echoed.
        f.set(Faults {
            required_key: Some("k-secret-1".into()),
            ..Faults::default()
        });
        let r = f.get("/__demo/faults");
        assert_eq!(r.json()["required_key"], json!("<redacted>"));
        assert!(!String::from_utf8_lossy(&r.body).contains("k-secret-1"));

        // Preflight for browser tests on another origin; methods; unknown paths.
        let r = request(
            "OPTIONS",
            &faults_url,
            &[
                ("Origin", "http://127.0.0.1:9"),
                ("Access-Control-Request-Method", "POST"),
            ],
        );
        assert_eq!(r.status, 204);
        assert_eq!(r.header("Access-Control-Allow-Origin"), Some("*"));
        assert!(r
            .header("Access-Control-Allow-Methods")
            .unwrap()
            .contains("POST"));
        assert_eq!(request("PUT", &faults_url, &[]).status, 405);
        assert_eq!(request("GET", &f.url("/__demo/reset"), &[]).status, 405);
        assert_eq!(f.get("/__demo/nothing").status, 404);
        assert_eq!(f.get("/__demo").status, 404);

        let r = post(&f.url("/__demo/reset"), "");
        assert_eq!((r.status, r.json()), (200, json!({"reset": true})));
        assert_eq!(f.get("/__demo/faults").json(), defaults);
        assert_eq!(f.backend.faults(), Faults::default());
        // Control requests never enter the request log, nor take faults.
        assert!(f.backend.request_log().is_empty());
    }

    #[test]
    fn poison_row_fails_only_pages_that_contain_it() {
        // Newest first with the poison row P: 5, 6, 4, P, 3, 2, 1.
        let f = Fixture::with_faults(Faults {
            poison_at: vec!["2026-01-05T12:00:01.5Z".into()],
            stable_ties: true,
            ..Faults::default()
        });
        let w = |start: &str, end: &str| {
            let mut q = format!("{LIST}?");
            if !start.is_empty() {
                q.push_str(&format!("start_time=2026-01-05T{start}Z&"));
            }
            if !end.is_empty() {
                q.push_str(&format!("end_time=2026-01-05T{end}Z"));
            }
            q
        };
        /// Some((ids, total)) when the page succeeds, None when it fails.
        type Expected<'a> = Option<(&'a [u32], usize)>;
        let cases: &[(String, Expected)] = &[
            (w("12:00:01", "12:00:02"), None),
            (w("12:00:01.5", "12:00:01.5"), None),
            (w("12:00:00", "12:00:01.4"), Some((&[3, 2, 1], 3))),
            (w("12:00:01.6", "12:00:04"), Some((&[5, 6, 4], 3))),
            (w("", "12:00:01.499999"), Some((&[3, 2, 1], 3))),
            (w("12:00:01.500001", ""), Some((&[5, 6, 4], 3))),
            (w("12:00:00", "12:00:01.5"), None),
            (w("12:00:01.5", ""), None),
            // paging over the whole set: total counts the poison row
            (format!("{LIST}?limit=2"), Some((&[5, 6], 7))),
            (format!("{LIST}?limit=2&offset=2"), None),
            (format!("{LIST}?limit=2&offset=4"), Some((&[3, 2], 7))),
            (format!("{LIST}?limit=2&offset=6"), Some((&[1], 7))),
            (format!("{LIST}?limit=1&offset=2"), Some((&[4], 7))),
            (format!("{LIST}?limit=1&offset=3"), None),
            (format!("{LIST}?limit=3&offset=4"), Some((&[3, 2, 1], 7))),
            (format!("{LIST}?offset=7"), Some((&[], 7))),
            // other cameras and models do not hold it
            (
                format!("{LIST}/cameras/{CAM_A}/events?end_time=2026-01-05T12:00:02Z"),
                None,
            ),
            (format!("{LIST}/cameras/{CAM_B}/events"), Some((&[4], 1))),
            (
                format!("{LIST}?model_id=m1&limit=1000"),
                Some((&[5, 6, 4, 2, 1], 5)),
            ),
        ];
        for (target, want) in cases {
            let path = target.split('?').next().unwrap();
            // Every time, not only once.
            for _ in 0..2 {
                let r = f.get(target);
                match want {
                    None => assert_poison_500(&r, path),
                    Some((ids_want, total)) => {
                        assert_eq!(r.status, 200, "{target}");
                        assert_api_headers(&r);
                        assert_eq!(r.ids(), ids(ids_want), "{target}");
                        assert_eq!(r.json()["total"], json!(total), "{target}");
                    }
                }
            }
        }
        // The poison row itself, by id.
        let path = format!("{LIST}/{POISON_ID}");
        assert_poison_500(&f.get(&path), &path);
        let poisoned = f
            .backend
            .request_log()
            .iter()
            .filter(|e| e.fault.as_deref() == Some("poison"))
            .count();
        assert_eq!(poisoned, 2 * 7 + 1);

        // A row with its own camera and model.
        f.set(Faults {
            poison_at: vec![PoisonSpec::Row(PoisonRow {
                timestamp: "2026-01-05T12:00:00.1Z".into(),
                camera_id: Some(CAM_B.into()),
                model_id: Some("m1".into()),
            })],
            ..Faults::default()
        });
        assert_poison_500(&f.get(&format!("{LIST}?model_id=m1")), LIST);
        assert_eq!(f.get(&format!("{LIST}?camera_id={CAM_A}")).status, 200);
        assert_eq!(f.get(&format!("{LIST}?model_id=m2")).status, 200);

        // Any stored event whose detections is not an object is a poison row.
        f.set(Faults::default());
        let mut bad = event(7, CAM_A, "m2", "2026-01-05T12:00:05Z");
        bad["detections"] = json!(null);
        f.backend.insert_events(vec![bad]).unwrap();
        assert_poison_500(&f.get(&format!("{LIST}?limit=1")), LIST);
        let r = f.get(&format!("{LIST}?limit=1&offset=1"));
        assert_eq!((r.status, r.json()["total"].clone()), (200, json!(7)));
        let path = format!("{LIST}/{}", eid(7));
        assert_poison_500(&f.get(&path), &path);
    }

    #[test]
    fn bare_500_is_plain_text_without_cors() {
        let f = Fixture::with_faults(Faults { bare_500: true, ..Faults::default() });
        let targets = [
            LIST.to_string(),
            format!("{LIST}?limit=5&offset=1"),
            format!("{LIST}/cameras/{CAM_A}/events"),
            format!("{LIST}/{}", eid(1)),
            "/api/v1/devices?skip=0&limit=100".to_string(),
            format!("/api/v1/devices/{CAM_A}"),
            "/api/v1/unknown".to_string(),
        ];
        for target in &targets {
            let r = f.get(target);
            assert_eq!(r.status, 500, "{target}");
            assert_eq!(r.header("Content-Type"), Some("text/plain; charset=utf-8"));
            assert_eq!(r.body, b"Internal Server Error", "{target}");
            assert_no_cors(&r, target);
        }
        // The preflight still passes: the browser then sees a network error.
        let r = request(
            "OPTIONS",
            &f.url(LIST),
            &[("Access-Control-Request-Method", "GET")],
        );
        assert_eq!(r.status, 204);
        assert_eq!(r.header("Access-Control-Allow-Origin"), Some("*"));
        // Not VAS: untouched.
        assert_eq!(f.get("/config.json").status, 200);
        assert_eq!(f.get("/demo/clip.mp4").status, 200);
    }

    #[test]
    fn db_fault_answers_an_empty_page_and_404() {
        let f = Fixture::with_faults(Faults { db_fault_empty: true, ..Faults::default() });
        let cases: &[(String, i64, i64)] = &[
            (LIST.to_string(), 100, 0),
            (format!("{LIST}?limit=5&offset=3"), 5, 3),
            (format!("{LIST}/cameras/{CAM_A}/events?limit=1000"), 1000, 0),
        ];
        for (target, limit, offset) in cases {
            let r = f.get(target);
            assert_eq!(r.status, 200, "{target}");
            assert_api_headers(&r);
            assert_eq!(
                r.json(),
                json!({"events": [], "total": 0, "limit": limit, "offset": offset}),
                "{target}"
            );
        }
        let path = format!("{LIST}/{}", eid(1));
        let r = f.get(&path);
        assert_eq!(r.status, 404);
        assert_api_headers(&r);
        assert_eq!(
            r.json(),
            json!({"error": {"status": 404, "message": format!("AI event {} not found", eid(1)), "path": path}})
        );
        // Validation happens before the database.
        assert_eq!(f.get(&format!("{LIST}?limit=0")).status, 422);
        // Devices are not affected.
        assert_eq!(f.get("/api/v1/devices").json(), json!([device()]));
    }

    /// VAS with auth on (its environment key): every `/api/` request needs
    /// the key, the preflight included, before CORS; the setting survives a
    /// reset; the emulator's own extras (`/config.json`, `/demo/`) do not
    /// need it.
    #[test]
    fn environment_key_is_required_like_vas_with_auth_on() {
        let dir = TempDir::new();
        write_data(&dir.data());
        write_dist(&dir.dist());
        let mut config = emulated_config(dir.dist(), Some(dir.data()));
        config.api_key = Some("env-key-3".into());
        let f = Fixture { backend: start(config, "127.0.0.1:0").unwrap(), _dir: dir };
        let preflight = [("Origin", "http://127.0.0.1:9"), ("Access-Control-Request-Method", "GET"), ("Access-Control-Request-Headers", "x-api-key")];
        for round in 0..2 {
            for (headers, status) in [(&[][..], 401), (&[("X-API-Key", "wrong")][..], 403), (&[("X-API-Key", "env-key-3")][..], 200)] {
                for target in [LIST.to_string(), "/api/v1/devices".to_string()] {
                    let r = request("GET", &f.url(&target), headers);
                    assert_eq!(r.status, status, "round {round} {target} {headers:?}");
                    if status != 200 {
                        assert_no_cors(&r, &target);
                    }
                }
            }
            let r = request("OPTIONS", &f.url(LIST), &preflight);
            assert_eq!(r.status, 401);
            assert_no_cors(&r, "preflight");
            assert_eq!(f.get("/config.json").status, 200);
            assert_eq!(f.get("/demo/clip.mp4").status, 200);
            f.backend.reset();
        }
        // A key created in VAS's database: a bare 500, no CORS.
        f.set(Faults { database_key: Some("db-key-1".into()), ..Faults::default() });
        let r = request("GET", &f.url(LIST), &[("X-API-Key", "db-key-1")]);
        assert_eq!((r.status, r.body.as_slice()), (500, &b"Internal Server Error"[..]));
        assert_no_cors(&r, LIST);
        assert_eq!(f.get("/__demo/faults").json()["database_key"], json!("<redacted>"));
    }

    #[test]
    fn auth_faults_and_required_key() {
        let f = Fixture::emulated();
        let missing = json!({"detail": "API key required. Provide X-API-Key header."});
        let invalid = json!({"detail": "Invalid or expired API key"});
        let preflight_headers = [
            ("Origin", "http://127.0.0.1:9"),
            ("Access-Control-Request-Method", "GET"),
            ("Access-Control-Request-Headers", "x-api-key"),
        ];

        for (mode, status, body) in [
            (AuthFault::Missing, 401, &missing),
            (AuthFault::Invalid, 403, &invalid),
        ] {
            f.set(Faults {
                auth: Some(mode),
                ..Faults::default()
            });
            for headers in [&[][..], &[("X-API-Key", "whatever")][..]] {
                for target in [
                    LIST.to_string(),
                    "/api/v1/devices".to_string(),
                    format!("{LIST}/{}", eid(1)),
                ] {
                    let r = request("GET", &f.url(&target), headers);
                    assert_eq!(r.status, status, "{mode:?} {target}");
                    assert_eq!(r.header("Content-Type"), Some("application/json"));
                    assert_eq!(&r.json(), body, "{mode:?} {target}");
                    assert_no_cors(&r, &target);
                }
            }
            let r = request("OPTIONS", &f.url(LIST), &preflight_headers);
            assert_eq!(r.status, status, "{mode:?} preflight");
            assert_no_cors(&r, "preflight");
        }

        f.set(Faults {
            required_key: Some("k-secret-7".into()),
            ..Faults::default()
        });
        // key sent, status, body (None: a normal answer with CORS)
        let cases: &[(Option<&str>, u16, Option<&Value>)] = &[
            (None, 401, Some(&missing)),
            (Some(""), 401, Some(&missing)),
            (Some("k-secret-8"), 403, Some(&invalid)),
            (Some("K-SECRET-7"), 403, Some(&invalid)),
            (Some("k-secret-7"), 200, None),
        ];
        for (key, status, body) in cases {
            let headers: Vec<(&str, &str)> = key.iter().map(|k| ("X-API-Key", *k)).collect();
            for target in [
                format!("{LIST}?limit=2"),
                "/api/v1/devices".to_string(),
                "/api/v1/nope".to_string(),
            ] {
                let r = request("GET", &f.url(&target), &headers);
                let want_status = if *status == 200 && target.ends_with("nope") {
                    404
                } else {
                    *status
                };
                assert_eq!(r.status, want_status, "{key:?} {target}");
                match body {
                    Some(b) => {
                        assert_eq!(&r.json(), *b, "{key:?} {target}");
                        assert_no_cors(&r, &target);
                    }
                    None => assert_api_headers(&r),
                }
            }
        }
        // A browser preflight carries no key: refused, without CORS.
        let r = request("OPTIONS", &f.url(LIST), &preflight_headers);
        assert_eq!((r.status, r.json()), (401, missing.clone()));
        assert_no_cors(&r, "preflight");
        // Only the API is guarded here: the viewer itself is still served.
        assert_eq!(f.get("/config.json").status, 200);
        assert_eq!(f.get("/").status, 200);
        // No fail_count or path_filter escape for the key.
        f.set(Faults {
            required_key: Some("k-secret-7".into()),
            fail_count: Some(0),
            path_filter: Some("/nothing".into()),
            ..Faults::default()
        });
        assert_eq!(f.get(LIST).status, 401);

        let log = f.backend.request_log();
        assert!(log.iter().any(|e| e.api_key_present && e.status == 200));
        assert!(log.iter().any(|e| !e.api_key_present && e.status == 401));
        assert!(log
            .iter()
            .filter(|e| e.status == 401 || e.status == 403)
            .all(|e| e.fault.is_some()));
        let text = serde_json::to_string(&log).unwrap();
        assert!(!text.contains("k-secret"), "{text}");
    }

    #[test]
    fn delay_holds_only_its_own_connection_and_stop_is_prompt() {
        const N: usize = 40;
        let Fixture { backend, _dir } = Fixture::emulated();
        let url = |path: &str| format!("http://127.0.0.1:{}{path}", backend.port());
        backend
            .set_faults(Faults {
                delay_ms: Some(400),
                path_filter: Some("/devices".into()),
                ..Faults::default()
            })
            .unwrap();
        let started = Instant::now();
        // A burst of delayed requests, each on its own connection.
        let slow: Vec<_> = (0..N)
            .map(|_| {
                let u = url("/api/v1/devices");
                std::thread::spawn(move || {
                    let t = Instant::now();
                    let r = request("GET", &u, &[]);
                    (r, t.elapsed())
                })
            })
            .collect();
        // The server takes every one of them at once (each is logged before
        // its wait), long before the first is due.
        wait_until("all delayed requests taken", || {
            backend.request_log().len() == N
        });
        assert!(
            started.elapsed() < Duration::from_millis(350),
            "{:?}",
            started.elapsed()
        );
        // Meanwhile other requests are answered at once.
        let t = Instant::now();
        let r = request("GET", &url(LIST), &[]);
        assert_eq!(r.status, 200);
        assert!(
            t.elapsed() < Duration::from_millis(300),
            "undelayed request took {:?}",
            t.elapsed()
        );
        for handle in slow {
            let (r, took) = handle.join().unwrap();
            assert_eq!(r.status, 200);
            assert_api_headers(&r);
            assert_eq!(r.json(), json!([device()]));
            assert!(
                took >= Duration::from_millis(395),
                "answered after {took:?}"
            );
        }
        assert!(
            started.elapsed() < Duration::from_millis(1500),
            "{:?}",
            started.elapsed()
        );
        let log = backend.request_log();
        assert_eq!(
            log.iter()
                .filter(|e| e.fault.as_deref() == Some("delay_ms"))
                .count(),
            N
        );
        assert_eq!(log.iter().filter(|e| e.fault.is_none()).count(), 1);

        // A pending delayed answer never holds up stop: it is sent at once.
        backend
            .set_faults(Faults {
                delay_ms: Some(60_000),
                ..Faults::default()
            })
            .unwrap();
        let u = url("/api/v1/devices");
        let pending = std::thread::spawn(move || request("GET", &u, &[]).status);
        wait_until("the pending request", || {
            backend.request_log().len() == N + 2
        });
        let t = Instant::now();
        backend.stop();
        assert_eq!(pending.join().unwrap(), 200);
        assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    }

    #[test]
    fn truncated_body_is_half_with_matching_length() {
        let f = Fixture::emulated();
        f.stable_ties();
        let targets = [
            format!("{LIST}?limit=3"),
            format!("{LIST}/{}", eid(2)),
            format!("{LIST}/{ABSENT}"),
            "/api/v1/devices".to_string(),
        ];
        let full: Vec<Resp> = targets.iter().map(|t| f.get(t)).collect();
        f.set(Faults {
            truncate_body: true,
            stable_ties: true,
            ..Faults::default()
        });
        for (target, whole) in targets.iter().zip(&full) {
            let r = f.get(target);
            assert_eq!(r.status, whole.status, "{target}");
            assert_api_headers(&r);
            assert_eq!(r.body, whole.body[..whole.body.len() / 2], "{target}");
            assert_eq!(
                r.header("Content-Length"),
                Some(r.body.len().to_string().as_str())
            );
            assert!(
                serde_json::from_slice::<Value>(&r.body).is_err(),
                "{target}"
            );
        }
        let log = f.backend.request_log();
        assert!(log[..4].iter().all(|e| e.fault.is_none()));
        assert!(log[4..]
            .iter()
            .all(|e| e.fault.as_deref() == Some("truncate_body")));
    }

    #[test]
    fn huge_body_is_a_valid_list_of_the_requested_size() {
        let f = Fixture::with_faults(Faults { huge_body_mb: Some(3), ..Faults::default() });
        let r = f.get(&format!(
            "{LIST}/cameras/{CAM_B}/events?model_id=m1&end_time=2026-01-05T12:00:02Z&limit=10&offset=2"
        ));
        assert_eq!(r.status, 200);
        assert_api_headers(&r);
        assert_eq!(r.body.len(), 3 * 1024 * 1024);
        assert_eq!(r.header("Content-Length"), Some("3145728"));
        let body = r.json();
        assert_eq!(
            (
                body["limit"].clone(),
                body["offset"].clone(),
                body["total"].clone()
            ),
            (json!(10), json!(2), json!(3))
        );
        let events = body["events"].as_array().unwrap();
        assert_eq!(events.len(), 1);
        let e = &events[0];
        assert_eq!(
            (e["camera_id"].as_str(), e["model_id"].as_str()),
            (Some(CAM_B), Some("m1"))
        );
        assert_eq!(e["timestamp"], json!("2026-01-05T12:00:02Z"));
        assert!(e["detections"].is_object());
        assert!(e["event_metadata"]["padding"].as_str().unwrap().len() > 3_000_000);
        // Single events and devices are not affected.
        assert_eq!(f.get(&format!("{LIST}/{}", eid(1))).json(), events_by_id(1));
        assert_eq!(f.get("/api/v1/devices").json(), json!([device()]));
        // Validation first.
        assert_eq!(f.get(&format!("{LIST}?limit=1001")).status, 422);
    }

    #[test]
    fn chunked_and_gzip_bodies_carry_the_same_list() {
        let gunzip = |bytes: &[u8]| {
            let mut out = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(bytes), &mut out).unwrap();
            out
        };
        let f = Fixture::emulated();
        let path = format!("{LIST}/cameras/{CAM_B}/events?limit=10");
        let plain = f.get(&path);
        assert_eq!((plain.status, plain.header("Content-Encoding")), (200, None));

        // Chunked: no length, the same bytes.
        f.set(Faults { chunked_body: true, ..Faults::default() });
        let chunked = f.get(&path);
        assert_eq!((chunked.header("Content-Length"), chunked.header("Transfer-Encoding")), (None, Some("chunked")));
        assert_eq!(chunked.body, plain.body);
        // Devices are not affected.
        assert!(f.get("/api/v1/devices").header("Content-Length").is_some());

        // Gzip, to a request that accepts it only.
        f.set(Faults { gzip_body: true, ..Faults::default() });
        assert_eq!(f.get(&path).body, plain.body);
        let gz = request("GET", &f.url(&path), &[("Accept-Encoding", "br, GZip;q=0.8")]);
        assert_eq!(gz.header("Content-Encoding"), Some("gzip"));
        assert_eq!(gz.header("Content-Length"), Some(gz.body.len().to_string().as_str()));
        assert_eq!(gunzip(&gz.body), plain.body);

        // All three: small on the wire, past any sane limit decoded.
        f.set(Faults { huge_body_mb: Some(16), gzip_body: true, chunked_body: true, ..Faults::default() });
        let both = request("GET", &f.url(&path), &[("Accept-Encoding", "gzip")]);
        assert_eq!((both.header("Content-Length"), both.header("Content-Encoding")), (None, Some("gzip")));
        assert!(both.body.len() < 100_000, "{} bytes on the wire", both.body.len());
        assert_eq!(gunzip(&both.body).len(), 16 << 20);

        // The log names what shaped each answer; a chunked one's bytes are
        // those sent, logged once sent.
        let faults = |f: &Fixture| f.backend.request_log().iter().map(|e| e.fault.clone().unwrap_or_default()).collect::<Vec<_>>();
        assert_eq!(faults(&f), ["", "chunked_body", "", "", "gzip_body", "huge_body_mb+gzip_body+chunked_body"]);
        wait_until("the chunked answer's bytes in the log", || f.backend.request_log().last().is_some_and(|e| e.bytes > 0));
        assert_eq!(f.backend.request_log().last().map(|e| e.bytes), Some(both.body.len() as u64));
    }

    fn events_by_id(n: u32) -> Value {
        events()
            .into_iter()
            .find(|e| e["id"] == json!(eid(n)))
            .unwrap()
    }

    #[test]
    fn fail_count_recovers_and_path_filter_targets() {
        let f = Fixture::with_faults(Faults {
            bare_500: true,
            fail_count: Some(2),
            ..Faults::default()
        });
        let statuses: Vec<u16> = (0..4).map(|_| f.get(LIST).status).collect();
        assert_eq!(statuses, [500, 500, 200, 200]);
        assert_eq!(f.backend.faults().fail_count, Some(0));
        assert_eq!(f.get("/__demo/faults").json()["fail_count"], json!(0));

        // Only matching paths fail, and only they count.
        f.set(Faults {
            bare_500: true,
            fail_count: Some(1),
            path_filter: Some("/devices".into()),
            ..Faults::default()
        });
        assert_eq!(f.get(LIST).status, 200);
        assert_eq!(f.get(&format!("{LIST}/{}", eid(1))).status, 200);
        assert_eq!(f.get("/api/v1/devices").status, 500);
        assert_eq!(f.get("/api/v1/devices").status, 200);

        // A request no active mode applies to does not count.
        f.set(Faults {
            db_fault_empty: true,
            fail_count: Some(1),
            ..Faults::default()
        });
        assert_eq!(f.get("/api/v1/devices").json(), json!([device()]));
        assert_eq!(f.get(LIST).json()["total"], json!(0));
        assert_eq!(f.get(LIST).json()["total"], json!(6));

        // Several modes at once: the first that answers wins; the count is per request.
        f.set(Faults {
            auth: Some(AuthFault::Missing),
            bare_500: true,
            fail_count: Some(1),
            ..Faults::default()
        });
        assert_eq!(f.get(LIST).status, 401);
        assert_eq!(f.get(LIST).status, 200);

        let faults: Vec<Option<String>> = f
            .backend
            .request_log()
            .into_iter()
            .map(|e| e.fault)
            .collect();
        let named = |s: &str| Some(s.to_string());
        assert_eq!(
            faults,
            [
                named("bare_500"),
                named("bare_500"),
                None,
                None,
                None,
                None,
                named("bare_500"),
                None,
                None,
                named("db_fault_empty"),
                None,
                named("auth"),
                None,
            ]
        );
    }

    #[test]
    fn inserted_events_show_at_once_and_reset_removes_them() {
        let f = Fixture::emulated();
        f.stable_ties();
        let newer = event(7, CAM_A, "m1", "2026-01-05T12:00:04Z");
        let tied = event(8, CAM_A, "m1", "2026-01-05T12:00:03.500000Z");
        assert_eq!(f.backend.insert_events(vec![newer.clone()]), Ok(1));
        let r = post(
            &f.url("/__demo/events"),
            &json!({"events": [tied.clone()]}).to_string(),
        );
        assert_eq!(
            (r.status, r.json()),
            (200, json!({"inserted": 1, "stored": 2}))
        );
        assert_api_headers(&r);

        let r = f.get(LIST);
        assert_eq!(r.ids(), ids(&[7, 5, 6, 8, 4, 3, 2, 1]));
        assert_eq!(r.json()["total"], json!(8));
        assert_eq!(f.get(&format!("{LIST}/{}", eid(7))).json(), newer);
        assert_eq!(
            f.get(&format!("{LIST}/cameras/{CAM_A}/events?limit=2"))
                .ids(),
            ids(&[7, 5])
        );
        assert_eq!(
            f.get(&format!(
                "{LIST}?start_time=2026-01-05T12:00:03.5Z&end_time=2026-01-05T12:00:03.5Z"
            ))
            .ids(),
            ids(&[5, 6, 8])
        );

        // Duplicates and bad events are refused, all or nothing.
        let r = post(
            &f.url("/__demo/events"),
            &json!([
                event(9, CAM_A, "m1", "2026-01-05T12:00:09Z"),
                event(1, CAM_A, "m1", "2026-01-05T12:00:09Z")
            ])
            .to_string(),
        );
        assert_eq!(r.status, 409);
        assert!(r.json()["error"].as_str().unwrap().contains("events[1]"));
        let mut broken = event(9, CAM_A, "m1", "x");
        broken["timestamp"] = json!("2026-01-05T12:00:00 01:00");
        let err = f
            .backend
            .insert_events(vec![event(9, CAM_A, "m1", "2026-01-05T12:00:09Z"), broken])
            .unwrap_err();
        assert!(
            err.contains("events[1]") && err.contains("invalid timezone sign"),
            "{err}"
        );
        let err = f
            .backend
            .insert_events(vec![event(9, CAM_A, "m1", "2026-01-05T12:00:09Z"); 2])
            .unwrap_err();
        assert!(err.contains("duplicate"), "{err}");
        assert_eq!(post(&f.url("/__demo/events"), r#"{"nope": 1}"#).status, 400);
        assert_eq!(f.get(LIST).json()["total"], json!(8));

        f.backend.reset();
        let r = f.get(LIST);
        assert_eq!(r.json()["total"], json!(6));
        assert_eq!(f.get(&format!("{LIST}/{}", eid(7))).status, 404);
    }

    #[test]
    fn insert_between_pages_shifts_offsets() {
        let f = Fixture::with_faults(Faults {
            insert_between_pages: Some(1),
            stable_ties: true,
            ..Faults::default()
        });
        let x = |n: u32| format!("feedc0de-0000-4000-8000-{n:012x}");
        let page = |offset: u32| f.get(&format!("{LIST}?limit=2&offset={offset}"));

        // page, ids, total: each full page adds one row newer than its first
        // row, so the next page repeats a row already seen.
        let r = page(0);
        assert_eq!(
            (r.ids(), r.json()["total"].clone()),
            (ids(&[5, 6]), json!(6))
        );
        let r = page(2);
        assert_eq!(
            (r.ids(), r.json()["total"].clone()),
            (ids(&[6, 4]), json!(7))
        );
        let r = page(4);
        assert_eq!(
            (r.ids(), r.json()["total"].clone()),
            (ids(&[4, 3]), json!(8))
        );
        let all = f.get(&format!("{LIST}?limit=1000"));
        let got = all.ids();
        assert_eq!(
            got,
            [
                x(1),
                x(2),
                eid(5),
                eid(6),
                x(3),
                eid(4),
                eid(3),
                eid(2),
                eid(1)
            ],
        );
        let listed = all.json()["events"].as_array().unwrap().clone();
        assert_eq!(listed[0]["timestamp"], json!("2026-01-05T12:00:03.501000Z"));
        assert_eq!(listed[4]["timestamp"], json!("2026-01-05T12:00:02.001000Z"));
        assert_eq!(listed[0]["camera_id"], json!(CAM_A));
        assert!(listed[0]["detections"]["detections"].is_array());
        // Not a full page (limit 1000, 9 rows): nothing added.
        assert_eq!(
            f.get(&format!("{LIST}?limit=1000")).json()["total"],
            json!(9)
        );

        // Two per page: one newest, one sharing a row's timestamp exactly.
        f.backend.reset();
        f.set(Faults {
            insert_between_pages: Some(2),
            stable_ties: true,
            ..Faults::default()
        });
        assert_eq!(page(0).ids(), ids(&[5, 6]));
        let listed = f.get(&format!("{LIST}?limit=1000")).json()["events"]
            .as_array()
            .unwrap()
            .clone();
        let added: Vec<&Value> = listed
            .iter()
            .filter(|e| e["id"].as_str().unwrap().starts_with("feedc0de"))
            .collect();
        assert_eq!(added.len(), 2);
        assert_eq!(added[0]["timestamp"], json!("2026-01-05T12:00:03.501000Z"));
        assert_eq!(added[1]["timestamp"], json!("2026-01-05T12:00:03.500000Z"));

        // With an end_time, the newest ones sit at it (inside the window), on
        // the filters of the page.
        f.backend.reset();
        f.set(Faults {
            insert_between_pages: Some(1),
            stable_ties: true,
            ..Faults::default()
        });
        let window =
            format!("{LIST}/cameras/{CAM_A}/events?model_id=m1&end_time=2026-01-05T12:00:01Z");
        assert_eq!(f.get(&format!("{window}&limit=1")).ids(), ids(&[2]));
        let r = f.get(&window);
        assert_eq!(r.ids(), [x(1), eid(2), eid(1)]);
        assert_eq!(
            r.json()["events"][0]["timestamp"],
            json!("2026-01-05T12:00:01Z")
        );
        assert_eq!(r.json()["events"][0]["model_id"], json!("m1"));
    }

    #[test]
    fn ties_are_shuffled_per_request_but_deterministic() {
        let f = Fixture::emulated();
        let firsts = || -> Vec<String> {
            (0..24)
                .map(|_| {
                    let r = f.get(LIST);
                    let got = r.ids();
                    // Only the tie moves.
                    assert_eq!(got[2..], ids(&[4, 3, 2, 1])[..]);
                    got[0].clone()
                })
                .collect()
        };
        let first = firsts();
        assert!(
            first.contains(&eid(5)) && first.contains(&eid(6)),
            "{first:?}"
        );
        // The same sequence of requests gives the same orders.
        f.backend.reset();
        assert_eq!(firsts(), first);
        // Paging through a tie may repeat or skip a row, as on VAS.
        f.backend.reset();
        let mut outcomes = std::collections::BTreeSet::new();
        for _ in 0..24 {
            let mut seen = f.get(&format!("{LIST}?limit=1")).ids();
            seen.extend(f.get(&format!("{LIST}?limit=1&offset=1")).ids());
            seen.sort();
            outcomes.insert(seen);
        }
        assert!(outcomes.len() > 1, "{outcomes:?}");
    }

    #[test]
    fn live_generator_inserts_at_the_rate_with_the_lateness() {
        let f = Fixture::emulated();
        let t0 = now_us();
        let r = post(
            &f.url("/__demo/live"),
            r#"{"rate_hz": 40, "lateness_ms": 1500, "duration_s": 0.25}"#,
        );
        assert_eq!(
            (r.status, r.json()),
            (200, json!({"generator": 1, "count": 10}))
        );
        let query = format!("{LIST}?model_id={LIVE_MODEL_ID}");
        wait_until("10 live events", || {
            f.get(&query).json()["total"] == json!(10)
        });
        let t1 = now_us();
        let listed = f.get(&query).json()["events"].as_array().unwrap().clone();
        let times: Vec<i64> = listed
            .iter()
            .map(|e| parse_rfc3339(e["timestamp"].as_str().unwrap()).unwrap())
            .collect();
        for (i, e) in listed.iter().enumerate() {
            let n = 9 - i as u64;
            assert_eq!(e["id"], json!(format!("11fe0001-0000-4000-8000-{n:012x}")));
            assert_eq!(e["frame_id"], json!(n));
            assert_eq!(e["camera_id"], json!(CAM_A));
            let d = &e["detections"]["detections"][0];
            assert_eq!(d["track_id"], json!(1));
            assert_eq!(d["bbox"].as_array().unwrap().len(), 4);
            // Stamped lateness_ms before the server clock.
            let ts = times[i];
            assert!(
                ts >= t0 - 1_500_000 && ts <= t1 - 1_500_000,
                "{ts} not in [{t0}, {t1}] - 1.5 s"
            );
        }
        assert_ne!(
            listed[0]["detections"], listed[9]["detections"],
            "the box moves"
        );
        // Spread of 9 intervals of 25 ms.
        let spread = times[0] - times[9];
        assert!((215_000..=400_000).contains(&spread), "spread {spread} us");
        // Single events too.
        let one = f.get(&format!("{LIST}/11fe0001-0000-4000-8000-000000000000"));
        assert_eq!(one.json()["frame_id"], json!(0));

        // Reset stops a long one at once.
        let started = f
            .backend
            .start_live(LiveConfig {
                camera_id: Some(CAM_B.into()),
                model_id: Some("live-b".into()),
                rate_hz: 10.0,
                lateness_ms: 0,
                duration_s: 60.0,
            })
            .unwrap();
        assert_eq!(
            started,
            LiveStarted {
                generator: 2,
                count: 600
            }
        );
        wait_until("the first event of generator 2", || {
            f.get(&format!("{LIST}?model_id=live-b")).json()["total"] != json!(0)
        });
        let t = Instant::now();
        f.backend.reset();
        assert!(t.elapsed() < Duration::from_secs(1));
        assert_eq!(f.get(LIST).json()["total"], json!(6));

        // Bounded.
        let bad: &[(&str, &str)] = &[
            (r#"{"rate_hz": 0, "duration_s": 1}"#, "rate_hz"),
            (r#"{"rate_hz": 1000, "duration_s": 1}"#, "rate_hz"),
            (r#"{"rate_hz": 10, "duration_s": 601}"#, "duration_s"),
            (r#"{"rate_hz": 100, "duration_s": 600}"#, "events"),
            (
                r#"{"rate_hz": 1, "duration_s": 1, "lateness_ms": 700000}"#,
                "lateness_ms",
            ),
            (
                r#"{"rate_hz": 1, "duration_s": 1, "camera_id": "cam"}"#,
                "camera_id",
            ),
            (
                r#"{"rate_hz": 1, "duration_s": 1, "model_id": ""}"#,
                "model_id",
            ),
            (
                r#"{"rate_hz": 1, "duration_s": 1, "speed": 2}"#,
                "unknown field",
            ),
            (r#"{"duration_s": 1}"#, "rate_hz"),
        ];
        for (body, needle) in bad {
            let r = post(&f.url("/__demo/live"), body);
            assert_eq!(r.status, 400, "{body}");
            let message = r.json()["error"].as_str().unwrap().to_string();
            assert!(message.contains(needle), "{body}: {message}");
        }
    }

    #[test]
    fn request_log_records_requests_never_key_values() {
        let f = Fixture::emulated();
        let key = "log-secret-3";
        let a = request(
            "GET",
            &f.url(&format!("{LIST}?limit=2")),
            &[("X-API-Key", key)],
        );
        let b = f.get("/api/v1/devices?skip=0&limit=100");
        let c = f.get("/missing.js");
        let _ = f.get("/__demo/faults");
        let d = request("HEAD", &f.url("/app.js"), &[]);
        assert_eq!(d.status, 200);
        let log = f.backend.request_log();
        let want = vec![
            LogEntry {
                seq: 1,
                method: "GET".into(),
                target: format!("{LIST}?limit=2"),
                status: 200,
                api_key_present: true,
                bytes: a.body.len() as u64,
                fault: None,
                secrets_seen: vec![],
            },
            LogEntry {
                seq: 2,
                method: "GET".into(),
                target: "/api/v1/devices?skip=0&limit=100".into(),
                status: 200,
                api_key_present: false,
                bytes: b.body.len() as u64,
                fault: None,
                secrets_seen: vec![],
            },
            LogEntry {
                seq: 3,
                method: "GET".into(),
                target: "/missing.js".into(),
                status: 404,
                api_key_present: false,
                bytes: c.body.len() as u64,
                fault: None,
                secrets_seen: vec![],
            },
            LogEntry {
                seq: 4,
                method: "HEAD".into(),
                target: "/app.js".into(),
                status: 200,
                api_key_present: false,
                bytes: 0,
                fault: None,
                secrets_seen: vec![],
            },
        ];
        assert_eq!(log, want);
        let r = f.get("/__demo/log");
        assert_eq!(r.status, 200);
        assert_api_headers(&r);
        assert_eq!(r.json(), json!(want));
        assert_eq!(
            r.json()[0],
            json!({"seq": 1, "method": "GET", "target": format!("{LIST}?limit=2"), "status": 200,
                   "api_key_present": true, "bytes": a.body.len(), "fault": null})
        );
        assert!(!String::from_utf8_lossy(&r.body).contains(key));
        f.backend.reset();
        assert!(f.backend.request_log().is_empty());
        let _ = f.get(LIST);
        assert_eq!(f.backend.request_log()[0].seq, 1);
    }

    #[test]
    fn watched_secrets_are_logged_by_label_and_place_only() {
        let f = Fixture::emulated();
        let (key, pass) = ("Watch-Key-9", "p@ss");
        f.backend.watch_secrets(vec![("api-key".into(), key.into()), ("rtsp-password".into(), pass.into()), ("empty".into(), String::new())]);
        let _ = request("GET", &f.url(LIST), &[("X-API-Key", key)]);
        // Lower case and percent-encoded still count.
        let _ = request("GET", &f.url(&format!("{LIST}?k=watch-key-9&p=p%40ss")), &[("Referer", "http://x/?q=p%40ss")]);
        let _ = f.get("/api/v1/devices");
        let seen: Vec<Vec<String>> = f.backend.request_log().into_iter().map(|e| e.secrets_seen).collect();
        let want: Vec<Vec<String>> = vec![
            vec!["api-key in header x-api-key".into()],
            vec!["api-key in target".into(), "rtsp-password in target".into(), "rtsp-password in header referer".into()],
            vec![],
        ];
        assert_eq!(seen, want);
        let log = f.get("/__demo/log").json();
        assert_eq!(log[0]["secrets_seen"], json!(["api-key in header x-api-key"]));
        assert!(log[2].get("secrets_seen").is_none(), "left out when empty: {}", log[2]);
        f.backend.reset();
        let _ = request("GET", &f.url("/index.html"), &[("X-Other", key)]);
        let seen: Vec<Vec<String>> = f.backend.request_log().into_iter().map(|e| e.secrets_seen).collect();
        assert_eq!(seen, vec![vec!["api-key in header x-other".to_string()]], "the watch outlives a reset");
    }

    #[test]
    fn config_json_carries_a_viewer_key_only_when_configured() {
        let f = Fixture::emulated();
        assert!(f.get("/config.json").json().get("apiKey").is_none());
        let dir = TempDir::new();
        write_data(&dir.data());
        write_dist(&dir.dist());
        let config = BackendConfig { viewer_api_key: Some("viewer-key".into()), ..emulated_config(dir.dist(), Some(dir.data())) };
        let backend = start(config, "127.0.0.1:0").unwrap();
        let r = request("GET", &format!("http://127.0.0.1:{}/config.json", backend.port()), &[]);
        assert_eq!(r.json()["apiKey"], "viewer-key");
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
}
