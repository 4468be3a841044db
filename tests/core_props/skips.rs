//! Properties of playback's fault handling: unplayable segments skipped within bounds, media recoveries rationed.

use std::collections::HashSet;

use proptest::prelude::*;
use vas_overlay_viewer::core::clock::recording::fragment_span::fragment_spans;
use vas_overlay_viewer::core::clock::recording::media_recovery::{MediaRecovery, RecoveryVerdict};
use vas_overlay_viewer::core::clock::recording::playlist_fixer::PlaylistHeader;
use vas_overlay_viewer::core::clock::recording::segment_skips::{
    FaultVerdict, SegmentFault, SegmentSkips, SkipLimits,
};

use super::gen::{hostile_f64, text};
use super::runner::check;

/// One thing the player tells the skipping state.
#[derive(Debug, Clone)]
enum SkipOp {
    /// A fragment error for the listed segment at `pick` (or a number never listed).
    Error {
        pick: usize,
        unlisted: Option<u64>,
        fault: u8,
        jitter: f64,
    },
    Buffered {
        pick: usize,
    },
    DueJump {
        playhead: f64,
        stalled: bool,
    },
    Seeking {
        target: f64,
    },
    Playlist {
        ended: bool,
        vod: bool,
    },
    /// A reloaded timeline: the old one shifted by `roll` segments and grown by `grow`, or hostile values.
    Timeline {
        roll: usize,
        grow: usize,
        hostile: Option<Vec<f64>>,
    },
}

fn skip_op() -> impl Strategy<Value = SkipOp> {
    let playhead = prop_oneof![4 => -1.0f64..130.0, 1 => hostile_f64()];
    prop_oneof![
        6 => (0usize..64, prop::option::weighted(0.1, any::<u64>()), 0u8..3, prop_oneof![0.0f64..1.0, hostile_f64()])
            .prop_map(|(pick, unlisted, fault, jitter)| SkipOp::Error { pick, unlisted, fault, jitter }),
        2 => (0usize..64).prop_map(|pick| SkipOp::Buffered { pick }),
        4 => (playhead.clone(), any::<bool>()).prop_map(|(playhead, stalled)| SkipOp::DueJump { playhead, stalled }),
        1 => playhead.prop_map(|target| SkipOp::Seeking { target }),
        1 => (any::<bool>(), any::<bool>()).prop_map(|(ended, vod)| SkipOp::Playlist { ended, vod }),
        1 => (0usize..3, 0usize..3, prop::option::weighted(0.2, prop::collection::vec(hostile_f64(), 0..24)))
            .prop_map(|(roll, grow, hostile)| SkipOp::Timeline { roll, grow, hostile }),
    ]
}

/// `n` segments of the given durations from `first_sn`, end to end from `start`.
fn layout(first_sn: u64, start: f64, durations: &[f64]) -> Vec<f64> {
    let mut t = start;
    durations
        .iter()
        .enumerate()
        .flat_map(|(i, d)| {
            let span = [(first_sn + i as u64) as f64, t, *d];
            t += d;
            span
        })
        .collect()
}

