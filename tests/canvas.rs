//! Browser tests of the dense-scene renderer: it engages above the threshold, draws where the DOM would, and idles on static frames.

#![cfg(target_arch = "wasm32")]

mod support;

use serde_json::{json, Value};
use support::*;
use vas_overlay_viewer::core::draw::color::{color_for, Rgb};
use vas_overlay_viewer::core::draw::renderer_choice::{RendererKind, RendererPolicy, CANVAS_ABOVE};
use vas_overlay_viewer::core::events::wire::decode_event_page;
use vas_overlay_viewer::events::store_handle::StoreHandle;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{CanvasRenderingContext2d, Element, HtmlCanvasElement, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

const MODEL: &str = "grid-model";
const COLS: usize = 26;
const ROWS: usize = 10;
/// The stage: the demo clip is 1280x720, so at 640x360 the picture fills it (scale 0.5).
const W: f64 = 640.0;
const H: f64 = 360.0;

/// The grid's boxes, normalized: one per cell, in its lower part, so the
/// label chip above a box stays inside its own cell and no two boxes touch.
fn grid(count: usize) -> Vec<(String, [f64; 4])> {
    (0..count)
        .map(|i| {
            let (c, r) = ((i % COLS) as f64, (i / COLS) as f64);
            let label = format!("class{}", i / COLS);
            (
                label,
                [
                    (c + 0.15) / COLS as f64,
                    (r + 0.5) / ROWS as f64,
                    (c + 0.85) / COLS as f64,
                    (r + 0.9) / ROWS as f64,
                ],
            )
        })
        .collect()
}

/// Events every 0.5 s over the demo clip's 10 s; `boxes_at(second)` says how many grid boxes each carries.
fn grid_events(boxes_at: impl Fn(f64) -> usize) -> StoreHandle {
    let events: Vec<Value> = (0..20)
        .map(|k| {
            let t = k as f64 * 0.5;
            let dets: Vec<Value> = grid(boxes_at(t))
                .into_iter()
                .map(|(label, b)| json!({"class_name": label, "confidence": 0.5, "bbox": b}))
                .collect();
            json!({
                "id": format!("grid-{k}"), "model_id": MODEL, "camera_id": "c",
                "timestamp": format!("2026-01-05T12:00:{:02}.{:06}Z", k / 2, (k % 2) * 500_000),
                "detections": {"detections": dets}, "event_metadata": {}
            })
        })
        .collect();
    let page = json!({ "events": events, "total": 20 }).to_string();
    store_with(decode_event_page(page.as_bytes()).unwrap().events)
}

fn canvas_of(root: &Element) -> Option<HtmlCanvasElement> {
    root.query_selector("canvas[data-layer=canvas]").ok().flatten().and_then(|c| c.dyn_into().ok())
}

fn canvas_shown(root: &Element) -> bool {
    canvas_of(root)
        .is_some_and(|c| c.style().get_property_value("display").unwrap_or_default() == "block")
}

/// Boxes shown by the DOM renderer (inline display, which is what the pool writes).
fn dom_boxes(root: &Element) -> Vec<HtmlElement> {
    let list = root.query_selector_all("[data-kind=box]").unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<HtmlElement>().ok())
        .filter(|e| e.style().get_property_value("display").unwrap_or_default() != "none")
        .collect()
}

fn renderer(root: &Element) -> String {
    root.get_attribute("data-renderer").unwrap_or_default()
}

/// The RGBA of the canvas pixel under the CSS point (x, y) of the root.
fn pixel(canvas: &HtmlCanvasElement, x: f64, y: f64) -> [u8; 4] {
    let dpr = window().device_pixel_ratio();
    let ctx: CanvasRenderingContext2d =
        canvas.get_context("2d").unwrap().unwrap().dyn_into().unwrap();
    let data = ctx.get_image_data((x * dpr).floor(), (y * dpr).floor(), 1.0, 1.0).unwrap().data();
    [data[0], data[1], data[2], data[3]]
}

