//! The API answer cache: identical requests in one wall-clock grid cell reach VAS once, nothing crosses cells, paths or queries, the server's own failures and long answers are never kept, segments never enter it.
//!
//! Each test runs the server in front of a scripted VAS that counts every
//! request by its exact path and query and keeps the bodies it sent; a
//! `delay_ms=N` in a query makes it wait N ms before answering, so that
//! identical requests are in flight together.

mod support;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::future::join_all;
use futures_util::StreamExt;
use support::*;
use tokio::net::TcpListener;
use vas_viewer_server::answer_cache::{grid_cell, CacheCounts, ANSWER_MAX_BYTES};

const CAMERA_B: &str = "6e1f0000-0000-4000-8000-0000000de301";
const EVENT: &str = "7a1f0000-0000-4000-8000-00000000e700";
/// Devices whose playlist the scripted VAS shapes.
const TRUNCATED: &str = "0b0b0000-0000-4000-8000-000000000001";
const HUGE_WITH_LENGTH: &str = "0b0b0000-0000-4000-8000-000000000002";
const HUGE_CHUNKED: &str = "0b0b0000-0000-4000-8000-000000000003";
const FIVE_MB: &str = "0b0b0000-0000-4000-8000-000000000004";
/// Above the per-answer bound.
const HUGE_BYTES: usize = ANSWER_MAX_BYTES + 1024 * 1024;
const FIVE_MB_BYTES: usize = 5_000_000;
const SEGMENT_BYTES: usize = 64 * 1024;
/// The grid period of the tests that must stay inside one cell.
const LONG_PERIOD_MS: u64 = 2_000;

/// What reached the scripted VAS.
#[derive(Default)]
struct Script {
    /// Requests by exact path and query.
    counts: Mutex<HashMap<String, usize>>,
    /// Bodies sent, by exact path and query (the JSON answers).
    sent: Mutex<HashMap<String, Vec<Bytes>>>,
    serial: AtomicUsize,
}

impl Script {
    fn count(&self, uri: &str) -> usize {
        self.counts.lock().unwrap().get(uri).copied().unwrap_or(0)
    }

    fn sent(&self, uri: &str) -> Vec<Bytes> {
        self.sent.lock().unwrap().get(uri).cloned().unwrap_or_default()
    }

    /// A JSON answer naming the request and its serial number, remembered.
    fn json(&self, status: StatusCode, uri: &str, value: serde_json::Value) -> Response {
        let body = Bytes::from(value.to_string());
        self.sent.lock().unwrap().entry(uri.to_owned()).or_default().push(body.clone());
        (status, [("content-type", "application/json"), ("access-control-allow-origin", "*")], body)
            .into_response()
    }

    fn next(&self) -> usize {
        self.serial.fetch_add(1, Ordering::SeqCst)
    }
}

