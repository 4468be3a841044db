//! `/cameras/{camera_id}/clip?src=..&start=..`: a played clip with the camera's detections on it.

use web_sys::HtmlVideoElement;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::app::Route;
use crate::config::ConfigContext;
use crate::core::params::clip_params::ClipParams;
use crate::core::clock::clip::ClipClock;
use crate::core::events::event_store::StoreLimits;
use crate::core::draw::renderer_choice::RendererPolicy;
use crate::core::time::UnixMicros;
use crate::events::api_client::ApiClient;
use crate::events::live_feed::LiveFeed;
use crate::events::playhead_feed::PlayheadFeed;
use crate::events::store_handle::StoreHandle;
use crate::hooks::use_page_params;
use crate::overlay::Overlay;
use crate::pages::param_errors::param_errors;
use crate::pages::stage::Stage;
use crate::media::ClockHandle;
use crate::player::FilePlayer;

#[derive(Properties, PartialEq, Clone)]
pub struct ClipPageProps {
    pub camera_id: AttrValue,
}

/// The routed page: validates the parameters; the view loads events around the playhead.
#[function_component(ClipPage)]
pub fn clip_page(props: &ClipPageProps) -> Html {
    let config = use_context::<ConfigContext>().expect("config context");
    let params = use_page_params::<ClipParams>();
    let store = use_memo(props.camera_id.clone(), |_| StoreHandle::new(StoreLimits::default()));
    let feed = EventFeed::Playhead { client: ApiClient::new(&config), camera_id: props.camera_id.to_string() };
    match &*params {
        Err(errors) => html! {
            <main class="page">
                { param_errors(errors) }
                <Link<Route> to={Route::Cameras}>{ "Back to the camera list" }</Link<Route>>
            </main>
        },
        Ok(p) => html! {
            <main class="page camera-page">
                <header class="camera-header">
                    <Link<Route> to={Route::Cameras}>{ "Cameras" }</Link<Route>>
                    <span class="camera-id">{ format!("Camera {}", props.camera_id) }</span>
                </header>
                <ClipView src={AttrValue::from(p.src.clone())} clock={ClipClock { start: p.start }} store={(*store).clone()} feed={feed} />
            </main>
        },
    }
}

/// Where a clip view's events come from.
#[derive(Clone, PartialEq, Default)]
pub enum EventFeed {
    /// The store is filled by someone else (tests, replays).
    #[default]
    None,
    /// Windows around the playhead, within the clip's span (recordings, clips).
    Playhead { client: ApiClient, camera_id: String },
    /// Incremental polling of the newest events (live).
    Live { client: ApiClient, camera_id: String },
}

#[derive(Properties, PartialEq, Clone)]
pub struct ClipViewProps {
    pub src: AttrValue,
    pub clock: ClipClock,
    pub store: StoreHandle,
    #[prop_or_default]
    pub feed: EventFeed,
    /// The overlay's renderers (`Auto` in the viewer; tests pin one).
    #[prop_or_default]
    pub renderer: RendererPolicy,
}

/// A played clip: the file player and the overlay on a stage.
#[function_component(ClipView)]
pub fn clip_view(props: &ClipViewProps) -> Html {
    let video_ref = use_node_ref();
    let duration = use_state(|| None::<f64>);
    {
        // The live feed does not depend on the clip's span: it must not restart when
        // the metadata arrives (each restart would begin with an unanchored first poll).
        let deps = (props.feed.clone(), props.store.clone());
        use_effect_with(deps, move |(feed, store)| {
            let running = match feed {
                EventFeed::Live { client, camera_id } => Some(LiveFeed::start(client.clone(), camera_id.clone(), store.clone(), None)),
                _ => None,
            };
            move || drop(running)
        });
    }
    {
        let video_ref = video_ref.clone();
        let deps = (props.feed.clone(), props.store.clone(), props.clock, *duration);
        use_effect_with(deps, move |(feed, store, clock, duration)| {
            let running = match (feed, duration, video_ref.cast::<HtmlVideoElement>()) {
                // The clip's span is known once its metadata is: fetch nothing outside it.
                (EventFeed::Playhead { client, camera_id }, Some(d), Some(video)) => {
                    let end = UnixMicros::from_secs_f64(*d).map_or(clock.start, |span| clock.start.plus(span.0));
                    let bounds = Some((clock.start, end));
                    Some(PlayheadFeed::start(client.clone(), camera_id.clone(), store.clone(), video, ClockHandle::Clip(*clock), bounds, Default::default()))
                }
                _ => None,
            };
            move || drop(running)
        });
    }
    let on_duration = {
        let duration = duration.clone();
        Callback::from(move |d: f64| {
            if d.is_finite() && d > 0.0 {
                duration.set(Some(d));
            }
        })
    };
    html! {
        <Stage>
            <FilePlayer src={props.src.clone()} video_ref={video_ref.clone()} on_duration={on_duration} />
            <Overlay video={video_ref} store={props.store.clone()} clock={ClockHandle::Clip(props.clock)} renderer={props.renderer} />
        </Stage>
    }
}
