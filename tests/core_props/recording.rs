//! Properties of the recording clock: recording runs, fragment spans, and media time to wall time per segment.

use proptest::prelude::*;
use vas_overlay_viewer::core::clock::recording::fragment_span::{fragment_spans, FragmentSpan};
use vas_overlay_viewer::core::clock::recording::hls_playlist::MediaPlaylist;
use vas_overlay_viewer::core::clock::recording::playlist_fixer::PlaylistFixer;
use vas_overlay_viewer::core::clock::recording::recording_clock::RecordingClock;
use vas_overlay_viewer::core::clock::recording::recording_method::RecordingClockMethod;
use vas_overlay_viewer::core::clock::recording::recording_runs::{
    recording_runs, segment_epoch_starts, SequenceCheck,
};
use vas_overlay_viewer::core::clock::{FrameClock, FrameClockMethod};
use vas_overlay_viewer::core::time::UnixMicros;

use super::gen::{hostile_f64, text};
use super::playlists::playlist_model;
use super::runner::check;

/// Runs split the playlist at its discontinuities and nowhere else; each
/// run's start follows the contract's numbering rule with checked
/// arithmetic (hostile numbers give no estimate, never a wrapped one); the
/// newest run is checked against the media sequence; segment starts never
/// go backwards within a run.
#[test]
fn recording_runs_follow_the_numbering_rule() {
    check(
        "recording_runs_follow_the_numbering_rule",
        1.0,
        || playlist_model(30),
        |model| {
            let p = model.parsed();
            let runs = recording_runs(&p);
            let mut next = 0;
            for (r, run) in runs.iter().enumerate() {
                prop_assert_eq!(run.first_entry, next);
                prop_assert!(run.len >= 1);
                prop_assert!(r == 0 || p.entries[run.first_entry].discontinuity);
                prop_assert!(run.entries().skip(1).all(|i| !p.entries[i].discontinuity));
                next += run.len;
                let listed_before = if r == 0 { 0 } else { run.first_entry as i64 };
                let by_numbering =
                    p.entries[run.first_entry].number.and_then(|n| n.checked_sub(listed_before));
                let (start, check) = match (r + 1 == runs.len(), by_numbering, p.media_sequence) {
                    (true, Some(n), Some(seq)) if n == seq => (Some(n), SequenceCheck::Agrees),
                    (true, Some(n), Some(seq)) => (
                        Some(seq),
                        SequenceCheck::Differs {
                            numbering_minus_sequence_secs: n.saturating_sub(seq),
                        },
                    ),
                    _ => (by_numbering, SequenceCheck::NotChecked),
                };
                prop_assert_eq!(run.start_epoch_secs, start, "run {}", r);
                prop_assert_eq!(run.check, check);
                let estimate = start
                    .and_then(|s| s.checked_mul(1_000_000)?.checked_add(500_000))
                    .map(UnixMicros);
                prop_assert_eq!(run.estimated_start(), estimate);
            }
            prop_assert_eq!(next, p.entries.len());
            let starts = segment_epoch_starts(&p, &runs);
            prop_assert_eq!(starts.len(), p.entries.len());
            for run in &runs {
                let first = starts[run.first_entry];
                prop_assert_eq!(first, run.estimated_start());
                let known: Vec<UnixMicros> = run.entries().filter_map(|i| starts[i]).collect();
                prop_assert!(
                    known.windows(2).all(|w| w[0] <= w[1]),
                    "segment starts go backwards: {known:?}"
                );
                if first.is_none() {
                    prop_assert!(run.entries().all(|i| starts[i].is_none()));
                }
            }
            Ok(())
        },
    );
}

