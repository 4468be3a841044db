//! Forwards the allowed VAS read requests: the key added, the browser's headers left behind, identical API requests sent once per poll period, segments streamed, device answers without `rtsp_url`.
//!
//! - Only GET on an [`ApiRoute`]; anything else answers 404 (or 405 on an
//!   allowed path) without contacting VAS.
//! - The request to VAS is built anew: the rebuilt path, the query if it is
//!   plain, and `X-API-Key` from the server's configuration. Nothing the
//!   browser sent (its own `X-API-Key`, cookies, `Origin`) is passed on.
//! - API answers (every route but segments) go through the micro-cache
//!   ([`crate::answer_cache`]): identical requests (rebuilt path and exact
//!   query) in one cell of the wall-clock grid (`--cache-period-ms`, the
//!   viewer's live poll period) reach VAS once; the others wait for that
//!   answer or get the kept copy until the cell ends. The answer is read
//!   whole first (at most [`ANSWER_MAX_BYTES`]), so a body VAS cuts short is
//!   answered 502, never as a short 200, and never kept. A longer answer is
//!   not kept: the request that read its start streams it on, each waiter
//!   sends its own request. Device answers are kept after redaction only.
//! - Segments, and every route with the cache off (`--cache-period-ms 0`),
//!   are streamed as they arrive, with VAS's `Content-Length`, so a body VAS
//!   cuts short ends the browser's connection with an error instead of
//!   looking complete; device answers are read whole (bounded), rewritten
//!   without `rtsp_url`, then sent.
//! - Bounded: at most `max_upstream_requests` requests to VAS at once (each
//!   holds its slot until its body has been read, or sent when streamed; a
//!   waiter of the cache holds none), a deadline for VAS's answer to start
//!   and for each read of its body.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, BoxStream};
use futures_util::StreamExt;
use reqwest::Url;
use serde_json::json;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::answer_cache::{AnswerCache, FreshAnswer, Loaded, Served, ANSWER_MAX_BYTES};
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

/// A failure of the server's own while asking VAS (never an answer VAS
/// gave): answered in VAS's error shape, never kept by the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpstreamFailure {
    /// No free slot within the deadline.
    Busy,
    /// VAS's answer did not start within the deadline.
    Timeout,
    Unreachable,
    /// VAS answered with a redirect, which is never followed.
    Redirect,
    /// The answer's body ended before it was whole (or a read timed out).
    BrokeOff,
    DeviceTooLarge,
    DeviceBrokeOff,
    /// A device answer that is not JSON, so not provably free of credentials.
    DeviceNotJson,
}

impl UpstreamFailure {
    /// The answer the browser gets.
    pub fn answer(self, path: &str) -> Response {
        let (status, message) = match self {
            UpstreamFailure::Busy => {
                (StatusCode::SERVICE_UNAVAILABLE, "Too many requests to VAS in flight")
            }
            UpstreamFailure::Timeout => (StatusCode::GATEWAY_TIMEOUT, "VAS did not answer in time"),
            UpstreamFailure::Unreachable => (StatusCode::BAD_GATEWAY, "VAS could not be reached"),
            UpstreamFailure::Redirect => (StatusCode::BAD_GATEWAY, "VAS answered with a redirect"),
            UpstreamFailure::BrokeOff => (StatusCode::BAD_GATEWAY, "VAS's answer broke off"),
            UpstreamFailure::DeviceTooLarge => {
                (StatusCode::BAD_GATEWAY, "VAS's device answer is too large")
            }
            UpstreamFailure::DeviceBrokeOff => {
                (StatusCode::BAD_GATEWAY, "VAS's device answer broke off")
            }
            UpstreamFailure::DeviceNotJson => {
                (StatusCode::BAD_GATEWAY, "VAS's device answer is not JSON")
            }
        };
        error_answer(status, message, path)
    }
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
        return error_answer(
            StatusCode::FORBIDDEN,
            "Forbidden: requests from other sites are not relayed",
            &path,
        );
    }
    let query = request.uri().query();
    if let Some(q) = query {
        if !query_is_forwardable(q) {
            return error_answer(StatusCode::BAD_REQUEST, "Bad query string", &path);
        }
    }
    match &state.answers {
        Some(cache) if !route.is_segment() => {
            cached(cache, &state.upstream, &route, query, &path).await
        }
        _ => streamed(&state.upstream, &route, query, &path).await,
    }
}

/// An API answer through the micro-cache.
async fn cached(
    cache: &AnswerCache,
    upstream: &Upstream,
    route: &ApiRoute,
    query: Option<&str>,
    path: &str,
) -> Response {
    match cache.serve(&route.upstream_path(), query, || load(upstream, route, query)).await {
        Served::Answer(answer) => answer.response(),
        Served::Failed(failure) => failure.answer(path),
        Served::TooLarge(Some(open)) => open.into_response(),
        Served::TooLarge(None) => streamed(upstream, route, query, path).await,
    }
}

/// Asks VAS and streams its answer on as it arrives (device answers are
/// read whole and redacted first).
async fn streamed(
    upstream: &Upstream,
    route: &ApiRoute,
    query: Option<&str>,
    path: &str,
) -> Response {
    let (slot, answer) = match open(upstream, route, query, path).await {
        Ok(open) => open,
        Err(failure) => return failure.answer(path),
    };
    let status = answer.status();
    let headers = passed_headers(answer.headers(), route.is_segment());
    if route.carries_devices() {
        let clean = read_devices(answer).await;
        drop(slot);
        return match clean {
            Ok(clean) => respond(status, headers, Body::from(clean), true),
            Err(failure) => failure.answer(path),
        };
    }
    // The slot is held until the body has been sent (or abandoned).
    let stream = answer.bytes_stream().map(move |chunk| {
        let _held = &slot;
        chunk
    });
    respond(status, headers, Body::from_stream(stream), false)
}

