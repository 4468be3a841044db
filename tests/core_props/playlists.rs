//! Properties of VAS's playlists: the lenient parser and the fixer that renumbers them for hls.js.

use std::collections::{BTreeMap, HashMap};

use proptest::prelude::*;
use vas_overlay_viewer::core::clock::recording::hls_playlist::{segment_number, MediaPlaylist};
use vas_overlay_viewer::core::clock::recording::playlist_fixer::{FixedEntry, PlaylistFixer};
use vas_overlay_viewer::core::time::{format_rfc3339_utc, UnixMicros};

use super::gen::{hostile_i64, text, T0, YEAR_0, YEAR_9999_END};
use super::runner::check;

/// One segment as a generated playlist lists it, with what the parser must read.
#[derive(Debug, Clone)]
pub struct EntryModel {
    pub uri: String,
    pub number: Option<i64>,
    pub duration: f64,
    pub discontinuity: bool,
    pub pdt: Option<i64>,
    /// Lines after the URI that the parser must skip (counted) or ignore.
    pub noise: Vec<Noise>,
}

/// A line that changes no entry.
#[derive(Debug, Clone)]
pub enum Noise {
    /// Ignored: comments, unknown tags, blank lines.
    Ignored(String),
    /// Skipped and counted: a known tag that cannot be read, or a URI without `EXTINF`.
    Counted(String),
}

#[derive(Debug, Clone)]
pub struct PlaylistModel {
    pub media_sequence: Option<i64>,
    pub target_duration: Option<f64>,
    pub playlist_type: Option<String>,
    pub ended: bool,
    pub entries: Vec<EntryModel>,
    pub crlf: bool,
}

/// Segment URIs as VAS writes them (numbers up to `i64` and beyond), and others.
fn uri() -> impl Strategy<Value = (String, Option<i64>)> {
    let number = prop_oneof![
        3 => 1_700_000_000i64..1_800_000_000,
        1 => 0i64..1000,
        1 => any::<i64>().prop_map(i64::saturating_abs),
        1 => Just(i64::MAX),
    ];
    prop_oneof![
        6 => (number, prop_oneof![Just(""), Just("/api/v1/recordings/devices/cam/")], prop_oneof![Just(""), Just("?token=1"), Just("#t=1")])
            .prop_map(|(n, dir, tail)| (format!("{dir}segment-{n}.ts{tail}"), Some(n))),
        1 => "[0-9]{20,24}".prop_map(|digits| (format!("segment-{digits}.ts"), digits.parse().ok())),
        1 => prop_oneof![Just("chunk-7.ts"), Just("segment-.ts"), Just("segment-12a.ts"), Just("segment-+5.ts"), Just("ségment-1.ts"), Just("segment-1.mp4")]
            .prop_map(|u| (u.to_string(), None)),
    ]
}

fn duration() -> impl Strategy<Value = f64> {
    prop_oneof![4 => 0.0f64..12.0, 1 => Just(0.0), 1 => 0.0f64..1e6, 1 => Just(1e300), 1 => Just(f64::MAX)]
}

fn noise() -> impl Strategy<Value = Noise> {
    prop_oneof![
        Just(Noise::Ignored("#EXT-X-VERSION:3".into())),
        Just(Noise::Ignored("# a comment".into())),
        Just(Noise::Ignored("".into())),
        Just(Noise::Ignored("   ".into())),
        Just(Noise::Ignored("#EXT-X-DISCONTINUITYX".into())),
        Just(Noise::Ignored("#EXTINF".into())),
        prop_oneof![
            Just("NaN"),
            Just("inf"),
            Just("-1"),
            Just("1e999"),
            Just("six"),
            Just(""),
            Just("-0x1")
        ]
        .prop_map(|v| Noise::Counted(format!("#EXTINF:{v},title"))),
        prop_oneof![Just("yesterday"), Just("2026-01-05T13:00:00"), Just("2026-02-30T00:00:00Z")]
            .prop_map(|v| Noise::Counted(format!("#EXT-X-PROGRAM-DATE-TIME:{v}"))),
        Just(Noise::Counted("stray-without-extinf.ts".into())),
    ]
}