async fn counted(
    State(script): State<Arc<Script>>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    let uri = request.uri().to_string();
    *script.counts.lock().unwrap().entry(uri.clone()).or_default() += 1;
    let delay_ms = request
        .uri()
        .query()
        .unwrap_or("")
        .split('&')
        .find_map(|p| p.strip_prefix("delay_ms="))
        .and_then(|v| v.parse().ok());
    if let Some(ms) = delay_ms {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    next.run(request).await
}

async fn echo(State(script): State<Arc<Script>>, request: Request) -> Response {
    let uri = request.uri().to_string();
    script.json(
        StatusCode::OK,
        &uri,
        serde_json::json!({"uri": uri, "n": script.next(), "events": [], "total": 0}),
    )
}

async fn poison(State(script): State<Arc<Script>>, request: Request) -> Response {
    let uri = request.uri().to_string();
    let n = script.next();
    script.json(StatusCode::INTERNAL_SERVER_ERROR, &uri, serde_json::json!({"error": {"status": 500, "message": format!("poison row {n}"), "path": uri}}))
}

fn device(id: &str, n: usize) -> serde_json::Value {
    serde_json::json!({"id": id, "name": "gate", "n": n, "rtsp_url": format!("rtsp://{CAMERA_SECRET}@10.0.0.9/stream1"), "is_active": true})
}

async fn devices(State(script): State<Arc<Script>>, request: Request) -> Response {
    let (uri, n) = (request.uri().to_string(), script.next());
    script.json(StatusCode::OK, &uri, serde_json::json!([device(CAMERA, n), device(CAMERA_B, n)]))
}

async fn one_device(
    State(script): State<Arc<Script>>,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let (uri, n) = (request.uri().to_string(), script.next());
    script.json(StatusCode::OK, &uri, device(&id, n))
}

/// The first `len` bytes of the long answers (the same every time; made
/// once, as making them takes a while in a debug build).
fn long_body(len: usize) -> Bytes {
    static BYTES: std::sync::OnceLock<Bytes> = std::sync::OnceLock::new();
    let all = BYTES
        .get_or_init(|| Bytes::from((0..HUGE_BYTES).map(|i| (i % 251) as u8).collect::<Vec<u8>>()));
    all.slice(..len)
}

async fn playlist(Path(id): Path<String>) -> Response {
    let mpegurl = ("content-type", "application/vnd.apple.mpegurl");
    match id.as_str() {
        // Declares 4096 bytes, sends 1024, then the connection breaks.
        TRUNCATED => {
            // The break comes after a pause, so that the head and the first
            // bytes have left (the server then reads a started, cut body).
            let parts = futures_util::stream::iter([
                Ok(Bytes::from(vec![b'#'; 1024])),
                Err(std::io::Error::other("the recorder went away")),
            ])
            .then(|part| async move {
                if part.is_err() {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                part
            });
            ([mpegurl, ("content-length", "4096")], Body::from_stream(parts)).into_response()
        }
        HUGE_WITH_LENGTH => ([mpegurl], long_body(HUGE_BYTES)).into_response(),
        HUGE_CHUNKED => {
            let body = long_body(HUGE_BYTES);
            let chunks: Vec<Result<Bytes, std::io::Error>> = (0..HUGE_BYTES)
                .step_by(64 * 1024)
                .map(|at| Ok(body.slice(at..(at + 64 * 1024).min(HUGE_BYTES))))
                .collect();
            ([mpegurl], Body::from_stream(futures_util::stream::iter(chunks))).into_response()
        }
        FIVE_MB => ([mpegurl], long_body(FIVE_MB_BYTES)).into_response(),
        _ => ([mpegurl], "#EXTM3U\n#EXT-X-PLAYLIST-TYPE:EVENT\n").into_response(),
    }
}

/// VAS's segment headers, as the contract describes them.
const SEGMENT_HEADERS: [(&str, &str); 5] = [
    ("content-type", "video/mp2t"),
    ("cache-control", "public, max-age=31536000"),
    ("etag", "\"5f2a-1795578823\""),
    ("last-modified", "Sat, 05 Dec 2026 10:00:00 GMT"),
    ("expires", "Sun, 05 Dec 2027 10:00:00 GMT"),
];

async fn segment() -> Response {
    (SEGMENT_HEADERS, vec![0x47u8; SEGMENT_BYTES]).into_response()
}

async fn scripted_vas() -> (StandInVas, Arc<Script>) {
    let script = Arc::new(Script::default());
    let app = Router::new()
        .route("/api/v1/ai-events", get(echo))
        .route("/api/v1/ai-events/{id}", get(poison))
        .route("/api/v1/ai-events/cameras/{id}/events", get(echo))
        .route("/api/v1/devices", get(devices))
        .route("/api/v1/devices/{id}", get(one_device))
        .route("/api/v1/recordings/devices/{id}/dates", get(echo))
        .route("/api/v1/recordings/devices/{id}/playlist", get(playlist))
        .route("/api/v1/recordings/devices/{id}/{file}", get(segment))
        .layer(axum::middleware::from_fn_with_state(script.clone(), counted))
        .with_state(script.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (StandInVas { addr, seen: Default::default() }, script)
}

/// A "VAS" that accepts connections and closes them unanswered; counts them.
async fn closing_vas() -> (StandInVas, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(tcp);
        }
    });
    (StandInVas { addr, seen: Default::default() }, accepted)
}

fn cell_now(period_ms: u64) -> vas_viewer_server::answer_cache::GridCell {
    grid_cell(SystemTime::now(), Duration::from_millis(period_ms)).unwrap()
}

/// Waits, if need be, until the current cell has at least `needed` left;
/// returns its index.
async fn cell_with(period_ms: u64, needed: Duration) -> u64 {
    let cell = cell_now(period_ms);
    if cell.left >= needed {
        return cell.index;
    }
    next_cell(period_ms).await
}

