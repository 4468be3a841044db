//! `/cameras/{camera_id}`: the camera live, with the detections drawn on each presented frame.
//!
//! Optional query parameters, for diagnosis and the alignment tests:
//! `clock=rtp-sr|receive|arrival` caps the live frame clock's method (by
//! default the best available one is used); `anchor=Q` sets the quantile of
//! the RTP anchor (default 0.1; the tests compare 0.5, the median);
//! `delay=off` turns off the playout delay that holds frames until their
//! events have arrived. They are read by `use_page_params` and validated by
//! `core::params::live_params`; a malformed one is said on the page.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::app::Route;
use crate::config::ConfigContext;
use crate::core::clock::live::live_clock::LiveClockParams;
use crate::core::clock::live::live_signaling::websocket_url;
use crate::core::events::event_store::StoreLimits;
use crate::core::params::live_params::LiveParams;
use crate::events::api_client::ApiClient;
use crate::events::live_feed::{FrameTimeHint, LiveFeed};
use crate::events::store_handle::StoreHandle;
use crate::hooks::use_page_params;
use crate::media::live_clock_handle::LiveClockHandle;
use crate::media::ClockHandle;
use crate::overlay::Overlay;
use crate::pages::param_errors::param_errors;
use crate::pages::stage::Stage;
use crate::player::LivePlayer;

#[derive(Properties, PartialEq, Clone)]
pub struct LivePageProps {
    pub camera_id: AttrValue,
}

#[function_component(LivePage)]
pub fn live_page(props: &LivePageProps) -> Html {
    let config = use_context::<ConfigContext>().expect("config context");
    let params = use_page_params::<LiveParams>();
    // Hooks run whatever the parameters (on the defaults when some are
    // malformed); the page then shows the messages instead of the player.
    let LiveParams { max_method, anchor_quantile, playout_delay } =
        params.as_ref().as_ref().copied().unwrap_or_default();
    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
    let ws_url = websocket_url(&config.api_base_url, &origin);
    let store = use_memo(props.camera_id.clone(), |_| StoreHandle::new(StoreLimits::live()));
    let clock = use_memo(
        (props.camera_id.clone(), max_method, anchor_quantile.to_bits()),
        move |(_, max_method, _)| {
            LiveClockHandle::new(LiveClockParams {
                max_method: *max_method,
                anchor_quantile,
                ..LiveClockParams::default()
            })
        },
    );
    {
        let (config, store, clock) = (config.clone(), (*store).clone(), (*clock).clone());
        // Keyed on the clock too: a new clock (other page parameters) must be the one asked.
        use_effect_with((props.camera_id.clone(), clock), move |(camera_id, clock)| {
            let clock = clock.clone();
            let frame_time: FrameTimeHint =
                std::rc::Rc::new(move || clock.last_selection_time().map(|(t, _)| t));
            let feed = LiveFeed::start(
                ApiClient::new(&config),
                camera_id.to_string(),
                store,
                Some(frame_time),
            );
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
    match (&*params, ws_url) {
        (Err(errors), _) => html! {
            <main class="page">{ header }{ param_errors(errors) }</main>
        },
        (Ok(_), Err(e)) => html! {
            <main class="page">{ header }<p class="message" role="alert">{ e }</p></main>
        },
        (Ok(_), Ok(url)) => html! {
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
