//! Recording runs of a VAS playlist and the `segment-epoch` wall-clock estimate of each segment.
//!
//! VAS's recorder restarts with the stream; each run is preceded by
//! `EXT-X-DISCONTINUITY` and older runs stay listed. Its segment numbers
//! (vas-contract.md section 5):
//! - a run that starts with an empty playlist numbers its first segment with
//!   the Unix time, in whole seconds, at which it started;
//! - a run that starts while K entries are listed numbers it `start + K`;
//! - on each restart `EXT-X-MEDIA-SEQUENCE` becomes the newest run's start.
//!
//! So a run's start is its first number for the first run, and its first
//! number minus the entries listed before it for a later one; for the newest
//! run the media sequence says the same thing directly, which is checked.
//! A segment then starts at its run's start plus the `EXTINF` of the run's
//! earlier segments.
//!
//! Clock subtlety: the epoch is truncated to whole seconds, and the first
//! frame reaches the recorder shortly after it starts, so the true start lies
//! in the second after the number (plus a small latency). The estimate takes
//! the middle of that second, which halves the worst-case error; it still
//! cannot be better than about half a second (15 frames at 30 fps), and the
//! viewer says so. Entries that rolled off the front of the playlist make the
//! count K too small; the `last-modified` cross-check in `RecordingClock`
//! catches that.

use crate::core::clock::recording::hls_playlist::{MediaPlaylist, PlaylistEntry};
use crate::core::time::{UnixMicros, MICROS_PER_SEC};

/// Added to a whole-second epoch: the middle of the second it truncates.
pub const WHOLE_SECOND_MIDPOINT_US: i64 = MICROS_PER_SEC / 2;

/// How the newest run's start compared with `EXT-X-MEDIA-SEQUENCE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SequenceCheck {
    /// Not the newest run, or no media sequence or numbers to compare.
    NotChecked,
    Agrees,
    /// The media sequence was used; the numbering rule gave a start this many seconds later.
    Differs {
        numbering_minus_sequence_secs: i64,
    },
}

/// One recording run: a stretch of listed entries between discontinuities.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordingRun {
    /// Index of the run's first entry in the playlist.
    pub first_entry: usize,
    pub len: usize,
    /// Whole-second epoch at which the recorder started this run, if the numbering tells.
    pub start_epoch_secs: Option<i64>,
    pub check: SequenceCheck,
}

impl RecordingRun {
    /// Estimated wall time of the run's first frame (see the module notes).
    pub fn estimated_start(&self) -> Option<UnixMicros> {
        epoch_start(self.start_epoch_secs?)
    }

    pub fn entries(&self) -> std::ops::Range<usize> {
        self.first_entry..self.first_entry + self.len
    }
}

/// Splits the playlist into runs and works out each run's start epoch.
pub fn recording_runs(playlist: &MediaPlaylist) -> Vec<RecordingRun> {
    runs_of(&playlist.entries, playlist.media_sequence)
}

/// `recording_runs` over listed entries and the playlist's media sequence.
pub fn runs_of<'a>(
    entries: impl IntoIterator<Item = &'a PlaylistEntry>,
    media_sequence: Option<i64>,
) -> Vec<RecordingRun> {
    let mut runs: Vec<RecordingRun> = Vec::new();
    let mut first_numbers: Vec<Option<i64>> = Vec::new();
    for (i, e) in entries.into_iter().enumerate() {
        match runs.last_mut() {
            Some(run) if !e.discontinuity => run.len += 1,
            _ => {
                runs.push(RecordingRun {
                    first_entry: i,
                    len: 1,
                    start_epoch_secs: None,
                    check: SequenceCheck::NotChecked,
                });
                first_numbers.push(e.number);
            }
        }
    }
    let count = runs.len();
    for (r, (run, first_number)) in runs.iter_mut().zip(first_numbers).enumerate() {
        // Entries listed before the run when it started (for the first listed run: none known).
        let listed_before = if r == 0 { 0 } else { run.first_entry as i64 };
        let (start, check) = run_start(
            first_number,
            listed_before,
            (r + 1 == count).then_some(media_sequence).flatten(),
        );
        run.start_epoch_secs = start;
        run.check = check;
    }
    runs
}

