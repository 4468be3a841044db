//! The estimator on synthetic scenes: people walking over a textured background, seen at 30 fps, with events at a model's rate on a clock offset from the frames'.

use super::*;
use crate::core::draw::selection;
use crate::core::events::event_store::{EventStore, StoreLimits};
use crate::core::events::wire::WireEvent;
use serde_json::json;

const T0: i64 = 1_767_614_400_000_000;
const FRAME_US: i64 = 33_333;
/// Offsets of up to 2 s, plus the half-width of a walker's run of offsets (its width over its speed).
const SEARCH_US: i64 = 3_500_000;

/// A walker: a box bouncing between x = 0.05 and 0.85 at `speed` (frame widths per second).
#[derive(Clone, Copy)]
struct Walker {
    x0: f64,
    speed: f64,
    y: (f64, f64),
    width: f64,
}

impl Walker {
    /// Its box at `t_us` (true time).
    fn rect(&self, t_us: i64) -> NormRect {
        let travel = 0.8 - self.width;
        let s = (self.x0 - 0.05 + self.speed * (t_us - T0) as f64 / 1e6).rem_euclid(2.0 * travel);
        let x = 0.05 + if s < travel { s } else { 2.0 * travel - s };
        NormRect { x_min: x, y_min: self.y.0, x_max: x + self.width, y_max: self.y.1 }
    }
}

const WALKERS: [Walker; 2] = [
    Walker { x0: 0.10, speed: 0.12, y: (0.40, 0.78), width: 0.08 },
    Walker { x0: 0.60, speed: -0.09, y: (0.15, 0.45), width: 0.06 },
];

/// A tiny deterministic generator (xorshift).
fn noise(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

/// The 64 x 36 luma frame at true time `t_us`: a fixed texture, the walkers
/// drawn bright with their edges covering cells in part, and +-2 of codec noise.
fn frame(walkers: &[Walker], t_us: i64, seed: &mut u64) -> Vec<u8> {
    let (w, h) = (64usize, 36usize);
    let rects: Vec<NormRect> = walkers.iter().map(|p| p.rect(t_us)).collect();
    let mut out = Vec::with_capacity(w * h);
    for y in 0..h {
        for x in 0..w {
            let background = 20.0 + ((x * 7919 + y * 104_729) % 100) as f64;
            let cell = (
                x as f64 / w as f64,
                y as f64 / h as f64,
                (x + 1) as f64 / w as f64,
                (y + 1) as f64 / h as f64,
            );
            let cover: f64 = rects
                .iter()
                .map(|r| {
                    let ox = (r.x_max.min(cell.2) - r.x_min.max(cell.0)).max(0.0) * w as f64;
                    let oy = (r.y_max.min(cell.3) - r.y_min.max(cell.1)).max(0.0) * h as f64;
                    ox * oy
                })
                .sum::<f64>()
                .min(1.0);
            let jitter = (noise(seed) % 5) as f64 - 2.0;
            out.push((background * (1.0 - cover) + 220.0 * cover + jitter).clamp(0.0, 255.0) as u8);
        }
    }
    out
}

/// A store of events at `per_second`, true times, the walkers' true boxes (`boxes_of` may move them).
fn events(
    walkers: &[Walker],
    per_second: i64,
    tracked: bool,
    seconds: i64,
    boxes_of: impl Fn(i64, usize) -> NormRect,
) -> EventStore {
    let mut store = EventStore::new(StoreLimits::default());
    let step = 1_000_000 / per_second;
    let page: Vec<WireEvent> = (0..seconds * per_second)
        .map(|j| {
            let t = T0 + j * step;
            let dets: Vec<_> = (0..walkers.len())
                .map(|i| {
                    let r = boxes_of(t, i);
                    let track = if tracked { json!(i + 1) } else { serde_json::Value::Null };
                    json!({"class_name": "person", "bbox": [r.x_min, r.y_min, r.x_max, r.y_max], "track_id": track})
                })
                .collect();
            WireEvent {
                id: format!("e{j}"),
                camera_id: None,
                model_id: "m".into(),
                timestamp: UnixMicros(t),
                frame_id: None,
                detections: json!({ "detections": dets }),
                confidence: None,
                event_metadata: None,
            }
        })
        .collect();
    store.ingest(page);
    store
}

fn boxes_at(store: &EventStore) -> impl FnMut(UnixMicros) -> Vec<NormRect> + '_ {
    move |t| selection::boxes_at(store, t)
}

/// Frames of `seconds` seconds, from 2 s in, shown with the page's clock
/// `offset_us` behind the events' (event time = frame time + offset).
fn watch(walkers: &[Walker], store: &EventStore, offset_us: i64, seconds: i64) -> Estimate {
    let mut calibration = PictureOffset::new(OffsetParams::within(SEARCH_US));
    let mut seed = 0x9e37_79b9_7f4a_7c15;
    let first = T0 + 3_000_000;
    for k in 0..seconds * 30 {
        let t_true = first + k * FRAME_US;
        assert!(calibration
            .push_frame(UnixMicros(t_true - offset_us), &frame(walkers, t_true, &mut seed)));
    }
    calibration.estimate(boxes_at(store))
}

