//! The clock offset learnt from the picture: the shift of the events' times at which their boxes best explain where the picture moves.
//!
//! The page knows each frame's time with a constant but unknown offset
//! against VAS's event stamps (live: the pipeline between the RTP send and
//! VAS's frame reader, about one frame; recordings: the error of the segment
//! evidence, up to seconds). Moving objects change the pixels where their
//! boxes are. The shell hands in small grayscale frames as they are
//! presented (`push_frame`); each pair of consecutive frames becomes a
//! motion sample: the absolute difference less a noise floor, kept as a
//! summed-area table so the motion inside any rectangle costs four reads.
//! An object's pixels change at its leading and trailing edges: exactly where
//! its box at the first frame's time and its box at the second's differ. For
//! a candidate offset `d`, the score is the share of all motion that falls
//! where the boxes selected at `first time + d` and `second time + d` differ
//! (each box paired with the earlier box it overlaps most), less the share
//! that area would catch at random. At the true offset the predicted edges
//! sit on the real ones; a few frames away they sit beside them, so the
//! score has one peak about as wide as a cell over the object's speed. A
//! coarse scan over the search range finds the peak at half height, a fine
//! scan across each of its sides finds where it crosses, and the estimate is
//! midway. (Motion inside the boxes, the first method tried, gives a plateau
//! as wide as an object over its speed whose sides follow the objects' speed
//! changes: on the demo recording's frames it was off by one to 1.5 frames,
//! this one by under 3 ms.)
//!
//! Confidence: enough samples with motion and boxes, a peak that stands
//! out from the scores elsewhere in the range (`min_contrast`), and two
//! independent halves of the samples (odd and even) that agree within
//! `agree_us`. Anything else is `Estimate::Unsure` with the reason: a static
//! scene, no boxes, motion the boxes do not explain, or halves that disagree.
//! The caller keeps its stamp-based clock then, and states why.
//!
//! Pure: frame data, times and the selection of boxes come in as arguments.

use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

use crate::core::events::detection::NormRect;
use crate::core::time::{Micros, UnixMicros};

/// Tuning of the estimator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OffsetParams {
    /// Width and height of the grayscale frames handed in (cells).
    pub grid_width: usize,
    pub grid_height: usize,
    /// Offsets searched: event time = frame time + offset, within these bounds.
    pub search_min_us: Micros,
    pub search_max_us: Micros,
    /// Steps of the coarse scan over the whole range and of the fine scan around its best.
    pub coarse_step_us: Micros,
    pub fine_step_us: Micros,
    /// Samples kept (the newest); the estimate needs `min_samples` of them with motion and boxes.
    pub max_samples: usize,
    pub min_samples: usize,
    /// Each cell's absolute 8-bit difference less this much counts as
    /// motion: codec noise in a downscaled frame stays below it, an object's
    /// edge crossing a cell does not.
    pub noise_floor: u8,
    /// A sample counts when its frames differ by at least this much in total
    /// (sum over the cells, after the noise floor): a quarter level per cell
    /// on average, less than two small flat objects moving a pixel.
    pub min_motion: u64,
    /// The peak must explain this much more of the motion than the median offset does.
    pub min_contrast: f64,
    /// The two halves' estimates must agree this closely (half a frame at 30 fps).
    pub agree_us: Micros,
    /// Frames further apart than this are not a pair (a stall, a seek, a hidden tab).
    pub max_pair_gap_us: Micros,
}

impl OffsetParams {
    /// 64 x 36 cells, offsets within +-`range_us`.
    pub fn within(range_us: Micros) -> Self {
        let range_us = range_us.clamp(0, 10_000_000);
        Self {
            grid_width: 64,
            grid_height: 36,
            search_min_us: -range_us,
            search_max_us: range_us,
            coarse_step_us: 50_000,
            fine_step_us: 2_000,
            max_samples: 180,
            min_samples: 45,
            noise_floor: 4,
            min_motion: 64 * 36 / 4,
            min_contrast: 0.025,
            agree_us: 16_667,
            max_pair_gap_us: 200_000,
        }
    }
}

