//! Properties of the event path: decoding, payload normalization, the store's bounds, selection and layout.

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;
use serde_json::{json, Value};
use vas_overlay_viewer::core::draw::box_association::{
    match_untracked, pair_cost, MAX_CENTRE_SHIFT_IN_SIZES, MAX_SIZE_RATIO,
};
use vas_overlay_viewer::core::draw::geometry::{CssRect, ObjectFit, ScreenMapping, VideoPx};
use vas_overlay_viewer::core::draw::primitive::{
    layout_frame, Primitive, MAX_PRIMITIVES_PER_FRAME,
};
use vas_overlay_viewer::core::draw::selection::{select_frame, SelectionParams};
use vas_overlay_viewer::core::events::detection::{
    normalize_payload, Detection, NormRect, MAX_DETECTIONS_PER_EVENT, MAX_LABEL_CHARS,
};
use vas_overlay_viewer::core::events::event_store::{EventStore, StoreLimits};
use vas_overlay_viewer::core::events::wire::{decode_event, decode_event_page, WireEvent};
use vas_overlay_viewer::core::time::{parse_rfc3339, UnixMicros};

use super::gen::{css_number, hostile_event, hostile_f64, json_value, plain_event, T0};
use super::runner::check;

pub fn finite_primitive(p: &Primitive) -> bool {
    let ok = |v: f64| v.is_finite();
    match p {
        Primitive::Box { rect, .. } => {
            [rect.x, rect.y, rect.width, rect.height].into_iter().all(ok)
        }
        Primitive::Label { origin, size, text, .. } => {
            [origin.x, origin.y, size.width, size.height].into_iter().all(ok)
                && text.chars().count() <= MAX_LABEL_CHARS + 6
        }
        Primitive::Keypoint { center, radius, .. } => {
            [center.x, center.y, *radius].into_iter().all(ok)
        }
        Primitive::Polyline { points, .. } => points.iter().all(|p| ok(p.x) && ok(p.y)),
    }
}

#[test]
fn normalization_is_bounded_and_finite() {
    check(
        "normalization_is_bounded_and_finite",
        1.0,
        || (json_value(), json_value()),
        |(payload, meta)| {
            let n = normalize_payload(&payload, Some(&meta));
            prop_assert!(n.detections.len() <= MAX_DETECTIONS_PER_EVENT);
            for d in &n.detections {
                prop_assert!(d.label.chars().count() <= MAX_LABEL_CHARS);
                prop_assert!(d.confidence.is_none_or(|c| (0.0..=1.0).contains(&c)));
                if let Some(r) = d.rect {
                    for v in [r.x_min, r.y_min, r.x_max, r.y_max] {
                        prop_assert!((0.0..=1.0).contains(&v));
                    }
                    prop_assert!(r.x_max > r.x_min && r.y_max > r.y_min);
                }
                for p in &d.keypoints {
                    prop_assert!((0.0..=1.0).contains(&p.x) && (0.0..=1.0).contains(&p.y));
                }
            }
            Ok(())
        },
    );
}

/// The store bound (64) is below the page sizes generated (up to 300 events,
/// most of them cheap and real-shaped, the rest hostile), so it is really reached.
#[test]
fn pages_of_hostile_events_flow_to_the_screen_without_nan() {
    check(
        "pages_of_hostile_events_flow_to_the_screen_without_nan",
        0.05,
        || {
            let events = prop::collection::vec(
                prop_oneof![9 => plain_event(), 1 => hostile_event()],
                0..300,
            );
            let screen = (
                (css_number(), css_number(), css_number(), css_number()),
                (css_number(), css_number()),
                css_number(),
                0u8..5,
            );
            let frame_time = T0 - 10_000_000..T0 + 70_000_000;
            (events, frame_time, screen)
        },
        |(events, t, (el, video, dpr, fit))| {
            let body = json!({"events": events, "total": 7}).to_string();
            let page = decode_event_page(body.as_bytes())
                .map_err(|e| TestCaseError::fail(format!("a page of objects decodes: {e:?}")))?;
            prop_assert_eq!(page.events.len() + page.skipped, page.raw_len);
            let mut store = EventStore::new(StoreLimits {
                max_events: 64,
                max_span: 3_600_000_000,
                max_bytes: usize::MAX,
            });
            store.ingest(page.events.clone());
            prop_assert!(store.len() <= 64);
            let fit = [
                ObjectFit::Contain,
                ObjectFit::Cover,
                ObjectFit::Fill,
                ObjectFit::None,
                ObjectFit::ScaleDown,
            ][fit as usize];
            let element = CssRect { x: el.0, y: el.1, width: el.2, height: el.3 };
            let selection = select_frame(&store, UnixMicros(t), &SelectionParams::default());
            if let Some(mapping) =
                ScreenMapping::new(element, VideoPx { width: video.0, height: video.1 }, fit, dpr)
            {
                let layout = layout_frame(&selection, &mapping);
                prop_assert!(layout.primitives.len() <= MAX_PRIMITIVES_PER_FRAME);
                for p in &layout.primitives {
                    prop_assert!(finite_primitive(p), "{p:?}");
                }
            }
            Ok(())
        },
    );
}

