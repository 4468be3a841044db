//! Frame selection: which detections belong to the frame on screen, per model.
//!
//! Models run slower than the video (2-10 inferences per second on 30 fps),
//! so most frames have no event of their own. For a frame at wall time `t`:
//! an event within half a frame of `t` is that frame's event; otherwise the
//! latest earlier event is held for at most a max age derived from the
//! model's observed interval; when the next event is known too and the gap is
//! a normal one, boxes sharing a track id, and untracked boxes matched by
//! label, size and position (`box_association`), are interpolated linearly. Only one
//! instant is ever drawn per model, so boxes of several frames never stack,
//! and nothing from a later frame is ever shown on its own.

use std::collections::HashMap;

use crate::core::draw::box_association;
use crate::core::events::detection::{Detection, NormPoint, NormRect};
use crate::core::events::event_store::{EventStore, ModelTimeline, StoredEvent};
use crate::core::time::{Micros, UnixMicros, MICROS_PER_MILLI, MICROS_PER_SEC};

/// Tolerances of a selection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SelectionParams {
    /// An event this close to the frame time is that frame's event: half a
    /// frame interval, so the nearest frame wins.
    pub frame_tolerance: Micros,
    /// How far back track trails reach; 0 turns them off.
    pub trail_span: Micros,
}

impl Default for SelectionParams {
    fn default() -> Self {
        // Half of a 30 fps frame interval.
        Self { frame_tolerance: 16_666, trail_span: MICROS_PER_SEC }
    }
}

/// Used until a model has shown at least two distinct event times.
pub const DEFAULT_MAX_AGE: Micros = MICROS_PER_SEC;
const MIN_MAX_AGE: Micros = 50 * MICROS_PER_MILLI;
const MAX_MAX_AGE: Micros = 3 * MICROS_PER_SEC;

/// How long a model's last event may be held: 1.5 times its usual interval,
/// so one late inference does not blank the overlay but a stopped model does.
pub fn max_hold(timeline: &ModelTimeline) -> Micros {
    timeline
        .median_interval()
        .map_or(DEFAULT_MAX_AGE, |i| (i.saturating_mul(3) / 2).clamp(MIN_MAX_AGE, MAX_MAX_AGE))
}

/// The widest gap bridged by interpolation: 2.5 intervals, so a single
/// missing inference is bridged and a real absence is not.
pub fn max_interpolation_gap(timeline: &ModelTimeline) -> Micros {
    timeline
        .median_interval()
        .map_or(DEFAULT_MAX_AGE, |i| (i.saturating_mul(5) / 2).clamp(MIN_MAX_AGE, MAX_MAX_AGE))
}

/// How a model's detections for a frame were obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectionKind {
    /// The frame's own event.
    Exact,
    /// An earlier event, still young enough.
    Held,
    /// Between two known events; tracked and matched untracked boxes moved linearly.
    Interpolated,
}

/// One model's contribution to a frame.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelFrame<'a> {
    pub model_id: &'a str,
    pub kind: SelectionKind,
    /// Time of the event the detections come from (the earlier one when interpolated).
    pub event_time: UnixMicros,
    pub detections: Vec<Detection>,
    /// Recent centres per track id, oldest first, ending at the drawn position.
    pub trails: Vec<(i64, Vec<NormPoint>)>,
}

/// Selects, for every model in the store, the detections of the frame at `frame_time`.
pub fn select_frame<'a>(
    store: &'a EventStore,
    frame_time: UnixMicros,
    params: &SelectionParams,
) -> Vec<ModelFrame<'a>> {
    store
        .models()
        .filter_map(|(model_id, timeline)| select_model(model_id, timeline, frame_time, params))
        .collect()
}

/// Every box of every model at `at`, without trails, moving continuously
/// with time: what the picture calibration compares with the picture's
/// motion. No event is snapped to (no frame tolerance): at 30 events a
/// second a snapped box would move in steps of a frame, and the calibration's
/// score with it, which biases its estimate by up to half a frame.
pub fn boxes_at(store: &EventStore, at: UnixMicros) -> Vec<NormRect> {
    let params = SelectionParams { trail_span: 0, frame_tolerance: 0 };
    select_frame(store, at, &params)
        .into_iter()
        .flat_map(|m| m.detections)
        .filter_map(|d| d.rect)
        .collect()
}

/// Events sharing the timestamp of `events[i]` (one frame may carry several rows).
fn same_instant(events: &[std::rc::Rc<StoredEvent>], i: usize) -> &[std::rc::Rc<StoredEvent>] {
    let t = events[i].timestamp;
    let lo = events[..i].iter().rposition(|e| e.timestamp != t).map_or(0, |p| p + 1);
    let hi = events[i..].iter().position(|e| e.timestamp != t).map_or(events.len(), |p| i + p);
    &events[lo..hi]
}

