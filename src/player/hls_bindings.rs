//! The hls.js bundle (`js/hls_player.js`, built by `cargo xtask setup`), imported on demand and wired to the recording clock.
//!
//! The bundle is fetched with a dynamic `import()` from a tiny inline module,
//! so pages other than the recordings page never load it. Every decision
//! stays in Rust: the bundle only hands over what hls.js knows (playlist
//! text, fragment positions, response headers) through the hooks below, and
//! applies the playlist size limit it is given.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlVideoElement;

use crate::core::hls_playlist::{MediaPlaylist, MAX_PLAYLIST_BYTES};
use crate::core::playlist_fixer::PlaylistFixer;
use crate::core::recording_clock::RecordingClock;
use crate::core::segment_skips::SegmentSkips;

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

/// An hls.js error as reported, for the player to decide about.
#[derive(Debug, Clone, PartialEq)]
pub struct HlsError {
    /// hls.js stopped loading because of it (its error controller calls `stopLoad`).
    pub fatal: bool,
    /// `Hls.ErrorTypes` value: `networkError`, `mediaError`, ...
    pub kind: String,
    /// `Hls.ErrorDetails` value: `fragLoadError`, `fragParsingError`, ...
    pub details: String,
    /// The fragment's `sn` when the error is about one.
    pub sn: Option<u64>,
    /// The HTTP status of the failed response (0: none).
    pub http_status: u16,
}

type FixHook = Closure<dyn FnMut(String) -> String>;
type TimelineHook = Closure<dyn FnMut(js_sys::Float64Array)>;
type FragmentHook = Closure<dyn FnMut(f64, Option<String>)>;
type BufferedHook = Closure<dyn FnMut(f64)>;
type ErrorHook = Closure<dyn FnMut(bool, String, String, f64, f64)>;

/// A running hls.js instance; dropping it destroys the instance (which stops
/// all loading and detaches it from the video) before its hooks are freed.
pub struct HlsSession {
    controller: JsValue,
    _hooks: (FixHook, TimelineHook, FragmentHook, BufferedHook, ErrorHook),
}

impl HlsSession {
    fn call(&self, name: &str, args: &js_sys::Array) {
        if let Ok(f) = js_sys::Reflect::get(&self.controller, &name.into()).and_then(|f| f.dyn_into::<js_sys::Function>()) {
            if let Err(e) = f.apply(&self.controller, args) {
                web_sys::console::debug_1(&format!("hls.js {name}: {e:?}").into());
            }
        }
    }

    /// Loads from `position_secs` (-1: from the playhead), also after a fatal error stopped loading.
    pub fn start_load(&self, position_secs: f64) {
        self.call("startLoad", &js_sys::Array::of1(&position_secs.into()));
    }

    /// Rebuilds the media pipeline (re-attaches the video) after a fatal media error.
    pub fn recover_media_error(&self) {
        self.call("recoverMediaError", &js_sys::Array::new());
    }
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

/// Imports the bundle and starts hls.js on `video`. The clock and the segment
/// skips hear the playlists, positions and loaded segments; `on_error` hears
/// every hls.js error, inside hls.js's event dispatch (defer any call back into it).
pub async fn start(
    video: &HtmlVideoElement,
    source: HlsSource<'_>,
    clock: Rc<RefCell<RecordingClock>>,
    skips: Rc<RefCell<SegmentSkips>>,
    mut on_error: impl FnMut(HlsError) + 'static,
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
        let (clock, skips) = (clock.clone(), skips.clone());
        Closure::new(move |text: String| -> String {
            // hls.js would mis-number VAS's playlist after a restart: hand it stable numbers,
            // and give the clock the same numbers for its segments.
            let playlist = MediaPlaylist::parse(&text);
            let fixed = fixer.borrow_mut().fix(&text, &playlist);
            if let Ok(mut c) = clock.try_borrow_mut() {
                c.on_playlist(&playlist, &fixed.entries);
            }
            if let Ok(mut s) = skips.try_borrow_mut() {
                s.on_playlist(&playlist);
            }
            fixed.text
        })
    };
    let timeline: TimelineHook = {
        let (clock, skips) = (clock.clone(), skips.clone());
        Closure::new(move |flat: js_sys::Float64Array| {
            let flat = flat.to_vec();
            if let Ok(mut c) = clock.try_borrow_mut() {
                c.on_timeline(&flat);
            }
            if let Ok(mut s) = skips.try_borrow_mut() {
                s.on_timeline(&flat);
            }
        })
    };
    let buffered: BufferedHook = Closure::new(move |sn: f64| {
        if let (Ok(mut s), true) = (skips.try_borrow_mut(), sn.is_finite() && sn >= 0.0) {
            s.on_fragment_buffered(sn as u64);
        }
    });
    let fragment: FragmentHook = {
        let clock = clock.clone();
        Closure::new(move |sn: f64, last_modified: Option<String>| {
            if let (Ok(mut c), true) = (clock.try_borrow_mut(), sn.is_finite() && sn >= 0.0) {
                c.on_last_modified(sn as u64, last_modified.as_deref());
            }
        })
    };
    let error: ErrorHook = Closure::new(move |fatal: bool, kind: String, details: String, sn: f64, status: f64| {
        let sn = (sn.is_finite() && sn >= 0.0).then_some(sn as u64);
        let http_status = if status.is_finite() && (0.0..=999.0).contains(&status) { status as u16 } else { 0 };
        on_error(HlsError { fatal, kind, details, sn, http_status });
    });

    let options = js_sys::Object::new();
    let set = |k: &str, v: JsValue| js_sys::Reflect::set(&options, &k.into(), &v).map(|_| ());
    set("url", source.playlist_url.into()).map_err(|e| format!("{e:?}"))?;
    set("apiKey", source.api_key.map_or(JsValue::NULL, JsValue::from)).map_err(|e| format!("{e:?}"))?;
    set("keyOrigin", source.key_origin.into()).map_err(|e| format!("{e:?}"))?;
    // From the oldest listed segment: the recording plays from end to end.
    set("startPosition", 0.0.into()).map_err(|e| format!("{e:?}"))?;
    // A longer playlist is refused before the fixer sees it, as a failed load.
    set("maxPlaylistLength", (MAX_PLAYLIST_BYTES as f64).into()).map_err(|e| format!("{e:?}"))?;
    let hooks = js_sys::Object::new();
    for (k, f) in [
        ("fixPlaylist", fix.as_ref()),
        ("onTimeline", timeline.as_ref()),
        ("onFragment", fragment.as_ref()),
        ("onBuffered", buffered.as_ref()),
        ("onError", error.as_ref()),
    ] {
        js_sys::Reflect::set(&hooks, &k.into(), f).map_err(|e| format!("{e:?}"))?;
    }
    let controller = function(&module, "startHls")?
        .call3(&JsValue::NULL, video, &options, &hooks)
        .map_err(|e| format!("hls.js could not start: {e:?}"))?;
    Ok(HlsSession { controller, _hooks: (fix, timeline, fragment, buffered, error) })
}