/// Any sequence of errors, loads, stalls, seeks and reloads: every jump goes
/// forward, from a segment known to be unplayable to the start of a later
/// one; a skip resumes at a later listed segment; retry delays stay within
/// the back-off's cap; at most `max_consecutive` new segments are skipped
/// between two that play; giving up is final; the counters count.
#[test]
fn segment_skipping_is_bounded_and_only_jumps_forward() {
    check(
        "segment_skipping_is_bounded_and_only_jumps_forward",
        1.0,
        || {
            let durations =
                prop::collection::vec(prop_oneof![4 => Just(6.0), 1 => 0.1f64..12.0], 1..20);
            let limits = (1u32..8, 1u32..5);
            (durations, limits, prop::collection::vec(skip_op(), 0..60))
        },
        |(durations, (max_consecutive, network_tries), ops)| {
            let limits = SkipLimits { max_consecutive, network_tries, ..SkipLimits::default() };
            let mut skips = SegmentSkips::new(limits.clone());
            let (mut first_sn, mut durations) = (100u64, durations);
            let mut flat = layout(first_sn, 0.0, &durations);
            skips.on_timeline(&flat);
            let mut spans = fragment_spans(&flat);
            let (mut jumps, mut retries, mut waits) = (0u32, 0u32, 0u32);
            let mut new_in_a_row: HashSet<u64> = HashSet::new();
            let mut gave_up = false;
            for op in ops {
                match op {
                    SkipOp::Error { pick, unlisted, fault, jitter } => {
                        let sn = unlisted.unwrap_or_else(|| {
                            spans.get(pick % spans.len().max(1)).map_or(0, |s| s.sn)
                        });
                        let fault =
                            [SegmentFault::Missing, SegmentFault::Network, SegmentFault::Damaged]
                                [fault as usize];
                        let was_unplayable = skips.is_unplayable(sn);
                        let verdict = skips.on_fragment_error(sn, fault, jitter);
                        let position = spans.iter().position(|s| s.sn == sn);
                        if gave_up {
                            prop_assert!(
                                matches!(verdict, FaultVerdict::GiveUp { .. }),
                                "giving up is final: {verdict:?}"
                            );
                            continue;
                        }
                        match verdict {
                            FaultVerdict::NotListed => prop_assert!(position.is_none()),
                            FaultVerdict::RetryAfterMs(ms) => {
                                retries += 1;
                                prop_assert!(
                                    fault == SegmentFault::Network && ms <= limits.retry_max_ms
                                );
                            }
                            FaultVerdict::WaitForNewest { retry_after_ms } => {
                                waits += 1;
                                prop_assert!(retry_after_ms <= limits.retry_max_ms);
                            }
                            FaultVerdict::SkipTo { resume_at_secs } => {
                                let i = position.expect("a skipped segment is listed");
                                prop_assert!(
                                    spans[i + 1..].iter().any(|s| s.start_secs == resume_at_secs),
                                    "resume at {resume_at_secs} is no later segment's start"
                                );
                                prop_assert!(skips.is_unplayable(sn));
                                if !was_unplayable {
                                    new_in_a_row.insert(sn);
                                }
                                prop_assert!(
                                    new_in_a_row.len() as u32 <= max_consecutive,
                                    "{} skipped in a row",
                                    new_in_a_row.len()
                                );
                            }
                            FaultVerdict::EndsHere => prop_assert!(position.is_some()),
                            FaultVerdict::GiveUp { in_a_row } => {
                                prop_assert!(in_a_row > max_consecutive);
                                gave_up = true;
                            }
                        }
                        prop_assert_eq!(skips.gave_up(), gave_up);
                    }
                    SkipOp::Buffered { pick } => {
                        if let Some(s) = spans.get(pick % spans.len().max(1)) {
                            skips.on_fragment_buffered(s.sn);
                            new_in_a_row.clear();
                        }
                    }
                    SkipOp::DueJump { playhead, stalled } => {
                        let jump = skips.due_jump(playhead, stalled);
                        if let Some(j) = jump {
                            jumps += 1;
                            prop_assert!(stalled && !gave_up && playhead.is_finite());
                            prop_assert_eq!(j.from_secs, playhead);
                            prop_assert!(j.to_secs > j.from_secs, "a jump backwards: {j:?}");
                            prop_assert!(skips.is_unplayable(j.over_sn));
                            let i = spans
                                .iter()
                                .position(|s| s.sn == j.over_sn)
                                .expect("the hole is listed");
                            prop_assert!(spans[i + 1..]
                                .iter()
                                .any(|s| s.start_secs == j.to_secs && !skips.is_unplayable(s.sn)));
                        }
                    }
                    SkipOp::Seeking { target } => {
                        skips.on_seeking(target);
                        new_in_a_row.clear();
                    }
                    SkipOp::Playlist { ended, vod } => {
                        let p = PlaylistHeader {
                            ended,
                            playlist_type: Some(if vod { "VOD" } else { "EVENT" }.into()),
                            ..PlaylistHeader::default()
                        };
                        skips.on_playlist(&p);
                    }
                    SkipOp::Timeline { roll, grow, hostile } => {
                        match hostile {
                            Some(values) => flat = values,
                            None => {
                                let roll = roll.min(durations.len().saturating_sub(1));
                                let start = durations[..roll].iter().sum::<f64>()
                                    + flat.get(1).copied().filter(|s| s.is_finite()).unwrap_or(0.0);
                                durations.drain(..roll);
                                durations.extend(std::iter::repeat_n(6.0, grow));
                                first_sn += roll as u64;
                                flat = layout(first_sn, start, &durations);
                            }
                        }
                        skips.on_timeline(&flat);
                        spans = fragment_spans(&flat);
                    }
                }
                let c = skips.counters();
                prop_assert_eq!((c.jumps, c.retries, c.newest_waits), (jumps, retries, waits));
            }
            Ok(())
        },
    );
}

