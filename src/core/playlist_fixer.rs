//! Rewrites VAS's rolling playlist so that hls.js can follow it across reloads and restarts.
//!
//! hls.js numbers a playlist's segments `EXT-X-MEDIA-SEQUENCE + index` and,
//! on each reload of a live (EVENT, no ENDLIST) playlist, matches old and new
//! segments by that number. VAS rewrites `EXT-X-MEDIA-SEQUENCE` to the newest
//! run's start epoch on every recorder restart while the older entries stay
//! listed first, so after a restart every listed segment would get a new
//! number and hls.js would take the playlist for another one (or for a jump
//! of thousands of segments). Likewise the continuity counter of a segment
//! (`EXT-X-DISCONTINUITY-SEQUENCE` plus the discontinuities before it) shifts
//! when old entries roll off the front.
//!
//! The fixer gives every segment URI a sequence number and a continuity
//! counter the first time it is seen and keeps them for as long as the URI is
//! listed; it writes the first entry's values as the media and discontinuity
//! sequence. Everything else in the text is passed through unchanged.

use std::collections::HashMap;

use super::hls_playlist::MediaPlaylist;

/// Stable numbers of one listed entry, as hls.js will see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedEntry {
    /// hls.js `frag.sn`.
    pub sn: u64,
    /// hls.js `frag.cc`.
    pub cc: u64,
}

/// The fixer's memory across reloads of one playlist.
#[derive(Debug, Clone, Default)]
pub struct PlaylistFixer {
    known: HashMap<String, FixedEntry>,
    next_sn: u64,
    next_cc: u64,
}

/// What `fix` returns.
#[derive(Debug, Clone, PartialEq)]
pub struct FixedPlaylist {
    pub text: String,
    /// Per listed entry, in order.
    pub entries: Vec<FixedEntry>,
}

impl PlaylistFixer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Rewrites `text` (already parsed as `playlist`).
    pub fn fix(&mut self, text: &str, playlist: &MediaPlaylist) -> FixedPlaylist {
        let entries = &playlist.entries;
        // Where the listed entries sit in the stable numbering: from the first
        // entry already known (its position fixes the first entry's numbers),
        // else after everything seen so far.
        let anchor = entries.iter().enumerate().find_map(|(i, e)| self.known.get(&e.uri).map(|k| (i, *k)));
        let (first_sn, first_cc) = match anchor {
            Some((i, k)) => {
                let discontinuities_before = entries[1..=i].iter().filter(|e| e.discontinuity).count() as u64;
                (k.sn.saturating_sub(i as u64), k.cc.saturating_sub(discontinuities_before))
            }
            // A new continuity counter as well: nothing links these segments to earlier ones.
            None => (self.next_sn, self.next_cc + 1),
        };
        let mut fixed = Vec::with_capacity(entries.len());
        let mut cc = first_cc;
        for (i, e) in entries.iter().enumerate() {
            if i > 0 && e.discontinuity {
                cc += 1;
            }
            let f = FixedEntry { sn: first_sn + i as u64, cc };
            self.known.insert(e.uri.clone(), f);
            fixed.push(f);
        }
        if let Some(last) = fixed.last() {
            self.next_sn = self.next_sn.max(last.sn + 1);
            self.next_cc = self.next_cc.max(last.cc);
        }
        // Entries no longer listed will never be matched again.
        if self.known.len() > entries.len() * 2 + 64 {
            let listed: std::collections::HashSet<&str> = entries.iter().map(|e| e.uri.as_str()).collect();
            self.known.retain(|uri, _| listed.contains(uri.as_str()));
        }
        let (media_seq, disc_seq) = match (fixed.first(), entries.first()) {
            // hls.js counts a discontinuity tag before the first segment too.
            (Some(f), Some(e)) => (f.sn, f.cc.saturating_sub(u64::from(e.discontinuity))),
            _ => (self.next_sn, self.next_cc),
        };
        FixedPlaylist { text: rewrite_header(text, media_seq, disc_seq), entries: fixed }
    }
}

