//! The event store: normalized events per model, sorted by time, de-duplicated by id, bounded.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use crate::core::events::detection::{normalize_payload, Detection};
use crate::core::events::wire::WireEvent;
use crate::core::time::{Micros, UnixMicros, MICROS_PER_SEC};

/// An event as the overlay needs it: payload normalized once, at ingest.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub id: String,
    pub timestamp: UnixMicros,
    pub frame_id: Option<i64>,
    pub detections: Vec<Detection>,
}

/// How much the store may hold. Each bound evicts the oldest events first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoreLimits {
    /// Most events held across all models.
    pub max_events: usize,
    /// Longest span kept per model, measured back from that model's own
    /// newest confirmed time (see [`ModelTimeline::anchor`]).
    pub max_span: Micros,
    /// Most bytes held (the store's own accounting, [`stored_bytes`]): what
    /// bounds memory when a model is dense (1,000 boxes an event is about
    /// 130 KB an event).
    pub max_bytes: usize,
}

impl Default for StoreLimits {
    /// For the clip and recordings pages, whose windows are bounded by the
    /// playhead too: 30 events/s for 30 minutes, and 96 MB.
    fn default() -> Self {
        Self { max_events: 60_000, max_span: 30 * 60 * MICROS_PER_SEC, max_bytes: 96 * 1024 * 1024 }
    }
}

impl StoreLimits {
    /// For live viewing: two minutes back is plenty for holds and trails, and
    /// keeps memory flat over hours; 32 MB holds about 25 s of a model with
    /// 1,000 boxes an event at 10 events/s, and all two minutes of ordinary ones.
    pub fn live() -> Self {
        Self { max_events: 20_000, max_span: 120 * MICROS_PER_SEC, max_bytes: 32 * 1024 * 1024 }
    }
}

/// The heap bytes one stored event accounts for: the event, its id (held
/// twice: the event and the id index), the index entry, and its detections
/// with their labels and keypoints.
pub fn stored_bytes(e: &StoredEvent) -> usize {
    use std::mem::size_of;
    size_of::<StoredEvent>()
        + 2 * size_of::<usize>() // Rc counts
        + 2 * e.id.len()
        + size_of::<(String, (Rc<str>, UnixMicros))>()
        + e.detections
            .iter()
            .map(|d| size_of::<Detection>() + d.label.len() + d.keypoints.len() * size_of::<crate::core::events::detection::NormPoint>())
            .sum::<usize>()
}

/// How many events must agree before the store's notion of "newest" moves.
pub const ANCHOR_RANK: usize = 3;

/// One model's events, sorted by `(timestamp, id)`.
#[derive(Debug, Clone, Default)]
pub struct ModelTimeline {
    events: Vec<Rc<StoredEvent>>,
    /// `events[i].timestamp`, kept beside them: a binary search then reads 8
    /// contiguous bytes per probe instead of following a pointer into the
    /// heap, which keeps a query's cost logarithmic in practice too (cache
    /// misses, not comparisons, dominate in a large store).
    times: Vec<UnixMicros>,
    /// Median spacing of recent events, refreshed on every ingest.
    median_interval: Option<Micros>,
}

impl ModelTimeline {
    pub fn events(&self) -> &[Rc<StoredEvent>] {
        &self.events
    }

    /// Median spacing between this model's consecutive events (its analysis rate), if known.
    pub fn median_interval(&self) -> Option<Micros> {
        self.median_interval
    }

    /// This model's newest time confirmed by several of its events: the
    /// `ANCHOR_RANK`-th newest (or the oldest, with fewer). One or two wild
    /// timestamps of the model cannot move it, and a model whose clock is
    /// wrong moves only its own anchor, so it can evict only its own events.
    pub fn anchor(&self) -> Option<UnixMicros> {
        self.anchor_under(None)
    }

