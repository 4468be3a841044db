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

use crate::core::clock::recording::fragment_span::fragment_spans;
use crate::core::clock::recording::hls_playlist::MAX_PLAYLIST_BYTES;
use crate::core::clock::recording::playlist_fixer::PlaylistFixer;
use crate::core::clock::recording::recording_clock::Located;
use crate::core::clock::recording::recording_clock::RecordingClock;
use crate::core::clock::recording::segment_skips::SegmentSkips;
use crate::core::time::UnixMicros;

use super::segment_probe;

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

/// Where playback starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartAt {
    /// At the newest recording (hls.js's live start: three target durations before the end).
    Newest,
    /// At the frame whose estimated wall time is nearest, once every run is placed.
    Wall(UnixMicros),
}

/// A start at a wall time, waiting for what it needs: hls.js's first timeline,
/// the run probes' answers, and the controller to call.
struct PendingStart {
    target: UnixMicros,
    probes_in_flight: usize,
    timeline_seen: bool,
    controller: Option<JsValue>,
    on_start: Box<dyn FnOnce(Located)>,
}

type Pending = Rc<RefCell<Option<PendingStart>>>;

/// Starts loading at the target once everything it needs is in (deferred:
/// callers may be inside hls.js's event dispatch).
fn try_start(pending: &Pending, clock: &Rc<RefCell<RecordingClock>>) {
    let ready = pending
        .borrow()
        .as_ref()
        .is_some_and(|p| p.timeline_seen && p.probes_in_flight == 0 && p.controller.is_some());
    if !ready {
        return;
    }
    let Some(p) = pending.borrow_mut().take() else { return };
    let located = match clock.try_borrow() {
        Ok(c) => c.locate(p.target),
        Err(_) => Located::Unknown,
    };
    let position = match located {
        Located::Recorded { media_secs } | Located::NotRecorded { media_secs, .. } => media_secs,
        Located::Unknown => -1.0,
    };
    wasm_bindgen_futures::spawn_local(async move {
        if let Some(controller) = &p.controller {
            if let Ok(f) = js_sys::Reflect::get(controller, &"startLoad".into())
                .and_then(|f| f.dyn_into::<js_sys::Function>())
            {
                let _ = f.call1(controller, &position.into());
            }
        }
        (p.on_start)(located);
    });
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

type FixHook = Closure<dyn FnMut(String) -> js_sys::Array>;
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
        if let Ok(f) = js_sys::Reflect::get(&self.controller, &name.into())
            .and_then(|f| f.dyn_into::<js_sys::Function>())
        {
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
    start_at: StartAt,
    on_start: impl FnOnce(Located) + 'static,
    mut on_error: impl FnMut(HlsError) + 'static,
) -> Result<HlsSession, String> {
    let promise = import_module(BUNDLE_URL)
        .map_err(|e| format!("the hls.js bundle could not be imported: {e:?}"))?;
    let module = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(|e| format!("the hls.js bundle could not be loaded from {BUNDLE_URL}: {e:?}"))?;
    let supported = function(&module, "isSupported")?
        .call0(&JsValue::NULL)
        .map(|v| v.is_truthy())
        .unwrap_or(false);
    if !supported {
        return Err("this browser cannot play HLS recordings (no Media Source Extensions)".into());
    }

    let pending: Pending = Rc::new(RefCell::new(match start_at {
        StartAt::Newest => None,
        StartAt::Wall(target) => Some(PendingStart {
            target,
            probes_in_flight: 0,
            timeline_seen: false,
            controller: None,
            on_start: Box::new(on_start),
        }),
    }));
    let fixer = Rc::new(RefCell::new(PlaylistFixer::new()));
    let fix: FixHook = {
        let (clock, skips, pending) = (clock.clone(), skips.clone(), pending.clone());
        let playlist_url = source.playlist_url.to_owned();
        let probe_key = source.api_key.map(str::to_owned);
        let key_origin = source.key_origin.to_owned();
        Closure::new(move |text: String| -> js_sys::Array {
            // hls.js would mis-number VAS's playlist after a restart: hand it stable numbers,
            // and give the clock the same numbers for its segments. Only the header is
            // rewritten: the bundle splices it onto the text it holds.
            let update = fixer.borrow_mut().fix(&text);
            let fixer = fixer.borrow();
            if let Ok(mut c) = clock.try_borrow_mut() {
                c.on_playlist(&fixer, update.change);
                // One segment of every run not placed yet: its Last-Modified places the run.
                for sn in c.take_probes() {
                    if let Some(uri) = fixer
                        .listed()
                        .front()
                        .and_then(|f| {
                            fixer.listed().get(usize::try_from(sn.checked_sub(f.fixed.sn)?).ok()?)
                        })
                        .map(|l| l.entry.uri.clone())
                    {
                        if let Some(p) = pending.borrow_mut().as_mut() {
                            p.probes_in_flight += 1;
                        }
                        let (pending, clock_done) = (pending.clone(), clock.clone());
                        let done = move || {
                            // The probe ends after the fix hook returned: nothing else holds the clock then.
                            if let Ok(mut c) = clock_done.try_borrow_mut() {
                                c.on_probe_done(sn);
                            }
                            if let Some(p) = pending.borrow_mut().as_mut() {
                                p.probes_in_flight = p.probes_in_flight.saturating_sub(1);
                            }
                            try_start(&pending, &clock_done);
                        };
                        segment_probe::spawn(
                            &playlist_url,
                            &uri,
                            probe_key.as_deref(),
                            &key_origin,
                            sn,
                            clock.clone(),
                            done,
                        );
                    }
                }
            }
            if let Ok(mut s) = skips.try_borrow_mut() {
                s.on_playlist(fixer.header());
            }
            js_sys::Array::of2(
                &JsValue::from(update.header.as_str()),
                &JsValue::from(update.body_start_utf16(&text) as f64),
            )
        })
    };
    let timeline: TimelineHook = {
        let (clock, skips, pending) = (clock.clone(), skips.clone(), pending.clone());
        Closure::new(move |flat: js_sys::Float64Array| {
            // One parse for both: a day of playlist is 14,400 positions.
            let spans = fragment_spans(&flat.to_vec());
            if let Ok(mut s) = skips.try_borrow_mut() {
                s.on_spans(spans.clone());
            }
            if let Ok(mut c) = clock.try_borrow_mut() {
                c.on_spans(spans);
            }
            if let Some(p) = pending.borrow_mut().as_mut() {
                p.timeline_seen = true;
            }
            try_start(&pending, &clock);
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
    let error: ErrorHook =
        Closure::new(move |fatal: bool, kind: String, details: String, sn: f64, status: f64| {
            let sn = (sn.is_finite() && sn >= 0.0).then_some(sn as u64);
            let http_status = if status.is_finite() && (0.0..=999.0).contains(&status) {
                status as u16
            } else {
                0
            };
            on_error(HlsError { fatal, kind, details, sn, http_status });
        });

    let options = js_sys::Object::new();
    let set = |k: &str, v: JsValue| js_sys::Reflect::set(&options, &k.into(), &v).map(|_| ());
    set("url", source.playlist_url.into()).map_err(|e| format!("{e:?}"))?;
    set("apiKey", source.api_key.map_or(JsValue::NULL, JsValue::from))
        .map_err(|e| format!("{e:?}"))?;
    set("keyOrigin", source.key_origin.into()).map_err(|e| format!("{e:?}"))?;
    // At the newest recording (hls.js's live start), or loading held until the
    // wall time asked for is placed on the media timeline.
    set("startPosition", (-1.0).into()).map_err(|e| format!("{e:?}"))?;
    set("autoStartLoad", matches!(start_at, StartAt::Newest).into())
        .map_err(|e| format!("{e:?}"))?;
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
    if let Some(p) = pending.borrow_mut().as_mut() {
        p.controller = Some(controller.clone());
    }
    try_start(&pending, &clock);
    Ok(HlsSession { controller, _hooks: (fix, timeline, fragment, buffered, error) })
}
