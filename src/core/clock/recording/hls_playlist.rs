//! HLS media playlists as VAS writes them: the tags the viewer needs, parsed leniently.
//!
//! Only what wall-clock mapping and playback correction need is kept:
//! `EXTINF`, `EXT-X-DISCONTINUITY`, `EXT-X-PROGRAM-DATE-TIME`,
//! `EXT-X-MEDIA-SEQUENCE`, `EXT-X-DISCONTINUITY-SEQUENCE`,
//! `EXT-X-TARGETDURATION`, `EXT-X-PLAYLIST-TYPE` and `EXT-X-ENDLIST`.
//! Other tags are ignored; a malformed line is skipped and counted, never fatal.

use crate::core::time::{parse_rfc3339, UnixMicros};

/// One media segment of the playlist, in listed order.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaylistEntry {
    /// The URI line as written (VAS: relative, `segment-N.ts`).
    pub uri: String,
    /// `EXTINF` duration, seconds.
    pub duration: f64,
    /// An `EXT-X-DISCONTINUITY` tag precedes this entry (a new recording run starts here).
    pub discontinuity: bool,
    /// `EXT-X-PROGRAM-DATE-TIME` given for this entry itself (not carried forward).
    pub program_date_time: Option<UnixMicros>,
    /// `N` of a `segment-N.ts` URI: VAS's segment number.
    pub number: Option<i64>,
}

/// A parsed media playlist.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MediaPlaylist {
    pub target_duration: Option<f64>,
    pub media_sequence: Option<i64>,
    pub discontinuity_sequence: Option<i64>,
    /// `EVENT` or `VOD` as written.
    pub playlist_type: Option<String>,
    pub ended: bool,
    pub entries: Vec<PlaylistEntry>,
    /// Lines that looked like tags the parser knows but could not be read.
    pub skipped_lines: usize,
}

/// Longest playlist text the viewer reads, in bytes (VAS's playlists are
/// ASCII: characters too); a longer one is refused unparsed, as a failed
/// load. VAS keeps 24 h in one rolling playlist: 14,400 segments of 6 s at 40
/// bytes each (`#EXTINF:6.000000,` and `segment-N.ts` lines), about 576 KB,
/// or about 1.3 MB with a program date-time on every segment. 4 MiB is seven
/// times the first (a week of 6 s segments) and three times the second,
/// while what hls.js builds from one playlist stays bounded (an object per
/// segment: about 100,000 at this size).
pub const MAX_PLAYLIST_BYTES: usize = 4 * 1024 * 1024;

/// VAS's segment number from a URI such as `segment-1795578823.ts` (query and
/// directories ignored); `None` for any other shape.
pub fn segment_number(uri: &str) -> Option<i64> {
    let path = uri.split(['?', '#']).next().unwrap_or("");
    let name = path.rsplit('/').next().unwrap_or("");
    let digits = name.strip_prefix("segment-")?.strip_suffix(".ts")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn parse_f64(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0)
}

fn parse_i64(s: &str) -> Option<i64> {
    s.trim().parse::<i64>().ok()
}

/// Where a playlist's parts lie in its text, for the fixer's incremental reloads.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlaylistLayout {
    /// Byte offset of the first line that belongs to a segment (its tags or
    /// its URI): everything before it is the header. The text's length when
    /// no segment line follows the header.
    pub body_start: usize,
    /// Per entry: the byte offset just past its URI line (line break included).
    /// An entry's lines run from the previous entry's end (or `body_start`) to its own.
    pub entry_ends: Vec<usize>,
    /// A playlist-level tag (`EXT-X-MEDIA-SEQUENCE`, `EXT-X-DISCONTINUITY-SEQUENCE`,
    /// `EXT-X-TARGETDURATION`, `EXT-X-PLAYLIST-TYPE`) appears after `body_start`.
    pub header_tags_in_body: bool,
    /// `EXT-X-ENDLIST` appears before the last entry.
    pub ended_before_last: bool,
}

/// The parser's state between lines.
#[derive(Default)]
struct Pending {
    duration: Option<f64>,
    discontinuity: bool,
    pdt: Option<UnixMicros>,
}

/// Whether a trimmed line belongs to a segment (a segment tag or a URI) rather than the header.
fn is_segment_line(line: &str) -> bool {
    line.starts_with("#EXTINF:")
        || line == "#EXT-X-DISCONTINUITY"
        || line.starts_with("#EXT-X-PROGRAM-DATE-TIME:")
        || !line.starts_with('#')
}

/// The lines of `text` from byte `from`, trimmed, with the byte offset just past each (line break included).
fn lines_from(text: &str, from: usize) -> impl Iterator<Item = (&str, usize)> {
    let mut offset = from;
    text.get(from..).unwrap_or("").split_inclusive('\n').map(move |raw| {
        offset += raw.len();
        (raw.trim(), offset)
    })
}

impl MediaPlaylist {
    /// Parses playlist text. Never fails: a text without `#EXTM3U` or without
    /// segments simply yields no entries.
    pub fn parse(text: &str) -> MediaPlaylist {
        Self::parse_with_layout(text).0
    }

