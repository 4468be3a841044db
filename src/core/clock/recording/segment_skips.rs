//! Recording segments that cannot be played (missing or damaged), and where playback resumes past them.
//!
//! hls.js loads segments ahead of the playhead. When one cannot be had (VAS
//! answers 404 because the recorder's file is gone, or the bytes are not
//! media), hls.js either stops loading altogether (a fatal error) or leaves a
//! hole in its buffer; either way the video stops at the hole and waits
//! forever. `SegmentSkips` decides, from the fragment errors hls.js reports
//! and the playlist's segments on hls.js's media timeline:
//! - whether a segment is unplayable: at once for a 4xx answer or damaged
//!   bytes (asking again gets the same), after a few tries for a network
//!   failure (which may pass);
//! - where playback resumes: the start of the next segment not known to be
//!   unplayable. The jump is due only once the playhead has reached the hole
//!   and the video is stalled there: jumping when the error arrives would
//!   throw away the good video still buffered before the hole;
//! - where skipping stops: the newest segment of a playlist that may still
//!   grow (VAS's rolling playlist has no `ENDLIST`) is waited for, never
//!   skipped past the end, since the recorder may not have written it yet;
//!   and after `max_consecutive` unplayable segments in a row with nothing
//!   played between them, playback gives up with an error instead of
//!   skipping through a whole day of missing files.
//!
//! All times are hls.js media seconds (the timeline `RecordingClock` reads);
//! delays are milliseconds for the caller's timers. A seek by the user into a
//! segment skipped earlier forgets that segment, so it is asked for again
//! (the fault may have cleared); the player's own jumps are told apart by
//! their target.

use crate::core::clock::recording::fragment_span::{fragment_spans, FragmentSpan};
use std::collections::BTreeMap;

use crate::core::backoff::Backoff;
use crate::core::clock::recording::playlist_fixer::PlaylistHeader;

/// What went wrong with one segment, from hls.js's error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentFault {
    /// A 4xx answer (VAS: the file is gone) or a playlist `GAP`: asking again will not help.
    Missing,
    /// No answer, a timeout, a 5xx, 408 or 429: may pass.
    Network,
    /// The bytes arrived but are not playable media (parse, demux or append failure).
    Damaged,
}

impl SegmentFault {
    /// Classifies an hls.js error by its `details` and the HTTP status of the
    /// response (0 when there was none). `None`: not the fault of one segment
    /// (a playlist error, a stall, a media pipeline error).
    pub fn from_hls_error(details: &str, http_status: u16) -> Option<SegmentFault> {
        match details {
            "fragLoadError" => Some(match http_status {
                408 | 429 => SegmentFault::Network,
                400..=499 => SegmentFault::Missing,
                _ => SegmentFault::Network,
            }),
            "fragLoadTimeout" => Some(SegmentFault::Network),
            "fragGap" => Some(SegmentFault::Missing),
            "fragParsingError" | "fragDecryptError" | "bufferAppendError" => {
                Some(SegmentFault::Damaged)
            }
            _ => None,
        }
    }
}

/// The bounds of skipping.
#[derive(Debug, Clone, PartialEq)]
pub struct SkipLimits {
    /// Unplayable segments in a row (nothing played between them) before giving up.
    pub max_consecutive: u32,
    /// Network failures of one segment before it counts as unplayable.
    pub network_tries: u32,
    /// A stall this close before an unplayable segment's start counts as reaching it
    /// (the buffer ends at the last frame before the hole, a frame or so early).
    pub edge_secs: f64,
    /// Back-off between tries of a network failure or of a newest segment still missing.
    pub retry_base_ms: u32,
    pub retry_max_ms: u32,
}

impl Default for SkipLimits {
    fn default() -> Self {
        // Five 6 s segments: half a minute of recording missing in a row is an outage, not a hole.
        // Retries of the newest segment are capped at VAS's segment duration: a new one comes that often.
        Self {
            max_consecutive: 5,
            network_tries: 3,
            edge_secs: 0.25,
            retry_base_ms: 1_000,
            retry_max_ms: 6_000,
        }
    }
}

/// What to do about one fragment error.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultVerdict {
    /// Ask for the segment again after this long (a network failure that may pass).
    RetryAfterMs(u32),
    /// Unplayable: once the playhead reaches it, playback resumes here (see `due_jump`).
    SkipTo { resume_at_secs: f64 },
    /// The newest segment of a playlist that may still grow: ask again after this long.
    /// Playback waits at it; it is never skipped past the end.
    WaitForNewest { retry_after_ms: u32 },
    /// The last segment of a finished playlist: playback ends at it.
    EndsHere,
    /// Too many unplayable segments in a row: stop and say so.
    GiveUp { in_a_row: u32 },
    /// Not a segment of the playlist as known (an error from before a reload): nothing to do.
    NotListed,
}

