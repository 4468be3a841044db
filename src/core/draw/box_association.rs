//! Untracked boxes of two events of one model matched to each other, so sparse detections without track ids move between events.
//!
//! VAS models run at a few inferences per second and often carry no track
//! id. Held from one event to the next, a walking person's box is one to two
//! frames of motion behind on most frames. Between two events of a model, a
//! box without a track id is matched to one of the next event's untracked
//! boxes of the same label when the pair passes gates on size and centre
//! shift, measured in the boxes' own size (so they hold whatever the frame's
//! aspect or resolution), and when the match is unambiguous: each box is the
//! other's best candidate by a clear margin. A box with no such match is
//! held, as before; a wrong match would draw a box where no object is.

use crate::core::events::detection::{Detection, NormRect};

/// Widest centre shift between the two events, per axis, in mean box widths
/// (heights): a person walking across its own width in the 2.5 model
/// intervals that interpolation bridges at most.
pub const MAX_CENTRE_SHIFT_IN_SIZES: f64 = 1.0;
/// Largest change of width (height) between the two events, as a ratio.
pub const MAX_SIZE_RATIO: f64 = 1.5;
/// A match must cost at most half of the next candidate of either box
/// (less this floor), else the pair is held, not guessed (two people crossing).
pub const AMBIGUITY_FLOOR: f64 = 0.05;
/// Above this many untracked boxes in either event nothing is matched (all
/// are held): the per-frame cost stays within `MAX_BOXES`^2 pair checks.
pub const MAX_BOXES: usize = 64;

/// What the gates and the cost read of a box: its label, size and centre.
struct Shape<'a> {
    label: &'a str,
    width: f64,
    height: f64,
    centre_x: f64,
    centre_y: f64,
}

impl<'a> Shape<'a> {
    /// `None` for a detection without a box of positive, finite size.
    fn of(d: &'a Detection) -> Option<Self> {
        let rect: NormRect = d.rect?;
        let (width, height) = (rect.x_max - rect.x_min, rect.y_max - rect.y_min);
        let ok = |v: f64| v.is_finite() && v > 0.0;
        (ok(width) && ok(height) && rect.x_min.is_finite() && rect.y_min.is_finite()).then(|| {
            Shape {
                label: &d.label,
                width,
                height,
                centre_x: rect.x_min + width / 2.0,
                centre_y: rect.y_min + height / 2.0,
            }
        })
    }

    /// The cost of moving this box onto `to`, or `None` when a gate refuses the pair.
    fn cost_to(&self, to: &Shape) -> Option<f64> {
        if self.label != to.label {
            return None;
        }
        // In halves: two boxes near f64::MAX wide (hostile data) keep a finite mean.
        let (mean_w, mean_h) =
            (self.width / 2.0 + to.width / 2.0, self.height / 2.0 + to.height / 2.0);
        let (dx, dy) =
            ((to.centre_x - self.centre_x) / mean_w, (to.centre_y - self.centre_y) / mean_h);
        let size_ok = |a: f64, b: f64| b <= a * MAX_SIZE_RATIO && a <= b * MAX_SIZE_RATIO;
        if dx.abs() > MAX_CENTRE_SHIFT_IN_SIZES
            || dy.abs() > MAX_CENTRE_SHIFT_IN_SIZES
            || !size_ok(self.width, to.width)
            || !size_ok(self.height, to.height)
        {
            return None;
        }
        let (dw, dh) = ((to.width - self.width) / mean_w, (to.height - self.height) / mean_h);
        let cost = dx * dx + dy * dy + dw * dw + dh * dh;
        cost.is_finite().then_some(cost)
    }
}

/// The cost of moving `from` onto `to`, or `None` when a gate refuses the pair.
/// 0 for the same box; the squared centre shift and size change, each per axis in mean sizes.
pub fn pair_cost(from: &Detection, to: &Detection) -> Option<f64> {
    Shape::of(from)?.cost_to(&Shape::of(to)?)
}

/// The lowest cost of `costs`, where it is, and the second lowest (infinite when alone).
fn best_two(costs: impl Iterator<Item = (usize, f64)>) -> Option<(usize, f64, f64)> {
    let mut best: Option<(usize, f64)> = None;
    let mut second = f64::INFINITY;
    for (k, c) in costs {
        match best {
            Some((_, b)) if c >= b => second = second.min(c),
            Some((_, b)) => {
                second = b;
                best = Some((k, c));
            }
            None => best = Some((k, c)),
        }
    }
    best.map(|(k, c)| (k, c, second))
}

/// The best candidate is clearly better than the next one.
fn clear(best: f64, second: f64) -> bool {
    best * 2.0 + AMBIGUITY_FLOOR <= second
}

