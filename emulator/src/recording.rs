//! Demo backend, recordings: serves the demo recording as VAS's recorder and recordings API do.
//!
//! Reads `recording/` in the demo data dir (written by
//! `xtask/demo/make_recording.py`): the playlist exactly as VAS writes it, the
//! MPEG-TS segments, `recording.json` (each segment's Last-Modified, as the
//! file's true last write) and the recording's events. Endpoints, as in
//! vas-contract.md section 5:
//! - `GET /api/v1/recordings/devices/{id}/dates`
//! - `GET /api/v1/recordings/devices/{id}/playlist` (the rolling playlist; no
//!   program date-time, `EXT-X-MEDIA-SEQUENCE` rewritten on each restart)
//! - `GET /api/v1/recordings/devices/{id}/segment-N.ts` with `Last-Modified`,
//!   `ETag`, `Cache-Control: public, max-age=31536000`; `Range` ignored, never
//!   304, `HEAD` answers 405.
//!
//! Dev tooling only: a second camera id, `PDT_CAMERA_ID`, serves the same
//! recording with `EXT-X-PROGRAM-DATE-TIME` on every segment (true first-frame
//! times), so tests can compare the viewer's estimates with an exact mapping.
//! VAS itself writes no program date-time. A third, `RESTART_CAMERA_ID`,
//! serves the recording as it looked before the last restart for its first
//! two playlist requests and in full afterwards, so a player sees a restart
//! happen while it plays (the media sequence jumps while the old entries stay
//! listed). Their events are copies of the recording's events under each id.
//! A fourth, `BARE_CAMERA_ID`, serves the program date-time playlist with no
//! events at all: a test posts the events it wants (`/__demo/events`), at
//! another rate, without track ids or stamped off the frames' times.
//!
//! Segment faults (`Faults::missing_segments`, `Faults::garbage_segments`)
//! apply to a segment by its number on every camera id: a 404 with VAS's
//! error envelope, or a 200 with the usual headers and length whose bytes
//! are not media. `Faults::huge_playlist_mb` pads a playlist with synthetic
//! entries.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use vas_overlay_viewer::core::time::{civil_from_days, format_rfc3339_utc, UnixMicros};

use crate::api::{api_error, api_json, api_method_not_allowed};
use crate::demo_data::{data_error, read_json, EventsFile, StoredEvent, EVENTS_FILE_SHAPE};
use crate::faults::Faults;
use crate::http::answer::{AnswerBody, HttpAnswer};
use crate::http::request::RequestParts;
use crate::http::static_files::open_with_len;
use crate::text_formats::{parse_rfc3339, parse_uuid};

/// `recording/recording.json`, as `xtask/demo/make_recording.py` writes it:
/// the recording's camera and its segments.
#[derive(Deserialize)]
pub(crate) struct RecordingFile {
    pub(crate) camera_id: String,
    pub(crate) segments: Vec<SegmentEntry>,
}

/// One segment of `recording.json` (its other fields are not read).
#[derive(Clone, Deserialize)]
pub(crate) struct SegmentEntry {
    /// `segment-N.ts`, beside `recording.json`.
    pub(crate) file: String,
    /// RFC 3339 wall time of its first frame.
    pub(crate) true_start: String,
    /// The `Last-Modified` the recorder's file has.
    pub(crate) last_modified: String,
    /// Frame number (in the demo scene) of its first frame.
    pub(crate) first_frame: u64,
    pub(crate) frames: u64,
}

/// What `read_json` expects of `recording.json`.
pub(crate) const RECORDING_FILE_SHAPE: &str = "{\"camera_id\": a UUID, \"segments\": [{\"file\", \"true_start\", \"last_modified\", \"first_frame\", \"frames\"}, ...]}";