/// A run's start epoch by the numbering rule, from its first listed number
/// and the entries listed before it; for the newest run, checked against
/// (and, when they differ, taken from) the media sequence.
pub fn run_start(
    first_number: Option<i64>,
    listed_before: i64,
    newest_media_sequence: Option<i64>,
) -> (Option<i64>, SequenceCheck) {
    // Segment numbers and the media sequence come from the playlist:
    // checked arithmetic, so a hostile number gives no estimate, not a panic.
    let by_numbering = first_number.and_then(|n| n.checked_sub(listed_before));
    match (by_numbering, newest_media_sequence) {
        (Some(n), Some(seq)) if n == seq => (Some(n), SequenceCheck::Agrees),
        // The media sequence names the newest run's start outright; a
        // difference means entries rolled off since (K is too small).
        (Some(n), Some(seq)) => (
            Some(seq),
            SequenceCheck::Differs { numbering_minus_sequence_secs: n.saturating_sub(seq) },
        ),
        _ => (by_numbering, SequenceCheck::NotChecked),
    }
}

/// The wall start of a whole-second epoch: the middle of that second.
pub fn epoch_start(secs: i64) -> Option<UnixMicros> {
    Some(UnixMicros(secs.checked_mul(MICROS_PER_SEC)?.checked_add(WHOLE_SECOND_MIDPOINT_US)?))
}

