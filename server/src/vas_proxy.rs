//! Forwards the allowed VAS read requests: the key added, the browser's headers left behind, bodies streamed, device answers without `rtsp_url`.
//!
//! - Only GET on an [`ApiRoute`]; anything else answers 404 (or 405 on an
//!   allowed path) without contacting VAS.
//! - The request to VAS is built anew: the rebuilt path, the query if it is
//!   plain, and `X-API-Key` from the server's configuration. Nothing the
//!   browser sent (its own `X-API-Key`, cookies, `Origin`) is passed on.
//! - Answers are streamed as they arrive, with VAS's `Content-Length`, so a
//!   body VAS cuts short ends the browser's connection with an error
//!   instead of looking complete; device answers are read whole (bounded),
//!   rewritten without `rtsp_url`, then sent.
//! - Bounded: at most `max_upstream_requests` at once (each holds its slot
//!   until its body is sent), a deadline for VAS's answer to start and for
//!   each read of its body.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use reqwest::Url;
use serde_json::json;
use tokio::sync::Semaphore;

use crate::api_route::{query_is_forwardable, ApiRoute};
use crate::app::AppState;
use crate::device_redaction::redact_devices;
use crate::host_guard::is_cross_site;

/// Largest device answer read for redaction (a device list of 1,000 cameras is about 400 KB).
pub const DEVICE_BODY_LIMIT: usize = 8 * 1024 * 1024;
/// The header that carries VAS's key.
pub const API_KEY_HEADER: &str = "x-api-key";

/// Answer headers passed from VAS to the browser; every other one is dropped
/// (VAS's CORS headers among them).
const PASSED_HEADERS: [HeaderName; 6] = [
    header::CONTENT_TYPE,
    header::CONTENT_LENGTH,
    header::LAST_MODIFIED,
    header::ETAG,
    header::CACHE_CONTROL,
    header::EXPIRES,
];

/// The HTTP side of VAS as the server reaches it.
pub struct Upstream {
    /// VAS's base URL, without a trailing slash.
    pub base: Url,
    /// `X-API-Key`, marked sensitive so no log or debug output shows it.
    pub key: Option<HeaderValue>,
    pub client: reqwest::Client,
    /// Slots for requests to VAS in flight (including their bodies).
    pub slots: Arc<Semaphore>,
    /// Deadline for VAS's answer to start, and for a free slot.
    pub answer_timeout: Duration,
}

impl Upstream {
    /// A client that never follows redirects, uses no proxy from the
    /// environment, and bounds connects and reads.
    pub fn client(timeout: Duration) -> reqwest::Result<reqwest::Client> {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(Duration::from_secs(5))
            .read_timeout(timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
    }

    fn url(&self, route: &ApiRoute, query: Option<&str>) -> Url {
        let mut url = self.base.clone();
        let base_path = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base_path}{}", route.upstream_path()));
        url.set_query(query);
        url
    }
}

/// A VAS-shaped error answer (`{"error": {"status", "message", "path"}}`),
/// so the viewer reads it as it reads VAS's own.
pub fn error_answer(status: StatusCode, message: &str, path: &str) -> Response {
    let body = json!({"error": {"status": status.as_u16(), "message": message, "path": path}});
    (status, [(header::CACHE_CONTROL, "no-store")], axum::Json(body)).into_response()
}

/// The handler of `/api/...`.
pub async fn forward(State(state): State<AppState>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let Some(route) = ApiRoute::parse(&path) else {
        tracing::debug!(path, "refused: not a VAS read path the viewer uses");
        return error_answer(StatusCode::NOT_FOUND, "Not Found", &path);
    };
    if request.method() != Method::GET {
        let mut answer = error_answer(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed", &path);
        answer.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET"));
        return answer;
    }
    if is_cross_site(request.headers()) {
        tracing::debug!(path, "refused: a request from another site");
        return error_answer(StatusCode::FORBIDDEN, "Forbidden: requests from other sites are not relayed", &path);
    }
    let query = request.uri().query();
    if let Some(q) = query {
        if !query_is_forwardable(q) {
            return error_answer(StatusCode::BAD_REQUEST, "Bad query string", &path);
        }
    }
    let upstream = &state.upstream;
    let slot = match tokio::time::timeout(upstream.answer_timeout, upstream.slots.clone().acquire_owned()).await {
        Ok(Ok(slot)) => slot,
        _ => return error_answer(StatusCode::SERVICE_UNAVAILABLE, "Too many requests to VAS in flight", &path),
    };
    let mut outgoing = upstream.client.get(upstream.url(&route, query));
    if let Some(key) = &upstream.key {
        outgoing = outgoing.header(API_KEY_HEADER, key.clone());
    }
    let answer = match tokio::time::timeout(upstream.answer_timeout, outgoing.send()).await {
        Err(_) => return error_answer(StatusCode::GATEWAY_TIMEOUT, "VAS did not answer in time", &path),
        Ok(Err(e)) => {
            tracing::warn!(path, error = %without_url(&e), "VAS could not be reached");
            return error_answer(StatusCode::BAD_GATEWAY, "VAS could not be reached", &path);
        }
        Ok(Ok(answer)) => answer,
    };
    let status = answer.status();
    if status.is_redirection() {
        return error_answer(StatusCode::BAD_GATEWAY, "VAS answered with a redirect", &path);
    }
    let headers = passed_headers(answer.headers(), route.is_segment());
    if route.carries_devices() {
        return match read_bounded(answer, DEVICE_BODY_LIMIT).await {
            Ok(body) => match redact_devices(&body) {
                Ok(clean) => respond(status, headers, Body::from(clean), true),
                Err(e) => error_answer(StatusCode::BAD_GATEWAY, &e.to_string(), &path),
            },
            Err(message) => error_answer(StatusCode::BAD_GATEWAY, message, &path),
        };
    }
    // The slot is held until the body has been sent (or abandoned).
    let stream = answer.bytes_stream().map(move |chunk| {
        let _held = &slot;
        chunk
    });
    respond(status, headers, Body::from_stream(stream), false)
}

fn respond(status: StatusCode, mut headers: HeaderMap, body: Body, rewritten: bool) -> Response {
    if rewritten {
        headers.remove(header::CONTENT_LENGTH);
    }
    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

/// The answer headers the browser gets: [`PASSED_HEADERS`] only; API
/// answers that VAS leaves uncached say so explicitly.
fn passed_headers(from_vas: &HeaderMap, segment: bool) -> HeaderMap {
    let mut out = HeaderMap::new();
    for name in PASSED_HEADERS {
        for value in from_vas.get_all(&name) {
            out.append(name.clone(), value.clone());
        }
    }
    if !segment && !out.contains_key(header::CACHE_CONTROL) {
        out.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    out
}

/// Reads a body whole, giving up past `limit` bytes.
async fn read_bounded(answer: reqwest::Response, limit: usize) -> Result<Vec<u8>, &'static str> {
    if answer.content_length().is_some_and(|n| n > limit as u64) {
        return Err("VAS's device answer is too large");
    }
    let mut body = Vec::new();
    let mut stream = answer.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| "VAS's device answer broke off")?;
        if body.len() + chunk.len() > limit {
            return Err("VAS's device answer is too large");
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// What went wrong reaching VAS, for the log: the kind and its cause (the
/// URL is left out; it holds nothing secret, but logs should not depend on that).
fn without_url(e: &reqwest::Error) -> String {
    let kind = if e.is_connect() { "connect" } else if e.is_timeout() { "timeout" } else { "request" };
    match std::error::Error::source(e) {
        Some(cause) => format!("{kind}: {cause}"),
        None => kind.to_owned(),
    }
}
