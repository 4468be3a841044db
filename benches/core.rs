//! Native benchmark of the pure core: store ingest rate, per-frame query cost by store size, payload normalization.
//!
//! A plain harness (no framework): each figure is the median of several
//! timed repetitions, printed one per line. Run it with
//! `cargo bench --bench core`; `cargo xtask bench` includes its output.
//! It prints figures and never fails on timing.

use std::hint::black_box;
use std::time::Instant;

use serde_json::{json, Value};
use vas_overlay_viewer::core::canvas_plan::CanvasPlan;
use vas_overlay_viewer::core::detection::normalize_payload;
use vas_overlay_viewer::core::event_store::{EventStore, StoreLimits};
use vas_overlay_viewer::core::geometry::{CssRect, ObjectFit, ScreenMapping, VideoPx};
use vas_overlay_viewer::core::primitive::layout_frame;
use vas_overlay_viewer::core::selection::{select_frame, SelectionParams};
use vas_overlay_viewer::core::time::UnixMicros;
use vas_overlay_viewer::core::wire::WireEvent;

const T0: i64 = 1_767_614_400_000_000;
/// Events at 30 per second.
const STEP_US: i64 = 33_333;

fn payload(i: u64, boxes: usize, tracked: bool) -> Value {
    let dets: Vec<Value> = (0..boxes)
        .map(|b| {
            let x = ((i as f64 * 0.001 + b as f64 * 0.13) % 0.8).abs();
            let track = if tracked { json!(b + 1) } else { Value::Null };
            json!({"class_id": 0, "class_name": "person", "confidence": 0.87, "bbox": [x, 0.2, x + 0.1, 0.5], "track_id": track})
        })
        .collect();
    json!({ "detections": dets })
}

fn event(i: u64, boxes: usize) -> WireEvent {
    event_of(i, boxes, true)
}

fn event_of(i: u64, boxes: usize, tracked: bool) -> WireEvent {
    WireEvent {
        id: format!("e{i}"),
        camera_id: None,
        model_id: "bench".into(),
        timestamp: UnixMicros(T0 + i as i64 * STEP_US),
        frame_id: Some(i as i64),
        detections: payload(i, boxes, tracked),
        confidence: None,
        event_metadata: None,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Microseconds per call of `f`, median over `reps` batches of `per_batch` calls.
fn time_us(reps: usize, per_batch: usize, mut f: impl FnMut(usize)) -> f64 {
    let mut samples = Vec::with_capacity(reps);
    for r in 0..reps {
        let t = Instant::now();
        for k in 0..per_batch {
            f(r * per_batch + k);
        }
        samples.push(t.elapsed().as_secs_f64() * 1e6 / per_batch as f64);
    }
    median(samples)
}

fn store_holding(n: u64, boxes: usize) -> (EventStore, f64) {
    store_of(n, boxes, true)
}

fn store_of(n: u64, boxes: usize, tracked: bool) -> (EventStore, f64) {
    let limits = StoreLimits { max_events: n as usize + 1, max_span: i64::MAX / 4 };
    let mut store = EventStore::new(limits);
    let t = Instant::now();
    let mut i = 0;
    while i < n {
        let page: Vec<WireEvent> = (i..(i + 1000).min(n)).map(|k| event_of(k, boxes, tracked)).collect();
        i += page.len() as u64;
        store.ingest(page);
    }
    (store, t.elapsed().as_secs_f64())
}

fn mapping() -> ScreenMapping {
    let element = CssRect { x: 0.0, y: 0.0, width: 1280.0, height: 720.0 };
    ScreenMapping::new(element, VideoPx { width: 1280.0, height: 720.0 }, ObjectFit::Contain, 1.0).expect("mapping")
}

/// A cheap deterministic sequence of query times within `span` microseconds.
fn random_times(span: i64, count: usize) -> Vec<UnixMicros> {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    (0..count)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            UnixMicros(T0 + (seed % span as u64) as i64)
        })
        .collect()
}

