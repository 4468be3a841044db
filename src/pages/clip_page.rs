//! `/cameras/{camera_id}/clip?src=..&start=..`: a played clip with the camera's detections on it.

use web_sys::HtmlVideoElement;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::app::Route;
use crate::config::ConfigContext;
use crate::core::clock::clip::ClipClock;
use crate::core::draw::renderer_choice::RendererPolicy;
use crate::core::events::event_store::StoreLimits;
use crate::core::params::clip_params::ClipParams;
use crate::core::time::UnixMicros;
use crate::events::api_client::ApiClient;
use crate::events::playhead_feed::PlayheadFeed;
use crate::events::store_handle::StoreHandle;
use crate::hooks::use_page_params;
use crate::media::ClockHandle;
use crate::overlay::Overlay;
use crate::pages::param_errors::param_errors;
use crate::pages::stage::Stage;
use crate::player::FilePlayer;

#[derive(Properties, PartialEq, Clone)]
pub struct ClipPageProps {
    pub camera_id: AttrValue,
}

/// The routed page: validates the parameters and loads events around the playhead.
#[function_component(ClipPage)]
pub fn clip_page(props: &ClipPageProps) -> Html {
    let config = use_context::<ConfigContext>().expect("config context");
    let params = use_page_params::<ClipParams>();
    let store = use_memo(props.camera_id.clone(), |_| StoreHandle::new(StoreLimits::default()));
    let video_ref = use_node_ref();
    let duration = use_state(|| None::<f64>);
    let clock = (*params).as_ref().ok().map(|p| ClipClock { start: p.start });
    {
        let video_ref = video_ref.clone();
        let deps =
            (ApiClient::new(&config), props.camera_id.clone(), (*store).clone(), clock, *duration);
        use_effect_with(deps, move |(client, camera_id, store, clock, duration)| {
            let running = match (clock, duration, video_ref.cast::<HtmlVideoElement>()) {
                // The clip's span is known once its metadata is: fetch nothing outside it.
                (Some(clock), Some(d), Some(video)) => {
                    let end = UnixMicros::from_secs_f64(*d)
                        .map_or(clock.start, |span| clock.start.plus(span.0));
                    let bounds = Some((clock.start, end));
                    Some(PlayheadFeed::start(
                        client.clone(),
                        camera_id.to_string(),
                        store.clone(),
                        video,
                        ClockHandle::Clip(*clock),
                        bounds,
                        Default::default(),
                    ))
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
                <ClipView src={AttrValue::from(p.src.clone())} clock={ClipClock { start: p.start }} store={(*store).clone()} {video_ref} {on_duration} />
            </main>
        },
    }
}

#[derive(Properties, PartialEq, Clone)]
pub struct ClipViewProps {
    pub src: AttrValue,
    pub clock: ClipClock,
    /// The events drawn; whoever mounts the view keeps it filled.
    pub store: StoreHandle,
    /// The `<video>`, for whoever loads events around its playhead.
    pub video_ref: NodeRef,
    /// The clip's duration in seconds, once its metadata is known.
    #[prop_or_default]
    pub on_duration: Callback<f64>,
    /// The overlay's renderers (`Auto` in the viewer; tests pin one).
    #[prop_or_default]
    pub renderer: RendererPolicy,
}

/// A played clip: the file player and the overlay on a stage.
#[function_component(ClipView)]
pub fn clip_view(props: &ClipViewProps) -> Html {
    html! {
        <Stage>
            <FilePlayer src={props.src.clone()} video_ref={props.video_ref.clone()} on_duration={props.on_duration.clone()} />
            <Overlay video={props.video_ref.clone()} store={props.store.clone()} clock={ClockHandle::Clip(props.clock)} renderer={props.renderer} />
        </Stage>
    }
}
