//! The demo data dir (`camera.json`, `events.json`, the clip), loaded and
//! validated once.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::http::static_files::safe_relative_path;
use crate::live::rig_cameras::LiveCamera;
use crate::text_formats::{parse_rfc3339, parse_uuid};
use crate::{day_recording, recording};

/// `created_at` of synthetic rows when the data has none to copy: VAS gives
/// every row the same frozen value.
pub(crate) const FROZEN_CREATED_AT: &str = "2026-01-01T00:00:00Z";

pub(crate) struct DemoData {
    pub(crate) dir: PathBuf,
    pub(crate) device: Value,
    /// Canonical (lowercase, hyphenated) device id.
    pub(crate) device_id: String,
    /// The device id as written in camera.json.
    pub(crate) device_id_raw: String,
    pub(crate) start: String,
    pub(crate) clip: String,
    /// Newest first; ties keep file order.
    pub(crate) events: Vec<StoredEvent>,
    /// Canonical event id to index in `events`.
    pub(crate) by_id: HashMap<String, usize>,
    /// The frozen `created_at` of the data, given to synthetic rows.
    pub(crate) created_at: String,
    /// The demo recording (`recording/` in the data dir), if present.
    pub(crate) recording: Option<recording::DemoRecording>,
    /// The day camera, made of the demo recording, if present.
    pub(crate) day: Option<day_recording::DayRecording>,
    /// The live rig's cameras, listed after the demo camera (none without the rig).
    pub(crate) live_cameras: Vec<LiveCamera>,
}

pub(crate) struct StoredEvent {
    /// Canonical id.
    pub(crate) id: String,
    pub(crate) ts_us: i64,
    /// Canonical camera id.
    pub(crate) camera_id: String,
    pub(crate) model_id: String,
    /// Stored order: ties keep it when `stable_ties` is on.
    pub(crate) order: u64,
    /// `detections` is not a JSON object: any page holding it fails.
    pub(crate) poison: bool,
    pub(crate) raw: Value,
}

impl StoredEvent {
    /// Validates a VAS event object as VAS would have stored it; errors name
    /// the field.
    pub(crate) fn parse(event: &Value, order: u64) -> Result<StoredEvent, String> {
        if !event.is_object() {
            return Err("must be a JSON object".into());
        }
        let field = |name: &str| -> Result<&str, String> {
            event
                .get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| format!("`{name}` must be a string"))
        };
        let id_raw = field("id")?;
        let id = parse_uuid(id_raw).map_err(|e| format!("`id` {id_raw:?} is not a UUID ({e})"))?;
        let camera_raw = field("camera_id")?;
        let camera_id = parse_uuid(camera_raw)
            .map_err(|e| format!("`camera_id` {camera_raw:?} is not a UUID ({e})"))?;
        let model_id = field("model_id")?.to_string();
        let ts_raw = field("timestamp")?;
        let ts_us = parse_rfc3339(ts_raw)
            .map_err(|e| format!("`timestamp` {ts_raw:?} is not an RFC 3339 time ({e})"))?;
        Ok(StoredEvent {
            id,
            ts_us,
            camera_id,
            model_id,
            order,
            poison: !event.get("detections").is_some_and(Value::is_object),
            raw: event.clone(),
        })
    }
}

pub(crate) fn data_error(path: &Path, what: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("demo data: {}: {}", path.display(), what))
}

/// `camera.json`: the demo camera and its clip.
#[derive(Deserialize)]
struct CameraFile {
    /// The VAS device object, served as is.
    device: Map<String, Value>,
    /// RFC 3339 wall time of the clip's first frame.
    start: String,
    /// The clip, relative to the data dir.
    clip: String,
}

/// An `events.json`: a VAS list envelope (`total`, `limit` and `offset` are
/// not read).
#[derive(Deserialize)]
pub(crate) struct EventsFile {
    pub(crate) events: Vec<Value>,
}

/// A JSON file of the data dir read into `T`; errors name the file, and for
/// well-formed JSON of the wrong shape, what was `expected`.
pub(crate) fn read_json<T: DeserializeOwned>(path: &Path, expected: &str) -> io::Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        io::Error::new(e.kind(), format!("demo data: {}: cannot read: {}", path.display(), e))
    })?;
    serde_json::from_str(&text).map_err(|e| {
        if e.is_data() {
            data_error(path, format!("expected {expected}: {e}"))
        } else {
            data_error(path, format!("invalid JSON: {e}"))
        }
    })
}

/// What `read_json` expects of an `events.json`.
pub(crate) const EVENTS_FILE_SHAPE: &str = "a VAS list envelope {\"events\": [...], ...}";

impl DemoData {
    pub(crate) fn load(dir: &Path) -> io::Result<DemoData> {
        if !dir.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("demo data: {}: not a directory", dir.display()),
            ));
        }

        let camera_path = dir.join("camera.json");
        let CameraFile { device, start, clip } = read_json(
            &camera_path,
            "{\"device\": a VAS device object, \"start\": an RFC 3339 string, \"clip\": a file name}",
        )?;
        let device_id_raw = device
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| data_error(&camera_path, "`device.id` must be a string"))?
            .to_string();
        let device = Value::Object(device);
        let device_id = parse_uuid(&device_id_raw).map_err(|e| {
            data_error(&camera_path, format!("`device.id` {device_id_raw:?} is not a UUID ({e})"))
        })?;
        parse_rfc3339(&start).map_err(|e| {
            data_error(&camera_path, format!("`start` {start:?} is not an RFC 3339 time ({e})"))
        })?;
        let clip_rel = safe_relative_path(&clip, false).ok_or_else(|| {
            data_error(
                &camera_path,
                format!("`clip` {clip:?} must be a relative path inside the data dir"),
            )
        })?;
        if !dir.join(&clip_rel).is_file() {
            return Err(data_error(
                &camera_path,
                format!("`clip` {clip:?}: file {} does not exist", dir.join(&clip_rel).display()),
            ));
        }

        let events_path = dir.join("events.json");
        let EventsFile { events: list } = read_json(&events_path, EVENTS_FILE_SHAPE)?;
        let mut events = Vec::with_capacity(list.len());
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, event) in list.iter().enumerate() {
            let at = |what: String| data_error(&events_path, format!("events[{i}]: {what}"));
            let stored = StoredEvent::parse(event, i as u64).map_err(at)?;
            if let Some(first) = seen.insert(stored.id.clone(), i) {
                return Err(at(format!(
                    "duplicate `id` {:?} (also events[{first}])",
                    event["id"].as_str().unwrap_or_default()
                )));
            }
            events.push(stored);
        }
        // The recording's events join the clip's (before sorting).
        let recording = recording::load(dir)?.map(|(rec, recorded)| {
            events.extend(recorded);
            rec
        });
        // Stable: equal timestamps keep their file order.
        events.sort_by_key(|e| std::cmp::Reverse(e.ts_us));
        let by_id = events.iter().enumerate().map(|(i, e)| (e.id.clone(), i)).collect();
        let created_at = events
            .iter()
            .find_map(|e| e.raw.get("created_at").and_then(Value::as_str))
            .unwrap_or(FROZEN_CREATED_AT)
            .to_string();

        Ok(DemoData {
            dir: dir.to_path_buf(),
            device,
            device_id,
            device_id_raw,
            start,
            clip,
            events,
            by_id,
            created_at,
            recording,
            day: None,
            live_cameras: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests;
