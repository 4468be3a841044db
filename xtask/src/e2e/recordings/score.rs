//! Scoring sampled frames against the truth: the mapping error in frames and the drawn boxes against the expected ones.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::scripts::SAMPLE;
use super::truth::Truth;
use super::{EDGE_FRAMES, TOLERANCE_PX};
use crate::browser::Browser;
use crate::Result;

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
pub(crate) struct Score {
    pub(crate) samples: usize,
    pub(crate) box_scored: usize,
    pub(crate) within: usize,
    /// Scored frames whose every box is within the distance its object moves
    /// in one frame (at least `TOLERANCE_PX`), as issue 18 scores alignment.
    pub(crate) within_motion: usize,
    pub(crate) worst_px: f64,
    errors_frames: Vec<f64>,
    /// The same with the picture calibration's offset added, for frames drawn with one.
    calibrated_frames: Vec<f64>,
    pub(super) clocks: BTreeMap<String, usize>,
    disagree_notes: usize,
    runs: BTreeMap<usize, usize>,
    /// The first few frames whose drawn boxes were not the expected ones.
    mismatches: Vec<String>,
    /// Frames whose own index is not the one their media time names: the
    /// player put a segment somewhere else on the timeline than the playlist does.
    pub(super) off_timeline: usize,
    /// Pixel codes one frame off their media time (a canvas read of the next frame).
    code_glitches: usize,
}

impl Score {
    pub(crate) fn add(&mut self, truth: &Truth, s: &Value) {
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

    pub(super) fn line(&self, what: &str) -> String {
        let e = &self.errors_frames;
        let (mean, min, max) = spread(e);
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
        let (mean, min, max) = spread(c);
        format!("with the offset learnt from the picture mean {mean:+.2} min {min:+.2} max {max:+.2} over {} frames", c.len())
    }

    /// The line plus the first frames that missed, for a failure message.
    pub(crate) fn detail(&self, what: &str) -> String {
        let mut d = self.line(what);
        if !self.mismatches.is_empty() {
            d.push_str(&format!("; first mismatches: {}", self.mismatches.join("; ")));
        }
        d
    }

    /// The calibrated mapping error's mean, in frames, and the frames it covers.
    pub(crate) fn calibrated_mean(&self) -> Option<f64> {
        (!self.calibrated_frames.is_empty()).then(|| spread(&self.calibrated_frames).0)
    }

    pub(crate) fn raw_mean(&self) -> Option<f64> {
        (!self.errors_frames.is_empty()).then(|| spread(&self.errors_frames).0)
    }

    pub(super) fn max_abs_error(&self) -> f64 {
        self.errors_frames.iter().fold(0.0, |a, x| a.max(x.abs()))
    }
}

/// Mean, min and max of `v` (0, +inf and -inf when empty).
fn spread(v: &[f64]) -> (f64, f64, f64) {
    let (min, max) =
        v.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(*x), b.max(*x)));
    (v.iter().sum::<f64>() / v.len().max(1) as f64, min, max)
}

/// Samples `wanted` frames between `from` and `to` (media seconds).
pub(crate) fn sample(
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
