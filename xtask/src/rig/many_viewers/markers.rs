//! The marker rows of the many-viewers benchmark: posted to VAS for every camera on a fixed period, so that each viewer's insert-to-drawn delay can be measured.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context};
use serde_json::{json, Value};
use vas_overlay_viewer::core::time::{format_rfc3339_utc, UnixMicros};

use super::{now_us, EVENT_LATENESS_MS, MARKER_MODEL, MARKER_PERIOD};
use crate::Result;

/// One marker row as inserted.
#[derive(Clone, Copy)]
pub(super) struct Marker {
    pub(super) camera: usize,
    pub(super) track: u64,
    pub(super) inserted_us: i64,
    /// How long the emulator took to store it (the post's round trip).
    pub(super) post_ms: f64,
}

/// Posts one marker row per camera every `MARKER_PERIOD` until `stop`;
/// returns how many posts failed (503 or a connection error: their rows never existed).
pub(super) fn feed_markers(
    url: &str,
    cameras: &[String],
    out: &Mutex<Vec<Marker>>,
    stop: &AtomicBool,
) -> Result<u64> {
    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(10)).build();
    let mut next = Instant::now();
    let mut track = 1u64;
    let mut refused = 0;
    while !stop.load(Ordering::Relaxed) {
        if let Some(d) = next.checked_duration_since(Instant::now()) {
            std::thread::sleep(d);
        }
        // A busy machine delays a post; the next one keeps the period from now, no burst.
        next = (next + MARKER_PERIOD).max(Instant::now());
        let stamp = UnixMicros(now_us() - i64::from(EVENT_LATENESS_MS) * 1000);
        let first = track;
        let rows: Vec<Value> = cameras
            .iter()
            .enumerate()
            .map(|(k, cam)| {
                let t = first + k as u64;
                json!({
                    "id": format!("5e1f0000-0000-4000-a000-{t:012x}"),
                    "camera_id": cam,
                    "model_id": MARKER_MODEL,
                    "timestamp": format_rfc3339_utc(stamp),
                    "frame_id": t,
                    "detections": {"detections": [{"class_name": "marker", "confidence": 0.9, "bbox": [0.03, 0.6, 0.13, 0.8], "track_id": t}]},
                    "confidence": 0.9,
                    "event_metadata": {"frame_width": 640, "frame_height": 360},
                    "created_at": "2026-01-01T00:00:00Z",
                })
            })
            .collect();
        track += cameras.len() as u64;
        // An overloaded emulator refuses connections (503, or resets them): those rows never existed.
        let posted = Instant::now();
        let answer: Value = match agent.post(url).send_json(rows) {
            Ok(a) => a.into_json().context("marker rows")?,
            Err(ureq::Error::Status(503, _) | ureq::Error::Transport(_)) => {
                refused += 1;
                continue;
            }
            Err(e) => return Err(anyhow!("marker rows: {e}")),
        };
        let post_ms = posted.elapsed().as_secs_f64() * 1000.0;
        let inserted_us = answer["inserted_at_us"]
            .as_i64()
            .with_context(|| format!("the emulator's answer has no inserted_at_us: {answer}"))?;
        let mut out = out.lock().unwrap_or_else(|p| p.into_inner());
        out.extend((0..cameras.len()).map(|k| Marker {
            camera: k,
            track: first + k as u64,
            inserted_us,
            post_ms,
        }));
    }
    Ok(refused)
}
