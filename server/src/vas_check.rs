//! Asks VAS once at start (and for `--check`) and says in plain words whether it answers and takes the key.

use axum::http::StatusCode;

use crate::vas_proxy::{Upstream, API_KEY_HEADER};

/// What VAS said to one camera-list request.
#[derive(Debug, PartialEq, Eq)]
pub enum VasStatus {
    Answered {
        cameras: usize,
    },
    Unreachable(String),
    KeyMissing,
    KeyRefused,
    /// A bare 500 to a request with a key: VAS's answer to a key created in
    /// its database rather than given in its environment (contract, section 6).
    KeyNotFromEnvironment,
    Other(u16),
}

impl VasStatus {
    pub fn is_ok(&self) -> bool {
        matches!(self, VasStatus::Answered { .. })
    }

    pub fn describe(&self, vas: &str) -> String {
        match self {
            VasStatus::Answered { cameras } => format!("VAS at {vas} answered: {cameras} camera(s)"),
            VasStatus::Unreachable(e) => format!("VAS at {vas} is unreachable ({e}); API requests answer 502 until it answers"),
            VasStatus::KeyMissing => format!("VAS at {vas} wants an API key (401): set VAS_API_KEY or --api-key-file"),
            VasStatus::KeyRefused => format!("VAS at {vas} refused the API key (403): give the key from VAS's own environment"),
            VasStatus::KeyNotFromEnvironment => format!(
                "VAS at {vas} answered a bare 500 to the key: VAS accepts only the key in its environment (keys created in its database answer 500)"
            ),
            VasStatus::Other(s) => format!("VAS at {vas} answered HTTP {s} to the camera list"),
        }
    }
}

/// One `GET /api/v1/devices?skip=0&limit=1000` with the key.
pub async fn check(upstream: &Upstream) -> VasStatus {
    let mut url = upstream.base.clone();
    let path = format!("{}/api/v1/devices", url.path().trim_end_matches('/'));
    url.set_path(&path);
    url.set_query(Some("skip=0&limit=1000"));
    let mut request = upstream.client.get(url);
    if let Some(key) = &upstream.key {
        request = request.header(API_KEY_HEADER, key.clone());
    }
    let answer = match tokio::time::timeout(upstream.answer_timeout, request.send()).await {
        Err(_) => return VasStatus::Unreachable("no answer in time".into()),
        Ok(Err(e)) => {
            return VasStatus::Unreachable(if e.is_connect() {
                "connection failed".into()
            } else {
                "request failed".into()
            })
        }
        Ok(Ok(a)) => a,
    };
    match answer.status() {
        StatusCode::OK => {
            let body = answer.bytes().await.unwrap_or_default();
            let cameras = serde_json::from_slice::<Vec<serde_json::Value>>(&body)
                .map(|v| v.len())
                .unwrap_or(0);
            VasStatus::Answered { cameras }
        }
        StatusCode::UNAUTHORIZED => VasStatus::KeyMissing,
        StatusCode::FORBIDDEN => VasStatus::KeyRefused,
        StatusCode::INTERNAL_SERVER_ERROR if upstream.key.is_some() => {
            VasStatus::KeyNotFromEnvironment
        }
        s => VasStatus::Other(s.as_u16()),
    }
}
