//! Recording and clip mode: which event windows to fetch around the playhead, and which to drop.
//!
//! Time is cut into fixed windows. The window under the playhead comes
//! first, then those ahead, then the one behind; a seek simply moves the
//! playhead, so the new neighbourhood is asked for first. Windows already
//! loaded are never fetched again, except one that came back empty, which
//! may hide a database fault in VAS and is retried after a while, and one
//! that was still open when it was fetched: it reached past what was
//! recorded then (the newest end of a growing recording, where the playhead
//! of a page opened at the newest stays), so its later events were not
//! written yet; it is fetched again every few seconds until the recording
//! has passed its end. The number of windows kept is bounded; the farthest
//! from the playhead go first.

use crate::core::number_order::sort_by_number;
use std::collections::BTreeMap;

use crate::core::time::{Micros, UnixMicros, MICROS_PER_SEC};

/// The shape of the cache.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowPlan {
    pub window_len: Micros,
    pub ahead: i64,
    pub behind: i64,
    pub max_windows: usize,
    /// An empty window is fetched again after this long (ms of the caller's clock).
    pub empty_retry_ms: f64,
    /// An open window is fetched again after this long (half of VAS's 6 s segment).
    pub open_retry_ms: f64,
}

/// A window is open while it ends later than this before the newest recorded
/// moment: events are written 100-250 ms after their frame (vas-contract.md
/// section 6), so a second covers them.
pub const OPEN_MARGIN_US: i64 = MICROS_PER_SEC;

