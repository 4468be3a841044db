//! Fetching every event of a time window from VAS's paged list, surviving its flaws.
//!
//! VAS pages newest first with no tie-breaker, and an insert between two
//! page requests shifts every later offset. So pages are walked by time, not
//! by offset: after a full page, the next request ends at the oldest
//! timestamp seen (inclusive, so rows sharing that instant are fetched again
//! and de-duplicated by id). Only when a whole page shares one instant are
//! offsets used, within that instant alone, checked against `total`.
//!
//! A poison row makes every page containing it fail the same way every time.
//! A window that fails with a server error is therefore split in two, and
//! the halves fetched: the half without the poison row succeeds, the other is
//! split again, down to a single microsecond, whose rows alone are given up.
//! When both halves of a split fail, a small request outside the window
//! tells a second poison row (the neighbour succeeds) from an outage (it
//! fails too: back off and retry later instead of splitting further).
//!
//! Pure state machine: the shell sends the requests it returns and feeds
//! back the outcomes; nothing here does I/O or reads a clock.

use std::collections::HashSet;

use crate::core::events::wire::{EventPage, EventQuery, WireEvent, MAX_PAGE_LIMIT};
use crate::core::time::UnixMicros;

/// How a request failed, as far as window fetching cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Network error, timeout, 401/403 (no CORS, so also a network error in a
    /// browser), 404, 422...: retrying the same request later may work.
    Transient,
    /// A server error tied to the window's content (VAS's JSON 500, a body that
    /// does not decode or is too large): a smaller window may work.
    Window,
}

/// What the shell should do after feeding an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Send `next_request()` now.
    Continue,
    /// Wait (per the caller's back-off), then send `next_request()`.
    BackOff,
    /// The window is complete (see `lost()` for anything given up).
    Done,
}

#[derive(Debug, Clone, PartialEq)]
enum Task {
    /// Walk `[start, cursor_end]` newest first by time.
    Walk { start: UnixMicros, cursor_end: UnixMicros, split: Option<u32> },
    /// Every row of one instant, by offset (only when a full page shared it).
    Ties { at: UnixMicros, offset: u64, attempts: u8 },
    /// A health check outside the failing window, then the two halves.
    Probe { at: UnixMicros, halves: Vec<Task> },
}

/// Fetches one window `[start, end]` (inclusive) of one camera.
#[derive(Debug, Clone)]
pub struct WindowFetch {
    camera_id: String,
    limit: u32,
    stack: Vec<Task>,
    current: Option<Task>,
    tie_ids: HashSet<String>,
    /// Split id -> failures among its two halves.
    split_failures: Vec<u8>,
    /// A failed half waiting for its sibling's first answer: split further if the
    /// sibling succeeds (the poison is in this half), probe if it fails too.
    pending: Vec<(u32, Task)>,
    requests: u32,
    max_requests: u32,
    lost: Vec<(UnixMicros, UnixMicros)>,
    window: (UnixMicros, UnixMicros),
}

/// Most requests one window may take before what is left is given up.
pub const DEFAULT_MAX_REQUESTS: u32 = 400;

/// During an outage, the most requests a window fetch sends before its first
/// back-off (the window, its two halves, the probe outside it); after that,
/// one request per back-off step.
pub const OUTAGE_REQUESTS_BEFORE_BACKOFF: u32 = 4;

impl WindowFetch {
    pub fn new(camera_id: &str, start: UnixMicros, end: UnixMicros, limit: u32) -> Self {
        let (start, end) = if start <= end { (start, end) } else { (end, start) };
        Self {
            camera_id: camera_id.to_owned(),
            limit: limit.clamp(1, MAX_PAGE_LIMIT),
            stack: vec![Task::Walk { start, cursor_end: end, split: None }],
            current: None,
            tie_ids: HashSet::new(),
            split_failures: Vec::new(),
            pending: Vec::new(),
            requests: 0,
            max_requests: DEFAULT_MAX_REQUESTS,
            lost: Vec::new(),
            window: (start, end),
        }
    }

