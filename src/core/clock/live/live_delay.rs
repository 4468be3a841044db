//! Live playout delay: hold the picture back just enough for each frame's events to have arrived.
//!
//! VAS writes an event after inference, and the viewer polls for it, so on
//! live video a frame's own event arrives after the frame (measured on the
//! rig: about 150 to 300 ms after it is shown). Without help the overlay can
//! only hold older boxes or show none. The player owns the video, so it can
//! ask WebRTC's jitter buffer to present frames later
//! (`RTCRtpReceiver.jitterBufferTarget`). How much: both sides are on VAS's
//! clock already, so the deficit is simply how far the frame on screen is
//! ahead of the newest event held (`frame time - newest event time`); the
//! target grows by a high quantile of the recent deficits plus a margin, and
//! shrinks slowly when events have been early for a while. No clock offset
//! is needed for this, and nothing in the overlay changes. The events must
//! reach one model interval past the frame, not just the frame: a sparse
//! model's boxes then move toward its next event instead of being held.

use crate::core::number_order::sort_by_number;
use std::collections::VecDeque;

/// Tuning of the controller.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DelayParams {
    /// Seconds of deficits considered.
    pub window_ms: f64,
    /// The deficit quantile to cover.
    pub quantile: f64,
    /// Kept on top of it.
    pub margin_ms: f64,
    /// Changes smaller than this are not made (each change disturbs playout).
    pub min_step_ms: f64,
    /// The least time between two changes.
    pub every_ms: f64,
    /// The jitter buffer accepts up to 4 s; live viewing should stay well below.
    pub max_ms: f64,
    /// The target a first session starts with, before anything is measured:
    /// events reach the viewer at least half a poll period after their frame,
    /// so starting at zero only means blank seconds while the target grows.
    pub initial_ms: f64,
}

impl Default for DelayParams {
    fn default() -> Self {
        Self {
            window_ms: 4_000.0,
            quantile: 0.95,
            margin_ms: 40.0,
            min_step_ms: 25.0,
            every_ms: 1_000.0,
            max_ms: 2_000.0,
            initial_ms: 300.0,
        }
    }
}

/// The most room kept for the next event: a model slower than 2 per second
/// is held between its events rather than delay the picture further.
pub const MAX_NEXT_EVENT_ROOM_US: i64 = 500_000;

/// How far past a frame the events must reach for every model's next event
/// to be in: the longest of the models' usual intervals (`median_interval`
/// of each model's timeline), at most [`MAX_NEXT_EVENT_ROOM_US`].
pub fn next_event_room_us(median_intervals_us: impl IntoIterator<Item = i64>) -> i64 {
    median_intervals_us.into_iter().map(|i| i.clamp(0, MAX_NEXT_EVENT_ROOM_US)).max().unwrap_or(0)
}

/// The controller of one session.
#[derive(Debug, Clone)]
pub struct PlayoutDelay {
    params: DelayParams,
    /// (monotonic ms, deficit ms) of recent frames.
    deficits: VecDeque<(f64, f64)>,
    target_ms: f64,
    last_change_mono_ms: Option<f64>,
}

impl PlayoutDelay {
    pub fn new(params: DelayParams) -> Self {
        Self {
            params,
            deficits: VecDeque::new(),
            target_ms: params.initial_ms.clamp(0.0, params.max_ms),
            last_change_mono_ms: None,
        }
    }

    pub fn target_ms(&self) -> f64 {
        self.target_ms
    }

    /// Records the frame on screen (its VAS time, us) against the newest
    /// event held (us), at `now_mono_ms` on the monotonic clock (the window
    /// of recent deficits is a duration). `room_us` is how far past the
    /// frame the events must reach ([`next_event_room_us`]: the next event of
    /// a sparse model, so its boxes move toward it instead of being held).
    /// With no event yet nothing is learnt.
    pub fn observe(
        &mut self,
        now_mono_ms: f64,
        frame_us: i64,
        room_us: i64,
        newest_event_us: Option<i64>,
    ) {
        let Some(newest) = newest_event_us else { return };
        // Saturating: times from opposite ends of the range must not wrap into a small deficit.
        let deficit = frame_us
            .saturating_add(room_us.clamp(0, MAX_NEXT_EVENT_ROOM_US))
            .saturating_sub(newest) as f64
            / 1000.0;
        // A deficit of many seconds is not lateness (a stopped model, a reset
        // stream): waiting for it would only freeze the picture.
        if deficit.abs() > self.params.max_ms * 2.0 {
            return;
        }
        self.deficits.push_back((now_mono_ms, deficit));
        while self.deficits.front().is_some_and(|(t, _)| now_mono_ms - t > self.params.window_ms) {
            self.deficits.pop_front();
        }
    }

    /// Drops the deficits seen so far (the frame clock changed method); the target stays.
    pub fn forget_recent(&mut self) {
        self.deficits.clear();
    }

