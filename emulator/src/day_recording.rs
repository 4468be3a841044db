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

use super::recording::{garbage_bytes, padded, segment_fault, segment_key};
use super::{api_error, api_json, data_error, format_vas_time, mix64, parse_rfc3339, read_json, Body, Faults, Reply, Req, StoredEvent};

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
        let offset = i64::try_from(self.index).ok().and_then(|i| i.checked_mul(SEGMENT_US)).unwrap_or(i64::MAX);
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
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let days = secs.div_euclid(86_400);
    let s = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let weekday = DAYS[(days + 4).rem_euclid(7) as usize];
    let month = MONTHS[usize::try_from(m - 1).unwrap_or(0).min(11)];
    format!("{weekday}, {d:02} {month} {y:04} {:02}:{:02}:{:02} GMT", s / 3600, s % 3600 / 60, s % 60)
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
    format!("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xFFFF, a & 0xFFFF, b >> 48, b & 0xFFFF_FFFF_FFFF)
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
        let meta = read_json(&meta_path)?;
        let segments = meta["segments"].as_array().cloned().unwrap_or_default();
        let find = |what: &str, pick: &dyn Fn(&Value) -> bool| {
            segments.iter().find(|s| pick(s)).cloned().ok_or_else(|| data_error(&meta_path, format!("the day camera needs {what}")))
        };
        let mut picked = vec![find(&format!("{FULL_SOURCE} of {FULL_FRAMES} frames"), &|s| {
            s["file"] == FULL_SOURCE && s["frames"] == FULL_FRAMES
        })?];
        for frames in TAIL_FRAMES {
            picked.push(find(&format!("a short segment of {frames} frames"), &|s| s["frames"] == frames)?);
        }

        let events_path = dir.join("events.json");
        let envelope = read_json(&events_path)?;
        let all_events = envelope["events"].as_array().cloned().unwrap_or_default();
        let mut sources = Vec::new();
        for s in &picked {
            let file = s["file"].as_str().unwrap_or_default();
            let bad = |what: String| data_error(&meta_path, format!("{file}: {what}"));
            let true_start = s["true_start"].as_str().and_then(|t| parse_rfc3339(t).ok()).ok_or_else(|| bad("bad `true_start`".into()))?;
            let first_frame = s["first_frame"].as_u64().ok_or_else(|| bad("bad `first_frame`".into()))?;
            let frames = s["frames"].as_u64().ok_or_else(|| bad("bad `frames`".into()))?;
            let duration_us = frames_us(frames);
            let path = dir.join(file);
            let bytes = std::fs::read(&path).map_err(|e| data_error(&path, format!("cannot read: {e}")))?;
            let first_pts = ts_shift::walk(&bytes).map_err(|e| data_error(&path, e))?.first_pts.ok_or_else(|| data_error(&path, "no PTS"))?;
            // The source's events, oldest frame first; then per model the first of each 15-frame window.
            let mut candidates: Vec<SourceEvent> = Vec::new();
            for e in &all_events {
                let Some(ts) = e["timestamp"].as_str().and_then(|t| parse_rfc3339(t).ok()) else { continue };
                let offset_us = ts - true_start;
                if !(0..duration_us).contains(&offset_us) {
                    continue;
                }
                let frame = e["frame_id"].as_u64().and_then(|f| f.checked_sub(first_frame)).ok_or_else(|| bad(format!("event {} has no usable frame_id", e["id"])))?;
                let model_id = e["model_id"].as_str().unwrap_or_default().to_string();
                let source_id = e["id"].as_str().unwrap_or_default().to_string();
                candidates.push(SourceEvent { offset_us, frame, model_id, source_id, raw: e.clone() });
            }
            candidates.sort_by_key(|e| e.frame);
            let mut events: Vec<SourceEvent> = Vec::new();
            for e in candidates {
                let window = e.frame / EVENT_WINDOW_FRAMES;
                if !events.iter().any(|k| k.model_id == e.model_id && k.frame / EVENT_WINDOW_FRAMES == window) {
                    events.push(e);
                }
            }
            // Newest first; equal offsets by model, so the order is the data's, not the file's.
            events.sort_by(|a, b| b.offset_us.cmp(&a.offset_us).then_with(|| a.model_id.cmp(&b.model_id)));
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
            let first_frame_us = recorder_start_us.checked_add(FIRST_FRAME_LATENCY_US).ok_or_else(overflow)?;
            let epoch = u64::try_from(recorder_start_us.div_euclid(1_000_000)).map_err(|_| overflow())?;
            let first_number = epoch.checked_add(before.min(LIST_SIZE)).ok_or_else(overflow)?;
            let (full, tail) = match RUN_STARTS_US.get(r + 1) {
                Some(next) => {
                    let tail = 1 + r;
                    let stop_by = t0.checked_add(*next).and_then(|n| n.checked_sub(IDLE_US[r])).ok_or_else(overflow)?;
                    let room = stop_by.checked_sub(first_frame_us).and_then(|d| d.checked_sub(sources[tail].duration_us)).ok_or_else(overflow)?;
                    let full = u64::try_from(room.div_euclid(SEGMENT_US)).map_err(|_| "a run with no room".to_string())?;
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
                let tail_start = i64::try_from(full).ok().and_then(|f| f.checked_mul(SEGMENT_US)).and_then(|d| run.first_frame_us.checked_add(d));
                let tail_ended = tail_start.and_then(|s| s.checked_add(self.sources[tail].duration_us)).is_some_and(|end| now >= end);
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
                DaySegment { number: seg.number(), run: seg.run_index, index: seg.index, true_start_us: seg.start_us(), duration_us: self.duration_us(seg) }
            })
            .collect();
        let runs = self
            .runs
            .iter()
            .map(|r| DayRun { recorder_start_us: r.recorder_start_us, first_frame_us: r.first_frame_us, first_number: r.first_number, segments: r.len() })
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
    fn segment_at(&self, name: &str, now: i64, faults: &Faults, path: &str) -> (Reply, Option<&'static str>) {
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
        let target = (u128::from(self.sources[0].first_pts) + u128::from(seg.index) * u128::from(SEGMENT_TICKS)) % u128::from(ts_shift::WRAP);
        let delta = (target + u128::from(ts_shift::WRAP) - u128::from(source.first_pts)) % u128::from(ts_shift::WRAP);
        let mut bytes = source.bytes.clone();
        if let Err(e) = ts_shift::shift(&mut bytes, u64::try_from(delta).unwrap_or(0)) {
            // Checked at load: cannot happen with the loaded sources.
            return (api_error(500, &format!("Internal server error: {e}"), path), None);
        }
        let len = bytes.len() as u64;
        let modified_us = end.saturating_add(LAST_MODIFIED_LATENCY_US);
        let body = if fault == Some("garbage_segments") { Body::Bytes(garbage_bytes(len)) } else { Body::Bytes(bytes) };
        let reply = Reply { status: 200, headers: vec![("Content-Type".into(), "video/mp2t".into())], body }
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
    fn rows_at(&self, now: i64, model: Option<&str>, start: Option<i64>, end: Option<i64>, offset: i64, limit: i64, others: usize) -> DayRows {
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
            let Some(to_hi) = hi.checked_sub(run.first_frame_us).filter(|d| *d >= 0) else { continue };
            let mut i_hi = u64::try_from(to_hi / SEGMENT_US).unwrap_or(0);
            if let Some(len) = run.len() {
                i_hi = i_hi.min(len - 1);
            }
            let i_lo = lo.checked_sub(run.first_frame_us).map_or(0, |d| u64::try_from(d.max(0) / SEGMENT_US).unwrap_or(0));
            if i_lo > i_hi {
                continue;
            }
            for index in (i_lo..=i_hi).rev() {
                let seg = self.seg(r, index);
                let start_us = seg.start_us();
                let source = &self.sources[seg.source()];
                let matching = |e: &&SourceEvent| model.is_none_or(|m| e.model_id == m);
                let inside = |e: &SourceEvent| (lo..=hi).contains(&start_us.saturating_add(e.offset_us));
                let whole = source.events.first().is_none_or(&inside) && source.events.last().is_none_or(&inside);
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
    if super::parse_uuid(camera).ok()? != DAY_CAMERA_ID {
        return None;
    }
    match tail {
        "dates" => Some(Route::Dates(camera)),
        "playlist" => Some(Route::Playlist),
        t if t.starts_with("segment-") && t.ends_with(".ts") && !t.contains('/') => Some(Route::Segment(t)),
        _ => None,
    }
}

/// Answers a recordings request for the day camera, or `None` when the path
/// is not one (then recording.rs answers); with the answer, the fault that
/// shaped it. `huge_playlist_mb` is the answer fault applied to this request.
pub(super) fn route(day: Option<&DayRecording>, req: &Req, faults: &Faults, huge_playlist_mb: Option<u32>) -> Option<(Reply, Option<&'static str>)> {
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
            (Some(text), Some(mb)) => (Reply::bytes(200, "application/vnd.apple.mpegurl", padded(text, mb)).with("Access-Control-Allow-Origin", "*"), Some("huge_playlist_mb")),
            (Some(text), None) => (Reply::bytes(200, "application/vnd.apple.mpegurl", text).with("Access-Control-Allow-Origin", "*"), None),
        },
        Route::Segment(name) => day.segment_at(name, now, faults, req.path),
    })
}

/// The day camera's rows for an event list query (canonical `camera`), none
/// unless the query is on the day camera. `others`: the other rows matching
/// it (inserted and poison rows of the day camera), which may sit among them.
#[allow(clippy::too_many_arguments)]
pub(super) fn rows_for(day: Option<&DayRecording>, camera: Option<&str>, model: Option<&str>, start: Option<i64>, end: Option<i64>, offset: i64, limit: i64, others: usize) -> DayRows {
    match day {
        Some(day) if camera == Some(DAY_CAMERA_ID) => day.rows_at(day.clock.now_us(), model, start, end, offset, limit, others),
        _ => DayRows::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recording::tests::get;
    use vas_overlay_viewer::core::hls_playlist::MediaPlaylist;
    use vas_overlay_viewer::core::http_date::parse_http_date;

    /// 2026-01-06T10:00:00.123456Z: the listed day spans two UTC dates.
    const T0: i64 = 1_767_693_600_123_456;
    const PERSON: &str = "yolov8-person-detection";

    fn data_dir() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../static/demo")
    }

    fn day() -> DayRecording {
        DayRecording::load(&data_dir(), DayClock::start(T0, None).unwrap()).unwrap().expect("the shipped data has a recording")
    }

    fn header<'a>(reply: &'a Reply, name: &str) -> Option<&'a str> {
        reply.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn body(reply: &Reply) -> &[u8] {
        match &reply.body {
            Body::Bytes(b) => b,
            _ => panic!("a segment is sent from memory"),
        }
    }

    fn epoch(offset_us: i64) -> u64 {
        u64::try_from((T0 + offset_us).div_euclid(1_000_000)).unwrap()
    }

    /// The playlist's entries split into runs at the discontinuities.
    fn runs_of(p: &MediaPlaylist) -> Vec<Vec<(u64, f64)>> {
        let mut runs: Vec<Vec<(u64, f64)>> = Vec::new();
        for e in &p.entries {
            if e.discontinuity || runs.is_empty() {
                runs.push(Vec::new());
            }
            let n = segment_key(&e.uri).unwrap();
            runs.last_mut().unwrap().push((n, e.duration));
        }
        runs
    }

    #[test]
    fn formats() {
        assert_eq!(http_date(1_767_618_007), "Mon, 05 Jan 2026 13:00:07 GMT");
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        for secs in [951_782_400, 1_767_693_599, 4_102_444_800] {
            assert_eq!(parse_http_date(&http_date(secs)).map(|t| t.0), Some(secs * 1_000_000), "{}", http_date(secs));
        }
        assert_eq!(extinf(6_000_000), "#EXTINF:6.000000,");
        assert_eq!(extinf(2_400_000), "#EXTINF:2.400000,");
        assert_eq!(frames_us(105), 3_500_000);
        let id = derived_id(T0, "64ed384f-f442-5527-bd58-2e3d96f4a742");
        assert_eq!(super::super::parse_uuid(&id).as_deref(), Ok(id.as_str()), "canonical");
        assert_eq!(&id[14..15], "8");
        assert!("89ab".contains(&id[19..20]));
        assert_eq!(id, derived_id(T0, "64ed384f-f442-5527-bd58-2e3d96f4a742"), "stable");
        assert_ne!(id, derived_id(T0 + SEGMENT_US, "64ed384f-f442-5527-bd58-2e3d96f4a742"));
        assert_ne!(id, derived_id(T0, "64ed384f-f442-5527-bd58-2e3d96f4a743"));
        assert!(DayClock::start(T0, Some(0.0)).is_err());
        assert!(DayClock::start(T0, Some(f64::NAN)).is_err());
        assert!(DayClock::start(T0, Some(MAX_DAY_SPEED * 2.0)).is_err());
    }

    #[test]
    fn clock_runs_at_its_speed() {
        let clock = DayClock::start(T0, Some(200.0)).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(50));
        let now = clock.now_us();
        assert!(now >= T0 + 10_000_000, "50 ms at 200x is at least 10 s: {}", now - T0);
        assert!(now < T0 + 600_000_000, "{}", now - T0);
        let real = DayClock::start(T0, None).unwrap();
        assert!(real.now_us() - T0 < 5_000_000);
    }

    /// At T0: full, four runs, numbering and media sequence by hlsenc's rules.
    #[test]
    fn playlist_at_t0() {
        let day = day();
        let text = day.playlist_at(T0).unwrap();
        assert!(text.starts_with("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:"), "{}", &text[..200]);
        assert!(text.contains("\n#EXT-X-PLAYLIST-TYPE:EVENT\n") && text.contains("\n#EXTINF:6.000000,\nsegment-"));
        assert!(!text.contains("ENDLIST") && !text.contains("PROGRAM-DATE-TIME"));
        let p = MediaPlaylist::parse(&text);
        assert_eq!((p.entries.len(), p.skipped_lines), (14_400, 0));
        let runs = runs_of(&p);
        assert_eq!(runs.len(), 4);
        assert_eq!(text.matches("#EXT-X-DISCONTINUITY").count(), 3, "run 0's first segment, and its tag, rolled off");
        assert!(!p.entries[0].discontinuity && runs.iter().skip(1).all(|r| !r.is_empty()));
        for run in &runs {
            assert!(run.windows(2).all(|w| w[1].0 == w[0].0 + 1), "numbers run on within a run");
        }
        // Short last segments of the stopped runs, 6 s everywhere else.
        let durations: Vec<Vec<f64>> = runs.iter().map(|r| r.iter().map(|e| e.1).filter(|d| *d != 6.0).collect()).collect();
        assert_eq!(durations, [vec![2.4], vec![3.5], vec![1.2], vec![]]);

        // Numbering: run 0 started on an empty playlist, so its first number is its epoch.
        let run0_len = runs[0].last().unwrap().0 - epoch(RUN_STARTS_US[0]) + 1;
        assert!(run0_len > runs[0].len() as u64, "run 0 partly rolled off");
        // Run 1 started with run 0 listed (fewer than 14 400): start_epoch + K.
        assert!(run0_len < LIST_SIZE);
        assert_eq!(runs[1][0].0, epoch(RUN_STARTS_US[1]) + run0_len);
        let k2 = run0_len + runs[1].len() as u64;
        assert!(k2 < LIST_SIZE);
        assert_eq!(runs[2][0].0, epoch(RUN_STARTS_US[2]) + k2);
        // Run 3 started on a full playlist: start_epoch + 14 400.
        assert!(k2 + runs[2].len() as u64 >= LIST_SIZE, "full when run 3 started");
        assert_eq!(runs[3][0].0, epoch(RUN_STARTS_US[3]) + LIST_SIZE);
        // Media sequence: run 3's first number minus the entries listed before it;
        // each of run 3's segments pushed one entry off, so also its epoch + its count.
        let before3 = (runs[0].len() + runs[1].len() + runs[2].len()) as i64;
        assert_eq!(p.media_sequence, Some(runs[3][0].0 as i64 - before3));
        assert_eq!(p.media_sequence, Some((epoch(RUN_STARTS_US[3]) + runs[3].len() as u64) as i64));
        assert_ne!(p.media_sequence, Some(runs[0][0].0 as i64), "VAS's quirk: not the first listed number");
        // Run 3 has recorded 90 min less the first frame's latency.
        assert_eq!(runs[3].len() as i64, (90 * MINUTE_US - FIRST_FRAME_LATENCY_US) / SEGMENT_US);
        // Gaps between runs: seconds to minutes.
        let truth = day.truth_at(T0);
        for w in truth.segments.windows(2).filter(|w| w[1].run != w[0].run) {
            let gap = w[1].true_start_us - (w[0].true_start_us + w[0].duration_us);
            assert!((5_000_000..10 * MINUTE_US).contains(&gap), "{gap}");
        }
        // The truth lists exactly the playlist's entries.
        let listed: Vec<(u64, f64)> = truth.segments.iter().map(|s| (s.number, s.duration_us as f64 / 1e6)).collect();
        assert_eq!(listed, runs.concat());
        assert_eq!(truth.media_sequence as i64, p.media_sequence.unwrap());
        let newest = truth.newest.clone().unwrap();
        assert_eq!((newest.run, newest.number), (3, runs[3].last().unwrap().0));
        assert!(newest.true_start_us + newest.duration_us <= T0 && T0 < newest.true_start_us + 2 * SEGMENT_US);
        assert_eq!(truth.runs[3].first_frame_us, T0 + RUN_STARTS_US[3] + FIRST_FRAME_LATENCY_US);
    }

    /// A minute later: ten more at the end, ten fewer at the front, the media sequence ten on.
    #[test]
    fn playlist_grows_and_rolls() {
        let day = day();
        let at = |t: i64| MediaPlaylist::parse(&day.playlist_at(t).unwrap());
        let (a, b) = (at(T0), at(T0 + 60_000_000));
        assert_eq!(b.entries.len(), 14_400);
        let names = |p: &MediaPlaylist| p.entries.iter().map(|e| e.uri.clone()).collect::<Vec<_>>();
        let (na, nb) = (names(&a), names(&b));
        assert_eq!(na[10..], nb[..14_390], "ten rolled off the front");
        let last = segment_key(na.last().unwrap()).unwrap();
        let added: Vec<u64> = nb[14_390..].iter().map(|n| segment_key(n).unwrap()).collect();
        assert_eq!(added, (last + 1..=last + 10).collect::<Vec<_>>());
        assert_eq!(b.media_sequence, a.media_sequence.map(|s| s + 10));
        // In between, one at a time, every 6 s.
        let t = day.truth_at(T0).newest.unwrap();
        let end = t.true_start_us + t.duration_us;
        assert_eq!(day.truth_at(end + SEGMENT_US - 1).segments.len(), 14_400);
        assert_eq!(day.truth_at(end + SEGMENT_US - 1).newest.unwrap().number, t.number);
        assert_eq!(day.truth_at(end + SEGMENT_US).newest.unwrap().number, t.number + 1);
    }

    #[test]
    fn segments_answer_shifted_media_with_true_headers() {
        let day = day();
        let faults = Faults::default();
        let truth = day.truth_at(T0);
        let get = |n: u64, now: i64| day.segment_at(&format!("segment-{n}.ts"), now, &faults, "/p").0;
        let in_run = |r: usize| truth.segments.iter().filter(move |s| s.run == r);
        // The third segment of run 3: the full source, 2 x 6 s on.
        let third = in_run(3).nth(2).unwrap();
        let reply = get(third.number, T0);
        assert_eq!(reply.status, 200);
        let bytes = body(&reply);
        assert_eq!(ts_shift::walk(bytes).unwrap().first_pts, Some(126_000 + 2 * 540_000));
        assert_eq!(bytes.len(), day.sources[0].bytes.len());
        let modified = third.true_start_us + third.duration_us + LAST_MODIFIED_LATENCY_US;
        assert_eq!(header(&reply, "Last-Modified").and_then(parse_http_date).map(|t| t.0), Some(modified / 1_000_000 * 1_000_000));
        assert_eq!(header(&reply, "Cache-Control"), Some("public, max-age=31536000"));
        assert_eq!(header(&reply, "Content-Type"), Some("video/mp2t"));
        assert_eq!(header(&reply, "Access-Control-Allow-Origin"), Some("*"));
        assert!(header(&reply, "ETag").is_some_and(|e| e.starts_with('"') && e.ends_with('"')));
        // The first of a run restarts the clock; a stopped run's last is the short source, on time.
        let first2 = in_run(2).next().unwrap();
        assert_eq!(first2.index, 0);
        assert_eq!(ts_shift::walk(body(&get(first2.number, T0))).unwrap().first_pts, Some(126_000));
        let tail = in_run(2).next_back().unwrap();
        assert_eq!(tail.duration_us, 1_200_000);
        let tail_bytes = get(tail.number, T0);
        assert_eq!(body(&tail_bytes).len(), std::fs::read(data_dir().join("recording/segment-1767619936.ts")).unwrap().len());
        assert_eq!(ts_shift::walk(body(&tail_bytes)).unwrap().first_pts, Some((126_000 + tail.index * 540_000) % ts_shift::WRAP));
        // Not yet ended, between runs, or never: 404 with the envelope.
        let newest = truth.newest.clone().unwrap();
        for n in [newest.number + 1, tail.number + 1, 1, u64::MAX] {
            let r = get(n, T0);
            assert_eq!(r.status, 404, "{n}");
            assert_eq!(serde_json::from_slice::<Value>(body(&r)).unwrap()["error"]["message"], "Segment not found");
        }
        assert_eq!(get(newest.number + 1, T0 + SEGMENT_US).status, 200, "listed once ended");
        // Rolled off: served for ten minutes after it left the playlist.
        let oldest = truth.segments[0].clone();
        assert_eq!(get(oldest.number, T0).status, 200);
        let later = day.truth_at(T0 + 60_000_000);
        assert!(later.segments.iter().all(|s| s.number != oldest.number));
        assert_eq!(get(oldest.number, T0 + 60_000_000).status, 200);
        assert_eq!(get(oldest.number, T0 + 11 * MINUTE_US).status, 404);
        // Faults by number.
        let f = Faults { missing_segments: vec![third.number.to_string()], garbage_segments: vec![format!("segment-{}.ts", first2.number)], ..Faults::default() };
        let (r, fault) = day.segment_at(&format!("segment-{}.ts", third.number), T0, &f, "/p");
        assert_eq!((r.status, fault), (404, Some("missing_segments")));
        let (r, fault) = day.segment_at(&format!("segment-{}.ts", first2.number), T0, &f, "/p");
        assert_eq!((r.status, fault), (200, Some("garbage_segments")));
        assert!(!body(&r).contains(&0x47) && body(&r).len() == day.sources[0].bytes.len());
    }

    /// ffprobe reads a shifted segment's PTS where they belong, and two consecutive
    /// segments of a run concatenated play on without a jump.
    #[test]
    fn ffprobe_reads_continuous_timestamps() {
        if std::process::Command::new("ffprobe").arg("-version").output().is_err() {
            eprintln!("ffprobe is not on PATH: the ffprobe check is skipped (ts_shift's own tests still ran)");
            return;
        }
        let day = day();
        let faults = Faults::default();
        let truth = day.truth_at(T0);
        let run1: Vec<&DaySegment> = truth.segments.iter().filter(|s| s.run == 1).collect();
        let (a, b) = (run1[4000], run1[4001]);
        let mut joined = Vec::new();
        for s in [a, b] {
            joined.extend_from_slice(body(&day.segment_at(&format!("segment-{}.ts", s.number), T0, &faults, "/p").0));
        }
        let dir = std::env::temp_dir().join(format!("day-recording-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("joined.ts");
        std::fs::write(&file, &joined).unwrap();
        let out = std::process::Command::new("ffprobe")
            .args(["-v", "error", "-select_streams", "v", "-show_packets", "-show_entries", "packet=pts,dts", "-of", "csv=p=0"])
            .arg(&file)
            .output()
            .unwrap();
        std::fs::remove_dir_all(&dir).ok();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let pts: Vec<u64> = String::from_utf8_lossy(&out.stdout).lines().filter_map(|l| l.split(',').next()?.trim().parse().ok()).collect();
        assert_eq!(pts.len(), 360, "two segments of 180 frames");
        let first = 126_000 + 4000 * 540_000;
        assert_eq!(pts[0], first);
        let mut sorted = pts.clone();
        sorted.sort_unstable();
        assert!(sorted.windows(2).all(|w| w[1] - w[0] == 3_000), "one frame (3000 ticks) apart throughout, no jump at the join");
        assert_eq!(*sorted.last().unwrap(), first + 359 * 3_000);
    }

    #[test]
    fn dates_follow_the_listed_segments() {
        let day = day();
        let v = day.dates_at(T0, DAY_CAMERA_ID);
        assert_eq!(v["status"], "success");
        assert_eq!(v["device_id"], DAY_CAMERA_ID);
        let midnight = 1_767_657_600_000_000; // 2026-01-06T00:00:00Z
        let truth = day.truth_at(T0);
        let today = truth.segments.iter().filter(|s| s.true_start_us >= midnight).count() as u64;
        assert!(today > 0 && today < LIST_SIZE);
        assert_eq!(
            v["dates"],
            json!([
                {"date": "20260106", "formatted": "2026-01-06", "segments_count": today},
                {"date": "20260105", "formatted": "2026-01-05", "segments_count": LIST_SIZE - today},
            ])
        );
    }

    /// A 30 s span starting on a segment of run 2: five segments of 24 events, and the
    /// two on the next segment's first frame (the span is inclusive).
    #[test]
    fn events_of_a_span_are_generated_aligned_and_stable() {
        let day = day();
        let truth = day.truth_at(T0);
        let seg = truth.segments.iter().find(|s| s.run == 2 && s.index == 100).unwrap();
        let (s, e) = (seg.true_start_us, seg.true_start_us + 30_000_000);
        let rows = day.rows_at(T0, None, Some(s), Some(e), 0, 1000, 0);
        assert_eq!((rows.rows.len(), rows.skipped_newer, rows.skipped_older), (122, 0, 0));
        let again = day.rows_at(T0, None, Some(s), Some(e), 0, 1000, 0);
        let ids: Vec<&str> = rows.rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, again.rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), "stable between requests");
        let mut unique = ids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 122, "distinct");
        assert!(rows.rows.windows(2).all(|w| w[0].ts_us >= w[1].ts_us), "newest first");
        assert!(rows.rows.iter().all(|r| (s..=e).contains(&r.ts_us) && r.camera_id == DAY_CAMERA_ID && r.raw["camera_id"] == DAY_CAMERA_ID && !r.poison));
        // Aligned as on the demo recording: the same offset into the segment as in the source.
        let source_events = &day.sources[0].events;
        for r in rows.rows.iter().filter(|r| r.ts_us < s + SEGMENT_US) {
            let offset = r.ts_us - s;
            assert!(source_events.iter().any(|e| e.offset_us == offset && e.model_id == r.model_id && e.raw["detections"] == r.raw["detections"]));
            assert_eq!(r.raw["frame_id"].as_u64(), Some(100 * 180 + (offset as u64 * 30 + 500_000) / 1_000_000));
            assert_eq!(parse_rfc3339(r.raw["timestamp"].as_str().unwrap()), Ok(r.ts_us));
        }
        // 2 events/s per model.
        let person = day.rows_at(T0, Some(PERSON), Some(s), Some(e), 0, 1000, 0);
        assert_eq!(person.rows.len(), 61);
        assert!(person.rows.iter().all(|r| r.model_id == PERSON));
        // Paging: positions 100.. of 122.
        let page = day.rows_at(T0, None, Some(s), Some(e), 100, 50, 0);
        assert_eq!((page.rows.len(), page.skipped_newer, page.skipped_older), (22, 100, 0));
        assert_eq!(page.rows[0].id, rows.rows[100].id);
        // With 3 other rows matching, 3 more are generated before the page.
        let page = day.rows_at(T0, None, Some(s), Some(e), 100, 10, 3);
        assert_eq!((page.rows.len(), page.skipped_newer, page.skipped_older), (13, 97, 12));
        // Nothing after the day's now.
        let future = day.rows_at(T0, None, Some(T0 - 1_000_000), Some(T0 + HOUR_US), 0, 1000, 0);
        assert!(!future.rows.is_empty() && future.rows.iter().all(|r| r.ts_us <= T0));
        assert_eq!(future.rows.len(), day.rows_at(T0 + 10_000_000, None, Some(T0 - 1_000_000), Some(T0), 0, 1000, 0).rows.len());
    }

    /// No bounds: the whole day counted, one page built; the same count as hour by hour.
    #[test]
    fn unbounded_query_counts_the_day_and_builds_one_page() {
        let day = day();
        let all = day.rows_at(T0, None, None, None, 0, 100, 0);
        let total = all.rows.len() + all.skipped_older;
        assert_eq!((all.rows.len(), all.skipped_newer), (100, 0));
        assert!(total > 2 * 2 * 25 * 3600, "about 2 events/s per model for 26 h less the gaps: {total}");
        let mut by_hour = 0;
        let mut t = T0 - 27 * HOUR_US;
        while t <= T0 {
            let r = day.rows_at(T0, None, Some(t), Some(t + HOUR_US - 1), 0, 1, 0);
            by_hour += r.rows.len() + r.skipped_older;
            t += HOUR_US;
        }
        assert_eq!(total, by_hour);
        // The last page: the oldest rows, ending on run 0's first frame.
        let tail = day.rows_at(T0, None, None, None, total as i64 - 10, 100, 0);
        assert_eq!((tail.rows.len(), tail.skipped_newer, tail.skipped_older), (10, total - 10, 0));
        assert_eq!(tail.rows.last().unwrap().ts_us, T0 + RUN_STARTS_US[0] + FIRST_FRAME_LATENCY_US);
        // Past the end: nothing built, all counted.
        let past = day.rows_at(T0, None, None, None, total as i64 + 5, 1000, 0);
        assert_eq!((past.rows.len(), past.skipped_newer), (0, total));
        // Only the day camera's queries get them.
        assert_eq!(rows_for(Some(&day), None, None, None, None, 0, 100, 0).rows.len(), 0);
        assert_eq!(rows_for(Some(&day), Some(super::super::recording::PDT_CAMERA_ID), None, None, None, 0, 100, 0).rows.len(), 0);
    }

    /// Through the running backend: routes, headers, faults, the event endpoints'
    /// filters, paging and `total` with an inserted row among the generated ones.
    #[test]
    fn served_by_the_backend() {
        let data = data_dir();
        let config = super::super::BackendConfig { dist_dir: data.join("no-dist"), data_dir: Some(data), api_key: None, viewer_api_key: None, day_speed: None };
        let backend = super::super::start(config, "127.0.0.1:0").unwrap();
        let base = format!("http://127.0.0.1:{}/api/v1", backend.port());
        let rec = format!("{base}/recordings/devices/{DAY_CAMERA_ID}");
        let truth = backend.day_truth().expect("the shipped data has the day camera");
        assert_eq!(truth.segments.len(), 14_400);
        let newest = truth.newest.clone().unwrap();

        let (status, headers, body) = get("GET", &format!("{rec}/playlist"));
        assert_eq!(status, 200);
        assert!(headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("Content-Type") && v == "application/vnd.apple.mpegurl"));
        let p = MediaPlaylist::parse(&String::from_utf8(body).unwrap());
        assert_eq!(p.entries.len(), 14_400);
        let last = segment_key(&p.entries.last().unwrap().uri).unwrap();
        assert!(last == newest.number || last == newest.number + 1, "{last} vs {}", newest.number);

        let (status, _, body) = get("GET", &format!("{rec}/dates"));
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!((status, v["device_id"].as_str()), (200, Some(DAY_CAMERA_ID)));
        let counted: u64 = v["dates"].as_array().unwrap().iter().map(|d| d["segments_count"].as_u64().unwrap()).sum();
        assert_eq!(counted, 14_400);

        let seg = &truth.segments[14_000];
        let url = format!("{rec}/segment-{}.ts", seg.number);
        let (status, headers, body) = get("GET", &url);
        assert_eq!((status, body.first()), (200, Some(&0x47)));
        let h = |n: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(n)).map(|(_, v)| v.clone());
        let modified = (seg.true_start_us + seg.duration_us + LAST_MODIFIED_LATENCY_US) / 1_000_000 * 1_000_000;
        assert_eq!(h("Last-Modified").as_deref().and_then(parse_http_date).map(|t| t.0), Some(modified));
        assert_eq!(h("Cache-Control").as_deref(), Some("public, max-age=31536000"));
        assert_eq!(h("Access-Control-Allow-Origin").as_deref(), Some("*"));
        assert_eq!(get("HEAD", &url).0, 405);
        backend.set_faults(Faults { missing_segments: vec![seg.number.to_string()], ..Faults::default() }).unwrap();
        assert_eq!(get("GET", &url).0, 404);
        assert_eq!(backend.request_log().last().and_then(|e| e.fault.clone()).as_deref(), Some("missing_segments"));
        backend.reset();
        assert_eq!(get("GET", &url).0, 200);

        // Events of a 30 s span of run 2, by both list endpoints.
        let s = truth.segments.iter().find(|s| s.run == 2 && s.index == 100).unwrap().true_start_us;
        let span = format!("start_time={}&end_time={}", format_vas_time(s), format_vas_time(s + 30_000_000));
        let list = |query: &str| {
            let (status, _, body) = get("GET", &format!("{base}/ai-events/cameras/{DAY_CAMERA_ID}/events?{query}"));
            (status, serde_json::from_slice::<Value>(&body).unwrap())
        };
        let ids = |v: &Value| v["events"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_string()).collect::<Vec<_>>();
        let (status, all) = list(&format!("{span}&limit=1000"));
        assert_eq!((status, all["total"].as_u64(), all["events"].as_array().map(Vec::len)), (200, Some(122), Some(122)));
        let (_, _, by_filter) = get("GET", &format!("{base}/ai-events?camera_id={DAY_CAMERA_ID}&{span}&limit=1000"));
        assert_eq!(serde_json::from_slice::<Value>(&by_filter).unwrap()["total"], 122);
        assert_eq!(list(&format!("{span}&model_id={PERSON}")).1["total"], 61);
        let (_, page) = list(&format!("{span}&limit=50&offset=100"));
        assert_eq!((page["total"].as_u64(), page["limit"].as_u64(), page["offset"].as_u64()), (Some(122), Some(50), Some(100)));
        assert_eq!(ids(&page).len(), 22);
        assert_eq!(list(&format!("{span}&limit=0")).0, 422, "validated as every list");
        // Not in a list without a camera filter.
        let (_, _, other) = get("GET", &format!("{base}/ai-events?{span}"));
        assert_eq!(serde_json::from_slice::<Value>(&other).unwrap()["total"], 0);
        // An inserted row of the day camera in the span: counted, and paged through with the generated ones.
        let inserted = "0d0d0d0d-0000-4000-8000-000000000001";
        backend
            .insert_events(vec![json!({"id": inserted, "camera_id": DAY_CAMERA_ID, "model_id": "m", "timestamp": format_vas_time(s + 15_250_000),
                "frame_id": null, "detections": {}, "confidence": null, "event_metadata": {}, "created_at": "2026-01-01T00:00:00Z"})])
            .unwrap();
        let mut seen = Vec::new();
        for offset in (0..123).step_by(20) {
            let (_, page) = list(&format!("{span}&limit=20&offset={offset}"));
            assert_eq!(page["total"], 123);
            seen.extend(ids(&page));
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!((seen.len(), unique.len()), (123, 123), "every row once");
        assert!(seen.iter().any(|i| i == inserted));
        let mut generated = ids(&all);
        generated.sort();
        assert!(generated.iter().all(|g| unique.binary_search(g).is_ok()), "the same ids as before");
        // No bounds: an answer, the whole day counted.
        let (status, unbounded) = list("limit=5");
        assert_eq!((status, ids(&unbounded).len()), (200, 5));
        assert!(unbounded["total"].as_u64().unwrap() > 370_000, "{}", unbounded["total"]);
    }
}