/// The dev-only camera whose playlist carries program date-time.
pub const PDT_CAMERA_ID: &str = "5f0c2d7e-8a41-4c3b-9e6d-2b7a1c4d8e90";
/// The dev-only camera whose recorder restarts while the viewer plays.
pub const RESTART_CAMERA_ID: &str = "7a3e9b14-2c5d-4f68-8e01-9d4c3b2a1f07";
/// The dev-only camera with the program date-time playlist and no events of its own.
pub const BARE_CAMERA_ID: &str = "3c9a5e21-7b04-4d1f-a6e8-5f2d0c7b9e13";
/// Playlist requests answered with the pre-restart playlist on that camera.
const REQUESTS_BEFORE_RESTART: usize = 2;

/// Which variant of the recording a camera id serves.
#[derive(Clone, Copy, PartialEq)]
enum Variant {
    Vas,
    ProgramDateTime,
    RestartWhilePlaying,
}

/// A segment of the recording (its file name is its key in `segments`).
struct Segment {
    last_modified: String,
    /// True wall time of the segment's first frame, microseconds.
    true_start_us: i64,
}

/// The demo recording, loaded once.
pub struct DemoRecording {
    dir: PathBuf,
    camera_id: String,
    playlist: String,
    segments: HashMap<String, Segment>,
    /// `YYYYMMDD` of the first segment.
    date: String,
    /// Playlist requests seen for `RESTART_CAMERA_ID`.
    restart_requests: std::sync::atomic::AtomicUsize,
}

/// Loads `dir/recording/` if it exists; also returns its events (under the
/// demo camera and the program date-time camera) for the event endpoints.
pub fn load(dir: &Path) -> io::Result<Option<(DemoRecording, Vec<StoredEvent>)>> {
    let dir = dir.join("recording");
    if !dir.join("recording.json").is_file() {
        return Ok(None);
    }
    let meta_path = dir.join("recording.json");
    let meta: RecordingFile = read_json(&meta_path, RECORDING_FILE_SHAPE)?;
    let camera_id = parse_uuid(&meta.camera_id)
        .map_err(|_| data_error(&meta_path, "`camera_id` must be a UUID"))?;
    let mut segments = HashMap::new();
    let mut first_start = None;
    for (i, s) in meta.segments.iter().enumerate() {
        let at = |what: &str| data_error(&meta_path, format!("segments[{i}]: {what}"));
        let file = &s.file;
        if !file.starts_with("segment-") || !file.ends_with(".ts") || !dir.join(file).is_file() {
            return Err(at("`file` must name an existing segment-N.ts"));
        }
        let true_start_us = parse_rfc3339(&s.true_start).map_err(|_| at("bad `true_start`"))?;
        first_start.get_or_insert(true_start_us);
        let last_modified = s.last_modified.clone();
        segments.insert(file.clone(), Segment { last_modified, true_start_us });
    }
    let playlist = std::fs::read_to_string(dir.join("playlist.m3u8"))
        .map_err(|e| data_error(&dir.join("playlist.m3u8"), format!("cannot read: {e}")))?;
    let date = first_start.map(date_of).unwrap_or_default();

    let events_path = dir.join("events.json");
    let EventsFile { events: recorded } = read_json(&events_path, EVENTS_FILE_SHAPE)?;
    let mut events = Vec::new();
    for (i, e) in recorded.iter().enumerate() {
        let ts = e["timestamp"].as_str().and_then(|t| parse_rfc3339(t).ok());
        let (Some(ts_us), Some(model)) = (ts, e["model_id"].as_str()) else {
            return Err(data_error(
                &events_path,
                format!("events[{i}]: needs `timestamp` and `model_id`"),
            ));
        };
        for (k, camera) in
            [camera_id.as_str(), PDT_CAMERA_ID, RESTART_CAMERA_ID].into_iter().enumerate()
        {
            let mut raw = e.clone();
            if k > 0 {
                raw["camera_id"] = json!(camera);
                raw["id"] = json!(flip_first_group(e["id"].as_str().unwrap_or_default(), k as u32));
            }
            // Stored like any other event (canonical id, poison check); after the clip's in stored order.
            let order = 1_000_000 + (i * 3 + k) as u64;
            let stored = StoredEvent::parse(&raw, order)
                .map_err(|what| data_error(&events_path, format!("events[{i}]: {what}")))?;
            debug_assert!(stored.ts_us == ts_us && stored.model_id == model);
            events.push(stored);
        }
    }
    let restart_requests = std::sync::atomic::AtomicUsize::new(0);
    Ok(Some((DemoRecording { dir, camera_id, playlist, segments, date, restart_requests }, events)))
}

