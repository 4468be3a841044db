//! Live polling: which window to ask VAS for next, and how late rows really arrive.
//!
//! VAS writes an event after inference, stamped with its frame's time, so a
//! new row appears with a timestamp in the recent past. Each poll therefore
//! asks for everything from a lateness margin before the newest event held;
//! the overlap is absorbed by de-duplication by id. The margin adapts to what
//! is observed: for every new row, how far its timestamp lies behind the
//! newest event held before the poll that brought it. A margin can only learn
//! lateness it can see, so every few seconds a sweep asks how many rows VAS
//! holds in a wide band behind the margin (one row requested: the answer's
//! `total` counts them all) and compares with the store. Only when rows are
//! missing is the band fetched, and the margin doubled. That measure needs no
//! clock agreement between viewer and VAS (`created_at` is broken in VAS and
//! never used), unlike arrival time minus timestamp, which is kept only as a
//! figure for reports.
//!
//! "Newest" is the one the models agree on ([`CredibleNewest`]): wild rows,
//! a model on another clock, or VAS's clock stepped and corrected never move
//! the window past the real rows for good. After a quiet spell ("newest"
//! still for [`QUIET_POLLS`] polls) one poll in [`QUIET_EVERY`] looks where
//! the rows may have gone instead, by turns around the frame on screen (whose
//! time the live clock takes from VAS's own clock, so it follows VAS's clock
//! when it steps either way; the viewer's clock without one) and at the
//! newest rows of all time (a step ahead by more than the window reaches).

use std::collections::VecDeque;

use crate::core::events::credible_newest::{CredibleNewest, RowSeen, WILD_GAP};
use crate::core::events::poll_grid::{self, CELL};
use crate::core::events::window_fetch::WindowFetch;
use crate::core::events::wire::{EventQuery, MAX_PAGE_LIMIT};
use crate::core::time::{Micros, UnixMicros, MICROS_PER_MILLI, MICROS_PER_SEC};

/// Poll period while the page is visible. 250 ms keeps the delay added by
/// polling (half a period on average) small next to VAS's own inference
/// latency; see the closing figures for what it costs per viewer.
pub const LIVE_INTERVAL_MS: u32 = 250;
/// Poll period while the page is hidden (nothing is drawn; the store stays warm).
pub const HIDDEN_INTERVAL_MS: u32 = 5_000;
/// Margin used before any lateness was observed.
pub const INITIAL_MARGIN: Micros = 2 * MICROS_PER_SEC;
const MIN_MARGIN: Micros = 100 * MICROS_PER_MILLI;
const MAX_MARGIN: Micros = 60 * MICROS_PER_SEC;
/// Polls remembered for the margin: about a minute at the live rate.
const SAMPLES: usize = 256;
/// A count probe after the poll of every cell whose number is this many
/// cells apart (5 s at the live rate; see [`SWEEP_PHASE`]).
pub const SWEEP_EVERY: i64 = 20;
/// The cells of count probes: number `SWEEP_PHASE` modulo [`SWEEP_EVERY`],
/// never those of a hidden page's polls (multiples of [`HIDDEN_EVERY`]).
pub const SWEEP_PHASE: i64 = 10;
/// A hidden page polls in cells whose number is a multiple of this ([`HIDDEN_INTERVAL_MS`]).
pub const HIDDEN_EVERY: i64 = HIDDEN_INTERVAL_MS as i64 / LIVE_INTERVAL_MS as i64;
/// How far behind the margin a count probe looks; it overlaps the previous
/// probe's band several times over, so a row is checked several times before
/// it leaves it.
pub const SWEEP_MARGIN: Micros = 30 * MICROS_PER_SEC;
/// Polls without a newer row (8 s at the live rate) after which the poller
/// looks for rows that moved (see the module's notes).
pub const QUIET_POLLS: u64 = 32;
/// During a quiet spell, one poll in this many looks elsewhere.
pub const QUIET_EVERY: u64 = 4;
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
    /// Raised when a probe finds rows the polls missed (their true
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
            // Saturating: a lateness near `i64::MAX` (rows far from the newest held) must not wrap.
            Some(&m) => m.saturating_add(m / 2).saturating_add(100 * MICROS_PER_MILLI),
        };
        observed.max(self.floor).clamp(MIN_MARGIN, MAX_MARGIN)
    }

    /// A probe found rows beyond the margin: double it (up to the probe's reach).
    pub fn missed_rows_found(&mut self) {
        self.floor = (self.margin() * 2).min(SWEEP_MARGIN);
    }

    /// A probe found nothing missed: let the floor sink.
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
    newest: CredibleNewest,
    /// Consecutive polls after which "newest" had not moved.
    quiet_polls: u64,
    lateness: LatenessTracker,
    /// The bounded first poll found nothing: ask for the newest rows of all time
    /// (the viewer's clock may be far from VAS's).
    first_found_nothing: bool,
    /// Instants given up (poison rows): VAS counts their rows, the store
    /// never holds them, and windows are walked around them.
    lost_instants: Vec<UnixMicros>,
    /// Where the last regular poll's window started: a new row behind it
    /// was never looked at before, so how late it came is unknown.
    last_start: Option<UnixMicros>,
    pub stats: LiveStats,
}

