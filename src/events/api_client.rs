//! HTTP client for VAS's read API (gloo-net): key header, timeout, bodies read as a stream up to a limit, typed errors.

use std::cell::Cell;
use std::rc::Rc;

use gloo_net::http::Request;
use js_sys::Uint8Array;
use thiserror::Error;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, ReadableStream, ReadableStreamDefaultReader, ReadableStreamReadResult,
};

use crate::core::events::read_failure::{body_too_large, ReadFailure, MAX_BODY_BYTES};
use crate::core::events::window_fetch::FailureKind;
use crate::core::events::wire::{
    decode_devices, decode_event_page, Device, EventPage, EventQuery, PageError,
};
use crate::core::params::viewer_config::ViewerConfig;

/// Why an API call failed. Messages never include the API key.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum ApiError {
    /// Includes CORS refusals: VAS's 401/403 and bare 500s carry no CORS
    /// headers, so a cross-origin browser sees them only as network errors.
    #[error("network error: {0}")]
    Network(String),
    #[error("no answer within {0} ms")]
    Timeout(u32),
    #[error("HTTP status {0}")]
    Status(u16),
    #[error("unusable response: {0}")]
    Decode(String),
    /// The bytes announced by `Content-Length`, or those read when the body
    /// passed the limit and was abandoned.
    #[error("response of {0} bytes refused (limit {MAX_BODY_BYTES})")]
    TooLarge(u64),
}

impl ApiError {
    /// The failure as any client sees it.
    fn read_failure(&self) -> ReadFailure {
        match self {
            ApiError::Network(_) => ReadFailure::Network,
            ApiError::Timeout(_) => ReadFailure::Timeout,
            ApiError::Status(s) => ReadFailure::Status(*s),
            ApiError::Decode(_) => ReadFailure::Malformed,
            ApiError::TooLarge(_) => ReadFailure::TooLarge,
        }
    }

    /// How window fetching should treat this failure (see [`ReadFailure::kind`]).
    pub fn failure_kind(&self) -> FailureKind {
        self.read_failure().kind()
    }
}

impl From<PageError> for ApiError {
    fn from(e: PageError) -> Self {
        ApiError::Decode(match e {
            PageError::NotJson(m) => m,
            PageError::NoEventList => "no list in the response".into(),
        })
    }
}

/// The upstream VAS web client used 10 s.
pub const REQUEST_TIMEOUT_MS: u32 = 10_000;

/// Reads a body chunk by chunk as the browser delivers it (after any
/// `Content-Encoding` is undone, so a chunked or compressed answer is
/// counted as it grows); past [`MAX_BODY_BYTES`] the request is aborted and
/// the rest never read.
async fn read_bounded(
    body: Option<ReadableStream>,
    controller: &AbortController,
) -> Result<Vec<u8>, ApiError> {
    let Some(body) = body else {
        return Ok(Vec::new());
    };
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let mut out = Vec::new();
    loop {
        let read = JsFuture::from(reader.read())
            .await
            .map_err(|e| ApiError::Network(format!("body: {e:?}")))?;
        let read: ReadableStreamReadResult = read.unchecked_into();
        if read.get_done().unwrap_or(true) {
            return Ok(out);
        }
        let chunk: Uint8Array = read.get_value().unchecked_into();
        let total = out.len() as u64 + u64::from(chunk.length());
        if body_too_large(total) {
            controller.abort();
            return Err(ApiError::TooLarge(total));
        }
        let at = out.len();
        out.resize(total as usize, 0);
        chunk.copy_to(&mut out[at..]);
    }
}

#[derive(Clone, PartialEq)]
pub struct ApiClient {
    base: String,
    api_key: Option<String>,
    timeout_ms: u32,
}

impl ApiClient {
    pub fn new(config: &ViewerConfig) -> Self {
        Self {
            base: config.api_base_url.clone(),
            api_key: config.api_key.clone(),
            timeout_ms: REQUEST_TIMEOUT_MS,
        }
    }

    /// GET `path_and_query` and return the body of a 2xx answer.
    pub async fn get_bytes(&self, path_and_query: &str) -> Result<Vec<u8>, ApiError> {
        let controller = AbortController::new().map_err(|e| ApiError::Network(format!("{e:?}")))?;
        let timed_out = Rc::new(Cell::new(false));
        let timer = {
            let (controller, timed_out) = (controller.clone(), timed_out.clone());
            gloo_timers::callback::Timeout::new(self.timeout_ms, move || {
                timed_out.set(true);
                controller.abort();
            })
        };
        let mut req = Request::get(&format!("{}{}", self.base, path_and_query))
            .abort_signal(Some(&controller.signal()));
        if let Some(key) = &self.api_key {
            // The key travels only as a header, never in the URL.
            req = req.header("X-API-Key", key);
        }
        let result = async {
            let resp = req.send().await.map_err(|e| ApiError::Network(e.to_string()))?;
            if !resp.ok() {
                return Err(ApiError::Status(resp.status()));
            }
            let announced =
                resp.headers().get("content-length").and_then(|v| v.parse::<u64>().ok());
            if let Some(n) = announced.filter(|n| body_too_large(*n)) {
                controller.abort();
                return Err(ApiError::TooLarge(n));
            }
            // No length, or the compressed one: the decoded stream is what counts.
            read_bounded(resp.body(), &controller).await
        }
        .await;
        drop(timer);
        match result {
            Err(_) if timed_out.get() => Err(ApiError::Timeout(self.timeout_ms)),
            other => other,
        }
    }

    /// `GET /api/v1/devices`.
    pub async fn devices(&self) -> Result<Vec<Device>, ApiError> {
        let body = self.get_bytes("/api/v1/devices?skip=0&limit=1000").await?;
        Ok(decode_devices(&body)?)
    }

    /// One list page; also returns the body size (for load figures).
    pub async fn event_page(&self, q: &EventQuery) -> Result<(EventPage, usize), ApiError> {
        let body = self.get_bytes(&q.path_and_query()).await?;
        let page = decode_event_page(&body)?;
        Ok((page, body.len()))
    }
}
