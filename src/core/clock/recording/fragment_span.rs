//! One segment's place on hls.js's media timeline, and the parse of the fragment positions hls.js reports.
//!
//! The recording clock (media time to wall time) and the segment skips
//! (where playback resumes past a hole) both follow the player's own
//! timeline; they read it through this one parse, so they always agree on
//! which segment a media time falls in.

use crate::core::number_order::sort_by_number;

/// One segment (media sequence number `sn`) on the player's media timeline, in media seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FragmentSpan {
    pub sn: u64,
    pub start_secs: f64,
    pub duration_secs: f64,
}

impl FragmentSpan {
    pub fn end_secs(&self) -> f64 {
        self.start_secs + self.duration_secs
    }
}

/// hls.js's fragment positions, flat `[sn, start, duration]` triples in media
/// seconds, as spans ordered by start. Malformed triples (a non-finite value,
/// a negative sequence number, no duration) are skipped; a trailing partial
/// triple is ignored.
pub fn fragment_spans(flat: &[f64]) -> Vec<FragmentSpan> {
    let mut spans: Vec<FragmentSpan> = flat
        .chunks_exact(3)
        .filter(|c| c.iter().all(|v| v.is_finite()) && c[0] >= 0.0 && c[2] > 0.0)
        .map(|c| FragmentSpan { sn: c[0] as u64, start_secs: c[1], duration_secs: c[2] })
        .collect();
    // hls.js reports them in order: sorted only when they are not (a day of
    // them is 14,400), in the sort's own order (IEEE total order: -0 before 0).
    if !spans.is_sorted_by(|a, b| a.start_secs.total_cmp(&b.start_secs).is_le()) {
        sort_by_number(&mut spans, |s| s.start_secs);
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_orders_and_skips_malformed_triples() {
        let span = |sn, start_secs, duration_secs| FragmentSpan { sn, start_secs, duration_secs };
        let cases: Vec<(Vec<f64>, Vec<FragmentSpan>)> = vec![
            (vec![], vec![]),
            (vec![7.0, 12.0, 6.0], vec![span(7, 12.0, 6.0)]),
            (vec![8.0, 18.0, 6.0, 7.0, 12.0, 6.0], vec![span(7, 12.0, 6.0), span(8, 18.0, 6.0)]),
            (
                vec![1.0, f64::NAN, 6.0, 2.0, 0.0, f64::INFINITY, 3.0, 0.0, 6.0],
                vec![span(3, 0.0, 6.0)],
            ),
            (vec![-1.0, 0.0, 6.0, 4.0, 6.0, 0.0, 5.0, 6.0, -2.0], vec![]),
            (vec![9.0, 1.0, 2.0, 10.0], vec![span(9, 1.0, 2.0)]),
        ];
        for (flat, want) in cases {
            assert_eq!(fragment_spans(&flat), want, "{flat:?}");
        }
        assert_eq!(span(1, 2.0, 3.5).end_secs(), 5.5);
    }
}