#[test]
fn the_offset_is_found_at_every_rate_with_and_without_tracks() {
    let mut worst = 0i64;
    for per_second in [30, 10, 5] {
        for tracked in [true, false] {
            let store = events(&WALKERS, per_second, tracked, 20, |t, i| WALKERS[i].rect(t));
            for offset in [0, FRAME_US, -FRAME_US, 500_000, -500_000, 2_000_000, -2_000_000] {
                let found = watch(&WALKERS, &store, offset, 6);
                let Estimate::Found { offset_us, uncertainty_us, .. } = found else {
                    panic!("{per_second}/s tracked {tracked} offset {offset}: {found:?}");
                };
                let error = (offset_us - offset).abs();
                worst = worst.max(error);
                assert!(
                    error <= FRAME_US / 4,
                    "{per_second}/s tracked {tracked} offset {offset}: {found:?}"
                );
                assert!(uncertainty_us <= FRAME_US / 2, "{found:?}");
            }
        }
    }
    println!("picture offset: worst error {worst} us over rates, tracks and offsets");
}

#[test]
fn a_static_scene_no_boxes_or_unexplained_motion_give_no_offset() {
    let still = [Walker { speed: 0.0, ..WALKERS[0] }, Walker { speed: 0.0, ..WALKERS[1] }];
    let store = events(&still, 10, true, 20, |t, i| still[i].rect(t));
    assert!(
        matches!(
            watch(&still, &store, 0, 6),
            Estimate::Unsure(Unsure::TooFewSamples { usable: 0 })
        ),
        "static"
    );

    let empty = EventStore::new(StoreLimits::default());
    assert_eq!(
        watch(&WALKERS, &empty, 0, 6),
        Estimate::Unsure(Unsure::TooFewSamples { usable: 0 }),
        "no boxes"
    );

    // Boxes of objects that are not in the picture: still, in a corner.
    let elsewhere = events(&WALKERS, 10, true, 20, |_, i| NormRect {
        x_min: 0.9,
        y_min: 0.05 + 0.1 * i as f64,
        x_max: 0.98,
        y_max: 0.12 + 0.1 * i as f64,
    });
    assert!(
        matches!(watch(&WALKERS, &elsewhere, 0, 6), Estimate::Unsure(Unsure::NoPeak)),
        "boxes that explain nothing"
    );
}

#[test]
fn frames_of_the_wrong_size_and_gaps_are_not_samples() {
    let mut c = PictureOffset::new(OffsetParams::within(1_000_000));
    assert!(!c.push_frame(UnixMicros(T0), &[0; 10]));
    assert!(c.push_frame(UnixMicros(T0), &[0; 64 * 36]));
    assert!(c.push_frame(UnixMicros(T0 - 1), &[9; 64 * 36]), "a frame back in time starts over");
    assert!(c.push_frame(UnixMicros(T0 + 5_000_000), &[9; 64 * 36]), "so does a frame long after");
    assert_eq!(c.sample_count(), 0);
    assert!(c.push_frame(UnixMicros(T0 + 5_033_333), &[0; 64 * 36]));
    assert_eq!(c.sample_count(), 1);
    c.reset();
    assert_eq!(c.sample_count(), 0);
}

#[test]
fn a_scan_spread_over_frames_ends_as_the_one_go() {
    let store = events(&WALKERS, 5, false, 20, |t, i| WALKERS[i].rect(t));
    let mut calibration = PictureOffset::new(OffsetParams::within(SEARCH_US));
    let mut seed = 7;
    for k in 0..180 {
        let t_true = T0 + 3_000_000 + k * FRAME_US;
        calibration.push_frame(UnixMicros(t_true - 500_000), &frame(&WALKERS, t_true, &mut seed));
    }
    let whole = calibration.estimate(boxes_at(&store));
    let mut scan = calibration.begin_scan();
    let mut boxes = boxes_at(&store);
    let mut calls = 0;
    let spread = loop {
        calls += 1;
        if let Some(estimate) = scan.step(2, &mut boxes) {
            break estimate;
        }
    };
    assert_eq!(spread, whole);
    assert!(matches!(whole, Estimate::Found { .. }), "{whole:?}");
    // Two offsets a call: the coarse range, then both edges of three curves.
    let coarse = (2 * SEARCH_US / OffsetParams::within(SEARCH_US).coarse_step_us + 1) as usize;
    assert!(
        scan.offsets_scored() > coarse && calls >= scan.offsets_scored() / 2,
        "{calls} calls, {} offsets",
        scan.offsets_scored()
    );
}

