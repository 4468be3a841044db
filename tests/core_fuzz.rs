//! Property tests of the pure core on hostile input: nothing panics, nothing unbounded, no NaN on screen.
//!
//! Case counts come from `VAS_FUZZ_CASES` (default 200 per property, for quick
//! debug runs); the test command runs them in release with many more cases
//! and reports the total.

#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use vas_overlay_viewer::core::detection::{normalize_payload, MAX_DETECTIONS_PER_EVENT, MAX_LABEL_CHARS};
use vas_overlay_viewer::core::event_store::{EventStore, StoreLimits};
use vas_overlay_viewer::core::geometry::{CssRect, ObjectFit, ScreenMapping, VideoPx};
use vas_overlay_viewer::core::primitive::{layout_frame, Primitive, MAX_PRIMITIVES_PER_FRAME};
use vas_overlay_viewer::core::selection::{select_frame, SelectionParams};
use vas_overlay_viewer::core::time::{format_rfc3339_utc, parse_rfc3339, UnixMicros};
use vas_overlay_viewer::core::wire::{decode_event_page, WireEvent};

fn cases() -> u32 {
    std::env::var("VAS_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(200)
}

/// Numbers a model might really write, and the worst ones JSON allows.
fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        (-2.0f64..3.0).prop_map(|f| json!(f)),
        (-5000.0f64..5000.0).prop_map(|f| json!(f)),
        any::<i64>().prop_map(|i| json!(i)),
        prop_oneof![Just(1e308), Just(-1e308), Just(5e-324), Just(0.0), Just(-0.0), Just(100.0), Just(1.5)].prop_map(|f| json!(f)),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{0,12}",
        "\\PC{0,200}",
        Just("<img src=x onerror=alert(1)>".to_string()),
        Just("\u{202e}txet lanoitcerid-ot-thgir\u{202c}".to_string()),
        Just("\u{0}\u{1b}[31m\n\r\t".to_string()),
    ]
}

/// Arbitrary JSON, biased toward the keys the adapters look at.
fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("detections"), Just("objects"), Just("boxes"), Just("bbox"), Just("x"), Just("y"), Just("w"), Just("h"),
        Just("left"), Just("top"), Just("width"), Just("height"), Just("class"), Just("class_name"), Just("label"),
        Just("name"), Just("confidence"), Just("conf"), Just("score"), Just("track_id"), Just("keypoints"),
        Just("normalized"), Just("class_id"), Just("frame_width"), Just("frame_height"), Just("other"),
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 96, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect::<Map<_, _>>())),
        ]
    })
}

fn timestamp() -> impl Strategy<Value = Value> {
    prop_oneof![
        (0i64..4_000_000_000).prop_map(|s| json!(format_rfc3339_utc(UnixMicros(s * 1_000_000)))),
        (1_767_614_400_000_000i64..1_767_614_460_000_000).prop_map(|us| json!(format_rfc3339_utc(UnixMicros(us)))),
        text().prop_map(Value::String),
        number(),
    ]
}

fn event() -> impl Strategy<Value = Value> {
    (prop_oneof![text().prop_map(Value::String), number()], text(), timestamp(), json_value(), json_value()).prop_map(
        |(id, model, ts, detections, meta)| json!({"id": id, "model_id": model, "timestamp": ts, "detections": detections, "event_metadata": meta}),
    )
}

fn css_number() -> impl Strategy<Value = f64> {
    prop_oneof![
        -5000.0f64..5000.0,
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(0.0),
        Just(1e300),
        Just(-1e-300),
    ]
}

