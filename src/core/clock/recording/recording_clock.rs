//! The recording clock: a presented frame's media time to VAS wall time, segment by segment.
//!
//! Two time axes meet here. Media time is hls.js's timeline: it lays the
//! playlist's segments end to end from 0 (each `EXTINF` after the other, then
//! corrected to the parsed timestamps), across discontinuities, and reports
//! where each segment starts. Wall time is VAS's clock, the one event
//! timestamps use. A frame at media time `t` inside segment `s` is at
//! `wall_start(s) + (t - media_start(s))`: within a segment frames are evenly
//! spaced on both axes, so only each segment's wall start has to be found.
//!
//! A segment's wall start comes from one of three methods (`RecordingClockMethod`):
//! - `program-date-time`: the playlist's `EXT-X-PROGRAM-DATE-TIME`, carried
//!   forward by `EXTINF` within a run (exact; VAS does not write it today);
//! - `segment-epoch`: the run's start from VAS's numbering (`recording_runs`);
//! - `last-modified`: the segment's `Last-Modified` header minus its `EXTINF`
//!   (its file is last written when its last frame is in), read from the
//!   response hls.js already fetched.
//!
//! Within a run the recorder writes one continuous stream, so a wall start
//! known for one segment holds for the run's others, moved by the `EXTINF`
//! between them: a `Last-Modified` is carried from the nearest segment of
//! the run that has one (its own first), as program date-time is carried
//! forward. The player asks for the headers of one segment per run it has
//! none for (`take_probes`), so every run is placed before it is played.
//!
//! Choice, per segment: program date-time when present; else segment-epoch;
//! but when segment-epoch and last-modified disagree by more than a segment,
//! last-modified is preferred and the frame says so (`methods_disagree`):
//! the numbering rule fails when entries rolled off the playlist, the file
//! time does not. A method can be preferred explicitly (for comparisons); a
//! segment it cannot serve falls back to the rule above.
//!
//! The clock follows the fixer's reloads incrementally: segments that left
//! the playlist's front and segments new at its end are all a reload
//! touches. A segment that rolls off keeps the wall start and media span it
//! had for a while (`RETIRED_SEGMENTS`), so frames already loaded or on
//! screen, a paused playhead's among them, keep their times.

use std::collections::{BTreeMap, VecDeque};

use crate::core::clock::recording::fragment_span::{fragment_spans, FragmentSpan};
use crate::core::clock::recording::http_date::parse_http_date;
use crate::core::clock::recording::playlist_fixer::{ListChange, ListedEntry, PlaylistFixer};
use crate::core::clock::recording::recording_method::RecordingClockMethod;
use crate::core::clock::recording::recording_runs::{
    epoch_start, run_start, runs_of, SequenceCheck, WHOLE_SECOND_MIDPOINT_US,
};
use crate::core::clock::{clock_epoch, FrameClock, FrameTime};
use crate::core::time::{Micros, UnixMicros};

/// Frames within this much of a segment boundary belong to the later segment
/// (media times reach the shell as rounded floats).
const BOUNDARY_SLACK_SECS: f64 = 0.001;
/// A media time past the last known segment end by more than this maps to nothing.
const END_SLACK_SECS: f64 = 0.1;
/// "More than a segment" when the playlist gives no target duration.
const DEFAULT_SEGMENT_SECS: f64 = 6.0;
/// Segments that left the playlist and keep their mapping: an hour of VAS's
/// 6 s segments, longer than hls.js keeps media behind the playhead (60 s)
/// and than a rolling window moves under a paused page in a typical pause.
pub const RETIRED_SEGMENTS: usize = 600;

fn secs_to_micros(secs: f64) -> Option<i64> {
    UnixMicros::from_secs_f64(secs).map(|d| d.0)
}