/// The `segment-epoch` start estimate of every entry: its run's estimated
/// start plus the `EXTINF` of the run's earlier entries (in listed order).
pub fn segment_epoch_starts(
    playlist: &MediaPlaylist,
    runs: &[RecordingRun],
) -> Vec<Option<UnixMicros>> {
    let mut out = vec![None; playlist.entries.len()];
    for run in runs {
        let Some(start) = run.estimated_start() else { continue };
        let mut offset_secs = 0.0;
        for i in run.entries() {
            out[i] = UnixMicros::from_secs_f64(offset_secs).map(|o| start.plus(o.0));
            offset_secs += playlist.entries[i].duration;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn playlist(media_seq: Option<i64>, runs: &[&[(i64, f64)]]) -> MediaPlaylist {
        let mut s = String::from("#EXTM3U\n#EXT-X-TARGETDURATION:6\n");
        if let Some(m) = media_seq {
            s.push_str(&format!("#EXT-X-MEDIA-SEQUENCE:{m}\n"));
        }
        for run in runs {
            s.push_str("#EXT-X-DISCONTINUITY\n");
            for (n, d) in *run {
                s.push_str(&format!("#EXTINF:{d:.6},\nsegment-{n}.ts\n"));
            }
        }
        MediaPlaylist::parse(&s)
    }

    fn secs(us: Option<UnixMicros>) -> Option<f64> {
        us.map(|t| t.as_secs_f64())
    }

    #[test]
    fn numbering_rule_of_the_contract() {
        // The contract's observed case: a restart at 1795578816.9 with 7 entries listed
        // numbered its first segment 1795578823, and the media sequence became 1795578816.
        let old: Vec<(i64, f64)> = (0..7).map(|i| (1_795_570_000 + i, 6.0)).collect();
        let p =
            playlist(Some(1_795_578_816), &[&old, &[(1_795_578_823, 6.0), (1_795_578_824, 3.0)]]);
        let runs = recording_runs(&p);
        assert_eq!(runs.len(), 2);
        assert_eq!(
            (runs[0].first_entry, runs[0].len, runs[0].start_epoch_secs),
            (0, 7, Some(1_795_570_000))
        );
        assert_eq!(
            (runs[1].first_entry, runs[1].len, runs[1].start_epoch_secs),
            (7, 2, Some(1_795_578_816))
        );
        assert_eq!(runs[0].check, SequenceCheck::NotChecked);
        assert_eq!(runs[1].check, SequenceCheck::Agrees);
        let starts = segment_epoch_starts(&p, &runs);
        assert_eq!(secs(starts[0]), Some(1_795_570_000.5));
        assert_eq!(secs(starts[6]), Some(1_795_570_036.5));
        assert_eq!(secs(starts[7]), Some(1_795_578_816.5));
        assert_eq!(secs(starts[8]), Some(1_795_578_822.5));
    }

    #[test]
    fn three_runs_middle_one_unchecked() {
        let p = playlist(
            Some(2_000),
            &[&[(100, 6.0), (101, 2.4)], &[(1_002, 6.0)], &[(2_003, 6.0), (2_004, 1.2)]],
        );
        let runs = recording_runs(&p);
        let got: Vec<(Option<i64>, SequenceCheck)> =
            runs.iter().map(|r| (r.start_epoch_secs, r.check)).collect();
        assert_eq!(
            got,
            [
                (Some(100), SequenceCheck::NotChecked),
                (Some(1_000), SequenceCheck::NotChecked),
                (Some(2_000), SequenceCheck::Agrees)
            ]
        );
        let starts = segment_epoch_starts(&p, &runs);
        assert_eq!(
            starts.iter().map(|s| secs(*s)).collect::<Vec<_>>(),
            [Some(100.5), Some(106.5), Some(1_000.5), Some(2_000.5), Some(2_006.5)]
        );
    }

    #[test]
    fn rolled_off_entries_show_as_a_sequence_mismatch() {
        // Two entries of the old run rolled off: K counted 1 instead of 3.
        let p = playlist(Some(5_000), &[&[(102, 6.0)], &[(5_003, 6.0)]]);
        let runs = recording_runs(&p);
        assert_eq!(
            runs[1].start_epoch_secs,
            Some(5_000),
            "the media sequence wins for the newest run"
        );
        assert_eq!(runs[1].check, SequenceCheck::Differs { numbering_minus_sequence_secs: 2 });
    }

    #[test]
    fn extreme_numbers_never_overflow() {
        // (first numbers of two runs, media sequence) -> start of the newest
        // run, its check. The newest run's numbering minus one listed entry
        // against a sequence at the other end of i64 overflowed before.
        type Row = (i64, i64, Option<i64>, Option<i64>, SequenceCheck);
        let rows: [Row; 3] = [
            (
                5,
                i64::MAX,
                Some(i64::MIN),
                Some(i64::MIN),
                SequenceCheck::Differs { numbering_minus_sequence_secs: i64::MAX },
            ),
            (
                5,
                0,
                Some(i64::MAX),
                Some(i64::MAX),
                SequenceCheck::Differs { numbering_minus_sequence_secs: i64::MIN },
            ),
            (5, 0, Some(-1), Some(-1), SequenceCheck::Agrees),
        ];
        for (old, newest, seq, start, check) in rows {
            let p = playlist(seq, &[&[(old, 6.0)], &[(newest, 6.0)]]);
            let runs = recording_runs(&p);
            assert_eq!(
                (runs[1].start_epoch_secs, runs[1].check),
                (start, check),
                "{newest} {seq:?}"
            );
            // The estimates stay optional, never wrapped.
            let _ = segment_epoch_starts(&p, &runs);
        }
    }

    #[test]
    fn missing_numbers_and_sequence() {
        let p = MediaPlaylist::parse(
            "#EXTM3U\n#EXTINF:6,\nchunk-a.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:6,\nsegment-50.ts\n",
        );
        let runs = recording_runs(&p);
        assert_eq!(runs.len(), 2, "a discontinuity starts a run even without a leading one");
        assert_eq!(runs[0].start_epoch_secs, None);
        assert_eq!(runs[1].start_epoch_secs, Some(49));
        assert_eq!(runs[1].check, SequenceCheck::NotChecked);
        let starts = segment_epoch_starts(&p, &runs);
        assert_eq!(starts[0], None);
        assert!(recording_runs(&MediaPlaylist::default()).is_empty());
    }
}