/// A distinct, still valid UUID for the `copy`-th copy of an event: its first group's bits changed.
fn flip_first_group(id: &str, copy: u32) -> String {
    match id.split_once('-') {
        Some((head, tail)) if head.len() == 8 => match u32::from_str_radix(head, 16) {
            Ok(v) => format!("{:08x}-{tail}", v ^ copy.wrapping_mul(0x9E37_79B9)),
            Err(_) => id.to_string(),
        },
        _ => id.to_string(),
    }
}

/// The UTC day of an instant as VAS's recordings API names it: `YYYYMMDD`.
pub(crate) fn date_of(us: i64) -> String {
    let (y, m, d) = civil_from_days(us.div_euclid(86_400_000_000));
    format!("{y:04}{m:02}{d:02}")
}

/// RFC 3339 with milliseconds, as program date-time is usually written.
fn pdt_text(us: i64) -> String {
    let whole_second = format_rfc3339_utc(UnixMicros(us.div_euclid(1_000_000) * 1_000_000));
    let ms = us.rem_euclid(1_000_000) / 1_000;
    format!("{}.{ms:03}Z", whole_second.trim_end_matches('Z'))
}

/// The segment number named by a fault entry: `segment-N.ts` or `N`.
pub fn segment_key(name: &str) -> Option<u64> {
    let digits = name.strip_prefix("segment-").and_then(|n| n.strip_suffix(".ts")).unwrap_or(name);
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// The body served for a damaged segment: text repeated to `len` bytes. It
/// holds no MPEG-TS sync byte (0x47, `G`), no ADTS or MP3 sync (0xFF) and no
/// MP4 box name, so no demuxer of hls.js takes it for media.
fn garbage_bytes(len: u64) -> Vec<u8> {
    const TEXT: &[u8] = b"vas demo backend: damaged segment, these bytes are not media\n";
    debug_assert!(!TEXT.contains(&0x47) && !TEXT.contains(&0xFF));
    TEXT.iter().copied().cycle().take(len as usize).collect()
}

/// A segment's answer as VAS's FileResponse sends it: `media`, or with
/// `garbage_segments` as `fault` bytes of its length that are not media. The
/// ETag is made of `etag_us` (the file's mtime) and the length.
pub(crate) fn segment_answer(
    media: AnswerBody,
    len: u64,
    fault: Option<&str>,
    last_modified: String,
    etag_us: i64,
) -> HttpAnswer {
    let body = if fault == Some("garbage_segments") {
        AnswerBody::Bytes(garbage_bytes(len))
    } else {
        media
    };
    HttpAnswer { status: 200, headers: vec![("Content-Type".into(), "video/mp2t".into())], body }
        .with("Last-Modified", last_modified)
        .with("ETag", format!("\"{etag_us:x}-{len:x}\""))
        .with("Cache-Control", "public, max-age=31536000")
        .with("Access-Control-Allow-Origin", "*")
}

/// A playlist's answer: `text`, padded when `huge_playlist_mb` applies (then
/// with that fault).
pub(crate) fn playlist_answer(
    text: String,
    huge_playlist_mb: Option<u32>,
) -> (HttpAnswer, Option<&'static str>) {
    let (text, fault) = match huge_playlist_mb {
        Some(mb) => (padded(text, mb), Some("huge_playlist_mb")),
        None => (text, None),
    };
    let answer = HttpAnswer::bytes(200, "application/vnd.apple.mpegurl", text)
        .with("Access-Control-Allow-Origin", "*");
    (answer, fault)
}

/// `GET .../dates`: `(YYYYMMDD, segments)` newest first, and the camera as
/// the path gives it when it has recordings.
pub(crate) fn dates_json(device_id: Option<&str>, dates: Vec<(String, u64)>) -> Value {
    #[derive(Serialize)]
    struct Dates<'a> {
        dates: Vec<Date>,
        #[serde(skip_serializing_if = "Option::is_none")]
        device_id: Option<&'a str>,
        status: &'static str,
    }
    #[derive(Serialize)]
    struct Date {
        date: String,
        formatted: String,
        segments_count: u64,
    }
    let dates = dates
        .into_iter()
        .map(|(date, segments_count)| Date {
            formatted: format!("{}-{}-{}", &date[0..4], &date[4..6], &date[6..8]),
            date,
            segments_count,
        })
        .collect();
    json!(Dates { dates, device_id, status: "success" })
}