fn near(p: [u8; 4], c: Rgb) -> bool {
    let d = |a: u8, b: u8| (i16::from(a) - i16::from(b)).abs() <= 3;
    p[3] == 255 && d(p[0], c.r) && d(p[1], c.g) && d(p[2], c.b)
}

/// Box rectangles (relative to the root) as the DOM renderer placed them, by class.
async fn dom_reference(count: usize) -> Vec<(String, [f64; 4])> {
    let scene = grid_events(|_| count);
    let m = mount_renderer(W, H, scene, RendererPolicy::Only(RendererKind::Dom));
    assert!(frames_until(900, || m.state() == "ok").await, "the DOM renderer never drew");
    m.video().pause().unwrap();
    frames_until(5, || false).await;
    let root = m.root();
    let r0 = root.get_bounding_client_rect();
    let boxes: Vec<(String, [f64; 4])> = dom_boxes(&root)
        .into_iter()
        .map(|b| {
            let r = b.get_bounding_client_rect();
            (
                b.get_attribute("data-label").unwrap(),
                [r.left() - r0.left(), r.top() - r0.top(), r.width(), r.height()],
            )
        })
        .collect();
    m.unmount();
    boxes
}

#[wasm_bindgen_test]
async fn above_the_threshold_the_canvas_draws_every_box_where_the_dom_would() {
    let count = COLS * ROWS;
    assert!(2 * count > CANVAS_ABOVE, "the grid must be dense enough for the canvas");
    let reference = dom_reference(count).await;
    assert_eq!(reference.len(), count);
    // The DOM placed every box where the grid says (scale 0.5, snapped to device pixels).
    let dpr = window().device_pixel_ratio();
    for ((_, want), (_, got)) in grid(count).iter().zip(&reference) {
        let expect = [want[0] * W, want[1] * H, (want[2] - want[0]) * W, (want[3] - want[1]) * H];
        for i in 0..4 {
            assert!(
                (expect[i] - got[i]).abs() <= 1.0 / dpr + 1e-6,
                "DOM box {got:?} is not the grid's {expect:?}"
            );
        }
    }

    let scene = grid_events(|_| count);
    let m = mount_renderer(W, H, scene, RendererPolicy::Auto);
    assert!(
        frames_until(900, || m.state() == "ok" && renderer(&m.root()) == "canvas").await,
        "the canvas never engaged"
    );
    m.video().pause().unwrap();
    frames_until(5, || false).await;
    let root = m.root();
    assert!(canvas_shown(&root));
    assert!(dom_boxes(&root).is_empty(), "DOM boxes are shown beside the canvas");
    let canvas = canvas_of(&root).unwrap();
    assert_eq!(
        f64::from(canvas.width()),
        (W * dpr).ceil(),
        "the canvas is not at the device pixel ratio"
    );
    let mut wrong = Vec::new();
    for (label, [x, y, w, h]) in &reference {
        let color = color_for(MODEL, label, None);
        // The 2 px border, on each side; the inside and the gap outside stay clear.
        let checks = [
            (x + 1.0, y + h / 2.0, true),
            (x + w - 1.0, y + h / 2.0, true),
            (x + w / 2.0, y + 1.0, true),
            (x + w / 2.0, y + h - 1.0, true),
            (x + w / 2.0, y + h / 2.0, false),
            (x - 3.0, y + h / 2.0, false),
        ];
        for (px, py, border) in checks {
            let p = pixel(&canvas, px, py);
            let ok = if border { near(p, color) } else { p[3] == 0 };
            if !ok {
                wrong.push(format!(
                    "{label} box at {x},{y}: pixel ({px},{py}) is {p:?}, want {}",
                    if border { color.css() } else { "clear".into() }
                ));
            }
        }
    }
    web_sys::console::log_1(
        &format!(
            "CANVAS {} boxes checked at DPR {dpr}, {} pixels wrong",
            reference.len(),
            wrong.len()
        )
        .into(),
    );
    assert!(wrong.is_empty(), "{}", wrong[..wrong.len().min(5)].join("\n"));
    // The chips are drawn too: above the first box, its label's background color.
    let (label, [x, y, _, _]) = &reference[COLS * 3];
    assert!(
        near(pixel(&canvas, x + 1.0, y - 8.0), color_for(MODEL, label, None)),
        "no label chip above the box"
    );
    m.unmount();
}