fn detections_of(group: &[std::rc::Rc<StoredEvent>]) -> Vec<Detection> {
    group.iter().flat_map(|e| e.detections.iter().cloned()).collect()
}

fn select_model<'a>(
    model_id: &'a str,
    timeline: &'a ModelTimeline,
    t: UnixMicros,
    params: &SelectionParams,
) -> Option<ModelFrame<'a>> {
    let events = timeline.events();
    let tol = params.frame_tolerance.max(0);
    // First event not before the frame's window; everything before it is earlier.
    let lo = timeline.first_at_or_after(t.plus(-tol));
    let hi = timeline.first_after(t.plus(tol));
    let (kind, event_time, detections) = if lo < hi {
        // Nearest event inside the window; on a tie the earlier one (never prefer the future).
        let best =
            (lo..hi).min_by_key(|&i| (events[i].timestamp.since(t).abs(), events[i].timestamp))?;
        let group = same_instant(events, best);
        (SelectionKind::Exact, events[best].timestamp, detections_of(group))
    } else {
        let prev_i = lo.checked_sub(1)?;
        let prev = same_instant(events, prev_i);
        let prev_t = events[prev_i].timestamp;
        let age = t.since(prev_t);
        let next = events.get(hi).map(|e| (e.timestamp, same_instant(events, hi)));
        match next {
            Some((next_t, next_group))
                if next_t.since(prev_t) <= max_interpolation_gap(timeline) =>
            {
                let alpha = age as f64 / next_t.since(prev_t) as f64;
                (SelectionKind::Interpolated, prev_t, interpolate(prev, next_group, alpha))
            }
            _ if age <= max_hold(timeline) => (SelectionKind::Held, prev_t, detections_of(prev)),
            _ => return None,
        }
    };
    let trails = if params.trail_span > 0 {
        trails_for(timeline, &detections, t, params)
    } else {
        Vec::new()
    };
    Some(ModelFrame { model_id, kind, event_time, detections, trails })
}

/// Moves each detection of `prev` toward its match in `next`: the same track
/// id, or for an untracked box an unambiguous match of the same label within
/// the gates of [`box_association`]. Untracked boxes without a match are held
/// as they were; tracked ones absent from `next` are dropped.
fn interpolate(
    prev: &[std::rc::Rc<StoredEvent>],
    next: &[std::rc::Rc<StoredEvent>],
    alpha: f64,
) -> Vec<Detection> {
    let alpha = alpha.clamp(0.0, 1.0);
    let by_track: HashMap<i64, &Detection> = next
        .iter()
        .flat_map(|e| e.detections.iter())
        .filter_map(|d| d.track_id.map(|id| (id, d)))
        .collect();
    let (from, to) = (untracked(prev), untracked(next));
    let mut untracked_matches = box_association::match_untracked(&from, &to).into_iter();
    prev.iter()
        .flat_map(|e| e.detections.iter())
        .filter_map(|d| {
            let to = match d.track_id {
                // Same order as `from`: the untracked boxes of `prev` in turn.
                None => match untracked_matches.next().flatten() {
                    Some(j) => to[j],
                    None => return Some(d.clone()),
                },
                // A track missing from the next known event has ended (or was lost):
                // it is not drawn after the event that last saw it.
                Some(id) => by_track.get(&id)?,
            };
            Some(moved(d, to, alpha))
        })
        .collect()
}

/// The detections without a track id of one instant, in order.
fn untracked(group: &[std::rc::Rc<StoredEvent>]) -> Vec<&Detection> {
    group.iter().flat_map(|e| e.detections.iter()).filter(|d| d.track_id.is_none()).collect()
}

/// `from` moved toward `to` by `alpha`: its box, and its keypoints when both have the same number.
fn moved(from: &Detection, to: &Detection, alpha: f64) -> Detection {
    let mut out = from.clone();
    if let (Some(a), Some(b)) = (from.rect, to.rect) {
        out.rect = Some(a.lerp(b, alpha));
    }
    if from.keypoints.len() == to.keypoints.len() {
        out.keypoints = from
            .keypoints
            .iter()
            .zip(&to.keypoints)
            .map(|(p, q)| NormPoint { x: p.x + (q.x - p.x) * alpha, y: p.y + (q.y - p.y) * alpha })
            .collect();
    }
    out
}

fn centre(d: &Detection) -> Option<NormPoint> {
    d.rect.map(|r| NormPoint { x: (r.x_min + r.x_max) / 2.0, y: (r.y_min + r.y_max) / 2.0 })
}