/// Asks VAS for the micro-cache: the answer read whole (device answers
/// redacted), or, past [`ANSWER_MAX_BYTES`], handed back open.
async fn load(
    upstream: &Upstream,
    route: &ApiRoute,
    query: Option<&str>,
) -> Result<Loaded<OpenAnswer>, UpstreamFailure> {
    let path = route.upstream_path();
    let (slot, answer) = open(upstream, route, query, &path).await?;
    let status = answer.status();
    let mut headers = passed_headers(answer.headers(), false);
    if route.carries_devices() {
        // Kept only as sent: after redaction, never before.
        let clean = read_devices(answer).await?;
        drop(slot);
        headers.remove(header::CONTENT_LENGTH);
        return Ok(Loaded::Whole(FreshAnswer { status, headers, body: Bytes::from(clean) }));
    }
    if answer.content_length().is_some_and(|n| n > ANSWER_MAX_BYTES as u64) {
        return Ok(Loaded::TooLarge(OpenAnswer {
            slot,
            status,
            headers,
            read: Vec::new(),
            rest: answer.bytes_stream().boxed(),
        }));
    }
    let mut rest = answer.bytes_stream().boxed();
    let mut read = Vec::new();
    let mut read_bytes = 0usize;
    while let Some(chunk) = rest.next().await {
        // hyper ends the body with an error when VAS closes before its
        // Content-Length (or the last chunk): never a short answer.
        let chunk = chunk.map_err(|e| {
            tracing::debug!(path, error = %without_url(&e), "VAS's answer broke off");
            UpstreamFailure::BrokeOff
        })?;
        read_bytes += chunk.len();
        read.push(chunk);
        if read_bytes > ANSWER_MAX_BYTES {
            return Ok(Loaded::TooLarge(OpenAnswer { slot, status, headers, read, rest }));
        }
    }
    drop(slot);
    let body = match read.len() {
        0 => Bytes::new(),
        1 => read.remove(0),
        _ => Bytes::from(read.concat()),
    };
    Ok(Loaded::Whole(FreshAnswer { status, headers, body }))
}

/// An answer too long to keep, with what was read of it: streamed on to
/// the request that loaded it, its slot held until the body is sent.
pub struct OpenAnswer {
    slot: OwnedSemaphorePermit,
    status: StatusCode,
    headers: HeaderMap,
    read: Vec<Bytes>,
    rest: BoxStream<'static, reqwest::Result<Bytes>>,
}

impl IntoResponse for OpenAnswer {
    fn into_response(self) -> Response {
        let OpenAnswer { slot, status, headers, read, rest } = self;
        let stream = stream::iter(read.into_iter().map(Ok)).chain(rest).map(move |chunk| {
            let _held = &slot;
            chunk
        });
        respond(status, headers, Body::from_stream(stream), false)
    }
}

/// A slot, then VAS's answer (its status and headers; the body to come).
async fn open(
    upstream: &Upstream,
    route: &ApiRoute,
    query: Option<&str>,
    path: &str,
) -> Result<(OwnedSemaphorePermit, reqwest::Response), UpstreamFailure> {
    let slot =
        match tokio::time::timeout(upstream.answer_timeout, upstream.slots.clone().acquire_owned())
            .await
        {
            Ok(Ok(slot)) => slot,
            _ => return Err(UpstreamFailure::Busy),
        };
    let mut outgoing = upstream.client.get(upstream.url(route, query));
    if let Some(key) = &upstream.key {
        outgoing = outgoing.header(API_KEY_HEADER, key.clone());
    }
    let answer = match tokio::time::timeout(upstream.answer_timeout, outgoing.send()).await {
        Err(_) => return Err(UpstreamFailure::Timeout),
        Ok(Err(e)) => {
            tracing::warn!(path, error = %without_url(&e), "VAS could not be reached");
            return Err(UpstreamFailure::Unreachable);
        }
        Ok(Ok(answer)) => answer,
    };
    if answer.status().is_redirection() {
        return Err(UpstreamFailure::Redirect);
    }
    Ok((slot, answer))
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

/// A device answer read whole (bounded) and rewritten without `rtsp_url`.
async fn read_devices(answer: reqwest::Response) -> Result<Vec<u8>, UpstreamFailure> {
    let body = read_bounded(answer, DEVICE_BODY_LIMIT).await?;
    redact_devices(&body).map_err(|_| UpstreamFailure::DeviceNotJson)
}

/// Reads a device answer whole, giving up past `limit` bytes.
async fn read_bounded(answer: reqwest::Response, limit: usize) -> Result<Vec<u8>, UpstreamFailure> {
    if answer.content_length().is_some_and(|n| n > limit as u64) {
        return Err(UpstreamFailure::DeviceTooLarge);
    }
    let mut body = Vec::new();
    let mut stream = answer.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| UpstreamFailure::DeviceBrokeOff)?;
        if body.len() + chunk.len() > limit {
            return Err(UpstreamFailure::DeviceTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// What went wrong reaching VAS, for the log: the kind and its cause (the
/// URL is left out; it holds nothing secret, but logs should not depend on that).
fn without_url(e: &reqwest::Error) -> String {
    let kind = if e.is_connect() {
        "connect"
    } else if e.is_timeout() {
        "timeout"
    } else {
        "request"
    };
    match std::error::Error::source(e) {
        Some(cause) => format!("{kind}: {cause}"),
        None => kind.to_owned(),
    }
}