    /// Instants already given up (poison rows found by an earlier fetch):
    /// the window is walked around them and they are reported lost without
    /// a request, so a live window that holds a poison row for seconds is
    /// not bisected down to it again on every poll. A poison row stays
    /// poison (VAS never rewrites a row).
    pub fn with_known_lost(mut self, instants: &[UnixMicros]) -> Self {
        let (start, end) = self.window;
        let mut inside: Vec<UnixMicros> =
            instants.iter().copied().filter(|t| *t >= start && *t <= end).collect();
        if inside.is_empty() || self.requests > 0 {
            return self;
        }
        inside.sort_unstable();
        inside.dedup();
        let mut walks = Vec::new();
        let mut from = Some(start);
        for p in inside {
            if let (Some(a), Some(b)) = (from, p.0.checked_sub(1)) {
                if a.0 <= b {
                    walks.push(Task::Walk { start: a, cursor_end: UnixMicros(b), split: None });
                }
            }
            self.lost.push((p, p));
            from = p.0.checked_add(1).map(UnixMicros);
        }
        if let Some(a) = from.filter(|a| *a <= end) {
            walks.push(Task::Walk { start: a, cursor_end: end, split: None });
        }
        // Newest first, as one walk would go: the stack pops from its end.
        self.stack = walks;
        self
    }

    pub fn with_max_requests(mut self, n: u32) -> Self {
        self.max_requests = n.max(1);
        self
    }

    /// The window being fetched.
    pub fn window(&self) -> (UnixMicros, UnixMicros) {
        self.window
    }

    /// Requests sent so far.
    pub fn requests(&self) -> u32 {
        self.requests
    }

    /// Sub-windows given up (poison rows, or the request budget ran out).
    pub fn lost(&self) -> &[(UnixMicros, UnixMicros)] {
        &self.lost
    }

    pub fn is_done(&self) -> bool {
        self.current.is_none() && self.stack.is_empty() && self.pending.is_empty()
    }

    /// The next request to send, or `None` when the window is complete.
    pub fn next_request(&mut self) -> Option<EventQuery> {
        if self.current.is_none() {
            self.current = self.stack.pop();
        }
        if self.requests >= self.max_requests {
            // Out of budget: give up what is left rather than loop for ever.
            let pending = self.pending.drain(..).map(|(_, t)| t);
            let left: Vec<Task> = self
                .current
                .take()
                .into_iter()
                .chain(self.stack.drain(..))
                .chain(pending)
                .collect();
            for t in left {
                self.lost.push(task_span(&t));
            }
            return None;
        }
        let q = match self.current.as_ref()? {
            Task::Walk { start, cursor_end, .. } => self.query(*start, *cursor_end, 0, self.limit),
            // One instant is fetched with the largest page VAS allows, so that unless more than
            // 1000 rows share one microsecond, a single request holds them all whatever their order.
            Task::Ties { at, offset, .. } => self.query(*at, *at, *offset, MAX_PAGE_LIMIT),
            Task::Probe { at, .. } => self.query(*at, *at, 0, 1),
        };
        self.requests += 1;
        Some(q)
    }

    fn query(&self, start: UnixMicros, end: UnixMicros, offset: u64, limit: u32) -> EventQuery {
        EventQuery { camera_id: self.camera_id.clone(), model_id: None, start, end, limit, offset }
    }

    /// Feeds the outcome of the last request; returns the usable events and what to do next.
    pub fn on_result(
        &mut self,
        result: Result<EventPage, FailureKind>,
    ) -> (Vec<WireEvent>, Action) {
        let Some(task) = self.current.take() else { return (Vec::new(), self.done_or_continue()) };
        match result {
            Ok(page) => {
                let events = self.on_page(task, &page);
                (events.unwrap_or(page.events), self.done_or_continue())
            }
            Err(FailureKind::Transient) => {
                // Same request again after the back-off.
                self.current = Some(task);
                (Vec::new(), Action::BackOff)
            }
            Err(FailureKind::Window) => (Vec::new(), self.on_window_error(task)),
        }
    }

    fn done_or_continue(&self) -> Action {
        if self.is_done() {
            Action::Done
        } else {
            Action::Continue
        }
    }

