//! When a page samples its picture for the clock offset, which offset it applies, and when it rests: the policy around `picture_offset`.
//!
//! The offset between the page's frame clock and VAS's event stamps is
//! constant within one clock epoch (a live session, a recorder run), so it
//! is learnt, confirmed, then left alone:
//! - **Learning.** Frames are sampled as they are presented; after every
//!   `scan_every` new samples a scan of the held samples starts, spread
//!   over frames (`offsets_per_frame` offsets each).
//! - **Applying.** A found offset is applied at once when none is applied
//!   yet. A later one that agrees with it (within the larger of both
//!   uncertainties and `agree_us`) confirms and refines it (the applied
//!   offset is the mean of the agreeing scans); after `confirmations`
//!   agreeing scans the calibration rests for `rest_ms`, sampling nothing,
//!   then learns again to check it.
//! - **Disagreement.** A found offset that does not agree with the applied
//!   one does not replace it at once: it becomes the candidate, and replaces
//!   it only when the next scan agrees with the candidate. An unsure scan (a
//!   static scene, no boxes, motion the boxes do not explain, halves that
//!   disagree) changes nothing: the offset applied stays (it is a property
//!   of the epoch, not of the scene), and with none applied the page keeps
//!   its stamp-based clock and says why. After `unsure_before_rest`
//!   unsure scans in a row (a still scene, a camera whose boxes explain
//!   nothing) it rests for `rest_ms` as well: such a scene can take a
//!   minute to change, and learning meanwhile costs main-thread time on
//!   every frame for nothing.
//! - **The stamps' own evidence** stands when the picture cannot tell its
//!   offset from zero (under `min_applied_us`): 0 is applied, and the text
//!   says what was found.
//! - **A new epoch** forgets everything: back to no offset, learning.

use crate::core::clock::picture_offset::{
    describe_offset, Estimate, OffsetParams, OffsetScan, PictureOffset,
};
use crate::core::events::detection::NormRect;
use crate::core::time::{Micros, UnixMicros};

/// Tuning of the policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CalibrationPolicy {
    pub offset: OffsetParams,
    /// New samples between two scans while learning.
    pub scan_every: usize,
    /// Offsets scored per frame while a scan runs.
    pub offsets_per_frame: usize,
    /// Agreeing scans after which the calibration rests.
    pub confirmations: usize,
    /// How long it rests before checking again (monotonic ms).
    pub rest_ms: f64,
    /// Unsure scans in a row after which it rests too (a scan a second:
    /// longer than the slowest case took to learn, 8.3 s, BENCHMARKS.md).
    pub unsure_before_rest: usize,
    /// A learnt offset smaller than this is not applied: the picture cannot
    /// tell it from zero (on real pictures in a browser its estimates of a
    /// zero offset were off by up to 8.7 ms, on a program date-time recording
    /// just after a damaged segment), so the stamps' own clock stands. Half a
    /// frame: what is left moves a box by under half a frame's motion.
    pub min_applied_us: Micros,
}

impl CalibrationPolicy {
    /// Offsets within +-`range_us`, a scan every second of frames at 30 fps,
    /// two offsets per frame, two confirmations, a minute of rest (also
    /// after 20 unsure scans in a row), nothing under half a frame (at 30
    /// fps) applied.
    pub fn within(range_us: Micros) -> Self {
        Self {
            offset: OffsetParams::within(range_us),
            scan_every: 30,
            offsets_per_frame: 2,
            confirmations: 2,
            rest_ms: 60_000.0,
            unsure_before_rest: 20,
            min_applied_us: 16_667,
        }
    }
}

/// An offset the picture gave: event time = frame time + `offset_us`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LearntOffset {
    pub offset_us: Micros,
    pub uncertainty_us: Micros,
}

impl LearntOffset {
    fn agrees_with(&self, other: &LearntOffset, agree_us: Micros) -> bool {
        let tolerance = self.uncertainty_us.max(other.uncertainty_us).max(agree_us);
        self.offset_us.abs_diff(other.offset_us) <= tolerance.unsigned_abs()
    }
}

/// The calibration of one page.
#[derive(Debug, Clone)]
pub struct PictureCalibration {
    policy: CalibrationPolicy,
    offset: PictureOffset,
    epoch: Option<u64>,
    scan: Option<OffsetScan>,
    samples_since_scan: usize,
    applied: Option<LearntOffset>,
    candidate: Option<LearntOffset>,
    confirmed: usize,
    /// Unsure scans since the last found offset or rest.
    unsure_in_row: usize,
    resting_until_ms: Option<f64>,
    last: Option<Estimate>,
}

impl PictureCalibration {
    pub fn new(policy: CalibrationPolicy) -> Self {
        Self {
            policy,
            offset: PictureOffset::new(policy.offset),
            epoch: None,
            scan: None,
            samples_since_scan: 0,
            applied: None,
            candidate: None,
            confirmed: 0,
            unsure_in_row: 0,
            resting_until_ms: None,
            last: None,
        }
    }

