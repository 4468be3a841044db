//! What changes while the emulator runs: faults, inserted rows, generators
//! and the request log.

use std::collections::{HashMap, VecDeque};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::json;

use crate::demo_data::StoredEvent;
use crate::faults::{accepts_gzip, AnswerFaults, FaultScope, Faults, InsertTemplate};
use crate::http::request::RequestParts;
use crate::request_log::LogEntry;
use crate::text_formats::format_vas_time;

/// Most rows stored at run time (inserted, generated, the live rig's).
pub(crate) const MAX_INSERTED: usize = 200_000;
/// Most entries of the request log; the oldest go first.
pub(crate) const MAX_LOG_ENTRIES: usize = 10_000;

/// The run-time state tests switch: faults, inserted rows, generators, log.
#[derive(Default)]
pub(crate) struct RunTimeState {
    pub(crate) faults: Faults,
    /// The rows of `faults.poison_at`.
    pub(crate) poison: Vec<StoredEvent>,
    /// Rows stored at run time, in insertion order.
    pub(crate) inserted: Vec<StoredEvent>,
    /// Canonical id to index in `inserted`.
    pub(crate) inserted_ids: HashMap<String, usize>,
    /// Rows stored so far (their stored order).
    pub(crate) insert_seq: u64,
    /// Ids of `insert_between_pages` rows.
    pub(crate) synthetic_seq: u64,
    /// List requests answered: seeds the order of ties.
    pub(crate) list_requests: u64,
    pub(crate) log: VecDeque<LogEntry>,
    pub(crate) log_seq: u64,
    /// Bumped by reset: generators of an older generation stop.
    pub(crate) generation: u64,
    pub(crate) next_generator: u64,
    pub(crate) generators: Vec<JoinHandle<()>>,
    /// Set on stop: delayed answers go out at once, generators end.
    pub(crate) shutting_down: bool,
}

/// Stored order of run-time rows and poison rows: after every row of the
/// data files (ties keep it when `stable_ties` is on).
pub(crate) const INSERTED_ORDER: u64 = 1 << 40;
pub(crate) const POISON_ORDER: u64 = 1 << 50;

impl RunTimeState {
    pub(crate) fn store(&mut self, mut event: StoredEvent) {
        event.order = INSERTED_ORDER + self.insert_seq;
        self.insert_seq += 1;
        self.inserted_ids.insert(event.id.clone(), self.inserted.len());
        self.inserted.push(event);
    }

    /// Stores rows whose id is not stored yet; past `max_rows` run-time rows
    /// (the callers' [`MAX_INSERTED`]), the oldest `evictable` rows go first.
    /// Returns how many were stored.
    pub(crate) fn store_evicting(
        &mut self,
        rows: Vec<StoredEvent>,
        max_rows: usize,
        evictable: impl Fn(&StoredEvent) -> bool,
    ) -> usize {
        let mut stored = 0;
        for row in rows {
            if !self.inserted_ids.contains_key(&row.id) {
                self.store(row);
                stored += 1;
            }
        }
        let excess = self.inserted.len().saturating_sub(max_rows);
        if excess > 0 {
            let mut oldest: Vec<(i64, usize)> = self
                .inserted
                .iter()
                .enumerate()
                .filter(|(_, row)| evictable(row))
                .map(|(i, row)| (row.ts_us, i))
                .collect();
            oldest.sort_unstable();
            let mut evicted = vec![false; self.inserted.len()];
            for &(_, i) in oldest.iter().take(excess) {
                evicted[i] = true;
            }
            let mut index = 0;
            self.inserted.retain(|_| {
                index += 1;
                !evicted[index - 1]
            });
            self.inserted_ids =
                self.inserted.iter().enumerate().map(|(i, row)| (row.id.clone(), i)).collect();
        }
        stored
    }

    /// Logs an answered request; returns its `seq`.
    pub(crate) fn record(&mut self, mut entry: LogEntry) -> u64 {
        self.log_seq += 1;
        entry.seq = self.log_seq;
        if self.log.len() >= MAX_LOG_ENTRIES {
            self.log.pop_front();
        }
        self.log.push_back(entry);
        self.log_seq
    }

    /// The answer faults that apply to this request; counts it against
    /// `fail_count` when any does.
    pub(crate) fn answer_faults(&mut self, req: &RequestParts, scope: FaultScope) -> AnswerFaults {
        let f = &self.faults;
        if f.path_filter.as_deref().is_some_and(|p| !req.path.contains(p))
            || f.fail_count == Some(0)
        {
            return AnswerFaults::default();
        }
        let applied = AnswerFaults {
            auth: f.auth,
            bare_500: f.bare_500 && scope != FaultScope::Preflight,
            db_fault_empty: f.db_fault_empty
                && matches!(scope, FaultScope::EventList | FaultScope::Event),
            delay: f.delay_ms.filter(|&ms| ms > 0).map(Duration::from_millis),
            truncate: f.truncate_body && scope != FaultScope::Preflight,
            huge_mb: f.huge_body_mb.filter(|_| scope == FaultScope::EventList),
            chunked: f.chunked_body && scope == FaultScope::EventList,
            gzip: f.gzip_body && scope == FaultScope::EventList && accepts_gzip(req),
            huge_playlist_mb: f.huge_playlist_mb.filter(|_| scope == FaultScope::Playlist),
        };
        if applied == AnswerFaults::default() {
            return AnswerFaults::default();
        }
        if let Some(n) = &mut self.faults.fail_count {
            *n -= 1;
        }
        applied
    }

    /// `insert_between_pages`: stores `k` rows derived from a full page.
    pub(crate) fn insert_between_pages(
        &mut self,
        seeds: &[InsertTemplate],
        k: u32,
        end: Option<i64>,
        created_at: &str,
    ) {
        let Some(top) = seeds.first() else {
            return;
        };
        for j in 0..k as usize {
            if self.inserted.len() >= MAX_INSERTED {
                return;
            }
            let seed = &seeds[(j / 2) % seeds.len()];
            let (ts_us, timestamp) = if j % 2 == 0 {
                let us = end.unwrap_or(top.ts_us + 1000 * (j as i64 / 2 + 1));
                (us, format_vas_time(us))
            } else {
                (seed.ts_us, seed.timestamp.clone())
            };
            let id = loop {
                self.synthetic_seq += 1;
                let id = format!("feedc0de-0000-4000-8000-{:012x}", self.synthetic_seq);
                if !self.inserted_ids.contains_key(&id) {
                    break id;
                }
            };
            let raw = json!({
                "id": id, "camera_id": seed.camera_id, "model_id": seed.model_id,
                "timestamp": timestamp, "frame_id": null,
                "detections": {"detections": [{"class_id": 0, "class_name": "person",
                    "confidence": 0.5, "bbox": [0.4, 0.4, 0.6, 0.9], "track_id": null}]},
                "confidence": 0.5,
                "event_metadata": {"synthetic": "insert_between_pages"},
                "created_at": created_at,
            });
            if let Ok(mut event) = StoredEvent::parse(&raw, 0) {
                event.ts_us = ts_us;
                self.store(event);
            }
        }
    }
}

#[cfg(test)]
mod tests;