#[derive(Debug, Clone, PartialEq)]
struct SegmentClock {
    sn: u64,
    duration: f64,
    run_id: u64,
    /// Seconds from the run's origin (its first entry the clock saw) to this segment's start, by `EXTINF`.
    offset_secs: f64,
    /// Its own, or carried forward within the run.
    program_date_time: Option<UnixMicros>,
    /// Its own `Last-Modified` header as an instant (whole seconds).
    last_modified: Option<UnixMicros>,
}

/// A segment's start by its own `Last-Modified`: the file is last written
/// when its last frame is in, and the header truncates to the second.
fn last_modified_start(last_modified: UnixMicros, duration: f64) -> Option<UnixMicros> {
    Some(last_modified.plus(WHOLE_SECOND_MIDPOINT_US).plus(-secs_to_micros(duration)?))
}

/// A segment of the run with a known `Last-Modified`: its start by that header.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Anchor {
    start: UnixMicros,
    offset_secs: f64,
}

/// The probe of a run: its frames are not mapped while it is out, so no
/// frame is drawn by a clock a day off (a broken numbering) before its run
/// is placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Probe {
    NotAsked,
    Out,
    /// Answered, failed or timed out: what is known is used.
    Done,
}

#[derive(Debug, Clone, PartialEq)]
struct RunClock {
    id: u64,
    /// The segment-epoch estimate of the run's origin.
    origin_epoch: Option<UnixMicros>,
    check: SequenceCheck,
    /// First listed sn and number of listed segments.
    first_sn: u64,
    len: usize,
    /// By sn. Kept after their segment rolls off: they still place the run.
    anchors: BTreeMap<u64, Anchor>,
    /// Where the probe of one of its segments' headers stands.
    probe: Probe,
    /// Some segment of it carries a program date-time.
    has_pdt: bool,
}

impl RunClock {
    fn last_sn(&self) -> u64 {
        self.first_sn + self.len.saturating_sub(1) as u64
    }

    fn epoch(&self, offset_secs: f64) -> Option<UnixMicros> {
        Some(self.origin_epoch?.plus(secs_to_micros(offset_secs)?))
    }

    /// The anchor nearest to `sn` (the lower one on a tie).
    fn nearest_anchor(&self, sn: u64) -> Option<(u64, Anchor)> {
        let below = self.anchors.range(..=sn).next_back();
        let above = self.anchors.range(sn..).next();
        match (below, above) {
            (Some(b), Some(a)) => {
                Some(if sn - b.0 <= a.0 - sn { (*b.0, *b.1) } else { (*a.0, *a.1) })
            }
            (Some(x), None) | (None, Some(x)) => Some((*x.0, *x.1)),
            (None, None) => None,
        }
    }

    /// Segment-epoch and last-modified disagree by more than `threshold_secs` at an anchor.
    fn disagree_at(&self, anchor: &Anchor, threshold_secs: f64) -> bool {
        self.epoch(anchor.offset_secs)
            .is_some_and(|e| (e.since(anchor.start).unsigned_abs() as f64) / 1e6 > threshold_secs)
    }

    /// The listed sns nearest to each anchor, as inclusive ranges, with the anchor.
    fn regions(&self) -> Vec<(u64, u64, Option<Anchor>)> {
        let (first, last) = (self.first_sn, self.last_sn());
        if self.len == 0 {
            return Vec::new();
        }
        if self.anchors.is_empty() {
            return vec![(first, last, None)];
        }
        let keys: Vec<(u64, Anchor)> = self.anchors.iter().map(|(k, a)| (*k, *a)).collect();
        let mut out = Vec::new();
        let mut lo = 0u64;
        for (j, (k, a)) in keys.iter().enumerate() {
            // Ties go to the lower anchor.
            let hi = keys.get(j + 1).map_or(u64::MAX, |(next, _)| k + (next - k) / 2);
            let (from, to) = (lo.max(first), hi.min(last));
            if from <= to {
                out.push((from, to, Some(*a)));
            }
            lo = hi.saturating_add(1);
        }
        out
    }
}