    /// Advances the task after a good page. Returns replacement events when
    /// the page's events must not all be passed on (never, today: duplicates
    /// are harmless because the store de-duplicates by id).
    fn on_page(&mut self, task: Task, page: &EventPage) -> Option<Vec<WireEvent>> {
        let full = page.raw_len >= self.limit as usize;
        match task {
            Task::Walk { start, cursor_end, split } => {
                if let Some(id) = split {
                    // The sibling answers: a half that failed is the poisoned one; split it.
                    if let Some(i) = self.pending.iter().position(|(p, _)| *p == id) {
                        let (_, failed) = self.pending.remove(i);
                        let halves = split_all(vec![failed], &mut self.split_failures);
                        self.stack.extend(halves);
                    }
                }
                if !full {
                    return None;
                }
                let oldest = page.events.iter().map(|e| e.timestamp).min();
                let newest = page.events.iter().map(|e| e.timestamp).max();
                match (oldest, newest) {
                    // A full page of undecodable rows: nothing to step by. Give the span up.
                    (None, _) | (_, None) => self.lost.push((start, cursor_end)),
                    (Some(o), Some(n)) if o == n => {
                        // The whole page is one instant: walk it by offset, then go on below it.
                        if o > start {
                            self.stack.push(Task::Walk { start, cursor_end: o.plus(-1), split });
                        }
                        self.tie_ids.clear();
                        self.stack.push(Task::Ties { at: o, offset: 0, attempts: 0 });
                    }
                    (Some(o), Some(_)) => {
                        self.stack.push(Task::Walk { start, cursor_end: o, split })
                    }
                }
                None
            }
            Task::Ties { at, offset, attempts } => {
                self.tie_ids.extend(page.events.iter().map(|e| e.id.clone()));
                if page.raw_len >= MAX_PAGE_LIMIT as usize {
                    self.stack.push(Task::Ties {
                        at,
                        offset: offset + u64::from(MAX_PAGE_LIMIT),
                        attempts,
                    });
                } else if page.total.is_some_and(|t| (self.tie_ids.len() as u64) < t)
                    && attempts < 3
                {
                    // Rows were inserted at this instant while it was walked and
                    // shifted the offsets: walk it again (duplicates are harmless).
                    self.stack.push(Task::Ties { at, offset: 0, attempts: attempts + 1 });
                }
                None
            }
            Task::Probe { halves, .. } => {
                // The API answers outside the window: the failures are the window's
                // own (more than one poison row). Split both halves further.
                let halves = split_all(halves, &mut self.split_failures);
                self.stack.extend(halves);
                None
            }
        }
    }

    fn on_window_error(&mut self, task: Task) -> Action {
        match task {
            Task::Walk { start, cursor_end, split } => {
                if start >= cursor_end {
                    self.lost.push((start, cursor_end));
                    return self.done_or_continue();
                }
                if let Some(id) = split {
                    self.split_failures[id as usize] += 1;
                    let failed = Task::Walk { start, cursor_end, split: None };
                    let sibling_waiting = self
                        .stack
                        .iter()
                        .any(|t| matches!(t, Task::Walk { split: Some(s), .. } if *s == id));
                    if self.split_failures[id as usize] == 1 && sibling_waiting {
                        // Hear from the sibling before splitting further.
                        self.pending.push((id, failed));
                        return Action::Continue;
                    }
                    if let Some(i) = self.pending.iter().position(|(p, _)| *p == id) {
                        // Both halves failed. Is the API down, or are there two poison rows?
                        // Ask for one row just before the whole window: a neighbour.
                        let (_, other) = self.pending.remove(i);
                        let at = self.window.0.plus(-1);
                        self.stack.push(Task::Probe { at, halves: vec![failed, other] });
                        return Action::Continue;
                    }
                }
                let id = self.split_failures.len() as u32;
                self.split_failures.push(0);
                let mid = midpoint(start, cursor_end);
                // Older half pushed first so the newer half is fetched first.
                self.stack.push(Task::Walk { start, cursor_end: mid, split: Some(id) });
                self.stack.push(Task::Walk { start: mid.plus(1), cursor_end, split: Some(id) });
                Action::Continue
            }
            Task::Ties { at, .. } => {
                // A failing instant: only its own rows are lost.
                self.lost.push((at, at));
                self.done_or_continue()
            }
            Task::Probe { halves, at } => {
                // The neighbour fails too: an outage, not poison. Retry later as it was.
                self.current = Some(Task::Probe { halves, at });
                Action::BackOff
            }
        }
    }
}

