//! The day's schedule: recorder runs laid out around T0, segment numbering, and what the playlist lists at an instant.

use super::{
    DayClock, DayRecording, DayRun, DaySegment, DayTruth, Source, FIRST_FRAME_LATENCY_US, IDLE_US,
    LIST_SIZE, RUN_STARTS_US, SEGMENT_US,
};

/// One recorder run of the schedule.
pub(super) struct Run {
    pub(super) recorder_start_us: i64,
    pub(super) first_frame_us: i64,
    pub(super) first_number: u64,
    /// Full segments; for the last run, unbounded.
    pub(super) full: Option<u64>,
    /// Index into `sources` of the short last segment (stopped runs).
    pub(super) tail: Option<usize>,
    /// Segments of earlier runs.
    pub(super) before: u64,
}

impl Run {
    /// Segments of a stopped run.
    pub(super) fn len(&self) -> Option<u64> {
        self.full.map(|f| f + u64::from(self.tail.is_some()))
    }
}

/// A segment of the schedule by run and index in the run.
#[derive(Clone, Copy)]
pub(super) struct Seg<'a> {
    pub(super) run: &'a Run,
    pub(super) run_index: usize,
    pub(super) index: u64,
}

impl Seg<'_> {
    fn is_tail(&self) -> bool {
        self.run.tail.is_some() && Some(self.index) == self.run.full
    }
    pub(super) fn source(&self) -> usize {
        if self.is_tail() {
            self.run.tail.unwrap_or(0)
        } else {
            0
        }
    }
    pub(super) fn start_us(&self) -> i64 {
        let offset = i64::try_from(self.index)
            .ok()
            .and_then(|i| i.checked_mul(SEGMENT_US))
            .unwrap_or(i64::MAX);
        self.run.first_frame_us.saturating_add(offset)
    }
    pub(super) fn global(&self) -> u64 {
        self.run.before.saturating_add(self.index)
    }
    pub(super) fn number(&self) -> u64 {
        self.run.first_number.saturating_add(self.index)
    }
}

impl DayRecording {
    /// The schedule around the clock's T0.
    pub(super) fn lay_out(clock: DayClock, sources: Vec<Source>) -> Result<DayRecording, String> {
        let t0 = clock.t0_us;
        let overflow = || "the day's schedule does not fit the clock".to_string();
        let mut runs: Vec<Run> = Vec::new();
        let mut before = 0u64;
        for (r, offset) in RUN_STARTS_US.iter().enumerate() {
            let recorder_start_us = t0.checked_add(*offset).ok_or_else(overflow)?;
            let first_frame_us =
                recorder_start_us.checked_add(FIRST_FRAME_LATENCY_US).ok_or_else(overflow)?;
            let epoch =
                u64::try_from(recorder_start_us.div_euclid(1_000_000)).map_err(|_| overflow())?;
            let first_number = epoch.checked_add(before.min(LIST_SIZE)).ok_or_else(overflow)?;
            let (full, tail) = match RUN_STARTS_US.get(r + 1) {
                Some(next) => {
                    let tail = 1 + r;
                    let stop_by = t0
                        .checked_add(*next)
                        .and_then(|n| n.checked_sub(IDLE_US[r]))
                        .ok_or_else(overflow)?;
                    let room = stop_by
                        .checked_sub(first_frame_us)
                        .and_then(|d| d.checked_sub(sources[tail].duration_us))
                        .ok_or_else(overflow)?;
                    let full = u64::try_from(room.div_euclid(SEGMENT_US))
                        .map_err(|_| "a run with no room".to_string())?;
                    (Some(full), Some(tail))
                }
                None => (None, None),
            };
            if let Some(prev) = runs.last() {
                let last = prev.first_number + prev.len().unwrap_or(0) - 1;
                if first_number <= last {
                    return Err("segment numbers would repeat".into());
                }
            }
            let run = Run { recorder_start_us, first_frame_us, first_number, full, tail, before };
            before += run.len().unwrap_or(0);
            runs.push(run);
        }
        Ok(DayRecording { clock, runs, sources })
    }