    /// A new jitter-buffer target (ms) when one is due at `now_mono_ms`
    /// (monotonic: the least time between two changes is a duration), else `None`.
    pub fn next_target(&mut self, now_mono_ms: f64) -> Option<f64> {
        if self.last_change_mono_ms.is_some_and(|t| now_mono_ms - t < self.params.every_ms)
            || self.deficits.len() < 15
        {
            return None;
        }
        let mut d: Vec<f64> = self.deficits.iter().map(|(_, d)| *d).collect();
        sort_by_number(&mut d, |x| *x);
        let q = d[((d.len() - 1) as f64 * self.params.quantile).round() as usize];
        // Deficits were measured with the current target in force: the change is relative.
        let wanted = (self.target_ms + q + self.params.margin_ms).clamp(0.0, self.params.max_ms);
        // Grow at once, shrink by half the excess (a quiet spell is no proof).
        let next = if wanted > self.target_ms {
            wanted
        } else {
            self.target_ms - (self.target_ms - wanted) / 2.0
        };
        if (next - self.target_ms).abs() < self.params.min_step_ms {
            return None;
        }
        self.target_ms = next;
        self.last_change_mono_ms = Some(now_mono_ms);
        // Frames shown under the old target say nothing about the new one.
        self.deficits.clear();
        Some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A simulated session: events reach the viewer `lag` ms after their
    /// frame; a frame is shown `base` ms plus the target after it.
    fn settle(lag: f64, base: f64, seconds: u32, initial_ms: f64) -> (PlayoutDelay, Vec<f64>) {
        settle_with_room(lag, base, seconds, initial_ms, 0)
    }

    fn settle_with_room(
        lag: f64,
        base: f64,
        seconds: u32,
        initial_ms: f64,
        room_us: i64,
    ) -> (PlayoutDelay, Vec<f64>) {
        let mut c = PlayoutDelay::new(DelayParams { initial_ms, ..DelayParams::default() });
        let mut changes = Vec::new();
        for tick in 0..seconds * 30 {
            let now = f64::from(tick) * 33.3;
            // Frame shown now was captured base + target ago; the newest event
            // is the one captured lag ago, with 0..=99 ms of poll jitter.
            let frame_us = ((now - base - c.target_ms()) * 1000.0) as i64;
            let jitter = f64::from((tick * 37) % 100);
            let newest_us = ((now - lag - jitter) * 1000.0) as i64;
            c.observe(now, frame_us, room_us, Some(newest_us));
            if let Some(t) = c.next_target(now) {
                changes.push(t);
            }
        }
        (c, changes)
    }

    #[test]
    fn grows_until_events_come_in_time_and_then_holds() {
        for initial in [0.0, 300.0, 900.0] {
            let (c, changes) = settle(200.0, 50.0, 30, initial);
            // Needed: lag + worst jitter - base = 200 + 99 - 50 = 249, plus the margin.
            assert!(
                (270.0..340.0).contains(&c.target_ms()),
                "from {initial}: {} {changes:?}",
                c.target_ms()
            );
            assert!(changes.len() <= 8, "settles: {changes:?}");
        }
    }

    /// (slowest model's interval, target wanted): lag 200 + jitter 99 - base
    /// 50 + margin 40 = 289 ms, plus room for the next event, at most 500 ms.
    #[test]
    fn room_is_kept_for_the_next_event_of_the_slowest_model() {
        let rows: [(&[i64], f64); 4] = [
            (&[], 289.0),
            (&[33_333, 100_000], 389.0),
            (&[200_000, 100_000], 489.0),
            (&[2_000_000], 789.0),
        ];
        for (intervals, wanted) in rows {
            let room = next_event_room_us(intervals.iter().copied());
            let (c, _) = settle_with_room(200.0, 50.0, 30, 300.0, room);
            assert!(
                (c.target_ms() - wanted).abs() < 30.0,
                "{intervals:?}: {} against {wanted}",
                c.target_ms()
            );
        }
    }

    #[test]
    fn events_already_in_time_need_no_delay() {
        let (c, changes) = settle(-200.0, 50.0, 10, 0.0);
        assert_eq!((c.target_ms(), changes.len()), (0.0, 0));
        let (c, _) = settle(-200.0, 50.0, 20, 300.0);
        assert!(c.target_ms() < 40.0, "the initial guess is given up: {}", c.target_ms());
    }

    #[test]
    fn shrinks_slowly_when_events_get_faster_and_ignores_absurd_gaps() {
        let mut c = PlayoutDelay::new(DelayParams { initial_ms: 800.0, ..DelayParams::default() });
        for i in 0..40 {
            // Events 300 ms ahead of the frame on screen: 300 - 40 ms too much delay.
            c.observe(f64::from(i) * 33.0, 0, 0, Some(300_000));
        }
        assert_eq!(c.next_target(2_000.0), Some(800.0 - (260.0 / 2.0)));
        let mut d = PlayoutDelay::new(DelayParams::default());
        for i in 0..40 {
            d.observe(f64::from(i) * 33.0, 60_000_000, 0, Some(0));
        }
        assert_eq!(d.next_target(2_000.0), None, "a minute behind is not lateness");
        assert_eq!(PlayoutDelay::new(DelayParams::default()).next_target(0.0), None);
    }

    /// (frame time, newest event time): times from opposite ends of the
    /// range are absurd gaps, learnt from as nothing (they overflowed before).
    #[test]
    fn extreme_times_are_ignored() {
        // The last one wrapped to a deficit of -500 ms, which was learnt from.
        let rows = [
            (i64::MAX, -2),
            (i64::MIN, 1),
            (i64::MIN, i64::MAX),
            (i64::MAX, i64::MIN),
            (i64::MAX, i64::MIN + 500_000),
        ];
        for (frame_us, newest_us) in rows {
            let mut c = PlayoutDelay::new(DelayParams::default());
            for i in 0..40 {
                c.observe(f64::from(i) * 33.0, frame_us, 0, Some(newest_us));
            }
            assert_eq!(c.next_target(2_000.0), None, "{frame_us} {newest_us}");
            assert_eq!(c.target_ms(), DelayParams::default().initial_ms);
        }
    }
}