/// Waits until just after the next cell starts; returns the cell then.
async fn next_cell(period_ms: u64) -> u64 {
    let cell = cell_now(period_ms);
    tokio::time::sleep(cell.left + Duration::from_millis(2)).await;
    let now = cell_now(period_ms).index;
    // A sleep that overran lands in a later cell: new all the same.
    assert!(now > cell.index);
    now
}

/// One answer as the browser got it: status, headers (without `date`), body.
struct Got {
    status: u16,
    headers: HeaderMap,
    body: Result<Bytes, String>,
}

async fn fetch(http: &reqwest::Client, url: String) -> Got {
    let answer = http.get(url).send().await.unwrap();
    let status = answer.status().as_u16();
    let mut headers = answer.headers().clone();
    headers.remove("date");
    let body = answer.bytes().await.map_err(|e| e.to_string());
    Got { status, headers, body }
}

async fn fetch_n(http: &reqwest::Client, server: &Running, uri: &str, n: usize) -> Vec<Got> {
    join_all((0..n).map(|_| fetch(http, server.url(uri)))).await
}

fn counts(server: &Running) -> CacheCounts {
    server.state.answers.as_ref().expect("the cache is on").counts()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identical_requests_in_one_cell_reach_vas_once() {
    let (vas, script) = scripted_vas().await;
    let server =
        start_server(&vas, "cache-coalesce", &["--cache-period-ms", &LONG_PERIOD_MS.to_string()])
            .await;
    let http = client();
    let uri = format!("/api/v1/ai-events?camera_id={CAMERA}&start_time=2026-01-05T12:00:00Z&limit=1000&delay_ms=300");
    let n = 40;
    let cell = cell_with(LONG_PERIOD_MS, Duration::from_millis(1_500)).await;
    let all = fetch_n(&http, &server, &uri, n).await;
    let later = fetch(&http, server.url(&uri)).await;
    assert_eq!(
        cell_now(LONG_PERIOD_MS).index,
        cell,
        "the test left its cell (a slow machine): nothing proven"
    );

    assert_eq!(script.count(&uri), 1, "{n} identical requests, one cell: VAS asked once");
    let sent = script.sent(&uri);
    assert_eq!(sent.len(), 1);
    let first_headers = all[0].headers.clone();
    assert!(!first_headers.contains_key("age"));
    for got in all.iter().chain([&later]) {
        assert_eq!(got.status, 200);
        assert_eq!(got.body.as_ref().unwrap(), &sent[0], "every body is the one VAS sent");
        assert_eq!(got.headers, first_headers, "a kept answer has the headers of a fresh one");
    }
    let c = counts(&server);
    assert_eq!((c.misses, c.coalesced + c.hits, c.uncacheable), (1, n as u64, 0), "{c:?}");
    assert!(c.hits >= 1, "the later request was a hit: {c:?}");

    // The next cell asks VAS again.
    next_cell(LONG_PERIOD_MS).await;
    let again = fetch(&http, server.url(&uri)).await;
    assert_eq!(script.count(&uri), 2);
    assert_eq!(again.body.unwrap(), script.sent(&uri)[1]);
    println!(
        "{n} identical requests in one cell: 1 reached VAS; the next cell: 1 more; counters {:?}",
        counts(&server)
    );
    let _ = server.stop.send(true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_new_cell_of_a_short_period_reaches_vas_again() {
    let (vas, script) = scripted_vas().await;
    let period_ms = 100;
    let server =
        start_server(&vas, "cache-cells", &["--cache-period-ms", &period_ms.to_string()]).await;
    let http = client();
    let uri = format!("/api/v1/ai-events/cameras/{CAMERA}/events?limit=100");
    let cells = 5;
    let mut expected = 0;
    let mut same_cell_repeats = 0;
    for _ in 0..cells {
        let cell = next_cell(period_ms).await;
        assert_eq!(fetch(&http, server.url(&uri)).await.status, 200);
        expected += 1;
        assert_eq!(script.count(&uri), expected, "the first request of cell {cell} reaches VAS");
        let before = cell_now(period_ms).index;
        assert_eq!(fetch(&http, server.url(&uri)).await.status, 200);
        if before == cell && cell_now(period_ms).index == cell {
            // Sent and answered inside the same cell: answered from the cache.
            assert_eq!(script.count(&uri), expected, "a repeat inside cell {cell} reached VAS");
            same_cell_repeats += 1;
        } else {
            // The repeat may have crossed into the next cell: either outcome is right.
            expected = script.count(&uri);
        }
    }
    println!("period {period_ms} ms: {cells} cells, {cells} requests reached VAS; {same_cell_repeats} repeats inside a cell answered from the cache");
    let _ = server.stop.send(true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paths_queries_and_cameras_are_never_mixed() {
    let (vas, script) = scripted_vas().await;
    let server =
        start_server(&vas, "cache-keys", &["--cache-period-ms", &LONG_PERIOD_MS.to_string()]).await;
    let http = client();
    let uris = [
        format!("/api/v1/ai-events/cameras/{CAMERA}/events?limit=10&delay_ms=200"),
        format!("/api/v1/ai-events/cameras/{CAMERA_B}/events?limit=10&delay_ms=200"),
        format!("/api/v1/ai-events?camera_id={CAMERA}&limit=10&delay_ms=200"),
        format!("/api/v1/ai-events?camera_id={CAMERA_B}&limit=10&delay_ms=200"),
        format!("/api/v1/ai-events?camera_id={CAMERA}&limit=11&delay_ms=200"),
        format!("/api/v1/ai-events?limit=10&camera_id={CAMERA}&delay_ms=200"),
        format!("/api/v1/recordings/devices/{CAMERA}/dates?delay_ms=200"),
        format!("/api/v1/recordings/devices/{CAMERA_B}/dates?delay_ms=200"),
    ];
    let copies = 4;
    let cell = cell_with(LONG_PERIOD_MS, Duration::from_millis(1_200)).await;
    let (http_ref, server_ref) = (&http, &server);
    let requests =
        uris.iter().flat_map(|u| std::iter::repeat_n(u.clone(), copies)).map(|u| async move {
            let got = fetch(http_ref, server_ref.url(&u)).await;
            (u, got)
        });
    let answers = join_all(requests).await;
    assert_eq!(
        cell_now(LONG_PERIOD_MS).index,
        cell,
        "the test left its cell (a slow machine): nothing proven"
    );
    for (uri, got) in &answers {
        let body: serde_json::Value = serde_json::from_slice(got.body.as_ref().unwrap()).unwrap();
        assert_eq!(body["uri"], uri.as_str(), "{uri} answered with another request's answer");
    }
    for uri in &uris {
        assert_eq!(script.count(uri), 1, "{uri}");
    }
    let c = counts(&server);
    assert_eq!(
        (c.misses, c.coalesced + c.hits),
        (uris.len() as u64, (uris.len() * (copies - 1)) as u64),
        "{c:?}"
    );
    let _ = server.stop.send(true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_from_vas_is_shared_within_the_cell() {
    let (vas, script) = scripted_vas().await;
    let server =
        start_server(&vas, "cache-500", &["--cache-period-ms", &LONG_PERIOD_MS.to_string()]).await;
    let http = client();
    let uri = format!("/api/v1/ai-events/{EVENT}?delay_ms=200");
    let cell = cell_with(LONG_PERIOD_MS, Duration::from_millis(1_200)).await;
    let mut all = fetch_n(&http, &server, &uri, 10).await;
    all.push(fetch(&http, server.url(&uri)).await);
    assert_eq!(
        cell_now(LONG_PERIOD_MS).index,
        cell,
        "the test left its cell (a slow machine): nothing proven"
    );
    assert_eq!(script.count(&uri), 1, "VAS's 500 is VAS's answer: shared, and kept for the cell");
    let sent = script.sent(&uri);
    for got in &all {
        assert_eq!(got.status, 500);
        assert_eq!(got.body.as_ref().unwrap(), &sent[0]);
    }
    assert!(counts(&server).hits >= 1, "{:?}", counts(&server));
    let _ = server.stop.send(true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_own_failures_are_shared_but_never_kept() {
    // A body VAS cuts short: an error for the browser (never a short 200),
    // shared by the requests that waited for it, asked again afterwards.
    let (vas, script) = scripted_vas().await;
    let server =
        start_server(&vas, "cache-cut", &["--cache-period-ms", &LONG_PERIOD_MS.to_string()]).await;
    let http = client();
    let uri = format!("/api/v1/recordings/devices/{TRUNCATED}/playlist?delay_ms=200");
    let cell = cell_with(LONG_PERIOD_MS, Duration::from_millis(1_200)).await;
    let all = fetch_n(&http, &server, &uri, 5).await;
    assert_eq!(script.count(&uri), 1, "the waiters shared the one failed load");
    let again = fetch(&http, server.url(&uri)).await;
    assert_eq!(
        cell_now(LONG_PERIOD_MS).index,
        cell,
        "the test left its cell (a slow machine): nothing proven"
    );
    assert_eq!(script.count(&uri), 2, "a failure of the server's own is never kept");
    for got in all.iter().chain([&again]) {
        assert_eq!(got.status, 502, "a cut body is an error, not a short 200");
        let body: serde_json::Value = serde_json::from_slice(got.body.as_ref().unwrap()).unwrap();
        assert_eq!(body["error"]["message"], "VAS's answer broke off");
    }
    let c = counts(&server);
    assert_eq!((c.misses, c.coalesced, c.hits), (2, 4, 0), "{c:?}");
    let _ = server.stop.send(true);

    // VAS closes every connection unanswered: each request reaches it.
    let (vas, accepted) = closing_vas().await;
    let server =
        start_server(&vas, "cache-closed", &["--cache-period-ms", &LONG_PERIOD_MS.to_string()])
            .await;
    let cell = cell_with(LONG_PERIOD_MS, Duration::from_millis(1_200)).await;
    let first = fetch(&http, server.url("/api/v1/ai-events?limit=1")).await;
    let after_first = accepted.load(Ordering::SeqCst);
    let second = fetch(&http, server.url("/api/v1/ai-events?limit=1")).await;
    assert_eq!(
        cell_now(LONG_PERIOD_MS).index,
        cell,
        "the test left its cell (a slow machine): nothing proven"
    );
    assert_eq!((first.status, second.status), (502, 502));
    assert!(
        after_first >= 1 && accepted.load(Ordering::SeqCst) > after_first,
        "the second request did not reach VAS"
    );
    assert_eq!(counts(&server).hits, 0);
    let _ = server.stop.send(true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_above_the_bound_is_relayed_whole_and_never_kept() {
    let (vas, script) = scripted_vas().await;
    let server =
        start_server(&vas, "cache-long", &["--cache-period-ms", &LONG_PERIOD_MS.to_string()]).await;
    let http = client();
    let expected = long_body(HUGE_BYTES);
    for device in [HUGE_WITH_LENGTH, HUGE_CHUNKED] {
        let uri = format!("/api/v1/recordings/devices/{device}/playlist?delay_ms=100");
        let cell = cell_with(LONG_PERIOD_MS, Duration::from_millis(1_500)).await;
        let mut all = fetch_n(&http, &server, &uri, 3).await;
        all.push(fetch(&http, server.url(&uri)).await);
        assert_eq!(
            cell_now(LONG_PERIOD_MS).index,
            cell,
            "the test left its cell (a slow machine): nothing proven"
        );
        for got in &all {
            assert_eq!(got.status, 200);
            let body = got.body.as_ref().unwrap();
            assert!(body == &expected, "{device}: {} bytes relayed of {HUGE_BYTES}", body.len());
            if device == HUGE_WITH_LENGTH {
                assert_eq!(
                    got.headers.get("content-length").unwrap().to_str().unwrap(),
                    HUGE_BYTES.to_string()
                );
            }
        }
        assert_eq!(
            script.count(&uri),
            4,
            "{device}: each request sent its own (none kept, none shared)"
        );
    }
    assert_eq!(counts(&server).uncacheable, 8, "{:?}", counts(&server));

    // A 5 MB playlist (under the bound) is relayed whole, and kept.
    let uri = format!("/api/v1/recordings/devices/{FIVE_MB}/playlist");
    let cell = cell_with(LONG_PERIOD_MS, Duration::from_millis(1_000)).await;
    let two = [fetch(&http, server.url(&uri)).await, fetch(&http, server.url(&uri)).await];
    assert_eq!(
        cell_now(LONG_PERIOD_MS).index,
        cell,
        "the test left its cell (a slow machine): nothing proven"
    );
    for got in &two {
        assert_eq!((got.status, got.body.as_ref().unwrap().len()), (200, FIVE_MB_BYTES));
        assert!(got.body.as_ref().unwrap() == &long_body(FIVE_MB_BYTES));
    }
    assert_eq!(script.count(&uri), 1);
    let _ = server.stop.send(true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn period_zero_sends_every_request_to_vas() {
    let (vas, script) = scripted_vas().await;
    let server = start_server(&vas, "cache-off", &["--cache-period-ms", "0"]).await;
    assert!(server.state.answers.is_none());
    let http = client();
    let uri = format!("/api/v1/ai-events?camera_id={CAMERA}&limit=100&delay_ms=200");
    let n = 10;
    let all = fetch_n(&http, &server, &uri, n).await;
    assert!(all.iter().all(|g| g.status == 200));
    assert_eq!(script.count(&uri), n, "with the cache off every request reaches VAS");
    let device = format!("/api/v1/devices/{CAMERA}");
    for _ in 0..2 {
        let body = fetch(&http, server.url(&device)).await.body.unwrap();
        assert!(!String::from_utf8_lossy(&body).contains("rtsp"));
    }
    assert_eq!(script.count(&device), 2);
    let _ = server.stop.send(true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_answers_are_kept_only_without_rtsp_url() {
    let (vas, script) = scripted_vas().await;
    let server =
        start_server(&vas, "cache-devices", &["--cache-period-ms", &LONG_PERIOD_MS.to_string()])
            .await;
    let http = client();
    let uris = [
        format!("/api/v1/devices/{CAMERA}?delay_ms=150"),
        "/api/v1/devices?skip=0&limit=100&delay_ms=150".to_string(),
    ];
    let cell = cell_with(LONG_PERIOD_MS, Duration::from_millis(1_200)).await;
    for uri in &uris {
        let mut all = fetch_n(&http, &server, uri, 6).await;
        all.push(fetch(&http, server.url(uri)).await);
        for got in &all {
            assert_eq!(got.status, 200);
            let body = got.body.as_ref().unwrap();
            let text = String::from_utf8_lossy(body);
            assert!(!text.contains("rtsp") && !text.contains(CAMERA_SECRET), "{uri}: {text}");
            assert!(text.contains("\"name\":\"gate\""), "{uri}: {text}");
            assert_eq!(
                got.headers.get("content-length").unwrap().to_str().unwrap(),
                body.len().to_string()
            );
        }
        assert_eq!(script.count(uri), 1, "{uri}");
    }
    assert_eq!(
        cell_now(LONG_PERIOD_MS).index,
        cell,
        "the test left its cell (a slow machine): nothing proven"
    );
    assert!(
        counts(&server).hits >= 2,
        "the later requests were answered from the cache: {:?}",
        counts(&server)
    );
    let _ = server.stop.send(true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn segments_are_never_kept_and_keep_vas_cache_headers() {
    let (vas, script) = scripted_vas().await;
    let server =
        start_server(&vas, "cache-segments", &["--cache-period-ms", &LONG_PERIOD_MS.to_string()])
            .await;
    let http = client();
    let uri = format!("/api/v1/recordings/devices/{CAMERA}/segment-1795578823.ts");
    let cell = cell_with(LONG_PERIOD_MS, Duration::from_millis(1_200)).await;
    let mut all = fetch_n(&http, &server, &uri, 4).await;
    all.push(fetch(&http, server.url(&uri)).await);
    assert_eq!(
        cell_now(LONG_PERIOD_MS).index,
        cell,
        "the test left its cell (a slow machine): nothing proven"
    );
    assert_eq!(script.count(&uri), 5, "every segment request reaches VAS");
    for got in &all {
        assert_eq!((got.status, got.body.as_ref().unwrap().len()), (200, SEGMENT_BYTES));
        for (name, value) in SEGMENT_HEADERS {
            assert_eq!(got.headers.get(name).map(|v| v.to_str().unwrap()), Some(value), "{name}");
        }
        assert_eq!(
            got.headers.get("content-length").unwrap().to_str().unwrap(),
            SEGMENT_BYTES.to_string()
        );
        assert!(got.headers.get("access-control-allow-origin").is_none());
    }
    assert_eq!(counts(&server), CacheCounts::default(), "segments never enter the cache");
    let _ = server.stop.send(true);
}
