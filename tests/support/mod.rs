//! Shared helpers for the browser tests: mounting the real clip view over the demo clip, awaiting frames.

#![allow(dead_code)]

use js_sys::{Array, Promise, Uint8Array};
use serde_json::Value;
use vas_overlay_viewer::core::clock::clip::ClipClock;
use vas_overlay_viewer::core::draw::renderer_choice::RendererPolicy;
use vas_overlay_viewer::core::events::event_store::StoreLimits;
use vas_overlay_viewer::core::events::wire::{decode_event_page, WireEvent};
use vas_overlay_viewer::core::time::parse_rfc3339;
use vas_overlay_viewer::events::store_handle::StoreHandle;
use vas_overlay_viewer::pages::clip_page::{ClipView, ClipViewProps};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, BlobPropertyBag, Element, HtmlElement, HtmlVideoElement, MutationObserver,
    MutationObserverInit, Url,
};

pub const CLIP: &[u8] = include_bytes!("../../static/demo/clip.mp4");
pub const EVENTS: &str = include_str!("../../static/demo/events.json");
pub const TRUTH: &str = include_str!("../fixtures/demo-truth.json");
pub const DEMO_START: &str = "2026-01-05T12:00:00Z";

pub fn window() -> web_sys::Window {
    web_sys::window().unwrap()
}

pub fn document() -> web_sys::Document {
    window().document().unwrap()
}

/// Resolves on the next animation frame.
pub async fn next_animation_frame() {
    let p = Promise::new(&mut |resolve, _| {
        window().request_animation_frame(&resolve).unwrap();
    });
    JsFuture::from(p).await.unwrap();
}

/// Polls `cond` once per animation frame, up to `max_frames`; true when it held.
pub async fn frames_until(max_frames: u32, mut cond: impl FnMut() -> bool) -> bool {
    for _ in 0..max_frames {
        if cond() {
            return true;
        }
        next_animation_frame().await;
    }
    cond()
}

/// An object URL for the bundled demo clip.
pub fn clip_url() -> String {
    let bytes = Uint8Array::from(CLIP);
    let parts = Array::of1(&bytes);
    let opts = BlobPropertyBag::new();
    opts.set_type("video/mp4");
    let blob = Blob::new_with_u8_array_sequence_and_options(&parts, &opts).unwrap();
    Url::create_object_url_with_blob(&blob).unwrap()
}

pub fn demo_events() -> Vec<WireEvent> {
    decode_event_page(EVENTS.as_bytes()).unwrap().events
}

pub fn store_with(events: Vec<WireEvent>) -> StoreHandle {
    let store = StoreHandle::new(StoreLimits::default());
    store.ingest(events);
    store
}

/// A mounted clip view in a container of the given CSS size.
pub struct Mounted {
    pub container: HtmlElement,
    pub handle: yew::AppHandle<ClipView>,
}

impl Mounted {
    pub fn video(&self) -> HtmlVideoElement {
        self.container.query_selector("video").unwrap().unwrap().dyn_into().unwrap()
    }

    /// The media time, or 0 before Yew has rendered the player.
    pub fn current_time(&self) -> f64 {
        let video = self.container.query_selector("video").ok().flatten();
        video.and_then(|v| v.dyn_into::<HtmlVideoElement>().ok()).map_or(0.0, |v| v.current_time())
    }

    pub fn root(&self) -> Element {
        self.container.query_selector("[data-overlay-root]").unwrap().unwrap()
    }

    /// The overlay state, or "" before Yew has rendered the root.
    pub fn state(&self) -> String {
        let root = self.container.query_selector("[data-overlay-root]").ok().flatten();
        root.and_then(|r| r.get_attribute("data-overlay-state")).unwrap_or_default()
    }

    pub fn unmount(self) {
        self.handle.destroy();
        self.container.remove();
    }
}

/// Mounts the real `ClipView` (player and overlay) over the demo clip.
pub fn mount(width_px: f64, height_px: f64, store: StoreHandle) -> Mounted {
    mount_with(width_px, height_px, store, parse_rfc3339(DEMO_START).unwrap())
}

/// Mounts the real `ClipView` over the demo clip with a given clock start.
pub fn mount_with(
    width_px: f64,
    height_px: f64,
    store: StoreHandle,
    start: vas_overlay_viewer::core::time::UnixMicros,
) -> Mounted {
    mount_full(width_px, height_px, store, start, RendererPolicy::Auto)
}

/// As `mount`, with the overlay's renderers as `renderer` allows.
pub fn mount_renderer(
    width_px: f64,
    height_px: f64,
    store: StoreHandle,
    renderer: RendererPolicy,
) -> Mounted {
    mount_full(width_px, height_px, store, parse_rfc3339(DEMO_START).unwrap(), renderer)
}

/// Mounts the real `ClipView` with every choice given.
pub fn mount_full(
    width_px: f64,
    height_px: f64,
    store: StoreHandle,
    start: vas_overlay_viewer::core::time::UnixMicros,
    renderer: RendererPolicy,
) -> Mounted {
    let container: HtmlElement = document().create_element("div").unwrap().dyn_into().unwrap();
    container
        .set_attribute(
            "style",
            &format!("position:relative;width:{width_px}px;height:{height_px}px;margin:0"),
        )
        .unwrap();
    document().body().unwrap().append_child(&container).unwrap();
    let props = ClipViewProps {
        src: clip_url().into(),
        clock: ClipClock { start },
        store,
        video_ref: yew::NodeRef::default(),
        on_duration: Default::default(),
        renderer,
    };
    let handle =
        yew::Renderer::<ClipView>::with_root_and_props(container.clone().into(), props).render();
    Mounted { container, handle }
}

/// Visible primitives of a kind under the overlay root.
pub fn visible(root: &Element, kind: &str) -> Vec<Element> {
    let list = root.query_selector_all(&format!("[data-kind={kind}]")).unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<Element>().ok())
        .filter(|e| {
            let style = window().get_computed_style(e).unwrap().unwrap();
            style.get_property_value("display").unwrap_or_default() != "none"
        })
        .collect()
}

pub fn all_of_kind(root: &Element, kind: &str) -> u32 {
    root.query_selector_all(&format!("[data-kind={kind}]")).unwrap().length()
}

pub fn truth() -> Value {
    serde_json::from_str(TRUTH).unwrap()
}

pub fn expected_dpr() -> Option<f64> {
    option_env!("VAS_EXPECT_DPR").and_then(|v| v.parse().ok())
}

/// Starts recording every DOM mutation under `root` (attributes, children,
/// text); read them with `take_records()`.
pub fn observe_every_mutation(root: &Element) -> MutationObserver {
    let observer = MutationObserver::new(&js_sys::Function::new_no_args("")).unwrap();
    let init = MutationObserverInit::new();
    init.set_subtree(true);
    init.set_attributes(true);
    init.set_child_list(true);
    init.set_character_data(true);
    observer.observe_with_options(root, &init).unwrap();
    observer
}