/// Pages of real-shaped events (ids repeating across and within pages) into a
/// store with small limits: every bound holds after every ingest, the count
/// is exactly what the bound leaves, and what is evicted is the oldest.
#[test]
fn the_store_keeps_its_bounds_exactly() {
    check(
        "the_store_keeps_its_bounds_exactly",
        0.1,
        || {
            let limits = (
                1usize..128,
                prop_oneof![Just(i64::MAX), 1_000_000i64..60_000_000],
                prop_oneof![Just(usize::MAX), 2_000usize..200_000],
            );
            let pages = prop::collection::vec(prop::collection::vec(plain_event(), 0..400), 1..4);
            (limits, pages)
        },
        |((max_events, max_span, max_bytes), pages)| {
            let limits = StoreLimits { max_events, max_span, max_bytes };
            let mut store = EventStore::new(limits);
            for page in pages {
                let events: Vec<WireEvent> =
                    page.iter().map(|v| decode_event(v).expect("plain events decode")).collect();
                // Times before this ingest: the held events', then each new id's first copy.
                let mut times: HashMap<String, UnixMicros> = store
                    .models()
                    .flat_map(|(_, t)| t.events().iter().map(|e| (e.id.clone(), e.timestamp)))
                    .collect();
                let held_before = times.len();
                for e in &events {
                    times.entry(e.id.clone()).or_insert(e.timestamp);
                }
                let report = store.ingest(events.clone());
                prop_assert_eq!(report.added + report.duplicates, events.len());
                prop_assert!(store.len() <= max_events, "{} > {max_events}", store.len());
                prop_assert!(store.approx_bytes() <= max_bytes);
                let mut held: HashSet<String> = HashSet::new();
                for (model, t) in store.models() {
                    let evs = t.events();
                    prop_assert!(!evs.is_empty(), "model {model} is held without events");
                    prop_assert!(
                        evs.windows(2)
                            .all(|w| (w[0].timestamp, &w[0].id) < (w[1].timestamp, &w[1].id)),
                        "model {model} is out of order"
                    );
                    let anchor = t.anchor().expect("a model with events has an anchor");
                    prop_assert!(
                        evs.iter().all(|e| e.timestamp >= anchor.plus(-max_span)),
                        "model {model} holds events beyond its span"
                    );
                    for e in evs {
                        prop_assert!(held.insert(e.id.clone()), "id {} held twice", e.id);
                    }
                }
                prop_assert_eq!(held.len(), store.len());
                if max_span == i64::MAX {
                    let oldest_held = held.iter().map(|id| times[id]).min();
                    let newest_evicted =
                        times.iter().filter(|(id, _)| !held.contains(*id)).map(|(_, t)| *t).max();
                    if let (Some(h), Some(e)) = (oldest_held, newest_evicted) {
                        prop_assert!(
                            e <= h,
                            "evicted an event at {e:?} newer than one kept at {h:?}"
                        );
                    }
                    if max_bytes == usize::MAX {
                        prop_assert_eq!(
                            store.len(),
                            times.len().min(max_events),
                            "held before: {}",
                            held_before
                        );
                    }
                }
            }
            Ok(())
        },
    );
}

