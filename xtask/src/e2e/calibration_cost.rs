//! The calibration's main-thread cost (`data-calibration-ms`, ms per second while learning and at rest, and the time to rest), as the live probe and the recordings page read it.
//!
//! Two readers, kept apart because they measure different stretches: the
//! live probe records every value the page writes over a fixed run from page
//! open ([`CostFigures::from_readings`]), while the recordings check starts
//! at a seek, polls until the calibration rests and then over a fixed rest,
//! each reading taken a settle delay after the moment it stands for
//! ([`CostFigures::from_settled`]). One reader for both would change what one
//! of them reports.

use serde_json::Value;

use crate::browser::page_scripts::polling_script;

/// From a run's start: the calibration's main-thread time (`data-calibration-ms`,
/// brought up to date once a second) until it rests, and over `restMs` of
/// rest. Each reading is taken `settleMs` after the moment it stands for, so
/// the value written by then includes everything spent before that moment.
pub(super) const CPU_WHILE_LEARNING_AND_AT_REST: &str = polling_script!(
    r#"
const [restMs, settleMs, limitMs, done] = [arguments[0], arguments[1], arguments[2], arguments[arguments.length - 1]];
const root = document.querySelector('[data-overlay-root]');
const spent = () => parseFloat(root.getAttribute('data-calibration-ms'));
const t0 = performance.now(), first = {t: t0, ms: spent()};
let restedAt = null, rested = null;
poll({done, limitMs, t0, everyMs: 50}, (now, timedOut) => {
  if (restedAt === null && root.getAttribute('data-calibration') === 'resting') restedAt = now;
  if (restedAt !== null && rested === null && now - restedAt >= settleMs) rested = {t: restedAt, ms: spent()};
  if (rested !== null && now - restedAt >= restMs + settleMs) return {first, rested, end: {t: now - settleMs, ms: spent()}};
  if (timedOut()) return {timeout: true, first, rested, calibration: root.getAttribute('data-calibration')};
});
"#
);

/// The calibration's main-thread cost over one case.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct CostFigures {
    pub learning_ms_per_s: Option<f64>,
    pub rest_ms_per_s: Option<f64>,
    pub secs_to_rest: Option<f64>,
}

impl CostFigures {
    /// From the probe's readings `[seen at (ms), spent so far (ms), state]`,
    /// each taken when the value or the state changed. The value is written
    /// at most once a second, so it is read at the moments it was written:
    /// learning is the first reading to the first one after resting began
    /// (which holds all the learning, and under a second of rest), divided
    /// by the time from the first reading to the rest; rest is from that
    /// reading to the last.
    pub(super) fn from_readings(
        readings: &[(f64, f64, String)],
        first_frame_ms: Option<f64>,
    ) -> Self {
        let Some(first) = readings.first() else { return Self::default() };
        let Some(rest_at) = readings.iter().position(|r| r.2 == "resting") else {
            return Self::default();
        };
        let rest_ms = readings[rest_at].0;
        let after = readings[rest_at..].iter().find(|r| r.0 > rest_ms && r.1 > readings[rest_at].1);
        let rate = |a: &(f64, f64, String), b: &(f64, f64, String), over_ms: f64| {
            (over_ms > 0.0).then(|| (b.1 - a.1) / over_ms * 1000.0)
        };
        let learning = after.and_then(|b| rate(first, b, rest_ms - first.0));
        let last = readings.last().filter(|l| after.is_some_and(|a| l.0 > a.0));
        let rest = match (after, last) {
            (Some(a), Some(l)) => rate(a, l, l.0 - a.0),
            _ => None,
        };
        Self {
            learning_ms_per_s: learning,
            rest_ms_per_s: rest,
            secs_to_rest: first_frame_ms.map(|f| (rest_ms - f) / 1000.0),
        }
    }

    /// From [`CPU_WHILE_LEARNING_AND_AT_REST`]'s record: learning is its
    /// first reading to the one at rest, rest that one to the last (none when
    /// the wait for the rest timed out); the time to rest is from its start.
    pub(super) fn from_settled(v: &Value) -> Self {
        let rate = |a: &Value, b: &Value| {
            let (t0, m0, t1, m1) =
                (a["t"].as_f64()?, a["ms"].as_f64()?, b["t"].as_f64()?, b["ms"].as_f64()?);
            (t1 > t0).then(|| (m1 - m0) / ((t1 - t0) / 1e3))
        };
        Self {
            learning_ms_per_s: rate(&v["first"], &v["rested"]),
            rest_ms_per_s: if v["timeout"].is_null() {
                rate(&v["rested"], &v["end"])
            } else {
                None
            },
            secs_to_rest: v["rested"]["t"]
                .as_f64()
                .zip(v["first"]["t"].as_f64())
                .map(|(r, f)| (r - f) / 1e3),
        }
    }

    pub(super) fn text(&self) -> String {
        let f = |v: Option<f64>, d: usize| v.map_or("-".into(), |v| format!("{v:.d$}"));
        format!(
            "{}/{}/{}",
            f(self.learning_ms_per_s, 1),
            f(self.rest_ms_per_s, 2),
            f(self.secs_to_rest, 1)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (readings, first frame at, learning ms/s, rest ms/s, s to rest).
    #[test]
    fn cost_is_read_at_the_moments_the_value_was_written() {
        let r = |t: f64, ms: f64, state: &str| (t, ms, state.to_owned());
        type Row = (&'static str, Vec<(f64, f64, String)>, Option<f64>, CostFigures);
        let rows: Vec<Row> = vec![
            ("no readings", vec![], Some(0.0), CostFigures::default()),
            (
                "never rests: no figures",
                vec![r(1000.0, 10.0, "learning"), r(2000.0, 60.0, "learning")],
                Some(0.0),
                CostFigures::default(),
            ),
            (
                "learns 4 s at 50 ms/s, rests 5 s at 1 ms/s",
                vec![
                    r(1000.0, 10.0, "learning"),
                    r(3000.0, 110.0, "learning"),
                    r(5000.0, 210.0, "resting"),
                    r(5900.0, 210.9, "resting"),
                    r(10900.0, 215.9, "resting"),
                ],
                Some(500.0),
                CostFigures {
                    learning_ms_per_s: Some(50.225),
                    rest_ms_per_s: Some(1.0),
                    secs_to_rest: Some(4.5),
                },
            ),
            (
                "rests with no reading after: learning unknown",
                vec![r(1000.0, 10.0, "learning"), r(5000.0, 210.0, "resting")],
                None,
                CostFigures::default(),
            ),
        ];
        for (what, readings, first, want) in rows {
            let got = CostFigures::from_readings(&readings, first);
            let close = |a: Option<f64>, b: Option<f64>| match (a, b) {
                (Some(a), Some(b)) => (a - b).abs() < 1e-9,
                (a, b) => a.is_none() && b.is_none(),
            };
            assert!(
                close(got.learning_ms_per_s, want.learning_ms_per_s)
                    && close(got.rest_ms_per_s, want.rest_ms_per_s)
                    && close(got.secs_to_rest, want.secs_to_rest),
                "{what}: {got:?}"
            );
        }
    }
}