/// A segment that left the playlist, as it was mapped then.
#[derive(Debug, Clone, Copy, PartialEq)]
struct RetiredSegment {
    span: FragmentSpan,
    start: Option<FrameTime>,
}

/// A recording run as the page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    /// Wall span from the run's first segment start to its last segment end (chosen methods).
    pub wall: Option<(UnixMicros, UnixMicros)>,
    pub segments: usize,
    pub sequence_check: SequenceCheck,
}

/// Where a wall-clock time falls in the recording.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Located {
    /// Recorded: the media time of its frame.
    Recorded { media_secs: f64 },
    /// Not recorded: the nearest recorded moment and its media time.
    NotRecorded { nearest: UnixMicros, media_secs: f64 },
    /// Nothing is mapped yet.
    Unknown,
}

/// The clock of one played recording playlist.
#[derive(Debug, Clone, Default)]
pub struct RecordingClock {
    prefer: Option<RecordingClockMethod>,
    /// Listed order; their sns run on by one.
    segments: VecDeque<SegmentClock>,
    /// Listed order; ids run on by one.
    runs: VecDeque<RunClock>,
    next_run_id: u64,
    /// The playlist's target duration: "more than a segment".
    target_secs: Option<f64>,
    /// Oldest first, by sn.
    retired: VecDeque<RetiredSegment>,
    timeline: Vec<FragmentSpan>,
    /// hls.js has reported its own timeline (else it is the EXTINF sum).
    timeline_from_player: bool,
    version: u64,
    /// What the overlay adds to this clock's times before selecting events,
    /// learnt from the picture (0 until then). Not part of the clock's own
    /// times: kept for the page's note on how wall time is found.
    picture_offset_us: Micros,
}

impl RecordingClock {
    /// A clock that prefers `prefer` where it can (`None`: the rule in the module notes).
    pub fn new(prefer: Option<RecordingClockMethod>) -> Self {
        Self { prefer, ..Self::default() }
    }

    /// Bumped on every change that can move a frame's wall time.
    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn prefer(&self) -> Option<RecordingClockMethod> {
        self.prefer
    }

    /// The overlay's picture offset, for the page's note (not a change of
    /// the clock's times, so `version` stays).
    pub fn set_picture_offset_us(&mut self, offset_us: Micros) {
        self.picture_offset_us = offset_us;
    }

    pub fn picture_offset_us(&self) -> Micros {
        self.picture_offset_us
    }

    fn threshold_secs(&self) -> f64 {
        self.target_secs.unwrap_or(DEFAULT_SEGMENT_SECS)
    }

    fn segment(&self, sn: u64) -> Option<&SegmentClock> {
        let first = self.segments.front()?.sn;
        self.segments.get(usize::try_from(sn.checked_sub(first)?).ok()?)
    }

    fn run(&self, id: u64) -> Option<&RunClock> {
        let first = self.runs.front()?.id;
        self.runs.get(usize::try_from(id.checked_sub(first)?).ok()?)
    }