/// Replaces (or adds, right after `#EXTM3U`) the two sequence tags.
fn rewrite_header(text: &str, media_seq: u64, disc_seq: u64) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut wrote = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("#EXT-X-MEDIA-SEQUENCE:") || t.starts_with("#EXT-X-DISCONTINUITY-SEQUENCE:") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
        if !wrote && t == "#EXTM3U" {
            out.push_str(&format!("#EXT-X-MEDIA-SEQUENCE:{media_seq}\n#EXT-X-DISCONTINUITY-SEQUENCE:{disc_seq}\n"));
            wrote = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn playlist(media_seq: i64, runs: &[&[i64]]) -> String {
        let mut s = format!("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:{media_seq}\n#EXT-X-PLAYLIST-TYPE:EVENT\n");
        for run in runs {
            s.push_str("#EXT-X-DISCONTINUITY\n");
            for n in *run {
                s.push_str(&format!("#EXTINF:6.000000,\nsegment-{n}.ts\n"));
            }
        }
        s
    }

    fn fix(f: &mut PlaylistFixer, text: &str) -> (FixedPlaylist, MediaPlaylist) {
        let p = MediaPlaylist::parse(text);
        let out = f.fix(text, &p);
        let reparsed = MediaPlaylist::parse(&out.text);
        (out, reparsed)
    }

    #[test]
    fn numbers_stay_put_across_a_restart_and_a_roll_off() {
        let mut f = PlaylistFixer::new();
        // One run, started at 100: the first segment is numbered 100.
        let (a, pa) = fix(&mut f, &playlist(100, &[&[100, 101, 102]]));
        assert_eq!(pa.media_sequence, Some(0));
        assert_eq!(pa.discontinuity_sequence, Some(0));
        assert_eq!(a.entries.iter().map(|e| (e.sn, e.cc)).collect::<Vec<_>>(), [(0, 1), (1, 1), (2, 1)]);
        // The recorder restarts at 500 with 3 entries listed: VAS rewrites the media sequence.
        let (b, pb) = fix(&mut f, &playlist(500, &[&[100, 101, 102], &[503, 504]]));
        assert_eq!(pb.media_sequence, Some(0), "the old entries keep their numbers");
        assert_eq!(b.entries.iter().map(|e| (e.sn, e.cc)).collect::<Vec<_>>(), [(0, 1), (1, 1), (2, 1), (3, 2), (4, 2)]);
        // The two oldest entries roll off: the rest keep their numbers and counters.
        let text = "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:500\n#EXTINF:6,\nsegment-102.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:6,\nsegment-503.ts\n";
        let (c, pc) = fix(&mut f, text);
        assert_eq!(c.entries.iter().map(|e| (e.sn, e.cc)).collect::<Vec<_>>(), [(2, 1), (3, 2)]);
        assert_eq!((pc.media_sequence, pc.discontinuity_sequence), (Some(2), Some(1)));
        // Everything else passes through.
        assert!(c.text.contains("segment-503.ts") && c.text.contains("#EXT-X-DISCONTINUITY\n"));
        assert_eq!(c.text.matches("#EXT-X-MEDIA-SEQUENCE").count(), 1);
    }

    #[test]
    fn an_unrelated_playlist_gets_fresh_numbers() {
        let mut f = PlaylistFixer::new();
        fix(&mut f, &playlist(100, &[&[100, 101]]));
        let (b, _) = fix(&mut f, &playlist(900, &[&[900]]));
        assert_eq!(b.entries, [FixedEntry { sn: 2, cc: 2 }]);
    }

    #[test]
    fn empty_and_garbage_input() {
        let mut f = PlaylistFixer::new();
        let (a, _) = fix(&mut f, "not a playlist");
        assert!(a.entries.is_empty());
        let (b, pb) = fix(&mut f, "#EXTM3U\n#EXT-X-ENDLIST\n");
        assert!(b.entries.is_empty());
        assert_eq!(pb.media_sequence, Some(0));
        assert!(pb.ended);
    }
}