/// Counts 2D-context calls on overlay canvases (installed once per page).
fn count_canvas_calls() -> f64 {
    let script = r#"
        if (!window.__overlayCanvasCalls) {
            window.__overlayCanvasCalls = { n: 0 };
            for (const name of ['clearRect', 'fillRect', 'stroke', 'fill', 'drawImage', 'fillText', 'rect']) {
                const original = CanvasRenderingContext2D.prototype[name];
                CanvasRenderingContext2D.prototype[name] = function (...args) {
                    if (this.canvas && this.canvas.dataset && this.canvas.dataset.layer === 'canvas') window.__overlayCanvasCalls.n++;
                    return original.apply(this, args);
                };
            }
        }
        window.__overlayCanvasCalls.n
    "#;
    js_sys::eval(script).unwrap().as_f64().unwrap()
}

#[wasm_bindgen_test]
async fn a_static_scene_on_a_playing_video_draws_nothing_after_its_first_frame() {
    count_canvas_calls();
    for (policy, count) in [(RendererPolicy::Auto, COLS * ROWS), (RendererPolicy::Auto, 20)] {
        let scene = grid_events(|_| count);
        let m = mount_renderer(W, H, scene, policy);
        assert!(frames_until(900, || m.state() == "ok").await);
        frames_until(10, || false).await;
        let root = m.root();
        let kind = renderer(&root);
        assert_eq!(kind, if count * 2 > CANVAS_ABOVE { "canvas" } else { "dom" });
        let observer = observe_every_mutation(&root);
        let calls = count_canvas_calls();
        let t0 = m.video().current_time();
        frames_until(30, || false).await;
        let played = m.video().current_time() - t0;
        let records = observer.take_records().length();
        observer.disconnect();
        let drawn = count_canvas_calls() - calls;
        web_sys::console::log_1(
            &format!(
                "STATIC {kind}: {played:.2} s played, {records} DOM writes, {drawn} canvas calls"
            )
            .into(),
        );
        assert!(played > 0.2, "the video did not play ({played} s)");
        assert_eq!(records, 0, "the {kind} renderer wrote to the DOM on a static scene");
        assert_eq!(drawn, 0.0, "the {kind} renderer drew on a static scene");
        m.unmount();
    }
}

#[wasm_bindgen_test]
async fn the_renderer_switches_both_ways_and_every_frame_shows_one() {
    // Dense for the first 2 s, sparse for the next 2, dense again after.
    let dense = COLS * ROWS;
    let scene = grid_events(|t| if (2.0..4.0).contains(&t) { 10 } else { dense });
    let m = mount_renderer(W, H, scene, RendererPolicy::Auto);
    assert!(frames_until(900, || m.state() == "ok").await);
    let root = m.root();
    let video = m.video();
    let mut seen = Vec::<String>::new();
    let mut bad = Vec::new();
    for _ in 0..900 {
        next_animation_frame().await;
        let kind = renderer(&root);
        let (canvas, dom) = (canvas_shown(&root), dom_boxes(&root).len());
        let ok = match kind.as_str() {
            "canvas" => canvas && dom == 0,
            "dom" => !canvas && dom > 0,
            _ => false,
        };
        if !ok {
            bad.push(format!(
                "t={:.3} renderer {kind}, canvas shown {canvas}, {dom} DOM boxes",
                video.current_time()
            ));
        }
        if seen.last() != Some(&kind) {
            seen.push(kind);
        }
        if seen.len() >= 3 {
            break;
        }
    }
    web_sys::console::log_1(&format!("SWITCH renderers in turn: {seen:?}").into());
    assert!(bad.is_empty(), "frames without exactly one renderer: {bad:?}");
    assert_eq!(seen, ["canvas", "dom", "canvas"]);
    m.unmount();
}
