//! The parts of a request the handlers read, detached from the HTTP layer.

/// The parts of a request the handlers need, detached from the HTTP layer.
pub(crate) struct RequestParts<'a> {
    pub(crate) method: &'a str,
    /// Raw path as received (still percent-encoded).
    pub(crate) path: &'a str,
    /// Raw query (without `?`), if any.
    pub(crate) query: Option<&'a str>,
    pub(crate) headers: &'a [(String, String)],
}

impl RequestParts<'_> {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        header_value(self.headers, name)
    }

    pub(crate) fn is_get_or_head(&self) -> bool {
        self.method == "GET" || self.method == "HEAD"
    }
}

/// The value of the first header named `name` (case-insensitive).
pub(crate) fn header_value<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// Splits a request target into raw path and raw query; absolute-form
/// targets (`http://host/path`) are reduced to their path.
pub(crate) fn split_target(target: &str) -> (&str, Option<&str>) {
    let mut rest = target;
    for scheme in ["http://", "https://"] {
        if let Some(after) = rest.strip_prefix(scheme) {
            rest = after.find('/').map_or("/", |i| &after[i..]);
            break;
        }
    }
    let rest = rest.split('#').next().unwrap_or("");
    match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    }
}
