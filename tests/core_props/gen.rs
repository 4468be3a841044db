//! Input generators shared by the properties: hostile numbers, strings and JSON, and real-shaped events.

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use vas_overlay_viewer::core::time::{format_rfc3339_utc, UnixMicros};

/// 2026-01-05T12:00:00Z, the instant most generated events cluster around.
pub const T0: i64 = 1_767_614_400_000_000;
/// The first and last microsecond RFC 3339 can write with a four-digit year.
pub const YEAR_0: i64 = -62_167_219_200_000_000;
pub const YEAR_9999_END: i64 = 253_402_300_799_999_999;

/// Numbers a model might really write, and the worst ones JSON allows.
pub fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        (-2.0f64..3.0).prop_map(|f| json!(f)),
        (-5000.0f64..5000.0).prop_map(|f| json!(f)),
        any::<i64>().prop_map(|i| json!(i)),
        any::<u64>().prop_map(|i| json!(i)),
        prop_oneof![
            Just(1e308),
            Just(-1e308),
            Just(5e-324),
            Just(0.0),
            Just(-0.0),
            Just(100.0),
            Just(1.5)
        ]
        .prop_map(|f| json!(f)),
    ]
}

/// Floats with every special value well represented.
pub fn hostile_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => -10_000.0f64..10_000.0,
        1 => any::<f64>(),
        1 => prop_oneof![
            Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY), Just(0.0), Just(-0.0),
            Just(f64::MAX), Just(f64::MIN), Just(f64::MIN_POSITIVE), Just(1e300), Just(-1e300), Just(9.3e18), Just(-9.3e18),
        ],
    ]
}

/// Integers near the extremes as often as near zero.
pub fn hostile_i64() -> impl Strategy<Value = i64> {
    prop_oneof![
        2 => -1_000_000i64..1_000_000,
        2 => any::<i64>(),
        1 => prop_oneof![Just(i64::MIN), Just(i64::MIN + 1), Just(i64::MAX), Just(i64::MAX - 1), Just(0), Just(-1)],
    ]
}

/// Instants: around `T0`, anywhere RFC 3339 can write, and anywhere `i64` can hold.
pub fn hostile_instant() -> impl Strategy<Value = i64> {
    prop_oneof![
        4 => T0 - 3_600_000_000..T0 + 3_600_000_000,
        1 => YEAR_0..=YEAR_9999_END,
        1 => hostile_i64(),
    ]
}

pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{0,12}",
        "\\PC{0,200}",
        Just("<img src=x onerror=alert(1)>".to_string()),
        Just("\u{202e}txet lanoitcerid-ot-thgir\u{202c}".to_string()),
        Just("\u{0}\u{1b}[31m\n\r\t".to_string()),
        Just("\u{feff}".to_string()),
        (1usize..4000).prop_map(|n| "\u{1F600}".repeat(n)),
    ]
}

/// Arbitrary JSON, biased toward the keys the adapters look at.
pub fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("detections"),
        Just("objects"),
        Just("boxes"),
        Just("bbox"),
        Just("x"),
        Just("y"),
        Just("w"),
        Just("h"),
        Just("left"),
        Just("top"),
        Just("width"),
        Just("height"),
        Just("class"),
        Just("class_name"),
        Just("label"),
        Just("name"),
        Just("confidence"),
        Just("conf"),
        Just("score"),
        Just("track_id"),
        Just("keypoints"),
        Just("normalized"),
        Just("class_id"),
        Just("frame_width"),
        Just("frame_height"),
        Just("other"),
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
            prop::collection::vec((key.clone(), inner), 0..8).prop_map(|kv| Value::Object(
                kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect::<Map<_, _>>()
            )),
        ]
    })
}

pub fn timestamp() -> impl Strategy<Value = Value> {
    prop_oneof![
        (0i64..4_000_000_000).prop_map(|s| json!(format_rfc3339_utc(UnixMicros(s * 1_000_000)))),
        (T0..T0 + 60_000_000).prop_map(|us| json!(format_rfc3339_utc(UnixMicros(us)))),
        text().prop_map(Value::String),
        number(),
    ]
}

/// An event at its most hostile: every field from the generators above.
pub fn hostile_event() -> impl Strategy<Value = Value> {
    (prop_oneof![text().prop_map(Value::String), number()], text(), timestamp(), json_value(), json_value()).prop_map(
        |(id, model, ts, detections, meta)| json!({"id": id, "model_id": model, "timestamp": ts, "detections": detections, "event_metadata": meta}),
    )
}

/// A real-shaped event, cheap to make: ids from a small pool (so pages repeat
/// them), three models, times within a minute of `T0`, a box or two.
pub fn plain_event() -> impl Strategy<Value = Value> {
    (0u32..600, 0usize..3, 0i64..60_000, 0.0f64..0.8, 0.0f64..0.8, 0usize..3).prop_map(|(id, model, ms, x, y, n)| {
        let model = ["yolo", "pose", "faces"][model];
        let boxes: Vec<Value> = (0..n).map(|k| json!({"class_name": "person", "confidence": 0.9, "bbox": [x, y, x + 0.1, y + 0.1], "track_id": k})).collect();
        json!({
            "id": format!("e{id}"),
            "model_id": model,
            "timestamp": format_rfc3339_utc(UnixMicros(T0 + ms * 1000)),
            "detections": {"detections": boxes},
        })
    })
}

pub fn css_number() -> impl Strategy<Value = f64> {
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
