//! Browser tests: the real clip view over a real `<video>` playing the demo clip in headless Chromium.

#![cfg(target_arch = "wasm32")]

mod support;

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Value};
use support::*;
use vas_overlay_viewer::core::events::wire::decode_event_page;
use vas_overlay_viewer::media::video_frame_callback::VideoFrameWatcher;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const FPS: f64 = 30.0;
const TOLERANCE_CSS_PX: f64 = 2.0;

/// Expected on-screen boxes for frame `n`, computed independently of the
/// viewer's code: truth boxes, clipped to the frame, scaled by `object-fit:
/// contain` into the container. A frame between two events of a model shows
/// the truth of that frame (the objects move linearly between events);
/// after a model's last event it holds the last event's boxes.
/// One object of the truth file: model, track id, and its box (pixels) on every frame.
type TruthTrack = (String, String, Vec<Option<[f64; 4]>>);

struct Expectation {
    width: f64,
    height: f64,
    frame_w: f64,
    frame_h: f64,
    /// (model, track) -> boxes per frame.
    objects: Vec<TruthTrack>,
    /// model -> sorted frame numbers that carry an event.
    event_frames: HashMap<String, Vec<usize>>,
}

impl Expectation {
    fn new(width: f64, height: f64) -> Self {
        let t = truth();
        let objects = t["objects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                let boxes = o["boxes_px"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|b| b.as_array().map(|a| [0, 1, 2, 3].map(|i| a[i].as_f64().unwrap())))
                    .collect();
                (o["model_id"].as_str().unwrap().to_owned(), o["track_id"].to_string(), boxes)
            })
            .collect();
        let mut event_frames: HashMap<String, Vec<usize>> = HashMap::new();
        let raw: Value = serde_json::from_str(EVENTS).unwrap();
        for e in raw["events"].as_array().unwrap() {
            event_frames
                .entry(e["model_id"].as_str().unwrap().to_owned())
                .or_default()
                .push(e["frame_id"].as_u64().unwrap() as usize);
        }
        for v in event_frames.values_mut() {
            v.sort_unstable();
        }
        Self {
            width,
            height,
            frame_w: t["width"].as_f64().unwrap(),
            frame_h: t["height"].as_f64().unwrap(),
            objects,
            event_frames,
        }
    }

    fn content(&self) -> (f64, f64, f64) {
        let scale = (self.width / self.frame_w).min(self.height / self.frame_h);
        let (w, h) = (self.frame_w * scale, self.frame_h * scale);
        (scale, (self.width - w) / 2.0, (self.height - h) / 2.0)
    }

    fn boxes_at(&self, n: usize) -> BTreeMap<(String, String), [f64; 4]> {
        let (scale, ox, oy) = self.content();
        let mut out = BTreeMap::new();
        for (model, track, boxes) in &self.objects {
            let frames = &self.event_frames[model];
            let prev = frames.iter().rev().find(|&&f| f <= n).copied();
            let next = frames.iter().find(|&&f| f > n).copied();
            let source = match (prev, next) {
                (Some(p), Some(q)) if boxes[p].is_some() && boxes[q].is_some() => Some(n),
                (Some(p), Some(_)) if p == n => Some(n),
                (Some(p), None) => Some(p),
                _ => None,
            };
            let Some(b) = source.and_then(|f| boxes[f]) else { continue };
            let clip =
                [b[0].max(0.0), b[1].max(0.0), b[2].min(self.frame_w), b[3].min(self.frame_h)];
            out.insert(
                (model.clone(), track.clone()),
                [
                    ox + clip[0] * scale,
                    oy + clip[1] * scale,
                    ox + clip[2] * scale,
                    oy + clip[3] * scale,
                ],
            );
        }
        out
    }
}

struct Report {
    samples: usize,
    within: usize,
    worst: f64,
}