/// Most points in one trail.
const MAX_TRAIL_POINTS: usize = 64;

/// The recent path of every track drawn in this frame: centres of the
/// model's earlier events within the trail span, then the drawn position.
fn trails_for(
    timeline: &ModelTimeline,
    drawn: &[Detection],
    t: UnixMicros,
    params: &SelectionParams,
) -> Vec<(i64, Vec<NormPoint>)> {
    let tracked: Vec<(i64, NormPoint)> =
        drawn.iter().filter_map(|d| Some((d.track_id?, centre(d)?))).collect();
    if tracked.is_empty() {
        return Vec::new();
    }
    let mut paths: HashMap<i64, Vec<NormPoint>> =
        tracked.iter().map(|(id, _)| (*id, Vec::new())).collect();
    // Only events strictly before the frame: a trail never shows the future.
    for e in timeline.between(t.plus(-params.trail_span), t.plus(-1)) {
        for d in &e.detections {
            if let (Some(id), Some(c)) = (d.track_id, centre(d)) {
                if let Some(path) = paths.get_mut(&id) {
                    path.push(c);
                }
            }
        }
    }
    tracked
        .into_iter()
        .filter_map(|(id, now)| {
            let mut path = paths.remove(&id)?;
            path.push(now);
            if path.len() > MAX_TRAIL_POINTS {
                path.drain(..path.len() - MAX_TRAIL_POINTS);
            }
            (path.len() >= 2).then_some((id, path))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::events::event_store::StoreLimits;
    use crate::core::events::wire::WireEvent;
    use serde_json::json;

    const MS: i64 = 1000;

    /// An event at `t_ms` with boxes `(track, x_min)`; every box is 0.1 wide.
    fn ev(model: &str, t_ms: i64, boxes: &[(Option<i64>, f64)]) -> WireEvent {
        let dets: Vec<_> = boxes
            .iter()
            .map(|(track, x)| json!({"class_name": "obj", "bbox": [x, 0.1, x + 0.1, 0.2], "track_id": track}))
            .collect();
        WireEvent {
            id: format!("{model}-{t_ms}-{}", boxes.len()),
            camera_id: None,
            model_id: model.into(),
            timestamp: UnixMicros(t_ms * MS),
            frame_id: None,
            detections: json!({ "detections": dets }),
            confidence: None,
            event_metadata: None,
        }
    }

    fn store(events: Vec<WireEvent>) -> EventStore {
        let mut s = EventStore::new(StoreLimits::default());
        s.ingest(events);
        s
    }

    /// (kind, x_min of each box) for one model at `t_ms`.
    fn pick(s: &EventStore, model: &str, t_ms: i64) -> Option<(SelectionKind, Vec<f64>)> {
        let params = SelectionParams { trail_span: 0, ..SelectionParams::default() };
        select_frame(s, UnixMicros(t_ms * MS), &params)
            .into_iter()
            .find(|m| m.model_id == model)
            .map(|m| {
                (
                    m.kind,
                    m.detections
                        .iter()
                        .map(|d| (d.rect.unwrap().x_min * 1000.0).round() / 1000.0)
                        .collect(),
                )
            })
    }

    /// A 10 Hz model: track 1 moves 0.1 per event.
    fn ten_hz() -> EventStore {
        store((0..5).map(|i| ev("m", i * 100, &[(Some(1), 0.1 * i as f64)])).collect())
    }

    #[test]
    fn exact_interpolated_held_and_expired() {
        let s = ten_hz();
        use SelectionKind::*;
        type Case = (i64, Option<(SelectionKind, Vec<f64>)>);
        let cases: &[Case] = &[
            (-20, None), // before the first event: nothing from the future
            (0, Some((Exact, vec![0.0]))),
            (10, Some((Exact, vec![0.0]))), // within half a frame
            (50, Some((Interpolated, vec![0.05]))),
            (133, Some((Interpolated, vec![0.133]))),
            (400, Some((Exact, vec![0.4]))),
            (500, Some((Held, vec![0.4]))), // no next event: hold
            (550, Some((Held, vec![0.4]))), // 150 ms = 1.5 intervals: still held
            (551, None),                    // expired
        ];
        for (t, expect) in cases {
            assert_eq!(&pick(&s, "m", *t), expect, "t={t}");
        }
    }

    #[test]
    fn untracked_boxes_hold_new_tracks_wait_and_ended_tracks_go() {
        // Event 0: track 1 and an untracked box. Event 100: track 1 moved, track 2 new.
        // Event 200: only track 1; track 2 ended.
        let s = store(vec![
            ev("m", 0, &[(Some(1), 0.0), (None, 0.5)]),
            ev("m", 100, &[(Some(1), 0.2), (Some(2), 0.7)]),
            ev("m", 200, &[(Some(1), 0.4)]),
        ]);
        let (kind, xs) = pick(&s, "m", 50).unwrap();
        assert_eq!(kind, SelectionKind::Interpolated);
        assert_eq!(xs, vec![0.1, 0.5], "track 2 is not shown before its own event");
        assert_eq!(pick(&s, "m", 100).unwrap().1, vec![0.2, 0.7]);
        assert_eq!(pick(&s, "m", 150).unwrap().1, vec![0.3], "track 2 is gone by the next event");
    }

    #[test]
    fn untracked_boxes_move_when_matched_and_hold_when_not() {
        // A 5 Hz model without a tracker: one person walks 0.05 per event;
        // a second untracked box appears far away at 200 ms.
        let s = store(vec![
            ev("m", 0, &[(None, 0.30)]),
            ev("m", 200, &[(None, 0.35), (None, 0.80)]),
            ev("m", 400, &[(None, 0.40)]),
        ]);
        use SelectionKind::*;
        assert_eq!(
            pick(&s, "m", 100),
            Some((Interpolated, vec![0.325])),
            "moved halfway, the new box not shown early"
        );
        assert_eq!(
            pick(&s, "m", 250),
            Some((Interpolated, vec![0.363, 0.8])),
            "moved a quarter; the unmatched box holds"
        );
        // A box that jumps more than its own width is another object: held.
        let jump = store(vec![ev("m", 0, &[(None, 0.30)]), ev("m", 200, &[(None, 0.45)])]);
        assert_eq!(pick(&jump, "m", 100), Some((Interpolated, vec![0.3])));
    }

    #[test]
    fn gaps_are_not_bridged() {
        // 10 Hz for a while, then a 1 s hole: no interpolation across it.
        let mut events: Vec<_> = (0..10).map(|i| ev("m", i * 100, &[(Some(1), 0.0)])).collect();
        events.push(ev("m", 1900, &[(Some(1), 0.9)]));
        let s = store(events);
        assert_eq!(pick(&s, "m", 1000), Some((SelectionKind::Held, vec![0.0])));
        assert_eq!(pick(&s, "m", 1100), None);
        assert_eq!(pick(&s, "m", 1890), Some((SelectionKind::Exact, vec![0.9])));
    }

    #[test]
    fn models_are_selected_independently() {
        let mut events: Vec<_> = (0..5).map(|i| ev("fast", i * 100, &[(Some(1), 0.1)])).collect();
        events.extend((0..3).map(|i| ev("slow", i * 500, &[(Some(9), 0.3)])));
        let s = store(events);
        let frame = select_frame(&s, UnixMicros(700 * MS), &SelectionParams::default());
        let models: Vec<_> = frame.iter().map(|m| (m.model_id, m.kind)).collect();
        // fast expired 300 ms after its last event; slow interpolates between 500 and 1000.
        assert_eq!(models, [("slow", SelectionKind::Interpolated)]);
    }

    #[test]
    fn rows_of_one_frame_are_merged_not_stacked_with_other_frames() {
        let mut a = ev("m", 100, &[(Some(1), 0.1)]);
        a.id = "row-a".into();
        let mut b = ev("m", 100, &[(Some(2), 0.5)]);
        b.id = "row-b".into();
        let s = store(vec![ev("m", 0, &[(Some(1), 0.0)]), a, b, ev("m", 200, &[(Some(1), 0.2)])]);
        assert_eq!(pick(&s, "m", 100), Some((SelectionKind::Exact, vec![0.1, 0.5])));
    }

    #[test]
    fn unsorted_input_selects_the_same() {
        let sorted = ten_hz();
        let s =
            store((0..5).rev().map(|i| ev("m", i * 100, &[(Some(1), 0.1 * i as f64)])).collect());
        for t in [0, 50, 133, 400, 560] {
            assert_eq!(pick(&s, "m", t), pick(&sorted, "m", t));
        }
    }

    #[test]
    fn trails_end_at_the_drawn_box_and_never_look_ahead() {
        let s = ten_hz();
        let frame = select_frame(&s, UnixMicros(250 * MS), &SelectionParams::default());
        let (id, path) = &frame[0].trails[0];
        assert_eq!(*id, 1);
        let xs: Vec<f64> = path.iter().map(|p| (p.x * 1000.0).round() / 1000.0).collect();
        assert_eq!(xs, vec![0.05, 0.15, 0.25, 0.3]);
    }
}
