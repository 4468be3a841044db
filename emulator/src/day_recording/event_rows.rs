//! The day camera's event rows: generated for the page a list query asks for, the rest counted.

use serde_json::json;

use super::schedule::Seg;
use super::sources::SourceEvent;
use super::{DayRecording, DAY_CAMERA_ID, FULL_FRAMES, ORDER_BASE, SEGMENT_US};
use crate::api::events::{fnv1a, mix64, ListQuery};
use crate::demo_data::StoredEvent;
use crate::text_formats::format_vas_time;

/// The rows a list query on the day camera gets: those its page can hold,
/// and how many matching rows come before and after them.
#[derive(Default)]
pub(crate) struct DayRows {
    pub(crate) rows: Vec<StoredEvent>,
    pub(crate) skipped_newer: usize,
    pub(crate) skipped_older: usize,
}

/// A stable UUID (version 8, RFC 4122 variant) for the copy of source event
/// `source_id` in the day segment starting at `start_us`.
pub(super) fn derived_id(start_us: i64, source_id: &str) -> String {
    let a = mix64(fnv1a(source_id) ^ mix64(start_us as u64));
    let b = mix64(a ^ (start_us as u64).rotate_left(32) ^ 0x6461_7963_616d_6572);
    let a = (a & !0xF000) | 0x8000;
    let b = (b & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xFFFF,
        a & 0xFFFF,
        b >> 48,
        b & 0xFFFF_FFFF_FFFF
    )
}

impl DayRecording {
    /// The generated rows of a list query at `now` (see the module notes):
    /// positions `offset - others .. offset + limit` of the day's matching
    /// rows, newest first, and the count of those before and after.
    pub(super) fn rows_at(&self, now: i64, query: &ListQuery, others: usize) -> DayRows {
        let ListQuery { model, start, end, limit, offset } = *query;
        let mut out = DayRows::default();
        let lo = start.unwrap_or(i64::MIN);
        let hi = end.unwrap_or(i64::MAX).min(now);
        if hi < lo {
            return out;
        }
        let offset = usize::try_from(offset).unwrap_or(0);
        let q_lo = offset.saturating_sub(others);
        let q_hi = offset.saturating_add(usize::try_from(limit).unwrap_or(0));
        let mut q = 0usize;
        for (r, run) in self.runs.iter().enumerate().rev() {
            let Some(to_hi) = hi.checked_sub(run.first_frame_us).filter(|d| *d >= 0) else {
                continue;
            };
            let mut i_hi = u64::try_from(to_hi / SEGMENT_US).unwrap_or(0);
            if let Some(len) = run.len() {
                i_hi = i_hi.min(len - 1);
            }
            let i_lo = lo
                .checked_sub(run.first_frame_us)
                .map_or(0, |d| u64::try_from(d.max(0) / SEGMENT_US).unwrap_or(0));
            if i_lo > i_hi {
                continue;
            }
            for index in (i_lo..=i_hi).rev() {
                let seg = self.seg(r, index);
                let start_us = seg.start_us();
                let source = &self.sources[seg.source()];
                let matching = |e: &&SourceEvent| model.is_none_or(|m| e.model_id == m);
                let inside =
                    |e: &SourceEvent| (lo..=hi).contains(&start_us.saturating_add(e.offset_us));
                let whole = source.events.first().is_none_or(&inside)
                    && source.events.last().is_none_or(&inside);
                if whole {
                    let count = source.events.iter().filter(matching).count();
                    if q.saturating_add(count) <= q_lo {
                        out.skipped_newer += count;
                        q += count;
                        continue;
                    }
                    if q >= q_hi {
                        out.skipped_older += count;
                        q += count;
                        continue;
                    }
                }
                for e in source.events.iter().filter(matching).filter(|e| inside(e)) {
                    if q < q_lo {
                        out.skipped_newer += 1;
                    } else if q < q_hi {
                        out.rows.push(self.row(seg, e, q));
                    } else {
                        out.skipped_older += 1;
                    }
                    q += 1;
                }
            }
        }
        out
    }

    /// The stored form of source event `e` in day segment `seg`.
    fn row(&self, seg: Seg, e: &SourceEvent, position: usize) -> StoredEvent {
        let start_us = seg.start_us();
        let ts_us = start_us.saturating_add(e.offset_us);
        let id = derived_id(start_us, &e.source_id);
        let mut raw = e.raw.clone();
        raw["id"] = json!(id);
        raw["camera_id"] = json!(DAY_CAMERA_ID);
        raw["timestamp"] = json!(format_vas_time(ts_us));
        raw["frame_id"] = json!(seg.index.saturating_mul(FULL_FRAMES).saturating_add(e.frame));
        StoredEvent {
            id,
            ts_us,
            camera_id: DAY_CAMERA_ID.to_string(),
            model_id: e.model_id.clone(),
            order: ORDER_BASE + position as u64,
            poison: false,
            raw,
        }
    }
}

/// The day camera's rows for an event list query (canonical `camera`), none
/// unless the query is on the day camera. `others`: the other rows matching
/// it (inserted and poison rows of the day camera), which may sit among them.
pub(crate) fn rows_for(
    day: Option<&DayRecording>,
    camera: Option<&str>,
    query: &ListQuery,
    others: usize,
) -> DayRows {
    match day {
        Some(day) if camera == Some(DAY_CAMERA_ID) => {
            day.rows_at(day.clock.now_us(), query, others)
        }
        _ => DayRows::default(),
    }
}
