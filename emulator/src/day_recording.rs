//! Demo backend, day camera: VAS's 24-hour rolling recording playlist, growing on the emulator's clock.
//!
//! Dev tooling only. The camera `DAY_CAMERA_ID` serves the recordings
//! endpoints (vas-contract.md section 5) and the event lists as VAS would
//! after a day of recording, so the viewer's recordings page can be measured
//! against a full playlist. Everything is computed from a fixed schedule and
//! the clock; nothing of the day is stored.
//!
//! # Timeline
//!
//! T0 is the backend's start on its wall clock. The day's "now" is
//! T0 + (real time elapsed) x `BackendConfig::day_speed` (default 1). Four
//! recorder runs start at T0-26h, T0-19h, T0-7h and T0-90min; the first
//! three stop with a short last segment at least `IDLE_US` before the next
//! start (gaps of seconds to minutes), the fourth keeps recording. The first
//! frame of a run reaches the recorder `FIRST_FRAME_LATENCY_US` after it
//! started (make_recording.py's rule); segment i of a run then starts
//! i x 6 s later. Full segments are 6 s; a stopped run's last one is 2.4 s,
//! 3.5 s and 1.2 s (the demo's short segments). A segment is listed once its
//! end has passed; the playlist keeps the newest `LIST_SIZE` (14 400, FFmpeg's
//! `hls_list_size`) entries, so at T0 it is full and, since run 0 started 26 h
//! before, has been for about two hours: run 3 started on a full playlist,
//! runs 1 and 2 on a partly filled one.
//!
//! # Numbering, as FFmpeg's hlsenc with `append_list` and `hls_start_number_source epoch`
//!
//! - A run started on an empty playlist numbers its first segment with its
//!   start's Unix seconds, then +1 per segment.
//! - A run started while K entries are listed numbers its first segment
//!   start_epoch + K (hlsenc re-reads the old playlist and counts each entry).
//! - `EXT-X-MEDIA-SEQUENCE` = (newest listed run's first number) - (entries
//!   listed before that run): hlsenc's `sequence - nb_entries`. It equals the
//!   newest run's start epoch at the restart (as the contract observed) and
//!   grows by one with every entry that rolls off since. That roll-off
//!   behaviour is FFmpeg's, inferred from its source, not observed on VAS;
//!   note too that hlsenc turns its sliding window off for a playlist with a
//!   type (EVENT), so how VAS keeps its playlist to about 24 h is not known:
//!   the roll-off here is an assumption of the emulator.
//! - `#EXT-X-DISCONTINUITY` precedes the first segment of every run (hlsenc
//!   marks each run's first segment); when that segment has rolled off, its
//!   tag has gone with it, so at T0 the playlist starts inside run 0
//!   without a tag and lists three tags for four runs.
//! - `#EXT-X-VERSION:3`, `#EXT-X-TARGETDURATION:6`, `#EXT-X-PLAYLIST-TYPE:EVENT`,
//!   `#EXTINF:6.000000,`, relative `segment-N.ts` URIs, no program date-time,
//!   no ENDLIST.
//!
//! # Segments
//!
//! A listed segment (or one rolled off less than `ROLLED_OFF_GRACE_US` ago)
//! answers the demo's full segment (segment-1767618000.ts) or, for a stopped
//! run's last one, the demo's short segment of that many frames, with its
//! PTS, DTS and PCR moved (`ts_shift`) so that segment i of a run starts
//! i x 6 s after the run's first, which starts where the demo's run starts:
//! timestamps run on within a run and restart with each run. Shifted on the
//! fly (about 100 kB), nothing cached. Headers as recording.rs sends them;
//! `Last-Modified` is the true end + 50 ms, truncated to the second. Others
//! answer 404 with VAS's envelope. `Faults::missing_segments` and
//! `Faults::garbage_segments` apply by number; `Faults::huge_playlist_mb`
//! pads the playlist.
//!
//! # Events
//!
//! Each day segment's events are the demo recording's events of its source
//! segment at the same offset into the segment, keeping per model only the
//! first event of every 15-frame window (2 events/s per model), with
//! `camera_id` = `DAY_CAMERA_ID`, `frame_id` counted from the run's first
//! frame, and ids derived from (segment's true start, source id). Events
//! exist for every frame up to the day's now, rolled-off segments included
//! (VAS keeps its rows). They are never stored: a list query on the day
//! camera (camera in the path or `camera_id`; a query without a camera filter
//! does not see them) generates only the rows its page can hold, and counts
//! the rest segment by segment, so `total`, `limit` and `offset` are exact for
//! any span, unbounded included, without a day's rows in memory. The single
//! event endpoint does not find them.

