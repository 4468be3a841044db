//! Loads `config.json` once at start; the parsed configuration is shared through a Yew context.

use std::rc::Rc;

use gloo_net::http::Request;

use crate::core::params::viewer_config::{ConfigAnswer, ViewerConfig};

/// The configuration as a context value.
pub type ConfigContext = Rc<ViewerConfig>;

/// Fetches and validates `/config.json`. No file (a 404, or the HTML page
/// that static hosting answers for a file it does not have) means the
/// defaults: the API on the viewer's own origin, no key. A file that is
/// there but wrong is refused with its reason.
pub async fn load() -> Result<ViewerConfig, String> {
    let resp = Request::get("/config.json")
        .send()
        .await
        .map_err(|e| format!("config.json could not be loaded: {e}"))?;
    let status = resp.status();
    let content_type = resp.headers().get("content-type");
    let body = if status == 404 {
        String::new()
    } else {
        resp.text().await.map_err(|e| format!("config.json could not be read: {e}"))?
    };
    match ViewerConfig::from_answer(status, content_type.as_deref(), &body)
        .map_err(|e| e.to_string())?
    {
        ConfigAnswer::File(config) => Ok(config),
        ConfigAnswer::Defaults(why) => {
            web_sys::console::debug_1(&format!("{why}: starting with the defaults").into());
            Ok(ViewerConfig::default())
        }
    }
}
