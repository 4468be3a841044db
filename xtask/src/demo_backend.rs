//! Demo backend: serves the built viewer and emulates the VAS read API from bundled data.
//!
//! Dev tooling only, never part of the viewer. One small HTTP server that:
//! - emulates the VAS AI-event and device read endpoints from a demo data dir
//!   (`camera.json`, `events.json`, a clip), following `vas-contract.md`
//!   (filters, inclusive bounds, newest-first ordering, paging, 422/404/405/307
//!   shapes, CORS), or proxies `/api/*` to a real VAS instead;
//! - generates `/config.json` for the viewer;
//! - serves `/demo/<file>` (with single-range support, needed for video seeking);
//! - serves the Trunk output with an SPA fallback to `index.html`.
//!
//! The API key and device `rtsp_url`s are never logged. Per-request logging to
//! stderr is enabled with `VAS_DEMO_LOG=1`.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{json, Value};

/// Worker threads answering requests; a slow request (a large file, a slow
/// upstream) occupies one of them and never blocks the others.
const WORKERS: usize = 16;
/// Upper bound of one answer to an open-ended range (`bytes=a-`). Browsers
/// continue with a new range request, so a paused media element never pins a
/// worker for a whole large file.
const OPEN_RANGE_CAP: u64 = 8 * 1024 * 1024;
/// Timeout of a proxied request to the real VAS.
const PROXY_TIMEOUT: Duration = Duration::from_secs(15);
/// Largest proxied body accepted from upstream.
const PROXY_BODY_LIMIT: u64 = 256 * 1024 * 1024;

/// What the demo backend serves.
#[allow(dead_code)]
pub struct BackendConfig {
    /// The built viewer (Trunk output): index.html, wasm, js, css.
    pub dist_dir: PathBuf,
    /// Demo data: camera.json, events.json, the clip file; None in proxy mode.
    pub data_dir: Option<PathBuf>,
    /// Some(url): proxy /api/* to a real VAS instead of emulating it.
    pub vas_base_url: Option<String>,
    /// Added as X-API-Key header on proxied requests only.
    pub vas_api_key: Option<String>,
}

/// A started backend; dropping it stops it as `stop` does.
#[allow(dead_code)]
pub struct RunningBackend {
    local: SocketAddr,
    /// None once stopped.
    server: Option<Arc<tiny_http::Server>>,
    stopping: Arc<AtomicBool>,
    workers: Vec<JoinHandle<()>>,
}

#[allow(dead_code)]
impl RunningBackend {
    /// The bound TCP port.
    pub fn port(&self) -> u16 {
        self.local.port()
    }

