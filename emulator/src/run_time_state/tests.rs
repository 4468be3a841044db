//! Tests of the run-time rows: de-duplication and the bound of a long run.

use serde_json::json;

use crate::demo_data::StoredEvent;
use crate::run_time_state::RunTimeState;
use crate::text_formats::format_vas_time;

const RIG_CAM: &str = "1a7e0000-0000-4000-8000-00000000ca01";
const TEST_CAM: &str = "9d3f2b1a-6c4e-4b8a-a1f0-2e7d5c9b3a10";

/// Row `n` of `camera`, `n` ms after 2026-01-05T12:00:00Z.
fn row(n: u64, camera: &str) -> StoredEvent {
    let raw = json!({
        "id": format!("1a7e0000-0000-4000-8000-{n:012x}"), "camera_id": camera, "model_id": "rig",
        "timestamp": format_vas_time(1_767_614_400_000_000 + n as i64 * 1000), "detections": {"detections": []},
    });
    StoredEvent::parse(&raw, 0).unwrap()
}

fn ids(state: &RunTimeState) -> Vec<u64> {
    let mut out: Vec<u64> =
        state.inserted.iter().map(|r| u64::from_str_radix(&r.id[24..], 16).unwrap()).collect();
    out.sort_unstable();
    out
}

#[test]
fn stored_ids_are_skipped() {
    let mut state = RunTimeState::default();
    assert_eq!(state.store_evicting(vec![row(1, RIG_CAM), row(2, RIG_CAM)], 10, |_| true), 2);
    assert_eq!(
        state.store_evicting(vec![row(2, RIG_CAM), row(3, RIG_CAM), row(3, RIG_CAM)], 10, |_| true),
        1
    );
    assert_eq!(ids(&state), [1, 2, 3]);
}

#[test]
fn past_the_bound_the_oldest_evictable_rows_go_first() {
    let mut state = RunTimeState::default();
    // A test's own row, older than every rig row, is not evictable.
    state.store(row(0, TEST_CAM));
    let rig = |r: &StoredEvent| r.camera_id == RIG_CAM;
    // Posted out of order: eviction goes by timestamp, not arrival.
    state.store_evicting(vec![row(5, RIG_CAM), row(3, RIG_CAM), row(4, RIG_CAM)], 4, rig);
    assert_eq!(ids(&state), [0, 3, 4, 5]);
    state.store_evicting(vec![row(7, RIG_CAM), row(6, RIG_CAM)], 4, rig);
    assert_eq!(ids(&state), [0, 5, 6, 7]);
    // The id index follows the rows that stay.
    for (i, r) in state.inserted.iter().enumerate() {
        assert_eq!(state.inserted_ids[&r.id], i);
    }
    assert_eq!(state.inserted_ids.len(), 4);
    // An evicted id can be stored again; the oldest, it goes at once.
    state.store_evicting(vec![row(3, RIG_CAM)], 4, rig);
    assert_eq!(ids(&state), [0, 5, 6, 7]);
}
