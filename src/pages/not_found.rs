//! The page for an unknown address.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::app::Route;

#[function_component(NotFound)]
pub fn not_found() -> Html {
    html! {
        <main class="page">
            <p class="message">{ "There is no page at this address." }</p>
            <Link<Route> to={Route::Cameras}>{ "Back to the camera list" }</Link<Route>>
        </main>
    }
}