mod ts_shift;

use std::io;
use std::path::Path;
use std::time::Instant;

use serde::Serialize;
use serde_json::{json, Value};
use vas_overlay_viewer::core::time::civil_from_days;

use crate::api::events::mix64;
use crate::api::{api_error, api_json};
use crate::demo_data::{data_error, read_json, EventsFile, StoredEvent, EVENTS_FILE_SHAPE};
use crate::faults::Faults;
use crate::http::answer::{AnswerBody, HttpAnswer};
use crate::http::request::RequestParts;
use crate::recording::{
    garbage_bytes, padded, segment_fault, segment_key, RecordingFile, SegmentEntry,
    RECORDING_FILE_SHAPE,
};
use crate::text_formats::{format_vas_time, parse_rfc3339};

/// The dev-only camera whose recordings are a day long and grow on the clock.
pub const DAY_CAMERA_ID: &str = "d4a7c2e9-5b13-4e8f-a6d0-3c9e1f7b2a58";
/// Entries the playlist keeps (FFmpeg `hls_list_size`): 24 h of 6 s segments.
pub const LIST_SIZE: u64 = 14_400;
/// A full segment.
pub const SEGMENT_US: i64 = 6_000_000;
/// From a recorder's start to its first frame (make_recording.py's FIRST_FRAME_LATENCY).
pub const FIRST_FRAME_LATENCY_US: i64 = 120_000;
/// From a segment's true end to its file's last write (its Last-Modified).
pub const LAST_MODIFIED_LATENCY_US: i64 = 50_000;
/// A rolled-off segment is still served this long after it left the playlist.
pub const ROLLED_OFF_GRACE_US: i64 = 600_000_000;
/// Upper bound of `BackendConfig::day_speed`.
pub const MAX_DAY_SPEED: f64 = 100_000.0;

const HOUR_US: i64 = 3_600_000_000;
const MINUTE_US: i64 = 60_000_000;
/// Recorder starts, relative to T0.
const RUN_STARTS_US: [i64; 4] = [-26 * HOUR_US, -19 * HOUR_US, -7 * HOUR_US, -90 * MINUTE_US];
/// At least this long from a stopped run's last segment end to the next start.
const IDLE_US: [i64; 3] = [40_000_000, 3 * MINUTE_US, 8_000_000];
/// Frames of each stopped run's short last segment: the demo's short segment with as many.
const TAIL_FRAMES: [u64; 3] = [72, 105, 36];
/// The demo's full segment every full day segment is made of.
const FULL_SOURCE: &str = "segment-1767618000.ts";
const FULL_FRAMES: u64 = 180;
const FPS: u64 = 30;
/// Per model, one event in each window of this many frames is kept.
const EVENT_WINDOW_FRAMES: u64 = 15;
/// 90 kHz ticks of a full segment.
const SEGMENT_TICKS: u64 = 540_000;
/// Stored order of generated rows (ties under `stable_ties`): after every stored row.
const ORDER_BASE: u64 = 1 << 40;

/// The day's clock: T0 plus the real time elapsed since, times the speed.
pub(super) struct DayClock {
    t0_us: i64,
    started: Instant,
    speed: f64,
}