    pub(super) fn seg(&self, run_index: usize, index: u64) -> Seg<'_> {
        Seg { run: &self.runs[run_index], run_index, index }
    }

    pub(super) fn duration_us(&self, seg: Seg) -> i64 {
        self.sources[seg.source()].duration_us
    }

    pub(super) fn end_us(&self, seg: Seg) -> i64 {
        seg.start_us().saturating_add(self.duration_us(seg))
    }

    /// Segments of a run whose end has passed at `now`.
    fn ended_in(&self, run: &Run, now: i64) -> u64 {
        let Some(elapsed) = now.checked_sub(run.first_frame_us).filter(|e| *e >= 0) else {
            return 0;
        };
        let full_ended = u64::try_from(elapsed / SEGMENT_US).unwrap_or(0);
        let Some(full) = run.full else {
            return full_ended;
        };
        match run.tail {
            Some(tail) if full_ended >= full => {
                let tail_start = i64::try_from(full)
                    .ok()
                    .and_then(|f| f.checked_mul(SEGMENT_US))
                    .and_then(|d| run.first_frame_us.checked_add(d));
                let tail_ended = tail_start
                    .and_then(|s| s.checked_add(self.sources[tail].duration_us))
                    .is_some_and(|end| now >= end);
                full + u64::from(tail_ended)
            }
            _ => full_ended.min(full),
        }
    }

    /// Segments whose end has passed at `now`, all runs.
    fn ended(&self, now: i64) -> u64 {
        self.runs.iter().map(|r| self.ended_in(r, now)).sum()
    }

    /// The segment of global index `g` (0 = run 0's first).
    pub(super) fn at_global(&self, g: u64) -> Seg<'_> {
        let r = self.runs.iter().rposition(|run| run.before <= g).unwrap_or(0);
        self.seg(r, g - self.runs[r].before)
    }

    /// Listed global indices at `now`: `lo..hi`.
    pub(super) fn listed(&self, now: i64) -> (u64, u64) {
        let hi = self.ended(now);
        (hi.saturating_sub(LIST_SIZE), hi)
    }

    /// The segment numbered `number`, if the schedule has one (ended or not).
    pub(super) fn by_number(&self, number: u64) -> Option<Seg<'_>> {
        let r = self.runs.iter().rposition(|run| run.first_number <= number)?;
        let index = number - self.runs[r].first_number;
        let run = &self.runs[r];
        (run.len().is_none_or(|len| index < len)).then(|| self.seg(r, index))
    }

    pub(super) fn media_sequence(&self, lo: u64, hi: u64) -> Option<u64> {
        let newest = self.at_global(hi.checked_sub(1)?);
        let listed_before = newest.run.before.saturating_sub(lo);
        newest.run.first_number.checked_sub(listed_before)
    }
    /// The truth at `now` (see [`DayTruth`]).
    pub(super) fn truth_at(&self, now: i64) -> DayTruth {
        let (lo, hi) = self.listed(now);
        let segments: Vec<DaySegment> = (lo..hi)
            .map(|g| {
                let seg = self.at_global(g);
                DaySegment {
                    number: seg.number(),
                    run: seg.run_index,
                    index: seg.index,
                    true_start_us: seg.start_us(),
                    duration_us: self.duration_us(seg),
                }
            })
            .collect();
        let runs = self
            .runs
            .iter()
            .map(|r| DayRun {
                recorder_start_us: r.recorder_start_us,
                first_frame_us: r.first_frame_us,
                first_number: r.first_number,
                segments: r.len(),
            })
            .collect();
        DayTruth {
            t0_us: self.clock.t0_us,
            now_us: now,
            media_sequence: self.media_sequence(lo, hi).unwrap_or(0),
            runs,
            newest: segments.last().cloned(),
            segments,
        }
    }
}