fn main() {
    let params = SelectionParams::default();
    let m = mapping();
    println!("store ingest and per-frame query by store size (one model, an event every 33 ms with 1 box):");
    for n in [10_000u64, 100_000, 1_000_000] {
        let (mut store, fill_s) = store_holding(n, 1);
        // Per-frame query: select + layout, as the overlay does for each presented frame.
        // Playback asks for consecutive frames; a seek asks for any time in the span.
        let span = n as i64 * STEP_US;
        let start = T0 + span / 2;
        let playback_us = time_us(21, 2000, |k| {
            let t = UnixMicros(start + (k as i64 % 3000) * STEP_US);
            black_box(layout_frame(&select_frame(&store, t, &params), &m));
        });
        let seeks = random_times(span, 21 * 2000);
        let seek_us = time_us(21, 2000, |k| {
            black_box(layout_frame(&select_frame(&store, seeks[k], &params), &m));
        });
        // A further page of 1000 events in time order (a live poll), payloads built beforehand.
        let pages: Vec<Vec<WireEvent>> = (0..5u64).map(|r| (n + r * 1000..n + (r + 1) * 1000).map(|k| event(k, 1)).collect()).collect();
        let mut pages = pages.into_iter();
        let page_us = time_us(5, 1, |_| {
            black_box(store.ingest(pages.next().unwrap_or_default()));
        });
        println!(
            "  holding {n:>9} events: per-frame query {playback_us:>6.2} us in playback, {seek_us:>6.2} us after a seek; \
             ingest {:>7.0} events/s into this store ({:>7.0} events/s filling it from empty)",
            1000.0 / page_us * 1e6,
            n as f64 / fill_s,
        );
    }

    println!("per-frame query by boxes per frame (an event per frame, each with all the boxes; tracked boxes also get trails):");
    for (boxes, tracked) in [10usize, 100, 1000, 5000].into_iter().flat_map(|b| [(b, false), (b, true)]) {
        let (store, _) = store_of(300, boxes, tracked);
        let t = UnixMicros(T0 + 150 * STEP_US);
        let select_us = time_us(11, 20, |_| {
            black_box(select_frame(&store, t, &params));
        });
        let query_us = time_us(11, 20, |_| {
            black_box(layout_frame(&select_frame(&store, t, &params), &m));
        });
        let primitives = layout_frame(&select_frame(&store, t, &params), &m).primitives;
        let mut plan = CanvasPlan::default();
        let plan_us = time_us(11, 20, |_| plan.rebuild(&primitives, 1.0));
        println!(
            "  {boxes:>5} boxes{}: select {select_us:>8.1} us, select + layout {query_us:>8.1} us ({:.3} us per box); \
             canvas plan {plan_us:>7.1} us, {} of {} chips hidden",
            if tracked { ", tracked" } else { "         " },
            query_us / boxes as f64,
            plan.hidden_labels,
            plan.hidden_labels + plan.labels.len()
        );
    }
    println!("payload normalization, per detection:");
    let meta = json!({"frame_width": 1280, "frame_height": 720});
    let shapes: Vec<(&str, Value)> = vec![
        (
            "canonical corner bbox, normalized",
            json!({"detections": (0..100).map(|i| json!({"class_id": 0, "class_name": "person", "confidence": 0.9, "bbox": [0.1, 0.2, 0.3 + i as f64 * 1e-3, 0.8], "track_id": i})).collect::<Vec<_>>()}),
        ),
        (
            "corner bbox in pixels (objects)",
            json!({"objects": (0..100).map(|i| json!({"class": "person", "bbox": [128, 72, 384 + i, 648], "confidence": 0.95})).collect::<Vec<_>>()}),
        ),
        (
            "x/y/w/h normalized (boxes)",
            json!({"boxes": (0..100).map(|i| json!({"x": 0.5, "y": 0.3, "w": 0.2, "h": 0.4 - i as f64 * 1e-3, "class": "person", "confidence": 0.95})).collect::<Vec<_>>()}),
        ),
        (
            "left/top/width/height in pixels",
            json!({"objects": (0..100).map(|i| json!({"left": 100, "top": 50, "width": 200 + i, "height": 100, "name": "bicycle", "conf": 0.5})).collect::<Vec<_>>()}),
        ),
    ];
    let dense = json!({"detections": (0..5000).map(|i| json!({"class_id": 0, "class_name": "person", "confidence": 0.9, "bbox": [0.1, 0.2, 0.3 + i as f64 * 1e-5, 0.8], "track_id": i})).collect::<Vec<_>>()});
    for (name, p, reps) in shapes.iter().map(|(n, p)| (format!("{n}, 100 a payload"), p, 200)).chain([("canonical, 5000 a payload".to_owned(), &dense, 4)]) {
        let us = time_us(21, reps, |_| {
            black_box(normalize_payload(p, Some(&meta)));
        });
        let n = normalize_payload(p, Some(&meta)).detections.len();
        println!("  {name:<48} {:>6.3} us per detection ({:>5.2} M detections/s)", us / n as f64, n as f64 / us);
    }
}