/// One frame with thousands of boxes, labels and keypoints: the layout
/// reaches the primitive cap (boxes up to 5,000 and two keypoints each make
/// 20,000 candidates), holds it exactly, and drops keypoints before labels
/// and labels before boxes.
#[test]
fn the_primitive_cap_is_reached_and_boxes_are_kept() {
    check(
        "the_primitive_cap_is_reached_and_boxes_are_kept",
        0.01,
        || (1usize..=MAX_DETECTIONS_PER_EVENT, 0usize..=2, any::<u64>()),
        |(n, keypoints, seed)| {
            let mut rng = seed | 1;
            let mut unit = move || {
                // xorshift64: cheap coordinates, reproducible from the seed.
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                (rng >> 11) as f64 / (1u64 << 53) as f64
            };
            let detections: Vec<Value> = (0..n)
            .map(|_| {
                let (x, y) = (unit() * 0.9, unit() * 0.9);
                let points: Vec<Value> = (0..keypoints).map(|_| json!([x + unit() * 0.1, y + unit() * 0.1])).collect();
                json!({"class_name": "car", "confidence": unit(), "bbox": [x, y, x + 0.05, y + 0.05], "keypoints": points})
            })
            .collect();
            let ts = "2026-01-05T12:00:00Z";
            let event = decode_event(&json!({"id": "dense", "model_id": "m", "timestamp": ts, "detections": {"detections": detections}})).unwrap();
            let mut store = EventStore::new(StoreLimits::default());
            store.ingest([event]);
            let mapping = ScreenMapping::new(
                CssRect { x: 0.0, y: 0.0, width: 1280.0, height: 720.0 },
                VideoPx { width: 1920.0, height: 1080.0 },
                ObjectFit::Fill,
                1.0,
            )
            .unwrap();
            let selection =
                select_frame(&store, parse_rfc3339(ts).unwrap(), &SelectionParams::default());
            let layout = layout_frame(&selection, &mapping);
            let total = n * (2 + keypoints);
            prop_assert_eq!(layout.primitives.len(), total.min(MAX_PRIMITIVES_PER_FRAME));
            prop_assert_eq!(layout.dropped, total - layout.primitives.len());
            let count =
                |f: fn(&Primitive) -> bool| layout.primitives.iter().filter(|p| f(p)).count();
            prop_assert_eq!(count(|p| matches!(p, Primitive::Box { .. })), n, "every box is kept");
            prop_assert_eq!(
                count(|p| matches!(p, Primitive::Label { .. })),
                n.min(MAX_PRIMITIVES_PER_FRAME - n)
            );
            prop_assert!(layout.primitives.iter().all(finite_primitive));
            Ok(())
        },
    );
}

/// An untracked detection: a plain box in the frame most of the time, any
/// four numbers (NaN, infinities, inverted) otherwise; one of three labels.
fn untracked_detection() -> impl Strategy<Value = Detection> {
    let plain = (0.0..0.9f64, 0.0..0.9f64, 0.01..0.1f64, 0.01..0.1f64)
        .prop_map(|(x, y, w, h)| NormRect { x_min: x, y_min: y, x_max: x + w, y_max: y + h });
    let any = (hostile_f64(), hostile_f64(), hostile_f64(), hostile_f64())
        .prop_map(|(a, b, c, d)| NormRect { x_min: a, y_min: b, x_max: c, y_max: d });
    (prop_oneof![9 => plain.prop_map(Some), 1 => any.prop_map(Some), 1 => Just(None)], 0..3usize)
        .prop_map(|(rect, label)| Detection {
            rect,
            label: ["person", "car", ""][label].into(),
            confidence: None,
            track_id: None,
            keypoints: Vec::new(),
        })
}

/// Matches of untracked boxes are one to one, same label, within the gates,
/// and each pair is the other's best candidate; nothing panics on broken boxes.
#[test]
fn untracked_matches_are_one_to_one_within_the_gates() {
    check(
        "untracked_matches_are_one_to_one_within_the_gates",
        0.2,
        || {
            (
                prop::collection::vec(untracked_detection(), 0..40),
                prop::collection::vec(untracked_detection(), 0..40),
            )
        },
        |(from, to)| {
            let (a, b): (Vec<&Detection>, Vec<&Detection>) =
                (from.iter().collect(), to.iter().collect());
            let matched = match_untracked(&a, &b);
            prop_assert_eq!(matched.len(), a.len());
            let mut taken = HashSet::new();
            for (i, m) in matched.iter().enumerate() {
                let Some(j) = *m else { continue };
                prop_assert!(taken.insert(j), "box {} of the next event matched twice", j);
                prop_assert_eq!(&a[i].label, &b[j].label);
                let (ra, rb) = (a[i].rect.unwrap(), b[j].rect.unwrap());
                let (wa, wb) = (ra.x_max - ra.x_min, rb.x_max - rb.x_min);
                prop_assert!(wa > 0.0 && wb > 0.0 && (wb / wa) <= MAX_SIZE_RATIO * (1.0 + 1e-12));
                // In halves, as the gate reads it: boxes near f64::MAX wide stay finite.
                let centre = |r: NormRect| r.x_min / 2.0 + r.x_max / 2.0;
                let shift = (centre(rb) - centre(ra)).abs() / (wa / 2.0 + wb / 2.0);
                prop_assert!(shift <= MAX_CENTRE_SHIFT_IN_SIZES * (1.0 + 1e-12));
                let cost = pair_cost(a[i], b[j]).unwrap();
                prop_assert!(b
                    .iter()
                    .enumerate()
                    .all(|(k, o)| k == j || pair_cost(a[i], o).is_none_or(|c| c > cost)));
                prop_assert!(a
                    .iter()
                    .enumerate()
                    .all(|(k, o)| k == i || pair_cost(o, b[j]).is_none_or(|c| c > cost)));
            }
            Ok(())
        },
    );
}