fn finite_primitive(p: &Primitive) -> bool {
    let ok = |v: f64| v.is_finite();
    match p {
        Primitive::Box { rect, .. } => [rect.x, rect.y, rect.width, rect.height].into_iter().all(ok),
        Primitive::Label { origin, size, text, .. } => {
            [origin.x, origin.y, size.width, size.height].into_iter().all(ok) && text.chars().count() <= MAX_LABEL_CHARS + 6
        }
        Primitive::Keypoint { center, radius, .. } => [center.x, center.y, *radius].into_iter().all(ok),
        Primitive::Polyline { points, .. } => points.iter().all(|p| ok(p.x) && ok(p.y)),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode_event_page(&bytes);
        let _ = parse_rfc3339(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn normalization_is_bounded_and_finite(payload in json_value(), meta in json_value()) {
        let n = normalize_payload(&payload, Some(&meta));
        prop_assert!(n.detections.len() <= MAX_DETECTIONS_PER_EVENT);
        for d in &n.detections {
            prop_assert!(d.label.chars().count() <= MAX_LABEL_CHARS);
            prop_assert!(d.confidence.is_none_or(|c| (0.0..=1.0).contains(&c)));
            if let Some(r) = d.rect {
                for v in [r.x_min, r.y_min, r.x_max, r.y_max] {
                    prop_assert!((0.0..=1.0).contains(&v));
                }
                prop_assert!(r.x_max > r.x_min && r.y_max > r.y_min);
            }
            for p in &d.keypoints {
                prop_assert!((0.0..=1.0).contains(&p.x) && (0.0..=1.0).contains(&p.y));
            }
        }
    }

    #[test]
    fn pages_of_hostile_events_flow_to_the_screen_without_nan(
        events in prop::collection::vec(event(), 0..12),
        t in 1_767_614_390_000_000i64..1_767_614_470_000_000,
        el in (css_number(), css_number(), css_number(), css_number()),
        video in (css_number(), css_number()),
        dpr in css_number(),
        fit in 0u8..5,
    ) {
        let body = json!({"events": events, "total": 7}).to_string();
        let Ok(page) = decode_event_page(body.as_bytes()) else { return Ok(()) };
        let mut store = EventStore::new(StoreLimits { max_events: 64, max_span: 3_600_000_000, max_bytes: usize::MAX });
        store.ingest(page.events.clone());
        prop_assert!(store.len() <= 64);
        let fit = [ObjectFit::Contain, ObjectFit::Cover, ObjectFit::Fill, ObjectFit::None, ObjectFit::ScaleDown][fit as usize];
        let element = CssRect { x: el.0, y: el.1, width: el.2, height: el.3 };
        let selection = select_frame(&store, UnixMicros(t), &SelectionParams::default());
        if let Some(mapping) = ScreenMapping::new(element, VideoPx { width: video.0, height: video.1 }, fit, dpr) {
            let layout = layout_frame(&selection, &mapping);
            prop_assert!(layout.primitives.len() <= MAX_PRIMITIVES_PER_FRAME);
            for p in &layout.primitives {
                prop_assert!(finite_primitive(p), "{p:?}");
            }
        }
    }
}

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
        ("1e5 detections in one event", json!({"id": "many", "model_id": "m", "timestamp": ts, "detections": {"detections": many}})),
        ("a 1 MB label", json!({"id": "label", "model_id": "m", "timestamp": ts, "detections": {"detections": [{"class_name": huge_label, "bbox": [0.1,0.1,0.2,0.2]}]}})),
        ("extreme numbers", json!({"id": "num", "model_id": "m", "timestamp": ts, "detections": {"boxes": [{"x": -1e308, "y": 1e308, "w": 1e308, "h": 5e-324}, {"x": 1e15, "y": 1e15, "w": 1, "h": 1}]}})),
        ("negative sizes", json!({"id": "neg", "model_id": "m", "timestamp": ts, "detections": {"boxes": [{"x": 0.5, "y": 0.5, "w": -0.2, "h": -0.2}]}})),
        ("right-to-left and control labels", json!({"id": "rtl", "model_id": "m", "timestamp": ts, "detections": {"detections": [{"class_name": "\u{202e}ffo\u{0007}", "bbox": [0.1,0.1,0.2,0.2]}, {"class_name": "\u{5e9}\u{5dc}\u{5d5}\u{5dd}", "bbox": [0.3,0.3,0.4,0.4]}]}})),
        ("far past", json!({"id": "past", "model_id": "m", "timestamp": "0001-01-01T00:00:00Z", "detections": {}})),
        ("far future", json!({"id": "future", "model_id": "m", "timestamp": "9999-12-31T23:59:59.999999Z", "detections": {}})),
        ("duplicate id", json!({"id": "many", "model_id": "other", "timestamp": ts, "detections": {}})),
        ("wrong types everywhere", json!({"id": ["a"], "model_id": {"x": 1}, "timestamp": 12, "detections": "str", "confidence": "high", "frame_id": [], "event_metadata": 5})),
        ("deeply nested payload inside limits", json!({"id": "deep", "model_id": "m", "timestamp": ts, "detections": {"detections": [{"bbox": [0.1,0.1,0.2,0.2], "extra": (0..100).fold(json!(1), |v, _| json!({"a": v}))}]}})),
    ];
    let names: Vec<&str> = corpus.iter().map(|(n, _)| *n).collect();
    let body = json!({"events": corpus.into_iter().map(|(_, v)| v).collect::<Vec<_>>(), "total": 10}).to_string();
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
    let mapping = ScreenMapping::new(CssRect { x: 0.0, y: 0.0, width: 1280.0, height: 720.0 }, VideoPx { width: 1920.0, height: 1080.0 }, ObjectFit::Contain, 2.0).unwrap();
    let sel = select_frame(&store, parse_rfc3339(ts).unwrap(), &SelectionParams::default());
    let layout = layout_frame(&sel, &mapping);
    assert!(layout.primitives.len() <= MAX_PRIMITIVES_PER_FRAME, "primitives per frame are capped");
    assert!(layout.primitives.iter().all(finite_primitive));
    // Deeper nesting than serde_json accepts fails the page, which the fetcher then narrows like a poison row.
    let too_deep = json!({"events": [{"id": "d", "model_id": "m", "timestamp": ts, "detections": deep}]}).to_string();
    assert!(decode_event_page(too_deep.as_bytes()).is_err());
    let _: Vec<WireEvent> = Vec::new();
}