    /// The clock epoch of the frame on screen (a live session, a recorder
    /// run); a new one forgets everything learnt.
    pub fn on_epoch(&mut self, epoch: u64) {
        if self.epoch.replace(epoch).is_some_and(|e| e != epoch) {
            *self = Self { epoch: Some(epoch), ..Self::new(self.policy) };
        }
    }

    /// Whether the page should sample the frame presented now.
    pub fn wants_frame(&self, now_ms: f64) -> bool {
        self.resting_until_ms.is_none_or(|until| now_ms >= until)
    }

    /// A presented frame, sampled (see `PictureOffset::push_frame`).
    pub fn push_frame(&mut self, now_ms: f64, frame_time: UnixMicros, luma: &[u8]) {
        if !self.wants_frame(now_ms) {
            return;
        }
        self.resting_until_ms = None;
        if self.offset.push_frame(frame_time, luma) {
            self.samples_since_scan = self.samples_since_scan.saturating_add(1);
        }
    }

    /// This frame's share of work: a scan started when enough new samples
    /// came in, and a few of its offsets scored; a finished scan decided on.
    pub fn work(&mut self, now_ms: f64, boxes_at: &mut impl FnMut(UnixMicros) -> Vec<NormRect>) {
        if self.scan.is_none() {
            if self.samples_since_scan < self.policy.scan_every || !self.wants_frame(now_ms) {
                return;
            }
            self.samples_since_scan = 0;
            self.scan = Some(self.offset.begin_scan());
        }
        let Some(scan) = self.scan.as_mut() else { return };
        if let Some(estimate) = scan.step(self.policy.offsets_per_frame.max(1), boxes_at) {
            self.scan = None;
            self.decide(now_ms, estimate);
        }
    }

    fn decide(&mut self, now_ms: f64, estimate: Estimate) {
        self.last = Some(estimate);
        let Estimate::Found { offset_us, uncertainty_us, .. } = estimate else {
            self.unsure_in_row = self.unsure_in_row.saturating_add(1);
            if self.unsure_in_row >= self.policy.unsure_before_rest.max(1) {
                self.rest(now_ms);
            }
            return;
        };
        self.unsure_in_row = 0;
        let found = LearntOffset { offset_us, uncertainty_us };
        let agree_us = self.policy.offset.agree_us;
        match self.applied {
            None => {
                self.applied = Some(found);
                self.confirmed = 1;
            }
            Some(applied) if found.agrees_with(&applied, agree_us) => {
                // Each agreeing scan refines it: the mean of the scans so far.
                let n = i64::try_from(self.confirmed.max(1)).unwrap_or(i64::MAX);
                let sum = applied.offset_us.saturating_mul(n).saturating_add(found.offset_us);
                self.applied = Some(LearntOffset {
                    offset_us: sum / n.saturating_add(1),
                    uncertainty_us: applied.uncertainty_us.min(found.uncertainty_us),
                });
                self.confirmed += 1;
                self.candidate = None;
            }
            Some(_) => match self.candidate {
                // Twice the same other offset: the picture has moved on.
                Some(candidate) if found.agrees_with(&candidate, agree_us) => {
                    self.applied = Some(found);
                    self.candidate = None;
                    self.confirmed = 2;
                }
                _ => {
                    self.candidate = Some(found);
                    self.confirmed = 0;
                }
            },
        }
        if self.confirmed >= self.policy.confirmations.max(1) {
            self.confirmed = 0;
            self.rest(now_ms);
        }
    }

    /// Samples nothing for `rest_ms`, then learns afresh (what it applies
    /// and the last scan's outcome stay).
    fn rest(&mut self, now_ms: f64) {
        self.resting_until_ms = Some(now_ms + self.policy.rest_ms);
        self.unsure_in_row = 0;
        self.offset = PictureOffset::new(self.policy.offset);
        self.samples_since_scan = 0;
    }

    /// The offset to add to the frame clock's time before selecting
    /// events (0 until one is learnt, and for one too small to tell from 0).
    pub fn applied_offset_us(&self) -> Micros {
        self.applied.map_or(0, |a| if self.within_precision(&a) { 0 } else { a.offset_us })
    }

    fn within_precision(&self, a: &LearntOffset) -> bool {
        a.offset_us.unsigned_abs() < self.policy.min_applied_us.unsigned_abs()
    }

    pub fn applied(&self) -> Option<LearntOffset> {
        self.applied
    }

    /// Resting after confirmations, or after unsure scans (sampling nothing).
    pub fn is_resting(&self, now_ms: f64) -> bool {
        !self.wants_frame(now_ms)
    }

