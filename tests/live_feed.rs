//! Browser tests of the event wiring against the demo backend (started by `cargo xtask test`):
//! live polling into a playing view, every VAS failure mode survived, bodies read as a stream up to the limit.

#![cfg(target_arch = "wasm32")]

mod support;

use gloo_net::http::Request;
use serde_json::{json, Value};
use support::*;
use vas_overlay_viewer::core::events::read_failure::MAX_BODY_BYTES;
use vas_overlay_viewer::core::events::wire::{decode_event_page, EventQuery};
use vas_overlay_viewer::core::params::viewer_config::ViewerConfig;
use vas_overlay_viewer::core::time::{format_rfc3339_utc, parse_rfc3339, UnixMicros};
use vas_overlay_viewer::events::api_client::{ApiClient, ApiError};
use vas_overlay_viewer::events::live_feed::LiveFeed;
use vas_overlay_viewer::events::store_handle::StoreHandle;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const DEMO_CAMERA: &str = "9d3f2b1a-6c4e-4b8a-a1f0-2e7d5c9b3a10";

fn backend() -> String {
    let url = option_env!("VAS_TEST_BACKEND").unwrap_or_default();
    assert!(!url.is_empty(), "VAS_TEST_BACKEND is set by cargo xtask test");
    url.trim_end_matches('/').to_owned()
}

