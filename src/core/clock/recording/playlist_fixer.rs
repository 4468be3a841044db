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

//!
//! Reloads are incremental. VAS's playlist changes between reloads only at
//! its ends (entries roll off the front, new ones come at the end, and the
//! header's media sequence is rewritten), and a day of it is 14,400 entries.
//! So a reload is checked byte for byte against the previous text from its
//! first entry on (one comparison of memory, no parsing), and only the new
//! entries at the end are parsed. Anything else (the first entry unknown,
//! the middle changed, playlist-level tags among the entries) is parsed
//! whole, with the same result. Only the header is rewritten: the caller
//! replaces the text before `body_start` with `header` and passes the rest
//! on as it came.

use std::collections::{HashMap, VecDeque};

use crate::core::clock::recording::hls_playlist::{MediaPlaylist, PlaylistEntry, PlaylistLayout};

/// Stable numbers of one listed entry, as hls.js will see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedEntry {
    /// hls.js `frag.sn`.
    pub sn: u64,
    /// hls.js `frag.cc`.
    pub cc: u64,
}

/// One listed entry: as parsed, with its numbers and the length of its lines.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedEntry {
    pub entry: PlaylistEntry,
    pub fixed: FixedEntry,
    /// Bytes of the entry's lines in the text (its tags, its URI line).
    len_bytes: usize,
}

/// How the listed entries changed with a reload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListChange {
    /// Listed anew (the first load, or a reload that is not a slide of the last one).
    Replaced,
    /// `dropped` entries left the front and `appended` came at the end; the rest are unchanged.
    Slid { dropped: usize, appended: usize },
}

/// What `fix` returns: how to rewrite the text, and what changed.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaylistUpdate {
    /// Replaces the text's first `body_start` bytes.
    pub header: String,
    pub body_start: usize,
    pub change: ListChange,
}

impl PlaylistUpdate {
    /// The rewritten text.
    pub fn apply(&self, text: &str) -> String {
        let mut out = self.header.clone();
        out.push_str(text.get(self.body_start..).unwrap_or(""));
        out
    }

    /// `body_start` in UTF-16 code units (a JavaScript string's indices).
    pub fn body_start_utf16(&self, text: &str) -> usize {
        text.get(..self.body_start).map_or(0, |h| h.encode_utf16().count())
    }
}

/// The playlist-level fields of the last playlist fixed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlaylistHeader {
    pub target_duration: Option<f64>,
    /// As written (the fixer rewrites it for hls.js).
    pub media_sequence: Option<i64>,
    pub playlist_type: Option<String>,
    pub ended: bool,
}

/// The fixer's memory across reloads of one playlist.
#[derive(Debug, Clone, Default)]
pub struct PlaylistFixer {
    listed: VecDeque<ListedEntry>,
    /// The last text's lines from its first entry to the end of its last.
    body: String,
    /// The last text could be sent on whole only (sequence tags among its entries).
    irregular: bool,
    header: PlaylistHeader,
    /// Numbers given to URIs, kept a while after they leave the playlist.
    known: HashMap<String, FixedEntry>,
    next_sn: u64,
    next_cc: u64,
}

