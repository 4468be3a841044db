//! Live polling: which window to ask VAS for next, and how late rows really arrive.
//!
//! VAS writes an event after inference, stamped with its frame's time, so a
//! new row appears with a timestamp in the recent past. Each poll therefore
//! asks for everything from a lateness margin before the newest event held;
//! the overlap is absorbed by de-duplication by id. The margin adapts to what
//! is observed: for every new row, how far its timestamp lies behind the
//! newest event held before the poll that brought it. A margin can only learn
//! lateness it can see, so every few seconds one poll sweeps a wide margin:
//! rows later than the current margin are found there, and raise it. That measure needs no
//! clock agreement between viewer and VAS (`created_at` is broken in VAS and
//! never used), unlike arrival time minus timestamp, which is kept only as a
//! figure for reports.

use std::collections::VecDeque;

use super::time::{Micros, UnixMicros, MICROS_PER_MILLI, MICROS_PER_SEC};
use super::window_fetch::WindowFetch;
use super::wire::MAX_PAGE_LIMIT;

/// Poll period while the page is visible. 250 ms keeps the delay added by
/// polling (half a period on average) small next to VAS's own inference
/// latency; see the closing figures for what it costs per viewer.
pub const LIVE_INTERVAL_MS: u32 = 250;
/// Poll period while the page is hidden (nothing is drawn; the store stays warm).
pub const HIDDEN_INTERVAL_MS: u32 = 5_000;
/// Margin used before any lateness was observed.
pub const INITIAL_MARGIN: Micros = 2 * MICROS_PER_SEC;
const MIN_MARGIN: Micros = 250 * MICROS_PER_MILLI;
const MAX_MARGIN: Micros = 60 * MICROS_PER_SEC;
/// Polls remembered for the margin: about a minute at the live rate.
const SAMPLES: usize = 256;
/// Every this many polls, one poll sweeps `SWEEP_MARGIN` back (4 s at the live rate).
pub const SWEEP_EVERY: u64 = 16;
/// How far back a sweep looks: later rows than this are not expected from VAS.
pub const SWEEP_MARGIN: Micros = 15 * MICROS_PER_SEC;
/// How far past the newest event (or now) a poll window reaches.
const AHEAD: Micros = 3600 * MICROS_PER_SEC;
/// The last instant RFC 3339 can write with a four-digit year (9999-12-31T23:59:59Z).
pub const FAR_FUTURE: UnixMicros = UnixMicros(253_402_300_799 * MICROS_PER_SEC);
/// The first poll looks this far back from the viewer's clock.
const FIRST_LOOKBACK: Micros = 10 * MICROS_PER_SEC;

/// Observed lateness of arriving rows (the largest per poll), and the margin it implies.
#[derive(Debug, Clone, Default)]
pub struct LatenessTracker {
    behind_newest: VecDeque<Micros>,
    /// Raised when a sweep finds rows the narrow polls missed (their true
    /// lateness is unknown, only that it exceeded the margin); decays slowly.
    floor: Micros,
}

impl LatenessTracker {
    /// Records one poll's largest lateness.
    pub fn record(&mut self, behind_newest: Micros) {
        if self.behind_newest.len() == SAMPLES {
            self.behind_newest.pop_front();
        }
        self.behind_newest.push_back(behind_newest.max(0));
    }

    /// The largest recent lateness, plus half again and 100 ms, within bounds,
    /// and never below the floor set by sweeps.
    pub fn margin(&self) -> Micros {
        let observed = match self.behind_newest.iter().max() {
            None => INITIAL_MARGIN,
            Some(&m) => m + m / 2 + 100 * MICROS_PER_MILLI,
        };
        observed.max(self.floor).clamp(MIN_MARGIN, MAX_MARGIN)
    }

    /// A sweep found rows beyond the margin: double it (up to the sweep's reach).
    pub fn missed_rows_found(&mut self) {
        self.floor = (self.margin() * 2).min(SWEEP_MARGIN);
    }

    /// A sweep found nothing the narrow polls missed: let the floor sink.
    pub fn nothing_missed(&mut self) {
        self.floor = self.floor * 9 / 10;
    }
}