    /// The text for `data-clock-offset`: the offset applied, or why there is none yet.
    pub fn describe(&self) -> String {
        match (self.applied, self.last) {
            (Some(a), _) if self.within_precision(&a) => format!(
                "{}: within the picture's precision, not applied",
                describe_offset(a.offset_us, a.uncertainty_us)
            ),
            (Some(a), _) => describe_offset(a.offset_us, a.uncertainty_us),
            (None, Some(last)) => last.describe(),
            (None, None) => "unknown: learning".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scripted scan outcome, fed straight to the decision.
    fn found(offset_ms: i64) -> Estimate {
        Estimate::Found {
            offset_us: offset_ms * 1000,
            uncertainty_us: 2_000,
            contrast: 0.1,
            samples: 100,
        }
    }

    fn unsure() -> Estimate {
        Estimate::Unsure(crate::core::clock::picture_offset::Unsure::NoPeak)
    }

    /// (scan outcomes in turn, offset applied after each, resting after the last).
    #[test]
    fn offsets_are_applied_confirmed_replaced_only_twice_and_kept_when_unsure() {
        type Case = (&'static str, Vec<Estimate>, Vec<i64>, bool);
        let cases: Vec<Case> = vec![
            ("nothing learnt yet", vec![unsure()], vec![0], false),
            (
                "found, then confirmed and refined: rest",
                vec![found(34), found(36)],
                vec![34, 35],
                true,
            ),
            (
                "unsure keeps the offset",
                vec![found(34), unsure(), unsure()],
                vec![34, 34, 34],
                false,
            ),
            (
                "one other offset is a candidate only",
                vec![found(34), found(500), found(38)],
                vec![34, 34, 36],
                false,
            ),
            (
                "twice the same other offset replaces it",
                vec![found(34), found(500), found(502)],
                vec![34, 34, 502],
                true,
            ),
            (
                "two different others replace nothing",
                vec![found(34), found(500), found(-700)],
                vec![34, 34, 34],
                false,
            ),
            ("19 unsure scans in a row: still learning", vec![unsure(); 19], vec![0; 19], false),
            ("20 unsure scans in a row: rest", vec![unsure(); 20], vec![0; 20], true),
            (
                "a found offset starts the unsure count over",
                [vec![unsure(); 19], vec![found(34)], vec![unsure(); 19]].concat(),
                [vec![0; 19], vec![34; 20]].concat(),
                false,
            ),
            (
                "an applied offset stays through the unsure rest",
                [vec![found(34)], vec![unsure(); 20]].concat(),
                vec![34; 21],
                true,
            ),
        ];
        for (what, outcomes, applied, resting) in cases {
            let mut c = PictureCalibration::new(CalibrationPolicy::within(2_000_000));
            let mut seen = Vec::new();
            for e in outcomes {
                c.decide(0.0, e);
                seen.push(c.applied_offset_us() / 1000);
            }
            assert_eq!(seen, applied, "{what}");
            assert_eq!(c.is_resting(1.0), resting, "{what}");
        }
    }

    #[test]
    fn an_unsure_rest_says_why_and_learns_afresh_after_it() {
        let policy = CalibrationPolicy::within(2_000_000);
        let mut c = PictureCalibration::new(policy);
        for _ in 0..policy.unsure_before_rest {
            c.decide(1_000.0, unsure());
        }
        assert!(c.is_resting(1_000.0 + policy.rest_ms - 1.0));
        assert_eq!(c.describe(), unsure().describe(), "it still says why nothing is applied");
        assert!(c.wants_frame(1_000.0 + policy.rest_ms));
        // After the rest one unsure scan is not enough to rest again.
        c.decide(1_000.0 + policy.rest_ms, unsure());
        assert!(!c.is_resting(1_000.0 + policy.rest_ms + 1.0));
    }

    #[test]
    fn rest_ends_and_a_new_epoch_forgets() {
        let policy = CalibrationPolicy::within(2_000_000);
        let mut c = PictureCalibration::new(policy);
        c.on_epoch(1);
        c.decide(0.0, found(34));
        c.decide(0.0, found(34));
        assert!(c.is_resting(policy.rest_ms - 1.0) && !c.wants_frame(1.0));
        assert!(c.wants_frame(policy.rest_ms), "checks again after its rest");
        assert_eq!(c.describe(), "+34.0 ms +-2.0 ms");
        c.on_epoch(1);
        assert_eq!(c.applied_offset_us(), 34_000, "the same epoch keeps it");
        c.on_epoch(2);
        assert_eq!(
            (c.applied_offset_us(), c.wants_frame(1.0)),
            (0, true),
            "a new epoch starts over"
        );
        assert_eq!(c.describe(), "unknown: learning");
    }

    #[test]
    fn an_offset_the_picture_cannot_tell_from_zero_is_not_applied() {
        let policy = CalibrationPolicy::within(2_000_000);
        for (found_ms, applied_us) in [(-6, 0), (9, 0), (-16, 0), (-17, -17_000), (34, 34_000)] {
            let mut c = PictureCalibration::new(policy);
            c.decide(0.0, found(found_ms));
            assert_eq!(c.applied_offset_us(), applied_us, "{found_ms} ms");
            assert_eq!(c.applied().map(|a| a.offset_us), Some(found_ms * 1000));
        }
        let mut c = PictureCalibration::new(policy);
        c.decide(0.0, found(-6));
        assert_eq!(c.describe(), "-6.0 ms +-2.0 ms: within the picture's precision, not applied");
    }
}