    /// Takes a (re)load the fixer has just taken (`change` is what `fix` said).
    pub fn on_playlist(&mut self, fixer: &PlaylistFixer, change: ListChange) {
        let listed = fixer.listed();
        self.target_secs = fixer.header().target_duration;
        let media_sequence = fixer.header().media_sequence;
        // A reload the clock missed (never in the player: both follow each load) is taken whole.
        let in_step = match change {
            ListChange::Slid { dropped, appended } => {
                (self.segments.len() + appended).checked_sub(dropped) == Some(listed.len())
            }
            ListChange::Replaced => true,
        };
        let change = if in_step { change } else { ListChange::Replaced };
        match change {
            ListChange::Replaced => {
                let first = listed.front().map(|l| l.fixed.sn);
                // What the player may still show of segments listed before and not now.
                let gone: Vec<u64> = self
                    .segments
                    .iter()
                    .map(|s| s.sn)
                    .filter(|sn| first.is_none_or(|f| *sn < f))
                    .collect();
                self.retire(&gone);
                // Headers already read stay known.
                let known: Vec<(u64, UnixMicros)> =
                    self.segments.iter().filter_map(|s| Some((s.sn, s.last_modified?))).collect();
                self.segments.clear();
                self.runs.clear();
                let runs = runs_of(listed.iter().map(|l| &l.entry), media_sequence);
                let mut entries = listed.iter();
                for run in &runs {
                    let origin_epoch = run.estimated_start();
                    self.push_run(origin_epoch, run.check);
                    for l in entries.by_ref().take(run.len) {
                        self.push_segment(l);
                    }
                }
                for (sn, lm) in known {
                    self.set_last_modified(sn, lm);
                }
                if !self.timeline_from_player {
                    self.timeline = extinf_timeline(listed);
                }
            }
            ListChange::Slid { dropped, appended } => {
                let gone: Vec<u64> = self.segments.iter().take(dropped).map(|s| s.sn).collect();
                self.retire(&gone);
                for _ in 0..dropped {
                    if let Some(s) = self.segments.pop_front() {
                        if let Some(run) = self.runs.front_mut().filter(|r| r.id == s.run_id) {
                            run.first_sn += 1;
                            run.len = run.len.saturating_sub(1);
                        }
                    }
                    while self.runs.front().is_some_and(|r| r.len == 0) {
                        self.runs.pop_front();
                    }
                }
                let start = listed.len().saturating_sub(appended);
                for (i, l) in listed.iter().enumerate().skip(start) {
                    if l.entry.discontinuity || self.segments.is_empty() {
                        // A run new at the end: numbered by the rule with the entries listed before it.
                        let listed_before = if i == 0 { 0 } else { i as i64 };
                        let (secs, check) =
                            run_start(l.entry.number, listed_before, media_sequence);
                        self.push_run(secs.and_then(epoch_start), check);
                    }
                    self.push_segment(l);
                }
                if !self.timeline_from_player && appended + dropped > 0 {
                    self.timeline = extinf_timeline(listed);
                }
            }
        }
        self.version += 1;
    }

    fn push_run(&mut self, origin_epoch: Option<UnixMicros>, check: SequenceCheck) {
        let id = self.next_run_id;
        self.next_run_id += 1;
        self.runs.push_back(RunClock {
            id,
            origin_epoch,
            check,
            first_sn: 0,
            len: 0,
            anchors: BTreeMap::new(),
            probe: Probe::NotAsked,
            has_pdt: false,
        });
    }

    /// Appends a listed entry to the last run.
    fn push_segment(&mut self, l: &ListedEntry) {
        let Some(run) = self.runs.back_mut() else { return };
        let prev = self.segments.back().filter(|s| s.run_id == run.id);
        let offset_secs = prev.map_or(0.0, |p| p.offset_secs + p.duration);
        // Program date-time holds for its own segment and, by EXTINF, for the
        // following ones of the same run (never across a discontinuity).
        let carried =
            prev.and_then(|p| Some(p.program_date_time?.plus(secs_to_micros(p.duration)?)));
        let program_date_time = l.entry.program_date_time.or(carried);
        if run.len == 0 {
            run.first_sn = l.fixed.sn;
        }
        run.len += 1;
        run.has_pdt |= program_date_time.is_some();
        self.segments.push_back(SegmentClock {
            sn: l.fixed.sn,
            duration: l.entry.duration,
            run_id: run.id,
            offset_secs,
            program_date_time,
            last_modified: None,
        });
    }