/// Replaces each failing half by its own two halves (fresh split ids).
fn split_all(halves: Vec<Task>, split_failures: &mut Vec<u8>) -> Vec<Task> {
    let mut out = Vec::new();
    for h in halves {
        match h {
            Task::Walk { start, cursor_end, .. } if start < cursor_end => {
                let id = split_failures.len() as u32;
                split_failures.push(0);
                let mid = midpoint(start, cursor_end);
                out.push(Task::Walk { start, cursor_end: mid, split: Some(id) });
                out.push(Task::Walk { start: mid.plus(1), cursor_end, split: Some(id) });
            }
            Task::Walk { start, cursor_end, .. } => {
                out.push(Task::Ties { at: start.min(cursor_end), offset: 0, attempts: 0 })
            }
            other => out.push(other),
        }
    }
    out
}

/// The middle of `[start, end]` (`start < end`), rounded down, so that
/// `[start, mid]` and `[mid + 1, end]` split it. Widened to `i128`: a window
/// can span more than `i64` holds (`end - start` overflows for times from
/// opposite ends of the range), and the halves must still be exact.
fn midpoint(start: UnixMicros, end: UnixMicros) -> UnixMicros {
    UnixMicros(start.0 + ((i128::from(end.0) - i128::from(start.0)) / 2) as i64)
}

fn task_span(t: &Task) -> (UnixMicros, UnixMicros) {
    match t {
        Task::Walk { start, cursor_end, .. } => (*start, *cursor_end),
        Task::Ties { at, .. } => (*at, *at),
        Task::Probe { halves, at } => {
            let spans: Vec<_> = halves.iter().map(task_span).collect();
            let lo = spans.iter().map(|s| s.0).min().unwrap_or(*at);
            let hi = spans.iter().map(|s| s.1).max().unwrap_or(*at);
            (lo, hi)
        }
    }
}

#[cfg(test)]
pub(crate) mod sim {
    //! A simulated VAS list endpoint with its real flaws, for tests.

    use super::*;
    use serde_json::json;

    /// A stored row: time, id, and whether it is a poison row.
    #[derive(Clone)]
    pub struct Row {
        pub ts: UnixMicros,
        pub id: String,
        pub poison: bool,
    }

    /// Called with the rows and the request number before each answer.
    pub type InsertHook = Box<dyn FnMut(&mut Vec<Row>, u32)>;

    pub struct FakeVas {
        pub rows: Vec<Row>,
        pub down: bool,
        pub requests: u32,
        /// Called before each answer: may insert rows (rows arriving while a client pages).
        pub before_answer: Option<InsertHook>,
        seed: u64,
    }

    impl FakeVas {
        pub fn new(rows: Vec<Row>) -> Self {
            Self {
                rows,
                down: false,
                requests: 0,
                before_answer: None,
                seed: 0x9e37_79b9_7f4a_7c15,
            }
        }

        fn next_rand(&mut self) -> u64 {
            // xorshift64*: deterministic, good enough to shuffle ties.
            self.seed ^= self.seed >> 12;
            self.seed ^= self.seed << 25;
            self.seed ^= self.seed >> 27;
            self.seed.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        pub fn answer(&mut self, q: &EventQuery) -> Result<EventPage, FailureKind> {
            self.requests += 1;
            if let Some(mut hook) = self.before_answer.take() {
                hook(&mut self.rows, self.requests);
                self.before_answer = Some(hook);
            }
            if self.down {
                return Err(FailureKind::Transient);
            }
            let mut matching: Vec<(Row, u64)> = Vec::new();
            let rows = self.rows.clone();
            for r in rows.into_iter().filter(|r| r.ts >= q.start && r.ts <= q.end) {
                let k = self.next_rand();
                matching.push((r, k));
            }
            // Newest first, ties in an order that changes on every request (no tie-breaker).
            matching.sort_by(|a, b| b.0.ts.cmp(&a.0.ts).then(a.1.cmp(&b.1)));
            let total = matching.len() as u64;
            let page: Vec<Row> = matching
                .into_iter()
                .skip(q.offset as usize)
                .take(q.limit as usize)
                .map(|(r, _)| r)
                .collect();
            if page.iter().any(|r| r.poison) {
                return Err(FailureKind::Window);
            }
            let events: Vec<WireEvent> = page
                .iter()
                .map(|r| WireEvent {
                    id: r.id.clone(),
                    camera_id: Some("cam".into()),
                    model_id: "m".into(),
                    timestamp: r.ts,
                    frame_id: None,
                    detections: json!({}),
                    confidence: None,
                    event_metadata: None,
                })
                .collect();
            Ok(EventPage { raw_len: events.len(), events, skipped: 0, total: Some(total) })
        }
    }