fn entry() -> impl Strategy<Value = EntryModel> {
    let pdt =
        prop::option::weighted(0.2, prop_oneof![T0 - 86_400_000_000..T0, YEAR_0..=YEAR_9999_END]);
    (uri(), duration(), any::<bool>(), pdt, prop::collection::vec(noise(), 0..3)).prop_map(
        |((uri, number), duration, discontinuity, pdt, noise)| EntryModel {
            uri,
            number,
            duration,
            discontinuity,
            pdt,
            noise,
        },
    )
}

pub fn playlist_model(max_entries: usize) -> impl Strategy<Value = PlaylistModel> {
    let header = (
        prop::option::of(hostile_i64()),
        prop::option::of(duration()),
        prop::option::of(prop_oneof![Just("EVENT"), Just("VOD"), Just(" event ")]),
    );
    (header, any::<bool>(), prop::collection::vec(entry(), 0..max_entries), any::<bool>()).prop_map(
        |((media_sequence, target_duration, kind), ended, entries, crlf)| PlaylistModel {
            media_sequence,
            target_duration,
            playlist_type: kind.map(str::to_owned),
            ended,
            entries,
            crlf,
        },
    )
}

impl PlaylistModel {
    pub fn text(&self) -> String {
        let mut lines = vec!["#EXTM3U".to_string()];
        if let Some(t) = self.target_duration {
            lines.push(format!("#EXT-X-TARGETDURATION:{t}"));
        }
        if let Some(s) = self.media_sequence {
            lines.push(format!("#EXT-X-MEDIA-SEQUENCE:{s}"));
        }
        if let Some(k) = &self.playlist_type {
            lines.push(format!("#EXT-X-PLAYLIST-TYPE:{k}"));
        }
        for e in &self.entries {
            if e.discontinuity {
                lines.push("#EXT-X-DISCONTINUITY".into());
            }
            if let Some(t) = e.pdt {
                lines.push(format!(
                    "#EXT-X-PROGRAM-DATE-TIME:{}",
                    format_rfc3339_utc(UnixMicros(t))
                ));
            }
            lines.push(format!("#EXTINF:{},", e.duration));
            lines.push(format!("  {}", e.uri));
            for n in &e.noise {
                lines.push(match n {
                    Noise::Ignored(l) | Noise::Counted(l) => l.clone(),
                });
            }
        }
        if self.ended {
            lines.push("#EXT-X-ENDLIST".into());
        }
        lines.join(if self.crlf { "\r\n" } else { "\n" })
    }

    /// What the parser must read from `text()`.
    pub fn parsed(&self) -> MediaPlaylist {
        MediaPlaylist::parse(&self.text())
    }
}

/// A generated playlist, with unreadable tags, stray URIs and noise between
/// its entries, parses back to exactly its entries and header, and counts
/// exactly the lines it had to skip.
#[test]
fn written_playlists_parse_back_to_their_entries() {
    check(
        "written_playlists_parse_back_to_their_entries",
        1.0,
        || playlist_model(40),
        |model| {
            let p = model.parsed();
            prop_assert_eq!(p.entries.len(), model.entries.len());
            for (got, want) in p.entries.iter().zip(&model.entries) {
                prop_assert_eq!(&got.uri, &want.uri);
                prop_assert_eq!(got.number, want.number, "{}", want.uri);
                prop_assert_eq!(got.duration.to_bits(), want.duration.to_bits());
                prop_assert_eq!(got.discontinuity, want.discontinuity);
                prop_assert_eq!(got.program_date_time, want.pdt.map(UnixMicros));
            }
            prop_assert_eq!(p.media_sequence, model.media_sequence);
            prop_assert_eq!(
                p.target_duration.map(f64::to_bits),
                model.target_duration.map(f64::to_bits)
            );
            prop_assert_eq!(
                p.playlist_type.as_deref(),
                model.playlist_type.as_deref().map(str::trim)
            );
            prop_assert_eq!(p.ended, model.ended);
            let counted = model
                .entries
                .iter()
                .flat_map(|e| &e.noise)
                .filter(|n| matches!(n, Noise::Counted(_)))
                .count();
            prop_assert_eq!(p.skipped_lines, counted);
            prop_assert!(!p.total_duration().is_nan());
            Ok(())
        },
    );
}