/// 8-bit luma (BT.601 weights) of RGBA pixels, as a canvas reads them back,
/// into `luma` (cleared first); a trailing partial pixel is ignored.
pub fn luma_from_rgba(rgba: &[u8], luma: &mut Vec<u8>) {
    luma.clear();
    luma.extend(rgba.chunks_exact(4).map(|p| {
        let weighted = 77 * u32::from(p[0]) + 150 * u32::from(p[1]) + 29 * u32::from(p[2]);
        (weighted >> 8) as u8
    }));
}

/// One pair of consecutive frames: where the picture changed between them.
#[derive(Debug, Clone)]
struct MotionSample {
    /// Midway between the two frames' times, on the page's frame clock.
    mid_time: UnixMicros,
    /// The two frames' times, on the page's frame clock.
    before_time: UnixMicros,
    after_time: UnixMicros,
    /// Summed-area table of the absolute differences, (width + 1) x (height + 1).
    table: Vec<u64>,
    total: u64,
}

impl MotionSample {
    /// The motion inside `rect` (normalized frame coordinates) and the rect's
    /// area in cells, both with edge cells counted by the share covered: the
    /// table read between its corners is exact for motion spread evenly over
    /// each cell, so the score moves smoothly as a box moves by a fraction of a cell.
    fn inside(&self, rect: &NormRect, width: usize, height: usize) -> (f64, f64) {
        let clamp = |v: f64| if v.is_finite() { v.clamp(0.0, 1.0) } else { 0.0 };
        let (x0, x1) = (clamp(rect.x_min) * width as f64, clamp(rect.x_max) * width as f64);
        let (y0, y1) = (clamp(rect.y_min) * height as f64, clamp(rect.y_max) * height as f64);
        if x1 <= x0 || y1 <= y0 {
            return (0.0, 0.0);
        }
        let motion = self.table_at(x1, y1, width, height) + self.table_at(x0, y0, width, height)
            - self.table_at(x0, y1, width, height)
            - self.table_at(x1, y0, width, height);
        (motion.max(0.0), (x1 - x0) * (y1 - y0))
    }

    /// The motion and area (cells) where a box moved between the two frames:
    /// inside one of `before` and `after` and not the other. An object's
    /// pixels change at its leading and trailing edges, which is where its
    /// box at the two frames' times differs; at any other clock offset the
    /// boxes differ somewhere else. `before` absent: the box appeared.
    fn changed(
        &self,
        before: Option<&NormRect>,
        after: &NormRect,
        width: usize,
        height: usize,
    ) -> (f64, f64) {
        let (m_after, a_after) = self.inside(after, width, height);
        let Some(before) = before else { return (m_after, a_after) };
        let (m_before, a_before) = self.inside(before, width, height);
        let both = NormRect {
            x_min: before.x_min.max(after.x_min),
            y_min: before.y_min.max(after.y_min),
            x_max: before.x_max.min(after.x_max),
            y_max: before.y_max.min(after.y_max),
        };
        let (m_both, a_both) = self.inside(&both, width, height);
        ((m_after + m_before - 2.0 * m_both).max(0.0), (a_after + a_before - 2.0 * a_both).max(0.0))
    }

    /// The table at a point in cells (0..=width, 0..=height), bilinear between its entries.
    fn table_at(&self, x: f64, y: f64, width: usize, height: usize) -> f64 {
        let (xi, yi) = (
            (x.floor() as usize).min(width.saturating_sub(1)),
            (y.floor() as usize).min(height.saturating_sub(1)),
        );
        let (fx, fy) = (x - xi as f64, y - yi as f64);
        let at = |x: usize, y: usize| self.table[y * (width + 1) + x] as f64;
        let top = at(xi, yi) * (1.0 - fx) + at(xi + 1, yi) * fx;
        let bottom = at(xi, yi + 1) * (1.0 - fx) + at(xi + 1, yi + 1) * fx;
        top * (1.0 - fy) + bottom * fy
    }
}