    /// Drives a fetch against the fake to completion; returns (ids collected, back-offs).
    pub fn drive(
        fetch: &mut WindowFetch,
        vas: &mut FakeVas,
        max_backoffs: u32,
    ) -> (Vec<String>, u32) {
        let mut ids = Vec::new();
        let mut backoffs = 0;
        while let Some(q) = fetch.next_request() {
            let (events, action) = fetch.on_result(vas.answer(&q));
            ids.extend(events.into_iter().map(|e| e.id));
            match action {
                Action::Done => break,
                Action::BackOff => {
                    backoffs += 1;
                    if backoffs >= max_backoffs {
                        break;
                    }
                }
                Action::Continue => {}
            }
        }
        (ids, backoffs)
    }
}

#[cfg(test)]
mod tests {
    use super::sim::*;
    use super::*;
    use std::collections::HashSet;

    const S: i64 = 1_000_000;

    fn rows_every(ms: i64, count: i64, per_instant: usize) -> Vec<Row> {
        let mut rows = Vec::new();
        for i in 0..count {
            for k in 0..per_instant {
                rows.push(Row {
                    ts: UnixMicros(i * ms * 1000),
                    id: format!("r{i}-{k}"),
                    poison: false,
                });
            }
        }
        rows
    }

    /// (window, the newer half asked for after the window fails): the split
    /// of windows whose width overflows `i64` (it panicked or wrapped before).
    #[test]
    fn windows_of_any_width_split_in_two() {
        let rows: [((i64, i64), (i64, i64)); 5] = [
            ((0, 10), (6, 10)),
            ((-3, -2), (-2, -2)),
            ((i64::MIN, i64::MAX), (0, i64::MAX)),
            ((i64::MIN, i64::MIN + 1), (i64::MIN + 1, i64::MIN + 1)),
            (
                (-5_000_000_000_000_000_000, 5_000_000_000_000_000_000),
                (1, 5_000_000_000_000_000_000),
            ),
        ];
        for ((start, end), (lo, hi)) in rows {
            let mut f = WindowFetch::new("cam", UnixMicros(start), UnixMicros(end), 100);
            f.next_request().unwrap();
            assert_eq!(f.on_result(Err(FailureKind::Window)).1, Action::Continue);
            let q = f.next_request().unwrap();
            assert_eq!((q.start.0, q.end.0), (lo, hi), "{start}..{end}");
        }
    }

    /// (poison instants, known ones): a window walked around the instants
    /// already given up costs no request for them, and still every other row.
    #[test]
    fn known_poison_instants_are_walked_around_without_a_request() {
        let rows_for = |poison: &[i64]| {
            let mut rows = rows_every(100, 60, 1);
            rows.extend(poison.iter().map(|p| Row {
                ts: UnixMicros(*p),
                id: format!("poison-{p}"),
                poison: true,
            }));
            rows
        };
        let cases: [(&[i64], &[i64]); 5] = [
            (&[2 * S], &[2 * S]),
            (&[2 * S, 4 * S + 1], &[4 * S + 1, 2 * S, 2 * S]),
            (&[0], &[0]),
            (&[6 * S], &[6 * S]),
            (&[2 * S], &[-S, 9 * S]),
        ];
        for (poison, known) in cases {
            let rows = rows_for(poison);
            // A row sharing a poison row's microsecond is given up with it.
            let good: HashSet<String> =
                rows.iter().filter(|r| !poison.contains(&r.ts.0)).map(|r| r.id.clone()).collect();
            let known: Vec<UnixMicros> = known.iter().map(|t| UnixMicros(*t)).collect();
            let mut cold = WindowFetch::new("cam", UnixMicros(0), UnixMicros(6 * S), 1000);
            let (ids, _) = drive(&mut cold, &mut FakeVas::new(rows.clone()), 3);
            assert_eq!(ids.iter().cloned().collect::<HashSet<_>>(), good, "{poison:?}: cold");
            let mut warm = WindowFetch::new("cam", UnixMicros(0), UnixMicros(6 * S), 1000)
                .with_known_lost(&known);
            let (ids, _) = drive(&mut warm, &mut FakeVas::new(rows), 3);
            assert_eq!(
                ids.iter().cloned().collect::<HashSet<_>>(),
                good,
                "{poison:?} known {known:?}: warm"
            );
            let lost: HashSet<_> = warm.lost().iter().copied().collect();
            let cold_lost: HashSet<_> = cold.lost().iter().copied().collect();
            assert!(cold_lost.is_subset(&lost), "{poison:?}: {lost:?} misses {cold_lost:?}");
            let all_known = poison.iter().all(|p| known.contains(&UnixMicros(*p)));
            if all_known {
                assert!(
                    warm.requests() <= poison.len() as u32 + 1,
                    "{poison:?}: {} requests (cold {})",
                    warm.requests(),
                    cold.requests()
                );
                assert!(
                    cold.requests() > 10,
                    "{poison:?}: the cold fetch bisected ({})",
                    cold.requests()
                );
            }
        }
    }

