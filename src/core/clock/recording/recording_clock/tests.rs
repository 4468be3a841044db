//! Tests of the recording clock: placement of runs, method choice, reloads and retired segments.

use super::*;
use crate::core::clock::recording::playlist_fixer::{FixedEntry, PlaylistFixer};
use crate::core::time::parse_rfc3339;

/// Three runs as in the demo recording: started at 13:00:00.83 (4 segments),
/// 13:07:17.21 with 4 listed (3 segments), 13:32:05.64 with 7 listed (5 segments).
const DEMO: &str = include_str!("../../../../../static/demo/recording/playlist.m3u8");

fn clock(text: &str, prefer: Option<RecordingClockMethod>) -> (RecordingClock, Vec<FixedEntry>) {
    let mut f = PlaylistFixer::new();
    let update = f.fix(text);
    let mut c = RecordingClock::new(prefer);
    c.on_playlist(&f, update.change);
    (c, f.listed().iter().map(|l| l.fixed).collect())
}

fn at(text: &str) -> UnixMicros {
    parse_rfc3339(text).unwrap()
}

fn check(c: &RecordingClock, media: f64, want: Option<(&str, RecordingClockMethod, bool)>) {
    let got = c.wall_time(media);
    let got = got.map(|t| (t.at, t.method, t.methods_disagree));
    let want = want.map(|(t, method, disagree)| (at(t), method.into(), disagree));
    assert_eq!(got, want, "media {media}");
}

#[test]
fn segment_epoch_over_the_demo_recording_runs() {
    let (c, _) = clock(DEMO, None);
    let m = RecordingClockMethod::SegmentEpoch;
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
    assert_eq!(
        runs[1].wall,
        Some((at("2026-01-05T13:07:17.500000Z"), at("2026-01-05T13:07:33.000000Z")))
    );
    assert_eq!(c.media_time_of(at("2026-01-05T13:07:18.500000Z")), Some(21.4));
    assert_eq!(c.media_time_of(at("2026-01-05T13:20:00Z")), None, "between runs");
}

#[test]
fn last_modified_and_the_disagreement_rule() {
    let (mut c, fixed) = clock(DEMO, None);
    let first = fixed[0].sn;
    // Last-Modified 13:00:07 of a 6 s segment: started in [13:00:01, 13:00:02) -> 13:00:01.5.
    c.on_last_modified(first, Some("Mon, 05 Jan 2026 13:00:07 GMT"));
    check(
        &c,
        1.0,
        Some(("2026-01-05T13:00:01.500000Z", RecordingClockMethod::SegmentEpoch, false)),
    );
    let (mut lm, _) = clock(DEMO, Some(RecordingClockMethod::LastModified));
    lm.on_last_modified(first, Some("Mon, 05 Jan 2026 13:00:07 GMT"));
    check(
        &lm,
        1.0,
        Some(("2026-01-05T13:00:02.500000Z", RecordingClockMethod::LastModified, false)),
    );
    // Carried within the run by EXTINF to segments without their own header.
    check(
        &lm,
        7.0,
        Some(("2026-01-05T13:00:08.500000Z", RecordingClockMethod::LastModified, false)),
    );
    // Not across a discontinuity: run 2 has no header and falls back to segment-epoch.
    check(
        &lm,
        21.0,
        Some(("2026-01-05T13:07:18.100000Z", RecordingClockMethod::SegmentEpoch, false)),
    );
    // Off by more than a segment (entries rolled off, say): last-modified wins and says so,
    // for the whole run.
    c.on_last_modified(first, Some("Mon, 05 Jan 2026 13:00:30 GMT"));
    check(&c, 1.0, Some(("2026-01-05T13:00:25.500000Z", RecordingClockMethod::LastModified, true)));
    check(
        &c,
        19.0,
        Some(("2026-01-05T13:00:43.500000Z", RecordingClockMethod::LastModified, true)),
    );
    assert_eq!(c.disagreeing_segments(), 4);
    // A header of the run's last segment: each segment takes the nearer (the lower on a tie).
    c.on_last_modified(fixed[3].sn, Some("Mon, 05 Jan 2026 13:00:21 GMT"));
    check(
        &c,
        19.0,
        Some(("2026-01-05T13:00:19.500000Z", RecordingClockMethod::SegmentEpoch, false)),
    );
    check(&c, 7.0, Some(("2026-01-05T13:00:31.500000Z", RecordingClockMethod::LastModified, true)));
    assert_eq!(c.disagreeing_segments(), 2);
    assert_eq!(c.segment_counts(), (12, 2));
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
    let (c, _) = clock(text, Some(RecordingClockMethod::SegmentEpoch));
    // Preferring segment-epoch: run 1 starts at its first number, 100 s (+ 0.5 s).
    check(&c, 0.5, Some(("1970-01-01T00:01:41Z", RecordingClockMethod::SegmentEpoch, false)));
    let (c, _) = clock(text, None);
    check(
        &c,
        0.5,
        Some(("2026-01-05T13:00:01.450000Z", RecordingClockMethod::ProgramDateTime, false)),
    );
    check(
        &c,
        7.0,
        Some(("2026-01-05T13:00:07.950000Z", RecordingClockMethod::ProgramDateTime, false)),
    );
    // Not across the discontinuity: run 2 falls back to its numbering (202 - 2 listed = 200 s).
    check(
        &c,
        9.0,
        Some(("1970-01-01T00:03:21.100000Z", RecordingClockMethod::SegmentEpoch, false)),
    );
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
    check(
        &c,
        6.04,
        Some(("2026-01-05T13:00:06.500000Z", RecordingClockMethod::SegmentEpoch, false)),
    );
    assert_eq!(c.segment_at(6.03), Some(fixed[0].sn));
    let v = c.version();
    c.on_timeline(&flat);
    assert_eq!(c.version(), v, "an unchanged timeline is not a change");
    // An empty clock maps nothing.
    assert_eq!(RecordingClock::new(None).wall_time(1.0), None);
}