    /// Parses playlist text and says where its header and entries lie.
    pub fn parse_with_layout(text: &str) -> (MediaPlaylist, PlaylistLayout) {
        let mut p = MediaPlaylist::default();
        let mut layout = PlaylistLayout { body_start: text.len(), ..PlaylistLayout::default() };
        let mut lines = lines_from(text, 0).filter(|(l, _)| !l.is_empty());
        let Some(("#EXTM3U", mut header_end)) = lines.next() else {
            return (p, layout);
        };
        let mut in_body = false;
        let mut pending = Pending::default();
        for (line, end) in lines {
            if !in_body && is_segment_line(line) {
                in_body = true;
                layout.body_start = header_end;
            }
            if !in_body {
                header_end = end;
            }
            p.read_line(line, end, &mut pending, in_body, &mut layout);
        }
        (p, layout)
    }

    /// Parses the segment lines of `text` from byte `from` (the start of a
    /// line) as more entries of this playlist, with their ends in `layout`.
    pub fn parse_more(&mut self, text: &str, from: usize, layout: &mut PlaylistLayout) {
        let mut pending = Pending::default();
        for (line, end) in lines_from(text, from).filter(|(l, _)| !l.is_empty()) {
            self.read_line(line, end, &mut pending, true, layout);
        }
    }

    /// Parses the first entry of the segment lines from byte `from`: the entry
    /// and the offset just past its URI line, or `None` when no entry follows
    /// or a playlist-level tag or `EXT-X-ENDLIST` comes before it.
    pub fn first_entry_from(text: &str, from: usize) -> Option<(PlaylistEntry, usize)> {
        let mut one = MediaPlaylist::default();
        let mut layout = PlaylistLayout::default();
        let mut pending = Pending::default();
        for (line, end) in lines_from(text, from).filter(|(l, _)| !l.is_empty()) {
            one.read_line(line, end, &mut pending, true, &mut layout);
            if layout.header_tags_in_body || one.ended {
                return None;
            }
            if let (Some(e), Some(end)) = (one.entries.pop(), layout.entry_ends.pop()) {
                return Some((e, end));
            }
        }
        None
    }

    /// Parses the header alone (the lines before the first one that belongs
    /// to a segment): its fields and where it ends; `None` for a text that
    /// is not a playlist or has no segment line.
    pub fn header_of(text: &str) -> Option<(MediaPlaylist, usize)> {
        let mut p = MediaPlaylist::default();
        let mut layout = PlaylistLayout::default();
        let mut pending = Pending::default();
        let mut lines = lines_from(text, 0).filter(|(l, _)| !l.is_empty());
        let Some(("#EXTM3U", mut header_end)) = lines.next() else {
            return None;
        };
        for (line, end) in lines {
            if is_segment_line(line) {
                return Some((p, header_end));
            }
            p.read_line(line, end, &mut pending, false, &mut layout);
            header_end = end;
        }
        None
    }

    fn read_line(
        &mut self,
        line: &str,
        end: usize,
        pending: &mut Pending,
        in_body: bool,
        layout: &mut PlaylistLayout,
    ) {
        let p = self;
        let header_tag = |layout: &mut PlaylistLayout| layout.header_tags_in_body |= in_body;
        if let Some(rest) = line.strip_prefix("#EXTINF:") {
            let value = rest.split(',').next().unwrap_or("");
            match parse_f64(value) {
                Some(d) => pending.duration = Some(d),
                None => p.skipped_lines += 1,
            }
        } else if line == "#EXT-X-DISCONTINUITY" {
            pending.discontinuity = true;
        } else if let Some(rest) = line.strip_prefix("#EXT-X-PROGRAM-DATE-TIME:") {
            match parse_rfc3339(rest) {
                Some(t) => pending.pdt = Some(t),
                None => p.skipped_lines += 1,
            }
        } else if let Some(rest) = line.strip_prefix("#EXT-X-MEDIA-SEQUENCE:") {
            header_tag(layout);
            p.media_sequence = parse_i64(rest);
            p.skipped_lines += usize::from(p.media_sequence.is_none());
        } else if let Some(rest) = line.strip_prefix("#EXT-X-DISCONTINUITY-SEQUENCE:") {
            header_tag(layout);
            p.discontinuity_sequence = parse_i64(rest);
            p.skipped_lines += usize::from(p.discontinuity_sequence.is_none());
        } else if let Some(rest) = line.strip_prefix("#EXT-X-TARGETDURATION:") {
            header_tag(layout);
            p.target_duration = parse_f64(rest);
            p.skipped_lines += usize::from(p.target_duration.is_none());
        } else if let Some(rest) = line.strip_prefix("#EXT-X-PLAYLIST-TYPE:") {
            header_tag(layout);
            p.playlist_type = Some(rest.trim().to_owned());
        } else if line == "#EXT-X-ENDLIST" {
            p.ended = true;
        } else if line.starts_with('#') {
            // Comments and tags the viewer does not need.
        } else {
            match pending.duration.take() {
                Some(duration) => {
                    layout.ended_before_last |= p.ended;
                    p.entries.push(PlaylistEntry {
                        uri: line.to_owned(),
                        duration,
                        discontinuity: std::mem::take(&mut pending.discontinuity),
                        program_date_time: pending.pdt.take(),
                        number: segment_number(line),
                    });
                    layout.entry_ends.push(end);
                }
                // A URI without EXTINF is not a valid segment: skip it, keep the tags for the next.
                None => p.skipped_lines += 1,
            }
        }
    }