/// A count probe: one row asked for, `total` compared with the store.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepProbe {
    pub query: EventQuery,
    /// The band checked, inclusive: the store's count over it is compared with `total`.
    pub band: (UnixMicros, UnixMicros),
}

impl LivePoller {
    pub fn new(camera_id: &str) -> Self {
        Self {
            camera_id: camera_id.to_owned(),
            newest: CredibleNewest::default(),
            quiet_polls: 0,
            lateness: LatenessTracker::default(),
            first_found_nothing: false,
            lost_instants: Vec::new(),
            last_start: None,
            stats: LiveStats::default(),
        }
    }

    pub fn margin(&self) -> Micros {
        self.lateness.margin()
    }

    pub fn newest_held(&self) -> Option<UnixMicros> {
        self.newest.newest()
    }

    /// Rows above this are wild (see [`CredibleNewest::ceiling`]): the store
    /// does not let them set a model's newest for eviction.
    pub fn ceiling(&self, now_wall: UnixMicros) -> Option<UnixMicros> {
        self.newest.ceiling(now_wall)
    }

    /// The fetch for the next poll. `now_hint` is the viewer's clock: it
    /// bounds the very first poll. `vas_now` is VAS's time of the frame on
    /// screen, when the page knows it (the live clock follows VAS's clock,
    /// steps included): a quiet spell looks around it, or around the
    /// viewer's clock without it.
    pub fn next_fetch(&self, now_hint: UnixMicros, vas_now: Option<UnixMicros>) -> WindowFetch {
        let quiet_turn = self.quiet_turn();
        // Every bound on the shared grid (see `poll_grid`): viewers holding
        // the same rows ask for the same window.
        let around = |t: UnixMicros| {
            (
                poll_grid::floor_to(t.plus(-FIRST_LOOKBACK), CELL),
                poll_grid::ceil_to(t.plus(AHEAD), CELL),
            )
        };
        match self.newest.newest() {
            Some(_) if quiet_turn == Some(false) => {
                let (start, end) = around(vas_now.unwrap_or(now_hint));
                WindowFetch::new(&self.camera_id, start, end, MAX_PAGE_LIMIT)
                    .with_known_lost(&self.lost_instants)
            }
            Some(_) if quiet_turn == Some(true) => {
                WindowFetch::new(&self.camera_id, UnixMicros(0), FAR_FUTURE, 100)
                    .with_max_requests(1)
            }
            Some(newest) => {
                let end = poll_grid::ceil_to(newest.max(now_hint).plus(AHEAD), CELL);
                WindowFetch::new(&self.camera_id, self.window_start(newest), end, MAX_PAGE_LIMIT)
                    .with_known_lost(&self.lost_instants)
            }
            None if !self.first_found_nothing => {
                let (start, end) = around(now_hint);
                WindowFetch::new(&self.camera_id, start, end, MAX_PAGE_LIMIT)
            }
            // Newest 100 rows of all time, one request: enough to anchor on VAS's clock.
            None => WindowFetch::new(&self.camera_id, UnixMicros(0), FAR_FUTURE, 100)
                .with_max_requests(1),
        }
    }

