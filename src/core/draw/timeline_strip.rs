//! The detection timeline under a recording: per model, where detections occur in a wall-time span.
//!
//! Purely visual and drawn from the event store: the span is cut into bins,
//! each bin counts the model's detections (events without geometry count
//! as one). Densities spread a model's non-empty bins between a visible
//! floor (its quietest bin) and 1 (its busiest), so a model that detects in
//! every bin still shows where it detects most; an empty bin stays empty.
//! Axis labels carry the date when it is not the newest recording's (a day
//! of recording reads yesterday's 22:36 apart from today's).
//! Recording gaps are the parts of the span that no run covers; the playhead
//! is a fraction of the span. Positions are fractions 0..=1 of the span, so
//! the shell scales them to whatever width it draws.

use crate::core::draw::color::{color_for, Rgb};
use crate::core::events::event_store::EventStore;
use crate::core::number_order::sort_by_number;
use crate::core::time::{format_rfc3339_utc, UnixMicros, MICROS_PER_SEC};

/// One model's row.
#[derive(Debug, Clone, PartialEq)]
pub struct StripRow {
    pub model_id: String,
    pub color: Rgb,
    /// Per bin: detections counted.
    pub counts: Vec<u32>,
}

/// The density of a model's quietest non-empty bin.
pub const DENSITY_FLOOR: f64 = 0.25;

impl StripRow {
    /// Per bin: 0 where nothing was detected, else `DENSITY_FLOOR` (the
    /// quietest non-empty bin) to 1 (the busiest), linear in the count.
    pub fn densities(&self) -> Vec<f64> {
        let max = self.counts.iter().copied().max().unwrap_or(0);
        let min = self.counts.iter().copied().filter(|c| *c > 0).min().unwrap_or(0);
        self.counts
            .iter()
            .map(|c| match *c {
                0 => 0.0,
                _ if max == min => 1.0,
                c => {
                    DENSITY_FLOOR
                        + (1.0 - DENSITY_FLOOR) * f64::from(c - min) / f64::from(max - min)
                }
            })
            .collect()
    }
}

/// An axis label: `13:00:00` on the date of `newest` (the newest recording),
/// `2026-01-04 13:00:00` on another; UTC, VAS's clock.
pub fn axis_label(t: UnixMicros, newest: Option<UnixMicros>) -> String {
    let text = format_rfc3339_utc(t);
    let (date, time) = (text.get(0..10).unwrap_or_default(), text.get(11..19).unwrap_or_default());
    let same_day =
        newest.is_some_and(|n| n.0.div_euclid(MICROS_PER_DAY) == t.0.div_euclid(MICROS_PER_DAY));
    if same_day {
        time.to_owned()
    } else {
        format!("{date} {time}")
    }
}

const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SEC;

/// What the strip shows.
#[derive(Debug, Clone, PartialEq)]
pub struct StripLayout {
    pub span: (UnixMicros, UnixMicros),
    pub rows: Vec<StripRow>,
    /// Parts of the span no recording run covers, as (from, to) fractions.
    pub gaps: Vec<(f64, f64)>,
    pub playhead: Option<f64>,
}

/// The color of a model's row (one per model, from the palette).
pub fn model_color(model_id: &str) -> Rgb {
    color_for(model_id, model_id, None)
}

