//! Tests of the live event generator.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::live::generator::{LiveConfig, LiveStarted, LIVE_MODEL_ID};
use crate::test_support::{post, wait_until, Fixture, CAM_A, CAM_B, LIST};
use crate::text_formats::{now_us, parse_rfc3339};

#[test]
fn live_generator_inserts_at_the_rate_with_the_lateness() {
    let f = Fixture::emulated();
    let t0 = now_us();
    let r =
        post(&f.url("/__demo/live"), r#"{"rate_hz": 40, "lateness_ms": 1500, "duration_s": 0.25}"#);
    assert_eq!((r.status, r.json()), (200, json!({"generator": 1, "count": 10})));
    let query = format!("{LIST}?model_id={LIVE_MODEL_ID}");
    wait_until("10 live events", || f.get(&query).json()["total"] == json!(10));
    let t1 = now_us();
    let listed = f.get(&query).json()["events"].as_array().unwrap().clone();
    let times: Vec<i64> =
        listed.iter().map(|e| parse_rfc3339(e["timestamp"].as_str().unwrap()).unwrap()).collect();
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
        assert!(ts >= t0 - 1_500_000 && ts <= t1 - 1_500_000, "{ts} not in [{t0}, {t1}] - 1.5 s");
    }
    assert_ne!(listed[0]["detections"], listed[9]["detections"], "the box moves");
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
    assert_eq!(started, LiveStarted { generator: 2, count: 600 });
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
        (r#"{"rate_hz": 1, "duration_s": 1, "lateness_ms": 700000}"#, "lateness_ms"),
        (r#"{"rate_hz": 1, "duration_s": 1, "camera_id": "cam"}"#, "camera_id"),
        (r#"{"rate_hz": 1, "duration_s": 1, "model_id": ""}"#, "model_id"),
        (r#"{"rate_hz": 1, "duration_s": 1, "speed": 2}"#, "unknown field"),
        (r#"{"duration_s": 1}"#, "rate_hz"),
    ];
    for (body, needle) in bad {
        let r = post(&f.url("/__demo/live"), body);
        assert_eq!(r.status, 400, "{body}");
        let message = r.json()["error"].as_str().unwrap().to_string();
        assert!(message.contains(needle), "{body}: {message}");
    }
}