/// What `fix_text` returns: the whole rewritten text and every listed entry's numbers.
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

    /// The entries listed by the last playlist fixed, in order; their `sn`s run on by one.
    pub fn listed(&self) -> &VecDeque<ListedEntry> {
        &self.listed
    }

    pub fn header(&self) -> &PlaylistHeader {
        &self.header
    }

    /// `fix`, with the whole rewritten text (tests and tools; the player rewrites the header only).
    pub fn fix_text(&mut self, text: &str) -> FixedPlaylist {
        let update = self.fix(text);
        FixedPlaylist {
            text: update.apply(text),
            entries: self.listed.iter().map(|l| l.fixed).collect(),
        }
    }

    /// Takes a (re)loaded playlist text.
    pub fn fix(&mut self, text: &str) -> PlaylistUpdate {
        if let Some(update) = self.slide(text) {
            return update;
        }
        self.fix_whole(text)
    }

    /// Takes a (re)loaded playlist text, parsed whole: what `fix` does when
    /// the text is not a slide of the last one, with the same result `fix`
    /// gives for any text.
    pub fn fix_whole(&mut self, text: &str) -> PlaylistUpdate {
        let (playlist, layout) = MediaPlaylist::parse_with_layout(text);
        self.replace(text, playlist, layout)
    }

    /// The incremental reload, if `text` is the last one slid along.
    fn slide(&mut self, text: &str) -> Option<PlaylistUpdate> {
        if self.irregular || self.listed.is_empty() {
            return None;
        }
        // The header is parsed on its own (VAS's is six lines).
        let (head, body_start) = MediaPlaylist::header_of(text)?;
        if head.ended {
            // Entries after an ENDLIST: never slid along.
            return None;
        }
        let (first, first_end) = MediaPlaylist::first_entry_from(text, body_start)?;
        let known = *self.known.get(&first.uri)?;
        let d = usize::try_from(known.sn.checked_sub(self.listed.front()?.fixed.sn)?).ok()?;
        let same = self.listed.get(d)?;
        // A leading discontinuity tag may come and go with the front: it changes no number.
        let mut moved = same.entry.clone();
        moved.discontinuity = first.discontinuity;
        if moved != first {
            return None;
        }
        let old_rest_from: usize = self.listed.iter().take(d + 1).map(|l| l.len_bytes).sum();
        let old_rest = self.body.get(old_rest_from..)?;
        let new_rest_end = first_end.checked_add(old_rest.len())?;
        if text.as_bytes().get(first_end..new_rest_end)? != old_rest.as_bytes() {
            return None;
        }
        // The last known entry's URI line must have ended there too.
        if !old_rest.is_empty() && !old_rest.ends_with('\n') && new_rest_end < text.len() {
            return None;
        }
        // Only what follows is parsed.
        let mut more = MediaPlaylist::default();
        let mut more_layout = PlaylistLayout::default();
        more.parse_more(text, new_rest_end, &mut more_layout);
        if more_layout.header_tags_in_body || more_layout.ended_before_last {
            return None;
        }
        // Accepted: drop the front, renew the first entry, append.
        for _ in 0..d {
            self.listed.pop_front();
        }
        let first_len = first_end - body_start;
        if let Some(f) = self.listed.front_mut() {
            f.entry = first;
            f.len_bytes = first_len;
        }
        let mut prev_end = new_rest_end;
        let appended = more.entries.len();
        for (entry, end) in more.entries.into_iter().zip(more_layout.entry_ends) {
            let last = self.listed.back()?.fixed;
            let fixed =
                FixedEntry { sn: last.sn + 1, cc: last.cc + u64::from(entry.discontinuity) };
            self.known.insert(entry.uri.clone(), fixed);
            self.listed.push_back(ListedEntry { entry, fixed, len_bytes: end - prev_end });
            prev_end = end;
        }
        self.body.clear();
        self.body.push_str(text.get(body_start..prev_end)?);
        self.header = PlaylistHeader {
            target_duration: head.target_duration,
            media_sequence: head.media_sequence,
            playlist_type: head.playlist_type,
            ended: more.ended,
        };
        self.after_change();
        Some(PlaylistUpdate {
            header: self.header_text(text.get(..body_start)?),
            body_start,
            change: ListChange::Slid { dropped: d, appended },
        })
    }

    /// A whole reload: numbers from the first entry already known, else after everything seen.
    fn replace(
        &mut self,
        text: &str,
        playlist: MediaPlaylist,
        layout: PlaylistLayout,
    ) -> PlaylistUpdate {
        let entries = &playlist.entries;
        let anchor =
            entries.iter().enumerate().find_map(|(i, e)| self.known.get(&e.uri).map(|k| (i, *k)));
        let (first_sn, first_cc) = match anchor {
            Some((i, k)) => {
                let discontinuities_before =
                    entries[1..=i].iter().filter(|e| e.discontinuity).count() as u64;
                (k.sn.saturating_sub(i as u64), k.cc.saturating_sub(discontinuities_before))
            }
            // A new continuity counter as well: nothing links these segments to earlier ones.
            None => (self.next_sn, self.next_cc + 1),
        };
        self.listed.clear();
        let mut cc = first_cc;
        let mut prev_end = layout.body_start;
        for (i, (e, end)) in playlist.entries.into_iter().zip(layout.entry_ends).enumerate() {
            if i > 0 && e.discontinuity {
                cc += 1;
            }
            let fixed = FixedEntry { sn: first_sn + i as u64, cc };
            self.known.insert(e.uri.clone(), fixed);
            self.listed.push_back(ListedEntry {
                entry: e,
                fixed,
                len_bytes: end.saturating_sub(prev_end),
            });
            prev_end = end;
        }
        self.body.clear();
        self.body
            .push_str(text.get(layout.body_start..prev_end.max(layout.body_start)).unwrap_or(""));
        self.header = PlaylistHeader {
            target_duration: playlist.target_duration,
            media_sequence: playlist.media_sequence,
            playlist_type: playlist.playlist_type,
            ended: playlist.ended,
        };
        // Never slid along: sequence tags among the entries (the whole text is
        // rewritten), or entries after an ENDLIST.
        self.irregular = layout.header_tags_in_body || layout.ended_before_last;
        self.after_change();
        if layout.header_tags_in_body {
            // Sequence tags among the entries: the whole text is rewritten.
            return PlaylistUpdate {
                header: rewrite_header(text, self.media_sequence(), self.discontinuity_sequence()),
                body_start: text.len(),
                change: ListChange::Replaced,
            };
        }
        let head = text.get(..layout.body_start).unwrap_or(text);
        PlaylistUpdate {
            header: self.header_text(head),
            body_start: head.len(),
            change: ListChange::Replaced,
        }
    }

    fn after_change(&mut self) {
        if let Some(last) = self.listed.back() {
            self.next_sn = self.next_sn.max(last.fixed.sn + 1);
            self.next_cc = self.next_cc.max(last.fixed.cc);
        }
        // URIs no longer listed are forgotten a while after they leave (amortized: rarely).
        if self.known.len() > self.listed.len() * 2 + 64 {
            let first = self.listed.front().map_or(u64::MAX, |l| l.fixed.sn);
            self.known.retain(|_, f| f.sn >= first);
        }
    }

    fn media_sequence(&self) -> u64 {
        self.listed.front().map_or(self.next_sn, |l| l.fixed.sn)
    }

    fn discontinuity_sequence(&self) -> u64 {
        // hls.js counts a discontinuity tag before the first segment too.
        self.listed
            .front()
            .map_or(self.next_cc, |l| l.fixed.cc.saturating_sub(u64::from(l.entry.discontinuity)))
    }

    fn header_text(&self, head: &str) -> String {
        rewrite_header(head, self.media_sequence(), self.discontinuity_sequence())
    }
}