impl StripLayout {
    /// Lays out `span` (inclusive; an empty or reversed span gives no rows) in `bins` bins.
    pub fn compute(
        store: &EventStore,
        span: (UnixMicros, UnixMicros),
        bins: usize,
        runs: &[(UnixMicros, UnixMicros)],
        playhead: Option<UnixMicros>,
    ) -> StripLayout {
        let (from, to) = span;
        let len = to.since(from);
        if len <= 0 || bins == 0 {
            return StripLayout { span, rows: Vec::new(), gaps: Vec::new(), playhead: None };
        }
        let frac = |t: UnixMicros| (t.since(from) as f64 / len as f64).clamp(0.0, 1.0);
        let rows = store
            .models()
            .map(|(model_id, timeline)| {
                let mut counts = vec![0u32; bins];
                for e in timeline.between(from, to) {
                    let i = ((e.timestamp.since(from) as f64 / len as f64) * bins as f64) as usize;
                    counts[i.min(bins - 1)] += e.detections.len().max(1) as u32;
                }
                StripRow { model_id: model_id.to_owned(), color: model_color(model_id), counts }
            })
            .collect();
        // Gaps: the complement of the runs, clipped to the span.
        let mut covered: Vec<(f64, f64)> = runs
            .iter()
            .filter(|(a, b)| b > a)
            .map(|(a, b)| (frac(*a), frac(*b)))
            .filter(|(a, b)| b > a)
            .collect();
        sort_by_number(&mut covered, |c| c.0);
        let mut gaps = Vec::new();
        let mut cursor = 0.0;
        for (a, b) in covered {
            if a > cursor {
                gaps.push((cursor, a));
            }
            cursor = f64::max(cursor, b);
        }
        if cursor < 1.0 {
            gaps.push((cursor, 1.0));
        }
        let playhead = playhead.filter(|t| *t >= from && *t <= to).map(frac);
        StripLayout { span, rows, gaps, playhead }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::events::event_store::StoreLimits;
    use crate::core::events::wire::decode_event_page;
    use crate::core::time::parse_rfc3339;

    fn store(events: &[(&str, &str, usize)]) -> EventStore {
        let items: Vec<String> = events
            .iter()
            .enumerate()
            .map(|(i, (model, ts, n))| {
                let dets: Vec<String> = (0..*n).map(|k| format!(r#"{{"class_name":"p","bbox":[0.1,0.1,0.2,0.{}]}}"#, k + 2)).collect();
                format!(r#"{{"id":"e{i}","camera_id":"c","model_id":"{model}","timestamp":"{ts}","detections":{{"detections":[{}]}}}}"#, dets.join(","))
            })
            .collect();
        let page = format!(r#"{{"events":[{}],"total":{}}}"#, items.join(","), items.len());
        let mut s = EventStore::new(StoreLimits::default());
        s.ingest(decode_event_page(page.as_bytes()).unwrap().events);
        s
    }

    fn t(secs: i64) -> UnixMicros {
        UnixMicros(1_767_618_000_000_000 + secs * 1_000_000)
    }

    #[test]
    fn bins_gaps_and_playhead() {
        let s = store(&[
            ("a", "2026-01-05T13:00:00Z", 2),
            ("a", "2026-01-05T13:00:01Z", 1),
            ("a", "2026-01-05T13:00:09.999999Z", 1),
            ("b", "2026-01-05T13:00:05Z", 0),
            ("b", "2026-01-05T13:00:20Z", 3),
        ]);
        let l =
            StripLayout::compute(&s, (t(0), t(10)), 5, &[(t(-5), t(4)), (t(6), t(8))], Some(t(5)));
        assert_eq!(l.rows.len(), 2);
        assert_eq!(
            (l.rows[0].model_id.as_str(), l.rows[0].counts.clone()),
            ("a", vec![3, 0, 0, 0, 1])
        );
        assert_eq!(
            l.rows[1].counts,
            vec![0, 0, 1, 0, 0],
            "an event without geometry counts once; 13:00:20 is outside"
        );
        assert_eq!(l.rows[0].densities(), vec![1.0, 0.0, 0.0, 0.0, DENSITY_FLOOR]);
        assert_eq!(l.gaps, vec![(0.4, 0.6), (0.8, 1.0)]);
        assert_eq!(l.playhead, Some(0.5));
        assert_eq!(l.rows[0].color, model_color("a"));
    }

    #[test]
    fn degenerate_spans() {
        let s = store(&[("a", "2026-01-05T13:00:00Z", 1)]);
        for (span, bins) in [((t(0), t(0)), 10), ((t(5), t(0)), 10), ((t(0), t(10)), 0)] {
            let l = StripLayout::compute(&s, span, bins, &[], Some(t(0)));
            assert!(l.rows.is_empty() && l.gaps.is_empty() && l.playhead.is_none());
        }
        let l = StripLayout::compute(&s, (t(0), t(10)), 4, &[], Some(t(11)));
        assert_eq!(l.gaps, vec![(0.0, 1.0)], "no run: all gap");
        assert_eq!(l.playhead, None, "a playhead outside the span is not drawn");
        assert_eq!(
            StripRow { model_id: "x".into(), color: model_color("x"), counts: vec![0, 0] }
                .densities(),
            vec![0.0, 0.0]
        );
    }

    #[test]
    fn densities_show_where_when_every_bin_has_some() {
        let row = |counts: Vec<u32>| {
            StripRow { model_id: "m".into(), color: model_color("m"), counts }.densities()
        };
        // Every bin busy (a model at 2 events/s): the busiest stand out from the quietest.
        assert_eq!(
            row(vec![40, 44, 48, 40]),
            vec![DENSITY_FLOOR, DENSITY_FLOOR + 0.375, 1.0, DENSITY_FLOOR]
        );
        assert_eq!(
            row(vec![7, 7, 0, 7]),
            vec![1.0, 1.0, 0.0, 1.0],
            "uniform: all full, the empty bin empty"
        );
        assert_eq!(row(vec![u32::MAX, 1, 0]), vec![1.0, DENSITY_FLOOR, 0.0]);
    }

    #[test]
    fn axis_labels_are_dated_off_the_newest_day() {
        let newest = parse_rfc3339("2026-01-05T00:10:00Z");
        let rows = [
            ("2026-01-05T13:00:00.5Z", "13:00:00"),
            ("2026-01-04T22:36:00Z", "2026-01-04 22:36:00"),
            ("2026-01-05T00:00:00Z", "00:00:00"),
            ("2026-01-04T23:59:59.999999Z", "2026-01-04 23:59:59"),
        ];
        for (t, want) in rows {
            assert_eq!(axis_label(parse_rfc3339(t).unwrap(), newest), want, "{t}");
        }
        assert_eq!(
            axis_label(parse_rfc3339("2026-01-05T13:00:00Z").unwrap(), None),
            "2026-01-05 13:00:00",
            "no newest known: dated"
        );
    }
}
