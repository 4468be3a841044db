//! End-to-end, recordings: the demo recording played through hls.js, overlay alignment per mapping method against the known truth.
//!
//! The demo recording (`xtask/demo/make_recording.py`) has three recorder
//! runs with restarts between them. Every frame carries its index as a pixel
//! code, and `tests/fixtures/recording-truth.json` gives each frame's true
//! wall time and every object's box. For each presented frame the overlay
//! has drawn, the page reads the frame's code from the video itself, the wall
//! time the overlay mapped it to (`data-frame-time-us`) and the boxes drawn;
//! the mapping error in frames and the box error in CSS px follow.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{anyhow, Context};
use serde_json::{json, Value};

use crate::browser::page_scripts::polling_script;
use crate::browser::Browser;
use crate::Result;

/// The demo camera (VAS-faithful playlist) and the dev-only camera whose playlist carries program date-time.
pub(super) const CAMERA: &str = "9d3f2b1a-6c4e-4b8a-a1f0-2e7d5c9b3a10";
pub(super) const PDT_CAMERA: &str = "5f0c2d7e-8a41-4c3b-9e6d-2b7a1c4d8e90";
/// The dev-only camera whose recorder restarts while the viewer plays (see the demo backend).
const RESTART_CAMERA: &str = "7a3e9b14-2c5d-4f68-8e01-9d4c3b2a1f07";
pub(super) const TOLERANCE_PX: f64 = 2.0;
/// Opens a page at run 1 of the demo recording (about a second after its first
/// frame): without `at` a page opens at the newest recording.
pub(super) const AT_RUN_1: &str = "at=2026-01-05T13:00:02Z";
/// Frames this close to a run's first or last frame are not scored for boxes:
/// events (every 6th or 10th frame) do not cover them on both sides.
const EDGE_FRAMES: usize = 10;

/// Page script (a literal, for `concat!`): reads the frame code burnt into
/// each presented frame's pixels, in the frame callback, into `codes`
/// (media time -> frame index) until `active` is false. Needs `video` and
/// `fc` (the code's cell geometry) in scope.
macro_rules! frame_code_reader {
    () => {
        r#"const canvas = document.createElement('canvas');
canvas.width = video.videoWidth; canvas.height = video.videoHeight;
const g = canvas.getContext('2d', {willReadFrequently: true});
const codes = new Map();
let active = true;
function onFrame(now, md) {
  if (!active) return;
  g.drawImage(video, 0, 0, canvas.width, canvas.height);
  const d = g.getImageData(fc.x, fc.y, fc.cell * fc.bits, fc.cell).data;
  let n = 0;
  for (let i = 0; i < fc.bits; i++) {
    const o = ((fc.cell >> 1) * fc.cell * fc.bits + i * fc.cell + (fc.cell >> 1)) * 4;
    n = n * 2 + (d[o] + d[o + 1] + d[o + 2] > 384 ? 1 : 0);
  }
  codes.set(md.mediaTime.toFixed(6), n);
  video.requestVideoFrameCallback(onFrame);
}
video.requestVideoFrameCallback(onFrame);
"#
    };
}
pub(super) use frame_code_reader;

/// Samples presented frames the overlay has drawn, with media time in
/// [min, max]: the frame's own code (read from the video pixels in the
/// frame callback), the overlay's wall time and clock attributes, and its
/// boxes relative to the video element.
const SAMPLE: &str = polling_script!(
    r#"
const [wanted, limitMs, minMedia, maxMedia, fc, done] = [arguments[0], arguments[1], arguments[2], arguments[3], arguments[4], arguments[arguments.length - 1]];
const video = document.querySelector('video');
const root = document.querySelector('[data-overlay-root]');
"#,
    frame_code_reader!(),
    r#"const samples = [], seen = new Set(), t0 = performance.now();
poll({done, limitMs, t0}, (now, timedOut) => {
  const mt = root.getAttribute('data-media-time');
  const code = codes.get(mt);
  const m = parseFloat(mt);
  if (code !== undefined && !seen.has(mt) && m >= minMedia && m <= maxMedia) {
    seen.add(mt);
    const vr = video.getBoundingClientRect();
    const boxes = [...root.querySelectorAll('[data-kind=box]')].filter(b => b.style.display !== 'none').map(b => {
      const r = b.getBoundingClientRect(), cs = getComputedStyle(b), px = v => parseFloat(v) || 0;
      return {model: b.dataset.model, track: b.dataset.track, r: [r.left - vr.left, r.top - vr.top, r.right - vr.left, r.bottom - vr.top],
        border: [px(cs.borderLeftWidth) + px(cs.borderRightWidth), px(cs.borderTopWidth) + px(cs.borderBottomWidth)]};
    });
    samples.push({mt: m, code, ft: root.getAttribute('data-frame-time-us'), clock: root.getAttribute('data-clock'),
      off: root.getAttribute('data-clock-offset-us'), offText: root.getAttribute('data-clock-offset'),
      note: root.getAttribute('data-clock-note'), boxes, w: vr.width, h: vr.height, vw: video.videoWidth, vh: video.videoHeight});
  }
  // Past the last media time wanted, no frame can qualify (the video plays forward).
  if (samples.length >= wanted || timedOut() || m > maxMedia) {
    active = false;
    return {samples, timeout: samples.length < wanted, currentTime: video.currentTime, paused: video.paused,
      fullscreen: document.fullscreenElement ? document.fullscreenElement.className : null};
  }
});
"#
);