/// hls.js's fragment positions: exactly the sound triples (finite, a
/// non-negative number, a positive duration), ordered by start, equal
/// starts in reported order.
#[test]
fn fragment_spans_keep_exactly_the_sound_triples() {
    check(
        "fragment_spans_keep_exactly_the_sound_triples",
        6.0,
        || {
            let value = prop_oneof![4 => 0.0f64..100.0, 1 => (0u32..5).prop_map(f64::from), 2 => hostile_f64()];
            prop::collection::vec(value, 0..40)
        },
        |flat| {
            let mut want: Vec<FragmentSpan> = flat
                .chunks_exact(3)
                .filter(|c| c.iter().all(|v| v.is_finite()) && c[0] >= 0.0 && c[2] > 0.0)
                .map(|c| FragmentSpan { sn: c[0] as u64, start_secs: c[1], duration_secs: c[2] })
                .collect();
            want.sort_by(|a, b| a.start_secs.total_cmp(&b.start_secs));
            let got = fragment_spans(&flat);
            // -0.0 and 0.0 compare equal as starts: the core's order keeps their reported order.
            prop_assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                prop_assert_eq!(g.sn, w.sn);
                prop_assert!(
                    g.start_secs == w.start_secs
                        && g.duration_secs.to_bits() == w.duration_secs.to_bits(),
                    "{got:?} {want:?}"
                );
            }
            prop_assert!(got.windows(2).all(|w| w[0].start_secs <= w[1].start_secs));
            Ok(())
        },
    );
}

/// What a recording clock is told, after its playlist.
#[derive(Debug, Clone)]
enum ClockInput {
    /// hls.js's positions: the listed segments laid out (with a shift and
    /// stretched by a factor), or hostile values.
    Timeline { shift: f64, stretch: f64, hostile: Option<Vec<f64>> },
    /// A `Last-Modified` header for the segment at this listed position (or a random number).
    LastModified { pick: usize, random_sn: Option<u64>, header: Option<String> },
}

fn clock_input() -> impl Strategy<Value = ClockInput> {
    let header = prop::option::weighted(
        0.9,
        prop_oneof![
            (0i64..2_000_000_000).prop_map(|s| {
                let t = UnixMicros(s * 1_000_000).to_string();
                // An IMF-fixdate from the RFC 3339 text: "Mon, 05 Jan 2026 13:00:07 GMT".
                let (date, time) = (&t[0..10], &t[11..19]);
                let months = [
                    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                    "Dec",
                ];
                let m: usize = date[5..7].parse().unwrap();
                format!("Mon, {} {} {} {time} GMT", &date[8..10], months[m - 1], &date[0..4])
            }),
            text(),
            Just("Mon, 05 Jan 2026 13:00:07 GMT".to_string()),
        ],
    );
    prop_oneof![
        (
            prop_oneof![Just(0.0), -5.0f64..5.0, hostile_f64()],
            prop_oneof![Just(1.0), 0.5f64..2.0],
            prop::option::weighted(0.2, prop::collection::vec(hostile_f64(), 0..30))
        )
            .prop_map(|(shift, stretch, hostile)| ClockInput::Timeline {
                shift,
                stretch,
                hostile
            }),
        (0usize..64, prop::option::weighted(0.2, any::<u64>()), header).prop_map(
            |(pick, random_sn, header)| ClockInput::LastModified { pick, random_sn, header }
        ),
    ]
}

/// Another family's method cannot be preferred: the type has none.
fn prefer() -> impl Strategy<Value = Option<RecordingClockMethod>> {
    prop_oneof![
        3 => Just(None),
        1 => prop_oneof![Just(RecordingClockMethod::ProgramDateTime), Just(RecordingClockMethod::SegmentEpoch), Just(RecordingClockMethod::LastModified)].prop_map(Some),
    ]
}

