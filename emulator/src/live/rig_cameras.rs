//! The live rig's cameras and their events.
//!
//! The live test rig (`xtask/src/rig/`) runs a real SFU whose feeds stand for
//! VAS cameras. Those cameras are devices of the emulator like the demo
//! camera, and the events the rig posts as its frames are produced (as VAS's
//! pipeline would write them) are rows of the same event table: every read
//! of them goes through the request log, the API-key check and the fault
//! modes as any other `/api/` request does.
//!
//! | request | body | answer |
//! | --- | --- | --- |
//! | `POST /__live/events` | an array of VAS events of live cameras | `{"inserted": n, "stored": total, "inserted_at_us": when they became listable (server clock)}` |
//!
//! The write is a control request (like `POST /__demo/events`): never
//! logged, never subject to faults. Events whose id is already stored are
//! skipped; past the bound on run-time rows the oldest rows of live cameras
//! go first, so a long run stays bounded.

use std::io;

use serde_json::{json, Value};

use crate::control_api::ControlError;
use crate::demo_data::StoredEvent;
use crate::emulator::Emulator;
use crate::run_time_state::MAX_INSERTED;
use crate::text_formats::{now_us, parse_rfc3339, parse_uuid};

/// Where the rig posts its events.
pub(crate) const LIVE_EVENTS_PATH: &str = "/__live/events";

/// The live cameras: VAS device objects (with a UUID `id`).
#[derive(Clone, Debug, Default)]
pub struct LiveCameras {
    pub devices: Vec<Value>,
}

/// One live camera as the emulator lists it.
pub(crate) struct LiveCamera {
    /// Canonical (lowercase, hyphenated) id.
    pub(crate) id: String,
    /// The VAS device object, as given.
    pub(crate) device: Value,
}

impl LiveCameras {
    /// The cameras with their canonical ids; an id that is not a UUID is refused.
    pub(crate) fn into_devices(self) -> io::Result<Vec<LiveCamera>> {
        self.devices
            .into_iter()
            .map(|device| {
                let raw = device.get("id").and_then(Value::as_str).unwrap_or_default();
                let id = parse_uuid(raw).map_err(|e| {
                    io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("live camera id {raw:?}: {e}"),
                    )
                })?;
                Ok(LiveCamera { id, device })
            })
            .collect()
    }
}

/// An RFC 3339 time in microseconds since the epoch, as the emulator reads `timestamp`.
pub fn parse_time_us(s: &str) -> Option<i64> {
    parse_rfc3339(s).ok()
}

impl Emulator {
    /// Whether `camera` (canonical id) is one of the live rig's cameras.
    pub(crate) fn is_live_camera(&self, camera: &str) -> bool {
        self.data.live_cameras.iter().any(|c| c.id == camera)
    }

    /// `POST /__live/events`: stores the rig's events (all or nothing); each
    /// must name a live camera.
    pub(crate) fn insert_rig_events(&self, body: &[u8]) -> Result<Value, ControlError> {
        let bad = |m: String| -> ControlError { (400, m) };
        let list: Vec<Value> = serde_json::from_slice(body)
            .map_err(|e| bad(format!("not a JSON array of events: {e}")))?;
        let mut rows = Vec::with_capacity(list.len());
        for (i, event) in list.iter().enumerate() {
            let row = StoredEvent::parse(event, 0).map_err(|e| bad(format!("events[{i}]: {e}")))?;
            if !self.is_live_camera(&row.camera_id) {
                return Err(bad(format!(
                    "events[{i}]: camera {} is not a live camera",
                    row.camera_id
                )));
            }
            rows.push(row);
        }
        let mut ctl = self.lock();
        let inserted =
            ctl.store_evicting(rows, MAX_INSERTED, |row| self.is_live_camera(&row.camera_id));
        let stored = ctl.inserted.len();
        drop(ctl);
        Ok(json!({"inserted": inserted, "stored": stored, "inserted_at_us": now_us()}))
    }
}

#[cfg(test)]
mod tests;
