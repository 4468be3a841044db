//! A page's malformed parameters as the page shows them: one alert per value, named in `data-param-error`.

use yew::prelude::*;

use crate::core::params::ParamError;

/// One `role="alert"` message per malformed value.
pub fn param_errors(errors: &[ParamError]) -> Html {
    html! {
        <>{ for errors.iter().map(|ParamError { name, message }| html! { <p class="message" role="alert" data-param-error={*name}>{ message.clone() }</p> }) }</>
    }
}
