//! `/cameras/{camera_id}/recordings[?at=...&clock=...]`: a camera's VAS recording played with hls.js, with detections drawn and a timeline.
//!
//! Playback opens at the newest recording, or with `at` (an RFC 3339 time
//! on VAS's clock) at the frame whose estimated wall time is nearest; a time
//! outside what VAS holds is said on the page, with where the nearest
//! recording is. `clock` optionally names the mapping method to prefer
//! (`segment-epoch`, `last-modified`, `program-date-time`), for comparing
//! them; by default the recording clock chooses per segment (see
//! `core::clock::recording::recording_clock`). Parameters are read by
//! `use_page_params` and validated by `core::params::recording_params`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use web_sys::{Element, HtmlVideoElement};
use yew::prelude::*;
use yew_router::prelude::*;

use crate::app::Route;
use crate::config::ConfigContext;
use crate::core::clock::recording::recording_clock::{Located, RecordingClock};
use crate::core::clock::recording::recording_dates::{decode_recording_dates, RecordedDate};
use crate::core::clock::recording::recording_method::RecordingClockMethod;
use crate::core::events::event_store::StoreLimits;
use crate::core::events::wire::percent_encode;
use crate::core::params::recording_params::RecordingParams;
use crate::core::time::{format_rfc3339_utc, UnixMicros};
use crate::events::api_client::{ApiClient, ApiError};
use crate::events::playhead_feed::{LoadedSpan, PlayheadFeed};
use crate::events::store_handle::StoreHandle;
use crate::hooks::use_page_params;
use crate::media::ClockHandle;
use crate::overlay::timeline_strip::TimelineStrip;
use crate::overlay::Overlay;
use crate::pages::param_errors::param_errors;
use crate::player::hls_bindings::StartAt;
use crate::player::HlsPlayer;

#[derive(Properties, PartialEq, Clone)]
pub struct RecordingsPageProps {
    pub camera_id: AttrValue,
}

#[derive(Clone, PartialEq)]
enum Dates {
    Loading,
    Loaded(Vec<RecordedDate>),
    Failed(String),
}

fn recordings_path(camera_id: &str, tail: &str) -> String {
    format!("/api/v1/recordings/devices/{}/{tail}", percent_encode(camera_id))
}

/// The routed page: asks VAS which days are recorded, then plays the rolling playlist.
#[function_component(RecordingsPage)]
pub fn recordings_page(props: &RecordingsPageProps) -> Html {
    let config = use_context::<ConfigContext>().expect("config context");
    let params = use_page_params::<RecordingParams>();
    let dates = use_state(|| Dates::Loading);
    {
        let (dates, config) = (dates.clone(), config.clone());
        use_effect_with(props.camera_id.clone(), move |camera_id| {
            let path = recordings_path(camera_id, "dates");
            wasm_bindgen_futures::spawn_local(async move {
                let result = ApiClient::new(&config).get_bytes(&path).await.and_then(|b| {
                    decode_recording_dates(&b).map_err(|e| ApiError::Decode(format!("{e:?}")))
                });
                dates.set(match result {
                    Ok(d) => Dates::Loaded(d),
                    Err(e) => Dates::Failed(e.to_string()),
                });
            });
        });
    }
    let header = html! {
        <header class="camera-header">
            <Link<Route> to={Route::Cameras}>{ "Cameras" }</Link<Route>>
            <span class="camera-id">{ format!("Camera {} - recordings", props.camera_id) }</span>
            if let Dates::Loaded(d) = &*dates {
                <span class="camera-id" data-recorded-days={d.len().to_string()}>
                    { d.iter().map(|x| x.formatted.clone().unwrap_or_else(|| x.date.clone())).collect::<Vec<_>>().join(", ") }
                </span>
            }
        </header>
    };
    let body = match (&*dates, &*params) {
        (_, Err(errors)) => param_errors(errors),
        (Dates::Loading, _) => html! { <p class="message">{ "Looking for recordings..." }</p> },
        (Dates::Failed(e), _) => {
            html! { <p class="message" role="alert">{ format!("The recordings could not be listed ({e}).") }</p> }
        }
        (Dates::Loaded(d), _) if d.is_empty() => {
            html! { <p class="message" role="alert">{ "VAS has no recordings for this camera." }</p> }
        }
        (Dates::Loaded(_), Ok(RecordingParams { prefer, at })) => {
            html! { <RecordingView camera_id={props.camera_id.clone()} prefer={*prefer} at={*at} /> }
        }
    };
    html! {
        <main class="page camera-page">
            { header }
            { body }
        </main>
    }
}