/// A jump the player should make now: seek from the hole to `to_secs`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Jump {
    /// The unplayable segment jumped over.
    pub over_sn: u64,
    pub from_secs: f64,
    pub to_secs: f64,
}

/// Counters for diagnostics and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SkipCounters {
    /// Segments found unplayable.
    pub unplayable: u32,
    /// Jumps handed to the player.
    pub jumps: u32,
    /// Waits for the newest segment.
    pub newest_waits: u32,
    /// Network failures retried.
    pub retries: u32,
}

/// Seeks this close to the target of the player's own jump are that jump.
const OWN_SEEK_TOLERANCE_SECS: f64 = 0.05;

/// The skipping state of one played playlist.
#[derive(Debug, Clone)]
pub struct SegmentSkips {
    limits: SkipLimits,
    /// Sorted by start.
    timeline: Vec<FragmentSpan>,
    /// The playlist may still grow (no `ENDLIST`).
    growing: bool,
    unplayable: BTreeMap<u64, SegmentFault>,
    network_failures: BTreeMap<u64, u32>,
    /// Unplayable segments since one last loaded.
    in_a_row: u32,
    gave_up: bool,
    network_backoff: Backoff,
    newest_backoff: Backoff,
    /// The target of the player's own jump, until its seek is seen.
    own_seek_to: Option<f64>,
    counters: SkipCounters,
}

impl Default for SegmentSkips {
    fn default() -> Self {
        Self::new(SkipLimits::default())
    }
}

impl SegmentSkips {
    pub fn new(limits: SkipLimits) -> Self {
        let backoff = Backoff::new(limits.retry_base_ms, limits.retry_max_ms);
        Self {
            limits,
            timeline: Vec::new(),
            // Until a playlist says otherwise, VAS's rolling playlist grows.
            growing: true,
            unplayable: BTreeMap::new(),
            network_failures: BTreeMap::new(),
            in_a_row: 0,
            gave_up: false,
            network_backoff: backoff.clone(),
            newest_backoff: backoff,
            own_seek_to: None,
            counters: SkipCounters::default(),
        }
    }

    pub fn counters(&self) -> SkipCounters {
        self.counters
    }

    /// Whether playback gave up (the player shows an error).
    pub fn gave_up(&self) -> bool {
        self.gave_up
    }

    /// Whether `sn` is known to be unplayable now.
    pub fn is_unplayable(&self, sn: u64) -> bool {
        self.unplayable.contains_key(&sn)
    }

    /// Takes a (re)loaded playlist's header: whether it may still grow.
    pub fn on_playlist(&mut self, header: &PlaylistHeader) {
        self.growing = !header.ended && header.playlist_type.as_deref() != Some("VOD");
    }

    /// Takes hls.js's fragment positions: `[sn, start, duration]` triples, media
    /// seconds (as `RecordingClock::on_timeline`). Malformed triples are skipped;
    /// what is known of segments no longer listed is dropped.
    pub fn on_timeline(&mut self, flat: &[f64]) {
        self.on_spans(fragment_spans(flat));
    }

    /// `on_timeline` with the positions already parsed (`fragment_spans`).
    pub fn on_spans(&mut self, spans: Vec<FragmentSpan>) {
        let listed = |sn: &u64| spans.iter().any(|s| s.sn == *sn);
        self.unplayable.retain(|sn, _| listed(sn));
        self.network_failures.retain(|sn, _| listed(sn));
        self.timeline = spans;
    }

    fn index_of(&self, sn: u64) -> Option<usize> {
        self.timeline.iter().position(|s| s.sn == sn)
    }

    /// The first segment after position `i` not known to be unplayable.
    fn next_playable_after(&self, i: usize) -> Option<&FragmentSpan> {
        self.timeline.get(i + 1..)?.iter().find(|s| !self.unplayable.contains_key(&s.sn))
    }