    /// Where a regular poll's window starts: the margin (on its grid) before
    /// "newest", rounded down to the cell.
    fn window_start(&self, newest: UnixMicros) -> UnixMicros {
        poll_grid::floor_to(newest.plus(-self.margin()), CELL)
    }

    /// Whether the next poll is a quiet spell's look elsewhere: Some(false)
    /// around the frame on screen, Some(true) at the newest rows of all time.
    fn quiet_turn(&self) -> Option<bool> {
        self.newest.newest()?;
        match self.quiet_polls.checked_sub(QUIET_POLLS) {
            Some(q) if q % QUIET_EVERY == 0 => Some((q / QUIET_EVERY) % 2 == 1),
            _ => None,
        }
    }

    /// The count probe due after the poll that started at `poll_started`
    /// (the viewer's wall clock), if any: after the poll of every
    /// [`SWEEP_EVERY`]th cell, the same cells for every viewer.
    pub fn next_sweep(&self, poll_started: UnixMicros) -> Option<SweepProbe> {
        let newest = self.newest.newest()?;
        // Not before a probe period of polls: a margin still learning would
        // take rows not yet fetched for missed ones, and double for nothing.
        if self.stats.polls < SWEEP_EVERY as u64
            || poll_grid::cell_of(poll_started).rem_euclid(SWEEP_EVERY) != SWEEP_PHASE
        {
            return None;
        }
        // Right behind the window, whatever the margin: a band ending where
        // the margin starts (a margin of 30 s, which sweeps that find missed
        // rows soon reach) would be empty, find nothing, and so never let
        // the margin sink again.
        let behind = self.window_start(newest).plus(-1);
        let band = (behind.plus(-SWEEP_MARGIN + 1), behind);
        let query = EventQuery {
            camera_id: self.camera_id.clone(),
            model_id: None,
            start: band.0,
            end: band.1,
            limit: 1,
            offset: 0,
        };
        Some(SweepProbe { query, band })
    }

    /// Compares a probe's `total` with the rows the store holds in its band.
    /// When rows are missing, returns the fetch that brings them and doubles
    /// the margin; an empty answer (which may hide a database fault) proves nothing.
    pub fn on_sweep(
        &mut self,
        probe: &SweepProbe,
        total: u64,
        held_in_band: u64,
    ) -> Option<WindowFetch> {
        let (lo, hi) = probe.band;
        let unavailable =
            self.lost_instants.iter().filter(|t| **t >= lo && **t <= hi).count() as u64;
        if total > held_in_band + unavailable {
            self.lateness.missed_rows_found();
            Some(WindowFetch::new(&self.camera_id, lo, hi, MAX_PAGE_LIMIT))
        } else {
            if total > 0 {
                self.lateness.nothing_missed();
            }
            None
        }
    }

    /// Records instants a fetch gave up (poison rows), so probes do not chase them.
    pub fn on_lost(&mut self, lost: &[(UnixMicros, UnixMicros)]) {
        for (a, b) in lost {
            if a == b && !self.lost_instants.contains(a) {
                self.lost_instants.push(*a);
            }
        }
        // Bounded: only recent instants matter to probes.
        if self.lost_instants.len() > 64 {
            self.lost_instants.drain(..self.lost_instants.len() - 64);
        }
    }