    /// Sum of all `EXTINF`, seconds.
    pub fn total_duration(&self) -> f64 {
        self.entries.iter().map(|e| e.duration).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) const VAS_PLAYLIST: &str = "#EXTM3U
#EXT-X-VERSION:3
#EXT-X-TARGETDURATION:6
#EXT-X-MEDIA-SEQUENCE:1795578816
#EXT-X-PLAYLIST-TYPE:EVENT
#EXT-X-DISCONTINUITY
#EXTINF:6.000000,
segment-1795570000.ts
#EXTINF:2.400000,
segment-1795570001.ts
#EXT-X-DISCONTINUITY
#EXTINF:6.000000,
segment-1795578823.ts
";

    #[test]
    fn parses_vas_playlist() {
        let p = MediaPlaylist::parse(VAS_PLAYLIST);
        assert_eq!(p.media_sequence, Some(1_795_578_816));
        assert_eq!(p.target_duration, Some(6.0));
        assert_eq!(p.playlist_type.as_deref(), Some("EVENT"));
        assert!(!p.ended);
        let got: Vec<(Option<i64>, f64, bool)> =
            p.entries.iter().map(|e| (e.number, e.duration, e.discontinuity)).collect();
        assert_eq!(
            got,
            [
                (Some(1_795_570_000), 6.0, true),
                (Some(1_795_570_001), 2.4, false),
                (Some(1_795_578_823), 6.0, true)
            ]
        );
        assert_eq!(p.skipped_lines, 0);
        assert!((p.total_duration() - 14.4).abs() < 1e-9);
    }

    #[test]
    fn segment_numbers() {
        let cases = [
            ("segment-1795578823.ts", Some(1_795_578_823)),
            ("/api/v1/recordings/devices/x/segment-7.ts?x=1", Some(7)),
            ("segment-.ts", None),
            ("segment-12a.ts", None),
            ("seg-12.ts", None),
            ("segment-12.mp4", None),
            ("segment-99999999999999999999.ts", None),
        ];
        for (uri, want) in cases {
            assert_eq!(segment_number(uri), want, "{uri}");
        }
    }

    #[test]
    fn program_date_time_and_bad_lines() {
        let text = "#EXTM3U\n#EXT-X-PROGRAM-DATE-TIME:2026-01-05T13:00:00.950Z\n#EXTINF:6.0,\na.ts\n\
                    #EXTINF:oops,\nb.ts\n#EXT-X-PROGRAM-DATE-TIME:yesterday\n#EXTINF:6,\nc.ts\n#EXT-X-ENDLIST\n";
        let p = MediaPlaylist::parse(text);
        assert_eq!(p.entries.len(), 2, "b.ts has no readable EXTINF");
        assert_eq!(p.entries[0].program_date_time, parse_rfc3339("2026-01-05T13:00:00.950Z"));
        assert_eq!(p.entries[1].uri, "c.ts");
        assert_eq!(p.entries[1].program_date_time, None);
        assert_eq!(p.skipped_lines, 3);
        assert!(p.ended);
    }

    #[test]
    fn not_a_playlist() {
        for text in ["", "hello", "<html>", "#EXTINF:6,\na.ts"] {
            assert!(MediaPlaylist::parse(text).entries.is_empty(), "{text}");
        }
    }

    /// The limit has its stated margin over VAS's 24 h playlist, even with a
    /// program date-time on every segment (which VAS does not write).
    #[test]
    fn a_day_of_segments_is_well_within_the_playlist_limit() {
        let mut day = String::from("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:1795570000\n#EXT-X-PLAYLIST-TYPE:EVENT\n");
        let mut with_dates = day.clone();
        for k in 0..14_400 {
            let entry = format!("#EXTINF:6.000000,\nsegment-{}.ts\n", 1_795_570_000 + k);
            day.push_str(&entry);
            with_dates.push_str(&format!(
                "#EXT-X-PROGRAM-DATE-TIME:2026-11-24T{:02}:{:02}:{:02}.000Z\n{entry}",
                k / 600,
                k / 10 % 60,
                k % 10 * 6
            ));
        }
        assert_eq!(MediaPlaylist::parse(&day).entries.len(), 14_400);
        assert_eq!(
            MediaPlaylist::parse(&with_dates)
                .entries
                .iter()
                .filter(|e| e.program_date_time.is_some())
                .count(),
            14_400
        );
        assert!(day.len() * 7 <= MAX_PLAYLIST_BYTES, "24 h: {} bytes", day.len());
        assert!(
            with_dates.len() * 3 <= MAX_PLAYLIST_BYTES,
            "24 h with dates: {} bytes",
            with_dates.len()
        );
    }
}
