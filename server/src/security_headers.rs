//! The headers every answer carries: the viewer's Content-Security-Policy (plus `frame-ancestors 'none'`), `nosniff`, no referrer.
//!
//! The policy is the one the build wrote into `index.html` (`cargo xtask
//! build` computes it, with the wasm loader's hash): read once at start, so
//! the header and the page can never disagree. `frame-ancestors` only works
//! as a header, so it is added here.

use std::path::Path;

use axum::http::{header, HeaderName, HeaderValue};
use tower_http::set_header::SetResponseHeaderLayer;

/// Why the policy could not be read from the built viewer.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("{path}: {source} (build the viewer first: cargo xtask build)")]
    Read { path: String, source: std::io::Error },
    #[error("{0} carries no Content-Security-Policy <meta>; build it with `cargo xtask build`, which writes one")]
    Missing(String),
    #[error("{0}: the Content-Security-Policy <meta> cannot be used as a header value")]
    Invalid(String),
}

/// The policy to send as a header: the page's own plus `frame-ancestors 'none'`.
pub fn policy_from_index(index: &Path) -> Result<HeaderValue, PolicyError> {
    let shown = index.display().to_string();
    let html = std::fs::read_to_string(index)
        .map_err(|source| PolicyError::Read { path: shown.clone(), source })?;
    let policy = meta_policy(&html).ok_or_else(|| PolicyError::Missing(shown.clone()))?;
    HeaderValue::from_str(&format!("{policy}; frame-ancestors 'none'"))
        .map_err(|_| PolicyError::Invalid(shown))
}

/// The `content` of the page's `<meta http-equiv="Content-Security-Policy">`.
fn meta_policy(html: &str) -> Option<&str> {
    let start = html.find("<meta http-equiv=\"Content-Security-Policy\"")?;
    let tag = &html[start..start + html[start..].find('>')?];
    let content = &tag[tag.find("content=\"")? + "content=\"".len()..];
    let policy = &content[..content.find('"')?];
    (!policy.trim().is_empty()).then_some(policy)
}

/// The layers that set the security headers on every answer, replacing any
/// an inner service (or VAS) set.
pub fn layers(policy: HeaderValue) -> impl Iterator<Item = SetResponseHeaderLayer<HeaderValue>> {
    [
        (header::CONTENT_SECURITY_POLICY, policy),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
    ]
    .into_iter()
    .map(|(name, value): (HeaderName, HeaderValue)| SetResponseHeaderLayer::overriding(name, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_meta_policy() {
        let html = "<head><meta charset=\"utf-8\" />\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'self'\" /></head>";
        assert_eq!(meta_policy(html), Some("default-src 'none'; script-src 'self'"));
        assert_eq!(meta_policy("<head></head>"), None);
        assert_eq!(
            meta_policy("<meta http-equiv=\"Content-Security-Policy\" content=\"\" />"),
            None
        );
        assert_eq!(meta_policy("<meta http-equiv=\"Content-Security-Policy\" content=\"x"), None);
    }
}