    /// Records a finished poll: the rows that were new to the store, at the
    /// viewer's wall clock `now_wall` and monotonic clock `now_mono`;
    /// `vas_now` as for [`Self::next_fetch`].
    pub fn on_poll_done(
        &mut self,
        new_rows: &[RowSeen],
        now_wall: UnixMicros,
        now_mono: Micros,
        vas_now: Option<UnixMicros>,
    ) {
        let regular = self.quiet_turn().is_none();
        let looked_from = self.last_start;
        self.stats.polls += 1;
        let before = self.newest.newest();
        // This poll's window started here (the margin has not changed since `next_fetch`).
        self.last_start = before.filter(|_| regular).map(|b| self.window_start(b));
        if new_rows.is_empty() && before.is_none() {
            self.first_found_nothing = true;
        }
        let ceiling = self.newest.ceiling(now_wall);
        let after = self.newest.on_rows(new_rows, now_wall, now_mono, vas_now.unwrap_or(now_wall));
        self.quiet_polls = if after != before { 0 } else { self.quiet_polls.saturating_add(1) };
        // Rows found by a regular poll lay within its margin: their lateness
        // is exact, unless "newest" changed clocks, or a row lies further
        // behind than any margin (a model's clock being replaced, not
        // lateness). A quiet spell's look searched elsewhere: it says nothing.
        if let (Some(before), Some(after), true) = (before, after, regular) {
            if after.since(before).unsigned_abs() <= WILD_GAP.unsigned_abs() {
                let credible = new_rows
                    .iter()
                    .map(|r| r.timestamp)
                    .filter(|t| ceiling.is_none_or(|c| *t <= c));
                // Rows behind the previous window were never looked at: a
                // window that widened finds them, but not how late they came.
                let looked_at = credible.filter(|t| looked_from.is_some_and(|from| *t >= from));
                let late = looked_at.map(|t| before.since(t)).filter(|l| *l <= MAX_MARGIN);
                if let Some(latest) = late.max() {
                    self.lateness.record(latest);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::events::window_fetch::sim::{drive, FakeVas, Row};
    use std::collections::HashSet;

    const MS: i64 = 1000;

    /// Rows of one model, as a poll reports them.
    fn seen(times: &[UnixMicros]) -> Vec<RowSeen> {
        times.iter().map(|t| RowSeen { model_id: "m".into(), timestamp: *t }).collect()
    }

    #[test]
    fn margin_adapts_to_observed_lateness() {
        let mut l = LatenessTracker::default();
        assert_eq!(l.margin(), INITIAL_MARGIN);
        l.record(10 * MS);
        assert_eq!(l.margin(), 115 * MS);
        l.record(800 * MS);
        assert_eq!(l.margin(), 1300 * MS);
        l.record(-5 * MS);
        assert_eq!(l.margin(), 1300 * MS);
        for _ in 0..SAMPLES {
            l.record(0);
        }
        assert_eq!(l.margin(), MIN_MARGIN, "old spikes age out");
        l.missed_rows_found();
        assert_eq!(l.margin(), 2 * MIN_MARGIN, "a probe that finds missed rows doubles the margin");
    }

    /// (probes that found missed rows, margin): the probe's band lies behind
    /// the margin, never empty, even at the largest margin probes set (its
    /// band was inverted from a 30 s margin on, and the margin stuck there).
    #[test]
    fn the_probe_band_stays_behind_the_margin() {
        let newest = UnixMicros(1_000_000 * MICROS_PER_SEC);
        let rows = [
            (0, 100 * MICROS_PER_MILLI),
            (1, 200 * MICROS_PER_MILLI),
            (9, SWEEP_MARGIN),
            (20, SWEEP_MARGIN),
        ];
        let sweep_cell = UnixMicros(SWEEP_PHASE * CELL);
        for (misses, margin) in rows {
            let mut poller = LivePoller::new("cam");
            for _ in 0..SWEEP_EVERY {
                poller.on_poll_done(&seen(&[newest]), newest, 0, None);
            }
            for _ in 0..misses {
                let probe = poller.next_sweep(sweep_cell).unwrap();
                assert!(poller.on_sweep(&probe, 1, 0).is_some());
            }
            assert_eq!(poller.margin(), margin, "{misses} misses");
            let probe = poller.next_sweep(sweep_cell).unwrap();
            let start = poll_grid::floor_to(newest.plus(-margin), CELL);
            assert_eq!(probe.band, (start.plus(-SWEEP_MARGIN), start.plus(-1)), "{misses} misses");
            assert!(
                poller.next_sweep(sweep_cell.plus(CELL)).is_none(),
                "probes only in their cells"
            );
            // A probe that finds every row held lets the margin sink.
            assert!(poller.on_sweep(&probe, 5, 5).is_none());
            assert!(
                poller.margin() < margin || margin == 100 * MICROS_PER_MILLI,
                "{misses} misses: {}",
                poller.margin()
            );
        }
    }

    /// (lateness recorded, margin): the largest lateness a poll can report
    /// (rows from the far end of the time range) overflowed the margin.
    #[test]
    fn extreme_lateness_gives_the_largest_margin() {
        let rows = [
            (i64::MAX, MAX_MARGIN),
            (i64::MAX / 2, MAX_MARGIN),
            (i64::MIN, MIN_MARGIN),
            (0, MIN_MARGIN),
        ];
        for (behind, margin) in rows {
            let mut l = LatenessTracker::default();
            l.record(behind);
            assert_eq!(l.margin(), margin, "{behind}");
        }
        let mut poller = LivePoller::new("cam");
        poller.on_poll_done(&seen(&[UnixMicros(0), UnixMicros(1)]), UnixMicros(1), 0, None);
        // A row further behind than any margin is another clock, not lateness.
        poller.on_poll_done(&seen(&[UnixMicros(i64::MIN)]), UnixMicros(1), 0, None);
        assert_eq!(poller.margin(), INITIAL_MARGIN);
    }

    /// Ids are `model-frame`.
    fn keep(store: &mut HashSet<String>, inserted: &[Row], ids: Vec<String>) -> Vec<RowSeen> {
        ids.into_iter()
            .filter(|id| store.insert(id.clone()))
            .map(|id| {
                let ts = inserted.iter().find(|r| r.id == id).unwrap().ts;
                RowSeen {
                    model_id: id.split('-').next().unwrap_or_default().to_owned(),
                    timestamp: ts,
                }
            })
            .collect()
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
            let mut fetch = poller.next_fetch(UnixMicros(now), None);
            let before = vas.requests;
            let (ids, _) = drive(&mut fetch, &mut vas, 3);
            requests += vas.requests - before;
            rows_received += ids.len();
            let new_times = keep(&mut store, &inserted, ids);
            poller.on_poll_done(&new_times, UnixMicros(now), step * 250 * MS, None);
            if let Some(probe) = poller.next_sweep(UnixMicros(now)) {
                let total = vas.answer(&probe.query).unwrap().total.unwrap();
                requests += 1;
                let (lo, hi) = probe.band;
                let held = inserted
                    .iter()
                    .filter(|r| r.ts >= lo && r.ts <= hi && store.contains(&r.id))
                    .count() as u64;
                if let Some(mut band) = poller.on_sweep(&probe, total, held) {
                    let before = vas.requests;
                    let (ids, _) = drive(&mut band, &mut vas, 3);
                    requests += vas.requests - before;
                    rows_received += ids.len();
                    keep(&mut store, &inserted, ids);
                }
            }
        }
        // The last rows may still be waiting for the next probe: one more, as time goes on.
        let all: HashSet<String> = inserted.iter().map(|r| r.id.clone()).collect();
        let missing_before_final_probe = all.difference(&store).count();
        assert!(missing_before_final_probe <= 40, "at most one probe period of slow rows pending");
        let probe = SweepProbe {
            query: EventQuery {
                camera_id: "cam".into(),
                model_id: None,
                start: UnixMicros(t0),
                end: UnixMicros(t0 + 70_000 * MS),
                limit: 1,
                offset: 0,
            },
            band: (UnixMicros(t0), UnixMicros(t0 + 70_000 * MS)),
        };
        let total = vas.answer(&probe.query).unwrap().total.unwrap();
        if let Some(mut band) = poller.on_sweep(&probe, total, store.len() as u64) {
            let (ids, _) = drive(&mut band, &mut vas, 3);
            keep(&mut store, &inserted, ids);
        }
        assert!(
            store == all,
            "every row, late ones included, reached the store ({} missing)",
            all.difference(&store).count()
        );
        // The slow model's rows lie up to about 820 ms behind the newest row held.
        assert!(
            poller.margin() >= 820 * MS && poller.margin() <= 2500 * MS,
            "margin {}",
            poller.margin()
        );
        // Overlap cost: rows fetched again because they were inside the margin.
        let refetched = rows_received as f64 / all.len() as f64 - 1.0;
        // The margin must cover the slowest model's lateness (here about 1.2 s
        // at 20 rows/s), and the window starts on the grid (half a cell
        // earlier on average), so each 250 ms poll re-reads about five times
        // what is new: (1.15 + 0.125) s x 20 rows/s / 5 new rows.
        assert!(refetched < 6.0, "refetch share {refetched}");
        assert!(requests < 300, "about one request per poll plus a probe every 5 s: {requests}");
    }

    /// What a clock fault did to a simulated live page.
    #[derive(Debug)]
    struct ClockRun {
        /// Seconds from each phase's start until "newest" was on VAS's clock
        /// of the moment for good (within 2 s of it).
        recovered_s: Vec<Option<f64>>,
        /// Rows on the clock the page follows, but never fetched.
        missing: usize,
        /// The largest lateness margin over the last 10 s.
        late_margin_s: f64,
    }

    /// Two models at 10 rows/s each (80 and 400 ms late) polled every 250 ms
    /// for 100 s; VAS stamps frame `t` with `t + vas_offset(model, t)`;
    /// `phases` are the instants at which recovery is timed. `wild` rows of
    /// the fast model are added once, 1 s apart, an hour ahead: at 5 s, or
    /// before the page opens when `wild_first`.
    fn clock_run(
        vas_offset: &dyn Fn(&str, i64) -> i64,
        phases: &[i64],
        wild: usize,
        wild_first: bool,
    ) -> ClockRun {
        let mut vas = FakeVas::new(Vec::new());
        let mut poller = LivePoller::new("cam");
        let mut store: HashSet<String> = HashSet::new();
        let mut inserted: Vec<Row> = Vec::new();
        let mut inserted_ids: HashSet<String> = HashSet::new();
        let t0 = 1_800_000_000_000 * MS;
        let mut recovered_s = vec![None; phases.len()];
        let mut late_margin_s: f64 = 0.0;
        for step in 0..400i64 {
            let now = t0 + step * 250 * MS;
            for frame in 0..=(step * 250 / 100) {
                let t = t0 + frame * 100 * MS;
                for (model, late) in [("fast", 80 * MS), ("slow", 400 * MS)] {
                    let id = format!("{model}-{frame}");
                    if t + late <= now && inserted_ids.insert(id.clone()) {
                        let row = Row {
                            ts: UnixMicros(t + vas_offset(model, t - t0)),
                            id,
                            poison: false,
                        };
                        vas.rows.push(row.clone());
                        inserted.push(row);
                    }
                }
            }
            if step == if wild_first { 0 } else { 20 } {
                for i in 0..wild {
                    let row = Row {
                        ts: UnixMicros(now + 3600 * MICROS_PER_SEC + i as i64 * MICROS_PER_SEC),
                        id: format!("fast-wild{i}"),
                        poison: false,
                    };
                    vas.rows.push(row.clone());
                    inserted.push(row);
                }
            }
            // The live clock gives the frame on screen VAS's time of the moment.
            let vas_now = UnixMicros(now + vas_offset("fast", now - t0));
            let (ids, _) =
                drive(&mut poller.next_fetch(UnixMicros(now), Some(vas_now)), &mut vas, 3);
            let new_rows = keep(&mut store, &inserted, ids);
            poller.on_poll_done(&new_rows, UnixMicros(now), step * 250 * MS, Some(vas_now));
            if step >= 360 {
                late_margin_s = late_margin_s.max(poller.margin() as f64 / MICROS_PER_SEC as f64);
            }
            if let Some(probe) = poller.next_sweep(UnixMicros(now)) {
                let total = vas.answer(&probe.query).unwrap().total.unwrap();
                let (lo, hi) = probe.band;
                let held = inserted
                    .iter()
                    .filter(|r| r.ts >= lo && r.ts <= hi && store.contains(&r.id))
                    .count() as u64;
                if let Some(mut band) = poller.on_sweep(&probe, total, held) {
                    let (ids, _) = drive(&mut band, &mut vas, 3);
                    keep(&mut store, &inserted, ids);
                }
            }
            // VAS's clock of the moment (the fast model's).
            let vas_now = now + vas_offset("fast", now - t0);
            let on_clock = poller
                .newest_held()
                .is_some_and(|n| n.since(UnixMicros(vas_now)).abs() <= 2 * MICROS_PER_SEC);
            // The phase this poll is in: recovery is the time from its start
            // to the first poll after which "newest" stayed on the clock.
            if let Some(i) = phases.iter().rposition(|p| now - t0 >= *p) {
                if !on_clock {
                    recovered_s[i] =
                        Some((now - t0 - phases[i] + 250 * MS) as f64 / MICROS_PER_SEC as f64);
                } else if recovered_s[i].is_none() {
                    recovered_s[i] = Some(0.0);
                }
            }
        }
        // Rows on the followed clock, present at the end: the last phase's, and a second behind the last probe.
        let last = t0 + phases.last().copied().unwrap_or(0);
        let end = t0 + 400 * 250 * MS;
        let missing = inserted
            .iter()
            .filter(|r| !r.id.contains("wild"))
            .filter(|r| {
                let frame: i64 = r.id.split('-').nth(1).unwrap().parse().unwrap();
                let t = t0 + frame * 100 * MS;
                t >= last
                    && t < end - 10 * MICROS_PER_SEC
                    && r.ts.0 == t + vas_offset(r.id.split('-').next().unwrap(), t - t0)
            })
            .filter(|r| !store.contains(&r.id))
            .count();
        ClockRun { recovered_s, missing, late_margin_s }
    }

    /// (fault, VAS's offset per model and time since the start, phases timed,
    /// wild rows and whether VAS holds them before the page opens, most
    /// seconds to recover in each phase). Recovery is timed from each phase's
    /// start; a quiet spell's look comes after 8 s, the model's new clock is
    /// taken at its second look 2 s later.
    #[test]
    fn clock_faults_recover_within_stated_times() {
        const S: i64 = MICROS_PER_SEC;
        const H: i64 = 3600 * S;
        let step = |ahead: i64| {
            move |_: &str, t: i64| if (30 * S..60 * S).contains(&t) { ahead } else { 0 }
        };
        type Offset = Box<dyn Fn(&str, i64) -> i64>;
        type Case<'a> = (&'a str, Offset, Vec<i64>, (usize, bool), Vec<f64>);
        let cases: Vec<Case> = vec![
            ("no fault", Box::new(|_: &str, _| 0), vec![0], (0, false), vec![1.0]),
            (
                "2 of a model's rows an hour ahead",
                Box::new(|_: &str, _| 0),
                vec![0],
                (2, false),
                vec![1.0],
            ),
            (
                "50 of a model's rows an hour ahead",
                Box::new(|_: &str, _| 0),
                vec![0],
                (50, false),
                vec![1.0],
            ),
            (
                "a page opened while VAS holds 50 of a model's rows an hour ahead",
                Box::new(|_: &str, _| 0),
                vec![0],
                (50, true),
                vec![1.0],
            ),
            (
                "one model's clock an hour ahead",
                Box::new(|m: &str, _| if m == "slow" { H } else { 0 }),
                vec![0],
                (0, false),
                vec![1.0],
            ),
            (
                "VAS's clock 1 h ahead for 30 s, then corrected",
                Box::new(step(H)),
                vec![0, 30 * S, 60 * S],
                (0, false),
                vec![1.0, 2.0, 11.0],
            ),
            (
                "VAS's clock 5 h ahead for 30 s, then corrected",
                Box::new(step(5 * H)),
                vec![0, 30 * S, 60 * S],
                (0, false),
                vec![1.0, 11.0, 11.0],
            ),
            (
                "VAS's clock 1 h behind for 30 s, then corrected",
                Box::new(step(-H)),
                vec![0, 30 * S, 60 * S],
                (0, false),
                vec![1.0, 11.0, 11.0],
            ),
        ];
        for (fault, offset, phases, (wild, wild_first), most) in cases {
            let run = clock_run(offset.as_ref(), &phases, wild, wild_first);
            for (i, (got, most)) in run.recovered_s.iter().zip(&most).enumerate() {
                assert!(
                    got.is_some_and(|s| s <= *most),
                    "{fault}, phase {i}: recovered after {got:?} s, stated {most} s ({run:?})"
                );
            }
            assert_eq!(run.missing, 0, "{fault}: rows lost ({run:?})");
            // The slow model is 400 ms late: a margin learned from a clock change would be a minute.
            assert!(
                run.late_margin_s <= 1.0,
                "{fault}: margin {} s at the end ({run:?})",
                run.late_margin_s
            );
        }
    }

    #[test]
    fn a_first_poll_that_finds_nothing_falls_back_to_the_newest_rows() {
        // The viewer's clock is a day off: the bounded first poll sees nothing.
        let rows: Vec<Row> = (0..50)
            .map(|i| Row { ts: UnixMicros(i * 100 * MS), id: format!("r{i}"), poison: false })
            .collect();
        let mut vas = FakeVas::new(rows);
        let mut poller = LivePoller::new("cam");
        let wrong_now = UnixMicros(86_400_000 * MS);
        let (ids, _) = drive(&mut poller.next_fetch(wrong_now, None), &mut vas, 3);
        assert!(ids.is_empty());
        poller.on_poll_done(&[], wrong_now, 0, None);
        let (ids, _) = drive(&mut poller.next_fetch(wrong_now, None), &mut vas, 3);
        assert_eq!(ids.len(), 50);
        poller.on_poll_done(
            &seen(&[UnixMicros(4900 * MS), UnixMicros(4800 * MS), UnixMicros(4700 * MS)]),
            wrong_now,
            0,
            None,
        );
        // Rows a day from the viewer's clock (and no frame on screen yet): a second poll must agree.
        assert_eq!(poller.newest_held(), None);
        let fetch = poller.next_fetch(wrong_now, None);
        assert_eq!(
            fetch.window(),
            (UnixMicros(0), FAR_FUTURE),
            "still the newest rows of all time"
        );
        poller.on_poll_done(&seen(&[UnixMicros(5000 * MS)]), wrong_now, 250 * MS, None);
        assert_eq!(poller.newest_held(), Some(UnixMicros(5000 * MS)));
        // One row from a model with a broken clock does not move the window.
        poller.on_poll_done(&seen(&[FAR_FUTURE]), wrong_now, 500 * MS, None);
        assert_eq!(poller.newest_held(), Some(UnixMicros(5000 * MS)));
        assert_eq!(crate::core::time::format_rfc3339_utc(FAR_FUTURE), "9999-12-31T23:59:59Z");
    }
}
