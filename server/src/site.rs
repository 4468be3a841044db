//! The built viewer as files: hashed assets cached for a year, `index.html` and `config.json` never, the SPA fallback for the viewer's routes only.
//!
//! Trunk names the wasm and its loader with a content hash
//! (`vas-overlay-viewer-<16 hex>.js`, `..._bg.wasm`), so they can be cached
//! for good. Everything else (the page, `config.json`, the copied hls.js
//! and mediasoup-client bundles, which keep fixed names) is revalidated on
//! every load. Precompressed `.br`/`.gz` siblings written by the build are
//! served to browsers that accept them.
//!
//! Only the viewer's own routes (`/`, `/cameras/{id}`, `/cameras/{id}/clip`,
//! `/cameras/{id}/recordings`) answer with `index.html`; any other unknown
//! path answers 404, so a missing `config.json`, asset, API or socket path
//! is never mistaken for the page.

use std::path::{Path, PathBuf};

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get_service;
use axum::Router;
use tower_http::services::{ServeDir, ServeFile};

use crate::app::AppState;

/// `Cache-Control` of content-hashed files.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of everything else: always revalidate.
const REVALIDATE: &str = "no-cache";
/// `Cache-Control` of `config.json`: never stored.
const NEVER_STORE: &str = "no-store";

/// The viewer's routes, as axum paths (see `src/app.rs` of the viewer).
pub const VIEWER_ROUTES: [&str; 4] =
    ["/", "/cameras/{camera_id}", "/cameras/{camera_id}/clip", "/cameras/{camera_id}/recordings"];

/// The router of the built viewer in `dist`.
pub fn router(dist: &Path) -> Router<AppState> {
    let index = dist.join("index.html");
    let page = get_service(ServeFile::new(&index));
    let mut router = Router::new();
    for route in VIEWER_ROUTES {
        router = router.route(route, page.clone());
    }
    router
        .route("/index.html", page)
        .route_service("/config.json", get_service(ServeFile::new(dist.join("config.json"))))
        .fallback_service(
            ServeDir::new(PathBuf::from(dist))
                .precompressed_br()
                .precompressed_gzip()
                .append_index_html_on_directories(false),
        )
        .layer(axum::middleware::from_fn(cache_headers))
}

/// Middleware: the `Cache-Control` of each static answer.
async fn cache_headers(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    if response.status() == StatusCode::NOT_FOUND {
        // A plain answer, never the page: ServeDir's empty 404 body is kept.
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(NEVER_STORE));
        return response;
    }
    let value = if path == "/config.json" {
        NEVER_STORE
    } else if is_content_hashed(&path) {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    response
}

/// Whether a file name carries Trunk's content hash: a `-`, then the hash
/// (a 64-bit value in lower-case hex without leading zeros, so 12 to 16
/// digits in practice), then `.` or `_` (`name-e42764e2484c9a0_bg.wasm`).
pub fn is_content_hashed(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.match_indices('-').any(|(i, _)| {
        let tail = &file.as_bytes()[i + 1..];
        let digits =
            tail.iter().take_while(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b)).count();
        (MIN_HASH_DIGITS..=16).contains(&digits) && matches!(tail.get(digits), Some(b'.' | b'_'))
    })
}

/// Fewer hex digits than this are not taken for a hash (a 64-bit hash has
/// fewer than 12 only once in 2^16 builds; such a build is merely revalidated).
const MIN_HASH_DIGITS: usize = 12;

/// A 404 for a path under a prefix the site never serves (`/api/`, `/ws/`).
pub async fn not_found() -> impl IntoResponse {
    (StatusCode::NOT_FOUND, [(header::CACHE_CONTROL, NEVER_STORE)], "not found\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names() {
        let rows = [
            ("/vas-overlay-viewer-8f1b0c3d2e4a5b6c.js", true),
            ("/vas-overlay-viewer-8f1b0c3d2e4a5b6c_bg.wasm", true),
            ("/vas-overlay-viewer-8f1b0c3d2e4a5b6c_bg.wasm.br", true),
            ("/index.html", false),
            ("/config.json", false),
            ("/js/hls.mjs", false),
            ("/mediasoup-client.mjs", false),
            ("/vas-overlay-viewer-e42764e2484c9a0_bg.wasm", true),
            ("/vas-overlay-viewer-e42764e2484c9a0.js", true),
            ("/vas-overlay-viewer-8F1B0C3D2E4A5B6C.js", false),
            ("/a-0123456789a.js", false),
            ("/a-0123456789abcdef0.js", false),
            ("/a-0123456789abcdef", false),
            ("/hls-light.mjs", false),
        ];
        for (path, expected) in rows {
            assert_eq!(is_content_hashed(path), expected, "{path}");
        }
    }
}
