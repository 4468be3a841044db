//! Loads `config.json` once at start; the parsed configuration is shared through a Yew context.

use std::rc::Rc;

use gloo_net::http::Request;

use crate::core::viewer_config::ViewerConfig;

/// The configuration as a context value.
pub type ConfigContext = Rc<ViewerConfig>;

/// Fetches and validates `/config.json`. A missing file (404) means the
/// defaults: the API on the viewer's own origin, no key.
pub async fn load() -> Result<ViewerConfig, String> {
    let resp = Request::get("/config.json")
        .send()
        .await
        .map_err(|e| format!("config.json could not be loaded: {e}"))?;
    match resp.status() {
        404 => Ok(ViewerConfig::default()),
        200..=299 => {
            let text = resp.text().await.map_err(|e| format!("config.json could not be read: {e}"))?;
            ViewerConfig::parse(&text).map_err(|e| e.to_string())
        }
        s => Err(format!("config.json could not be loaded: HTTP status {s}")),
    }
}