#[derive(Properties, PartialEq, Clone)]
pub struct RecordingViewProps {
    pub camera_id: AttrValue,
    pub prefer: Option<RecordingClockMethod>,
    /// Open at this wall time (VAS's clock); else at the newest recording.
    pub at: Option<UnixMicros>,
}

/// What the page says about where playback opened, when asked for a time.
fn start_note(at: UnixMicros, located: &Located) -> Option<String> {
    match located {
        Located::Recorded { .. } => None,
        Located::NotRecorded { nearest, .. } => Some(format!(
            "VAS holds no recording at {}; playing from the nearest recorded moment, {}.",
            format_rfc3339_utc(at),
            format_rfc3339_utc(*nearest)
        )),
        Located::Unknown => Some(format!("The recording could not be placed on VAS's clock, so {} could not be found: playing from the newest recording.", format_rfc3339_utc(at))),
    }
}

/// The stage (hls.js player with the overlay on top) and the detection timeline under it.
#[function_component(RecordingView)]
pub fn recording_view(props: &RecordingViewProps) -> Html {
    let config = use_context::<ConfigContext>().expect("config context");
    let video_ref = use_node_ref();
    let stage_ref = use_node_ref();
    let clock = use_memo((props.camera_id.clone(), props.prefer), |(_, prefer)| {
        ClockHandle::Recording(Rc::new(RefCell::new(RecordingClock::new(*prefer))))
    });
    let store = use_memo(props.camera_id.clone(), |_| StoreHandle::new(StoreLimits::default()));
    let loaded: Rc<LoadedSpan> = use_memo(props.camera_id.clone(), |_| Rc::new(Cell::new(None)));
    let note = use_state(|| None::<String>);
    let on_start = {
        let (note, at) = (note.clone(), props.at);
        Callback::from(move |located: Located| note.set(at.and_then(|at| start_note(at, &located))))
    };
    let start_at = props.at.map_or(StartAt::Newest, StartAt::Wall);
    {
        let (video_ref, client) = (video_ref.clone(), ApiClient::new(&config));
        let deps = (props.camera_id.clone(), (*store).clone(), (*clock).clone());
        let loaded = (*loaded).clone();
        use_effect_with(deps, move |(camera_id, store, clock)| {
            // Windows around the playhead; the recording spans days, so no bounds.
            let feed = video_ref.cast::<HtmlVideoElement>().map(|video| {
                PlayheadFeed::start(
                    client,
                    camera_id.to_string(),
                    store.clone(),
                    video,
                    clock.clone(),
                    None,
                    loaded,
                )
            });
            move || drop(feed)
        });
    }
    let fullscreen = {
        let stage_ref = stage_ref.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(stage) = stage_ref.cast::<Element>() {
                let _ = stage.request_fullscreen();
            }
        })
    };
    let playlist_url = config.api_url(&recordings_path(&props.camera_id, "playlist"));
    // The key may only go to the API's origin (the viewer's own when the base is empty).
    let key_origin = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.base_uri().ok().flatten())
        .and_then(|base| web_sys::Url::new_with_base(&playlist_url, &base).ok())
        .map(|u| u.origin())
        .unwrap_or_default();
    html! {
        <>
            <div class="stage" ref={stage_ref} style="position:relative;width:100%;height:100%;background:#000;overflow:hidden">
                <HlsPlayer playlist_url={AttrValue::from(playlist_url)} api_key={config.api_key.clone().map(AttrValue::from)}
                    key_origin={AttrValue::from(key_origin)} video_ref={video_ref.clone()} clock={(*clock).clone()} {start_at} {on_start} />
                <Overlay video={video_ref.clone()} store={(*store).clone()} clock={(*clock).clone()} />
                <button class="fullscreen" type="button" onclick={fullscreen} title="Fullscreen">{ "Fullscreen" }</button>
            </div>
            if let Some(n) = &*note {
                <p class="message" data-start-note="">{ n.clone() }</p>
            }
            <TimelineStrip video={video_ref} store={(*store).clone()} clock={(*clock).clone()} loaded={(*loaded).clone()} />
        </>
    }
}