impl DayClock {
    /// A clock at `t0_us` now, running `speed` times real time (None: 1).
    pub fn start(t0_us: i64, speed: Option<f64>) -> io::Result<DayClock> {
        let speed = speed.unwrap_or(1.0);
        if !(speed.is_finite() && speed > 0.0 && speed <= MAX_DAY_SPEED) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("demo backend: day_speed must be above 0 and at most {MAX_DAY_SPEED}, not {speed}"),
            ));
        }
        Ok(DayClock { t0_us, started: Instant::now(), speed })
    }

    /// The day's now, microseconds since the Unix epoch.
    pub fn now_us(&self) -> i64 {
        let real = i64::try_from(self.started.elapsed().as_micros()).unwrap_or(i64::MAX);
        let day = if self.speed == 1.0 {
            real
        } else {
            let scaled = real as f64 * self.speed;
            if scaled.is_finite() && scaled < i64::MAX as f64 / 2.0 {
                scaled as i64
            } else {
                i64::MAX / 2
            }
        };
        self.t0_us.saturating_add(day)
    }
}

/// A demo segment a day segment is made of.
struct Source {
    bytes: Vec<u8>,
    /// Its first PTS (90 kHz).
    first_pts: u64,
    duration_us: i64,
    /// Its kept events, newest offset first.
    events: Vec<SourceEvent>,
}

struct SourceEvent {
    /// From the segment's first frame.
    offset_us: i64,
    /// Frames from the segment's first frame.
    frame: u64,
    model_id: String,
    source_id: String,
    raw: Value,
}

/// One recorder run of the schedule.
struct Run {
    recorder_start_us: i64,
    first_frame_us: i64,
    first_number: u64,
    /// Full segments; for the last run, unbounded.
    full: Option<u64>,
    /// Index into `sources` of the short last segment (stopped runs).
    tail: Option<usize>,
    /// Segments of earlier runs.
    before: u64,
}

impl Run {
    /// Segments of a stopped run.
    fn len(&self) -> Option<u64> {
        self.full.map(|f| f + u64::from(self.tail.is_some()))
    }
}

/// A day segment, as the test truth reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DaySegment {
    pub number: u64,
    /// Run index, 0 the oldest.
    pub run: usize,
    /// Index in its run.
    pub index: u64,
    /// True wall time of its first frame.
    pub true_start_us: i64,
    pub duration_us: i64,
}

/// A recorder run, as the test truth reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DayRun {
    pub recorder_start_us: i64,
    pub first_frame_us: i64,
    pub first_number: u64,
    /// Segments of a stopped run; None while recording.
    pub segments: Option<u64>,
}

/// What the day camera's playlist lists at one instant, for tests and benches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DayTruth {
    pub t0_us: i64,
    pub now_us: i64,
    pub media_sequence: u64,
    pub runs: Vec<DayRun>,
    /// The listed segments, oldest first.
    pub segments: Vec<DaySegment>,
    /// The newest listed segment.
    pub newest: Option<DaySegment>,
}

/// The rows a list query on the day camera gets: those its page can hold,
/// and how many matching rows come before and after them.
#[derive(Default)]
pub(super) struct DayRows {
    pub(super) rows: Vec<StoredEvent>,
    pub skipped_newer: usize,
    pub skipped_older: usize,
}

/// The day camera: its schedule, sources and clock.
pub(super) struct DayRecording {
    clock: DayClock,
    runs: Vec<Run>,
    /// `sources[0]` is the full segment; then the tails.
    sources: Vec<Source>,
}

/// A segment of the schedule by run and index in the run.
#[derive(Clone, Copy)]
struct Seg<'a> {
    run: &'a Run,
    run_index: usize,
    index: u64,
}

