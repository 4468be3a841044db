//! Property tests of the pure core on hostile input: nothing panics, nothing unbounded, no NaN on screen.
//!
//! One property per parser and state machine of the core, in `core_props/`
//! (one file per area), plus the hostile corpus below. Each property feeds
//! generated input, partly structured (valid-looking text with hostile
//! fields, numbers at the extremes, NaN and infinities where floats are read,
//! unicode, very long values), and asserts what the module documents:
//! bounds, finite numbers, round trips, exact models of the documented rules.
//!
//! Case counts: `VAS_FUZZ_CASES` (200 when unset, for quick debug runs) times
//! each property's weight (`core_props/runner.rs`). `cargo xtask test` runs
//! them in release with `VAS_FUZZ_CASES=20000`, with overflow checks on (so a
//! silent wrap panics and fails its property), and states the total it ran.
//!
//! A failure is persisted and replayed: proptest appends its seed to
//! `tests/fuzz_regressions/<property>.txt`, and every run replays each seed
//! of that file before new inputs. Commit the file with the fix. To replay
//! one property alone: `cargo test --test core_fuzz <property>`.

#![cfg(not(target_arch = "wasm32"))]

mod core_props;

use serde_json::{json, Value};
use vas_overlay_viewer::core::draw::geometry::{CssRect, ObjectFit, ScreenMapping, VideoPx};
use vas_overlay_viewer::core::draw::primitive::{layout_frame, MAX_PRIMITIVES_PER_FRAME};
use vas_overlay_viewer::core::draw::selection::{select_frame, SelectionParams};
use vas_overlay_viewer::core::events::detection::{MAX_DETECTIONS_PER_EVENT, MAX_LABEL_CHARS};
use vas_overlay_viewer::core::events::event_store::{EventStore, StoreLimits};
use vas_overlay_viewer::core::events::wire::decode_event_page;
use vas_overlay_viewer::core::time::parse_rfc3339;

use core_props::events::finite_primitive;

/// The hostile corpus: real-shaped events at their worst, each through the whole core.
#[test]
fn the_hostile_corpus_is_survived() {
    let deep = (0..200).fold(json!(1), |v, _| json!([v]));
    let huge_label = "x".repeat(1_000_000);
    let many: Vec<Value> = (0..100_000)
        .map(|i| json!({"class_name": "p", "confidence": 0.5, "bbox": [0.1, 0.1, 0.2 + (i as f64) * 1e-6, 0.3]}))
        .collect();
    let ts = "2026-01-05T12:00:00Z";
    let corpus: Vec<(&str, Value)> = vec![
        (
            "1e5 detections in one event",
            json!({"id": "many", "model_id": "m", "timestamp": ts, "detections": {"detections": many}}),
        ),
        (
            "a 1 MB label",
            json!({"id": "label", "model_id": "m", "timestamp": ts, "detections": {"detections": [{"class_name": huge_label, "bbox": [0.1,0.1,0.2,0.2]}]}}),
        ),
        (
            "extreme numbers",
            json!({"id": "num", "model_id": "m", "timestamp": ts, "detections": {"boxes": [{"x": -1e308, "y": 1e308, "w": 1e308, "h": 5e-324}, {"x": 1e15, "y": 1e15, "w": 1, "h": 1}]}}),
        ),
        (
            "negative sizes",
            json!({"id": "neg", "model_id": "m", "timestamp": ts, "detections": {"boxes": [{"x": 0.5, "y": 0.5, "w": -0.2, "h": -0.2}]}}),
        ),
        (
            "right-to-left and control labels",
            json!({"id": "rtl", "model_id": "m", "timestamp": ts, "detections": {"detections": [{"class_name": "\u{202e}ffo\u{0007}", "bbox": [0.1,0.1,0.2,0.2]}, {"class_name": "\u{5e9}\u{5dc}\u{5d5}\u{5dd}", "bbox": [0.3,0.3,0.4,0.4]}]}}),
        ),
        (
            "far past",
            json!({"id": "past", "model_id": "m", "timestamp": "0001-01-01T00:00:00Z", "detections": {}}),
        ),
        (
            "far future",
            json!({"id": "future", "model_id": "m", "timestamp": "9999-12-31T23:59:59.999999Z", "detections": {}}),
        ),
        (
            "duplicate id",
            json!({"id": "many", "model_id": "other", "timestamp": ts, "detections": {}}),
        ),
        (
            "wrong types everywhere",
            json!({"id": ["a"], "model_id": {"x": 1}, "timestamp": 12, "detections": "str", "confidence": "high", "frame_id": [], "event_metadata": 5}),
        ),
        (
            "deeply nested payload inside limits",
            json!({"id": "deep", "model_id": "m", "timestamp": ts, "detections": {"detections": [{"bbox": [0.1,0.1,0.2,0.2], "extra": (0..100).fold(json!(1), |v, _| json!({"a": v}))}]}}),
        ),
    ];
    let names: Vec<&str> = corpus.iter().map(|(n, _)| *n).collect();
    let body =
        json!({"events": corpus.into_iter().map(|(_, v)| v).collect::<Vec<_>>(), "total": 10})
            .to_string();
    let page = decode_event_page(body.as_bytes()).expect("the page decodes");
    assert_eq!(page.events.len() + page.skipped, names.len());
    assert_eq!(page.skipped, 1, "only the event with wrong types everywhere is unusable");
    let mut store = EventStore::new(StoreLimits::default());
    let report = store.ingest(page.events);
    assert_eq!(report.duplicates, 1);
    let many = store.timeline("m").unwrap().events().iter().find(|e| e.id == "many").unwrap();
    assert_eq!(many.detections.len(), MAX_DETECTIONS_PER_EVENT, "1e5 detections are capped");
    let label = store.timeline("m").unwrap().events().iter().find(|e| e.id == "label").unwrap();
    assert_eq!(label.detections[0].label.chars().count(), MAX_LABEL_CHARS);
    let mapping = ScreenMapping::new(
        CssRect { x: 0.0, y: 0.0, width: 1280.0, height: 720.0 },
        VideoPx { width: 1920.0, height: 1080.0 },
        ObjectFit::Contain,
        2.0,
    )
    .unwrap();
    let sel = select_frame(&store, parse_rfc3339(ts).unwrap(), &SelectionParams::default());
    let layout = layout_frame(&sel, &mapping);
    assert!(layout.primitives.len() <= MAX_PRIMITIVES_PER_FRAME, "primitives per frame are capped");
    assert!(layout.primitives.iter().all(finite_primitive));
    // Deeper nesting than serde_json accepts fails the page, which the fetcher then narrows like a poison row.
    let too_deep =
        json!({"events": [{"id": "d", "model_id": "m", "timestamp": ts, "detections": deep}]})
            .to_string();
    assert!(decode_event_page(too_deep.as_bytes()).is_err());
}