    /// `http://127.0.0.1:PORT/`
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.local.port())
    }

    /// Stops accepting requests, joins the worker threads and returns once
    /// the listening socket is closed (the port can be bound again).
    pub fn stop(self) {
        // Drop does the work.
    }

    fn shutdown(&mut self) {
        let Some(server) = self.server.take() else {
            return;
        };
        self.stopping.store(true, Ordering::SeqCst);
        // Each unblock wakes exactly one waiting `recv`; every worker exits
        // after the first wake-up it sees once `stopping` is set.
        for _ in 0..self.workers.len() {
            server.unblock();
        }
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
        // The last reference: tiny_http wakes its accept thread, which then
        // drops the listener on its own a moment later. Wait (bounded) until
        // the port refuses connections so that `stop` really means stopped.
        drop(server);
        let mut probe = self.local;
        if probe.ip().is_unspecified() {
            probe.set_ip(match probe {
                SocketAddr::V4(_) => Ipv4Addr::LOCALHOST.into(),
                SocketAddr::V6(_) => Ipv6Addr::LOCALHOST.into(),
            });
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline
            && TcpStream::connect_timeout(&probe, Duration::from_millis(200)).is_ok()
        {
            std::thread::sleep(Duration::from_millis(2));
        }
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
    let mode = match (&config.vas_base_url, &config.data_dir) {
        (Some(base), _) => {
            let base = base.trim().trim_end_matches('/').to_string();
            if !(base.starts_with("http://") || base.starts_with("https://")) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "vas_base_url must start with http:// or https://",
                ));
            }
            Mode::Proxy(Proxy {
                base,
                key: config.vas_api_key.clone().filter(|k| !k.is_empty()),
                agent: ureq::AgentBuilder::new()
                    .timeout(PROXY_TIMEOUT)
                    .redirects(0)
                    .build(),
            })
        }
        (None, Some(dir)) => Mode::Emulated(Box::new(DemoData::load(dir)?)),
        (None, None) => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "demo backend: set either data_dir (emulated VAS) or vas_base_url (proxy)",
            ))
        }
    };
    // In proxy mode a data dir, if given anyway, still serves /demo/ files.
    let demo_dir = match &mode {
        Mode::Emulated(data) => Some(data.dir.clone()),
        Mode::Proxy(_) => config.data_dir.clone(),
    };

    let listener = TcpListener::bind(bind)?;
    let local = listener.local_addr()?;
    let server = tiny_http::Server::from_listener(listener, None)
        .map_err(|e| io::Error::other(format!("demo backend: cannot start server: {e}")))?;
    let server = Arc::new(server);

    let state = Arc::new(State {
        dist_dir: config.dist_dir,
        demo_dir,
        mode,
        log: std::env::var("VAS_DEMO_LOG")
            .map(|v| v == "1")
            .unwrap_or(false),
        local_host: format!("127.0.0.1:{}", local.port()),
        live: live.map(LiveStore::new).transpose()?,
    });
    let stopping = Arc::new(AtomicBool::new(false));

    let mut workers = Vec::with_capacity(WORKERS);
    for i in 0..WORKERS {
        let worker_server = Arc::clone(&server);
        let worker_state = Arc::clone(&state);
        let worker_stopping = Arc::clone(&stopping);
        let spawned = std::thread::Builder::new()
            .name(format!("demo-backend-{i}"))
            .spawn(move || loop {
                match worker_server.recv() {
                    Ok(request) => worker_state.handle(request),
                    Err(_) => {
                        if worker_stopping.load(Ordering::SeqCst) {
                            break;
                        }
                    }
                }
            });
        match spawned {
            Ok(handle) => workers.push(handle),
            Err(e) => {
                // Stop the ones already running before reporting.
                drop(RunningBackend {
                    local,
                    server: Some(server),
                    stopping,
                    workers,
                });
                return Err(e);
            }
        }
    }

    Ok(RunningBackend {
        local,
        server: Some(server),
        stopping,
        workers,
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
}

struct StoredEvent {
    ts_us: i64,
    camera_id: String,
    model_id: String,
    raw: Value,
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
            if !event.is_object() {
                return Err(at("must be a JSON object".into()));
            }
            let field = |name: &str| -> io::Result<&str> {
                event
                    .get(name)
                    .and_then(Value::as_str)
                    .ok_or_else(|| at(format!("`{name}` must be a string")))
            };
            let id_raw = field("id")?;
            let id = parse_uuid(id_raw)
                .map_err(|e| at(format!("`id` {id_raw:?} is not a UUID ({e})")))?;
            let camera_raw = field("camera_id")?;
            let camera_id = parse_uuid(camera_raw)
                .map_err(|e| at(format!("`camera_id` {camera_raw:?} is not a UUID ({e})")))?;
            let model_id = field("model_id")?.to_string();
            let ts_raw = field("timestamp")?;
            let ts_us = parse_rfc3339(ts_raw).map_err(|e| {
                at(format!(
                    "`timestamp` {ts_raw:?} is not an RFC 3339 time ({e})"
                ))
            })?;
            if let Some(first) = seen.insert(id.clone(), i) {
                return Err(at(format!(
                    "duplicate `id` {id_raw:?} (also events[{first}])"
                )));
            }
            events.push(StoredEvent {
                ts_us,
                camera_id,
                model_id,
                raw: event.clone(),
            });
        }
        // Stable: equal timestamps keep their file order.
        events.sort_by_key(|e| std::cmp::Reverse(e.ts_us));
        let by_id = events
            .iter()
            .enumerate()
            .filter_map(|(i, e)| {
                let id = e.raw.get("id").and_then(Value::as_str)?;
                Some((parse_uuid(id).ok()?, i))
            })
            .collect();

        Ok(DemoData {
            dir: dir.to_path_buf(),
            device,
            device_id,
            device_id_raw,
            start,
            clip,
            events,
            by_id,
        })
    }
}

