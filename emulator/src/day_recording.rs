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
//!
//! # Files
//!
//! This file holds the constants, the clock, the truth types and the route;
//! `schedule` lays out the runs and numbers the segments, `sources` loads the
//! demo segments and their events, `answers` builds the playlist, segment and
//! dates answers, `event_rows` the list rows, `ts_shift` moves a segment's
//! timestamps.

mod answers;
mod event_rows;
mod schedule;
mod sources;
mod ts_shift;

use std::io;
use std::time::Instant;

use serde::Serialize;

use crate::api::{api_error, api_json, api_method_not_allowed};
use crate::faults::Faults;
use crate::http::answer::HttpAnswer;
use crate::http::request::RequestParts;
use crate::recording::{match_route, playlist_answer, Route};
use crate::text_formats::parse_uuid;

pub(crate) use event_rows::rows_for;
use schedule::Run;
use sources::Source;

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

/// The day camera: its schedule, sources and clock.
pub(super) struct DayRecording {
    clock: DayClock,
    runs: Vec<Run>,
    /// `sources[0]` is the full segment; then the tails.
    sources: Vec<Source>,
}

impl DayRecording {
    /// The truth now: every listed segment's number, true start and duration.
    pub fn truth(&self) -> DayTruth {
        self.truth_at(self.clock.now_us())
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
    let route = match_route(req.path)
        .filter(|route| parse_uuid(route.camera()).is_ok_and(|id| id == DAY_CAMERA_ID))?;
    if req.method != "GET" {
        return Some((api_method_not_allowed(req.path), None));
    }
    let now = day.clock.now_us();
    Some(match route {
        Route::Dates(camera) => (api_json(200, &day.dates_at(now, camera), true), None),
        Route::Playlist(_) => match day.playlist_at(now) {
            None => (api_error(404, "No recordings found for this device", req.path), None),
            Some(text) => playlist_answer(text, huge_playlist_mb),
        },
        Route::Segment(_, name) => day.segment_at(name, now, faults, req.path),
    })
}

#[cfg(test)]
mod tests;