/// Samples presented frames and compares every drawn box with its object.
/// With `resize_to`, the container is resized once the overlay draws, and
/// sampling starts after that: the overlay must follow the new geometry.
async fn sample_geometry(
    width: f64,
    height: f64,
    wanted: usize,
    resize_to: Option<(f64, f64)>,
) -> Report {
    if let Some(dpr) = expected_dpr() {
        assert_eq!(
            window().device_pixel_ratio(),
            dpr,
            "this run must be at device pixel ratio {dpr}"
        );
    }
    let m = mount(width, height, store_with(demo_events()));
    assert!(
        frames_until(900, || m.state() == "ok").await,
        "the overlay never drew (state {})",
        m.state()
    );
    let (width, height) = match resize_to {
        Some((w, h)) => {
            let style = format!("position:relative;width:{w}px;height:{h}px;margin:0");
            m.container.set_attribute("style", &style).unwrap();
            (w, h)
        }
        None => (width, height),
    };
    let video = m.video();
    let watcher = VideoFrameWatcher::start(&video).expect("requestVideoFrameCallback");
    let exp = Expectation::new(width, height);
    let root = m.root();
    let mut report = Report { samples: 0, within: 0, worst: 0.0 };
    let mut seen = std::collections::HashSet::new();
    let mut peak: HashMap<&str, usize> = HashMap::new();
    for _ in 0..3000 {
        next_animation_frame().await;
        let Some(presented) = watcher.latest() else { continue };
        let drawn_for: Option<f64> =
            root.get_attribute("data-media-time").and_then(|t| t.parse().ok());
        // Sample only when the overlay's last drawn frame is the frame on screen.
        if drawn_for.is_none_or(|d| (d - presented.media_time).abs() > 1e-5) {
            continue;
        }
        let n = (presented.media_time * FPS).round() as usize;
        if !seen.insert(n) {
            continue;
        }
        for kind in ["box", "label", "keypoint", "polyline"] {
            let c = visible(&root, kind).len();
            let p = peak.entry(kind).or_default();
            *p = (*p).max(c);
        }
        let r0 = root.get_bounding_client_rect();
        let drawn: BTreeMap<(String, String), [f64; 4]> = visible(&root, "box")
            .into_iter()
            .map(|b| {
                let r = b.get_bounding_client_rect();
                let key = (
                    b.get_attribute("data-model").unwrap(),
                    b.get_attribute("data-track").unwrap(),
                );
                (
                    key,
                    [
                        r.left() - r0.left(),
                        r.top() - r0.top(),
                        r.right() - r0.left(),
                        r.bottom() - r0.top(),
                    ],
                )
            })
            .collect();
        let expected = exp.boxes_at(n);
        let mut err: f64 = 0.0;
        if drawn.keys().ne(expected.keys()) {
            err = f64::INFINITY;
            web_sys::console::log_1(
                &format!("frame {n}: drawn {:?} expected {:?}", drawn.keys(), expected.keys())
                    .into(),
            );
        } else {
            for (k, e) in &expected {
                let d = drawn[k];
                for i in 0..4 {
                    err = err.max((d[i] - e[i]).abs());
                }
            }
        }
        report.samples += 1;
        if err <= TOLERANCE_CSS_PX {
            report.within += 1;
        }
        report.worst = report.worst.max(err);
        if report.samples >= wanted {
            break;
        }
    }
    // After warm-up the pool holds no more elements than the busiest frame needed.
    for (kind, p) in &peak {
        assert_eq!(
            all_of_kind(&root, kind) as usize,
            *p,
            "pooled {kind} elements exceed the peak in use"
        );
    }
    drop(watcher);
    m.unmount();
    report
}

async fn geometry_case(name: &str, width: f64, height: f64, resize_to: Option<(f64, f64)>) {
    let r = sample_geometry(width, height, 90, resize_to).await;
    let line = format!(
        "GEOMETRY {name} {width}x{height}{} dpr={}: {} of {} sampled frames within {TOLERANCE_CSS_PX} css px, worst {:.3} px",
        resize_to.map(|(w, h)| format!(" resized to {w}x{h}")).unwrap_or_default(),
        window().device_pixel_ratio(),
        r.within,
        r.samples,
        r.worst
    );
    web_sys::console::log_1(&line.clone().into());
    assert!(r.samples >= 60, "too few frames sampled: {line}");
    assert_eq!(r.within, r.samples, "{line}");
}

#[wasm_bindgen_test]
async fn boxes_match_objects_when_the_element_is_wider_than_the_video() {
    geometry_case("wider", 900.0, 300.0, None).await;
}

#[wasm_bindgen_test]
async fn boxes_match_objects_when_the_element_is_taller_than_the_video() {
    geometry_case("taller", 360.0, 480.0, None).await;
}

#[wasm_bindgen_test]
async fn boxes_follow_the_video_when_the_element_is_resized_mid_play() {
    geometry_case("resized", 900.0, 300.0, Some((500.0, 500.0))).await;
}

#[wasm_bindgen_test]
async fn nothing_is_written_while_the_frame_and_geometry_stay_the_same() {
    let m = mount(640.0, 360.0, store_with(demo_events()));
    assert!(frames_until(900, || m.state() == "ok").await);
    let video = m.video();
    video.pause().unwrap();
    // Let the last frame settle: the paused frame is drawn once more at most.
    frames_until(10, || false).await;
    let observer = observe_every_mutation(&m.root());
    frames_until(30, || false).await;
    let records = observer.take_records();
    observer.disconnect();
    assert_eq!(records.length(), 0, "the overlay wrote to the DOM while nothing changed");
    // And it still shows the paused frame's boxes.
    assert_eq!(m.state(), "ok");
    assert!(!visible(&m.root(), "box").is_empty());
    m.unmount();
}

#[wasm_bindgen_test]
async fn a_label_with_markup_is_shown_as_text_and_runs_nothing() {
    let label = "<img src=x onerror=\"window.__pwned=1\">";
    let events: Vec<Value> = (0..100)
        .map(|i| {
            json!({
                "id": format!("markup-{i}"), "model_id": "hostile-model", "camera_id": "c",
                "timestamp": format!("2026-01-05T12:00:{:02}.{:06}Z", i / 10, (i % 10) * 100_000),
                "detections": {"detections": [{"class_name": label, "confidence": 0.5, "bbox": [0.2, 0.2, 0.4, 0.4], "track_id": 1}]},
                "event_metadata": {}
            })
        })
        .collect();
    let page = json!({ "events": events, "total": 100 }).to_string();
    let m = mount(640.0, 360.0, store_with(decode_event_page(page.as_bytes()).unwrap().events));
    assert!(frames_until(900, || m.state() == "ok").await);
    let chips = visible(&m.root(), "label");
    assert_eq!(chips.len(), 1);
    assert_eq!(chips[0].text_content().unwrap(), format!("{label} 50%"));
    assert_eq!(chips[0].child_element_count(), 0, "the label became markup");
    assert_eq!(document().query_selector_all("img").unwrap().length(), 0);
    let pwned = js_sys::Reflect::get(&window(), &"__pwned".into()).unwrap();
    assert!(pwned.is_undefined(), "markup in a label executed");
    assert_eq!(chips[0].get_attribute("data-label").as_deref(), Some(label));
    m.unmount();
}