// ---------------------------------------------------------------------------
// Request handling

enum Mode {
    Emulated(Box<DemoData>),
    Proxy(Proxy),
}

struct Proxy {
    /// Without a trailing slash.
    base: String,
    key: Option<String>,
    agent: ureq::Agent,
}

struct State {
    dist_dir: PathBuf,
    demo_dir: Option<PathBuf>,
    mode: Mode,
    log: bool,
    local_host: String,
    live: Option<LiveStore>,
}

enum Body {
    Bytes(Vec<u8>),
    File { file: File, len: u64 },
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
}

/// The parts of a request the handlers need, detached from tiny_http.
struct Req<'a> {
    method: &'a str,
    /// Raw path as received (still percent-encoded).
    path: &'a str,
    /// Raw query (without `?`), if any.
    query: Option<&'a str>,
    headers: &'a [tiny_http::Header],
}

impl Req<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }

    fn is_get_or_head(&self) -> bool {
        self.method == "GET" || self.method == "HEAD"
    }
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

impl State {
    fn handle(&self, request: tiny_http::Request) {
        let Some(request) = self.live_handle(request) else { return };
        let started = Instant::now();
        let method = request.method().as_str().to_ascii_uppercase();
        let target = request.url().to_string();
        let (path, query) = split_target(&target);
        let req = Req {
            method: &method,
            path,
            query,
            headers: request.headers(),
        };
        let (reply, proxied) = self.route(&req);
        let status = reply.status;
        let result = send(request, reply);
        if self.log {
            let via = if proxied { " (proxied)" } else { "" };
            let failed = match result {
                Ok(()) => String::new(),
                Err(e) => format!(" [send failed: {e}]"),
            };
            eprintln!(
                "demo-backend: {method} {target} -> {status}{via} in {:.1} ms{failed}",
                started.elapsed().as_secs_f64() * 1000.0
            );
        }
    }

    /// Returns the reply and whether it came from the upstream VAS.
    fn route(&self, req: &Req) -> (Reply, bool) {
        if req.path == "/api" || req.path.starts_with("/api/") {
            if req.method == "OPTIONS" {
                return (preflight(req), false);
            }
            return match &self.mode {
                Mode::Proxy(proxy) => {
                    if req.method == "GET" {
                        (proxy.forward(req, &self.host(req)), true)
                    } else {
                        (
                            api_error(405, "Method Not Allowed", req.path).with("Allow", "GET"),
                            false,
                        )
                    }
                }
                Mode::Emulated(data) => (self.emulate(data, req), false),
            };
        }
        if req.path == "/config.json" {
            if !req.is_get_or_head() {
                return (method_not_allowed(), false);
            }
            return (self.config_json(), false);
        }
        if let Some(rest) = req.path.strip_prefix("/demo/") {
            if !req.is_get_or_head() {
                return (method_not_allowed(), false);
            }
            let Some(dir) = &self.demo_dir else {
                return (Reply::text(404, "Not Found"), false);
            };
            return match safe_relative_path(rest, true) {
                Some(rel) if dir.join(&rel).is_file() => {
                    (serve_file(&dir.join(rel), req.header("Range")), false)
                }
                _ => (Reply::text(404, "Not Found"), false),
            };
        }
        (self.static_file(req), false)
    }