/// Replaces (or adds, right after `#EXTM3U`) the two sequence tags.
fn rewrite_header(text: &str, media_seq: u64, disc_seq: u64) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut wrote = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("#EXT-X-MEDIA-SEQUENCE:")
            || t.starts_with("#EXT-X-DISCONTINUITY-SEQUENCE:")
        {
            continue;
        }
        out.push_str(line);
        out.push('\n');
        if !wrote && t == "#EXTM3U" {
            out.push_str(&format!(
                "#EXT-X-MEDIA-SEQUENCE:{media_seq}\n#EXT-X-DISCONTINUITY-SEQUENCE:{disc_seq}\n"
            ));
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
        let out = f.fix_text(text);
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
        assert_eq!(
            a.entries.iter().map(|e| (e.sn, e.cc)).collect::<Vec<_>>(),
            [(0, 1), (1, 1), (2, 1)]
        );
        // The recorder restarts at 500 with 3 entries listed: VAS rewrites the media sequence.
        let (b, pb) = fix(&mut f, &playlist(500, &[&[100, 101, 102], &[503, 504]]));
        assert_eq!(pb.media_sequence, Some(0), "the old entries keep their numbers");
        assert_eq!(
            b.entries.iter().map(|e| (e.sn, e.cc)).collect::<Vec<_>>(),
            [(0, 1), (1, 1), (2, 1), (3, 2), (4, 2)]
        );
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

    /// A day of VAS's playlist: `first`.. numbered 6 s entries, one run, media sequence `seq`.
    fn day(first: i64, len: i64, seq: i64) -> String {
        let mut s = format!("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:{seq}\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXT-X-DISCONTINUITY\n");
        for n in first..first + len {
            s.push_str(&format!("#EXTINF:6.000000,\nsegment-{n}.ts\n"));
        }
        s
    }

    #[test]
    fn a_rolling_day_slides_and_agrees_with_a_whole_parse() {
        let mut f = PlaylistFixer::new();
        let mut whole = PlaylistFixer::new();
        let texts = [
            day(1000, 14_400, 1000),
            // One rolled off, one came; the media sequence moved on.
            day(1001, 14_400, 1001),
            // Nothing changed.
            day(1001, 14_400, 1001),
            // Three came, none left (the first entry lost its discontinuity tag: a slide too).
            day(1001, 14_403, 1001).replacen("#EXT-X-DISCONTINUITY\n", "", 1),
        ];
        let changes = [
            ListChange::Replaced,
            ListChange::Slid { dropped: 1, appended: 1 },
            ListChange::Slid { dropped: 0, appended: 0 },
            ListChange::Slid { dropped: 0, appended: 3 },
        ];
        for (text, change) in texts.iter().zip(changes) {
            let update = f.fix(text);
            assert_eq!(update.change, change);
            let reference = whole.fix_whole(text);
            assert_eq!(update.apply(text), reference.apply(text));
            assert_eq!(f.listed(), whole.listed());
            assert_eq!(f.header(), whole.header());
            let parsed = MediaPlaylist::parse(text);
            assert_eq!(
                f.listed().iter().map(|l| &l.entry).collect::<Vec<_>>(),
                parsed.entries.iter().collect::<Vec<_>>()
            );
        }
        assert_eq!(f.listed().front().map(|l| l.fixed), Some(FixedEntry { sn: 1, cc: 1 }));
        assert_eq!(f.listed().len(), 14_403);
        // The text the player hands on: the header rewritten, the rest as it came.
        let text = &texts[3];
        let update = f.fix(text);
        assert_eq!(update.body_start, text.find("#EXTINF").unwrap());
        assert_eq!(update.body_start_utf16(text), update.body_start);
        assert!(
            update.header.contains("#EXT-X-MEDIA-SEQUENCE:1\n#EXT-X-DISCONTINUITY-SEQUENCE:1\n"),
            "{}",
            update.header
        );
    }

    #[test]
    fn anything_but_a_slide_is_parsed_whole() {
        let base = day(1000, 50, 1000);
        let cases = [
            (
                "an entry in the middle changed",
                base.replacen(
                    "#EXTINF:6.000000,\nsegment-1020.ts",
                    "#EXTINF:5.000000,\nsegment-1020.ts",
                    1,
                ),
            ),
            ("the first entry is unknown", day(5000, 50, 5000)),
            (
                "the first entry's duration changed",
                base.replacen("#EXTINF:6.000000,", "#EXTINF:2.000000,", 1),
            ),
            ("a sequence tag among the entries", format!("{base}#EXT-X-MEDIA-SEQUENCE:7\n")),
            ("the last URI line goes on", base.trim_end().to_string() + "x\n"),
        ];
        for (what, text) in cases {
            let mut f = PlaylistFixer::new();
            f.fix(&base);
            let update = f.fix(&text);
            assert_eq!(update.change, ListChange::Replaced, "{what}");
            let mut whole = PlaylistFixer::new();
            whole.fix_whole(&base);
            assert_eq!(update.apply(&text), whole.fix_whole(&text).apply(&text), "{what}");
            assert_eq!(f.listed(), whole.listed(), "{what}");
        }
    }
}