    /// Keeps what these listed segments map to, for frames still in the player.
    fn retire(&mut self, sns: &[u64]) {
        for &sn in sns {
            // Never placed by the player: nothing of it can be on screen.
            let Some(span) = self.timeline.iter().find(|s| s.sn == sn).copied() else { continue };
            if self
                .retired
                .back()
                .is_some_and(|r| r.span.sn >= sn || r.span.start_secs > span.start_secs)
            {
                continue;
            }
            let start = self.segment_start(sn);
            self.retired.push_back(RetiredSegment { span, start });
            if self.retired.len() > RETIRED_SEGMENTS {
                self.retired.pop_front();
            }
        }
    }

    /// Takes hls.js's fragment positions: `[sn, start, duration]` triples, media seconds.
    /// Malformed triples are skipped.
    pub fn on_timeline(&mut self, flat: &[f64]) {
        self.on_spans(fragment_spans(flat));
    }

    /// `on_timeline` with the positions already parsed (`fragment_spans`).
    pub fn on_spans(&mut self, spans: Vec<FragmentSpan>) {
        if spans != self.timeline {
            self.timeline = spans;
            self.timeline_from_player = true;
            self.version += 1;
        }
    }

    /// Takes the `Last-Modified` header of a loaded segment (`None` or garbage: ignored).
    pub fn on_last_modified(&mut self, sn: u64, header: Option<&str>) {
        if let Some(t) = header.and_then(parse_http_date) {
            self.set_last_modified(sn, t);
        }
    }

    fn set_last_modified(&mut self, sn: u64, t: UnixMicros) {
        let Some(first) = self.segments.front().map(|s| s.sn) else { return };
        let Some(i) = sn.checked_sub(first).and_then(|d| usize::try_from(d).ok()) else { return };
        let Some(seg) = self.segments.get_mut(i) else { return };
        if seg.last_modified == Some(t) {
            return;
        }
        seg.last_modified = Some(t);
        let (run_id, duration, offset_secs) = (seg.run_id, seg.duration, seg.offset_secs);
        let Some(start) = last_modified_start(t, duration) else { return };
        let Some(first_run) = self.runs.front().map(|r| r.id) else { return };
        if let Some(run) = run_id
            .checked_sub(first_run)
            .and_then(|d| usize::try_from(d).ok())
            .and_then(|r| self.runs.get_mut(r))
        {
            run.anchors.insert(sn, Anchor { start, offset_secs });
            // Anchors of segments long gone place nothing the player can still show.
            let keep_from = run.first_sn.saturating_sub(RETIRED_SEGMENTS as u64);
            while run.anchors.first_key_value().is_some_and(|(k, _)| *k < keep_from) {
                run.anchors.pop_first();
            }
        }
        self.version += 1;
    }

    /// Segments whose headers the player should read, one per run placed by
    /// nothing yet (the run's newest listed segment); each run is asked for once.
    pub fn take_probes(&mut self) -> Vec<u64> {
        let mut out = Vec::new();
        for run in self.runs.iter_mut().filter(|r| {
            r.probe == Probe::NotAsked && r.anchors.is_empty() && !r.has_pdt && r.len > 0
        }) {
            run.probe = Probe::Out;
            out.push(run.last_sn());
        }
        out
    }

    /// The probe of segment `sn` (from `take_probes`) is over, whatever came of
    /// it: its run is mapped from now on with what is known.
    pub fn on_probe_done(&mut self, sn: u64) {
        if let Some(run) = self
            .runs
            .iter_mut()
            .find(|r| r.probe == Probe::Out && r.first_sn <= sn && sn <= r.last_sn())
        {
            run.probe = Probe::Done;
            self.version += 1;
        }
    }

    /// Probes asked for and not over yet.
    pub fn probes_out(&self) -> usize {
        self.runs.iter().filter(|r| r.probe == Probe::Out).count()
    }