    fn host(&self, req: &Req) -> String {
        req.header("Host")
            .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()))
            .unwrap_or(&self.local_host)
            .to_string()
    }

    fn config_json(&self) -> Reply {
        let clips = match &self.mode {
            Mode::Emulated(data) => json!([{
                "cameraId": data.device_id_raw,
                "src": format!("/demo/{}", encode_path(&data.clip)),
                "start": data.start,
            }]),
            Mode::Proxy(_) => json!([]),
        };
        let body = json!({"apiBaseUrl": "", "clips": clips});
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

    fn emulate(&self, data: &DemoData, req: &Req) -> Reply {
        let route = match match_api_route(req.path) {
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
                Ok(id) => match data.by_id.get(&id) {
                    Some(&i) => api_json(200, &data.events[i].raw, true),
                    None => api_error(404, &format!("AI event {id} not found"), req.path),
                },
            },
            ApiRoute::Events => list_events(data, &query, None, req.path),
            ApiRoute::CameraEvents(camera) => list_events(data, &query, Some(&camera), req.path),
        }
    }
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

fn list_events(
    data: &DemoData,
    query: &[(String, String)],
    path_camera: Option<&str>,
    path: &str,
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
    let model = query_get(query, "model_id");
    let start = time_param(query, "start_time", &mut errors);
    let end = time_param(query, "end_time", &mut errors);
    let limit = int_param(query, "limit", 100, Some(1), Some(1000), &mut errors);
    let offset = int_param(query, "offset", 0, Some(0), None, &mut errors);
    if !errors.is_empty() {
        return validation_error(errors, path);
    }

    let matches: Vec<&StoredEvent> = data
        .events
        .iter()
        .filter(|e| camera.as_ref().is_none_or(|c| &e.camera_id == c))
        .filter(|e| model.is_none_or(|m| e.model_id == m))
        .filter(|e| start.is_none_or(|s| e.ts_us >= s))
        .filter(|e| end.is_none_or(|t| e.ts_us <= t))
        .collect();
    let page = ListPage {
        events: matches
            .iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(|e| &e.raw)
            .collect(),
        total: matches.len(),
        limit,
        offset,
    };
    let body = serde_json::to_vec(&page).unwrap_or_default();
    Reply::bytes(200, "application/json", body).with("Access-Control-Allow-Origin", "*")
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
// Proxy

impl Proxy {
    fn forward(&self, req: &Req, host: &str) -> Reply {
        let mut url = format!("{}{}", self.base, req.path);
        if let Some(q) = req.query {
            url.push('?');
            url.push_str(q);
        }
        let mut request = self.agent.get(&url);
        let key = self
            .key
            .as_deref()
            .or_else(|| req.header("X-API-Key").filter(|k| !k.is_empty()));
        if let Some(key) = key {
            request = request.set("X-API-Key", key);
        }
        if let Some(accept) = req.header("Accept") {
            request = request.set("Accept", accept);
        }
        let response = match request.call() {
            Ok(response) => response,
            Err(ureq::Error::Status(_, response)) => response,
            Err(ureq::Error::Transport(t)) => {
                // Not the Display of `t`: it would print the URL, which may
                // carry credentials in its userinfo.
                let mut message = format!("VAS unreachable: {}", t.kind());
                if let Some(m) = t.message() {
                    message.push_str(": ");
                    message.push_str(m);
                }
                if let Some(source) = std::error::Error::source(&t) {
                    message.push_str(": ");
                    message.push_str(&source.to_string());
                }
                return api_error(502, &message, req.path);
            }
        };

        let status = response.status();
        let mut headers = Vec::new();
        for name in [
            "Content-Type",
            "Cache-Control",
            "ETag",
            "Last-Modified",
            "Allow",
        ] {
            if let Some(value) = response.header(name) {
                headers.push((name.to_string(), value.to_string()));
            }
        }
        if let Some(location) = response.header("Location") {
            // VAS builds redirects from the Host it saw (the upstream one):
            // point them back at this server.
            let location = match location.strip_prefix(self.base.as_str()) {
                Some(rest) if rest.is_empty() || rest.starts_with('/') || rest.starts_with('?') => {
                    format!("http://{host}{rest}")
                }
                _ => location.to_string(),
            };
            headers.push(("Location".into(), location));
        }
        headers.push(("Access-Control-Allow-Origin".into(), "*".into()));

        let mut body = Vec::new();
        if let Err(e) = response
            .into_reader()
            .take(PROXY_BODY_LIMIT)
            .read_to_end(&mut body)
        {
            return api_error(
                502,
                &format!("VAS response could not be read: {e}"),
                req.path,
            );
        }
        Reply {
            status,
            headers,
            body: Body::Bytes(body),
        }
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

fn send(request: tiny_http::Request, reply: Reply) -> io::Result<()> {
    let headers: Vec<tiny_http::Header> = reply
        .headers
        .iter()
        .filter_map(|(k, v)| tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()).ok())
        .collect();
    let (reader, len): (Box<dyn Read + Send>, u64) = match reply.body {
        Body::Bytes(bytes) => {
            let len = bytes.len() as u64;
            (Box::new(io::Cursor::new(bytes)), len)
        }
        Body::File { file, len } => (Box::new(file.take(len)), len),
    };
    let response = tiny_http::Response::new(
        tiny_http::StatusCode(reply.status),
        headers,
        reader,
        Some(usize::try_from(len).unwrap_or(usize::MAX)),
        None,
    )
    // Always a Content-Length (never chunked), which media elements prefer.
    .with_chunked_threshold(usize::MAX);
    request.respond(response)
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
// | `POST /__live/events` | an array of VAS events of live cameras | `{"inserted": n, "stored": total}` |
// | `GET /api/v1/devices` | | the demo's devices, then the live cameras |
// | `GET /api/v1/devices/{live id}` | | that camera |
// | event lists of a live camera | | its events, filtered and paged as VAS does |
//
// Everything else is answered by the sections above.

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
const MAX_LIVE_EVENTS: usize = 200_000;

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
        events.truncate(MAX_LIVE_EVENTS);
        Ok((n, events.len()))
    }

    /// An event list of one live camera, as `list_events` answers for the demo data.
    fn list(&self, camera: &str, query: &[(String, String)], path: &str) -> Reply {
        let mut errors = Vec::new();
        let model = query_get(query, "model_id");
        let start = time_param(query, "start_time", &mut errors);
        let end = time_param(query, "end_time", &mut errors);
        let limit = int_param(query, "limit", 100, Some(1), Some(1000), &mut errors);
        let offset = int_param(query, "offset", 0, Some(0), None, &mut errors);
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
    /// Answers the live rig's requests; hands every other request back.
    fn live_handle(&self, mut request: tiny_http::Request) -> Option<tiny_http::Request> {
        let Some(live) = &self.live else { return Some(request) };
        let target = request.url().to_string();
        let (path, query) = split_target(&target);
        let method = request.method().as_str().to_ascii_uppercase();
        let reply = if path == "/__live/events" && method == "POST" {
            let mut body = Vec::new();
            let read = request.as_reader().take(64 * 1024 * 1024).read_to_end(&mut body);
            match read.map_err(|e| e.to_string()).and_then(|_| live.insert(&body)) {
                Ok((n, total)) => api_json(200, &json!({"inserted": n, "stored": total}), true),
                Err(e) => api_json(400, &json!({"error": e}), true),
            }
        } else if method != "GET" {
            return Some(request);
        } else {
            let q = parse_query(query.unwrap_or(""));
            match match_api_route(path) {
                Some(ApiRoute::Devices) => {
                    // The demo's (or the proxied VAS's) answer, then the live cameras.
                    let req = Req { method: &method, path, query, headers: request.headers() };
                    let (reply, _) = self.route(&req);
                    let mut list: Vec<Value> = match &reply.body {
                        Body::Bytes(b) if reply.status == 200 => serde_json::from_slice(b).unwrap_or_default(),
                        _ => return Some(request),
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
                _ => return Some(request),
            }
        };
        let _ = send(request, reply);
        None
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

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 {
                29
            } else {
                28
            }
        }
    }
}

/// Parses an RFC 3339 date-time to microseconds since the Unix epoch.
///
/// `YYYY-MM-DD(T|t| )HH:MM:SS[.fraction][Z|z|+hh:mm|-hh:mm]`; the fraction has
/// 1 to 9 digits (digits past the microsecond are truncated); a time without a
/// zone is read as UTC (the local zone of this server). Errors read like the
/// ones VAS reports ("invalid timezone sign" for `+` decoded to a space).
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::sync::atomic::AtomicUsize;

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

    /// In file order (deliberately unsorted). Newest first is 5, 6 (tie, file
    /// order kept), 4, 3, 2, 1.
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

    fn write_data(dir: &Path) {
        write_json(
            &dir.join("camera.json"),
            &json!({"device": device(), "start": "2026-01-05T12:00:00Z", "clip": "clip.mp4"}),
        );
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

    struct Fixture {
        backend: RunningBackend,
        _dir: TempDir,
    }

    impl Fixture {
        fn emulated() -> Fixture {
            let dir = TempDir::new();
            write_data(&dir.data());
            write_dist(&dir.dist());
            let backend = start(
                BackendConfig {
                    dist_dir: dir.dist(),
                    data_dir: Some(dir.data()),
                    vas_base_url: None,
                    vas_api_key: None,
                },
                "127.0.0.1:0",
            )
            .unwrap();
            Fixture { backend, _dir: dir }
        }

        fn proxy(base: &str, key: Option<&str>) -> Fixture {
            let dir = TempDir::new();
            write_dist(&dir.dist());
            let backend = start(
                BackendConfig {
                    dist_dir: dir.dist(),
                    data_dir: None,
                    vas_base_url: Some(base.to_string()),
                    vas_api_key: key.map(str::to_string),
                },
                "127.0.0.1:0",
            )
            .unwrap();
            Fixture { backend, _dir: dir }
        }

        fn url(&self, path: &str) -> String {
            format!("http://127.0.0.1:{}{}", self.backend.port(), path)
        }

        fn get(&self, path: &str) -> Resp {
            request("GET", &self.url(path), &[])
        }
    }

    struct Resp {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    }

    impl Resp {
        fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
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
        let agent = ureq::AgentBuilder::new()
            .redirects(0)
            .timeout(Duration::from_secs(10))
            .build();
        let mut req = agent.request(method, url);
        for (k, v) in headers {
            req = req.set(k, v);
        }
        let response = match req.call() {
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

        let p = Fixture::proxy("http://127.0.0.1:9", None);
        assert_eq!(
            p.get("/config.json").json(),
            json!({"apiBaseUrl": "", "clips": []})
        );
        assert_eq!(p.get("/demo/clip.mp4").status, 404);
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

    // -- proxy mode ---------------------------------------------------------

    #[test]
    fn proxy_passes_upstream_answers_through() {
        let upstream = Fixture::emulated();
        let base = format!("http://127.0.0.1:{}/", upstream.backend.port());
        let proxy = Fixture::proxy(&base, Some("demo-key"));
        let targets = [
            "/api/v1/ai-events?limit=2&offset=1".to_string(),
            format!("/api/v1/ai-events/cameras/{CAM_A}/events?model_id=m1"),
            format!("/api/v1/ai-events/{}", eid(4)),
            format!("/api/v1/ai-events/{ABSENT}"),
            "/api/v1/ai-events?limit=0".to_string(),
            "/api/v1/ai-events?start_time=2026-01-05T13:00:00+01:00".to_string(),
            "/api/v1/ai-events?start_time=2026-01-05T13:00:00%2B01:00".to_string(),
            "/api/v1/devices?skip=0&limit=100".to_string(),
            "/api/v1/unknown".to_string(),
        ];
        for target in &targets {
            let direct = upstream.get(target);
            let via = proxy.get(target);
            assert_eq!(via.status, direct.status, "{target}");
            assert_eq!(
                via.header("Content-Type"),
                direct.header("Content-Type"),
                "{target}"
            );
            assert_eq!(via.body, direct.body, "{target}");
            assert_eq!(
                via.header("Access-Control-Allow-Origin"),
                Some("*"),
                "{target}"
            );
        }
        let r = proxy.get("/api/v1/ai-events?start_time=2026-01-05T13:00:00+01:00");
        assert_eq!(r.status, 422);
        assert!(r.json()["error"]["details"][0]["msg"]
            .as_str()
            .unwrap()
            .contains("invalid timezone sign"));

        // Redirects point back at the proxy.
        let r = proxy.get("/api/v1/ai-events/?limit=5");
        assert_eq!(r.status, 307);
        let want = format!(
            "http://127.0.0.1:{}/api/v1/ai-events?limit=5",
            proxy.backend.port()
        );
        assert_eq!(r.header("Location"), Some(want.as_str()));

        // Answered locally: preflight, non-GET; the viewer is still served.
        let r = request("OPTIONS", &proxy.url("/api/v1/ai-events"), &[]);
        assert_eq!(r.header("Access-Control-Allow-Origin"), Some("*"));
        assert_eq!(
            request("HEAD", &proxy.url("/api/v1/ai-events"), &[]).status,
            405
        );
        assert_eq!(
            request("POST", &proxy.url("/api/v1/devices"), &[]).status,
            405
        );
        assert_eq!(proxy.get("/cameras/x").status, 200);
    }

    /// A stand-in VAS that echoes the API key and the request target it got.
    struct Echo {
        server: Arc<tiny_http::Server>,
        thread: Option<JoinHandle<()>>,
    }

    impl Echo {
        fn start() -> Echo {
            let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
            let s = Arc::clone(&server);
            let thread = std::thread::spawn(move || {
                while let Ok(rq) = s.recv() {
                    let key = rq
                        .headers()
                        .iter()
                        .find(|h| h.field.equiv("X-API-Key"))
                        .map(|h| h.value.to_string());
                    let body = json!({"key": key, "target": rq.url()}).to_string();
                    let status = if key.is_some() { 200 } else { 401 };
                    let header =
                        tiny_http::Header::from_bytes("Content-Type", "application/json").unwrap();
                    let _ = rq.respond(
                        tiny_http::Response::from_string(body)
                            .with_status_code(status)
                            .with_header(header),
                    );
                }
            });
            Echo {
                server,
                thread: Some(thread),
            }
        }

        fn base(&self) -> String {
            format!(
                "http://127.0.0.1:{}",
                self.server.server_addr().to_ip().unwrap().port()
            )
        }
    }

    impl Drop for Echo {
        fn drop(&mut self) {
            self.server.unblock();
            if let Some(t) = self.thread.take() {
                let _ = t.join();
            }
        }
    }

    #[test]
    fn proxy_api_key_and_raw_query() {
        let echo = Echo::start();
        let with_key = Fixture::proxy(&echo.base(), Some("configured-key"));
        let without_key = Fixture::proxy(&echo.base(), None);
        let target = "/api/v1/ai-events?start_time=2026-01-05T12:00:00+01:00&model_id=a%20b&x=%2B";
        // proxy, incoming key, status, key seen upstream
        let cases: &[(&Fixture, Option<&str>, u16, Value)] = &[
            (&with_key, None, 200, json!("configured-key")),
            (
                &with_key,
                Some("incoming-key"),
                200,
                json!("configured-key"),
            ),
            (
                &without_key,
                Some("incoming-key"),
                200,
                json!("incoming-key"),
            ),
            (&without_key, None, 401, json!(null)),
        ];
        for (proxy, incoming, status, key) in cases {
            let headers: Vec<(&str, &str)> = incoming.iter().map(|k| ("X-API-Key", *k)).collect();
            let r = request("GET", &proxy.url(target), &headers);
            assert_eq!(r.status, *status, "{incoming:?}");
            assert_eq!(r.header("Content-Type"), Some("application/json"));
            assert_eq!(
                r.json(),
                json!({"key": key, "target": target}),
                "{incoming:?}"
            );
        }
    }

    #[test]
    fn proxy_unreachable_upstream_is_502() {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let proxy = Fixture::proxy(&format!("http://127.0.0.1:{port}"), Some("secret-key"));
        let r = proxy.get("/api/v1/ai-events?limit=1");
        assert_eq!(r.status, 502);
        assert_api_headers(&r);
        let body = r.json();
        assert_eq!(body["error"]["status"], json!(502));
        assert_eq!(body["error"]["path"], json!("/api/v1/ai-events"));
        assert!(!String::from_utf8_lossy(&r.body).contains("secret-key"));
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
                    write_json(
                        &d.join("camera.json"),
                        &json!({"start": "2026-01-05T12:00:00Z", "clip": "clip.mp4"}),
                    )
                },
                &["camera.json", "`device`"],
            ),
            (
                "bad device id",
                |d| {
                    write_json(
                        &d.join("camera.json"),
                        &json!({"device": {"id": "cam"}, "start": "2026-01-05T12:00:00Z", "clip": "clip.mp4"}),
                    )
                },
                &["camera.json", "`device.id`", "UUID"],
            ),
            (
                "bad start",
                |d| {
                    write_json(
                        &d.join("camera.json"),
                        &json!({"device": device(), "start": "noon", "clip": "clip.mp4"}),
                    )
                },
                &["camera.json", "`start`", "RFC 3339"],
            ),
            (
                "clip missing",
                |d| std::fs::remove_file(d.join("clip.mp4")).unwrap(),
                &["camera.json", "`clip`", "does not exist"],
            ),
            (
                "clip escapes",
                |d| {
                    write_json(
                        &d.join("camera.json"),
                        &json!({"device": device(), "start": "2026-01-05T12:00:00Z", "clip": "../clip.mp4"}),
                    )
                },
                &["camera.json", "`clip`", "inside the data dir"],
            ),
            (
                "no envelope",
                |d| write_json(&d.join("events.json"), &json!([])),
                &["events.json", "envelope"],
            ),
            (
                "bad timestamp",
                |d| {
                    let mut list = events();
                    list[1]["timestamp"] = json!("2026-01-05T12:00:00 01:00");
                    write_json(&d.join("events.json"), &json!({"events": list}));
                },
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
                    let mut list = events();
                    list[2].as_object_mut().unwrap().remove("model_id");
                    write_json(&d.join("events.json"), &json!({"events": list}));
                },
                &["events.json", "events[2]", "`model_id`"],
            ),
            (
                "duplicate id",
                |d| {
                    let mut list = events();
                    list[4]["id"] = list[0]["id"].clone();
                    write_json(&d.join("events.json"), &json!({"events": list}));
                },
                &["events.json", "events[4]", "duplicate", "events[0]"],
            ),
        ];
        for (name, mutate, needles) in cases {
            let dir = TempDir::new();
            write_data(&dir.data());
            mutate(&dir.data());
            let config = BackendConfig {
                dist_dir: dir.dist(),
                data_dir: Some(dir.data()),
                vas_base_url: None,
                vas_api_key: None,
            };
            let err = match start(config, "127.0.0.1:0") {
                Ok(_) => panic!("{name}: started"),
                Err(e) => e.to_string(),
            };
            for needle in *needles {
                assert!(err.contains(needle), "{name}: {err:?} lacks {needle:?}");
            }
        }

        let dir = TempDir::new();
        let config = |data_dir: Option<PathBuf>| BackendConfig {
            dist_dir: dir.dist(),
            data_dir,
            vas_base_url: None,
            vas_api_key: None,
        };
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
        let backend = start(
            BackendConfig {
                dist_dir: dir.dist(),
                data_dir: Some(data.clone()),
                vas_base_url: None,
                vas_api_key: None,
            },
            "127.0.0.1:0",
        )
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

        let list = request("GET", &url("/api/v1/ai-events?limit=1000"), &[]).json();
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
}
