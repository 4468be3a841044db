//! Gzip for the API answers that are text (event pages, recording playlists) when the browser accepts it.
//!
//! VAS answers uncompressed. A day of its rolling playlist is about 576 KB,
//! fetched again by hls.js every 6 s by every recordings page, and a live
//! page reads an event page every 250 ms; both are repetitive text that gzip
//! shrinks many times over. Segments (video) and short answers pass as they
//! are. The fastest level: the server compresses per answer, cached or not,
//! and the answers are text that compresses well even so.

use axum::http::{header, Response};
use tower_http::compression::predicate::{Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};

/// Answers shorter than this are sent as they are.
pub const MIN_COMPRESSED_BYTES: u16 = 1024;

/// The content types compressed: JSON and HLS playlists.
const TEXT_TYPES: [&str; 4] =
    ["application/json", "application/vnd.apple.mpegurl", "application/x-mpegurl", "audio/mpegurl"];

/// Compresses only answers whose content type is one of [`TEXT_TYPES`].
#[derive(Clone, Copy, Debug, Default)]
pub struct TextAnswers;

impl Predicate for TextAnswers {
    fn should_compress<B>(&self, response: &Response<B>) -> bool
    where
        B: axum::body::HttpBody,
    {
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let essence = content_type.split(';').next().unwrap_or("").trim();
        TEXT_TYPES.iter().any(|t| essence.eq_ignore_ascii_case(t))
            && !response.headers().contains_key(header::CONTENT_ENCODING)
    }
}

/// The layer for the API routes: gzip at its fastest, text answers over [`MIN_COMPRESSED_BYTES`].
pub fn layer() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new()
        .no_br()
        .no_deflate()
        .no_zstd()
        .quality(CompressionLevel::Fastest)
        .compress_when(TextAnswers.and(SizeAbove::new(MIN_COMPRESSED_BYTES)))
}