/// Waits until the overlay draws boxes for a frame at media time >= `from`
/// (the recording is playing), or reports what it saw.
pub(super) const WAIT_DRAWN: &str = polling_script!(
    r#"
const [from, limitMs, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
const t0 = performance.now();
poll({done, limitMs, t0}, (now, timedOut) => {
  const root = document.querySelector('[data-overlay-root]');
  const video = document.querySelector('video');
  const mt = root ? parseFloat(root.getAttribute('data-media-time')) : NaN;
  const boxes = root ? [...root.querySelectorAll('[data-kind=box]')].filter(b => b.style.display !== 'none').length : 0;
  if (root && root.getAttribute('data-overlay-state') === 'ok' && boxes > 0 && mt >= from) return {ms: performance.now() - t0, mt, boxes};
  if (timedOut()) return {timeout: true, mt, boxes, state: root && root.getAttribute('data-overlay-state'),
    currentTime: video && video.currentTime, alert: (document.querySelector('[role=alert]') || {}).textContent || null};
});
"#
);

/// Seeks (as a user does with the native controls), then waits until the
/// overlay shows boxes on a frame of the new place: the time from the seek
/// to boxes shown. Without `needBoxes`, until the video plays in the new
/// place (events that do not reach its first seconds draw nothing there,
/// and the overlay writes its frame's media time only when it draws).
pub(super) const SEEK_AND_WAIT: &str = polling_script!(
    r#"
const [target, limitMs, needBoxes, done] = [arguments[0], arguments[1], arguments[2], arguments[arguments.length - 1]];
const video = document.querySelector('video');
const root = document.querySelector('[data-overlay-root]');
const t0 = performance.now();
video.currentTime = target;
poll({done, limitMs, t0}, (now, timedOut) => {
  const mt = parseFloat(root.getAttribute('data-media-time'));
  const boxes = [...root.querySelectorAll('[data-kind=box]')].filter(b => b.style.display !== 'none').length;
  const ct = video.currentTime;
  const there = needBoxes
    ? root.getAttribute('data-overlay-state') === 'ok' && boxes > 0 && mt >= target && mt < target + 2
    : !video.seeking && ct >= target && ct < target + 2;
  if (there) return {ms: performance.now() - t0, mt, ct, boxes, state: root.getAttribute('data-overlay-state')};
  if (timedOut()) return {timeout: true, mt, boxes, currentTime: video.currentTime};
});
"#
);

/// Waits until the page's recording clock knows `runs` recording runs.
const WAIT_RUNS: &str = polling_script!(
    r#"
const [runs, limitMs, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
const t0 = performance.now();
poll({done, limitMs, t0, everyMs: 100}, (now, timedOut) => {
  const info = document.querySelector('[data-clock-info]');
  const n = info ? info.getAttribute('data-runs') : null;
  if (n === String(runs)) return {ms: performance.now() - t0};
  if (timedOut()) return {timeout: true, runs: n};
});
"#
);

const FULLSCREEN_STATE: &str = polling_script!(
    r#"
const done = arguments[arguments.length - 1];
poll({done, limitMs: 3000}, (now, timedOut) => {
  const fs = document.fullscreenElement;
  if (fs || timedOut()) {
    const stage = document.querySelector('.stage').getBoundingClientRect();
    const video = document.querySelector('video').getBoundingClientRect();
    const root = document.querySelector('[data-overlay-root]').getBoundingClientRect();
    return {element: fs ? fs.className : null, stage: [stage.width, stage.height], video: [video.left, video.top, video.width, video.height],
      root: [root.left, root.top, root.width, root.height], screen: [window.innerWidth, window.innerHeight]};
  }
});
"#
);

#[derive(Clone)]
pub(super) struct Truth {
    pub(super) width: f64,
    pub(super) height: f64,
    pub(super) fps: f64,
    pub(super) frame_times: Vec<i64>,
    /// (first frame, frame count) per run.
    pub(super) runs: Vec<(usize, usize)>,
    /// (model, track) -> box per frame.
    pub(super) objects: BTreeMap<(String, String), Vec<[f64; 4]>>,
    /// model -> sorted frames that carry an event of it.
    pub(super) event_frames: BTreeMap<String, Vec<usize>>,
    /// Drawn boxes are matched to objects by position, not track id (events without track ids).
    pub(super) match_by_position: bool,
    pub(super) frame_code: Value,
}

impl Truth {
    pub(super) fn load(root: &Path) -> Result<Truth> {
        let path = root.join("tests/fixtures/recording-truth.json");
        let text =
            std::fs::read_to_string(&path).map_err(|e| anyhow!("{}: {e:#}", path.display()))?;
        let v: Value =
            serde_json::from_str(&text).map_err(|e| anyhow!("{}: {e:#}", path.display()))?;
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
        let events_path = root.join("static/demo/recording/events.json");
        let events: Value = std::fs::read_to_string(&events_path)
            .map_err(|e| anyhow!("{}: {e:#}", events_path.display()))
            .and_then(|t| {
                serde_json::from_str(&t).map_err(|e| anyhow!("{}: {e:#}", events_path.display()))
            })?;
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

    fn run_of(&self, n: usize) -> Option<usize> {
        self.runs.iter().position(|(first, len)| n >= *first && n < first + len)
    }

    pub(super) fn media_start_of_run(&self, r: usize) -> f64 {
        self.runs.get(r).map_or(0.0, |(first, _)| *first as f64 / self.fps)
    }

    /// 0: outside the picture, 1: partly inside (clipped), 2: wholly inside.
    fn placement(&self, key: &(String, String), n: usize) -> u8 {
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
    fn scorable(&self, n: usize) -> bool {
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
    fn motion_px(&self, key: &(String, String), n: usize, w: f64, h: f64) -> f64 {
        let scale = (w / self.width).min(h / self.height);
        let Some(boxes) = self.objects.get(key) else { return 0.0 };
        match (boxes.get(n), boxes.get(n + 1)) {
            (Some(a), Some(b)) => (0..4).map(|i| (a[i] - b[i]).abs()).fold(0.0, f64::max) * scale,
            _ => 0.0,
        }
    }

    /// Expected on-screen boxes of frame `n` in a video element of `w` x `h`
    /// CSS px (object-fit: contain), relative to the element.
    fn expected(&self, n: usize, w: f64, h: f64) -> BTreeMap<(String, String), [f64; 4]> {
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

/// Expected boxes as a box element renders them: its borders (`[left +
/// right, top + bottom]` CSS px, as the page reports them) are its least
/// size (`box-sizing: border-box`), so an object just entering the picture,
/// a pixel wide, is drawn that wide from its left edge.
fn at_least_borders(
    mut expected: BTreeMap<(String, String), [f64; 4]>,
    border: &Value,
) -> BTreeMap<(String, String), [f64; 4]> {
    let least = [0, 1].map(|i| border[i].as_f64().unwrap_or(0.0));
    for e in expected.values_mut() {
        e[2] = e[2].max(e[0] + least[0]);
        e[3] = e[3].max(e[1] + least[1]);
    }
    expected
}

/// Drawn boxes (keyed by model and an empty track) re-keyed to the expected
/// object of the same model whose box is nearest (the largest corner
/// distance); a box matched twice or not at all keeps a key no object has.
fn by_position(
    drawn: Vec<((String, String), [f64; 4])>,
    expected: &BTreeMap<(String, String), [f64; 4]>,
) -> BTreeMap<(String, String), [f64; 4]> {
    let distance =
        |a: &[f64; 4], b: &[f64; 4]| (0..4).map(|i| (a[i] - b[i]).abs()).fold(0.0, f64::max);
    let mut pairs: Vec<(f64, usize, &(String, String))> = drawn
        .iter()
        .enumerate()
        .flat_map(|(i, (d, r))| {
            expected.iter().filter(|(k, _)| k.0 == d.0).map(move |(k, e)| (distance(r, e), i, k))
        })
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out = BTreeMap::new();
    let mut used = vec![false; drawn.len()];
    for (_, i, k) in pairs {
        if !used[i] && !out.contains_key(k) {
            used[i] = true;
            out.insert(k.clone(), drawn[i].1);
        }
    }
    for (i, (d, r)) in drawn.iter().enumerate().filter(|(i, _)| !used[*i]) {
        out.insert((d.0.clone(), format!("unmatched {i}")), *r);
    }
    out
}

/// Scores of one stretch of sampled frames.
#[derive(Default)]
pub(super) struct Score {
    pub(super) samples: usize,
    pub(super) box_scored: usize,
    pub(super) within: usize,
    /// Scored frames whose every box is within the distance its object moves
    /// in one frame (at least `TOLERANCE_PX`), as issue 18 scores alignment.
    pub(super) within_motion: usize,
    pub(super) worst_px: f64,
    errors_frames: Vec<f64>,
    /// The same with the picture calibration's offset added, for frames drawn with one.
    calibrated_frames: Vec<f64>,
    clocks: BTreeMap<String, usize>,
    disagree_notes: usize,
    runs: BTreeMap<usize, usize>,
    /// The first few frames whose drawn boxes were not the expected ones.
    mismatches: Vec<String>,
    /// Frames whose own index is not the one their media time names: the
    /// player put a segment somewhere else on the timeline than the playlist does.
    off_timeline: usize,
    /// Pixel codes one frame off their media time (a canvas read of the next frame).
    code_glitches: usize,
}

impl Score {
    pub(super) fn add(&mut self, truth: &Truth, s: &Value) {
        let Some(code) =
            s["code"].as_u64().map(|c| c as usize).filter(|n| *n < truth.frame_times.len())
        else {
            return;
        };
        self.samples += 1;
        let mt = s["mt"].as_f64().unwrap_or(f64::NAN);
        let by_media = (mt * truth.fps).round() as i64;
        // Drawing the video inside its frame callback occasionally returns the
        // next frame (shared/live-clock-facts.md): a code one off the frame its
        // media time names is that artifact, not a misplaced segment; the
        // metadata identifies the frame.
        let n = if (code as i64 - by_media).abs() == 1 && by_media >= 0 {
            self.code_glitches += 1;
            by_media as usize
        } else {
            code
        };
        self.off_timeline += usize::from(by_media != n as i64);
        *self.clocks.entry(s["clock"].as_str().unwrap_or("none").to_owned()).or_default() += 1;
        self.disagree_notes += usize::from(s["note"].as_str() == Some("methods-disagree"));
        if let Some(r) = truth.run_of(n) {
            *self.runs.entry(r).or_default() += 1;
        }
        if let Some(ft) = s["ft"].as_str().and_then(|t| t.parse::<i64>().ok()) {
            let frame_us = 1e6 / truth.fps;
            self.errors_frames.push((ft - truth.frame_times[n]) as f64 / frame_us);
            if let Some(off) = s["off"].as_str().and_then(|t| t.parse::<i64>().ok()) {
                self.calibrated_frames.push((ft + off - truth.frame_times[n]) as f64 / frame_us);
            }
        }
        let Some(run) = truth.run_of(n) else { return };
        let (first, len) = truth.runs[run];
        if n < first + EDGE_FRAMES || n + EDGE_FRAMES >= first + len || !truth.scorable(n) {
            return;
        }
        let (w, h) = (s["w"].as_f64().unwrap_or(0.0), s["h"].as_f64().unwrap_or(0.0));
        let expected = at_least_borders(truth.expected(n, w, h), &s["boxes"][0]["border"]);
        let drawn: Vec<((String, String), [f64; 4])> = s["boxes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|b| {
                let r = [0, 1, 2, 3].map(|i| b["r"][i].as_f64().unwrap_or(f64::NAN));
                (
                    (
                        b["model"].as_str().unwrap_or_default().to_owned(),
                        b["track"].as_str().unwrap_or_default().to_owned(),
                    ),
                    r,
                )
            })
            .collect();
        let drawn: BTreeMap<(String, String), [f64; 4]> = if truth.match_by_position {
            by_position(drawn, &expected)
        } else {
            drawn.into_iter().collect()
        };
        let err = if drawn.keys().ne(expected.keys()) {
            if self.mismatches.len() < 4 {
                let d: Vec<_> = drawn.keys().map(|k| format!("{}/{}", k.0, k.1)).collect();
                let e: Vec<_> = expected.keys().map(|k| format!("{}/{}", k.0, k.1)).collect();
                self.mismatches
                    .push(format!("frame {n} (media {}): drawn {d:?}, expected {e:?}", s["mt"]));
            }
            f64::INFINITY
        } else {
            expected
                .iter()
                .map(|(k, e)| (0..4).map(|i| (drawn[k][i] - e[i]).abs()).fold(0.0, f64::max))
                .fold(0.0, f64::max)
        };
        if err.is_finite() && err > TOLERANCE_PX && self.mismatches.len() < 4 {
            let worst = expected
                .iter()
                .map(|(k, e)| (k, (0..4).map(|i| (drawn[k][i] - e[i]).abs()).fold(0.0, f64::max)))
                .fold((None, 0.0), |a, (k, d)| if d > a.1 { (Some(k), d) } else { a });
            if let Some(k) = worst.0 {
                self.mismatches.push(format!(
                    "frame {n} (media {}): {}/{} drawn {:?} expected {:?}",
                    s["mt"], k.0, k.1, drawn[k], expected[k]
                ));
            }
        }
        let within_motion = drawn.keys().eq(expected.keys())
            && expected.iter().all(|(k, e)| {
                let err = (0..4).map(|i| (drawn[k][i] - e[i]).abs()).fold(0.0, f64::max);
                err <= truth.motion_px(k, n, w, h).max(TOLERANCE_PX)
            });
        self.box_scored += 1;
        self.within_motion += usize::from(within_motion);
        self.within += usize::from(err <= TOLERANCE_PX);
        self.worst_px = self.worst_px.max(err);
    }

    fn line(&self, what: &str) -> String {
        let e = &self.errors_frames;
        let (min, max) =
            e.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(*x), b.max(*x)));
        let mean = e.iter().sum::<f64>() / e.len().max(1) as f64;
        format!(
            "{what}: {} of {} scored frames within {TOLERANCE_PX} css px (worst {}), mapping error in frames mean {mean:+.2} min {min:+.2} max {max:+.2} over {} frames; {}; data-clock {:?}{}",
            self.within,
            self.box_scored,
            if self.worst_px.is_finite() { format!("{:.2} px", self.worst_px) } else { "a missing or extra box".into() },
            e.len(),
            self.calibrated_line(),
            self.clocks,
            if self.disagree_notes > 0 { format!(", methods-disagree on {}", self.disagree_notes) } else { String::new() },
        )
    }

    /// The mapping error with the picture calibration's offset added, over the frames drawn with one.
    fn calibrated_line(&self) -> String {
        let c = &self.calibrated_frames;
        if c.is_empty() {
            return "no offset learnt from the picture".into();
        }
        let (min, max) =
            c.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(*x), b.max(*x)));
        let mean = c.iter().sum::<f64>() / c.len() as f64;
        format!("with the offset learnt from the picture mean {mean:+.2} min {min:+.2} max {max:+.2} over {} frames", c.len())
    }

    /// The line plus the first frames that missed, for a failure message.
    pub(super) fn detail(&self, what: &str) -> String {
        let mut d = self.line(what);
        if !self.mismatches.is_empty() {
            d.push_str(&format!("; first mismatches: {}", self.mismatches.join("; ")));
        }
        d
    }

    /// The calibrated mapping error's mean, in frames, and the frames it covers.
    pub(super) fn calibrated_mean(&self) -> Option<f64> {
        let c = &self.calibrated_frames;
        (!c.is_empty()).then(|| c.iter().sum::<f64>() / c.len() as f64)
    }

    pub(super) fn raw_mean(&self) -> Option<f64> {
        let e = &self.errors_frames;
        (!e.is_empty()).then(|| e.iter().sum::<f64>() / e.len() as f64)
    }

    fn max_abs_error(&self) -> f64 {
        self.errors_frames.iter().fold(0.0, |a, x| a.max(x.abs()))
    }
}

fn expect(cond: bool, what: &str, detail: &str) -> Result {
    super::ensure_loud("e2e recordings", cond, what, detail)
}

/// Samples `wanted` frames between `from` and `to` (media seconds).
pub(super) fn sample(
    browser: &Browser,
    truth: &Truth,
    wanted: usize,
    from: f64,
    to: f64,
) -> Result<(Score, Value)> {
    let v = browser.execute_async(SAMPLE, json!([wanted, 20_000, from, to, truth.frame_code]))?;
    let mut score = Score::default();
    for s in v["samples"].as_array().into_iter().flatten() {
        score.add(truth, s);
    }
    Ok((score, v))
}

/// Where the page opens, once boxes are drawn: the media time, the wall time
/// of the frame drawn, the start note and any alert.
const OPENED: &str = polling_script!(
    r#"
const [limitMs, done] = [arguments[0], arguments[arguments.length - 1]];
const t0 = performance.now();
poll({done, limitMs, t0}, (now, timedOut) => {
  const root = document.querySelector('[data-overlay-root]');
  const video = document.querySelector('video');
  const alert = document.querySelector('[role=alert]');
  const note = document.querySelector('[data-start-note]');
  const boxes = root ? [...root.querySelectorAll('[data-kind=box]')].filter(b => b.style.display !== 'none').length : 0;
  const base = {ms: performance.now() - t0, note: note && note.textContent, alert: alert && alert.textContent,
    paramError: alert && alert.getAttribute('data-param-error'), duration: video && video.duration};
  if (alert) return base;
  if (root && boxes > 0) return Object.assign(base, {mt: parseFloat(root.getAttribute('data-media-time')),
    frameUs: parseInt(root.getAttribute('data-frame-time-us'), 10)});
  if (timedOut()) return Object.assign(base, {timeout: true, currentTime: video && video.currentTime});
});
"#
);

/// Where a page opens: at the newest recording by default, at the frame
/// nearest a time asked for with `at`, at the nearest recorded moment (and
/// saying so) for a time VAS does not hold, and never for a malformed time.
fn opening(browser: &Browser, base: &str, truth: &Truth, report: &mut String) -> Result<usize> {
    let us = |t: &str| vas_overlay_viewer::core::time::parse_rfc3339(t).map_or(0, |t| t.0);
    let open = |camera: &str, query: &str| -> Result<Value> {
        browser.goto(&format!("{base}cameras/{camera}/recordings{query}"))?;
        browser.execute_async(OPENED, json!([30_000]))
    };
    // Default: the newest recording (hls.js's live start, three 6 s target durations before the end).
    let newest = open(CAMERA, "")?;
    let end = truth.media_start_of_run(truth.runs.len() - 1);
    let duration = newest["duration"].as_f64().unwrap_or(f64::NAN);
    let line = format!("opened without `at`: media {:.2} s of {duration:.2} s (the newest run starts at {end:.2} s), boxes after {:.0} ms", newest["mt"].as_f64().unwrap_or(f64::NAN), newest["ms"].as_f64().unwrap_or(f64::NAN));
    println!("  {line}");
    writeln!(report, "{line}").ok();
    expect(
        newest["timeout"].is_null() && newest["alert"].is_null(),
        "without `at`, boxes are drawn",
        &newest.to_string(),
    )?;
    expect(
        newest["mt"].as_f64().is_some_and(|m| m >= end && m >= duration - 3.0 * 6.0 - 1.0),
        "without `at`, the page opens at the newest recording",
        &newest.to_string(),
    )?;
    // A time in run 3, exact clock: the first frame drawn is the one asked for (or just after, as it plays).
    let asked = "2026-01-05T13:32:20Z";
    let inside = open(PDT_CAMERA, &format!("?at={asked}"))?;
    let late_ms =
        (inside["frameUs"].as_i64().unwrap_or(i64::MIN).saturating_sub(us(asked))) as f64 / 1e3;
    let line = format!("opened at {asked} (program date-time): first frame drawn {late_ms:.0} ms after the time asked, {:.0} ms after load", inside["ms"].as_f64().unwrap_or(f64::NAN));
    println!("  {line}");
    writeln!(report, "{line}").ok();
    expect(
        inside["timeout"].is_null() && inside["note"].is_null(),
        "`at` inside a run: boxes, no note",
        &inside.to_string(),
    )?;
    expect(
        (-40.0..3_000.0).contains(&late_ms),
        "`at` inside a run: the frame drawn is the one asked for, or played on from it",
        &inside.to_string(),
    )?;
    // VAS's own playlist (segment numbers, Last-Modified): within a second.
    let vas = open(CAMERA, &format!("?at={asked}"))?;
    let off_ms =
        (vas["frameUs"].as_i64().unwrap_or(i64::MIN).saturating_sub(us(asked))) as f64 / 1e3;
    expect(
        (-1_000.0..4_000.0).contains(&off_ms),
        "`at` on VAS's playlist: the frame drawn is within a second of the time asked",
        &vas.to_string(),
    )?;
    // Between runs 1 and 2: not recorded, said, and played from the nearest recorded moment (the end of run 1).
    let between = open(PDT_CAMERA, "?at=2026-01-05T13:02:00Z")?;
    let note = between["note"].as_str().unwrap_or_default().to_owned();
    writeln!(report, "opened at 13:02:00 (between runs): {note}").ok();
    expect(
        note.contains("no recording at 2026-01-05T13:02:00Z")
            && note.contains("2026-01-05T13:00:21"),
        "`at` between runs: the page says so and names the nearest recording",
        &between.to_string(),
    )?;
    // Its last frame is where playback starts: boxes are drawn there or just after, as run 2 plays on.
    let run_2 = truth.media_start_of_run(1);
    expect(
        between["mt"].as_f64().is_some_and(|m| (run_2 - 0.2..run_2 + 1.5).contains(&m)),
        "`at` between runs: playback from the end of run 1",
        &between.to_string(),
    )?;
    // A malformed time: refused with a message, nothing played.
    let bad = open(CAMERA, "?at=13:02")?;
    expect(
        bad["paramError"] == "at" && bad["alert"].as_str().is_some_and(|a| a.contains("RFC 3339")),
        "a malformed `at` is refused with a message",
        &bad.to_string(),
    )?;
    Ok(7)
}

/// One camera page: run 1 (before any restart), then seeks into run 2 and
/// into run 3 (about half an hour later on the wall clock: far outside the
/// event windows loaded so far). One score per run, and the seek times.
struct PageScores {
    runs: Vec<Score>,
    seek_ms: Vec<f64>,
}

fn measure(
    browser: &Browser,
    base: &str,
    camera: &str,
    query: &str,
    truth: &Truth,
) -> Result<PageScores> {
    let sep = if query.is_empty() { "?" } else { "&" };
    browser.goto(&format!("{base}cameras/{camera}/recordings{query}{sep}{AT_RUN_1}"))?;
    let first = browser.execute_async(WAIT_DRAWN, json!([1.0, 30_000]))?;
    expect(
        first["timeout"].is_null(),
        &format!("boxes appear on the playing recording ({camera}{query})"),
        &first.to_string(),
    )?;
    let mut runs = Vec::new();
    let mut seek_ms = Vec::new();
    for r in 0..truth.runs.len() {
        let from = if r == 0 {
            0.0
        } else {
            let target = truth.media_start_of_run(r) + 1.5;
            let s = browser.execute_async(SEEK_AND_WAIT, json!([target, 30_000, true]))?;
            expect(
                s["timeout"].is_null(),
                &format!("after a seek into run {}, boxes follow", r + 1),
                &s.to_string(),
            )?;
            seek_ms.push(s["ms"].as_f64().unwrap_or(f64::NAN));
            target
        };
        let to = if r + 1 < truth.runs.len() {
            truth.media_start_of_run(r + 1) - 0.05
        } else {
            f64::MAX
        };
        let (score, raw) = sample(browser, truth, 45, from, to)?;
        expect(
            score.samples >= 30,
            &format!("frames sampled in run {}", r + 1),
            &format!("{} samples, timeout {}", score.samples, raw["timeout"]),
        )?;
        runs.push(score);
    }
    Ok(PageScores { runs, seek_ms })
}

fn run_name(r: usize) -> &'static str {
    match r {
        0 => "run 1 (before any restart)",
        1 => "run 2 (after a restart)",
        _ => "run 3 (after a second restart, far seek)",
    }
}

/// Runs the recordings checks; returns how many passed and writes the report.
pub fn run(browser: &Browser, base: &str, root: &Path) -> Result<usize> {
    let truth = Truth::load(root)?;
    let mut passed = 0;
    let mut report = String::from(
        "Recording overlay alignment (demo recording, 3 runs, restarts between them)\n",
    );

    // Exact mapping (program date-time): every scored frame within 2 px, before and after restarts.
    let pdt = measure(browser, base, PDT_CAMERA, "", &truth)?;
    passed += 1 + 2 * truth.runs.len() + pdt.seek_ms.len();
    for (r, s) in pdt.runs.iter().enumerate() {
        let what = format!("program-date-time, {}", run_name(r));
        let line = s.line(&what);
        println!("  {line}");
        writeln!(report, "{line}").ok();
        expect(
            s.clocks.keys().eq(["program-date-time"]),
            "data-clock says program-date-time",
            &line,
        )?;
        expect(
            s.box_scored >= 15 && s.within == s.box_scored,
            "every scored frame within 2 css px",
            &s.detail(&what),
        )?;
        expect(s.max_abs_error() < 0.5, "mapping error under half a frame", &line)?;
        passed += 3;
    }
    let seeks = format!(
        "time from seek to boxes shown (program-date-time): into run 2 {:.0} ms; far seek into run 3 (32 min later on the wall clock, outside the loaded windows) {:.0} ms",
        pdt.seek_ms.first().copied().unwrap_or(f64::NAN),
        pdt.seek_ms.last().copied().unwrap_or(f64::NAN)
    );
    println!("  {seeks}");
    writeln!(report, "{seeks}").ok();

    // The estimates VAS's playlist allows, each preferred in turn.
    for method in ["segment-epoch", "last-modified"] {
        let m = measure(browser, base, CAMERA, &format!("?clock={method}"), &truth)?;
        passed += 1 + 2 * truth.runs.len() + m.seek_ms.len();
        for (r, s) in m.runs.iter().enumerate() {
            let line = s.line(&format!("{method}, {}", run_name(r)));
            println!("  {line}");
            writeln!(report, "{line}").ok();
            expect(s.clocks.keys().eq([method]), &format!("data-clock says {method}"), &line)?;
            // Both sources have whole-second resolution: an estimate off by a second or more is a bug.
            expect(s.max_abs_error() < truth.fps, "mapping error under one second", &line)?;
            passed += 2;
        }
        writeln!(
            report,
            "time from seek to boxes shown ({method}): {:?} ms",
            m.seek_ms.iter().map(|v| v.round()).collect::<Vec<_>>()
        )
        .ok();
    }

    // A restart while the viewer plays: the media sequence jumps to the new
    // run's epoch while the old entries stay listed. Unfixed, hls.js takes it
    // for a slide of the playlist and replays old segments at later media
    // times; with the fixer every segment stays where the playlist puts it.
    browser.goto(&format!("{base}cameras/{RESTART_CAMERA}/recordings"))?;
    let first = browser.execute_async(WAIT_DRAWN, json!([1.0, 30_000]))?;
    expect(
        first["timeout"].is_null(),
        "boxes appear on the recording before the restart",
        &first.to_string(),
    )?;
    let seen = browser.execute_async(WAIT_RUNS, json!([truth.runs.len(), 40_000]))?;
    expect(
        seen["timeout"].is_null(),
        "the restart reaches the page (a third run listed)",
        &seen.to_string(),
    )?;
    let target = truth.media_start_of_run(truth.runs.len() - 1) + 1.5;
    let s = browser.execute_async(SEEK_AND_WAIT, json!([target, 30_000, true]))?;
    expect(s["timeout"].is_null(), "after a seek into the new run, boxes follow", &s.to_string())?;
    let (score, _) = sample(browser, &truth, 45, target, f64::MAX)?;
    let line = score.line("restart while playing (auto clock), new run");
    println!("  {line}; frames off the playlist timeline: {}", score.off_timeline);
    writeln!(report, "{line}; frames off the playlist timeline: {}", score.off_timeline).ok();
    expect(
        score.samples >= 30 && score.off_timeline == 0,
        "every frame is where the playlist puts it after the restart",
        &format!("{} of {} off", score.off_timeline, score.samples),
    )?;
    expect(
        score.max_abs_error() < truth.fps,
        "mapping error under one second after the restart",
        &line,
    )?;
    passed += 5;

    passed += opening(browser, base, &truth, &mut report)?;

    // Fullscreen: the stage (video and overlay) goes fullscreen, and boxes stay aligned.
    browser.goto(&format!("{base}cameras/{PDT_CAMERA}/recordings?{AT_RUN_1}"))?;
    let first = browser.execute_async(WAIT_DRAWN, json!([1.0, 30_000]))?;
    expect(first["timeout"].is_null(), "boxes appear before fullscreen", &first.to_string())?;
    browser.click("button.fullscreen")?;
    let fs = browser.execute_async(FULLSCREEN_STATE, json!([]))?;
    let entered = fs["element"].as_str().is_some_and(|c| c.contains("stage"));
    writeln!(
        report,
        "fullscreen: {}",
        if entered {
            format!("entered on the stage: {fs}")
        } else {
            format!("NOT entered headless: {fs}")
        }
    )
    .ok();
    expect(entered, "the stage (video and overlay) is the fullscreen element", &fs.to_string())?;
    let (s, raw) = sample(browser, &truth, 45, 0.0, truth.media_start_of_run(1) - 0.05)?;
    let line = s.line("program-date-time, fullscreen");
    println!("  {line}");
    writeln!(report, "{line}").ok();
    expect(
        raw["fullscreen"].as_str().is_some_and(|c| c.contains("stage")),
        "still fullscreen while sampling",
        &raw["fullscreen"].to_string(),
    )?;
    expect(
        s.box_scored >= 15 && s.within == s.box_scored,
        "every scored frame within 2 css px in fullscreen",
        &s.detail("fullscreen"),
    )?;
    passed += 4;

    let out = root.join("target/e2e");
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("recordings-report.txt"), &report)?;
    std::fs::write(out.join("recording-fullscreen.png"), browser.screenshot_png()?)?;
    println!("  report: target/e2e/recordings-report.txt");
    Ok(passed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_boxes_are_at_least_their_borders() {
        let key = |t: &str| ("m".to_owned(), t.to_owned());
        let expected = BTreeMap::from([
            (key("entering"), [151.64, 194.45, 153.09, 319.25]),
            (key("wide"), [10.0, 20.0, 60.0, 80.0]),
            (key("flat"), [10.0, 20.0, 60.0, 21.0]),
        ]);
        let out = at_least_borders(expected.clone(), &serde_json::json!([4.0, 4.0]));
        assert_eq!(out[&key("entering")], [151.64, 194.45, 155.64, 319.25]);
        assert_eq!(out[&key("wide")], expected[&key("wide")]);
        assert_eq!(out[&key("flat")], [10.0, 20.0, 60.0, 24.0]);
        // No box drawn in the frame: nothing to learn the borders from.
        assert_eq!(at_least_borders(expected.clone(), &Value::Null), expected);
    }
}
