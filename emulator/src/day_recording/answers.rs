//! The day camera's recordings answers at an instant: playlist, segments, dates.

use serde_json::Value;
use vas_overlay_viewer::core::time::civil_from_days;

use super::{
    ts_shift, DayRecording, LAST_MODIFIED_LATENCY_US, LIST_SIZE, ROLLED_OFF_GRACE_US, SEGMENT_TICKS,
};
use crate::api::api_error;
use crate::faults::Faults;
use crate::http::answer::{AnswerBody, HttpAnswer};
use crate::recording::{date_of, dates_json, segment_answer, segment_fault, segment_key};

/// An HTTP date (IMF-fixdate) of whole seconds since the epoch.
pub(super) fn http_date(secs: i64) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let days = secs.div_euclid(86_400);
    let s = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let weekday = DAYS[(days + 4).rem_euclid(7) as usize];
    let month = MONTHS[usize::try_from(m - 1).unwrap_or(0).min(11)];
    format!(
        "{weekday}, {d:02} {month} {y:04} {:02}:{:02}:{:02} GMT",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// `EXTINF` as FFmpeg writes it: six decimals.
pub(super) fn extinf(duration_us: i64) -> String {
    format!("#EXTINF:{}.{:06},", duration_us / 1_000_000, duration_us % 1_000_000)
}

impl DayRecording {
    /// The playlist at `now`; None before any segment ended.
    pub(super) fn playlist_at(&self, now: i64) -> Option<String> {
        let (lo, hi) = self.listed(now);
        let sequence = self.media_sequence(lo, hi)?;
        let mut out = String::with_capacity(usize::try_from(hi - lo).unwrap_or(0) * 48 + 160);
        out.push_str(&format!("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:{sequence}\n#EXT-X-PLAYLIST-TYPE:EVENT\n"));
        for g in lo..hi {
            let seg = self.at_global(g);
            if seg.index == 0 {
                out.push_str("#EXT-X-DISCONTINUITY\n");
            }
            out.push_str(&extinf(self.duration_us(seg)));
            out.push_str(&format!("\nsegment-{}.ts\n", seg.number()));
        }
        Some(out)
    }
    /// `GET .../segment-N.ts` at `now`, with the fault that shaped it.
    pub(super) fn segment_at(
        &self,
        name: &str,
        now: i64,
        faults: &Faults,
        path: &str,
    ) -> (HttpAnswer, Option<&'static str>) {
        let not_found = || (api_error(404, "Segment not found", path), None);
        let Some(seg) = segment_key(name).and_then(|n| self.by_number(n)) else {
            return not_found();
        };
        let end = self.end_us(seg);
        let (lo, _) = self.listed(now);
        let served = end <= now
            && (seg.global() >= lo || {
                // Rolled off when the segment LIST_SIZE after it was listed.
                let pushed_by = self.at_global(seg.global().saturating_add(LIST_SIZE));
                now < self.end_us(pushed_by).saturating_add(ROLLED_OFF_GRACE_US)
            });
        if !served {
            return not_found();
        }
        let fault = segment_fault(faults, name);
        if fault == Some("missing_segments") {
            return (api_error(404, "Segment not found", path), fault);
        }
        let source = &self.sources[seg.source()];
        // Segment i of a run starts i x 6 s after the run's first, which starts where the full source does.
        let target = (u128::from(self.sources[0].first_pts)
            + u128::from(seg.index) * u128::from(SEGMENT_TICKS))
            % u128::from(ts_shift::WRAP);
        let delta = (target + u128::from(ts_shift::WRAP) - u128::from(source.first_pts))
            % u128::from(ts_shift::WRAP);
        let mut bytes = source.bytes.clone();
        if let Err(e) = ts_shift::shift(&mut bytes, u64::try_from(delta).unwrap_or(0)) {
            // Checked at load: cannot happen with the loaded sources.
            return (api_error(500, &format!("Internal server error: {e}"), path), None);
        }
        let len = bytes.len() as u64;
        let modified_us = end.saturating_add(LAST_MODIFIED_LATENCY_US);
        let last_modified = http_date(modified_us.div_euclid(1_000_000));
        (segment_answer(AnswerBody::Bytes(bytes), len, fault, last_modified, modified_us), fault)
    }

    /// `GET .../dates` at `now`: the UTC dates of the listed segments, newest first.
    pub(super) fn dates_at(&self, now: i64, device_id: &str) -> Value {
        let (lo, hi) = self.listed(now);
        let mut dates: Vec<(String, u64)> = Vec::new();
        for g in (lo..hi).rev() {
            let date = date_of(self.at_global(g).start_us());
            match dates.last_mut() {
                Some((d, n)) if *d == date => *n += 1,
                _ => dates.push((date, 1)),
            }
        }
        dates_json(Some(device_id), dates)
    }
}
