//! `/cameras/{camera_id}/clip?src=..&start=..`: a played clip with the camera's detections on it.

use web_sys::{Element, UrlSearchParams};
use yew::prelude::*;
use yew_router::prelude::*;

use crate::app::Route;
use crate::config::ConfigContext;
use crate::core::clip_params::ClipParams;
use crate::core::clock::ClipClock;
use crate::core::event_store::StoreLimits;
use crate::core::renderer_choice::RendererPolicy;
use crate::core::time::{UnixMicros, MICROS_PER_SEC};
use crate::events::api_client::ApiClient;
use crate::events::store_handle::StoreHandle;
use crate::overlay::Overlay;
use crate::player::FilePlayer;

#[derive(Properties, PartialEq, Clone)]
pub struct ClipPageProps {
    pub camera_id: AttrValue,
}

/// The routed page: validates the parameters, then loads events for the clip's span.
#[function_component(ClipPage)]
pub fn clip_page(props: &ClipPageProps) -> Html {
    let location = use_location();
    let config = use_context::<ConfigContext>().expect("config context");
    let query = location.map(|l| l.query_str().to_owned()).unwrap_or_default();
    let params = use_memo(query, |q| {
        let search = UrlSearchParams::new_with_str(q).ok();
        let get = |k: &str| search.as_ref().and_then(|s| s.get(k));
        ClipParams::parse(get("src").as_deref(), get("start").as_deref())
    });
    let store = use_memo(props.camera_id.clone(), |_| StoreHandle::new(StoreLimits::default()));
    let duration = use_state(|| None::<f64>);
    {
        // In this version the clip's events are fetched once over its span; the
        // event-wiring work makes this incremental.
        let (store, config, camera_id) = ((*store).clone(), config.clone(), props.camera_id.to_string());
        let params = (*params).clone();
        use_effect_with((*duration, params.clone()), move |(duration, params)| {
            if let (Some(d), Ok(p)) = (*duration, params) {
                let end = UnixMicros::from_secs_f64(d).map_or(p.start, |span| p.start.plus(span.0 + MICROS_PER_SEC));
                let start = p.start;
                wasm_bindgen_futures::spawn_local(async move {
                    match ApiClient::new(&config).events_between(&camera_id, start, end).await {
                        Ok(events) => {
                            store.ingest(events);
                        }
                        // Missing data only leaves the overlay empty; nothing is shown to the user.
                        Err(e) => web_sys::console::debug_1(&format!("events not loaded: {e}").into()),
                    }
                });
            }
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
        Err(e) => html! {
            <main class="page">
                <p class="message" role="alert">{ e.to_string() }</p>
                <Link<Route> to={Route::Cameras}>{ "Back to the camera list" }</Link<Route>>
            </main>
        },
        Ok(p) => html! {
            <main class="page camera-page">
                <header class="camera-header">
                    <Link<Route> to={Route::Cameras}>{ "Cameras" }</Link<Route>>
                    <span class="camera-id">{ format!("Camera {}", props.camera_id) }</span>
                </header>
                <ClipView src={AttrValue::from(p.src.clone())} clock={ClipClock { start: p.start }} store={(*store).clone()} on_duration={on_duration} />
            </main>
        },
    }
}

#[derive(Properties, PartialEq, Clone)]
pub struct ClipViewProps {
    pub src: AttrValue,
    pub clock: ClipClock,
    pub store: StoreHandle,
    #[prop_or_default]
    pub on_duration: Callback<f64>,
    /// The overlay's renderers (`Auto` in the viewer; tests pin one).
    #[prop_or_default]
    pub renderer: RendererPolicy,
}

/// The stage: the player's video with the overlay on top, filling its parent.
/// Fullscreen applies to the stage, so the overlay stays above the video.
#[function_component(ClipView)]
pub fn clip_view(props: &ClipViewProps) -> Html {
    let video_ref = use_node_ref();
    let stage_ref = use_node_ref();
    let fullscreen = {
        let stage_ref = stage_ref.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(stage) = stage_ref.cast::<Element>() {
                let _ = stage.request_fullscreen();
            }
        })
    };
    html! {
        <div class="stage" ref={stage_ref} style="position:relative;width:100%;height:100%;background:#000;overflow:hidden">
            <FilePlayer src={props.src.clone()} video_ref={video_ref.clone()} on_duration={props.on_duration.clone()} />
            <Overlay video={video_ref} store={props.store.clone()} clock={props.clock} renderer={props.renderer} />
            <button class="fullscreen" type="button" onclick={fullscreen} title="Fullscreen">{ "Fullscreen" }</button>
        </div>
    }
}
