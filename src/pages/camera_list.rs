//! `/`: the cameras from `GET /api/v1/devices`, each linking to its pages.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::app::Route;
use crate::config::ConfigContext;
use crate::core::events::wire::Device;
use crate::core::time::format_rfc3339_utc;
use crate::events::api_client::ApiClient;

/// The clip page's query string.
#[derive(Clone, PartialEq, serde::Serialize)]
pub struct ClipQuery {
    pub src: String,
    pub start: String,
}

#[derive(Clone, PartialEq)]
enum Load {
    Loading,
    Loaded(Vec<Device>),
    Failed(String),
}

#[function_component(CameraList)]
pub fn camera_list() -> Html {
    let config = use_context::<ConfigContext>().expect("config context");
    let load = use_state(|| Load::Loading);
    {
        let (load, config) = (load.clone(), config.clone());
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match ApiClient::new(&config).devices().await {
                    Ok(d) => load.set(Load::Loaded(d)),
                    Err(e) => load.set(Load::Failed(e.to_string())),
                }
            });
        });
    }
    let body = match &*load {
        Load::Loading => html! { <p class="message">{ "Loading cameras..." }</p> },
        Load::Failed(e) => {
            html! { <p class="message" role="alert">{ format!("The camera list could not be loaded ({e}).") }</p> }
        }
        Load::Loaded(list) if list.is_empty() => {
            html! { <p class="message">{ "VAS has no cameras." }</p> }
        }
        Load::Loaded(list) => html! {
            <table class="cameras">
                <thead><tr><th>{ "Camera" }</th><th>{ "Location" }</th><th>{ "Active" }</th><th>{ "Views" }</th></tr></thead>
                <tbody>
                { for list.iter().map(|d| row(d, &config)) }
                </tbody>
            </table>
        },
    };
    html! {
        <main class="page">
            <h1>{ "Cameras" }</h1>
            { body }
        </main>
    }
}

fn row(d: &Device, config: &ConfigContext) -> Html {
    // rtsp_url is never decoded (see `wire::Device`), so it cannot reach the page.
    let clips: Vec<Html> = config
        .clips
        .iter()
        .filter(|c| c.camera_id == d.id)
        .map(|c| {
            let query = ClipQuery { src: c.clip.src.clone(), start: format_rfc3339_utc(c.clip.start) };
            html! {
                <Link<Route, ClipQuery> to={Route::Clip { camera_id: d.id.clone() }} query={Some(query)}>
                    { "Clip" }
                </Link<Route, ClipQuery>>
            }
        })
        .collect();
    let live = html! { <Link<Route> to={Route::Live { camera_id: d.id.clone() }}>{ "Live" }</Link<Route>> };
    html! {
        <tr data-camera={d.id.clone()}>
            <td>{ &d.name }</td>
            <td>{ d.location.clone().unwrap_or_default() }</td>
            <td>{ if d.is_active { "yes" } else { "no" } }</td>
            <td class="views">
                { live }
                { " " }
                { clips.into_iter().collect::<Html>() }
                { " " }
                <Link<Route> to={Route::Recordings { camera_id: d.id.clone() }}>{ "Recordings" }</Link<Route>>
            </td>
        </tr>
    }
}
