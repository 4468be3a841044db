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
//! A segment's wall start comes from one of three methods (`ClockMethod`):
//! - `program-date-time`: the playlist's `EXT-X-PROGRAM-DATE-TIME`, carried
//!   forward by `EXTINF` within a run (exact; VAS does not write it today);
//! - `segment-epoch`: the run's start from VAS's numbering (`recording_runs`);
//! - `last-modified`: the segment's `Last-Modified` header minus its `EXTINF`
//!   (its file is last written when its last frame is in), read from the
//!   response hls.js already fetched.
//!
//! Choice, per segment: program date-time when present; else segment-epoch;
//! but when segment-epoch and last-modified disagree by more than a segment,
//! last-modified is preferred and the frame says so (`methods_disagree`):
//! the numbering rule fails when entries rolled off the playlist, the file
//! time does not. A method can be preferred explicitly (for comparisons); a
//! segment it cannot serve falls back to the rule above.

use super::fragment_span::{fragment_spans, FragmentSpan};
use std::collections::HashMap;

use super::clock::{ClockMethod, FrameClock, FrameTime};
use super::hls_playlist::MediaPlaylist;
use super::http_date::parse_http_date;
use super::playlist_fixer::FixedEntry;
use super::recording_runs::{recording_runs, segment_epoch_starts, SequenceCheck, WHOLE_SECOND_MIDPOINT_US};
use super::time::UnixMicros;

/// Frames within this much of a segment boundary belong to the later segment
/// (media times reach the shell as rounded floats).
const BOUNDARY_SLACK_SECS: f64 = 0.001;
/// A media time past the last known segment end by more than this maps to nothing.
const END_SLACK_SECS: f64 = 0.1;
/// "More than a segment" when the playlist gives no target duration.
const DEFAULT_SEGMENT_SECS: f64 = 6.0;

#[derive(Debug, Clone, PartialEq)]
struct SegmentClock {
    duration: f64,
    run: usize,
    program_date_time: Option<UnixMicros>,
    epoch: Option<UnixMicros>,
    /// The `Last-Modified` header as an instant (whole seconds).
    last_modified: Option<UnixMicros>,
    /// "More than a segment", seconds.
    disagreement_threshold: f64,
}

impl SegmentClock {
    fn last_modified_start(&self) -> Option<UnixMicros> {
        // The file's time is truncated to the second: take the middle of that second.
        let lm = self.last_modified?.plus(WHOLE_SECOND_MIDPOINT_US);
        Some(lm.plus(-UnixMicros::from_secs_f64(self.duration)?.0))
    }

    fn by_method(&self, m: ClockMethod) -> Option<UnixMicros> {
        match m {
            ClockMethod::ProgramDateTime => self.program_date_time,
            ClockMethod::SegmentEpoch => self.epoch,
            ClockMethod::LastModified => self.last_modified_start(),
            // Not recording methods.
            ClockMethod::ClipStart | ClockMethod::LiveRtpSr | ClockMethod::LiveReceive | ClockMethod::LiveArrival => None,
        }
    }

    fn disagree(&self) -> bool {
        match (self.epoch, self.last_modified_start()) {
            (Some(a), Some(b)) => (a.since(b).unsigned_abs() as f64) / 1e6 > self.disagreement_threshold,
            _ => false,
        }
    }

    /// The chosen wall start of this segment.
    fn start(&self, prefer: Option<ClockMethod>) -> Option<FrameTime> {
        let pick = |method: ClockMethod, methods_disagree: bool| self.by_method(method).map(|at| FrameTime { at, method, methods_disagree });
        let disagree = self.disagree();
        if let Some(p) = prefer {
            if let Some(t) = pick(p, disagree && p == ClockMethod::LastModified) {
                return Some(t);
            }
        }
        pick(ClockMethod::ProgramDateTime, false)
            .or_else(|| if disagree { pick(ClockMethod::LastModified, true) } else { None })
            .or_else(|| pick(ClockMethod::SegmentEpoch, false))
            .or_else(|| pick(ClockMethod::LastModified, false))
    }
}

/// A recording run as the page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    /// Wall span from the run's first segment start to its last segment end (chosen methods).
    pub wall: Option<(UnixMicros, UnixMicros)>,
    pub segments: usize,
    pub sequence_check: SequenceCheck,
}

