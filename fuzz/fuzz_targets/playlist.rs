//! Fuzz target: HLS media playlists (`MediaPlaylist::parse`) and the playlist fixer over reloads.
//!
//! The input is up to three reloads of one playlist, separated by NUL bytes,
//! read as UTF-8 (invalid bytes become U+FFFD). Each reload is parsed and
//! passed through one `PlaylistFixer`, and the documented properties are
//! asserted: entries and skipped lines within the text's lines, finite
//! durations, VAS segment numbers only from `segment-N.ts` URIs; the fixed
//! text parses back to the same entries with the sequence tags the fixer
//! states, numbers running on by one per entry and the continuity counter by
//! one per discontinuity; a reload of the same text keeps every number; the
//! incremental reload gives exactly what a whole parse of each text gives.

#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use vas_overlay_viewer::core::clock::recording::hls_playlist::{segment_number, MediaPlaylist};
use vas_overlay_viewer::core::clock::recording::playlist_fixer::{FixedPlaylist, PlaylistFixer};

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    let mut fixer = PlaylistFixer::new();
    let mut whole = PlaylistFixer::new();
    for text in input.split('\0').take(3) {
        let parsed = MediaPlaylist::parse(text);
        check_parsed(text, &parsed);
        let fixed = fixer.fix_text(text);
        let reference = whole.fix_whole(text);
        assert_eq!(
            fixed.text,
            reference.apply(text),
            "the incremental reload differs from a whole parse:\n{text}"
        );
        assert_eq!(
            fixer.listed(),
            whole.listed(),
            "the incremental reload lists other entries:\n{text}"
        );
        check_fixed(text, &parsed, &fixed);
        // The same text again: a URI keeps its numbers while it is listed
        // (when each URI is listed once; VAS never lists one twice).
        let mut seen = HashSet::new();
        if parsed.entries.iter().all(|e| seen.insert(e.uri.as_str())) {
            let again = fixer.fix_text(text);
            assert_eq!(again, fixed, "a reload of the same text renumbered it:\n{text}");
        }
    }
});

fn check_parsed(text: &str, p: &MediaPlaylist) {
    if text.lines().map(str::trim).find(|l| !l.is_empty()) != Some("#EXTM3U") {
        assert_eq!(*p, MediaPlaylist::default(), "a text without #EXTM3U first yields nothing");
        return;
    }
    let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
    assert!(
        p.entries.len() + p.skipped_lines <= lines,
        "{} entries and {} skipped of {lines} lines",
        p.entries.len(),
        p.skipped_lines
    );
    assert!(p.target_duration.is_none_or(|t| t.is_finite() && t >= 0.0), "{:?}", p.target_duration);
    for e in &p.entries {
        assert!(e.duration.is_finite() && e.duration >= 0.0, "{e:?}");
        assert!(!e.uri.is_empty() && !e.uri.starts_with('#') && e.uri.trim() == e.uri, "{e:?}");
        assert_eq!(e.number, segment_number(&e.uri), "{e:?}");
        if let Some(n) = e.number {
            let name =
                e.uri.split(['?', '#']).next().unwrap_or("").rsplit('/').next().unwrap_or("");
            let digits = name.strip_prefix("segment-").and_then(|s| s.strip_suffix(".ts"));
            assert!(
                n >= 0 && digits.and_then(|d| d.parse::<i64>().ok()) == Some(n),
                "{} read as {n}",
                e.uri
            );
        }
    }
    assert!(!p.total_duration().is_nan());
}

fn check_fixed(text: &str, parsed: &MediaPlaylist, out: &FixedPlaylist) {
    let fixed = &out.entries;
    assert_eq!(fixed.len(), parsed.entries.len());
    for (i, w) in fixed.windows(2).enumerate() {
        assert_eq!(w[1].sn, w[0].sn + 1, "{fixed:?}");
        assert_eq!(w[1].cc, w[0].cc + u64::from(parsed.entries[i + 1].discontinuity), "{fixed:?}");
    }
    // A text that is not a playlist is never given to the fixer (the
    // loader refuses it first); the rest holds for playlists.
    if text.lines().map(str::trim).find(|l| !l.is_empty()) != Some("#EXTM3U") {
        return;
    }
    let again = MediaPlaylist::parse(&out.text);
    assert_eq!(again.entries, parsed.entries, "the fixed text lists other entries:\n{}", out.text);
    assert_eq!(again.ended, parsed.ended);
    assert_eq!(again.playlist_type, parsed.playlist_type);
    let tags = out.text.lines().filter(|l| l.trim().starts_with("#EXT-X-MEDIA-SEQUENCE:")).count();
    assert_eq!(tags, 1, "one media sequence tag:\n{}", out.text);
    if let (Some(first), Some(e)) = (fixed.first(), parsed.entries.first()) {
        assert_eq!(again.media_sequence, i64::try_from(first.sn).ok());
        assert_eq!(
            again.discontinuity_sequence,
            i64::try_from(first.cc.saturating_sub(u64::from(e.discontinuity))).ok()
        );
    }
}