/// What the picture says about the offset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Estimate {
    /// Event time = frame time + `offset_us`, within +-`uncertainty_us`.
    Found { offset_us: Micros, uncertainty_us: Micros, contrast: f64, samples: usize },
    /// No usable evidence yet, and why.
    Unsure(Unsure),
}

/// Why the picture gives no offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsure {
    /// Fewer usable samples than needed so far (`usable` of them).
    TooFewSamples { usable: usize },
    /// The boxes do not explain the motion better at one offset than elsewhere
    /// (a static scene, boxes on still objects, motion the events do not cover).
    NoPeak,
    /// Two halves of the samples point at offsets further apart than allowed.
    HalvesDisagree { apart_us: Micros },
}

impl Estimate {
    /// The text for `data-clock-offset`: the offset and its uncertainty in ms, or why there is none.
    pub fn describe(&self) -> String {
        match self {
            Estimate::Found { offset_us, uncertainty_us, .. } => {
                describe_offset(*offset_us, *uncertainty_us)
            }
            Estimate::Unsure(Unsure::TooFewSamples { usable }) => {
                format!("unknown: {usable} usable samples")
            }
            Estimate::Unsure(Unsure::NoPeak) => {
                "unknown: the boxes do not explain the motion".into()
            }
            Estimate::Unsure(Unsure::HalvesDisagree { apart_us }) => {
                format!("unknown: the samples disagree by {:.1} ms", *apart_us as f64 / 1000.0)
            }
        }
    }
}

/// An offset and its uncertainty in ms, as `data-clock-offset` says them.
pub fn describe_offset(offset_us: Micros, uncertainty_us: Micros) -> String {
    format!("{:+.1} ms +-{:.1} ms", offset_us as f64 / 1000.0, uncertainty_us as f64 / 1000.0)
}

/// The estimator of one clock: frames in, an offset out.
#[derive(Debug, Clone)]
pub struct PictureOffset {
    params: OffsetParams,
    previous: Option<(UnixMicros, Vec<u8>)>,
    samples: VecDeque<Rc<MotionSample>>,
}

/// Scores of one offset: the excess share of motion inside the boxes, over
/// all samples and over each half.
#[derive(Debug, Clone, Copy, Default)]
struct Score {
    all: f64,
    halves: [f64; 2],
}

impl PictureOffset {
    pub fn new(params: OffsetParams) -> Self {
        Self { params, previous: None, samples: VecDeque::new() }
    }

    pub fn params(&self) -> &OffsetParams {
        &self.params
    }

    /// Forgets everything (a new live session, a recorder restart, a seek to another run).
    pub fn reset(&mut self) {
        self.previous = None;
        self.samples.clear();
    }

    /// Motion samples held.
    pub fn sample_count(&self) -> usize {
        self.samples.len()
    }

    /// A presented frame at `frame_time` on the page's clock, as `grid_width`
    /// x `grid_height` 8-bit luma, row-major. Returns whether it was used: a
    /// frame of the wrong size is refused, the previous picture again is left
    /// out, and a frame not after the previous one, or too long after it,
    /// starts a new pair.
    pub fn push_frame(&mut self, frame_time: UnixMicros, luma: &[u8]) -> bool {
        let (w, h) = (self.params.grid_width, self.params.grid_height);
        if w.checked_mul(h) != Some(luma.len()) || luma.is_empty() {
            return false;
        }
        // The very same picture again is the previous frame read late (a
        // canvas read can return the frame before the one presented): it is
        // left out, so the next pair spans two frames with the right middle.
        let max_gap = self.params.max_pair_gap_us;
        if self.previous.as_ref().is_some_and(|(t, before)| {
            *t < frame_time && frame_time.since(*t) <= max_gap && before == luma
        }) {
            return false;
        }
        let previous = self.previous.replace((frame_time, luma.to_vec()));
        let Some((before_time, before)) = previous else { return true };
        let gap = frame_time.since(before_time);
        if gap <= 0 || gap > self.params.max_pair_gap_us {
            return true;
        }
        let mut table = vec![0u64; (w + 1) * (h + 1)];
        let mut total = 0u64;
        for y in 0..h {
            let mut row = 0u64;
            for x in 0..w {
                let diff = luma[y * w + x].abs_diff(before[y * w + x]);
                row += u64::from(diff.saturating_sub(self.params.noise_floor));
                table[(y + 1) * (w + 1) + x + 1] = table[y * (w + 1) + x + 1] + row;
            }
            total += row;
        }
        self.samples.push_back(Rc::new(MotionSample {
            mid_time: before_time.plus(gap / 2),
            before_time,
            after_time: frame_time,
            table,
            total,
        }));
        while self.samples.len() > self.params.max_samples {
            self.samples.pop_front();
        }
        true
    }

