//! Test fixtures: a demo data dir, a started emulator, a small HTTP client.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::faults::Faults;
use crate::http::answer::AnswerBody;
use crate::http::request::header_value;
use crate::{start, BackendConfig, RunningBackend};

pub(crate) const CAM_A: &str = "9d3f2b1a-6c4e-4b8a-a1f0-2e7d5c9b3a10";
pub(crate) const CAM_B: &str = "11111111-2222-4333-8444-555555555555";
pub(crate) const ABSENT: &str = "00000000-0000-4000-8000-000000000000";
pub(crate) const CLIP_LEN: usize = 1000;

pub(crate) fn eid(n: u32) -> String {
    format!("0b6f7a52-3c1e-4f0a-9d2b-7e5c4a1f8e0{n}")
}

pub(crate) fn device() -> Value {
    json!({
        "id": CAM_A, "name": "Demo camera", "description": null,
        "rtsp_url": "rtsp://user:secret@10.0.0.1/stream", "is_active": true,
        "location": null, "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z"
    })
}

pub(crate) fn event(n: u32, camera: &str, model: &str, ts: &str) -> Value {
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
pub(crate) fn events() -> Vec<Value> {
    vec![
        event(3, CAM_A, "m2", "2026-01-05T12:00:01Z"),
        event(5, CAM_A, "m1", "2026-01-05T12:00:03.500000Z"),
        event(1, CAM_A, "m1", "2026-01-05T12:00:00Z"),
        event(6, CAM_A, "m1", "2026-01-05T12:00:03.5Z"),
        event(4, CAM_B, "m1", "2026-01-05T12:00:02Z"),
        event(2, CAM_A, "m1", "2026-01-05T12:00:00.200000Z"),
    ]
}

pub(crate) struct TempDir(pub(crate) PathBuf);

impl TempDir {
    pub(crate) fn new() -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("xtask-demo-backend-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("data")).unwrap();
        std::fs::create_dir_all(dir.join("dist/assets")).unwrap();
        TempDir(dir)
    }
    pub(crate) fn data(&self) -> PathBuf {
        self.0.join("data")
    }
    pub(crate) fn dist(&self) -> PathBuf {
        self.0.join("dist")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(crate) fn clip_bytes() -> Vec<u8> {
    (0..CLIP_LEN).map(|i| (i % 251) as u8).collect()
}

pub(crate) fn write_json(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
}

/// `camera.json` of the test data, changed by `change` first.
pub(crate) fn write_camera_with(dir: &Path, change: impl FnOnce(&mut Value)) {
    let mut camera =
        json!({"device": device(), "start": "2026-01-05T12:00:00Z", "clip": "clip.mp4"});
    change(&mut camera);
    write_json(&dir.join("camera.json"), &camera);
}

/// `events.json` with the test events, changed by `change` first.
pub(crate) fn write_events_with(dir: &Path, change: impl FnOnce(&mut Vec<Value>)) {
    let mut list = events();
    change(&mut list);
    write_json(&dir.join("events.json"), &json!({"events": list}));
}

pub(crate) fn write_data(dir: &Path) {
    write_camera_with(dir, |_| {});
    write_json(
        &dir.join("events.json"),
        &json!({"events": events(), "total": 6, "limit": 100, "offset": 0}),
    );
    std::fs::write(dir.join("clip.mp4"), clip_bytes()).unwrap();
}

pub(crate) fn write_dist(dir: &Path) {
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
pub(crate) fn emulated_config(dist_dir: PathBuf, data_dir: Option<PathBuf>) -> BackendConfig {
    BackendConfig { dist_dir, data_dir, api_key: None, viewer_api_key: None, day_speed: None }
}

/// An emulator over the shipped demo data (no key, no viewer), and that data's directory.
pub(crate) fn demo_backend() -> (RunningBackend, PathBuf) {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../static/demo");
    let config = emulated_config(data.join("no-dist"), Some(data.clone()));
    (start(config, "127.0.0.1:0").unwrap(), data)
}

pub(crate) struct Fixture {
    pub(crate) backend: RunningBackend,
    pub(crate) _dir: TempDir,
}

impl Fixture {
    pub(crate) fn emulated() -> Fixture {
        Fixture::configured(|_| {})
    }

    /// An emulating backend over the test data, its configuration changed by `change` first.
    pub(crate) fn configured(change: impl FnOnce(&mut BackendConfig)) -> Fixture {
        let dir = TempDir::new();
        write_data(&dir.data());
        write_dist(&dir.dist());
        let mut config = emulated_config(dir.dist(), Some(dir.data()));
        change(&mut config);
        Fixture { backend: start(config, "127.0.0.1:0").unwrap(), _dir: dir }
    }

    /// An emulating backend with these faults on.
    pub(crate) fn with_faults(faults: Faults) -> Fixture {
        let f = Fixture::emulated();
        f.set(faults);
        f
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.backend.port(), path)
    }

    /// A GET answered without a socket: the emulator's own answer (no
    /// transport headers such as `Content-Length`), logged as over HTTP.
    pub(crate) fn get(&self, path: &str) -> Resp {
        self.dispatch("GET", path, &[])
    }

    /// A GET through the HTTP server.
    pub(crate) fn get_over_http(&self, path: &str) -> Resp {
        request("GET", &self.url(path), &[])
    }

    /// A request answered without a socket (see `get`).
    pub(crate) fn dispatch(&self, method: &str, target: &str, headers: &[(&str, &str)]) -> Resp {
        let headers: Vec<(String, String)> =
            headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let answer = self.backend.state.dispatch(method, target, &headers, &[]).answer;
        let body = match answer.body {
            AnswerBody::Bytes(bytes) | AnswerBody::Chunked(bytes) => bytes,
            AnswerBody::File { file, len } => {
                let mut bytes = Vec::new();
                file.take(len).read_to_end(&mut bytes).unwrap();
                bytes
            }
        };
        let body = if method == "HEAD" { Vec::new() } else { body };
        Resp { status: answer.status, headers: answer.headers, body }
    }

    pub(crate) fn stable_ties(&self) {
        self.set(Faults { stable_ties: true, ..Faults::default() });
    }

    pub(crate) fn set(&self, faults: Faults) {
        self.backend.set_faults(faults).unwrap();
    }
}

pub(crate) struct Resp {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Resp {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        header_value(&self.headers, name)
    }
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub(crate) fn ids(&self) -> Vec<String> {
        self.json()["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_string())
            .collect()
    }
}

pub(crate) fn request(method: &str, url: &str, headers: &[(&str, &str)]) -> Resp {
    send_request(method, url, headers, None)
}

/// A POST with a JSON body.
pub(crate) fn post(url: &str, body: &str) -> Resp {
    send_request("POST", url, &[("Content-Type", "application/json")], Some(body))
}

pub(crate) fn send_request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Resp {
    let agent = ureq::AgentBuilder::new().redirects(0).timeout(Duration::from_secs(10)).build();
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
    Resp { status, headers, body }
}

/// A raw request, for targets an HTTP client library would normalize.
pub(crate) fn raw_status(port: u16, target: &str) -> u16 {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line for {target}: {out:?}"))
}

pub(crate) fn assert_api_headers(r: &Resp) {
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    assert_eq!(r.header("Access-Control-Allow-Origin"), Some("*"));
}

pub(crate) fn ids(ns: &[u32]) -> Vec<String> {
    ns.iter().map(|&n| eid(n)).collect()
}

pub(crate) const LIST: &str = "/api/v1/ai-events";
pub(crate) const POISON_ID: &str = "badbad00-0000-4000-8000-000000000001";

pub(crate) fn assert_no_cors(r: &Resp, what: &str) {
    assert_eq!(r.header("Access-Control-Allow-Origin"), None, "{what}");
}

/// The error envelope of a poison page.
pub(crate) fn assert_poison_500(r: &Resp, path: &str) {
    assert_eq!(r.status, 500, "{path}: {}", String::from_utf8_lossy(&r.body));
    assert_api_headers(r);
    assert_eq!(
        r.json(),
        json!({"error": {"status": 500, "message": "Internal server error", "path": path}}),
        "{path}"
    );
}

pub(crate) fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}