/// Which fault, if any, applies to segment `name`.
pub(super) fn segment_fault(faults: &Faults, name: &str) -> Option<&'static str> {
    let n = segment_key(name)?;
    let listed = |list: &[String]| list.iter().any(|e| segment_key(e) == Some(n));
    if listed(&faults.missing_segments) {
        Some("missing_segments")
    } else if listed(&faults.garbage_segments) {
        Some("garbage_segments")
    } else {
        None
    }
}

/// A recordings route, with the camera id as the path gives it.
pub(crate) enum Route<'a> {
    Dates(&'a str),
    Playlist(&'a str),
    /// And the segment's file name.
    Segment(&'a str, &'a str),
}

impl<'a> Route<'a> {
    pub(crate) fn camera(&self) -> &'a str {
        match self {
            Route::Dates(camera) | Route::Playlist(camera) | Route::Segment(camera, _) => camera,
        }
    }
}

/// Whether `path` is a recording's playlist (`Faults::huge_playlist_mb` applies to it).
pub fn is_playlist(path: &str) -> bool {
    matches!(match_route(path), Some(Route::Playlist(_)))
}

/// `huge_playlist_mb`: the playlist, then entries of 6 s segments numbered on
/// from its last one until the text reaches `mb` MiB.
fn padded(mut text: String, mb: u32) -> String {
    let target = mb as usize * 1024 * 1024;
    let last = text.lines().filter_map(|l| segment_key(l.trim())).max().unwrap_or(0);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let mut n = last;
    while text.len() < target {
        n += 1;
        text.push_str(&format!("#EXTINF:6.000000,\nsegment-{n}.ts\n"));
    }
    text
}

pub(crate) fn match_route(path: &str) -> Option<Route<'_>> {
    let rest = path.strip_prefix("/api/v1/recordings/devices/")?;
    let (camera, tail) = rest.split_once('/')?;
    match tail {
        "dates" => Some(Route::Dates(camera)),
        "playlist" => Some(Route::Playlist(camera)),
        t if t.starts_with("segment-") && t.ends_with(".ts") && !t.contains('/') => {
            Some(Route::Segment(camera, t))
        }
        _ => None,
    }
}

impl DemoRecording {
    fn serves(&self, camera: &str) -> Option<Variant> {
        let id = parse_uuid(camera).ok()?;
        if id == self.camera_id {
            Some(Variant::Vas)
        } else if id == PDT_CAMERA_ID || id == BARE_CAMERA_ID {
            Some(Variant::ProgramDateTime)
        } else if id == RESTART_CAMERA_ID {
            Some(Variant::RestartWhilePlaying)
        } else {
            None
        }
    }

