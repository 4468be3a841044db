//! The generated `/config.json`: the viewer's API base and the demo clip.

use serde_json::json;

use crate::emulator::Emulator;
use crate::http::answer::HttpAnswer;
use crate::text_formats::encode_path;

impl Emulator {
    /// The viewer's configuration: the API on the same origin, the demo clip,
    /// and `apiKey` only when [`crate::BackendConfig::viewer_api_key`] is set.
    pub(crate) fn config_json(&self) -> HttpAnswer {
        let data = &self.data;
        let clips = json!([{
            "cameraId": data.device_id_raw,
            "src": format!("/demo/{}", encode_path(&data.clip)),
            "start": data.start,
        }]);
        let mut body = json!({"apiBaseUrl": "", "clips": clips});
        if let Some(key) = &self.viewer_api_key {
            body["apiKey"] = json!(key);
        }
        HttpAnswer::bytes(200, "application/json", body.to_string())
            .with("Cache-Control", "no-cache")
    }
}