    #[test]
    fn walks_pages_by_time_without_losing_ties() {
        // 2000 rows, 5 per instant, pages of 100 whose boundaries fall inside tie groups.
        let rows = rows_every(100, 400, 5);
        let all: HashSet<String> = rows.iter().map(|r| r.id.clone()).collect();
        let mut vas = FakeVas::new(rows);
        let mut f = WindowFetch::new("cam", UnixMicros(0), UnixMicros(60 * S), 97);
        let (ids, backoffs) = drive(&mut f, &mut vas, 5);
        let got: HashSet<String> = ids.iter().cloned().collect();
        assert_eq!(got, all);
        assert_eq!(backoffs, 0);
        assert!(f.lost().is_empty());
        // Refetching boundary ties costs a little: report it.
        let overlap = ids.len() as f64 / all.len() as f64 - 1.0;
        assert!(overlap < 0.1, "overlap {overlap}");
    }

    #[test]
    fn a_page_of_one_instant_is_walked_by_offset() {
        // 350 rows at one instant plus a few around it; limit 100.
        let mut rows = rows_every(100, 10, 1);
        rows.extend((0..350).map(|k| Row {
            ts: UnixMicros(555_000),
            id: format!("tie{k}"),
            poison: false,
        }));
        let all: HashSet<String> = rows.iter().map(|r| r.id.clone()).collect();
        let mut vas = FakeVas::new(rows);
        let mut f = WindowFetch::new("cam", UnixMicros(0), UnixMicros(S), 100);
        let (ids, _) = drive(&mut f, &mut vas, 5);
        assert_eq!(ids.into_iter().collect::<HashSet<_>>(), all);
    }

    #[test]
    fn rows_inserted_while_paging_lose_and_double_nothing() {
        // Many shared timestamps; before every answer, 7 rows are inserted inside
        // the window, some at instants already being paged, shifting offsets.
        let rows = rows_every(10, 1500, 4);
        let before: HashSet<String> = rows.iter().map(|r| r.id.clone()).collect();
        let mut vas = FakeVas::new(rows);
        vas.before_answer = Some(Box::new(|rows: &mut Vec<Row>, n: u32| {
            for k in 0..7 {
                let ts = UnixMicros(((n as i64 * 37 + k * 13) % 1500) * 10_000);
                rows.push(Row { ts, id: format!("late{n}-{k}"), poison: false });
            }
        }));
        let mut f = WindowFetch::new("cam", UnixMicros(0), UnixMicros(20 * S), 100);
        let (ids, _) = drive(&mut f, &mut vas, 5);
        let got: HashSet<String> = ids.iter().cloned().collect();
        assert!(before.is_subset(&got), "lost {} rows", before.difference(&got).count());
        // Duplicates in the stream exist (refetched boundaries) but the store keeps each id once.
        let mut store = crate::core::events::event_store::EventStore::default();
        let events: Vec<WireEvent> = ids
            .iter()
            .map(|id| WireEvent {
                id: id.clone(),
                camera_id: None,
                model_id: "m".into(),
                timestamp: UnixMicros(0),
                frame_id: None,
                detections: serde_json::json!({}),
                confidence: None,
                event_metadata: None,
            })
            .collect();
        store.ingest(events);
        assert_eq!(store.len(), got.len());
    }