    fn span_at(&self, media_secs: f64) -> Option<FragmentSpan> {
        if !media_secs.is_finite() {
            return None;
        }
        let starts_by = |s: &FragmentSpan| s.start_secs <= media_secs + BOUNDARY_SLACK_SECS;
        let i = self.timeline.partition_point(starts_by);
        let span = match i.checked_sub(1) {
            Some(i) => self.timeline.get(i).copied(),
            // Before the listed segments: those that left the playlist.
            None => {
                let r = self.retired.partition_point(|r| starts_by(&r.span));
                r.checked_sub(1).and_then(|r| self.retired.get(r)).map(|r| r.span)
            }
        }?;
        (media_secs < span.end_secs() + END_SLACK_SECS).then_some(span)
    }

    /// The wall start chosen for segment `sn` (listed, or retired with what it had).
    pub fn segment_start(&self, sn: u64) -> Option<FrameTime> {
        let Some(seg) = self.segment(sn) else {
            let i = self.retired.partition_point(|r| r.span.sn < sn);
            return self.retired.get(i).filter(|r| r.span.sn == sn).and_then(|r| r.start);
        };
        let run = self.run(seg.run_id)?;
        let anchor = run.nearest_anchor(sn).map(|(_, a)| a);
        self.choose(seg, run, anchor)
    }

    /// The start of `seg` by the rule in the module notes, `anchor` being its run's nearest.
    fn choose(
        &self,
        seg: &SegmentClock,
        run: &RunClock,
        anchor: Option<Anchor>,
    ) -> Option<FrameTime> {
        if run.probe == Probe::Out && anchor.is_none() && seg.program_date_time.is_none() {
            // Not placed yet: its probe is out.
            return None;
        }
        let epoch = run.epoch(seg.offset_secs);
        let last_modified = anchor
            .and_then(|a| Some(a.start.plus(secs_to_micros(seg.offset_secs - a.offset_secs)?)));
        let disagree = anchor.is_some_and(|a| run.disagree_at(&a, self.threshold_secs()));
        let by = |m: RecordingClockMethod| match m {
            RecordingClockMethod::ProgramDateTime => seg.program_date_time,
            RecordingClockMethod::SegmentEpoch => epoch,
            RecordingClockMethod::LastModified => last_modified,
        };
        let pick = |method: RecordingClockMethod, methods_disagree: bool| {
            by(method).map(|at| FrameTime {
                at,
                method: method.into(),
                methods_disagree,
                epoch: clock_epoch(run.id, method.into()),
            })
        };
        if let Some(p) = self.prefer {
            if let Some(t) = pick(p, disagree && p == RecordingClockMethod::LastModified) {
                return Some(t);
            }
        }
        pick(RecordingClockMethod::ProgramDateTime, false)
            .or_else(
                || if disagree { pick(RecordingClockMethod::LastModified, true) } else { None },
            )
            .or_else(|| pick(RecordingClockMethod::SegmentEpoch, false))
            .or_else(|| pick(RecordingClockMethod::LastModified, false))
    }

    /// The `sn` of the segment under a media time (diagnostics and tests).
    pub fn segment_at(&self, media_secs: f64) -> Option<u64> {
        self.span_at(media_secs).map(|s| s.sn)
    }

    /// Wall time to media time, for the segment that holds `t` by its chosen start.
    pub fn media_time_of(&self, t: UnixMicros) -> Option<f64> {
        self.timeline.iter().find_map(|span| {
            let start = self.segment_start(span.sn)?.at;
            let offset = t.since(start) as f64 / 1e6;
            (0.0..span.duration_secs).contains(&offset).then_some(span.start_secs + offset)
        })
    }

    /// Where wall time `t` falls: its frame's media time, or the nearest recorded moment.
    pub fn locate(&self, t: UnixMicros) -> Located {
        if let Some(media_secs) = self.media_time_of(t) {
            return Located::Recorded { media_secs };
        }
        let mut best: Option<(u64, UnixMicros, f64)> = None;
        for span in &self.timeline {
            let Some(start) = self.segment_start(span.sn).map(|f| f.at) else { continue };
            let Some(end) = secs_to_micros(span.duration_secs).map(|d| start.plus(d)) else {
                continue;
            };
            // The segment's first frame, or its last moment.
            for (at, media_secs) in [(start, span.start_secs), (end, span.end_secs() - 0.001)] {
                let distance = t.since(at).unsigned_abs();
                if best.is_none_or(|(d, _, _)| distance < d) {
                    best = Some((distance, at, media_secs));
                }
            }
        }
        match best {
            Some((_, nearest, media_secs)) => Located::NotRecorded { nearest, media_secs },
            None => Located::Unknown,
        }
    }