/// Counters for the load figures.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LiveStats {
    pub polls: u64,
    pub requests: u64,
    pub bytes: u64,
    /// Rows received, duplicates included.
    pub rows: u64,
    /// Rows new to the store.
    pub new_rows: u64,
}

/// The live poller of one camera.
#[derive(Debug, Clone)]
pub struct LivePoller {
    camera_id: String,
    newest_held: Option<UnixMicros>,
    /// The newest timestamps seen, newest first; `newest_held` is the last of
    /// them, so one row with a wild timestamp cannot drag the window away
    /// (see `EventStore::anchor`).
    top: Vec<UnixMicros>,
    lateness: LatenessTracker,
    /// The bounded first poll found nothing: ask for the newest rows of all time
    /// (the viewer's clock may be far from VAS's).
    first_found_nothing: bool,
    pub stats: LiveStats,
}

impl LivePoller {
    pub fn new(camera_id: &str) -> Self {
        Self {
            camera_id: camera_id.to_owned(),
            newest_held: None,
            top: Vec::new(),
            lateness: LatenessTracker::default(),
            first_found_nothing: false,
            stats: LiveStats::default(),
        }
    }

    pub fn margin(&self) -> Micros {
        self.lateness.margin()
    }

    pub fn newest_held(&self) -> Option<UnixMicros> {
        self.newest_held
    }

    /// The fetch for the next poll. `now_hint` is the viewer's clock, used only
    /// to bound the very first poll.
    pub fn next_fetch(&self, now_hint: UnixMicros) -> WindowFetch {
        match self.newest_held {
            Some(newest) => {
                let margin = if self.next_is_sweep() { SWEEP_MARGIN.max(self.margin()) } else { self.margin() };
                let start = newest.plus(-margin);
                let end = newest.max(now_hint).plus(AHEAD);
                WindowFetch::new(&self.camera_id, start, end, MAX_PAGE_LIMIT)
            }
            None if !self.first_found_nothing => {
                WindowFetch::new(&self.camera_id, now_hint.plus(-FIRST_LOOKBACK), now_hint.plus(AHEAD), MAX_PAGE_LIMIT)
            }
            // Newest 100 rows of all time, one request: enough to anchor on VAS's clock.
            None => WindowFetch::new(&self.camera_id, UnixMicros(0), FAR_FUTURE, 100).with_max_requests(1),
        }
    }

    /// Whether the next poll is a wide sweep.
    fn next_is_sweep(&self) -> bool {
        self.stats.polls % SWEEP_EVERY == SWEEP_EVERY - 1
    }

