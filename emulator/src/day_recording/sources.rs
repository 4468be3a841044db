//! The demo segments and events a day is made of, loaded from the demo recording.

use std::io;
use std::path::Path;

use serde_json::Value;

use super::{
    ts_shift, DayClock, DayRecording, EVENT_WINDOW_FRAMES, FPS, FULL_FRAMES, FULL_SOURCE,
    TAIL_FRAMES,
};
use crate::demo_data::{data_error, read_json, EventsFile, EVENTS_FILE_SHAPE};
use crate::recording::{RecordingFile, SegmentEntry, RECORDING_FILE_SHAPE};
use crate::text_formats::parse_rfc3339;

/// A demo segment a day segment is made of.
pub(super) struct Source {
    pub(super) bytes: Vec<u8>,
    /// Its first PTS (90 kHz).
    pub(super) first_pts: u64,
    pub(super) duration_us: i64,
    /// Its kept events, newest offset first.
    pub(super) events: Vec<SourceEvent>,
}

pub(super) struct SourceEvent {
    /// From the segment's first frame.
    pub(super) offset_us: i64,
    /// Frames from the segment's first frame.
    pub(super) frame: u64,
    pub(super) model_id: String,
    pub(super) source_id: String,
    pub(super) raw: Value,
}

/// Duration of `frames` at 30 fps, microseconds (make_recording.py's rounding).
pub(super) fn frames_us(frames: u64) -> i64 {
    i64::try_from((2 * frames * 1_000_000 + FPS) / (2 * FPS)).unwrap_or(i64::MAX)
}

impl DayRecording {
    /// Loads the sources from `dir/recording/` (the demo recording) and lays
    /// out the day around the clock's T0; None when the data has no recording.
    pub fn load(dir: &Path, clock: DayClock) -> io::Result<Option<DayRecording>> {
        let dir = dir.join("recording");
        let meta_path = dir.join("recording.json");
        if !meta_path.is_file() {
            return Ok(None);
        }
        let RecordingFile { segments, .. } = read_json(&meta_path, RECORDING_FILE_SHAPE)?;
        let find = |what: &str, pick: &dyn Fn(&SegmentEntry) -> bool| {
            segments
                .iter()
                .find(|s| pick(s))
                .cloned()
                .ok_or_else(|| data_error(&meta_path, format!("the day camera needs {what}")))
        };
        let mut picked = vec![find(&format!("{FULL_SOURCE} of {FULL_FRAMES} frames"), &|s| {
            s.file == FULL_SOURCE && s.frames == FULL_FRAMES
        })?];
        for frames in TAIL_FRAMES {
            picked.push(find(&format!("a short segment of {frames} frames"), &|s| {
                s.frames == frames
            })?);
        }

        let events_path = dir.join("events.json");
        let EventsFile { events: all_events } = read_json(&events_path, EVENTS_FILE_SHAPE)?;
        let mut sources = Vec::new();
        for s in &picked {
            let file = s.file.as_str();
            let bad = |what: String| data_error(&meta_path, format!("{file}: {what}"));
            let true_start =
                parse_rfc3339(&s.true_start).map_err(|_| bad("bad `true_start`".into()))?;
            let (first_frame, frames) = (s.first_frame, s.frames);
            let duration_us = frames_us(frames);
            let path = dir.join(file);
            let bytes =
                std::fs::read(&path).map_err(|e| data_error(&path, format!("cannot read: {e}")))?;
            let first_pts = ts_shift::walk(&bytes)
                .map_err(|e| data_error(&path, e))?
                .first_pts
                .ok_or_else(|| data_error(&path, "no PTS"))?;
            // The source's events, oldest frame first; then per model the first of each 15-frame window.
            let mut candidates: Vec<SourceEvent> = Vec::new();
            for e in &all_events {
                let Some(ts) = e["timestamp"].as_str().and_then(|t| parse_rfc3339(t).ok()) else {
                    continue;
                };
                let offset_us = ts - true_start;
                if !(0..duration_us).contains(&offset_us) {
                    continue;
                }
                let frame = e["frame_id"]
                    .as_u64()
                    .and_then(|f| f.checked_sub(first_frame))
                    .ok_or_else(|| bad(format!("event {} has no usable frame_id", e["id"])))?;
                let model_id = e["model_id"].as_str().unwrap_or_default().to_string();
                let source_id = e["id"].as_str().unwrap_or_default().to_string();
                candidates.push(SourceEvent {
                    offset_us,
                    frame,
                    model_id,
                    source_id,
                    raw: e.clone(),
                });
            }
            candidates.sort_by_key(|e| e.frame);
            let mut events: Vec<SourceEvent> = Vec::new();
            for e in candidates {
                let window = e.frame / EVENT_WINDOW_FRAMES;
                if !events
                    .iter()
                    .any(|k| k.model_id == e.model_id && k.frame / EVENT_WINDOW_FRAMES == window)
                {
                    events.push(e);
                }
            }
            // Newest first; equal offsets by model, so the order is the data's, not the file's.
            events.sort_by(|a, b| {
                b.offset_us.cmp(&a.offset_us).then_with(|| a.model_id.cmp(&b.model_id))
            });
            sources.push(Source { bytes, first_pts, duration_us, events });
        }
        Self::lay_out(clock, sources).map(Some).map_err(|e| data_error(&meta_path, e))
    }
}