/// The clock of one played recording playlist.
#[derive(Debug, Clone, Default)]
pub struct RecordingClock {
    prefer: Option<ClockMethod>,
    segments: HashMap<u64, SegmentClock>,
    /// Listed order: (sn, run index).
    listed: Vec<u64>,
    run_count: usize,
    run_checks: Vec<SequenceCheck>,
    timeline: Vec<FragmentSpan>,
    /// hls.js has reported its own timeline (else it is the EXTINF sum).
    timeline_from_player: bool,
    version: u64,
}

impl RecordingClock {
    /// A clock that prefers `prefer` where it can (`None`: the rule in the module notes).
    pub fn new(prefer: Option<ClockMethod>) -> Self {
        Self { prefer, ..Self::default() }
    }

    /// Bumped on every change that can move a frame's wall time.
    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn prefer(&self) -> Option<ClockMethod> {
        self.prefer
    }

    /// Takes a (re)loaded playlist with the numbers hls.js will use (from `PlaylistFixer`).
    pub fn on_playlist(&mut self, playlist: &MediaPlaylist, fixed: &[FixedEntry]) {
        let runs = recording_runs(playlist);
        let epochs = segment_epoch_starts(playlist, &runs);
        let threshold = playlist.target_duration.unwrap_or(DEFAULT_SEGMENT_SECS);
        let mut segments = HashMap::with_capacity(playlist.entries.len());
        let mut listed = Vec::with_capacity(playlist.entries.len());
        for (r, run) in runs.iter().enumerate() {
            // Program date-time holds for its own segment and, by EXTINF, for the
            // following ones of the same run (never across a discontinuity).
            let mut carried: Option<UnixMicros> = None;
            for i in run.entries() {
                let (Some(e), Some(f)) = (playlist.entries.get(i), fixed.get(i)) else { continue };
                let pdt = e.program_date_time.or(carried);
                carried = pdt.and_then(|t| Some(t.plus(UnixMicros::from_secs_f64(e.duration)?.0)));
                let last_modified = self.segments.get(&f.sn).and_then(|s| s.last_modified);
                segments.insert(
                    f.sn,
                    SegmentClock {
                        duration: e.duration,
                        run: r,
                        program_date_time: pdt,
                        epoch: epochs[i],
                        last_modified,
                        disagreement_threshold: threshold.max(e.duration),
                    },
                );
                listed.push(f.sn);
            }
        }
        if !self.timeline_from_player {
            // Until hls.js reports, its own first guess: EXTINF laid end to end from 0.
            let mut start = 0.0;
            self.timeline = listed
                .iter()
                .map(|sn| {
                    let duration = segments[sn].duration;
                    let span = FragmentSpan { sn: *sn, start_secs: start, duration_secs: duration };
                    start += duration;
                    span
                })
                .collect();
        }
        self.segments = segments;
        self.listed = listed;
        self.run_count = runs.len();
        self.run_checks = runs.iter().map(|r| r.check).collect();
        self.version += 1;
    }

    /// Takes hls.js's fragment positions: `[sn, start, duration]` triples, media seconds.
    /// Malformed triples are skipped.
    pub fn on_timeline(&mut self, flat: &[f64]) {
        let spans = fragment_spans(flat);
        if spans != self.timeline {
            self.timeline = spans;
            self.timeline_from_player = true;
            self.version += 1;
        }
    }

    /// Takes the `Last-Modified` header of a loaded segment (`None` or garbage: ignored).
    pub fn on_last_modified(&mut self, sn: u64, header: Option<&str>) {
        let Some(t) = header.and_then(parse_http_date) else { return };
        if let Some(s) = self.segments.get_mut(&sn) {
            if s.last_modified != Some(t) {
                s.last_modified = Some(t);
                self.version += 1;
            }
        }
    }

    fn span_at(&self, media_secs: f64) -> Option<&FragmentSpan> {
        if !media_secs.is_finite() {
            return None;
        }
        let i = self.timeline.partition_point(|s| s.start_secs <= media_secs + BOUNDARY_SLACK_SECS).checked_sub(1)?;
        let s = &self.timeline[i];
        (media_secs < s.end_secs() + END_SLACK_SECS).then_some(s)
    }

