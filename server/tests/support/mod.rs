//! Test harness: a stand-in VAS that counts what reaches it, and the server under test in front of it.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ws::{Message, WebSocketUpgrade};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use clap::Parser;
use tokio::net::TcpListener;
use tokio::sync::watch;
use vas_viewer_server::config::{Flags, ServerConfig};

pub const CAMERA: &str = "5e1f0000-0000-4000-8000-0000000de300";
/// Camera credentials the stand-in VAS puts in `rtsp_url`.
pub const CAMERA_SECRET: &str = "cam-user:cam-pass-canary";
/// The key the server is configured with.
pub const SERVER_KEY: &str = "server-key-canary-7f3a";
/// Size of the stand-in's big segment.
pub const SEGMENT_BYTES: usize = 48 * 1024 * 1024;
/// Where the stand-in's broken segment stops.
pub const BROKEN_AFTER: usize = 1024 * 1024;

/// What reached the stand-in VAS.
#[derive(Default)]
pub struct Seen {
    pub requests: AtomicUsize,
    pub keys: Mutex<Vec<Option<String>>>,
    pub paths: Mutex<Vec<String>>,
    pub sockets_opened: AtomicUsize,
    pub sockets_open: AtomicUsize,
    /// Signaling messages received.
    pub messages: AtomicUsize,
}

impl Seen {
    pub fn count(&self) -> usize {
        self.requests.load(Ordering::SeqCst) + self.sockets_opened.load(Ordering::SeqCst)
    }
}

pub struct StandInVas {
    pub addr: SocketAddr,
    pub seen: Arc<Seen>,
}

fn device(id: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id, "name": "gate", "description": null,
        "rtsp_url": format!("rtsp://{CAMERA_SECRET}@10.0.0.9/stream1"),
        "is_active": true, "location": null,
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
    })
}

async fn record(
    State(seen): State<Arc<Seen>>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    if !request.uri().path().starts_with("/ws/") {
        seen.requests.fetch_add(1, Ordering::SeqCst);
    }
    let key = request.headers().get("x-api-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    seen.keys.lock().unwrap().push(key);
    seen.paths.lock().unwrap().push(request.uri().to_string());
    next.run(request).await
}

async fn segment(Path((_, file)): Path<(String, String)>) -> Response {
    let broken = file == "segment-999.ts";
    let total = SEGMENT_BYTES;
    let chunk = vec![0x47u8; 64 * 1024];
    let chunks = if broken { BROKEN_AFTER / chunk.len() } else { total / chunk.len() };
    let stream = futures_util::stream::iter((0..=chunks).map(move |i| {
        if i == chunks {
            if broken {
                Err(std::io::Error::other("the recorder's file vanished"))
            } else {
                Ok(axum::body::Bytes::new())
            }
        } else {
            Ok(axum::body::Bytes::from(chunk.clone()))
        }
    }));
    (
        [
            ("content-type", "video/mp2t"),
            ("content-length", &total.to_string()),
            ("cache-control", "public, max-age=31536000"),
            ("last-modified", "Sat, 05 Dec 2026 10:00:00 GMT"),
            ("access-control-allow-origin", "*"),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}

async fn signaling(State(seen): State<Arc<Seen>>, ws: WebSocketUpgrade) -> Response {
    seen.sockets_opened.fetch_add(1, Ordering::SeqCst);
    seen.sockets_open.fetch_add(1, Ordering::SeqCst);
    ws.on_upgrade(move |mut socket| async move {
        // Answers each request with a reply naming it, as VAS's relay does
        // (one reply per request); stays open until the other side closes.
        while let Some(Ok(message)) = socket.recv().await {
            match message {
                Message::Text(t) => {
                    seen.messages.fetch_add(1, Ordering::SeqCst);
                    let reply = serde_json::json!({"type": "echo", "payload": {"got": t.as_str()}})
                        .to_string();
                    if socket.send(Message::text(reply)).await.is_err() {
                        break;
                    }
                }
                Message::Close(_) => break,
                _ => {}
            }
        }
        seen.sockets_open.fetch_sub(1, Ordering::SeqCst);
    })
}

impl StandInVas {
    pub async fn start() -> StandInVas {
        let seen = Arc::new(Seen::default());
        let app = Router::new()
            .route("/api/v1/devices", get(|| async { axum::Json(serde_json::json!([device(CAMERA), device("6e1f0000-0000-4000-8000-0000000de301")])) }))
            .route("/api/v1/devices/{id}", get(|Path(id): Path<String>| async move { axum::Json(device(&id)) }))
            .route(
                "/api/v1/ai-events",
                get(|| async { ([("access-control-allow-origin", "*")], axum::Json(serde_json::json!({"events": [], "total": 0, "limit": 100, "offset": 0}))) }),
            )
            .route("/api/v1/recordings/devices/{id}/{file}", get(segment))
            .route("/ws/mediasoup", get(signaling))
            .fallback(|| async { (StatusCode::NOT_FOUND, "stand-in VAS: not found") })
            .layer(axum::middleware::from_fn_with_state(seen.clone(), record))
            .with_state(seen.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        StandInVas { addr, seen }
    }
}

/// A built-viewer stand-in: an `index.html` with a CSP meta, a hashed asset
/// with precompressed siblings, a fixed-name bundle; no `config.json`.
pub fn dist_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vas-viewer-server-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("js")).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\" />\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'self'\" /></head><body>viewer</body></html>",
    )
    .unwrap();
    std::fs::write(
        dir.join("vas-overlay-viewer-0123456789abcdef.js"),
        "export default 1;\n".repeat(200),
    )
    .unwrap();
    std::fs::write(dir.join("vas-overlay-viewer-0123456789abcdef.js.gz"), b"gzipped-bytes")
        .unwrap();
    std::fs::write(dir.join("js/hls.mjs"), "export const Hls = 1;\n").unwrap();
    dir
}

/// The server under test, in this process, on a loopback port.
pub struct Running {
    pub addr: SocketAddr,
    pub stop: watch::Sender<bool>,
    pub done: tokio::task::JoinHandle<()>,
    pub dist: PathBuf,
    /// The server's shared state (its answer cache's counters among it).
    pub state: vas_viewer_server::app::AppState,
}

impl Running {
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.addr.port())
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.addr.port())
    }
}

