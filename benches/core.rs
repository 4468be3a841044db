//! Native benchmark of the pure core (criterion): store ingest rate and per-frame query cost by store size, per-frame cost by boxes, payload normalization.
//!
//! `cargo bench --bench core` measures (`-- --quick` for a shorter run);
//! `cargo xtask bench` runs it and prints a summary read from criterion's
//! `target/criterion/<group>/<benchmark>/<parameter>/new/estimates.json`;
//! `cargo xtask test` runs every benchmark once in criterion's test mode
//! (`-- --test`, nothing timed). Every benchmark sets its throughput, so
//! criterion reports elements per second: frames queried, events ingested,
//! boxes drawn or detections normalized. It prints figures and never fails
//! on timing.
//!
//! Benchmark ids (the summary reads them):
//! - `store/query_playback/N`, `store/query_seek/N`: one frame's
//!   `select_frame` + `layout_frame` in a store holding N events (one model,
//!   an event every 33 ms with one box), at consecutive frames or at random
//!   times (a seek);
//! - `store/ingest_page/N`: a page of 1,000 later events into that store
//!   (a live poll; the store is at its count bound, so it evicts as much);
//! - `store/fill/N`: N events into an empty store, in pages of 1,000;
//! - `frame/{select,select_layout,canvas_plan}[_tracked]/B`: one frame of an
//!   event with B boxes (tracked boxes also get trails);
//! - `sparse/select_between[_tracked]/B`: one frame between two events of a
//!   5 Hz model with B boxes each (untracked boxes matched by position);
//! - `normalize/<shape>/D`: one payload of D detections;
//! - `playlist/{reload,reload_whole}/N`: one reload of VAS's rolling playlist
//!   of N entries (one rolled off, one new) through the fixer, the recording
//!   clock and the segment skips (hls.js's timeline after it included), incrementally as
//!   the player does and parsed whole (what the player did before).

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{
    criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use serde_json::{json, Value};
use vas_overlay_viewer::core::clock::recording::fragment_span::fragment_spans;
use vas_overlay_viewer::core::clock::recording::playlist_fixer::{ListChange, PlaylistFixer};
use vas_overlay_viewer::core::clock::recording::recording_clock::RecordingClock;
use vas_overlay_viewer::core::clock::recording::segment_skips::SegmentSkips;
use vas_overlay_viewer::core::draw::canvas_plan::CanvasPlan;
use vas_overlay_viewer::core::draw::geometry::{CssRect, ObjectFit, ScreenMapping, VideoPx};
use vas_overlay_viewer::core::draw::primitive::layout_frame;
use vas_overlay_viewer::core::draw::selection::{select_frame, SelectionParams};
use vas_overlay_viewer::core::events::detection::normalize_payload;
use vas_overlay_viewer::core::events::event_store::{EventStore, StoreLimits};
use vas_overlay_viewer::core::events::wire::WireEvent;
use vas_overlay_viewer::core::time::UnixMicros;

const T0: i64 = 1_767_614_400_000_000;
/// Events at 30 per second.
const STEP_US: i64 = 33_333;
/// Events per ingested page, as VAS's list pages.
const PAGE: u64 = 1000;

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

/// Events `from..to`, one box each, tracked: a page as a poll returns it.
fn page(from: u64, to: u64) -> Vec<WireEvent> {
    (from..to).map(|k| event_of(k, 1, true)).collect()
}

/// An empty store bounded at `n + 1` events and no span.
fn empty_store(n: u64) -> EventStore {
    EventStore::new(StoreLimits {
        max_events: n as usize + 1,
        max_span: i64::MAX / 4,
        max_bytes: usize::MAX,
    })
}

/// A store holding `n` events of `boxes` boxes, and the time its ingest calls took.
fn store_of(n: u64, boxes: usize, tracked: bool) -> (EventStore, Duration) {
    let mut store = empty_store(n);
    let mut ingest = Duration::ZERO;
    let mut i = 0;
    while i < n {
        let p: Vec<WireEvent> =
            (i..(i + PAGE).min(n)).map(|k| event_of(k, boxes, tracked)).collect();
        i += p.len() as u64;
        let t = Instant::now();
        store.ingest(p);
        ingest += t.elapsed();
    }
    (store, ingest)
}

fn mapping() -> ScreenMapping {
    let element = CssRect { x: 0.0, y: 0.0, width: 1280.0, height: 720.0 };
    ScreenMapping::new(element, VideoPx { width: 1280.0, height: 720.0 }, ObjectFit::Contain, 1.0)
        .expect("mapping")
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

/// Store ingest and per-frame query by the number of events held.
fn store_size(c: &mut Criterion) {
    let params = SelectionParams::default();
    let m = mapping();
    for n in [10_000u64, 100_000, 1_000_000] {
        let (mut store, _) = store_of(n, 1, true);
        let mut g = c.benchmark_group("store");
        // Per-frame query: select + layout, as the overlay does for each presented frame.
        // Playback asks for consecutive frames; a seek asks for any time in the span.
        g.throughput(Throughput::Elements(1));
        let span = n as i64 * STEP_US;
        let start = T0 + span / 2;
        let mut k = 0i64;
        g.bench_function(BenchmarkId::new("query_playback", n), |b| {
            b.iter(|| {
                k = (k + 1) % 3000;
                black_box(layout_frame(
                    &select_frame(&store, UnixMicros(start + k * STEP_US), &params),
                    &m,
                ))
            })
        });
        let seeks = random_times(span, 1 << 16);
        let mut s = 0usize;
        g.bench_function(BenchmarkId::new("query_seek", n), |b| {
            b.iter(|| {
                s = (s + 1) & 0xffff;
                black_box(layout_frame(&select_frame(&store, seeks[s], &params), &m))
            })
        });
        // A further page of later events (a live poll), built outside the timing.
        g.throughput(Throughput::Elements(PAGE));
        let mut next = n;
        g.bench_function(BenchmarkId::new("ingest_page", n), |b| {
            b.iter_batched(
                || {
                    next += PAGE;
                    page(next - PAGE, next)
                },
                |p| store.ingest(p),
                BatchSize::LargeInput,
            )
        });
        drop(store);
        // Filling a store from empty: only the ingest calls are timed.
        g.throughput(Throughput::Elements(n));
        g.sampling_mode(SamplingMode::Flat);
        g.sample_size(10);
        g.warm_up_time(Duration::from_millis(500));
        g.bench_function(BenchmarkId::new("fill", n), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| store_of(n, 1, true).1).sum())
        });
        g.finish();
    }
}