impl Default for WindowPlan {
    fn default() -> Self {
        Self {
            window_len: 30 * MICROS_PER_SEC,
            ahead: 2,
            behind: 1,
            max_windows: 12,
            empty_retry_ms: 10_000.0,
            open_retry_ms: 3_000.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Loaded {
    /// When it was fetched, on the monotonic clock.
    at_mono_ms: f64,
    empty: bool,
    /// It reached past what was recorded when it was fetched.
    open: bool,
}

/// The windows loaded so far, keyed by window index.
#[derive(Debug, Clone, Default)]
pub struct PlayheadWindows {
    plan: WindowPlan,
    /// Only windows that overlap this span are ever fetched (a clip's extent).
    bounds: Option<(UnixMicros, UnixMicros)>,
    loaded: BTreeMap<i64, Loaded>,
}

impl PlayheadWindows {
    pub fn new(plan: WindowPlan, bounds: Option<(UnixMicros, UnixMicros)>) -> Self {
        let plan = WindowPlan { window_len: plan.window_len.max(1), ..plan };
        Self { plan, bounds, loaded: BTreeMap::new() }
    }

    pub fn index_of(&self, t: UnixMicros) -> i64 {
        t.0.div_euclid(self.plan.window_len)
    }

    /// The inclusive span of window `i`.
    pub fn span(&self, i: i64) -> (UnixMicros, UnixMicros) {
        let start = i.saturating_mul(self.plan.window_len);
        (UnixMicros(start), UnixMicros(start.saturating_add(self.plan.window_len - 1)))
    }

    fn in_bounds(&self, i: i64) -> bool {
        let (s, e) = self.span(i);
        self.bounds.is_none_or(|(lo, hi)| e >= lo && s <= hi)
    }

    /// The next window to fetch for this playhead, if any; `now_mono_ms`
    /// (`performance.now()`) times the retry of empty windows.
    pub fn next_to_fetch(&self, playhead: UnixMicros, now_mono_ms: f64) -> Option<i64> {
        let here = self.index_of(playhead);
        let order = std::iter::once(here)
            .chain((1..=self.plan.ahead).map(|k| here + k))
            .chain((1..=self.plan.behind).map(|k| here - k));
        order.filter(|i| self.in_bounds(*i)).find(|i| match self.loaded.get(i) {
            None => true,
            Some(l) => {
                let age = now_mono_ms - l.at_mono_ms;
                (l.empty && age >= self.plan.empty_retry_ms)
                    || (l.open && age >= self.plan.open_retry_ms)
            }
        })
    }

    /// Records a fetched window, at `now_mono_ms` (`performance.now()`);
    /// `recorded_until` is the newest recorded moment then (`None`: nothing
    /// grows, as a clip).
    pub fn mark_loaded(
        &mut self,
        i: i64,
        empty: bool,
        now_mono_ms: f64,
        recorded_until: Option<UnixMicros>,
    ) {
        let open = recorded_until.is_some_and(|r| self.span(i).1.plus(OPEN_MARGIN_US) > r);
        self.loaded.insert(i, Loaded { at_mono_ms: now_mono_ms, empty, open });
    }

    pub fn is_loaded(&self, i: i64) -> bool {
        self.loaded.contains_key(&i)
    }

    pub fn loaded_count(&self) -> usize {
        self.loaded.len()
    }

    /// The span of the unbroken block of loaded windows around the playhead's
    /// window (the "loaded range" a timeline shows), if that window is loaded.
    pub fn loaded_block(&self, playhead: UnixMicros) -> Option<(UnixMicros, UnixMicros)> {
        let here = self.index_of(playhead);
        if !self.loaded.contains_key(&here) {
            return None;
        }
        let mut lo = here;
        while self.loaded.contains_key(&(lo - 1)) {
            lo -= 1;
        }
        let mut hi = here;
        while self.loaded.contains_key(&(hi + 1)) {
            hi += 1;
        }
        Some((self.span(lo).0, self.span(hi).1))
    }

    /// Drops the windows farthest from the playhead beyond the bound, and
    /// returns the span still held (for the store to keep), if anything was dropped.
    pub fn evict(&mut self, playhead: UnixMicros) -> Option<(UnixMicros, UnixMicros)> {
        if self.loaded.len() <= self.plan.max_windows {
            return None;
        }
        let here = self.index_of(playhead);
        let mut by_distance: Vec<i64> = self.loaded.keys().copied().collect();
        // Farthest first; equal distances keep the keys' ascending order (the
        // map's), so the lower index goes first. Window indices are far below
        // 2^53, where f64 is exact.
        sort_by_number(&mut by_distance, |i| -((i - here).abs() as f64));
        let excess = self.loaded.len() - self.plan.max_windows;
        for i in by_distance.into_iter().take(excess) {
            self.loaded.remove(&i);
        }
        let lo = *self.loaded.keys().next()?;
        let hi = *self.loaded.keys().next_back()?;
        Some((self.span(lo).0, self.span(hi).1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = MICROS_PER_SEC;

    fn at(secs: i64) -> UnixMicros {
        UnixMicros(secs * S)
    }

    #[test]
    fn fetch_order_is_here_then_ahead_then_behind() {
        let mut w = PlayheadWindows::new(WindowPlan::default(), None);
        let mut order = Vec::new();
        while let Some(i) = w.next_to_fetch(at(95), 0.0) {
            order.push(i);
            w.mark_loaded(i, false, 0.0, None);
        }
        assert_eq!(order, [3, 4, 5, 2]);
        assert_eq!(w.span(3), (at(90), UnixMicros(120 * S - 1)));
    }

    #[test]
    fn a_seek_fetches_the_new_neighbourhood_first_and_nothing_twice() {
        let mut w = PlayheadWindows::new(WindowPlan::default(), None);
        for i in [2, 3, 4, 5] {
            w.mark_loaded(i, false, 0.0, None);
        }
        assert_eq!(w.next_to_fetch(at(95), 0.0), None);
        // Seek to 10 min: its own window first.
        assert_eq!(w.next_to_fetch(at(600), 0.0), Some(20));
        // Seek back to 125 s: windows 4 and 5 are held; 6 (ahead) is missing.
        assert_eq!(w.next_to_fetch(at(125), 0.0), Some(6));
    }

    #[test]
    fn empty_windows_are_retried_later_and_bounds_are_respected() {
        let mut w = PlayheadWindows::new(WindowPlan::default(), Some((at(0), at(50))));
        w.mark_loaded(0, true, 0.0, None);
        w.mark_loaded(1, false, 0.0, None);
        assert_eq!(w.next_to_fetch(at(10), 1_000.0), None, "windows 2 and -1 are outside the clip");
        assert_eq!(
            w.next_to_fetch(at(10), 10_000.0),
            Some(0),
            "the empty window may have hidden a fault"
        );
    }

    #[test]
    fn loaded_block_is_the_unbroken_run_around_the_playhead() {
        let mut w = PlayheadWindows::new(WindowPlan::default(), None);
        for i in [2, 3, 4, 9] {
            w.mark_loaded(i, false, 0.0, None);
        }
        assert_eq!(w.loaded_block(at(95)), Some((at(60), UnixMicros(150 * S - 1))));
        assert_eq!(w.loaded_block(at(275)), Some((at(270), UnixMicros(300 * S - 1))));
        assert_eq!(w.loaded_block(at(200)), None);
    }

    #[test]
    fn eviction_keeps_the_nearest_windows() {
        let plan = WindowPlan { max_windows: 3, ..WindowPlan::default() };
        let mut w = PlayheadWindows::new(plan, None);
        for i in 0..6 {
            w.mark_loaded(i, false, 0.0, None);
        }
        let kept = w.evict(at(100));
        assert_eq!(w.loaded_count(), 3);
        assert!(w.is_loaded(2) && w.is_loaded(3) && w.is_loaded(4));
        assert_eq!(kept, Some((at(60), UnixMicros(150 * S - 1))));
        assert_eq!(w.evict(at(100)), None);
    }

    #[test]
    fn an_open_window_is_fetched_again_until_the_recording_passes_its_end() {
        let mut w =
            PlayheadWindows::new(WindowPlan { ahead: 0, behind: 0, ..WindowPlan::default() }, None);
        // The playhead 18 s behind the newest recorded moment, in window 3 (90..120 s).
        let recorded = at(113);
        w.mark_loaded(3, false, 0.0, Some(recorded));
        assert_eq!(w.next_to_fetch(at(95), 2_999.0), None);
        assert_eq!(
            w.next_to_fetch(at(95), 3_000.0),
            Some(3),
            "its later events were not written yet"
        );
        // Fetched again once the recording is past its end (by the margin): closed.
        w.mark_loaded(3, false, 3_000.0, Some(UnixMicros(120 * S - 2 + OPEN_MARGIN_US)));
        assert_eq!(w.next_to_fetch(at(95), 6_000.0), Some(3), "within the margin: still open");
        w.mark_loaded(3, false, 6_000.0, Some(UnixMicros(120 * S - 1 + OPEN_MARGIN_US)));
        assert_eq!(w.next_to_fetch(at(118), 100_000.0), None);
        // A clip (nothing grows) is never open.
        w.mark_loaded(4, false, 0.0, None);
        assert_eq!(w.next_to_fetch(at(125), 100_000.0), None);
    }
}