    /// A scan of the samples held now, to be run by [`OffsetScan::step`] a
    /// few offsets at a time (later frames do not change it).
    pub fn begin_scan(&self) -> OffsetScan {
        OffsetScan {
            params: self.params,
            samples: self.samples.iter().cloned().collect(),
            usable: None,
            scores: BTreeMap::new(),
            coarse: steps(
                self.params.search_min_us,
                self.params.search_max_us,
                self.params.coarse_step_us,
            ),
            queue: Vec::new(),
            phase: Phase::Coarse,
        }
    }

    /// The offset the held samples point at, in one go (see [`OffsetScan`]).
    pub fn estimate(&self, mut boxes_at: impl FnMut(UnixMicros) -> Vec<NormRect>) -> Estimate {
        let mut scan = self.begin_scan();
        loop {
            if let Some(estimate) = scan.step(usize::MAX, &mut boxes_at) {
                return estimate;
            }
        }
    }
}

/// Offsets from `lo` to `hi` by `step` (at most 10,001 of them).
fn steps(lo: Micros, hi: Micros, step: Micros) -> Vec<Micros> {
    let step = step.max(1);
    let n = (hi.saturating_sub(lo) / step).clamp(0, 10_000);
    (0..=n).map(|i| lo.saturating_add(i * step)).collect()
}

/// Where a scan is.
#[derive(Debug, Clone)]
enum Phase {
    /// Scoring the coarse offsets over the whole range.
    Coarse,
    /// Scoring the fine offsets across each curve's two edges.
    Edges([CurveEdges; 3]),
}

/// One curve's run at half height: its threshold and the coarse intervals holding its edges.
#[derive(Debug, Clone, Copy)]
struct CurveEdges {
    threshold: f64,
    rising: (Micros, Micros),
    falling: (Micros, Micros),
}

/// The curves a scan finds the centre of: all samples, then each half.
const CURVES: [fn(&Score) -> f64; 3] = [|s| s.all, |s| s.halves[0], |s| s.halves[1]];

/// An estimate in progress over a snapshot of the samples. Each call of
/// `step` scores at most the offsets it is allowed (each offset costs one
/// or two `boxes_at` calls per sample), so a page can spread a scan over frames.
/// The scan is the one `PictureOffset::estimate` runs in one go.
#[derive(Debug, Clone)]
pub struct OffsetScan {
    params: OffsetParams,
    samples: Vec<Rc<MotionSample>>,
    /// Samples with motion and boxes, decided by the first step.
    usable: Option<Vec<Rc<MotionSample>>>,
    scores: BTreeMap<Micros, Score>,
    coarse: Vec<Micros>,
    /// Offsets of the current phase still to score.
    queue: Vec<Micros>,
    phase: Phase,
}

impl OffsetScan {
    /// Offsets scored so far.
    pub fn offsets_scored(&self) -> usize {
        self.scores.len()
    }