/// For each box of `from`, the index in `to` of its match, if any. Matches
/// are one to one, same label, within the gates, and unambiguous.
pub fn match_untracked(from: &[&Detection], to: &[&Detection]) -> Vec<Option<usize>> {
    let mut matched = vec![None; from.len()];
    if from.len() > MAX_BOXES || to.len() > MAX_BOXES || to.is_empty() {
        return matched;
    }
    let shapes_to: Vec<Option<Shape>> = to.iter().map(|d| Shape::of(d)).collect();
    // Row-major: the cost of from[i] onto to[j] at i * to.len() + j.
    let costs: Vec<Option<f64>> = from
        .iter()
        .flat_map(|a| {
            let shape = Shape::of(a);
            shapes_to.iter().map(move |b| shape.as_ref()?.cost_to(b.as_ref()?))
        })
        .collect();
    let cost = |i: usize, j: usize| costs[i * to.len() + j];
    for (i, slot) in matched.iter_mut().enumerate() {
        let Some((j, c, second)) = best_two((0..to.len()).filter_map(|j| Some((j, cost(i, j)?))))
        else {
            continue;
        };
        if !clear(c, second) {
            continue;
        }
        let Some((back, _, back_second)) =
            best_two((0..from.len()).filter_map(|k| Some((k, cost(k, j)?))))
        else {
            continue;
        };
        if back == i && clear(c, back_second) {
            *slot = Some(j);
        }
    }
    matched
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An untracked box of `label` with its top-left corner at (x, y), `w` by `h`.
    fn det(label: &str, x: f64, y: f64, w: f64, h: f64) -> Detection {
        Detection {
            rect: Some(NormRect { x_min: x, y_min: y, x_max: x + w, y_max: y + h }),
            label: label.into(),
            confidence: None,
            track_id: None,
            keypoints: Vec::new(),
        }
    }

    fn matches(from: &[Detection], to: &[Detection]) -> Vec<Option<usize>> {
        match_untracked(&from.iter().collect::<Vec<_>>(), &to.iter().collect::<Vec<_>>())
    }

    #[test]
    fn matches_follow_label_gates_and_ambiguity() {
        let person = |x: f64| det("person", x, 0.4, 0.1, 0.3);
        type Case = (&'static str, Vec<Detection>, Vec<Detection>, Vec<Option<usize>>);
        let cases: Vec<Case> = vec![
            (
                "one person walked half its width",
                vec![person(0.20)],
                vec![person(0.25)],
                vec![Some(0)],
            ),
            (
                "a full width is still the same person",
                vec![person(0.20)],
                vec![person(0.30)],
                vec![Some(0)],
            ),
            ("more than its width is not", vec![person(0.20)], vec![person(0.31)], vec![None]),
            (
                "another label is never matched",
                vec![person(0.20)],
                vec![det("car", 0.2, 0.4, 0.1, 0.3)],
                vec![None],
            ),
            (
                "a box twice as wide is another object",
                vec![person(0.20)],
                vec![det("person", 0.2, 0.4, 0.2, 0.3)],
                vec![None],
            ),
            (
                "no box without a rect",
                vec![Detection { rect: None, ..person(0.2) }],
                vec![person(0.2)],
                vec![None],
            ),
            (
                "two people apart each keep their own",
                vec![person(0.10), person(0.60)],
                vec![person(0.62), person(0.12)],
                vec![Some(1), Some(0)],
            ),
            (
                "two people crossing are held, not guessed",
                vec![person(0.40), person(0.46)],
                vec![person(0.43), person(0.43)],
                vec![None, None],
            ),
            (
                "one of two left: the nearer moves, one to one",
                vec![person(0.10), person(0.16)],
                vec![person(0.11)],
                vec![Some(0), None],
            ),
            ("nothing next: all held", vec![person(0.10)], vec![], vec![None]),
        ];
        for (what, from, to, expect) in cases {
            assert_eq!(matches(&from, &to), expect, "{what}");
        }
    }

    #[test]
    fn too_many_boxes_are_all_held() {
        let many: Vec<Detection> =
            (0..=MAX_BOXES).map(|i| det("p", i as f64 / 100.0, 0.0, 0.005, 0.01)).collect();
        assert!(matches(&many, &many).iter().all(Option::is_none));
        let fit = &many[..MAX_BOXES];
        assert!(matches(fit, fit).iter().enumerate().all(|(i, m)| *m == Some(i)));
    }

    #[test]
    fn broken_rects_are_refused_not_panicked_on() {
        let bad = [f64::NAN, f64::INFINITY, -1.0, 0.0];
        for v in bad {
            let b = Detection {
                rect: Some(NormRect { x_min: 0.1, y_min: 0.1, x_max: v, y_max: 0.2 }),
                ..det("p", 0.0, 0.0, 0.1, 0.1)
            };
            assert_eq!(pair_cost(&b, &det("p", 0.1, 0.1, 0.1, 0.1)), None, "{v}");
        }
    }
}