/// Consecutive samples share a frame, so a scored offset selects each
/// frame's boxes once: the samples plus one per offset, not twice the samples.
#[test]
fn a_scored_offset_selects_each_frame_once() {
    let store = events(&WALKERS, 10, false, 20, |t, i| WALKERS[i].rect(t));
    let mut calibration = PictureOffset::new(OffsetParams::within(SEARCH_US));
    let mut seed = 5;
    let frames = 150;
    for k in 0..frames {
        let t_true = T0 + 3_000_000 + k * FRAME_US;
        calibration.push_frame(UnixMicros(t_true - 33_333), &frame(&WALKERS, t_true, &mut seed));
    }
    let samples = calibration.sample_count();
    assert_eq!(samples, frames as usize - 1);
    let mut selected = boxes_at(&store);
    let mut calls = 0usize;
    let mut scan = calibration.begin_scan();
    // A first step of no offsets only picks the usable samples.
    assert_eq!(scan.step(0, &mut selected), None);
    let estimate = loop {
        if let Some(e) = scan.step(usize::MAX, &mut |t| {
            calls += 1;
            selected(t)
        }) {
            break e;
        }
    };
    assert!(matches!(estimate, Estimate::Found { .. }), "{estimate:?}");
    let offsets = scan.offsets_scored();
    assert_eq!(calls, offsets * (samples + 1), "{calls} calls, {offsets} offsets");
}

/// The policy around the estimator, frame by frame as a page runs it:
/// learnt, confirmed, then at rest; the frames it took are the time to calibrate.
#[test]
fn the_calibration_learns_confirms_and_rests_on_a_page() {
    use crate::core::clock::picture_calibration::{CalibrationPolicy, PictureCalibration};
    for (per_second, tracked, offset) in
        [(30, true, FRAME_US), (10, false, -500_000), (5, false, 2_000_000)]
    {
        let store = events(&WALKERS, per_second, tracked, 40, |t, i| WALKERS[i].rect(t));
        let mut calibration = PictureCalibration::new(CalibrationPolicy::within(SEARCH_US));
        let mut boxes = boxes_at(&store);
        let mut seed = 11;
        let mut frames = 0;
        while frames < 30 * 30 {
            let now_ms = frames as f64 * 33.333;
            let t_true = T0 + 3_000_000 + frames * FRAME_US;
            if calibration.wants_frame(now_ms) {
                calibration.push_frame(
                    now_ms,
                    UnixMicros(t_true - offset),
                    &frame(&WALKERS, t_true, &mut seed),
                );
            }
            calibration.work(now_ms, &mut boxes);
            frames += 1;
            if calibration.is_resting(now_ms) {
                break;
            }
        }
        let applied = calibration.applied().expect("an offset is learnt");
        assert!(
            (applied.offset_us - offset).abs() <= FRAME_US / 4,
            "{per_second}/s: {applied:?} against {offset}"
        );
        assert!(
            calibration.is_resting(frames as f64 * 33.333),
            "{per_second}/s: resting after {frames} frames"
        );
        println!("calibration: {per_second}/s tracked {tracked} offset {offset} us: {} us after {frames} frames", applied.offset_us);
    }
}

#[test]
fn luma_weighs_rgba_as_bt601_and_ignores_alpha() {
    let rows = [
        ([0, 0, 0, 255], 0),
        ([255, 255, 255, 0], 255),
        ([255, 0, 0, 255], 76),
        ([0, 255, 0, 255], 149),
        ([0, 0, 255, 255], 28),
        ([128, 128, 128, 7], 128),
    ];
    let mut luma = vec![9; 3];
    for (rgba, want) in rows {
        luma_from_rgba(&rgba, &mut luma);
        assert_eq!(luma, [want], "{rgba:?}");
    }
    luma_from_rgba(&[1, 2, 3, 4, 5, 6], &mut luma);
    assert_eq!(luma.len(), 1, "a partial pixel is not a pixel");
}

#[test]
fn the_previous_picture_read_again_is_left_out() {
    let mut p = PictureOffset::new(OffsetParams::within(SEARCH_US));
    let mut seed = 3;
    let f = |k: i64, seed: &mut u64| frame(&WALKERS, T0 + k * FRAME_US, seed);
    let (a, b) = (f(0, &mut seed), f(1, &mut seed));
    assert!(p.push_frame(UnixMicros(T0), &a));
    assert!(p.push_frame(UnixMicros(T0 + FRAME_US), &b));
    assert_eq!(p.sample_count(), 1);
    // Frame 2 read late shows frame 1's picture: not a pair of its own.
    assert!(!p.push_frame(UnixMicros(T0 + 2 * FRAME_US), &b));
    assert_eq!(p.sample_count(), 1);
    // Frame 3 pairs with frame 1, timed midway between them (frame 2's time).
    assert!(p.push_frame(UnixMicros(T0 + 3 * FRAME_US), &f(3, &mut seed)));
    assert_eq!(p.sample_count(), 2);
    assert_eq!(p.samples.back().map(|s| s.mid_time), Some(UnixMicros(T0 + 2 * FRAME_US)));
}
