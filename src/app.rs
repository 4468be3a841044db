//! Routes and providers: the `Route` enum, the switch, and the configuration context.

use std::rc::Rc;

use stylist::css;
use stylist::yew::Global;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::config::{self, ConfigContext};
use crate::pages::camera_list::CameraList;
use crate::pages::clip_page::ClipPage;
use crate::pages::live_page::LivePage;
use crate::pages::not_found::NotFound;
use crate::pages::recordings_page::RecordingsPage;

#[derive(Routable, Clone, PartialEq, Debug)]
pub enum Route {
    #[at("/")]
    Cameras,
    #[at("/cameras/:camera_id/clip")]
    Clip { camera_id: String },
    #[at("/cameras/:camera_id/recordings")]
    Recordings { camera_id: String },
    #[at("/cameras/:camera_id")]
    Live { camera_id: String },
    #[not_found]
    #[at("/404")]
    NotFound,
}

fn switch(route: Route) -> Html {
    match route {
        Route::Cameras => html! { <CameraList /> },
        Route::Clip { camera_id } => html! { <ClipPage camera_id={camera_id} /> },
        Route::Recordings { camera_id } => html! { <RecordingsPage camera_id={camera_id} /> },
        Route::Live { camera_id } => html! { <LivePage camera_id={camera_id} /> },
        Route::NotFound => html! { <NotFound /> },
    }
}

#[derive(Clone, PartialEq)]
enum ConfigState {
    Loading,
    Ready(ConfigContext),
    Failed(String),
}

/// The root: loads the configuration, then routes. Static page styles are
/// global stylist CSS; per-frame positions never go through stylist.
#[function_component(App)]
pub fn app() -> Html {
    let state = use_state(|| ConfigState::Loading);
    {
        let state = state.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                state.set(match config::load().await {
                    Ok(c) => ConfigState::Ready(Rc::new(c)),
                    Err(e) => ConfigState::Failed(e),
                });
            });
        });
    }
    let body = match &*state {
        ConfigState::Loading => html! {},
        ConfigState::Failed(e) => {
            html! { <main class="page"><p class="message" role="alert">{ e.clone() }</p></main> }
        }
        ConfigState::Ready(c) => html! {
            <ContextProvider<ConfigContext> context={c.clone()}>
                <BrowserRouter>
                    <Switch<Route> render={switch} />
                </BrowserRouter>
            </ContextProvider<ConfigContext>>
        },
    };
    html! {
        <>
            <Global css={css!(r#"
html, body { margin: 0; height: 100%; background: #111417; color: #e8eaed;
  font: 15px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; }
a { color: #8ab4f8; }
.page { padding: 16px 24px; box-sizing: border-box; }
.camera-page { height: 100vh; display: flex; flex-direction: column; gap: 8px; }
.camera-header { display: flex; gap: 16px; align-items: baseline; }
.camera-id { color: #9aa0a6; font-size: 13px; }
.message { padding: 12px 16px; background: #2a2f35; border-left: 4px solid #f28b82; max-width: 60em; }
.cameras { border-collapse: collapse; }
.cameras th, .cameras td { text-align: left; padding: 6px 14px; border-bottom: 1px solid #2f343a; }
.muted { color: #80868b; }
.stage { flex: 1; min-height: 0; }
.stage .fullscreen { position: absolute; top: 8px; right: 8px; opacity: .7; background: #202124; color: #e8eaed;
  border: 1px solid #5f6368; border-radius: 4px; padding: 2px 8px; cursor: pointer; }
.timeline-strip { flex: none; font-size: 12px; color: #9aa0a6; }
.strip-body { display: flex; gap: 8px; align-items: flex-start; }
.strip-labels { flex: none; width: 190px; }
.strip-label { height: 14px; line-height: 14px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.strip-track { flex: 1; min-width: 0; background: #0b0d0f; }
.strip-track svg { display: block; }
.strip-axis { display: flex; justify-content: space-between; }
.strip-empty { padding: 4px 0; }
.clock-info { margin: 4px 0 0; }
.player-state { position: absolute; left: 16px; bottom: 16px; padding: 8px 12px; background: rgba(32,33,36,.9);
  border-left: 4px solid #fdd663; }
.player-state[hidden] { display: none; }
.player-message { position: absolute; left: 16px; top: 16px; padding: 8px 12px; background: rgba(32,33,36,.9);
  border-left: 4px solid #f28b82; }
"#)} />
            { body }
        </>
    }
}
