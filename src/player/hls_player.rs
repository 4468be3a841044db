//! Plays a VAS recording playlist with hls.js in a `<video>` that it owns; the overlay only reads it.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use web_sys::HtmlVideoElement;
use yew::prelude::*;

use super::hls_bindings::{self, HlsSession, HlsSource, StartAt};
use super::hls_recovery::HlsRecovery;
use crate::core::clock::recording::recording_clock::Located;
use crate::core::clock::recording::segment_skips::SegmentSkips;
use crate::media::ClockHandle;

#[derive(Properties, PartialEq, Clone)]
pub struct HlsPlayerProps {
    pub playlist_url: AttrValue,
    pub api_key: Option<AttrValue>,
    /// The origin the key may be sent to (the API's).
    pub key_origin: AttrValue,
    /// Shared with the overlay, which reads frame metadata and geometry from it.
    pub video_ref: NodeRef,
    /// Must be `ClockHandle::Recording`: hls.js feeds it playlists, positions and headers.
    pub clock: ClockHandle,
    /// Where playback starts.
    pub start_at: StartAt,
    /// Told where a start at a wall time landed.
    #[prop_or_default]
    pub on_start: Callback<Located>,
}

#[derive(Clone, PartialEq)]
enum Status {
    Starting,
    Playing,
    Failed(String),
}

/// A muted, inline `<video>` with the browser's native controls, played by hls.js.
///
/// As with `FilePlayer`, the video's own fullscreen button is removed
/// (`controlslist`): fullscreen on the bare video would hide the overlay, so
/// the page offers fullscreen on the stage that holds both.
///
/// A missing or damaged segment is jumped over once the playhead reaches it
/// (`HlsRecovery`, deciding with `core::clock::recording::segment_skips`); fatal media errors
/// are recovered a bounded number of times. Only when playback cannot go on
/// does the player show an error.
#[function_component(HlsPlayer)]
pub fn hls_player(props: &HlsPlayerProps) -> Html {
    let status = use_state(|| Status::Starting);
    {
        let status = status.clone();
        let video_ref = props.video_ref.clone();
        let on_start = props.on_start.clone();
        let deps = (
            props.playlist_url.clone(),
            props.api_key.clone(),
            props.key_origin.clone(),
            props.clock.clone(),
            props.start_at,
        );
        use_effect_with(deps, move |(url, key, origin, clock, start_at)| {
            let alive = Rc::new(Cell::new(true));
            let session: Rc<RefCell<Option<HlsSession>>> = Rc::new(RefCell::new(None));
            let recovery: Rc<RefCell<Option<HlsRecovery>>> = Rc::new(RefCell::new(None));
            if let (Some(video), ClockHandle::Recording(clock)) =
                (video_ref.cast::<HtmlVideoElement>(), clock.clone())
            {
                status.set(Status::Starting);
                // The muted property (not only the attribute) is what autoplay policies check.
                video.set_muted(true);
                let skips = Rc::new(RefCell::new(SegmentSkips::default()));
                let on_failed = {
                    let (status, alive) = (status.clone(), alive.clone());
                    move |what: String| {
                        if alive.get() {
                            status.set(Status::Failed(what));
                        }
                    }
                };
                let faults =
                    HlsRecovery::start(video.clone(), session.clone(), skips.clone(), on_failed);
                let on_error = faults.error_handler();
                *recovery.borrow_mut() = Some(faults);
                let (alive, session, status, url, key, origin, start_at) = (
                    alive.clone(),
                    session.clone(),
                    status.clone(),
                    url.clone(),
                    key.clone(),
                    origin.clone(),
                    *start_at,
                );
                let on_start = {
                    let alive = alive.clone();
                    move |located: Located| {
                        if alive.get() {
                            on_start.emit(located);
                        }
                    }
                };
                wasm_bindgen_futures::spawn_local(async move {
                    let source = HlsSource {
                        playlist_url: &url,
                        api_key: key.as_deref(),
                        key_origin: &origin,
                    };
                    match hls_bindings::start(
                        &video, source, clock, skips, start_at, on_start, on_error,
                    )
                    .await
                    {
                        Ok(s) if alive.get() => {
                            *session.borrow_mut() = Some(s);
                            status.set(Status::Playing);
                            if let Ok(p) = video.play() {
                                // A refused autoplay leaves the native play button to the user.
                                let _ = wasm_bindgen_futures::JsFuture::from(p).await;
                            }
                        }
                        // Unmounted while loading: the session is dropped (destroyed) right here.
                        Ok(_) => {}
                        Err(e) if alive.get() => status.set(Status::Failed(e)),
                        Err(_) => {}
                    }
                });
            }
            move || {
                alive.set(false);
                recovery.borrow_mut().take();
                session.borrow_mut().take();
            }
        });
    }
    html! {
        <>
            <video
                ref={props.video_ref.clone()}
                muted=true
                autoplay=true
                playsinline=true
                controls=true
                preload="auto"
                controlslist="nofullscreen"
                disablepictureinpicture=true
                data-player="hls"
                style="position:absolute;inset:0;width:100%;height:100%;object-fit:contain;background:#000"
            />
            if let Status::Failed(e) = &*status {
                <div class="player-message" role="alert">{ format!("The recording could not be played: {e}") }</div>
            }
        </>
    }
}