    /// Scores at most `max_offsets` offsets; the estimate once the scan is done.
    pub fn step(
        &mut self,
        max_offsets: usize,
        boxes_at: &mut impl FnMut(UnixMicros) -> Vec<NormRect>,
    ) -> Option<Estimate> {
        let p = self.params;
        let usable = match &self.usable {
            Some(usable) => usable.clone(),
            None => {
                // Usable: enough motion, and boxes somewhere in the range at its time.
                let usable: Vec<Rc<MotionSample>> = self
                    .samples
                    .iter()
                    .filter(|s| s.total >= p.min_motion)
                    .filter(|s| {
                        [p.search_min_us, 0, p.search_max_us]
                            .iter()
                            .any(|d| !boxes_at(s.mid_time.plus(*d)).is_empty())
                    })
                    .cloned()
                    .collect();
                if usable.len() < p.min_samples.max(2) {
                    return Some(Estimate::Unsure(Unsure::TooFewSamples { usable: usable.len() }));
                }
                self.queue = self.coarse.iter().rev().copied().collect();
                self.usable = Some(usable.clone());
                usable
            }
        };
        for _ in 0..max_offsets {
            let Some(d) = self.queue.pop() else { break };
            self.scores.entry(d).or_insert_with(|| score(&p, &usable, d, boxes_at));
        }
        if !self.queue.is_empty() {
            return None;
        }
        match &self.phase {
            Phase::Coarse => match self.edges() {
                Ok(edges) => {
                    let mut fine: Vec<Micros> = edges
                        .iter()
                        .flat_map(|e| {
                            let mut both = steps(e.rising.0, e.rising.1, p.fine_step_us);
                            both.extend(steps(e.falling.0, e.falling.1, p.fine_step_us));
                            both
                        })
                        .filter(|d| !self.scores.contains_key(d))
                        .collect();
                    fine.sort_unstable();
                    fine.dedup();
                    fine.reverse();
                    self.queue = fine;
                    self.phase = Phase::Edges(edges);
                    None
                }
                Err(unsure) => Some(Estimate::Unsure(unsure)),
            },
            Phase::Edges(edges) => Some(self.finish(edges, usable.len())),
        }
    }

    /// After the coarse scan: each curve's run around its best at half
    /// height, whose edges must lie inside the range; the peak must stand
    /// out (`min_contrast`) on the curve of all samples.
    fn edges(&self) -> Result<[CurveEdges; 3], Unsure> {
        let mut out = [CurveEdges { threshold: 0.0, rising: (0, 0), falling: (0, 0) }; 3];
        for (c, pick) in CURVES.iter().enumerate() {
            let values: Vec<f64> = self.coarse.iter().map(|d| pick(&self.scores[d])).collect();
            let mut sorted = values.clone();
            sorted.sort_by(f64::total_cmp);
            let (median, best) = (sorted[sorted.len() / 2], sorted[sorted.len() - 1]);
            let contrast = best - median;
            if c == 0 && (contrast.is_nan() || contrast < self.params.min_contrast) {
                return Err(Unsure::NoPeak);
            }
            let threshold = median + contrast / 2.0;
            let best_i = values.iter().position(|v| *v == best).ok_or(Unsure::NoPeak)?;
            let first =
                (0..=best_i).rev().take_while(|&i| values[i] >= threshold).last().unwrap_or(best_i);
            let last = (best_i..values.len())
                .take_while(|&i| values[i] >= threshold)
                .last()
                .unwrap_or(best_i);
            if first == 0 || last + 1 == values.len() {
                return Err(Unsure::NoPeak);
            }
            out[c] = CurveEdges {
                threshold,
                rising: (self.coarse[first - 1], self.coarse[first]),
                falling: (self.coarse[last], self.coarse[last + 1]),
            };
        }
        Ok(out)
    }