    /// The playlist as VAS wrote it before its last restart: every entry up to
    /// the last run, and the media sequence of that time (the start epoch of
    /// the run that was newest then, by the numbering rule).
    fn playlist_before_last_restart(&self) -> String {
        let lines: Vec<&str> = self.playlist.lines().collect();
        let runs: Vec<usize> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.trim() == "#EXT-X-DISCONTINUITY")
            .map(|(i, _)| i)
            .collect();
        let (Some(&last), Some(&prev)) =
            (runs.last(), runs.len().checked_sub(2).and_then(|i| runs.get(i)))
        else {
            return self.playlist.clone();
        };
        let listed_before =
            lines[..prev].iter().filter(|l| l.trim().starts_with("segment-")).count() as i64;
        let first_number = lines[prev..].iter().find_map(|l| {
            l.trim().strip_prefix("segment-")?.strip_suffix(".ts")?.parse::<i64>().ok()
        });
        let mut out = String::new();
        for line in &lines[..last] {
            match (line.starts_with("#EXT-X-MEDIA-SEQUENCE:"), first_number) {
                (true, Some(n)) => {
                    out.push_str(&format!("#EXT-X-MEDIA-SEQUENCE:{}", n - listed_before))
                }
                _ => out.push_str(line),
            }
            out.push('\n');
        }
        out
    }

    /// The playlist with `EXT-X-PROGRAM-DATE-TIME` before every segment (dev tooling).
    fn playlist_with_pdt(&self) -> String {
        let mut out = String::new();
        for line in self.playlist.lines() {
            if let Some(seg) = self.segments.get(line.trim()) {
                out.push_str(&format!(
                    "#EXT-X-PROGRAM-DATE-TIME:{}\n",
                    pdt_text(seg.true_start_us)
                ));
            }
            out.push_str(line);
            out.push('\n');
        }
        out
    }

    fn segment(&self, name: &str, fault: Option<&'static str>) -> HttpAnswer {
        let Some(seg) = self.segments.get(name) else {
            return api_error(404, "Segment not found", name);
        };
        if fault == Some("missing_segments") {
            return api_error(404, "Segment not found", name);
        }
        let Ok((file, len)) = open_with_len(&self.dir.join(name)) else {
            return api_error(404, "Segment not found", name);
        };
        // Starlette's FileResponse: ETag from mtime and size; the demo's mtime is the true one.
        let media = AnswerBody::File { file, len };
        segment_answer(media, len, fault, seg.last_modified.clone(), seg.true_start_us)
    }
}

/// Answers a recordings request, or `None` when the path is not one; with the
/// answer, the fault that shaped it (for the request log). `huge_playlist_mb`
/// is the answer fault applied to this request, if any.
/// Only a data dir with a recording has these routes (others answer 404 as before).
pub fn route(
    rec: Option<&DemoRecording>,
    req: &RequestParts,
    faults: &Faults,
    huge_playlist_mb: Option<u32>,
) -> Option<(HttpAnswer, Option<&'static str>)> {
    let rec = rec?;
    let route = match_route(req.path)?;
    if req.method != "GET" {
        return Some((api_method_not_allowed(req.path), None));
    }
    let variant = rec.serves(route.camera());
    Some(match (route, variant) {
        (Route::Dates(camera), Some(_)) => {
            let dates = vec![(rec.date.clone(), rec.segments.len() as u64)];
            (api_json(200, &dates_json(Some(camera), dates), true), None)
        }
        (Route::Dates(_), None) => (api_json(200, &dates_json(None, Vec::new()), true), None),
        (Route::Playlist(_), Some(variant)) => {
            let text = match variant {
                Variant::Vas => rec.playlist.clone(),
                Variant::ProgramDateTime => rec.playlist_with_pdt(),
                Variant::RestartWhilePlaying => {
                    let n = rec.restart_requests.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if n < REQUESTS_BEFORE_RESTART {
                        rec.playlist_before_last_restart()
                    } else {
                        rec.playlist.clone()
                    }
                }
            };
            playlist_answer(text, huge_playlist_mb)
        }
        (Route::Playlist(_), None) => {
            (api_error(404, "No recordings found for this device", req.path), None)
        }
        (Route::Segment(_, name), Some(_)) => {
            let fault = segment_fault(faults, name).filter(|_| rec.segments.contains_key(name));
            (rec.segment(name, fault), fault)
        }
        (Route::Segment(..), None) => (api_error(404, "Segment not found", req.path), None),
    })
}

#[cfg(test)]
mod tests;
