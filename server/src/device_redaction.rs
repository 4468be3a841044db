//! Removes `rtsp_url` (which may embed camera credentials) from VAS device answers.

use serde_json::Value;

/// The field never passed to a browser.
pub const SECRET_FIELD: &str = "rtsp_url";

/// Why a device answer could not be passed on.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RedactionError {
    #[error("VAS's device answer is not JSON")]
    NotJson,
}

/// Returns the answer without any `rtsp_url` key, at any depth (a device
/// list is an array of objects, a single device an object; an error
/// envelope has none). Bodies that are not JSON are refused rather than
/// passed on, since nothing then proves they hold no credentials.
pub fn redact_devices(body: &[u8]) -> Result<Vec<u8>, RedactionError> {
    let mut value: Value = serde_json::from_slice(body).map_err(|_| RedactionError::NotJson)?;
    strip(&mut value);
    serde_json::to_vec(&value).map_err(|_| RedactionError::NotJson)
}

fn strip(value: &mut Value) {
    // Iterative, so a deeply nested hostile answer cannot overflow the stack
    // here (serde_json already refuses nesting past 128 levels).
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                map.remove(SECRET_FIELD);
                stack.extend(map.values_mut());
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(input: Value, expected: Value) {
        let out = redact_devices(input.to_string().as_bytes()).unwrap();
        assert_eq!(serde_json::from_slice::<Value>(&out).unwrap(), expected);
    }

    #[test]
    fn rtsp_url_is_removed_everywhere_and_nothing_else() {
        check(
            json!([{"id": "a", "name": "gate", "rtsp_url": "rtsp://u:p@cam/1"}, {"id": "b", "rtsp_url": null}]),
            json!([{"id": "a", "name": "gate"}, {"id": "b"}]),
        );
        check(
            json!({"id": "a", "rtsp_url": "rtsp://u:p@cam", "nested": {"rtsp_url": "x"}}),
            json!({"id": "a", "nested": {}}),
        );
        check(json!({"detail": "Not found"}), json!({"detail": "Not found"}));
        check(json!([]), json!([]));
    }

    #[test]
    fn non_json_is_refused() {
        assert_eq!(redact_devices(b"Internal Server Error"), Err(RedactionError::NotJson));
        assert_eq!(redact_devices(b"[{\"rtsp_url\": \"rtsp://u:p@"), Err(RedactionError::NotJson));
    }
}