impl Seg<'_> {
    fn is_tail(&self) -> bool {
        self.run.tail.is_some() && Some(self.index) == self.run.full
    }
    fn source(&self) -> usize {
        if self.is_tail() {
            self.run.tail.unwrap_or(0)
        } else {
            0
        }
    }
    fn start_us(&self) -> i64 {
        let offset = i64::try_from(self.index)
            .ok()
            .and_then(|i| i.checked_mul(SEGMENT_US))
            .unwrap_or(i64::MAX);
        self.run.first_frame_us.saturating_add(offset)
    }
    fn global(&self) -> u64 {
        self.run.before.saturating_add(self.index)
    }
    fn number(&self) -> u64 {
        self.run.first_number.saturating_add(self.index)
    }
}

/// The UTC day of an instant as VAS's recordings API names it: `YYYYMMDD`.
fn date_of(us: i64) -> String {
    let (y, m, d) = civil_from_days(us.div_euclid(86_400_000_000));
    format!("{y:04}{m:02}{d:02}")
}

/// An HTTP date (IMF-fixdate) of whole seconds since the epoch.
fn http_date(secs: i64) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let days = secs.div_euclid(86_400);
    let s = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let weekday = DAYS[(days + 4).rem_euclid(7) as usize];
    let month = MONTHS[usize::try_from(m - 1).unwrap_or(0).min(11)];
    format!(
        "{weekday}, {d:02} {month} {y:04} {:02}:{:02}:{:02} GMT",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// `EXTINF` as FFmpeg writes it: six decimals.
fn extinf(duration_us: i64) -> String {
    format!("#EXTINF:{}.{:06},", duration_us / 1_000_000, duration_us % 1_000_000)
}

/// A stable UUID (version 8, RFC 4122 variant) for the copy of source event
/// `source_id` in the day segment starting at `start_us`.
fn derived_id(start_us: i64, source_id: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in source_id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let a = mix64(h ^ mix64(start_us as u64));
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

/// Duration of `frames` at 30 fps, microseconds (make_recording.py's rounding).
fn frames_us(frames: u64) -> i64 {
    i64::try_from((2 * frames * 1_000_000 + FPS) / (2 * FPS)).unwrap_or(i64::MAX)
}

impl DayRecording {
    /// Loads the sources from `dir/recording/` (the demo recording) and lays
    /// out the day around the clock's T0; None when the data has no recording.
    pub fn load(dir: &Path, clock: DayClock) -> io::Result<Option<DayRecording>> {
        let dir = dir.join("recording");
        let meta_path = dir.join("recording.json");
        if !meta_path.is_file() {
            return Ok(None);
        }
        let RecordingFile { segments, .. } = read_json(&meta_path, RECORDING_FILE_SHAPE)?;
        let find = |what: &str, pick: &dyn Fn(&SegmentEntry) -> bool| {
            segments
                .iter()
                .find(|s| pick(s))
                .cloned()
                .ok_or_else(|| data_error(&meta_path, format!("the day camera needs {what}")))
        };
        let mut picked = vec![find(&format!("{FULL_SOURCE} of {FULL_FRAMES} frames"), &|s| {
            s.file == FULL_SOURCE && s.frames == FULL_FRAMES
        })?];
        for frames in TAIL_FRAMES {
            picked.push(find(&format!("a short segment of {frames} frames"), &|s| {
                s.frames == frames
            })?);
        }

        let events_path = dir.join("events.json");
        let EventsFile { events: all_events } = read_json(&events_path, EVENTS_FILE_SHAPE)?;
        let mut sources = Vec::new();
        for s in &picked {
            let file = s.file.as_str();
            let bad = |what: String| data_error(&meta_path, format!("{file}: {what}"));
            let true_start =
                parse_rfc3339(&s.true_start).map_err(|_| bad("bad `true_start`".into()))?;
            let (first_frame, frames) = (s.first_frame, s.frames);
            let duration_us = frames_us(frames);
            let path = dir.join(file);
            let bytes =
                std::fs::read(&path).map_err(|e| data_error(&path, format!("cannot read: {e}")))?;
            let first_pts = ts_shift::walk(&bytes)
                .map_err(|e| data_error(&path, e))?
                .first_pts
                .ok_or_else(|| data_error(&path, "no PTS"))?;
            // The source's events, oldest frame first; then per model the first of each 15-frame window.
            let mut candidates: Vec<SourceEvent> = Vec::new();
            for e in &all_events {
                let Some(ts) = e["timestamp"].as_str().and_then(|t| parse_rfc3339(t).ok()) else {
                    continue;
                };
                let offset_us = ts - true_start;
                if !(0..duration_us).contains(&offset_us) {
                    continue;
                }
                let frame = e["frame_id"]
                    .as_u64()
                    .and_then(|f| f.checked_sub(first_frame))
                    .ok_or_else(|| bad(format!("event {} has no usable frame_id", e["id"])))?;
                let model_id = e["model_id"].as_str().unwrap_or_default().to_string();
                let source_id = e["id"].as_str().unwrap_or_default().to_string();
                candidates.push(SourceEvent {
                    offset_us,
                    frame,
                    model_id,
                    source_id,
                    raw: e.clone(),
                });
            }
            candidates.sort_by_key(|e| e.frame);
            let mut events: Vec<SourceEvent> = Vec::new();
            for e in candidates {
                let window = e.frame / EVENT_WINDOW_FRAMES;
                if !events
                    .iter()
                    .any(|k| k.model_id == e.model_id && k.frame / EVENT_WINDOW_FRAMES == window)
                {
                    events.push(e);
                }
            }
            // Newest first; equal offsets by model, so the order is the data's, not the file's.
            events.sort_by(|a, b| {
                b.offset_us.cmp(&a.offset_us).then_with(|| a.model_id.cmp(&b.model_id))
            });
            sources.push(Source { bytes, first_pts, duration_us, events });
        }
        Self::lay_out(clock, sources).map(Some).map_err(|e| data_error(&meta_path, e))
    }

    /// The schedule around the clock's T0.
    fn lay_out(clock: DayClock, sources: Vec<Source>) -> Result<DayRecording, String> {
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

    fn seg(&self, run_index: usize, index: u64) -> Seg<'_> {
        Seg { run: &self.runs[run_index], run_index, index }
    }

    fn duration_us(&self, seg: Seg) -> i64 {
        self.sources[seg.source()].duration_us
    }

    fn end_us(&self, seg: Seg) -> i64 {
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
    fn at_global(&self, g: u64) -> Seg<'_> {
        let r = self.runs.iter().rposition(|run| run.before <= g).unwrap_or(0);
        self.seg(r, g - self.runs[r].before)
    }

    /// Listed global indices at `now`: `lo..hi`.
    fn listed(&self, now: i64) -> (u64, u64) {
        let hi = self.ended(now);
        (hi.saturating_sub(LIST_SIZE), hi)
    }

    /// The segment numbered `number`, if the schedule has one (ended or not).
    fn by_number(&self, number: u64) -> Option<Seg<'_>> {
        let r = self.runs.iter().rposition(|run| run.first_number <= number)?;
        let index = number - self.runs[r].first_number;
        let run = &self.runs[r];
        (run.len().is_none_or(|len| index < len)).then(|| self.seg(r, index))
    }

    fn media_sequence(&self, lo: u64, hi: u64) -> Option<u64> {
        let newest = self.at_global(hi.checked_sub(1)?);
        let listed_before = newest.run.before.saturating_sub(lo);
        newest.run.first_number.checked_sub(listed_before)
    }

    /// The playlist at `now`; None before any segment ended.
    fn playlist_at(&self, now: i64) -> Option<String> {
        let (lo, hi) = self.listed(now);
        let sequence = self.media_sequence(lo, hi)?;
        let mut out = String::with_capacity(usize::try_from(hi - lo).unwrap_or(0) * 48 + 160);
        out.push_str(&format!("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:{sequence}\n#EXT-X-PLAYLIST-TYPE:EVENT\n"));
        for g in lo..hi {
            let seg = self.at_global(g);
            if seg.index == 0 {
                out.push_str("#EXT-X-DISCONTINUITY\n");
            }
            out.push_str(&extinf(self.duration_us(seg)));
            out.push_str(&format!("\nsegment-{}.ts\n", seg.number()));
        }
        Some(out)
    }

    /// The truth at `now` (see [`DayTruth`]).
    fn truth_at(&self, now: i64) -> DayTruth {
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

    /// The truth now: every listed segment's number, true start and duration.
    pub fn truth(&self) -> DayTruth {
        self.truth_at(self.clock.now_us())
    }

    /// `GET .../segment-N.ts` at `now`, with the fault that shaped it.
    fn segment_at(
        &self,
        name: &str,
        now: i64,
        faults: &Faults,
        path: &str,
    ) -> (HttpAnswer, Option<&'static str>) {
        let not_found = || (api_error(404, "Segment not found", path), None);
        let Some(seg) = segment_key(name).and_then(|n| self.by_number(n)) else {
            return not_found();
        };
        let end = self.end_us(seg);
        let (lo, _) = self.listed(now);
        let served = end <= now
            && (seg.global() >= lo || {
                // Rolled off when the segment LIST_SIZE after it was listed.
                let pushed_by = self.at_global(seg.global().saturating_add(LIST_SIZE));
                now < self.end_us(pushed_by).saturating_add(ROLLED_OFF_GRACE_US)
            });
        if !served {
            return not_found();
        }
        let fault = segment_fault(faults, name);
        if fault == Some("missing_segments") {
            return (api_error(404, "Segment not found", path), fault);
        }
        let source = &self.sources[seg.source()];
        // Segment i of a run starts i x 6 s after the run's first, which starts where the full source does.
        let target = (u128::from(self.sources[0].first_pts)
            + u128::from(seg.index) * u128::from(SEGMENT_TICKS))
            % u128::from(ts_shift::WRAP);
        let delta = (target + u128::from(ts_shift::WRAP) - u128::from(source.first_pts))
            % u128::from(ts_shift::WRAP);
        let mut bytes = source.bytes.clone();
        if let Err(e) = ts_shift::shift(&mut bytes, u64::try_from(delta).unwrap_or(0)) {
            // Checked at load: cannot happen with the loaded sources.
            return (api_error(500, &format!("Internal server error: {e}"), path), None);
        }
        let len = bytes.len() as u64;
        let modified_us = end.saturating_add(LAST_MODIFIED_LATENCY_US);
        let body = if fault == Some("garbage_segments") {
            AnswerBody::Bytes(garbage_bytes(len))
        } else {
            AnswerBody::Bytes(bytes)
        };
        let reply = HttpAnswer {
            status: 200,
            headers: vec![("Content-Type".into(), "video/mp2t".into())],
            body,
        }
        .with("Last-Modified", http_date(modified_us.div_euclid(1_000_000)))
        .with("ETag", format!("\"{modified_us:x}-{len:x}\""))
        .with("Cache-Control", "public, max-age=31536000")
        .with("Access-Control-Allow-Origin", "*");
        (reply, fault)
    }

    /// `GET .../dates` at `now`: the UTC dates of the listed segments, newest first.
    fn dates_at(&self, now: i64, device_id: &str) -> Value {
        let (lo, hi) = self.listed(now);
        let mut dates: Vec<(String, u64)> = Vec::new();
        for g in (lo..hi).rev() {
            let date = date_of(self.at_global(g).start_us());
            match dates.last_mut() {
                Some((d, n)) if *d == date => *n += 1,
                _ => dates.push((date, 1)),
            }
        }
        let dates: Vec<Value> = dates
            .into_iter()
            .map(|(d, n)| json!({"date": d, "formatted": format!("{}-{}-{}", &d[0..4], &d[4..6], &d[6..8]), "segments_count": n}))
            .collect();
        json!({"status": "success", "device_id": device_id, "dates": dates})
    }

    /// The generated rows of a list query at `now` (see the module notes):
    /// positions `offset - others .. offset + limit` of the day's matching
    /// rows, newest first, and the count of those before and after.
    #[allow(clippy::too_many_arguments)]
    fn rows_at(
        &self,
        now: i64,
        model: Option<&str>,
        start: Option<i64>,
        end: Option<i64>,
        offset: i64,
        limit: i64,
        others: usize,
    ) -> DayRows {
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

enum Route<'a> {
    /// With the camera id as the path gives it (echoed as `device_id`).
    Dates(&'a str),
    Playlist,
    Segment(&'a str),
}

/// The day camera's recordings route of `path`, if it is one.
fn match_route(path: &str) -> Option<Route<'_>> {
    let rest = path.strip_prefix("/api/v1/recordings/devices/")?;
    let (camera, tail) = rest.split_once('/')?;
    if crate::text_formats::parse_uuid(camera).ok()? != DAY_CAMERA_ID {
        return None;
    }
    match tail {
        "dates" => Some(Route::Dates(camera)),
        "playlist" => Some(Route::Playlist),
        t if t.starts_with("segment-") && t.ends_with(".ts") && !t.contains('/') => {
            Some(Route::Segment(t))
        }
        _ => None,
    }
}

/// Answers a recordings request for the day camera, or `None` when the path
/// is not one (then recording.rs answers); with the answer, the fault that
/// shaped it. `huge_playlist_mb` is the answer fault applied to this request.
pub(super) fn route(
    day: Option<&DayRecording>,
    req: &RequestParts,
    faults: &Faults,
    huge_playlist_mb: Option<u32>,
) -> Option<(HttpAnswer, Option<&'static str>)> {
    let day = day?;
    let route = match_route(req.path)?;
    if req.method != "GET" {
        return Some((api_error(405, "Method Not Allowed", req.path).with("Allow", "GET"), None));
    }
    let now = day.clock.now_us();
    Some(match route {
        Route::Dates(camera) => (api_json(200, &day.dates_at(now, camera), true), None),
        Route::Playlist => match (day.playlist_at(now), huge_playlist_mb) {
            (None, _) => (api_error(404, "No recordings found for this device", req.path), None),
            (Some(text), Some(mb)) => (
                HttpAnswer::bytes(200, "application/vnd.apple.mpegurl", padded(text, mb))
                    .with("Access-Control-Allow-Origin", "*"),
                Some("huge_playlist_mb"),
            ),
            (Some(text), None) => (
                HttpAnswer::bytes(200, "application/vnd.apple.mpegurl", text)
                    .with("Access-Control-Allow-Origin", "*"),
                None,
            ),
        },
        Route::Segment(name) => day.segment_at(name, now, faults, req.path),
    })
}

/// The day camera's rows for an event list query (canonical `camera`), none
/// unless the query is on the day camera. `others`: the other rows matching
/// it (inserted and poison rows of the day camera), which may sit among them.
#[allow(clippy::too_many_arguments)]
pub(super) fn rows_for(
    day: Option<&DayRecording>,
    camera: Option<&str>,
    model: Option<&str>,
    start: Option<i64>,
    end: Option<i64>,
    offset: i64,
    limit: i64,
    others: usize,
) -> DayRows {
    match day {
        Some(day) if camera == Some(DAY_CAMERA_ID) => {
            day.rows_at(day.clock.now_us(), model, start, end, offset, limit, others)
        }
        _ => DayRows::default(),
    }
}

#[cfg(test)]
mod tests;