    /// The wall start chosen for segment `sn`.
    pub fn segment_start(&self, sn: u64) -> Option<FrameTime> {
        self.segments.get(&sn)?.start(self.prefer)
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

    /// Per run, in listed order: its wall span by the chosen methods.
    pub fn runs(&self) -> Vec<RunSummary> {
        let mut out: Vec<RunSummary> = (0..self.run_count)
            .map(|r| RunSummary { wall: None, segments: 0, sequence_check: self.run_checks.get(r).copied().unwrap_or(SequenceCheck::NotChecked) })
            .collect();
        for sn in &self.listed {
            let Some(seg) = self.segments.get(sn) else { continue };
            let Some(run) = out.get_mut(seg.run) else { continue };
            run.segments += 1;
            let Some(start) = seg.start(self.prefer).map(|f| f.at) else { continue };
            let end = start.plus(UnixMicros::from_secs_f64(seg.duration).map_or(0, |d| d.0));
            run.wall = Some(match run.wall {
                None => (start, end),
                Some((a, b)) => (a.min(start), b.max(end)),
            });
        }
        out
    }

    /// Segments whose segment-epoch and last-modified estimates disagree by more than a segment.
    pub fn disagreeing_segments(&self) -> usize {
        self.segments.values().filter(|s| s.disagree()).count()
    }

    /// Listed segments and how many of them have a `Last-Modified` yet.
    pub fn segment_counts(&self) -> (usize, usize) {
        (self.segments.len(), self.segments.values().filter(|s| s.last_modified.is_some()).count())
    }
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
mod tests {
    use super::*;
    use crate::core::playlist_fixer::PlaylistFixer;
    use crate::core::time::parse_rfc3339;

    /// Three runs as in the demo recording: started at 13:00:00.83 (4 segments),
    /// 13:07:17.21 with 4 listed (3 segments), 13:32:05.64 with 7 listed (5 segments).
    const DEMO: &str = include_str!("../../static/demo/recording/playlist.m3u8");

    fn clock(text: &str, prefer: Option<ClockMethod>) -> (RecordingClock, Vec<FixedEntry>) {
        let p = MediaPlaylist::parse(text);
        let fixed = PlaylistFixer::new().fix(text, &p).entries;
        let mut c = RecordingClock::new(prefer);
        c.on_playlist(&p, &fixed);
        (c, fixed)
    }

    fn at(text: &str) -> UnixMicros {
        parse_rfc3339(text).unwrap()
    }

    fn check(c: &RecordingClock, media: f64, want: Option<(&str, ClockMethod, bool)>) {
        let got = c.wall_time(media);
        let want = want.map(|(t, method, methods_disagree)| FrameTime { at: at(t), method, methods_disagree });
        assert_eq!(got, want, "media {media}");
    }

    #[test]
    fn segment_epoch_over_the_demo_recording_runs() {
        let (c, _) = clock(DEMO, None);
        let m = ClockMethod::SegmentEpoch;
        let rows = [
            // Run 1 starts at its first number 1767618000 (13:00:00) + 0.5 s.
            (0.0, Some(("2026-01-05T13:00:00.500000Z", m, false))),
            (6.0, Some(("2026-01-05T13:00:06.500000Z", m, false))),
            (20.366666, Some(("2026-01-05T13:00:20.866666Z", m, false))),
            // Run 2: 1767618441 - 4 listed = 13:07:17, + 0.5 s. The boundary frame belongs to it.
            (20.4, Some(("2026-01-05T13:07:17.500000Z", m, false))),
            (20.3995, Some(("2026-01-05T13:07:17.499500Z", m, false))),
            // Run 3: 1767619932 - 7 = 1767619925 = EXT-X-MEDIA-SEQUENCE (13:32:05).
            (35.9, Some(("2026-01-05T13:32:05.500000Z", m, false))),
            (61.05, Some(("2026-01-05T13:32:30.650000Z", m, false))),
            (61.3, None),
            (-1.0, None),
            (f64::NAN, None),
        ];
        for (media, want) in rows {
            check(&c, media, want);
        }
        let runs = c.runs();
        assert_eq!(runs.len(), 3);
        assert_eq!(runs[2].sequence_check, SequenceCheck::Agrees);
        assert_eq!(runs[1].wall, Some((at("2026-01-05T13:07:17.500000Z"), at("2026-01-05T13:07:33.000000Z"))));
        assert_eq!(c.media_time_of(at("2026-01-05T13:07:18.500000Z")), Some(21.4));
        assert_eq!(c.media_time_of(at("2026-01-05T13:20:00Z")), None, "between runs");
    }

    #[test]
    fn last_modified_and_the_disagreement_rule() {
        let (mut c, fixed) = clock(DEMO, None);
        let first = fixed[0].sn;
        // Last-Modified 13:00:07 of a 6 s segment: started in [13:00:01, 13:00:02) -> 13:00:01.5.
        c.on_last_modified(first, Some("Mon, 05 Jan 2026 13:00:07 GMT"));
        check(&c, 1.0, Some(("2026-01-05T13:00:01.500000Z", ClockMethod::SegmentEpoch, false)));
        let (mut lm, _) = clock(DEMO, Some(ClockMethod::LastModified));
        lm.on_last_modified(first, Some("Mon, 05 Jan 2026 13:00:07 GMT"));
        check(&lm, 1.0, Some(("2026-01-05T13:00:02.500000Z", ClockMethod::LastModified, false)));
        // Without its header a segment falls back to segment-epoch.
        check(&lm, 7.0, Some(("2026-01-05T13:00:07.500000Z", ClockMethod::SegmentEpoch, false)));
        // Off by more than a segment (entries rolled off, say): last-modified wins and says so.
        c.on_last_modified(first, Some("Mon, 05 Jan 2026 13:00:30 GMT"));
        check(&c, 1.0, Some(("2026-01-05T13:00:25.500000Z", ClockMethod::LastModified, true)));
        assert_eq!(c.disagreeing_segments(), 1);
        // Garbage headers and unknown segments change nothing.
        let v = c.version();
        c.on_last_modified(first, Some("yesterday"));
        c.on_last_modified(9_999, Some("Mon, 05 Jan 2026 13:00:30 GMT"));
        c.on_last_modified(first, None);
        assert_eq!(c.version(), v);
    }

    #[test]
    fn program_date_time_wins_and_carries_forward_within_a_run() {
        let text = "#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:200\n\
            #EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:2026-01-05T13:00:00.950Z\n#EXTINF:6.0,\nsegment-100.ts\n#EXTINF:2.4,\nsegment-101.ts\n\
            #EXT-X-DISCONTINUITY\n#EXTINF:6.0,\nsegment-202.ts\n";
        let (c, _) = clock(text, Some(ClockMethod::SegmentEpoch));
        // Preferring segment-epoch: run 1 starts at its first number, 100 s (+ 0.5 s).
        check(&c, 0.5, Some(("1970-01-01T00:01:41Z", ClockMethod::SegmentEpoch, false)));
        let (c, _) = clock(text, None);
        check(&c, 0.5, Some(("2026-01-05T13:00:01.450000Z", ClockMethod::ProgramDateTime, false)));
        check(&c, 7.0, Some(("2026-01-05T13:00:07.950000Z", ClockMethod::ProgramDateTime, false)));
        // Not across the discontinuity: run 2 falls back to its numbering (202 - 2 listed = 200 s).
        check(&c, 9.0, Some(("1970-01-01T00:03:21.100000Z", ClockMethod::SegmentEpoch, false)));
    }

    #[test]
    fn player_timeline_replaces_the_extinf_guess() {
        let (mut c, fixed) = clock(DEMO, None);
        let sns: Vec<f64> = fixed.iter().map(|f| f.sn as f64).collect();
        // hls.js moved the second segment 40 ms later after parsing it.
        let mut flat = Vec::new();
        let mut start = 0.0;
        for (i, sn) in sns.iter().enumerate() {
            let s = if i == 1 { start + 0.04 } else { start };
            flat.extend([*sn, s, 6.0]);
            start += 6.0;
        }
        flat.extend([f64::NAN, 1.0, 1.0, 5.0, 1.0]);
        let v = c.version();
        c.on_timeline(&flat);
        assert!(c.version() > v);
        check(&c, 6.04, Some(("2026-01-05T13:00:06.500000Z", ClockMethod::SegmentEpoch, false)));
        assert_eq!(c.segment_at(6.03), Some(fixed[0].sn));
        let v = c.version();
        c.on_timeline(&flat);
        assert_eq!(c.version(), v, "an unchanged timeline is not a change");
        // An empty clock maps nothing.
        assert_eq!(RecordingClock::new(None).wall_time(1.0), None);
    }
}
