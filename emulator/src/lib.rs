//! The VAS emulator: serves the built viewer and emulates the VAS read API from bundled data.
//!
//! Dev tooling only, never part of the viewer. One small HTTP server that:
//! - emulates the VAS AI-event and device read endpoints from a demo data dir
//!   (`camera.json`, `events.json`, a clip), following `vas-contract.md`
//!   (filters, inclusive bounds, newest-first ordering, paging, 422/404/405/307
//!   shapes, CORS, and with `api_key` set VAS's auth: 401/403 before CORS);
//!   the production server (`vas-viewer-server`) relays to it as to VAS;
//! - lists the live rig's cameras ([`start_with_live`]) as devices beside
//!   the demo camera, their events rows of the same table;
//! - generates `/config.json` for the viewer;
//! - serves `/demo/<file>` (with single-range support, needed for video seeking);
//! - serves the Trunk output with an SPA fallback to `index.html`.
//!
//! HTTP is hyper's (`http::server`); each request's handler runs on a thread of its
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
//! | `POST /__demo/reset` | | back to the started state: no faults, no inserted events (the live rig's too), generators stopped, log and counters cleared; `{"reset": true}` |
//! | `POST /__demo/events` | an array of VAS events, or `{"events": [...]}` | `{"inserted": n, "stored": total}`; all or nothing |
//! | `POST /__demo/live` | a [`LiveConfig`] | `{"generator": id, "count": n}` |
//! | `GET /__demo/log` | | the request log: an array of [`LogEntry`] |
//! | `POST /__live/events` | the live rig's events (see `live/rig_cameras.rs`) | `{"inserted": n, "stored": total, "inserted_at_us": t}` |
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

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};

use serde_json::Value;

use crate::demo_data::DemoData;
use crate::emulator::Emulator;
use crate::http::server;
use crate::run_time_state::RunTimeState;
use crate::text_formats::now_us;

mod api;
mod control_api;
pub mod day_recording;
mod demo_data;
mod emulator;
mod faults;
mod http;
mod live;
mod recording;
mod request_log;
mod run_time_state;
#[cfg(test)]
mod test_support;
mod text_formats;
mod validation;

pub use api::events::HUGE_MODEL_ID;
pub use faults::{AuthFault, Faults, PoisonRow, PoisonSpec, POISON_MODEL_ID};
pub use http::server::MAX_CONNECTIONS;
pub use live::generator::{LiveConfig, LiveStarted, LIVE_MODEL_ID};
pub use live::rig_cameras::{parse_time_us, LiveCameras};
pub use recording::BARE_CAMERA_ID;
pub use request_log::LogEntry;

/// What the demo backend serves.
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
pub struct RunningBackend {
    local: SocketAddr,
    /// None once stopped.
    server: Option<server::Server>,
    state: Arc<Emulator>,
}

impl RunningBackend {
    /// Replaces the active fault modes (see [`Faults`]). Errors name a bad
    /// field; nothing changes then.
    pub fn set_faults(&self, faults: Faults) -> Result<(), String> {
        self.state.set_faults(faults).map_err(|(_, m)| m)
    }

    /// The active fault modes (`fail_count` is what is left of it).
    pub fn faults(&self) -> Faults {
        self.state.lock().faults.clone()
    }

    /// Stores VAS event objects at run time (all or nothing); they show in
    /// the lists at once. Returns how many were stored. An event whose
    /// `detections` is not an object is a poison row.
    pub fn insert_events(&self, events: Vec<Value>) -> Result<usize, String> {
        self.state.insert_events(events).map_err(|(_, m)| m)
    }

    /// Starts a live event generator (see [`LiveConfig`]).
    pub fn start_live(&self, config: LiveConfig) -> Result<LiveStarted, String> {
        self.state.start_live(&config).map_err(|(_, m)| m)
    }

    /// Back to the started state: no faults, no inserted events (the live
    /// rig's too), generators stopped (and joined), request log and counters cleared.
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

/// Loads and validates the demo data, binds `bind` (for
/// example `127.0.0.1:0`), starts the workers and returns at once.
pub fn start(config: BackendConfig, bind: &str) -> io::Result<RunningBackend> {
    start_with_live(config, bind, None)
}

/// `start`, with the live rig's cameras listed as devices after the demo
/// camera; their events come in by `POST /__live/events` (see
/// `live/rig_cameras.rs`).
pub fn start_with_live(
    config: BackendConfig,
    bind: &str,
    live: Option<LiveCameras>,
) -> io::Result<RunningBackend> {
    let Some(dir) = &config.data_dir else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "demo backend: the emulated VAS needs a data_dir",
        ));
    };
    let mut data = Box::new(DemoData::load(dir)?);
    let day_clock = day_recording::DayClock::start(now_us(), config.day_speed)?;
    data.day = day_recording::DayRecording::load(dir, day_clock)?;
    data.live_cameras = live.map(LiveCameras::into_devices).transpose()?.unwrap_or_default();

    let listener = TcpListener::bind(bind)?;
    let local = listener.local_addr()?;
    let state = Arc::new(Emulator {
        dist_dir: config.dist_dir,
        data,
        api_key: config.api_key.filter(|k| !k.is_empty()),
        log_to_stderr: std::env::var("VAS_DEMO_LOG").map(|v| v == "1").unwrap_or(false),
        local_host: format!("127.0.0.1:{}", local.port()),
        run_time: Mutex::new(RunTimeState::default()),
        wake: Condvar::new(),
        viewer_api_key: config.viewer_api_key.filter(|k| !k.is_empty()),
        watched: Mutex::new(Vec::new()),
    });
    let handler: Arc<server::Handler> = {
        let state = Arc::clone(&state);
        Arc::new(move |request: &server::Request, out: &mut server::Responder| {
            state.handle(request, out)
        })
    };
    let server = server::Server::start(listener, handler)
        .map_err(|e| io::Error::other(format!("demo backend: cannot start server: {e}")))?;
    Ok(RunningBackend { local, server: Some(server), state })
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;

    use crate::test_support::{request, Fixture};

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
}