    /// The anchor counting only events at or below `ceiling` (rows above it
    /// are wild on the live page's agreed clock, see
    /// `credible_newest::CredibleNewest::ceiling`); a model with none below
    /// is on a clock of its own and keeps its own anchor.
    pub fn anchor_under(&self, ceiling: Option<UnixMicros>) -> Option<UnixMicros> {
        let n = match ceiling.map(|c| self.first_after(c)) {
            Some(under) if under > 0 => under,
            _ => self.times.len(),
        };
        self.times.get(n.saturating_sub(ANCHOR_RANK)).copied()
    }

    /// Index of the first event with `timestamp >= t` (binary search).
    pub fn first_at_or_after(&self, t: UnixMicros) -> usize {
        self.times.partition_point(|x| *x < t)
    }

    /// Index of the first event with `timestamp > t` (binary search).
    pub fn first_after(&self, t: UnixMicros) -> usize {
        self.times.partition_point(|x| *x <= t)
    }

    /// Events with `from <= timestamp <= to`.
    pub fn between(&self, from: UnixMicros, to: UnixMicros) -> &[Rc<StoredEvent>] {
        let lo = self.first_at_or_after(from);
        let hi = self.first_after(to);
        &self.events[lo..hi.max(lo)]
    }

    /// Inserts in `(timestamp, id)` order.
    fn insert(&mut self, event: Rc<StoredEvent>) {
        let t = event.timestamp;
        // Events mostly arrive in time order, so this is usually an append.
        let at = if self.times.last().is_none_or(|last| *last < t) {
            self.times.len()
        } else {
            let (lo, hi) = (self.first_at_or_after(t), self.first_after(t));
            lo + self.events[lo..hi].partition_point(|e| e.id < event.id)
        };
        self.times.insert(at, t);
        self.events.insert(at, event);
    }

    /// Removes the `n` oldest events and returns them.
    fn drain_oldest(&mut self, n: usize) -> std::vec::Drain<'_, Rc<StoredEvent>> {
        self.times.drain(..n);
        self.events.drain(..n)
    }

    fn retain_between(&mut self, from: UnixMicros, to: UnixMicros) {
        self.events.retain(|e| e.timestamp >= from && e.timestamp <= to);
        self.times.retain(|t| *t >= from && *t <= to);
    }

    fn refresh_interval(&mut self) {
        // The last 64 intervals describe the model's current rate; ties (several
        // events on one frame) are not intervals and are left out.
        let n = self.times.len();
        let tail = &self.times[n.saturating_sub(65)..];
        let mut gaps: Vec<Micros> =
            tail.windows(2).map(|w| w[1].since(w[0])).filter(|g| *g > 0).collect();
        gaps.sort_unstable();
        self.median_interval = gaps.get(gaps.len() / 2).copied();
    }
}

/// What one ingest did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IngestReport {
    pub added: usize,
    pub duplicates: usize,
    pub evicted: usize,
    /// Detections that no adapter could use.
    pub skipped_detections: usize,
}

/// All events held for one camera.
#[derive(Debug, Default)]
pub struct EventStore {
    limits: StoreLimits,
    models: BTreeMap<Rc<str>, ModelTimeline>,
    /// id -> (model, timestamp): de-duplication and eviction bookkeeping.
    ids: HashMap<String, (Rc<str>, UnixMicros)>,
    /// Bumped on every change, so callers can skip work when nothing changed.
    version: u64,
    /// The sum of [`stored_bytes`] over the events held.
    held_bytes: usize,
    /// Events above this do not count as "newest" (see [`Self::set_ceiling`]).
    ceiling: Option<UnixMicros>,
}