/// Calls the demo backend's test-only control API and returns its answer,
/// which must be a success: a fault or insert the backend refused would
/// make the test prove nothing. A `text/plain` POST is a simple request (no
/// preflight), and the control API answers with CORS open, so the answer
/// can be read.
async fn control(path: &str, body: Value) -> Value {
    let answer = Request::post(&format!("{}{path}", backend()))
        .header("Content-Type", "text/plain")
        .body(body.to_string())
        .unwrap()
        .send()
        .await
        .unwrap();
    let status = answer.status();
    let text = answer.text().await.unwrap_or_default();
    assert_eq!(status, 200, "{path}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// The demo backend's request log (`GET /__demo/log`, CORS open).
async fn request_log() -> Vec<Value> {
    let answer = Request::get(&format!("{}/__demo/log", backend())).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    answer.json::<Vec<Value>>().await.unwrap()
}

/// A UUID-shaped id (VAS ids are UUIDs) unique per model and index.
fn uuid_for(model: &str, k: i64) -> String {
    let h = model.bytes().fold(0x811c_9dc5u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    format!("{h:08x}-0000-4000-8000-{k:012x}")
}

/// Events of `model` every 100 ms over `secs` from `start`, one tracked box moving right.
fn events(model: &str, start: UnixMicros, secs: i64) -> Value {
    let list: Vec<Value> = (0..secs * 10)
        .map(|k| {
            let x = 0.1 + k as f64 * 0.004;
            json!({
                "id": uuid_for(model, k), "camera_id": DEMO_CAMERA, "model_id": model,
                "timestamp": format_rfc3339_utc(start.plus(k * 100_000)), "frame_id": k,
                "detections": {"detections": [{"class_name": "person", "confidence": 0.9, "bbox": [x, 0.3, x + 0.1, 0.7], "track_id": 1}]},
                "confidence": 0.9, "event_metadata": {}, "created_at": "2026-01-01T00:00:00Z"
            })
        })
        .collect();
    Value::Array(list)
}

/// Requests in the log that the fault named `key` shaped.
fn shaped_by(log: &[Value], key: &str) -> usize {
    log.iter()
        .filter(|e| e["fault"].as_str().is_some_and(|f| f.split('+').any(|k| k == key)))
        .count()
}

/// A playing clip view whose store the live feed fills, as on the live page;
/// dropping the feed stops it.
fn live_view(start: UnixMicros) -> (Mounted, StoreHandle, LiveFeed) {
    let config = ViewerConfig { api_base_url: backend(), ..ViewerConfig::default() };
    let store = StoreHandle::new(Default::default());
    let view = mount_with(640.0, 360.0, store.clone(), start);
    let feed = LiveFeed::start(ApiClient::new(&config), DEMO_CAMERA.into(), store.clone(), None);
    (view, store, feed)
}

fn drawn_models(m: &Mounted) -> Vec<String> {
    visible(&m.root(), "box").iter().filter_map(|b| b.get_attribute("data-model")).collect()
}

/// Wall time "now" on the viewer's clock, rounded to the millisecond.
fn now() -> UnixMicros {
    UnixMicros((js_sys::Date::now().round() as i64) * 1000)
}

#[wasm_bindgen_test]
async fn the_overlay_follows_events_inserted_while_the_page_is_open() {
    control("/__demo/reset", json!({})).await;
    // The clip's media time 0 is "now": live-like times that the poller's window covers.
    let start = now();
    let (m, _store, feed) = live_view(start);
    assert!(frames_until(600, || m.current_time() > 0.3).await, "the video did not start");
    assert_ne!(m.state(), "ok", "nothing to draw before the insert");
    let t0 = js_sys::Date::now();
    control("/__demo/events", events("inserted-live", start, 10)).await;
    let shown = frames_until(1200, || drawn_models(&m).iter().any(|d| d == "inserted-live")).await;
    assert!(shown, "inserted events never reached the overlay (state {})", m.state());
    web_sys::console::log_1(
        &format!("LIVE insert to boxes drawn: {:.0} ms", js_sys::Date::now() - t0).into(),
    );
    drop(feed);
    m.unmount();
}

#[wasm_bindgen_test]
async fn every_failure_mode_keeps_the_store_and_the_video_and_recovers() {
    control("/__demo/reset", json!({})).await;
    let start = now();
    let (m, store, feed) = live_view(start);
    control("/__demo/events", events("before-faults", start, 10)).await;
    assert!(frames_until(1200, || m.state() == "ok").await, "the first events never arrived");
    // (name, faults, the name the backend's log gives the fault)
    let modes = [
        ("bare_500", json!({"bare_500": true}), "bare_500"),
        ("db_fault_empty", json!({"db_fault_empty": true}), "db_fault_empty"),
        ("auth_missing", json!({"auth": "missing"}), "auth"),
        ("auth_invalid", json!({"auth": "invalid"}), "auth"),
        ("truncate_body", json!({"truncate_body": true}), "truncate_body"),
        ("huge_body", json!({"huge_body_mb": 10}), "huge_body_mb"),
        ("huge_body_chunked", json!({"huge_body_mb": 10, "chunked_body": true}), "chunked_body"),
        ("huge_body_gzip", json!({"huge_body_mb": 10, "gzip_body": true}), "gzip_body"),
        (
            "json_500_poison",
            json!({"poison_at": [format_rfc3339_utc(start.plus(5_050_000))]}),
            "poison",
        ),
    ];
    for (name, faults, key) in modes {
        let held = store.borrow().len();
        let shaped_before = shaped_by(&request_log().await, key);
        control("/__demo/faults", faults).await;
        // Let several polls meet the fault while the video plays on.
        let video = m.video();
        let (mut played, mut last) = (0.0, video.current_time());
        while played < 1.0 {
            next_animation_frame().await;
            let now = video.current_time();
            if now > last {
                played += now - last;
            }
            last = now;
        }
        assert!(store.borrow().len() >= held, "{name}: the store lost data");
        assert_eq!(m.state(), "ok", "{name}: the overlay stopped drawing its held data");
        assert!(!video.paused(), "{name}: the video stopped");
        let shaped = shaped_by(&request_log().await, key) - shaped_before;
        assert!(shaped > 0, "{name}: no request met the fault, so this row proves nothing");
        // The fault clears: new events arrive again.
        control("/__demo/faults", json!({})).await;
        let model = format!("after-{name}");
        control("/__demo/events", events(&model, start, 10)).await;
        let recovered = frames_until(1800, || store.borrow().timeline(&model).is_some()).await;
        assert!(recovered, "{name}: polling did not recover");
        web_sys::console::log_1(&format!("FAULT MODE {name}: {shaped} requests met it; store kept {held}+ events, video played, recovered").into());
    }
    drop(feed);
    m.unmount();
}

/// The log entry of the last request the backend answered.
async fn last_logged() -> Value {
    request_log().await.pop().expect("a request in the log")
}

/// An answer without `Content-Length` (chunked) or compressed (its length
/// counts compressed bytes) is read as a stream: a normal one whole, and one
/// past the limit refused as soon as the decoded bytes pass it, its transfer
/// abandoned long before the end.
#[wasm_bindgen_test]
async fn bodies_are_read_as_a_stream_and_abandoned_past_the_limit() {
    control("/__demo/reset", json!({})).await;
    let client =
        ApiClient::new(&ViewerConfig { api_base_url: backend(), ..ViewerConfig::default() });
    let start = parse_rfc3339("2026-01-05T12:00:00Z").unwrap();
    let query = EventQuery {
        camera_id: DEMO_CAMERA.into(),
        model_id: None,
        start,
        end: start.plus(10_000_000),
        limit: 500,
        offset: 0,
    };
    let path = query.path_and_query();
    // Ties in a stable order, so that every answer to the query has the same bytes.
    control("/__demo/faults", json!({"stable_ties": true})).await;
    let plain = client.get_bytes(&path).await.expect("the plain answer");
    let events = decode_event_page(&plain).expect("a list").events.len();
    assert!(events > 10, "the window holds demo events ({events})");

    // Normal answers, chunked and compressed, are read whole.
    for (name, key) in [("chunked", "chunked_body"), ("gzip", "gzip_body")] {
        let mut faults = json!({"stable_ties": true});
        faults[key] = json!(true);
        control("/__demo/faults", faults).await;
        let body = client.get_bytes(&path).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(body, plain, "{name}: the same list");
        let logged = last_logged().await;
        assert_eq!(logged["fault"], key, "{name}: the fault shaped the answer");
        // What the browser saw: no length at all, or the compressed one.
        let raw = Request::get(&format!("{}{path}", backend())).send().await.unwrap();
        let length = raw.headers().get("content-length").and_then(|v| v.parse::<usize>().ok());
        let decoded = raw.binary().await.unwrap().len();
        match name {
            "chunked" => assert_eq!(length, None, "{name}: no Content-Length"),
            _ => assert!(
                length.is_some_and(|n| n < decoded / 2),
                "{name}: Content-Length {length:?} counts the compressed bytes, {decoded} decoded"
            ),
        }
    }

    // Past the limit: refused just past it, without reading the rest.
    let mib = 1024 * 1024;
    let oversized = [
        ("chunked, 64 MiB", json!({"chunked_body": true, "huge_body_mb": 64}), 64 * mib),
        ("gzip, 16 MiB decoded", json!({"gzip_body": true, "huge_body_mb": 16}), 16 * mib),
        (
            "gzip and chunked, 16 MiB decoded",
            json!({"gzip_body": true, "chunked_body": true, "huge_body_mb": 16}),
            16 * mib,
        ),
    ];
    for (name, faults, total) in oversized {
        control("/__demo/faults", faults).await;
        let t0 = js_sys::Date::now();
        let result = client.get_bytes(&path).await;
        let ms = js_sys::Date::now() - t0;
        let Err(ApiError::TooLarge(read)) = result else {
            panic!("{name}: not refused as too large: {:?}", result.map(|b| b.len()));
        };
        // The bytes read include the chunk that crossed the limit (the browser's, up to a few MiB).
        assert!(
            read > MAX_BODY_BYTES && read < total.min(MAX_BODY_BYTES + 4 * mib),
            "{name}: refused at {read} bytes, not soon past the limit"
        );
        let mut logged = last_logged().await;
        assert!(
            logged["fault"].as_str().is_some_and(|f| f.starts_with("huge_body_mb+")),
            "{name}: the fault shaped the answer: {logged}"
        );
        let chunked = name.contains("chunked");
        // A chunked answer's bytes are logged once the backend stops sending.
        for _ in 0..600 {
            if !chunked || logged["bytes"].as_u64().is_some_and(|b| b > 0) {
                break;
            }
            next_animation_frame().await;
            logged = last_logged().await;
        }
        let on_wire = logged["bytes"].as_u64().unwrap_or(0);
        assert!(on_wire > 0, "{name}: the backend's bytes sent are logged: {logged}");
        if name.starts_with("gzip") {
            // Small on the wire: a Content-Length check alone would have let it in.
            assert!(on_wire < MAX_BODY_BYTES, "{name}: {on_wire} bytes on the wire");
        } else {
            assert!(
                on_wire < total,
                "{name}: the backend sent all {on_wire} bytes: the transfer was not abandoned"
            );
        }
        web_sys::console::log_1(
            &format!("OVERSIZED {name}: refused after {read} decoded bytes in {ms:.0} ms; the backend sent {on_wire} of {total} bytes{}", if chunked { "" } else { " (compressed, whole)" }).into(),
        );
    }
    control("/__demo/reset", json!({})).await;
}