/// hls.js error names and statuses: classified without a panic, a 4xx
/// other than 408 and 429 is never retried as a network failure.
#[test]
fn hls_errors_are_classified() {
    check(
        "hls_errors_are_classified",
        4.0,
        || {
            let details = prop_oneof![
                Just("fragLoadError".to_string()),
                Just("fragLoadTimeout".to_string()),
                Just("fragGap".to_string()),
                Just("fragParsingError".to_string()),
                Just("bufferAppendError".to_string()),
                Just("levelLoadError".to_string()),
                text(),
            ];
            (details, any::<u16>())
        },
        |(details, status)| {
            let fault = SegmentFault::from_hls_error(&details, status);
            if details == "fragLoadError"
                && (400..500).contains(&status)
                && status != 408
                && status != 429
            {
                prop_assert_eq!(fault, Some(SegmentFault::Missing));
            }
            if !details.starts_with("frag") && details != "bufferAppendError" {
                prop_assert_eq!(fault, None);
            }
            Ok(())
        },
    );
}

/// Media-error recoveries against a model of the documented rule: at most
/// `max` within any `window` of the caller's clock, and a clock that is not
/// finite, or runs backwards, forgives nothing (a recovery made at a
/// non-finite time never leaves the window).
#[test]
fn media_recoveries_are_rationed_whatever_the_clock() {
    check(
        "media_recoveries_are_rationed_whatever_the_clock",
        6.0,
        || {
            let time = prop_oneof![6 => 0.0f64..400_000.0, 1 => hostile_f64()];
            let clock = prop_oneof![
                // A real clock: non-decreasing.
                prop::collection::vec(0.0f64..30_000.0, 0..40).prop_map(|steps| steps
                    .iter()
                    .scan(0.0, |t, s| {
                        *t += s;
                        Some(*t)
                    })
                    .collect::<Vec<f64>>()),
                prop::collection::vec(time, 0..40),
            ];
            (1u32..6, prop_oneof![Just(60_000.0), 1.0f64..100_000.0], clock)
        },
        |(max, window, times)| {
            let mut recovery = MediaRecovery::new(max, window);
            let mut recent: Vec<f64> = Vec::new();
            for now in times {
                if now.is_finite() {
                    recent.retain(|t| !(t.is_finite() && now >= *t && now - *t >= window));
                }
                let want = if recent.len() as u32 >= max {
                    RecoveryVerdict::Fail { recoveries: recent.len() as u32 }
                } else {
                    recent.push(now);
                    RecoveryVerdict::Recover { n: recent.len() as u32 }
                };
                prop_assert_eq!(recovery.on_fatal_media_error(now), want, "at {}", now);
            }
            Ok(())
        },
    );
}
