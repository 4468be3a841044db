//! `Host` and `Origin` checks: answers only for the names it serves, API and signaling only for its own pages.
//!
//! - Every request must name one of the server's host names in `Host`
//!   (DNS rebinding: a foreign name resolving to this server gets 421).
//! - An API request that a browser marks as coming from another site
//!   (`Sec-Fetch-Site` other than `same-origin`/`none`, or an `Origin` whose
//!   authority is not the request's `Host`) is refused before VAS is asked.
//!   The server sends no CORS headers, so such a page could not read the
//!   answer anyway; refusing it also spares VAS the request.
//! - The signaling WebSocket needs an `Origin` equal to the server's own
//!   (`Origin`'s authority equals `Host`): browsers send it on every
//!   WebSocket, and a missing one cannot be told from a forged one.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::AppState;

/// The host names (without port) a server answers for, lower case.
#[derive(Debug, Clone)]
pub struct HostNames(Vec<String>);

impl HostNames {
    pub fn new(names: impl IntoIterator<Item = String>) -> HostNames {
        HostNames(names.into_iter().map(|n| n.to_ascii_lowercase()).collect())
    }

    pub fn names(&self) -> &[String] {
        &self.0
    }

    /// Whether a `Host` header value (`name`, `name:port`, `[v6]:port`) names one of ours.
    pub fn accepts(&self, host_header: &str) -> bool {
        match host_name(host_header) {
            Some(name) => self.0.contains(&name),
            None => false,
        }
    }
}

/// The name part of a `Host` value, lower case; `None` when malformed.
pub fn host_name(host: &str) -> Option<String> {
    let host = host.trim();
    if host.is_empty()
        || !host.bytes().all(|b| b.is_ascii_graphic())
        || host.contains(['/', '@', '\\'])
    {
        return None;
    }
    let name = if let Some(rest) = host.strip_prefix('[') {
        let end = rest.find(']')?;
        let after = &rest[end + 1..];
        if !(after.is_empty()
            || after.strip_prefix(':').is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit())))
        {
            return None;
        }
        &host[..end + 2]
    } else {
        match host.split_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !port.is_empty() => {
                name
            }
            Some(_) => return None,
            None => host,
        }
    };
    (!name.is_empty()).then(|| name.to_ascii_lowercase())
}

/// The authority (`host[:port]`) of an `Origin` value, lower case; `None`
/// for `null` or anything that is not `http(s)://authority`.
pub fn origin_authority(origin: &str) -> Option<String> {
    let rest = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"))?;
    if rest.is_empty() || rest.contains(['/', '?', '#', '@']) {
        return None;
    }
    Some(rest.to_ascii_lowercase())
}

/// Whether the request's `Origin`, when present, is the server's own origin.
pub fn origin_is_own(headers: &HeaderMap) -> Option<bool> {
    let origin = headers.get(header::ORIGIN)?.to_str().ok();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    Some(match (origin.and_then(origin_authority), host) {
        (Some(o), Some(h)) => o == h.trim().to_ascii_lowercase(),
        _ => false,
    })
}

/// Whether a browser says the request comes from another site.
pub fn is_cross_site(headers: &HeaderMap) -> bool {
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if let Some(site) = fetch_site {
        if !matches!(site, "same-origin" | "none") {
            return true;
        }
    }
    origin_is_own(headers) == Some(false)
}

/// Middleware: 421 for a `Host` the server does not serve.
pub async fn check_host(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| request.uri().authority().map(|a| a.to_string()));
    match host {
        Some(h) if state.hosts.accepts(&h) => next.run(request).await,
        _ => {
            tracing::debug!("refused a request for a host this server does not serve");
            (StatusCode::MISDIRECTED_REQUEST, "this server does not serve that host name\n")
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn host_names() {
        let rows = [
            ("localhost:8080", Some("localhost")),
            ("LOCALHOST", Some("localhost")),
            ("127.0.0.1:8080", Some("127.0.0.1")),
            ("[::1]:8080", Some("[::1]")),
            ("[::1]", Some("[::1]")),
            ("vas-viewer.example", Some("vas-viewer.example")),
            ("evil.example:80:80", None),
            ("user@localhost", None),
            ("localhost:", None),
            ("localhost:80x", None),
            ("[::1]x", None),
            ("", None),
            ("local host", None),
        ];
        for (input, expected) in rows {
            assert_eq!(host_name(input).as_deref(), expected, "{input}");
        }
        let ours = HostNames::new(["localhost".to_string(), "127.0.0.1".to_string()]);
        assert!(ours.accepts("localhost:8080") && ours.accepts("127.0.0.1"));
        assert!(
            !ours.accepts("attacker.example:8080") && !ours.accepts("localhost.attacker.example")
        );
    }

    #[test]
    fn origins() {
        let rows = [
            ("http://127.0.0.1:8080", Some("127.0.0.1:8080")),
            ("https://Viewer.Example", Some("viewer.example")),
            ("null", None),
            ("file://", None),
            ("http://a@b", None),
            ("http://a/b", None),
        ];
        for (input, expected) in rows {
            assert_eq!(origin_authority(input).as_deref(), expected, "{input}");
        }
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn cross_site_requests() {
        let rows = [
            (vec![("host", "127.0.0.1:8080")], false),
            (vec![("host", "127.0.0.1:8080"), ("sec-fetch-site", "same-origin")], false),
            (vec![("host", "127.0.0.1:8080"), ("sec-fetch-site", "none")], false),
            (vec![("host", "127.0.0.1:8080"), ("sec-fetch-site", "cross-site")], true),
            (vec![("host", "127.0.0.1:8080"), ("sec-fetch-site", "same-site")], true),
            (vec![("host", "127.0.0.1:8080"), ("origin", "http://127.0.0.1:8080")], false),
            (vec![("host", "127.0.0.1:8080"), ("origin", "http://127.0.0.1:9999")], true),
            (vec![("host", "127.0.0.1:8080"), ("origin", "http://evil.example")], true),
            (vec![("host", "127.0.0.1:8080"), ("origin", "null")], true),
        ];
        for (pairs, expected) in rows {
            assert_eq!(is_cross_site(&headers(&pairs)), expected, "{pairs:?}");
        }
    }
}