    #[test]
    fn a_poison_row_costs_only_its_own_instant() {
        // 10 events per second for a minute; a poison row at 31.4 s sharing its instant with a good row.
        let mut rows = rows_every(100, 600, 1);
        let poison_at = UnixMicros(31_400_000);
        rows.push(Row { ts: poison_at, id: "poison".into(), poison: true });
        let good: HashSet<String> =
            rows.iter().filter(|r| r.ts != poison_at).map(|r| r.id.clone()).collect();
        let mut vas = FakeVas::new(rows);
        let mut f = WindowFetch::new("cam", UnixMicros(0), UnixMicros(60 * S), 100);
        let (ids, backoffs) = drive(&mut f, &mut vas, 5);
        let got: HashSet<String> = ids.into_iter().collect();
        assert_eq!(got, good, "everything outside the poison instant arrives");
        assert_eq!(f.lost(), &[(poison_at, poison_at)]);
        assert_eq!(backoffs, 0);
        assert!(f.requests() < 80, "bisection took {} requests", f.requests());
    }

    #[test]
    fn two_poison_rows_in_both_halves_are_both_isolated() {
        let mut rows = rows_every(100, 600, 1);
        let (p1, p2) = (UnixMicros(10_050_000), UnixMicros(50_050_000));
        rows.push(Row { ts: p1, id: "p1".into(), poison: true });
        rows.push(Row { ts: p2, id: "p2".into(), poison: true });
        let good: HashSet<String> =
            rows.iter().filter(|r| !r.poison).map(|r| r.id.clone()).collect();
        let mut vas = FakeVas::new(rows);
        let mut f = WindowFetch::new("cam", UnixMicros(0), UnixMicros(60 * S), 1000);
        let (ids, _) = drive(&mut f, &mut vas, 5);
        assert_eq!(ids.into_iter().collect::<HashSet<_>>(), good);
        let mut lost = f.lost().to_vec();
        lost.sort();
        assert_eq!(lost, vec![(p1, p1), (p2, p2)]);
    }

    #[test]
    fn an_outage_backs_off_instead_of_splitting_for_ever() {
        let mut vas = FakeVas::new(rows_every(100, 600, 1));
        vas.down = true;
        let mut f = WindowFetch::new("cam", UnixMicros(0), UnixMicros(60 * S), 100);
        let (_, backoffs) = drive(&mut f, &mut vas, 3);
        assert_eq!(backoffs, 3);
        assert_eq!(vas.requests, 3, "one request per back-off, no splitting on transient errors");
        // The API comes back: the same fetch completes.
        vas.down = false;
        let (ids, _) = drive(&mut f, &mut vas, 3);
        assert_eq!(ids.into_iter().collect::<HashSet<_>>().len(), 600);
    }

    #[test]
    fn a_server_error_outage_is_told_from_poison_by_the_probe() {
        // Every list request fails with a JSON 500 (database down): after one split
        // both halves fail, the probe outside fails too, and the fetch backs off.
        let mut f = WindowFetch::new("cam", UnixMicros(0), UnixMicros(60 * S), 100);
        let mut sent = 0;
        let mut action = Action::Continue;
        while action == Action::Continue {
            f.next_request().unwrap();
            sent += 1;
            action = f.on_result(Err(FailureKind::Window)).1;
        }
        assert_eq!(action, Action::BackOff);
        assert_eq!(sent, OUTAGE_REQUESTS_BEFORE_BACKOFF, "window, two halves, probe");
        // From then on, one request per back-off step, however long it lasts.
        for _ in 0..20 {
            f.next_request().unwrap();
            assert_eq!(f.on_result(Err(FailureKind::Window)).1, Action::BackOff);
        }
        assert!(f.lost().is_empty(), "nothing is given up during an outage");
    }

    #[test]
    fn the_request_budget_bounds_the_work() {
        let mut f =
            WindowFetch::new("cam", UnixMicros(0), UnixMicros(60 * S), 100).with_max_requests(10);
        let mut vas = FakeVas::new(rows_every(10, 6000, 1));
        let (_, _) = drive(&mut f, &mut vas, 3);
        assert!(f.is_done());
        assert_eq!(f.requests(), 10);
        assert!(!f.lost().is_empty(), "what was left is reported as lost");
    }
}