/// One frame by boxes per frame: an event per frame, each with all the boxes.
fn frame_boxes(c: &mut Criterion) {
    let params = SelectionParams::default();
    let m = mapping();
    let mut g = c.benchmark_group("frame");
    for (boxes, tracked) in
        [10usize, 100, 1000, 5000].into_iter().flat_map(|b| [(b, false), (b, true)])
    {
        let (store, _) = store_of(300, boxes, tracked);
        let t = UnixMicros(T0 + 150 * STEP_US);
        let suffix = if tracked { "_tracked" } else { "" };
        g.throughput(Throughput::Elements(boxes as u64));
        g.bench_function(BenchmarkId::new(format!("select{suffix}"), boxes), |b| {
            b.iter(|| black_box(select_frame(&store, t, &params)))
        });
        g.bench_function(BenchmarkId::new(format!("select_layout{suffix}"), boxes), |b| {
            b.iter(|| black_box(layout_frame(&select_frame(&store, t, &params), &m)))
        });
        let primitives = layout_frame(&select_frame(&store, t, &params), &m).primitives;
        let mut plan = CanvasPlan::default();
        plan.rebuild(&primitives, 1.0);
        println!(
            "frame/canvas_plan{suffix}/{boxes}: {} of {} label chips hidden under later chips",
            plan.hidden_labels,
            plan.hidden_labels + plan.labels.len()
        );
        g.bench_function(BenchmarkId::new(format!("canvas_plan{suffix}"), boxes), |b| {
            b.iter(|| plan.rebuild(black_box(&primitives), 1.0))
        });
    }
    g.finish();
}

/// One frame between two events of a 5 Hz model (six frames apart), by
/// boxes per event: tracked boxes are paired by id, untracked ones by
/// `box_association` (all held above its `MAX_BOXES`).
fn sparse_frame(c: &mut Criterion) {
    let params = SelectionParams::default();
    let mut g = c.benchmark_group("sparse");
    for (boxes, tracked) in [10usize, 64, 100].into_iter().flat_map(|b| [(b, false), (b, true)]) {
        let mut store = empty_store(60);
        store.ingest((0..60).map(|k| WireEvent {
            timestamp: UnixMicros(T0 + k as i64 * 6 * STEP_US),
            ..event_of(k, boxes, tracked)
        }));
        let t = UnixMicros(T0 + 30 * 6 * STEP_US + 3 * STEP_US);
        let suffix = if tracked { "_tracked" } else { "" };
        g.throughput(Throughput::Elements(boxes as u64));
        g.bench_function(BenchmarkId::new(format!("select_between{suffix}"), boxes), |b| {
            b.iter(|| black_box(select_frame(&store, t, &params)))
        });
    }
    g.finish();
}

