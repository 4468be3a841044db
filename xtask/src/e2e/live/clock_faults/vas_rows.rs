//! The rows the clock-fault test puts into the rig's VAS (wild rows, an hour ahead or in the year 9999) and reads back from it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use serde_json::{json, Value};

use super::{CAM_FED, FAR_FUTURE_US, HOUR_MS, RIG_MODEL, WILD_MODEL};
use crate::rig::Rig;
use crate::Result;

/// RFC 3339 (UTC, microseconds) of Unix microseconds, as VAS writes them.
pub(super) fn rfc3339(us: i64) -> String {
    let (secs, micros) = (us.div_euclid(1_000_000), us.rem_euclid(1_000_000));
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{micros:06}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// VAS's clock (the rig's: the machine's, unshifted here) in Unix microseconds.
pub(super) fn now_us() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros() as i64)
}

/// Ids of the inserted rows: UUID-shaped, unique within a run.
static SERIAL: AtomicU64 = AtomicU64::new(1);

/// A VAS event of the fed camera: one box, like the rig's, flagged `wild` in its metadata.
fn wild_event(model: &str, stamp_us: i64) -> Value {
    let serial = SERIAL.fetch_add(1, Ordering::Relaxed);
    json!({
        "id": format!("c10cfa11-0000-4000-8000-{serial:012x}"),
        "camera_id": CAM_FED,
        "model_id": model,
        "timestamp": rfc3339(stamp_us),
        "frame_id": 0,
        "detections": {"detections": [{"class_id": 0, "class_name": "wild", "confidence": 0.9, "bbox": [0.1, 0.1, 0.3, 0.3], "track_id": 9000 + serial}]},
        "confidence": 0.9,
        "event_metadata": {"frame_width": 640, "frame_height": 360, "wild": true},
        "created_at": "2026-01-01T00:00:00Z",
    })
}

/// `n` rows an hour ahead of `at_us` (10 ms apart) and `n` in the year 9999, for each model.
pub(super) fn wild_rows(n: usize, at_us: i64) -> Vec<Value> {
    let mut rows = Vec::new();
    for model in [RIG_MODEL, WILD_MODEL] {
        for i in 0..n as i64 {
            rows.push(wild_event(model, at_us + HOUR_MS * 1000 + i * 10_000));
            // Distinct instants just before the end of 9999.
            rows.push(wild_event(
                model,
                FAR_FUTURE_US - SERIAL.load(Ordering::Relaxed) as i64 * 1000,
            ));
        }
    }
    rows
}

/// Posts VAS events of the fed camera to the backend (through the rig's front, as the SFU does).
pub(super) fn insert(agent: &ureq::Agent, rig: &Rig, rows: &[Value]) -> Result<Value> {
    let url = format!("{}__live/events", rig.vas_url());
    Ok(agent.post(&url).send_json(json!(rows)).with_context(|| url.clone())?.into_json()?)
}

/// The rows VAS holds for the fed camera in `[from_us, to_us]` (of `model` if given).
pub(super) fn held(rig: &Rig, from_us: i64, to_us: i64, model: Option<&str>) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    let model = model.map(|m| format!("&model_id={m}")).unwrap_or_default();
    for page in 0.. {
        let v = rig.api(&format!(
            "/api/v1/ai-events/cameras/{CAM_FED}/events?start_time={}&end_time={}&limit=1000&offset={}{model}",
            rfc3339(from_us),
            rfc3339(to_us),
            page * 1000
        ))?;
        let events = v["events"].as_array().cloned().unwrap_or_default();
        let last = events.len() < 1000;
        out.extend(events);
        if last {
            break;
        }
    }
    Ok(out)
}

pub(super) fn is_rig_row(e: &Value) -> bool {
    e["event_metadata"]["rig_stream"].is_u64() && e["model_id"] == RIG_MODEL
}

pub(super) fn is_wild_row(e: &Value) -> bool {
    e["event_metadata"]["wild"] == true
}