/// Lines from a hostile vocabulary, in any order.
pub fn hostile_playlist_text() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        Just("6.0,".to_string()),
        Just("NaN".to_string()),
        Just("-1".to_string()),
        Just("1e308".to_string()),
        Just("1.7976931348623157e308,x".to_string()),
        Just("99999999999999999999".to_string()),
        Just("-9223372036854775808".to_string()),
        Just("2026-01-05T13:00:00.95Z".to_string()),
        hostile_i64().prop_map(|n| n.to_string()),
        text(),
    ];
    let tag = prop_oneof![
        Just("#EXTINF:"),
        Just("#EXT-X-MEDIA-SEQUENCE:"),
        Just("#EXT-X-DISCONTINUITY-SEQUENCE:"),
        Just("#EXT-X-TARGETDURATION:"),
        Just("#EXT-X-PROGRAM-DATE-TIME:"),
        Just("#EXT-X-PLAYLIST-TYPE:"),
    ];
    let line = prop_oneof![
        3 => (tag, value).prop_map(|(t, v)| format!("{t}{v}")),
        2 => uri().prop_map(|(u, _)| u),
        1 => prop_oneof![Just("#EXT-X-DISCONTINUITY"), Just("#EXT-X-ENDLIST"), Just("#EXTM3U"), Just(""), Just("\u{feff}#EXTM3U")].prop_map(str::to_owned),
        1 => text(),
        1 => (1usize..5000).prop_map(|n| format!("segment-{}.ts", "9".repeat(n))),
    ];
    (any::<bool>(), prop::collection::vec(line, 0..60)).prop_map(|(header, lines)| {
        let mut text = if header { "#EXTM3U\n".to_string() } else { String::new() };
        text.push_str(&lines.join("\n"));
        text
    })
}

/// Whatever the lines, what is kept is sound: finite non-negative durations,
/// URI lines as written, VAS numbers only from `segment-N.ts` names, and
/// no more entries and skipped lines than lines.
#[test]
fn hostile_playlists_parse_within_bounds() {
    check("hostile_playlists_parse_within_bounds", 1.0, hostile_playlist_text, |text| {
        let p = MediaPlaylist::parse(&text);
        let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
        prop_assert!(p.entries.len() + p.skipped_lines <= lines);
        prop_assert!(p.target_duration.is_none_or(|t| t.is_finite() && t >= 0.0));
        for e in &p.entries {
            prop_assert!(e.duration.is_finite() && e.duration >= 0.0);
            prop_assert!(!e.uri.is_empty() && !e.uri.starts_with('#') && e.uri.trim() == e.uri);
            prop_assert_eq!(e.number, segment_number(&e.uri));
            if let Some(n) = e.number {
                // The digits of the name, leading zeros and all, are the number.
                let name = e.uri.split(['?', '#']).next().unwrap().rsplit('/').next().unwrap();
                let digits = name.strip_prefix("segment-").and_then(|d| d.strip_suffix(".ts"));
                prop_assert!(
                    n >= 0 && digits.and_then(|d| d.parse::<i64>().ok()) == Some(n),
                    "{} {n}",
                    e.uri
                );
            }
        }
        prop_assert!(!p.total_duration().is_nan());
        Ok(())
    });
}

/// The fixed text, parsed again, lists the same entries with the header the
/// fixer states; numbers run on by one per entry and the continuity counter
/// by one per discontinuity.
fn check_fixed(
    text: &str,
    parsed: &MediaPlaylist,
    fixed: &[FixedEntry],
    fixed_text: &str,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(fixed.len(), parsed.entries.len());
    // A text that is not a playlist (no `#EXTM3U` first) is not one the fixer
    // is given; removing a sequence tag above a later `#EXTM3U` can make it
    // one, so the rest is checked for playlists only.
    if text.lines().map(str::trim).find(|l| !l.is_empty()) != Some("#EXTM3U") {
        return Ok(());
    }
    let again = MediaPlaylist::parse(fixed_text);
    prop_assert_eq!(&again.entries, &parsed.entries, "{}", text);
    prop_assert_eq!(again.ended, parsed.ended);
    prop_assert_eq!(&again.playlist_type, &parsed.playlist_type);
    // One pair of sequence tags, after the first `#EXTM3U` line (none without one).
    let tags =
        fixed_text.lines().filter(|l| l.trim().starts_with("#EXT-X-MEDIA-SEQUENCE:")).count();
    prop_assert_eq!(tags, usize::from(text.lines().any(|l| l.trim() == "#EXTM3U")));
    if let (Some(first), Some(e)) = (fixed.first(), parsed.entries.first()) {
        prop_assert_eq!(again.media_sequence, i64::try_from(first.sn).ok());
        prop_assert_eq!(
            again.discontinuity_sequence,
            i64::try_from(first.cc.saturating_sub(u64::from(e.discontinuity))).ok()
        );
    }
    for (i, w) in fixed.windows(2).enumerate() {
        prop_assert_eq!(w[1].sn, w[0].sn + 1);
        prop_assert_eq!(w[1].cc, w[0].cc + u64::from(parsed.entries[i + 1].discontinuity));
    }
    Ok(())
}