    /// The end of the newest listed segment by its chosen start: what the
    /// recording holds up to (it grows while the recorder runs).
    pub fn recorded_until(&self) -> Option<UnixMicros> {
        let last = self.segments.back()?;
        Some(self.segment_start(last.sn)?.at.plus(secs_to_micros(last.duration)?))
    }

    /// Per run, in listed order: its wall span by the chosen methods.
    pub fn runs(&self) -> Vec<RunSummary> {
        self.runs
            .iter()
            .map(|run| {
                let mut wall: Option<(UnixMicros, UnixMicros)> = None;
                let mut widen = |seg: &SegmentClock, anchor: Option<Anchor>| {
                    let Some(start) = self.choose(seg, run, anchor).map(|f| f.at) else { return };
                    let end = start.plus(secs_to_micros(seg.duration).unwrap_or(0));
                    wall = Some(match wall {
                        None => (start, end),
                        Some((a, b)) => (a.min(start), b.max(end)),
                    });
                };
                if run.has_pdt {
                    // Program date-time may start anywhere in the run: every segment.
                    for sn in run.first_sn..=run.last_sn() {
                        if let Some(seg) = self.segment(sn) {
                            widen(seg, run.nearest_anchor(sn).map(|(_, a)| a));
                        }
                    }
                } else {
                    // Elsewhere a start grows with the offset within a region of one anchor: its ends suffice.
                    for (from, to, anchor) in run.regions() {
                        for sn in [from, to] {
                            if let Some(seg) = self.segment(sn) {
                                widen(seg, anchor);
                            }
                        }
                    }
                }
                RunSummary { wall, segments: run.len, sequence_check: run.check }
            })
            .collect()
    }

    /// Segments whose segment-epoch and last-modified estimates disagree by more than a segment.
    pub fn disagreeing_segments(&self) -> usize {
        self.runs
            .iter()
            .flat_map(|run| run.regions().into_iter().map(move |r| (run, r)))
            .filter(|(run, (_, _, anchor))| {
                anchor.is_some_and(|a| run.disagree_at(&a, self.threshold_secs()))
            })
            .map(|(_, (from, to, _))| usize::try_from(to - from + 1).unwrap_or(usize::MAX))
            .sum()
    }

    /// Listed segments and how many of them have a `Last-Modified` yet.
    pub fn segment_counts(&self) -> (usize, usize) {
        let with =
            self.runs.iter().map(|r| r.anchors.range(r.first_sn..=r.last_sn()).count()).sum();
        (self.segments.len(), with)
    }
}

/// hls.js's own first guess before it reports: `EXTINF` laid end to end from 0.
fn extinf_timeline(listed: &VecDeque<ListedEntry>) -> Vec<FragmentSpan> {
    let mut start = 0.0;
    listed
        .iter()
        .map(|l| {
            let span =
                FragmentSpan { sn: l.fixed.sn, start_secs: start, duration_secs: l.entry.duration };
            start += l.entry.duration;
            span
        })
        .collect()
}

impl FrameClock for RecordingClock {
    fn wall_time(&self, media_secs: f64) -> Option<FrameTime> {
        let span = self.span_at(media_secs)?;
        let start = self.segment_start(span.sn)?;
        let offset = UnixMicros::from_secs_f64(media_secs - span.start_secs)?.0;
        Some(FrameTime { at: start.at.plus(offset), ..start })
    }
}

#[cfg(test)]
mod tests;