/// A rolling playlist of one run from `first` (6 s entries), media sequence `first`.
fn rolling(first: i64, len: i64) -> String {
    let mut s = format!("#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:{first}\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXT-X-DISCONTINUITY\n");
    for n in first..first + len {
        s.push_str(&format!("#EXTINF:6.000000,\nsegment-{n}.ts\n"));
    }
    s
}

fn player_timeline(f: &PlaylistFixer, first_start: f64) -> Vec<f64> {
    f.listed()
        .iter()
        .enumerate()
        .flat_map(|(i, l)| [l.fixed.sn as f64, first_start + 6.0 * i as f64, 6.0])
        .collect()
}

#[test]
fn a_segment_that_rolls_off_keeps_its_mapping() {
    let mut f = PlaylistFixer::new();
    let mut c = RecordingClock::new(None);
    let u = f.fix(&rolling(1000, 4));
    c.on_playlist(&f, u.change);
    c.on_timeline(&player_timeline(&f, 0.0));
    let before = c.wall_time(3.0);
    assert_eq!(before.map(|t| t.at), Some(UnixMicros(1_003_500_000)));
    // Two roll off the front and two come; hls.js then reports the listed ones only.
    let u = f.fix(&rolling(1002, 4));
    assert_eq!(u.change, ListChange::Slid { dropped: 2, appended: 2 });
    c.on_playlist(&f, u.change);
    c.on_timeline(&player_timeline(&f, 12.0));
    assert_eq!(c.wall_time(3.0), before, "the paused frame keeps its time");
    assert_eq!(c.segment_at(3.0), Some(0));
    assert_eq!(c.wall_time(13.0).map(|t| t.at), Some(UnixMicros(1_013_500_000)));
    // A long pause: older than the retired bound, a segment maps nothing.
    for k in 1..=RETIRED_SEGMENTS as i64 {
        let u = f.fix(&rolling(1002 + k, 4));
        c.on_playlist(&f, u.change);
        c.on_timeline(&player_timeline(&f, 12.0 + 6.0 * k as f64));
    }
    assert_eq!(c.wall_time(3.0), None);
    assert!(c.wall_time(6.0 * 12.0).is_some());
}

#[test]
fn every_run_is_probed_once() {
    let (mut c, fixed) = clock(DEMO, None);
    assert_eq!(
        c.take_probes(),
        [fixed[3].sn, fixed[6].sn, fixed[11].sn],
        "each run's newest segment"
    );
    assert_eq!(c.take_probes(), Vec::<u64>::new());
    // A run is not mapped while its probe is out; a header places it, a failed probe leaves segment-epoch.
    assert_eq!((c.probes_out(), c.wall_time(1.0), c.wall_time(21.0)), (3, None, None));
    c.on_last_modified(fixed[3].sn, Some("Mon, 05 Jan 2026 13:00:21 GMT"));
    c.on_probe_done(fixed[3].sn);
    c.on_probe_done(fixed[6].sn);
    assert_eq!(c.probes_out(), 1);
    check(
        &c,
        1.0,
        Some(("2026-01-05T13:00:01.500000Z", RecordingClockMethod::SegmentEpoch, false)),
    );
    check(
        &c,
        21.0,
        Some(("2026-01-05T13:07:18.100000Z", RecordingClockMethod::SegmentEpoch, false)),
    );
    assert_eq!(c.wall_time(40.0), None, "run 3's probe is still out");
    // A run new at the end is asked for when it comes.
    let (mut c, _) = clock(DEMO, None);
    c.on_last_modified(fixed[0].sn, Some("Mon, 05 Jan 2026 13:00:07 GMT"));
    assert_eq!(c.take_probes(), [fixed[6].sn, fixed[11].sn], "a run with a header needs none");
}

#[test]
fn locate_a_wall_time() {
    let (c, _) = clock(DEMO, None);
    let rows = [
        ("2026-01-05T13:00:01.500000Z", Located::Recorded { media_secs: 1.0 }),
        // Between runs 1 (ends 13:00:20.9) and 2 (starts 13:07:17.5): run 1's end is nearer.
        (
            "2026-01-05T13:01:00Z",
            Located::NotRecorded { nearest: at("2026-01-05T13:00:20.900000Z"), media_secs: 20.399 },
        ),
        (
            "2026-01-05T13:07:00Z",
            Located::NotRecorded { nearest: at("2026-01-05T13:07:17.500000Z"), media_secs: 20.4 },
        ),
        (
            "2026-01-05T12:00:00Z",
            Located::NotRecorded { nearest: at("2026-01-05T13:00:00.500000Z"), media_secs: 0.0 },
        ),
    ];
    for (t, want) in rows {
        match (c.locate(at(t)), want) {
            (Located::Recorded { media_secs: a }, Located::Recorded { media_secs: b }) => {
                assert!((a - b).abs() < 1e-9, "{t}: {a}")
            }
            (
                Located::NotRecorded { nearest: n, media_secs: a },
                Located::NotRecorded { nearest: m, media_secs: b },
            ) => {
                assert_eq!(n, m, "{t}");
                assert!((a - b).abs() < 1e-9, "{t}: {a}");
            }
            (got, _) => panic!("{t}: {got:?}"),
        }
    }
    assert_eq!(RecordingClock::new(None).locate(at("2026-01-05T13:00:00Z")), Located::Unknown);
}
