//! The demo recording's truth: each frame's wall time, every object's box, the runs and the event frames, and what a frame is expected to show.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{anyhow, Context};
use serde_json::Value;

use crate::Result;

/// The demo recording's truth, with the events it is scored for.
pub(crate) struct Truth {
    pub(crate) width: f64,
    pub(crate) height: f64,
    pub(crate) fps: f64,
    pub(crate) frame_times: Vec<i64>,
    /// (first frame, frame count) per run.
    pub(crate) runs: Vec<(usize, usize)>,
    /// (model, track) -> box per frame.
    pub(crate) objects: BTreeMap<(String, String), Vec<[f64; 4]>>,
    /// model -> sorted frames that carry an event of it.
    event_frames: BTreeMap<String, Vec<usize>>,
    /// Drawn boxes are matched to objects by position, not track id (events without track ids).
    pub(super) match_by_position: bool,
    pub(crate) frame_code: Value,
}

/// A JSON file, its path named in any error.
fn read_json(path: &Path) -> Result<Value> {
    std::fs::read_to_string(path)
        .map_err(anyhow::Error::from)
        .and_then(|t| serde_json::from_str(&t).map_err(anyhow::Error::from))
        .map_err(|e| anyhow!("{}: {e:#}", path.display()))
}

impl Truth {
    /// The demo recording with its own events (`static/demo/recording/events.json`), matched to objects by track id.
    pub(crate) fn load(root: &Path) -> Result<Truth> {
        let v = read_json(&root.join("tests/fixtures/recording-truth.json"))?;
        let f = |k: &str| v[k].as_f64().with_context(|| format!("recording truth: no `{k}`"));
        let objects = v["objects"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|o| {
                let boxes = o["boxes_px"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|b| [0, 1, 2, 3].map(|i| b[i].as_f64().unwrap_or(f64::NAN)))
                    .collect();
                (
                    (
                        o["model_id"].as_str().unwrap_or_default().to_owned(),
                        o["track_id"].to_string(),
                    ),
                    boxes,
                )
            })
            .collect();
        let events = read_json(&root.join("static/demo/recording/events.json"))?;
        let mut event_frames: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for e in events["events"].as_array().into_iter().flatten() {
            if let (Some(m), Some(f)) = (e["model_id"].as_str(), e["frame_id"].as_u64()) {
                event_frames.entry(m.to_owned()).or_default().push(f as usize);
            }
        }
        event_frames.values_mut().for_each(|v| v.sort_unstable());
        Ok(Truth {
            event_frames,
            match_by_position: false,
            width: f("width")?,
            height: f("height")?,
            fps: f("fps")?,
            frame_times: v["frame_times_us"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_i64)
                .collect(),
            runs: v["runs"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| {
                    (
                        r["first_frame"].as_u64().unwrap_or(0) as usize,
                        r["frames"].as_u64().unwrap_or(0) as usize,
                    )
                })
                .collect(),
            objects,
            frame_code: v["frame_code"].clone(),
        })
    }

    /// The same recording with other events: those at `event_frames` (model ->
    /// frames), matched to objects by position unless they carry track ids.
    pub(crate) fn with_events(
        &self,
        mut event_frames: BTreeMap<String, Vec<usize>>,
        tracked: bool,
    ) -> Truth {
        event_frames.values_mut().for_each(|v| v.sort_unstable());
        Truth {
            width: self.width,
            height: self.height,
            fps: self.fps,
            frame_times: self.frame_times.clone(),
            runs: self.runs.clone(),
            objects: self.objects.clone(),
            event_frames,
            match_by_position: !tracked,
            frame_code: self.frame_code.clone(),
        }
    }

    pub(super) fn run_of(&self, n: usize) -> Option<usize> {
        self.runs.iter().position(|(first, len)| n >= *first && n < first + len)
    }

    pub(crate) fn media_start_of_run(&self, r: usize) -> f64 {
        self.runs.get(r).map_or(0.0, |(first, _)| *first as f64 / self.fps)
    }

    /// 0: outside the picture, 1: partly inside (clipped), 2: wholly inside.
    pub(super) fn placement(&self, key: &(String, String), n: usize) -> u8 {
        let Some(b) = self.objects.get(key).and_then(|b| b.get(n)) else { return 0 };
        if b[2].min(self.width) <= b[0].max(0.0) || b[3].min(self.height) <= b[1].max(0.0) {
            0
        } else if b[0] >= 0.0 && b[1] >= 0.0 && b[2] <= self.width && b[3] <= self.height {
            2
        } else {
            1
        }
    }

    /// Whether frame `n` has a well-defined expectation: for every object, its
    /// model's events before and after `n` agree with `n` on how the object
    /// sits in the picture. An object entering or leaving between two events
    /// is drawn by neither event alone, and a clipped box interpolated toward
    /// an unclipped one bends at the edge: both are the selection's rules,
    /// not clock errors, so such frames are not scored for boxes.
    pub(super) fn scorable(&self, n: usize) -> bool {
        self.objects.keys().all(|key| {
            let frames = self.event_frames.get(&key.0).map(Vec::as_slice).unwrap_or_default();
            let p = frames.iter().rev().find(|f| **f <= n);
            let q = frames.iter().find(|f| **f > n);
            match (p, q) {
                (Some(p), _) if *p == n => true,
                (Some(p), Some(q)) => {
                    let here = self.placement(key, n);
                    self.placement(key, *p) == here && self.placement(key, *q) == here
                }
                _ => false,
            }
        })
    }

    /// How far (CSS px, the largest corner move) object `key` moves on screen
    /// between frame `n` and the frame after it.
    pub(super) fn motion_px(&self, key: &(String, String), n: usize, w: f64, h: f64) -> f64 {
        let scale = (w / self.width).min(h / self.height);
        let Some(boxes) = self.objects.get(key) else { return 0.0 };
        match (boxes.get(n), boxes.get(n + 1)) {
            (Some(a), Some(b)) => (0..4).map(|i| (a[i] - b[i]).abs()).fold(0.0, f64::max) * scale,
            _ => 0.0,
        }
    }

    /// Expected on-screen boxes of frame `n` in a video element of `w` x `h`
    /// CSS px (object-fit: contain), relative to the element.
    pub(super) fn expected(
        &self,
        n: usize,
        w: f64,
        h: f64,
    ) -> BTreeMap<(String, String), [f64; 4]> {
        let scale = (w / self.width).min(h / self.height);
        let (ox, oy) = ((w - self.width * scale) / 2.0, (h - self.height * scale) / 2.0);
        let mut out = BTreeMap::new();
        for (key, boxes) in &self.objects {
            let Some(b) = boxes.get(n) else { continue };
            let c = [b[0].max(0.0), b[1].max(0.0), b[2].min(self.width), b[3].min(self.height)];
            if c[2] <= c[0] || c[3] <= c[1] {
                continue;
            }
            out.insert(
                key.clone(),
                [ox + c[0] * scale, oy + c[1] * scale, ox + c[2] * scale, oy + c[3] * scale],
            );
        }
        out
    }
}