/// Hostile playlists reloaded through one fixer: everything but the two
/// sequence tags passes through, and the numbers are sound.
#[test]
fn hostile_playlists_pass_through_the_fixer() {
    check(
        "hostile_playlists_pass_through_the_fixer",
        0.4,
        || prop::collection::vec(hostile_playlist_text(), 1..4),
        |texts| {
            let mut fixer = PlaylistFixer::new();
            for text in &texts {
                let parsed = MediaPlaylist::parse(text);
                let out = fixer.fix_text(text);
                check_fixed(text, &parsed, &out.entries, &out.text)?;
            }
            Ok(())
        },
    );
}

/// VAS's rolling playlist over many reloads: entries roll off the front,
/// new ones arrive at the end, and VAS rewrites `EXT-X-MEDIA-SEQUENCE` as it
/// likes. Every URI keeps the numbers it was first given for as long as it
/// is listed, and later segments always get larger numbers.
#[test]
fn rolling_playlists_keep_stable_numbers() {
    check(
        "rolling_playlists_keep_stable_numbers",
        1.0,
        || {
            let pool = prop::collection::vec(any::<bool>(), 1..60);
            let reloads = prop::collection::vec(
                (0usize..5, 0usize..8, hostile_i64(), prop::bool::weighted(0.1)),
                1..12,
            );
            (pool, reloads)
        },
        |(pool, reloads)| {
            let mut fixer = PlaylistFixer::new();
            // The same reloads, each parsed whole: the incremental fixer must agree with it exactly.
            let mut whole = PlaylistFixer::new();
            let (mut start, mut end) = (0usize, 0usize);
            let mut given: HashMap<usize, FixedEntry> = HashMap::new();
            for (advance, grow, sequence, ended) in reloads {
                start = (start + advance).min(pool.len());
                end = (end + grow).clamp(start, pool.len());
                let mut text = format!("#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:{sequence}\n#EXT-X-PLAYLIST-TYPE:EVENT\n");
                for (i, disc) in pool.iter().enumerate().take(end).skip(start) {
                    if *disc {
                        text.push_str("#EXT-X-DISCONTINUITY\n");
                    }
                    text.push_str(&format!(
                        "#EXTINF:6.000000,\nsegment-{}.ts\n",
                        1_767_618_000 + i
                    ));
                }
                if ended {
                    text.push_str("#EXT-X-ENDLIST\n");
                }
                let parsed = MediaPlaylist::parse(&text);
                let update = fixer.fix(&text);
                let reference = whole.fix_whole(&text);
                prop_assert_eq!(update.apply(&text), reference.apply(&text));
                prop_assert_eq!(fixer.listed(), whole.listed());
                prop_assert_eq!(fixer.header(), whole.header());
                let out = fixer.fix_text(&text);
                check_fixed(&text, &parsed, &out.entries, &out.text)?;
                for (k, f) in out.entries.iter().enumerate() {
                    let i = start + k;
                    if let Some(before) = given.insert(i, *f) {
                        prop_assert_eq!(before, *f, "segment {} renumbered", i);
                    }
                }
                let order: BTreeMap<usize, u64> = given.iter().map(|(i, f)| (*i, f.sn)).collect();
                prop_assert!(
                    order.values().zip(order.values().skip(1)).all(|(a, b)| a < b),
                    "numbers out of order: {order:?}"
                );
            }
            Ok(())
        },
    );
}
