//! The benchmark page of `cargo xtask bench`: the real player and overlay over a clip, driven from JavaScript.
//!
//! Built only with the `bench` feature, never into the production viewer.
//! The page (`xtask/bench/index.html`) generates the scene's events as VAS
//! list pages and hands them over as text, so they take the production path
//! (`decode_event_page`, then `EventStore::ingest`). The stage is the same
//! markup as the clip page's `ClipView`: a `<div>` holding the `FilePlayer`
//! and, depending on the mode, the `Overlay`.

#[cfg(target_arch = "wasm32")]
mod page {
    use std::cell::RefCell;

    use vas_overlay_viewer::core::clock::clip::ClipClock;
    use vas_overlay_viewer::core::draw::renderer_choice::{RendererKind, RendererPolicy};
    use vas_overlay_viewer::core::events::event_store::StoreLimits;
    use vas_overlay_viewer::core::events::wire::decode_event_page;
    use vas_overlay_viewer::core::time::parse_rfc3339;
    use vas_overlay_viewer::events::store_handle::StoreHandle;
    use vas_overlay_viewer::media::ClockHandle;
    use vas_overlay_viewer::overlay::Overlay;
    use vas_overlay_viewer::player::FilePlayer;
    use wasm_bindgen::prelude::*;
    use yew::prelude::*;

    /// What the stage holds besides the video.
    #[derive(Clone, Copy, PartialEq)]
    enum Mode {
        /// The video alone: the baseline.
        Off,
        /// The viewer's overlay, with its renderers as allowed.
        Viewer(RendererPolicy),
        /// The video alone; the page's naive canvas overlay draws over it.
        Naive,
    }

    #[derive(Properties, PartialEq)]
    struct BenchStageProps {
        mode: Mode,
        src: AttrValue,
        clock: ClipClock,
        store: StoreHandle,
        width: f64,
        height: f64,
    }

    #[function_component(BenchStage)]
    fn bench_stage(props: &BenchStageProps) -> Html {
        let video_ref = use_node_ref();
        let style = format!(
            "position:relative;width:{}px;height:{}px;background:#000;overflow:hidden",
            props.width, props.height
        );
        html! {
            <div data-bench-stage="" style={style}>
                <FilePlayer src={props.src.clone()} video_ref={video_ref.clone()} />
                if let Mode::Viewer(renderer) = props.mode {
                    <Overlay video={video_ref} store={props.store.clone()} clock={ClockHandle::Clip(props.clock)} {renderer} />
                }
            </div>
        }
    }

    struct Mounted {
        store: StoreHandle,
        handle: yew::AppHandle<BenchStage>,
    }

    thread_local! {
        static MOUNTED: RefCell<Option<Mounted>> = const { RefCell::new(None) };
    }

    /// Mounts the stage on `<body>`: `mode` is `off`, `viewer` (renderers
    /// chosen by the overlay), `dom` or `canvas` (one renderer pinned), or `naive`.
    #[wasm_bindgen]
    pub fn bench_mount(
        mode: &str,
        src: &str,
        start: &str,
        width: f64,
        height: f64,
    ) -> Result<(), JsValue> {
        let mode = match mode {
            "off" => Mode::Off,
            "viewer" => Mode::Viewer(RendererPolicy::Auto),
            "dom" => Mode::Viewer(RendererPolicy::Only(RendererKind::Dom)),
            "canvas" => Mode::Viewer(RendererPolicy::Only(RendererKind::Canvas)),
            "naive" => Mode::Naive,
            other => return Err(JsValue::from_str(&format!("unknown mode {other}"))),
        };
        let start = parse_rfc3339(start)
            .ok_or_else(|| JsValue::from_str("start is not an RFC 3339 time"))?;
        bench_unmount();
        let store = StoreHandle::new(StoreLimits::default());
        let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
        let host = document.create_element("div")?;
        document.body().ok_or("no body")?.append_child(&host)?;
        let props = BenchStageProps {
            mode,
            src: AttrValue::from(src.to_owned()),
            clock: ClipClock { start },
            store: store.clone(),
            width,
            height,
        };
        let handle = yew::Renderer::<BenchStage>::with_root_and_props(host, props).render();
        MOUNTED.with(|m| *m.borrow_mut() = Some(Mounted { store, handle }));
        Ok(())
    }

    /// Removes the stage and drops its store.
    #[wasm_bindgen]
    pub fn bench_unmount() {
        if let Some(m) = MOUNTED.with(|m| m.borrow_mut().take()) {
            m.handle.destroy();
        }
    }

    /// Decodes a VAS list page and ingests it into the stage's store; returns the events held.
    #[wasm_bindgen]
    pub fn bench_ingest(page: &str) -> Result<usize, JsValue> {
        let decoded =
            decode_event_page(page.as_bytes()).map_err(|e| JsValue::from_str(&format!("{e:?}")))?;
        let store = MOUNTED
            .with(|m| m.borrow().as_ref().map(|m| m.store.clone()))
            .ok_or("nothing mounted")?;
        store.ingest(decoded.events);
        let held = store.borrow().len();
        Ok(held)
    }

    /// Events held by the stage's store.
    #[wasm_bindgen]
    pub fn bench_store_len() -> usize {
        MOUNTED.with(|m| m.borrow().as_ref().map_or(0, |m| m.store.borrow().len()))
    }

    /// The size of the WebAssembly memory, bytes.
    #[wasm_bindgen]
    pub fn bench_wasm_memory_bytes() -> f64 {
        let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
        memory.buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length() as f64
    }
}

fn main() {
    #[cfg(target_arch = "wasm32")]
    vas_overlay_viewer::overlay::fault_guard::install();
}