/// Starts the server with the product's defaults plus `extra` flags.
pub async fn start_server(vas: &StandInVas, tag: &str, extra: &[&str]) -> Running {
    let dist = dist_dir(tag);
    let vas_url = format!("http://{}", vas.addr);
    let mut args = vec![
        "vas-viewer-server",
        "--dist",
        dist.to_str().unwrap(),
        "--vas",
        &vas_url,
        "--listen",
        "127.0.0.1:0",
    ];
    args.extend_from_slice(extra);
    let flags = Flags::try_parse_from(args).unwrap();
    let config = ServerConfig::from_flags(&flags, Some(SERVER_KEY.into())).unwrap();
    let (stop, stopping) = watch::channel(false);
    let prepared = vas_viewer_server::prepare(&config, stopping).unwrap();
    let listener = TcpListener::bind(config.listen).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut stopped = stop.subscribe();
    let limits = config.limits;
    let state = prepared.state.clone();
    let done = tokio::spawn(async move {
        vas_viewer_server::listener::serve(
            listener,
            prepared.router,
            prepared.tls,
            limits,
            async move {
                let _ = stopped.wait_for(|s| *s).await;
            },
        )
        .await
    });
    Running { addr, stop, done, dist, state }
}

/// A plain HTTP client (no proxy, no redirects). It drops idle connections
/// before the server's header timeout closes them (10 s, which also bounds
/// an idle keep-alive connection), as browsers retry on such a race and
/// reqwest does not.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .pool_idle_timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// Sends raw bytes on a new connection and returns the status line's code
/// (0 when the server closed without answering).
pub async fn raw_request(addr: SocketAddr, request: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(10), tcp.read(&mut buf))
        .await
        .unwrap()
        .unwrap_or(0);
    let head = String::from_utf8_lossy(&buf[..n]);
    head.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

/// Headers a browser page of `origin` sends on a `fetch`.
pub fn from_page(origin: &str, same: bool) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("origin", origin.parse().unwrap());
    h.insert("sec-fetch-site", if same { "same-origin" } else { "cross-site" }.parse().unwrap());
    h.insert("sec-fetch-mode", "cors".parse().unwrap());
    h
}

/// Where tests write figures the test command prints.
pub fn figures_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/figures");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
