//! The hls.js bundle (`js/hls_player.js`, built by `cargo xtask setup`), imported on demand and wired to the recording clock.
//!
//! The bundle is fetched with a dynamic `import()` from a tiny inline module,
//! so pages other than the recordings page never load it. Every decision
//! stays in Rust: the bundle only hands over what hls.js knows (playlist
//! text, fragment positions, response headers) through the hooks below.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlVideoElement;

use crate::core::hls_playlist::MediaPlaylist;
use crate::core::playlist_fixer::PlaylistFixer;
use crate::core::recording_clock::RecordingClock;

#[wasm_bindgen(inline_js = "export function import_module(url) { return import(url); }")]
extern "C" {
    #[wasm_bindgen(catch)]
    fn import_module(url: &str) -> Result<js_sys::Promise, JsValue>;
}

/// Where Trunk puts the bundle (see `index.html`).
pub const BUNDLE_URL: &str = "/js/hls_player.js";

/// How to reach the playlist.
pub struct HlsSource<'a> {
    pub playlist_url: &'a str,
    /// Sent as `X-API-Key` on playlist and segment requests to `key_origin` only.
    pub api_key: Option<&'a str>,
    pub key_origin: &'a str,
}

type FixHook = Closure<dyn FnMut(String) -> String>;
type TimelineHook = Closure<dyn FnMut(js_sys::Float64Array)>;
type FragmentHook = Closure<dyn FnMut(f64, Option<String>)>;
type ErrorHook = Closure<dyn FnMut(bool, String)>;

/// A running hls.js instance; dropping it destroys the instance (which stops
/// all loading and detaches it from the video) before its hooks are freed.
pub struct HlsSession {
    controller: JsValue,
    _hooks: (FixHook, TimelineHook, FragmentHook, ErrorHook),
}

impl Drop for HlsSession {
    fn drop(&mut self) {
        if let Ok(destroy) = js_sys::Reflect::get(&self.controller, &"destroy".into()) {
            if let Some(f) = destroy.dyn_ref::<js_sys::Function>() {
                let _ = f.call0(&self.controller);
            }
        }
    }
}

fn function(module: &JsValue, name: &str) -> Result<js_sys::Function, String> {
    js_sys::Reflect::get(module, &name.into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .ok_or_else(|| format!("the hls.js bundle has no `{name}`"))
}

/// Imports the bundle and starts hls.js on `video`. `on_error(fatal, what)` hears hls.js errors.
pub async fn start(
    video: &HtmlVideoElement,
    source: HlsSource<'_>,
    clock: Rc<RefCell<RecordingClock>>,
    on_error: impl FnMut(bool, String) + 'static,
) -> Result<HlsSession, String> {
    let promise = import_module(BUNDLE_URL).map_err(|e| format!("the hls.js bundle could not be imported: {e:?}"))?;
    let module = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(|e| format!("the hls.js bundle could not be loaded from {BUNDLE_URL}: {e:?}"))?;
    let supported = function(&module, "isSupported")?.call0(&JsValue::NULL).map(|v| v.is_truthy()).unwrap_or(false);
    if !supported {
        return Err("this browser cannot play HLS recordings (no Media Source Extensions)".into());
    }

    let fixer = Rc::new(RefCell::new(PlaylistFixer::new()));
    let fix: FixHook = {
        let clock = clock.clone();
        Closure::new(move |text: String| -> String {
            // hls.js would mis-number VAS's playlist after a restart: hand it stable numbers,
            // and give the clock the same numbers for its segments.
            let playlist = MediaPlaylist::parse(&text);
            let fixed = fixer.borrow_mut().fix(&text, &playlist);
            if let Ok(mut c) = clock.try_borrow_mut() {
                c.on_playlist(&playlist, &fixed.entries);
            }
            fixed.text
        })
    };
    let timeline: TimelineHook = {
        let clock = clock.clone();
        Closure::new(move |flat: js_sys::Float64Array| {
            if let Ok(mut c) = clock.try_borrow_mut() {
                c.on_timeline(&flat.to_vec());
            }
        })
    };
    let fragment: FragmentHook = {
        let clock = clock.clone();
        Closure::new(move |sn: f64, last_modified: Option<String>| {
            if let (Ok(mut c), true) = (clock.try_borrow_mut(), sn.is_finite() && sn >= 0.0) {
                c.on_last_modified(sn as u64, last_modified.as_deref());
            }
        })
    };
    let error: ErrorHook = Closure::new(on_error);

    let options = js_sys::Object::new();
    let set = |k: &str, v: JsValue| js_sys::Reflect::set(&options, &k.into(), &v).map(|_| ());
    set("url", source.playlist_url.into()).map_err(|e| format!("{e:?}"))?;
    set("apiKey", source.api_key.map_or(JsValue::NULL, JsValue::from)).map_err(|e| format!("{e:?}"))?;
    set("keyOrigin", source.key_origin.into()).map_err(|e| format!("{e:?}"))?;
    // From the oldest listed segment: the recording plays from end to end.
    set("startPosition", 0.0.into()).map_err(|e| format!("{e:?}"))?;
    let hooks = js_sys::Object::new();
    for (k, f) in [
        ("fixPlaylist", fix.as_ref()),
        ("onTimeline", timeline.as_ref()),
        ("onFragment", fragment.as_ref()),
        ("onError", error.as_ref()),
    ] {
        js_sys::Reflect::set(&hooks, &k.into(), f).map_err(|e| format!("{e:?}"))?;
    }
    let controller = function(&module, "startHls")?
        .call3(&JsValue::NULL, video, &options, &hooks)
        .map_err(|e| format!("hls.js could not start: {e:?}"))?;
    Ok(HlsSession { controller, _hooks: (fix, timeline, fragment, error) })
}
