//! The device list.

use serde_json::{json, Value};

use crate::api::api_json;
use crate::demo_data::DemoData;
use crate::http::answer::HttpAnswer;
use crate::validation::{int_param, validation_error};

pub(crate) fn list_devices(data: &DemoData, query: &[(String, String)], path: &str) -> HttpAnswer {
    let mut errors = Vec::new();
    let skip = int_param(query, "skip", 0, Some(0), None, &mut errors);
    let limit = int_param(query, "limit", 100, Some(0), None, &mut errors);
    if !errors.is_empty() {
        return validation_error(errors, path);
    }
    let devices: Vec<&Value> = std::iter::once(&data.device)
        .chain(data.live_cameras.iter().map(|c| &c.device))
        .skip(usize::try_from(skip).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect();
    api_json(200, &json!(devices), true)
}