    /// Decides about one fragment error. `jitter01` (0..1, from the caller)
    /// spreads the retries of several viewers.
    pub fn on_fragment_error(
        &mut self,
        sn: u64,
        fault: SegmentFault,
        jitter01: f64,
    ) -> FaultVerdict {
        if self.gave_up {
            return FaultVerdict::GiveUp { in_a_row: self.in_a_row };
        }
        let Some(i) = self.index_of(sn) else {
            return FaultVerdict::NotListed;
        };
        let known = self.unplayable.contains_key(&sn);
        if fault == SegmentFault::Network && !known {
            let tries = self.network_failures.entry(sn).or_insert(0);
            *tries += 1;
            if *tries < self.limits.network_tries {
                self.counters.retries += 1;
                return FaultVerdict::RetryAfterMs(self.network_backoff.on_failure(jitter01));
            }
        }
        let Some(resume_at_secs) = self.next_playable_after(i).map(|s| s.start_secs) else {
            if self.growing {
                // Nothing playable after it yet: the recorder may still be writing it. Not
                // marked, so that it is asked for again, and a jump never goes past the end.
                self.counters.newest_waits += 1;
                return FaultVerdict::WaitForNewest {
                    retry_after_ms: self.newest_backoff.on_failure(jitter01),
                };
            }
            self.unplayable.insert(sn, fault);
            return FaultVerdict::EndsHere;
        };
        if !known {
            // The same segment failing again (hls.js retrying it) is not another one in a row.
            self.unplayable.insert(sn, fault);
            self.counters.unplayable += 1;
            self.in_a_row += 1;
        }
        if self.in_a_row > self.limits.max_consecutive {
            self.gave_up = true;
            return FaultVerdict::GiveUp { in_a_row: self.in_a_row };
        }
        FaultVerdict::SkipTo { resume_at_secs }
    }

    /// A segment loaded and buffered: it plays, so the run of unplayable ones ends.
    pub fn on_fragment_buffered(&mut self, sn: u64) {
        self.unplayable.remove(&sn);
        self.network_failures.remove(&sn);
        self.in_a_row = 0;
        self.network_backoff.on_success();
        if self.timeline.last().is_some_and(|s| s.sn == sn) {
            self.newest_backoff.on_success();
        }
    }

    /// The jump due now, if the video is stalled (`stalled`: playing but without
    /// data ahead) at or inside an unplayable segment. The next one after it that
    /// is not known to be unplayable is the target; none (the newest is missing):
    /// no jump, playback waits.
    pub fn due_jump(&mut self, playhead_secs: f64, stalled: bool) -> Option<Jump> {
        if !stalled || self.gave_up || !playhead_secs.is_finite() {
            return None;
        }
        let edge = self.limits.edge_secs;
        let i = self.timeline.iter().position(|s| {
            self.unplayable.contains_key(&s.sn)
                && playhead_secs >= s.start_secs - edge
                && playhead_secs < s.end_secs()
        })?;
        let over_sn = self.timeline[i].sn;
        let to_secs = self.next_playable_after(i)?.start_secs;
        if to_secs <= playhead_secs {
            return None;
        }
        self.own_seek_to = Some(to_secs);
        self.counters.jumps += 1;
        Some(Jump { over_sn, from_secs: playhead_secs, to_secs })
    }