/// A recording clock over hostile playlists, positions and headers: within
/// a segment, wall time advances exactly as media time does (to the
/// microsecond); nothing is mapped for a non-finite media time or outside
/// the known segments; run spans never end before they start; a header
/// that cannot be read changes nothing.
#[test]
fn the_recording_clock_is_exact_within_a_segment() {
    check(
        "the_recording_clock_is_exact_within_a_segment",
        1.0,
        || {
            let probes =
                prop::collection::vec(prop_oneof![4 => -1.0f64..200.0, 1 => hostile_f64()], 1..40);
            let inputs = prop::collection::vec(clock_input(), 0..10);
            (playlist_model(24), prefer(), inputs, probes)
        },
        |(model, prefer, inputs, mut probes)| {
            let text = model.text();
            let p = MediaPlaylist::parse(&text);
            let mut fixer = PlaylistFixer::new();
            let update = fixer.fix(&text);
            let fixed: Vec<_> = fixer.listed().iter().map(|l| l.fixed).collect();
            let mut clock = RecordingClock::new(prefer);
            clock.on_playlist(&fixer, update.change);
            prop_assert_eq!(clock.runs().len(), recording_runs(&p).len());
            prop_assert_eq!(
                clock.runs().iter().map(|r| r.segments).sum::<usize>(),
                p.entries.len()
            );
            let mut realistic = true;
            for input in inputs {
                let version = clock.version();
                match input {
                    ClockInput::Timeline { shift, stretch, hostile } => {
                        let flat: Vec<f64> = match hostile {
                            Some(values) => {
                                realistic = false;
                                values
                            }
                            None => {
                                realistic &= shift.abs() < 1e6;
                                let mut start = shift;
                                fixed
                                    .iter()
                                    .zip(&p.entries)
                                    .flat_map(|(f, e)| {
                                        let span = [f.sn as f64, start, e.duration * stretch];
                                        start += e.duration * stretch;
                                        span
                                    })
                                    .collect()
                            }
                        };
                        clock.on_timeline(&flat);
                    }
                    ClockInput::LastModified { pick, random_sn, header } => {
                        let sn = random_sn
                            .or_else(|| fixed.get(pick % fixed.len().max(1)).map(|f| f.sn))
                            .unwrap_or(0);
                        let readable = header.as_deref().and_then(vas_overlay_viewer::core::clock::recording::http_date::parse_http_date).is_some();
                        clock.on_last_modified(sn, header.as_deref());
                        if !readable {
                            prop_assert_eq!(
                                clock.version(),
                                version,
                                "an unreadable header changed the clock"
                            );
                        }
                    }
                }
                prop_assert!(clock.version() >= version);
            }
            // Very long segments (1e300 s) make microseconds meaningless; realistic ones are exact.
            realistic &= p.entries.iter().all(|e| e.duration < 1e5);
            probes.sort_by(f64::total_cmp);
            let mut previous: Option<(f64, u64, UnixMicros, FrameClockMethod)> = None;
            for t in probes {
                let wall = clock.wall_time(t);
                let segment = clock.segment_at(t);
                if !t.is_finite() {
                    prop_assert_eq!(wall, None);
                    prop_assert_eq!(segment, None);
                    continue;
                }
                if wall.is_some() {
                    prop_assert!(segment.is_some(), "a wall time at {t} outside every segment");
                }
                if let (Some(w), Some(sn)) = (wall, segment) {
                    prop_assert_eq!(clock.segment_start(sn).map(|s| s.method), Some(w.method));
                    if let Some((t0, sn0, at0, method0)) = previous {
                        let saturated =
                            [at0.0, w.at.0].iter().any(|v| v.abs() > 9_000_000_000_000_000_000 / 2);
                        if sn0 == sn && realistic && !saturated && t.abs() < 1e6 && t0.abs() < 1e6 {
                            let expect = ((t - t0) * 1e6).round() as i64;
                            prop_assert!(
                                (w.at.0 - at0.0 - expect).abs() <= 2,
                                "{t0} -> {t}: {at0:?} -> {:?}",
                                w.at
                            );
                            prop_assert_eq!(w.method, method0);
                        }
                    }
                    previous = Some((t, sn, w.at, w.method));
                }
            }
            for run in clock.runs() {
                if let Some((a, b)) = run.wall {
                    prop_assert!(a <= b, "a run ends before it starts: {a:?} {b:?}");
                }
            }
            let (listed, with_header) = clock.segment_counts();
            prop_assert!(with_header <= listed && listed <= p.entries.len());
            Ok(())
        },
    );
}