/// Payload normalization, one payload per iteration, by shape.
fn normalization(c: &mut Criterion) {
    let meta = json!({"frame_width": 1280, "frame_height": 720});
    let shapes: Vec<(&str, Value)> = vec![
        (
            "canonical",
            json!({"detections": (0..100).map(|i| json!({"class_id": 0, "class_name": "person", "confidence": 0.9, "bbox": [0.1, 0.2, 0.3 + i as f64 * 1e-3, 0.8], "track_id": i})).collect::<Vec<_>>()}),
        ),
        (
            "corner_pixels",
            json!({"objects": (0..100).map(|i| json!({"class": "person", "bbox": [128, 72, 384 + i, 648], "confidence": 0.95})).collect::<Vec<_>>()}),
        ),
        (
            "xywh",
            json!({"boxes": (0..100).map(|i| json!({"x": 0.5, "y": 0.3, "w": 0.2, "h": 0.4 - i as f64 * 1e-3, "class": "person", "confidence": 0.95})).collect::<Vec<_>>()}),
        ),
        (
            "ltwh_pixels",
            json!({"objects": (0..100).map(|i| json!({"left": 100, "top": 50, "width": 200 + i, "height": 100, "name": "bicycle", "conf": 0.5})).collect::<Vec<_>>()}),
        ),
        (
            "canonical",
            json!({"detections": (0..5000).map(|i| json!({"class_id": 0, "class_name": "person", "confidence": 0.9, "bbox": [0.1, 0.2, 0.3 + i as f64 * 1e-5, 0.8], "track_id": i})).collect::<Vec<_>>()}),
        ),
    ];
    let mut g = c.benchmark_group("normalize");
    for (name, p) in &shapes {
        let n = normalize_payload(p, Some(&meta)).detections.len();
        assert!(n > 0, "{name}: the payload normalizes to no detection");
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(BenchmarkId::new(*name, n), |b| {
            b.iter(|| black_box(normalize_payload(black_box(p), Some(&meta))))
        });
    }
    g.finish();
}

/// VAS's rolling playlist: `len` 6 s entries from segment `first`, one run, media sequence `first`.
fn rolling_playlist(first: i64, len: i64) -> String {
    let mut s = format!("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:{first}\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXT-X-DISCONTINUITY\n");
    for n in first..first + len {
        s.push_str(&format!("#EXTINF:6.000000,\nsegment-{n}.ts\n"));
    }
    s
}

fn playlist_reload(c: &mut Criterion) {
    let mut g = c.benchmark_group("playlist");
    for len in [720i64, 14_400] {
        let texts: Vec<String> =
            (0..64).map(|k| rolling_playlist(1_795_570_000 + k, len)).collect();
        // hls.js's timeline after each reload ([sn, start, duration]), as the player hands it on.
        let timelines: Vec<Vec<f64>> = (0..64i64)
            .map(|k| (0..len).flat_map(|i| [(k + i) as f64, 6.0 * (k + i) as f64, 6.0]).collect())
            .collect();
        g.throughput(Throughput::Elements(len as u64));
        for (name, whole) in [("reload", false), ("reload_whole", true)] {
            g.bench_function(BenchmarkId::new(name, len), |b| {
                b.iter_custom(|iters| {
                    // Reloads one entry on at a time; the fixer is primed anew (untimed)
                    // when the prepared texts run out, so every timed reload slides.
                    let mut timed = Duration::ZERO;
                    let mut left = iters;
                    while left > 0 {
                        let mut fixer = PlaylistFixer::new();
                        let mut clock = RecordingClock::new(None);
                        let mut skips = SegmentSkips::default();
                        let update = fixer.fix(&texts[0]);
                        clock.on_playlist(&fixer, update.change);
                        clock.on_timeline(&timelines[0]);
                        for (text, timeline) in texts
                            .iter()
                            .zip(&timelines)
                            .skip(1)
                            .take(usize::try_from(left).unwrap_or(usize::MAX))
                        {
                            let t = Instant::now();
                            let update =
                                if whole { fixer.fix_whole(text) } else { fixer.fix(text) };
                            let change = if whole { ListChange::Replaced } else { update.change };
                            clock.on_playlist(&fixer, change);
                            skips.on_playlist(fixer.header());
                            // What the player does with hls.js's timeline after the reload.
                            let spans = fragment_spans(timeline);
                            skips.on_spans(spans.clone());
                            clock.on_spans(spans);
                            black_box(update.header.len());
                            timed += t.elapsed();
                            left -= 1;
                        }
                    }
                    timed
                });
            });
        }
    }
    g.finish();
}

fn config() -> Criterion {
    // Shorter than criterion's defaults (3 s and 5 s): 41 benchmarks, each
    // steady within a second on this machine.
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = core;
    config = config();
    targets = store_size, frame_boxes, sparse_frame, normalization, playlist_reload
}
criterion_main!(core);