    /// The video started seeking to `target_secs`. The player's own jump is
    /// recognised by its target; any other seek is the user's, who may be
    /// going back to a segment skipped earlier: it is forgotten, so hls.js
    /// asks for it again and it plays if the fault has cleared.
    pub fn on_seeking(&mut self, target_secs: f64) {
        if let Some(own) = self.own_seek_to.take() {
            if (own - target_secs).abs() <= OWN_SEEK_TOLERANCE_SECS {
                return;
            }
        }
        if !target_secs.is_finite() {
            return;
        }
        let hit: Vec<u64> = self
            .timeline
            .iter()
            .filter(|s| {
                target_secs >= s.start_secs - self.limits.edge_secs && target_secs < s.end_secs()
            })
            .map(|s| s.sn)
            .collect();
        for sn in hit {
            self.unplayable.remove(&sn);
            self.network_failures.remove(&sn);
        }
        self.in_a_row = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Four 6 s segments numbered 10..=13 from 0 s, then a shorter newest one (14, 2.4 s).
    fn timeline() -> Vec<f64> {
        vec![10.0, 0.0, 6.0, 11.0, 6.0, 6.0, 12.0, 12.0, 6.0, 13.0, 18.0, 6.0, 14.0, 24.0, 2.4]
    }

    fn skips() -> SegmentSkips {
        let mut s = SegmentSkips::default();
        s.on_timeline(&timeline());
        s
    }

    fn ended() -> PlaylistHeader {
        PlaylistHeader { ended: true, ..PlaylistHeader::default() }
    }

    #[test]
    fn classifies_hls_errors() {
        use SegmentFault::*;
        let rows: &[(&str, u16, Option<SegmentFault>)] = &[
            ("fragLoadError", 404, Some(Missing)),
            ("fragLoadError", 410, Some(Missing)),
            ("fragLoadError", 403, Some(Missing)),
            ("fragLoadError", 408, Some(Network)),
            ("fragLoadError", 429, Some(Network)),
            ("fragLoadError", 500, Some(Network)),
            ("fragLoadError", 0, Some(Network)),
            ("fragLoadTimeout", 0, Some(Network)),
            ("fragGap", 0, Some(Missing)),
            ("fragParsingError", 0, Some(Damaged)),
            ("bufferAppendError", 0, Some(Damaged)),
            ("fragDecryptError", 0, Some(Damaged)),
            ("levelLoadError", 404, None),
            ("bufferStalledError", 0, None),
            ("manifestLoadError", 0, None),
            ("", 0, None),
        ];
        for (details, status, want) in rows {
            assert_eq!(SegmentFault::from_hls_error(details, *status), *want, "{details} {status}");
        }
    }

    /// One error on a fresh state: the verdict for each kind of segment and fault.
    #[test]
    fn verdict_of_one_error() {
        use FaultVerdict::*;
        use SegmentFault::*;
        let rows: &[(&str, u64, SegmentFault, bool, FaultVerdict)] = &[
            (
                "missing mid-playlist: resume at the next segment",
                11,
                Missing,
                true,
                SkipTo { resume_at_secs: 12.0 },
            ),
            ("damaged mid-playlist", 12, Damaged, true, SkipTo { resume_at_secs: 18.0 }),
            ("missing first segment", 10, Missing, true, SkipTo { resume_at_secs: 6.0 }),
            (
                "the last but one: resume at the newest",
                13,
                Missing,
                true,
                SkipTo { resume_at_secs: 24.0 },
            ),
            ("network failure: retried first", 11, Network, true, RetryAfterMs(1_000)),
            (
                "newest of a growing playlist: wait for it",
                14,
                Missing,
                true,
                WaitForNewest { retry_after_ms: 1_000 },
            ),
            (
                "newest damaged (perhaps half written): wait",
                14,
                Damaged,
                true,
                WaitForNewest { retry_after_ms: 1_000 },
            ),
            ("newest of a finished playlist: the end", 14, Missing, false, EndsHere),
            ("not listed", 99, Missing, true, NotListed),
        ];
        for (what, sn, fault, growing, want) in rows {
            let mut s = skips();
            if !growing {
                s.on_playlist(&ended());
            }
            assert_eq!(s.on_fragment_error(*sn, *fault, 0.0), *want, "{what}");
        }
    }

    #[test]
    fn playlist_growth_is_read_from_the_playlist() {
        let mut s = skips();
        let event =
            PlaylistHeader { playlist_type: Some("EVENT".into()), ..PlaylistHeader::default() };
        let vod = PlaylistHeader { playlist_type: Some("VOD".into()), ..PlaylistHeader::default() };
        for (p, want_wait) in [(&event, true), (&ended(), false), (&vod, false), (&event, true)] {
            s.on_playlist(p);
            let v = SegmentSkips { unplayable: BTreeMap::new(), ..s.clone() }.on_fragment_error(
                14,
                SegmentFault::Missing,
                0.0,
            );
            assert_eq!(matches!(v, FaultVerdict::WaitForNewest { .. }), want_wait, "{p:?}");
        }
    }

    #[test]
    fn the_jump_is_due_only_at_the_hole_and_when_stalled() {
        let mut s = skips();
        assert_eq!(
            s.on_fragment_error(11, SegmentFault::Missing, 0.0),
            FaultVerdict::SkipTo { resume_at_secs: 12.0 }
        );
        // (playhead, stalled, expected target)
        let rows: &[(f64, bool, Option<f64>)] = &[
            (3.0, true, None),   // stalled elsewhere (a slow load): not this module's business
            (5.5, false, None),  // still playing the buffer before the hole
            (5.5, true, None),   // stalled, but half a second before it
            (5.99, false, None), // at the hole, still playing its last frame
            (5.8, true, Some(12.0)), // stalled within the edge before it
            (6.0, true, Some(12.0)), // stalled at its start
            (9.0, true, Some(12.0)), // inside it (a seek landed there)
            (12.0, true, None),  // past it: the next segment is loading
            (f64::NAN, true, None),
        ];
        for (playhead, stalled, want) in rows {
            let got = s.clone().due_jump(*playhead, *stalled).map(|j| j.to_secs);
            assert_eq!(got, *want, "playhead {playhead} stalled {stalled}");
        }
        let j = s.due_jump(6.0, true).unwrap();
        assert_eq!(j, Jump { over_sn: 11, from_secs: 6.0, to_secs: 12.0 });
        assert_eq!(s.counters().jumps, 1);
    }

    #[test]
    fn two_missing_in_a_row_across_a_restart() {
        let mut s = skips();
        assert_eq!(
            s.on_fragment_error(11, SegmentFault::Missing, 0.0),
            FaultVerdict::SkipTo { resume_at_secs: 12.0 }
        );
        assert_eq!(s.due_jump(5.97, true).map(|j| j.to_secs), Some(12.0));
        s.on_seeking(12.0);
        // hls.js asks for the next one from there: also missing.
        assert_eq!(
            s.on_fragment_error(12, SegmentFault::Missing, 0.0),
            FaultVerdict::SkipTo { resume_at_secs: 18.0 }
        );
        assert_eq!(s.due_jump(12.0, true).map(|j| j.to_secs), Some(18.0));
        s.on_seeking(18.0);
        s.on_fragment_buffered(13);
        assert_eq!(
            s.counters(),
            SkipCounters { unplayable: 2, jumps: 2, newest_waits: 0, retries: 0 }
        );
        assert!(!s.gave_up());
        // Known before the playhead got there, both are jumped over in one go.
        let mut s = skips();
        s.on_fragment_error(11, SegmentFault::Missing, 0.0);
        s.on_fragment_error(12, SegmentFault::Damaged, 0.0);
        assert_eq!(s.due_jump(6.0, true).map(|j| j.to_secs), Some(18.0));
    }

    #[test]
    fn skipping_is_bounded() {
        // Twelve 1 s segments, every one missing: five skips, then give up.
        let flat: Vec<f64> = (0..12).flat_map(|i| [i as f64, i as f64, 1.0]).collect();
        let mut s = SegmentSkips::default();
        s.on_timeline(&flat);
        let mut verdicts = Vec::new();
        for sn in 0..7 {
            verdicts.push(s.on_fragment_error(sn, SegmentFault::Missing, 0.0));
        }
        let skips = verdicts.iter().filter(|v| matches!(v, FaultVerdict::SkipTo { .. })).count();
        assert_eq!(skips, 5);
        assert_eq!(verdicts[5], FaultVerdict::GiveUp { in_a_row: 6 });
        assert!(s.gave_up());
        assert_eq!(s.due_jump(6.0, true), None, "no jumps once given up");
        // The same segment failing again is not one more in a row.
        let mut s = SegmentSkips::default();
        s.on_timeline(&flat);
        for _ in 0..20 {
            assert!(matches!(
                s.on_fragment_error(3, SegmentFault::Damaged, 0.0),
                FaultVerdict::SkipTo { .. }
            ));
        }
        // A segment that plays ends the run.
        let mut s = SegmentSkips::default();
        s.on_timeline(&flat);
        for sn in 0..10 {
            let v = s.on_fragment_error(sn, SegmentFault::Missing, 0.0);
            assert!(matches!(v, FaultVerdict::SkipTo { .. }), "{sn}: {v:?}");
            if sn % 4 == 3 {
                s.on_fragment_buffered(sn + 100);
            }
        }
    }

    #[test]
    fn network_failures_are_retried_then_skipped() {
        let mut s = skips();
        let verdicts: Vec<FaultVerdict> =
            (0..4).map(|_| s.on_fragment_error(12, SegmentFault::Network, 0.0)).collect();
        assert_eq!(
            verdicts,
            [
                FaultVerdict::RetryAfterMs(1_000),
                FaultVerdict::RetryAfterMs(2_000),
                FaultVerdict::SkipTo { resume_at_secs: 18.0 },
                FaultVerdict::SkipTo { resume_at_secs: 18.0 },
            ]
        );
        assert_eq!(s.counters().retries, 2);
        // A load in between resets the count.
        let mut s = skips();
        s.on_fragment_error(12, SegmentFault::Network, 0.0);
        s.on_fragment_error(12, SegmentFault::Network, 0.0);
        s.on_fragment_buffered(12);
        assert_eq!(
            s.on_fragment_error(12, SegmentFault::Network, 0.0),
            FaultVerdict::RetryAfterMs(1_000)
        );
    }

    #[test]
    fn the_newest_segment_is_waited_for_never_skipped_past_the_end() {
        let mut s = skips();
        let waits: Vec<FaultVerdict> =
            (0..5).map(|_| s.on_fragment_error(14, SegmentFault::Missing, 0.0)).collect();
        let delays: Vec<u32> = waits
            .iter()
            .map(|v| match v {
                FaultVerdict::WaitForNewest { retry_after_ms } => *retry_after_ms,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(delays, [1_000, 2_000, 4_000, 6_000, 6_000], "capped at a segment's duration");
        assert!(!s.is_unplayable(14), "asked for again, never marked");
        assert_eq!(s.due_jump(24.0, true), None, "waiting at the end, no jump");
        assert_eq!(s.counters().newest_waits, 5);
        // A hole just before a missing newest segment: the jump lands on the newest and waits there.
        let mut s = skips();
        s.on_fragment_error(14, SegmentFault::Missing, 0.0);
        s.on_fragment_error(13, SegmentFault::Missing, 0.0);
        assert_eq!(s.due_jump(18.0, true).map(|j| j.to_secs), Some(24.0));
        assert_eq!(s.due_jump(24.0, true), None);
        // The playlist grows: the old newest is now in the middle and is skipped.
        let mut grown = timeline();
        grown.extend([15.0, 26.4, 6.0]);
        let mut s = skips();
        s.on_fragment_error(14, SegmentFault::Missing, 0.0);
        s.on_timeline(&grown);
        assert_eq!(
            s.on_fragment_error(14, SegmentFault::Missing, 0.0),
            FaultVerdict::SkipTo { resume_at_secs: 26.4 }
        );
        // It arrived after all: the wait's back-off starts over.
        let mut s = skips();
        s.on_fragment_error(14, SegmentFault::Missing, 0.0);
        s.on_fragment_error(14, SegmentFault::Missing, 0.0);
        s.on_fragment_buffered(14);
        assert_eq!(
            s.on_fragment_error(14, SegmentFault::Missing, 0.0),
            FaultVerdict::WaitForNewest { retry_after_ms: 1_000 }
        );
    }

    #[test]
    fn a_user_seek_back_into_a_skipped_segment_asks_for_it_again() {
        let mut s = skips();
        s.on_fragment_error(11, SegmentFault::Missing, 0.0);
        let j = s.due_jump(6.0, true).unwrap();
        // The player's own seek keeps the mark...
        s.on_seeking(j.to_secs + 0.01);
        assert!(s.is_unplayable(11));
        // ...a user's seek elsewhere keeps it too...
        s.on_seeking(20.0);
        assert!(s.is_unplayable(11));
        // ...a user's seek into it forgets it, so no jump while hls.js asks again.
        s.on_seeking(8.0);
        assert!(!s.is_unplayable(11));
        assert_eq!(s.due_jump(8.0, true), None);
        // Still missing: skipped again.
        assert_eq!(
            s.on_fragment_error(11, SegmentFault::Missing, 0.0),
            FaultVerdict::SkipTo { resume_at_secs: 12.0 }
        );
        assert_eq!(s.due_jump(8.0, true).map(|j| j.to_secs), Some(12.0));
    }

    #[test]
    fn a_reloaded_timeline_drops_what_is_no_longer_listed() {
        let mut s = skips();
        s.on_fragment_error(10, SegmentFault::Missing, 0.0);
        s.on_fragment_error(12, SegmentFault::Missing, 0.0);
        // Segment 10 rolled off the front; hls.js's positions stay.
        s.on_timeline(&timeline()[3..]);
        assert!(!s.is_unplayable(10) && s.is_unplayable(12));
        assert_eq!(s.on_fragment_error(10, SegmentFault::Missing, 0.0), FaultVerdict::NotListed);
        // Garbage positions are skipped, never a panic.
        s.on_timeline(&[f64::NAN, 1.0, 1.0, 5.0, -1.0, 0.0, 3.0, 1.0]);
        assert_eq!(s.on_fragment_error(5, SegmentFault::Missing, 0.0), FaultVerdict::NotListed);
        assert_eq!(s.due_jump(1.0, true), None);
        let mut empty = SegmentSkips::default();
        assert_eq!(
            empty.on_fragment_error(1, SegmentFault::Damaged, f64::NAN),
            FaultVerdict::NotListed
        );
        assert_eq!(empty.due_jump(0.0, true), None);
        empty.on_seeking(f64::INFINITY);
        empty.on_fragment_buffered(3);
    }
}
