//! `/cameras/{camera_id}`: the camera live, with the detections drawn on each presented frame.
//!
//! Optional query parameters, for diagnosis and the alignment tests:
//! `clock=rtp-sr|receive|arrival` caps the live frame clock's method (by
//! default the best available one is used); `anchor=Q` sets the quantile of
//! the RTP anchor (default 0.1; the tests compare 0.5, the median);
//! `delay=off` turns off the playout delay that holds frames until their
//! events have arrived.

use web_sys::UrlSearchParams;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::app::Route;
use crate::config::ConfigContext;
use crate::core::events::event_store::StoreLimits;
use crate::core::clock::live::live_clock::{LiveClockMethod, LiveClockParams};
use crate::core::clock::live::live_signaling::websocket_url;
use crate::events::api_client::ApiClient;
use crate::events::live_feed::{FrameTimeHint, LiveFeed};
use crate::events::store_handle::StoreHandle;
use crate::overlay::Overlay;
use crate::media::ClockHandle;
use crate::pages::stage::Stage;
use crate::media::live_clock_handle::LiveClockHandle;
use crate::player::LivePlayer;

#[derive(Properties, PartialEq, Clone)]
pub struct LivePageProps {
    pub camera_id: AttrValue,
}

#[function_component(LivePage)]
pub fn live_page(props: &LivePageProps) -> Html {
    let config = use_context::<ConfigContext>().expect("config context");
    let location = use_location();
    let query = location.map(|l| l.query_str().to_owned()).unwrap_or_default();
    let search = UrlSearchParams::new_with_str(&query).ok();
    let playout_delay = search.as_ref().and_then(|s| s.get("delay")).as_deref() != Some("off");
    let defaults = LiveClockParams::default();
    let anchor_quantile = search
        .as_ref()
        .and_then(|s| s.get("anchor"))
        .and_then(|q| q.parse::<f64>().ok())
        .filter(|q| (0.0..=1.0).contains(q))
        .unwrap_or(defaults.anchor_quantile);
    let max_method = use_memo(query, |q| {
        let search = UrlSearchParams::new_with_str(q).ok();
        match search.and_then(|s| s.get("clock")) {
            None => Ok(LiveClockMethod::RtpSr),
            Some(c) => LiveClockMethod::from_attr(&c).ok_or(format!("Unknown clock {c:?}: use rtp-sr, receive or arrival.")),
        }
    });
    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
    let ws_url = websocket_url(&config.api_base_url, &origin);
    let store = use_memo(props.camera_id.clone(), |_| StoreHandle::new(StoreLimits::live()));
    let clock = use_memo((props.camera_id.clone(), (*max_method).clone(), anchor_quantile.to_bits()), move |(_, m, _)| {
        LiveClockHandle::new(LiveClockParams { max_method: m.clone().unwrap_or(LiveClockMethod::RtpSr), anchor_quantile, ..defaults })
    });
    {
        let (config, store, clock) = (config.clone(), (*store).clone(), (*clock).clone());
        // Keyed on the clock too: a new clock (other page parameters) must be the one asked.
        use_effect_with((props.camera_id.clone(), clock), move |(camera_id, clock)| {
            let clock = clock.clone();
            let frame_time: FrameTimeHint = std::rc::Rc::new(move || clock.last_frame_time().map(|(t, _)| t));
            let feed = LiveFeed::start(ApiClient::new(&config), camera_id.to_string(), store, Some(frame_time));
            move || drop(feed)
        });
    }
    let video_ref = use_node_ref();
    let header = html! {
        <header class="camera-header">
            <Link<Route> to={Route::Cameras}>{ "Cameras" }</Link<Route>>
            <span class="camera-id">{ format!("Camera {} (live)", props.camera_id) }</span>
        </header>
    };
    let problem = match (&ws_url, &*max_method) {
        (Err(e), _) | (_, Err(e)) => Some(e.clone()),
        _ => None,
    };
    match (problem, ws_url) {
        (Some(e), _) | (None, Err(e)) => html! {
            <main class="page">{ header }<p class="message" role="alert">{ e }</p></main>
        },
        (None, Ok(url)) => html! {
            <main class="page camera-page">
                { header }
                <Stage>
                    <LivePlayer camera_id={props.camera_id.clone()} ws_url={AttrValue::from(url)} video_ref={video_ref.clone()} clock={(*clock).clone()} store={(*store).clone()} {playout_delay} />
                    <Overlay video={video_ref} store={(*store).clone()} clock={ClockHandle::Live((*clock).clone())} />
                </Stage>
            </main>
        },
    }
}