impl EventStore {
    pub fn new(limits: StoreLimits) -> Self {
        Self { limits, ..Self::default() }
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn contains(&self, id: &str) -> bool {
        self.ids.contains_key(id)
    }

    /// The models held, in a stable (sorted) order.
    pub fn models(&self) -> impl Iterator<Item = (&str, &ModelTimeline)> {
        self.models.iter().map(|(k, v)| (k.as_ref(), v))
    }

    pub fn timeline(&self, model_id: &str) -> Option<&ModelTimeline> {
        self.models.get(model_id)
    }

    /// Events held with `from <= timestamp <= to`, over all models.
    pub fn count_between(&self, from: UnixMicros, to: UnixMicros) -> usize {
        self.models.values().map(|m| m.between(from, to).len()).sum()
    }

    /// The heap bytes held, by the store's own accounting ([`stored_bytes`];
    /// bounded by [`StoreLimits::max_bytes`]).
    pub fn approx_bytes(&self) -> usize {
        self.held_bytes
    }

    /// Newest event time held at or below the ceiling, over all models.
    pub fn newest(&self) -> Option<UnixMicros> {
        match self.ceiling {
            Some(c) => self
                .models
                .values()
                .filter_map(|m| m.times[..m.first_after(c)].last().copied())
                .max(),
            None => self.models.values().filter_map(|m| m.times.last().copied()).max(),
        }
    }

    /// Sets the time above which events are wild (the live page's agreed
    /// clock plus a tolerance): they are kept and drawn if a frame ever
    /// reaches them, but set neither [`Self::newest`] nor any model's anchor,
    /// so they evict nothing real. Takes effect from the next ingest.
    pub fn set_ceiling(&mut self, ceiling: Option<UnixMicros>) {
        self.ceiling = ceiling;
    }

    /// Adds events, normalizing each payload once. Duplicate ids are ignored
    /// (the first copy wins), so overlapping polls are harmless.
    pub fn ingest(&mut self, events: impl IntoIterator<Item = WireEvent>) -> IngestReport {
        let mut report = IngestReport::default();
        let mut touched: Vec<Rc<str>> = Vec::new();
        for ev in events {
            if self.ids.contains_key(&ev.id) {
                report.duplicates += 1;
                continue;
            }
            let normalized = normalize_payload(&ev.detections, ev.event_metadata.as_ref());
            report.skipped_detections += normalized.skipped;
            let model: Rc<str> = match self.models.get_key_value(ev.model_id.as_str()) {
                Some((k, _)) => Rc::clone(k),
                None => Rc::from(ev.model_id.as_str()),
            };
            let stored = Rc::new(StoredEvent {
                id: ev.id.clone(),
                timestamp: ev.timestamp,
                frame_id: ev.frame_id,
                detections: normalized.detections,
            });
            self.held_bytes += stored_bytes(&stored);
            self.models.entry(Rc::clone(&model)).or_default().insert(stored);
            self.ids.insert(ev.id, (Rc::clone(&model), ev.timestamp));
            if !touched.contains(&model) {
                touched.push(model);
            }
            report.added += 1;
        }
        report.evicted = self.enforce_limits();
        for model in touched {
            if let Some(t) = self.models.get_mut(&model) {
                t.refresh_interval();
            }
        }
        if report.added > 0 || report.evicted > 0 {
            self.version += 1;
        }
        report
    }

    /// Drops every event outside `[from, to]` (for playhead-centred caches).
    pub fn retain_between(&mut self, from: UnixMicros, to: UnixMicros) -> usize {
        let before = self.ids.len();
        for timeline in self.models.values_mut() {
            timeline.retain_between(from, to);
        }
        self.held_bytes =
            self.models.values().flat_map(|m| m.events.iter()).map(|e| stored_bytes(e)).sum();
        self.ids.retain(|_, (_, t)| *t >= from && *t <= to);
        self.models.retain(|_, t| !t.events.is_empty());
        let removed = before - self.ids.len();
        if removed > 0 {
            self.version += 1;
        }
        removed
    }

    /// Applies the bounds, oldest first; returns how many went. The span
    /// is per model (from its own anchor); count and bytes are over the
    /// whole store, taken from whichever model holds the oldest event.
    fn enforce_limits(&mut self) -> usize {
        let mut evicted = 0;
        for timeline in self.models.values_mut() {
            let Some(anchor) = timeline.anchor_under(self.ceiling) else { continue };
            let n = timeline.first_at_or_after(anchor.plus(-self.limits.max_span));
            for e in timeline.drain_oldest(n) {
                self.ids.remove(&e.id);
                self.held_bytes = self.held_bytes.saturating_sub(stored_bytes(&e));
                evicted += 1;
            }
        }
        if self.ids.len() > self.limits.max_events || self.held_bytes > self.limits.max_bytes {
            // A k-way walk over the models' oldest events decides how many each
            // loses, then each model drains once: linear in what goes.
            let mut take: Vec<usize> = vec![0; self.models.len()];
            let (mut count, mut bytes) = (self.ids.len(), self.held_bytes);
            while count > self.limits.max_events || bytes > self.limits.max_bytes {
                let oldest = self
                    .models
                    .values()
                    .enumerate()
                    .filter_map(|(i, t)| {
                        t.events.get(take[i]).map(|e| (e.timestamp, i, stored_bytes(e)))
                    })
                    .min_by_key(|(ts, i, _)| (*ts, *i));
                match oldest {
                    Some((_, i, b)) => {
                        take[i] += 1;
                        count -= 1;
                        bytes = bytes.saturating_sub(b);
                    }
                    None => break,
                }
            }
            for (timeline, n) in self.models.values_mut().zip(take) {
                for e in timeline.drain_oldest(n) {
                    self.ids.remove(&e.id);
                    self.held_bytes = self.held_bytes.saturating_sub(stored_bytes(&e));
                    evicted += 1;
                }
            }
        }
        self.models.retain(|_, t| !t.events.is_empty());
        evicted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn ev(id: &str, model: &str, t_ms: i64) -> WireEvent {
        WireEvent {
            id: id.into(),
            camera_id: None,
            model_id: model.into(),
            timestamp: UnixMicros(t_ms * 1000),
            frame_id: None,
            detections: json!({"detections": [{"class_name": "p", "bbox": [0.1, 0.1, 0.2, 0.2], "track_id": 1}]}),
            confidence: None,
            event_metadata: None,
        }
    }

    /// The times of a model's events in milliseconds; also checks that the
    /// search array agrees with the events it stands for.
    fn times(store: &EventStore, model: &str) -> Vec<i64> {
        let Some(t) = store.timeline(model) else { return Vec::new() };
        let from_events: Vec<UnixMicros> = t.events().iter().map(|e| e.timestamp).collect();
        assert_eq!(t.times, from_events, "the time index of {model} drifted from its events");
        from_events.iter().map(|t| t.0 / 1000).collect()
    }

    #[test]
    fn sorts_unsorted_input_and_dedupes_by_id() {
        let mut s = EventStore::new(StoreLimits::default());
        let r =
            s.ingest([ev("c", "m", 300), ev("a", "m", 100), ev("b", "m", 200), ev("a", "m", 999)]);
        assert_eq!((r.added, r.duplicates), (3, 1));
        assert_eq!(times(&s, "m"), [100, 200, 300]);
        let v = s.version();
        let r = s.ingest([ev("b", "m", 200), ev("c", "m", 300)]);
        assert_eq!((r.added, r.duplicates), (0, 2));
        assert_eq!(s.version(), v, "a no-op ingest changes nothing");
    }

    #[test]
    fn same_timestamp_events_are_all_kept_in_id_order() {
        let mut s = EventStore::new(StoreLimits::default());
        s.ingest([ev("z", "m", 100), ev("x", "m", 100), ev("y", "m", 100)]);
        let ids: Vec<_> = s.timeline("m").unwrap().events().iter().map(|e| e.id.clone()).collect();
        assert_eq!(ids, ["x", "y", "z"]);
    }

    #[test]
    fn bounded_by_span_and_count() {
        let mut s = EventStore::new(StoreLimits {
            max_events: 4,
            max_span: 1_000_000,
            max_bytes: usize::MAX,
        });
        s.ingest((0..6).map(|i| ev(&format!("a{i}"), "a", i * 100)));
        assert_eq!(times(&s, "a"), [200, 300, 400, 500]);
        s.ingest([ev("b0", "b", 50), ev("b1", "b", 450)]);
        // b0 (oldest overall) and a200 go; the count stays at the bound.
        assert_eq!(s.len(), 4);
        assert_eq!(times(&s, "a"), [300, 400, 500]);
        assert_eq!(times(&s, "b"), [450]);
        // Span: events of `a` 2 s newer (three agree) evict `a`'s events older
        // than its anchor - 1 s; `b` keeps its own (the span is per model).
        s.ingest([ev("late1", "a", 2_500), ev("late2", "a", 2_600), ev("late3", "a", 2_700)]);
        assert_eq!(times(&s, "a"), [2_500, 2_600, 2_700]);
        assert_eq!(times(&s, "b"), [450]);
        // ... until `b` moves on too: its span drops b450, then the count
        // bound takes the oldest of all (b2000, b2100).
        s.ingest((0..3).map(|i| ev(&format!("b-late{i}"), "b", 2_000 + i * 100)));
        assert_eq!(times(&s, "b"), [2_200]);
        assert_eq!(times(&s, "a"), [2_500, 2_600, 2_700]);
    }

    #[test]
    fn one_wild_timestamp_does_not_evict_real_events() {
        let mut s = EventStore::new(StoreLimits {
            max_events: 100,
            max_span: 1_000_000,
            max_bytes: usize::MAX,
        });
        s.ingest((0..10).map(|i| ev(&format!("a{i}"), "a", i * 100)));
        s.ingest([
            ev("year-9999", "a", 253_402_300_799_000),
            ev("year-9999b", "a", 253_402_300_799_000),
        ]);
        assert_eq!(s.len(), 12, "nothing evicted by two far-future events");
        assert_eq!(s.timeline("a").unwrap().anchor(), Some(UnixMicros(900_000)));
        s.retain_between(UnixMicros(0), UnixMicros(1_000_000));
        // A real jump, confirmed by several events, does move the window.
        s.ingest((0..3).map(|i| ev(&format!("b{i}"), "a", 3_600_000 + i * 100)));
        assert_eq!(times(&s, "a"), [3_600_000, 3_600_100, 3_600_200]);
    }

    /// A model with a broken clock, however many of its rows agree, evicts
    /// only its own events: every other model keeps all of its own.
    #[test]
    fn a_model_with_a_wild_clock_evicts_nothing_of_other_models() {
        for wild_rows in [1, 2, 3, 10, 100] {
            for ahead_ms in [3_600_000, 253_402_300_799_000] {
                let mut s = EventStore::new(StoreLimits::live());
                s.ingest((0..100).map(|i| ev(&format!("real{i}"), "good", 1_000_000 + i * 100)));
                s.ingest(
                    (0..wild_rows)
                        .map(|i| ev(&format!("wild{i}"), "skewed", 1_000_000 + ahead_ms + i)),
                );
                // Real rows keep coming after the wild ones, and are kept.
                s.ingest((100..110).map(|i| ev(&format!("real{i}"), "good", 1_000_000 + i * 100)));
                assert_eq!(
                    s.timeline("good").map(|t| t.events().len()),
                    Some(110),
                    "{wild_rows} rows {ahead_ms} ms ahead"
                );
            }
        }
    }

    /// With the live page's ceiling, rows above it (2..N wild rows within a
    /// real model, a whole model an hour ahead) evict nothing real, and do not
    /// count as the newest; a model with no row under it keeps its own span.
    #[test]
    fn rows_above_the_ceiling_evict_nothing_real() {
        let real = |i: i64| 1_000_000 + i * 100;
        let ceiling = UnixMicros(real(200) * 1000 + 10_000_000);
        for wild_rows in [1, 2, 3, 10, 100] {
            for ahead_ms in [3_600_000, 253_402_300_799_000] {
                for wild_model in ["good", "skewed"] {
                    let mut s = EventStore::new(StoreLimits::live());
                    s.set_ceiling(Some(ceiling));
                    s.ingest((0..100).map(|i| ev(&format!("real{i}"), "good", real(i))));
                    s.ingest(
                        (0..wild_rows)
                            .map(|i| ev(&format!("wild{i}"), wild_model, real(100) + ahead_ms + i)),
                    );
                    s.ingest((100..110).map(|i| ev(&format!("real{i}"), "good", real(i))));
                    let case = format!("{wild_rows} rows of {wild_model} {ahead_ms} ms ahead");
                    assert_eq!(s.len(), 110 + wild_rows as usize, "{case}");
                    assert_eq!(s.newest(), Some(UnixMicros(real(109) * 1000)), "{case}");
                }
            }
        }
        // A model wholly above the ceiling is bounded by its own span.
        let mut s = EventStore::new(StoreLimits {
            max_events: 1000,
            max_span: 1_000_000,
            max_bytes: usize::MAX,
        });
        s.set_ceiling(Some(UnixMicros(0)));
        s.ingest((0..10).map(|i| ev(&format!("s{i}"), "skewed", 3_600_000 + i * 500)));
        assert_eq!(times(&s, "skewed"), [3_602_500, 3_603_000, 3_603_500, 3_604_000, 3_604_500]);
    }

    /// Dense models are bounded by bytes: the oldest go first, whatever model holds them.
    #[test]
    fn dense_payloads_are_bounded_in_bytes() {
        let dense = |id: &str, t_ms: i64| {
            let boxes: Vec<_> = (0..1000).map(|k| json!({"class_name": "person", "bbox": [0.1, 0.1, 0.2, 0.2], "track_id": k})).collect();
            WireEvent { detections: json!({"detections": boxes}), ..ev(id, "dense", t_ms) }
        };
        let mut s = EventStore::new(StoreLimits::live());
        s.ingest((0..20).map(|i| ev(&format!("light{i}"), "light", i * 100)));
        let one = {
            let mut probe = EventStore::new(StoreLimits::live());
            probe.ingest([dense("probe", 0)]);
            probe.approx_bytes()
        };
        assert!(one > 100_000, "a 1,000-box event accounts for {one} bytes");
        let mut most = 0;
        for second in 0..60 {
            s.ingest(
                (0..10).map(|i| dense(&format!("d{second}-{i}"), 2_000 + second * 1000 + i * 100)),
            );
            most = most.max(s.approx_bytes());
        }
        let limit = StoreLimits::live().max_bytes;
        assert!(most <= limit, "{most} bytes held, limit {limit}");
        assert!(
            most + one > limit,
            "the bound is reached, not undershot by more than an event: {most}"
        );
        // The oldest went first: the light model's events (older) are gone.
        assert!(s.timeline("light").is_none());
        // The accounting equals a recount.
        let recount: usize =
            s.models().flat_map(|(_, t)| t.events().iter()).map(|e| stored_bytes(e)).sum();
        assert_eq!(recount, s.approx_bytes());
    }

    #[test]
    fn live_limits_keep_memory_flat_over_a_simulated_hour() {
        let mut s = EventStore::new(StoreLimits::live());
        let mut sizes = Vec::new();
        for minute in 0..60 {
            s.ingest(
                (0..600)
                    .map(|i| ev(&format!("e{minute:03}-{i:04}"), "m", minute * 60_000 + i * 100)),
            );
            sizes.push(s.approx_bytes());
        }
        // Two minutes at 10 events/s back from the anchor (the third newest), both ends inclusive.
        assert_eq!(s.len(), 1203);
        assert_eq!(sizes[5], sizes[59], "memory is flat once the window is full");
    }

    #[test]
    fn window_queries_and_median_interval() {
        let mut s = EventStore::new(StoreLimits::default());
        s.ingest((0..10).map(|i| ev(&format!("e{i}"), "m", i * 100)));
        s.ingest([ev("dup-time", "m", 500)]);
        let t = s.timeline("m").unwrap();
        assert_eq!(t.between(UnixMicros(200_000), UnixMicros(400_000)).len(), 3);
        assert_eq!(t.between(UnixMicros(401_000), UnixMicros(401_500)).len(), 0);
        assert_eq!(t.between(UnixMicros(900_000), UnixMicros(100_000)).len(), 0);
        assert_eq!(t.median_interval(), Some(100_000));
        assert_eq!(s.retain_between(UnixMicros(300_000), UnixMicros(600_000)), 6);
        assert_eq!(times(&s, "m"), [300, 400, 500, 500, 600]);
    }
}