    /// Records a finished poll: the timestamps of rows that were new to the store.
    pub fn on_poll_done(&mut self, new_row_times: &[UnixMicros]) {
        let sweep = self.next_is_sweep();
        self.stats.polls += 1;
        if let Some(newest) = self.newest_held {
            let behind = new_row_times.iter().map(|t| newest.since(*t));
            if sweep {
                // Only rows older than the narrow margin were missed; newer ones are just new.
                let margin = self.lateness.margin();
                if behind.clone().any(|b| b > margin) {
                    self.lateness.missed_rows_found();
                } else {
                    self.lateness.nothing_missed();
                }
            } else if let Some(latest) = behind.max() {
                // Rows found by a narrow poll lay within its margin: their lateness is exact.
                self.lateness.record(latest);
            }
        }
        if new_row_times.is_empty() && self.newest_held.is_none() {
            self.first_found_nothing = true;
        }
        self.top.extend_from_slice(new_row_times);
        self.top.sort_unstable_by(|a, b| b.cmp(a));
        self.top.dedup();
        self.top.truncate(crate::core::event_store::ANCHOR_RANK);
        if let Some(&robust) = self.top.last() {
            self.newest_held = Some(self.newest_held.map_or(robust, |h| h.max(robust)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::window_fetch::sim::{drive, FakeVas, Row};
    use std::collections::HashSet;

    const MS: i64 = 1000;

    #[test]
    fn margin_adapts_to_observed_lateness() {
        let mut l = LatenessTracker::default();
        assert_eq!(l.margin(), INITIAL_MARGIN);
        l.record(40 * MS);
        assert_eq!(l.margin(), MIN_MARGIN, "small lateness keeps the floor");
        l.record(800 * MS);
        assert_eq!(l.margin(), 1300 * MS);
        l.record(-5 * MS);
        assert_eq!(l.margin(), 1300 * MS);
        for _ in 0..SAMPLES {
            l.record(10 * MS);
        }
        assert_eq!(l.margin(), MIN_MARGIN, "old spikes age out");
    }

    /// A camera with two models: one writes rows 80 ms after their frame, the
    /// other 900 ms after. Polls every 250 ms of simulated time; every row must
    /// arrive, none twice in the store.
    #[test]
    fn live_polling_catches_late_rows_from_slow_models() {
        let mut vas = FakeVas::new(Vec::new());
        let mut poller = LivePoller::new("cam");
        let mut store: HashSet<String> = HashSet::new();
        let mut inserted: Vec<Row> = Vec::new();
        let t0 = 1_000_000 * MS;
        let mut requests = 0;
        let mut rows_received = 0;
        for step in 0..240 {
            let now = t0 + step * 250 * MS;
            // Rows that became visible by `now`: frame time + lateness <= now.
            for frame in 0..=(step * 250 / 100) {
                let ts = t0 + frame * 100 * MS;
                for (model, late) in [("fast", 80 * MS), ("slow", 900 * MS)] {
                    let id = format!("{model}-{frame}");
                    if ts + late <= now && !inserted.iter().any(|r| r.id == id) {
                        let row = Row { ts: UnixMicros(ts), id, poison: false };
                        vas.rows.push(row.clone());
                        inserted.push(row);
                    }
                }
            }
            let mut fetch = poller.next_fetch(UnixMicros(now));
            let before = vas.requests;
            let (ids, _) = drive(&mut fetch, &mut vas, 3);
            requests += vas.requests - before;
            rows_received += ids.len();
            let mut new_times = Vec::new();
            for id in ids {
                if store.insert(id.clone()) {
                    new_times.push(inserted.iter().find(|r| r.id == id).unwrap().ts);
                }
            }
            poller.on_poll_done(&new_times);
        }
        let all: HashSet<String> = inserted.iter().map(|r| r.id.clone()).collect();
        assert_eq!(store, all, "every row, late ones included, reached the store");
        // The slow model's rows lie up to about 820 ms behind the newest row held.
        assert!(poller.margin() >= 820 * MS && poller.margin() <= 2500 * MS, "margin {}", poller.margin());
        // Overlap cost: rows fetched again because they were inside the margin.
        let refetched = rows_received as f64 / all.len() as f64 - 1.0;
        assert!(refetched < 12.0, "refetch share {refetched}");
        assert_eq!(requests, 240, "one request per poll at this rate");
    }

    #[test]
    fn a_first_poll_that_finds_nothing_falls_back_to_the_newest_rows() {
        // The viewer's clock is a day off: the bounded first poll sees nothing.
        let rows: Vec<Row> = (0..50).map(|i| Row { ts: UnixMicros(i * 100 * MS), id: format!("r{i}"), poison: false }).collect();
        let mut vas = FakeVas::new(rows);
        let mut poller = LivePoller::new("cam");
        let wrong_now = UnixMicros(86_400_000 * MS);
        let (ids, _) = drive(&mut poller.next_fetch(wrong_now), &mut vas, 3);
        assert!(ids.is_empty());
        poller.on_poll_done(&[]);
        let (ids, _) = drive(&mut poller.next_fetch(wrong_now), &mut vas, 3);
        assert_eq!(ids.len(), 50);
        poller.on_poll_done(&[UnixMicros(4900 * MS), UnixMicros(4800 * MS), UnixMicros(4700 * MS)]);
        assert_eq!(poller.newest_held(), Some(UnixMicros(4700 * MS)), "the third newest anchors the window");
        // One row from a model with a broken clock does not move the window.
        poller.on_poll_done(&[FAR_FUTURE]);
        assert_eq!(poller.newest_held(), Some(UnixMicros(4800 * MS)));
        assert_eq!(crate::core::time::format_rfc3339_utc(FAR_FUTURE), "9999-12-31T23:59:59Z");
    }
}