    /// After the fine scans: where each curve crosses its threshold, its
    /// centre midway, and the halves' agreement.
    fn finish(&self, edges: &[CurveEdges; 3], usable: usize) -> Estimate {
        let p = &self.params;
        let mut centres = [0.0f64; 3];
        for (c, (pick, e)) in CURVES.iter().zip(edges).enumerate() {
            let crossing = |(lo, hi): (Micros, Micros), rising: bool| -> Option<f64> {
                let points: Vec<(Micros, f64)> = steps(lo, hi, p.fine_step_us)
                    .into_iter()
                    .map(|d| (d, pick(&self.scores[&d])))
                    .collect();
                let at = |pair: &[(Micros, f64)]| {
                    let ((d0, v0), (d1, v1)) = (pair[0], pair[1]);
                    let share = if v1 != v0 {
                        ((e.threshold - v0) / (v1 - v0)).clamp(0.0, 1.0)
                    } else {
                        0.5
                    };
                    d0 as f64 + (d1 - d0) as f64 * share
                };
                if rising {
                    points
                        .windows(2)
                        .find(|w| w[0].1 < e.threshold && w[1].1 >= e.threshold)
                        .map(at)
                } else {
                    points
                        .windows(2)
                        .rev()
                        .find(|w| w[0].1 >= e.threshold && w[1].1 < e.threshold)
                        .map(at)
                }
            };
            let (Some(left), Some(right)) = (crossing(e.rising, true), crossing(e.falling, false))
            else {
                return Estimate::Unsure(Unsure::NoPeak);
            };
            centres[c] = (left + right) / 2.0;
        }
        let all: Vec<f64> = self.coarse.iter().map(|d| self.scores[d].all).collect();
        let mut sorted = all.clone();
        sorted.sort_by(f64::total_cmp);
        let contrast = sorted[sorted.len() - 1] - sorted[sorted.len() / 2];
        let (a, b) = (centres[1].round() as Micros, centres[2].round() as Micros);
        let apart = a.abs_diff(b).min(i64::MAX as u64) as Micros;
        if apart > p.agree_us {
            return Estimate::Unsure(Unsure::HalvesDisagree { apart_us: apart });
        }
        Estimate::Found {
            offset_us: centres[0].round() as Micros,
            uncertainty_us: (apart / 2).max(p.fine_step_us),
            contrast,
            samples: usable,
        }
    }
}

/// The score of `offset_us` over `samples`, given the boxes the events put at an event time.
/// The box of `before` that overlaps `after` most (the same object a frame
/// earlier), if any overlaps it.
fn best_match<'a>(after: &NormRect, before: &'a [NormRect]) -> Option<&'a NormRect> {
    let overlap = |b: &NormRect| {
        let w = (after.x_max.min(b.x_max) - after.x_min.max(b.x_min)).max(0.0);
        let h = (after.y_max.min(b.y_max) - after.y_min.max(b.y_min)).max(0.0);
        w * h
    };
    before
        .iter()
        .map(|b| (overlap(b), b))
        .filter(|(o, _)| *o > 0.0)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, b)| b)
}

fn score(
    p: &OffsetParams,
    samples: &[Rc<MotionSample>],
    offset_us: Micros,
    boxes_at: &mut impl FnMut(UnixMicros) -> Vec<NormRect>,
) -> Score {
    let (w, h) = (p.grid_width, p.grid_height);
    let cells = (w * h) as f64;
    let mut inside = [0.0f64; 2];
    let mut chance = [0.0f64; 2];
    let mut totals = [0.0f64; 2];
    // Consecutive samples share a frame (one's after is the next's before):
    // its boxes are selected once.
    let mut previous_after: Option<(UnixMicros, Vec<NormRect>)> = None;
    for (k, sample) in samples.iter().enumerate() {
        let half = k % 2;
        let (mut motion, mut area) = (0.0f64, 0.0f64);
        let before_time = sample.before_time.plus(offset_us);
        let before = match previous_after.take() {
            Some((t, boxes)) if t == before_time => boxes,
            _ => boxes_at(before_time),
        };
        let after_time = sample.after_time.plus(offset_us);
        let after = boxes_at(after_time);
        for rect in &after {
            let (m, a) = sample.changed(best_match(rect, &before), rect, w, h);
            motion += m;
            area += a;
        }
        previous_after = Some((after_time, after));
        let total = sample.total as f64;
        inside[half] += motion;
        chance[half] += total * (area / cells).min(1.0);
        totals[half] += total;
    }
    let excess = |i: f64, c: f64, t: f64| if t > 0.0 { (i - c) / t } else { 0.0 };
    Score {
        all: excess(inside[0] + inside[1], chance[0] + chance[1], totals[0] + totals[1]),
        halves: [excess(inside[0], chance[0], totals[0]), excess(inside[1], chance[1], totals[1])],
    }
}

#[cfg(test)]
mod tests;
