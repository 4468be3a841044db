//! Static files: the viewer (with an SPA fallback) and `/demo/` files with
//! byte ranges.

use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};

use crate::emulator::Emulator;
use crate::http::answer::{method_not_allowed, AnswerBody, HttpAnswer};
use crate::http::request::RequestParts;
use crate::text_formats::percent_decode;

/// Upper bound of one answer to an open-ended range (`bytes=a-`). Browsers
/// continue with a new range request, so a paused media element never pins a
/// connection for a whole large file.
pub(crate) const OPEN_RANGE_CAP: u64 = 8 * 1024 * 1024;

impl Emulator {
    pub(crate) fn static_file(&self, req: &RequestParts) -> HttpAnswer {
        if !req.is_get_or_head() {
            return method_not_allowed();
        }
        let rest = req.path.strip_prefix('/').unwrap_or(req.path);
        let Some(rel) = safe_relative_path(rest, true) else {
            return HttpAnswer::text(404, "Not Found");
        };
        let full = self.dist_dir.join(&rel);
        if full.is_file() {
            let reply = serve_file(&full, req.header("Range"));
            return if rel.extension().is_some_and(|e| e == "html") {
                reply.with("Cache-Control", "no-cache")
            } else {
                reply
            };
        }
        if full.is_dir() && full.join("index.html").is_file() {
            return serve_file(&full.join("index.html"), None).with("Cache-Control", "no-cache");
        }
        // SPA route: a path whose last segment has no extension.
        if rel.extension().is_none() {
            let index = self.dist_dir.join("index.html");
            if index.is_file() {
                return serve_file(&index, None).with("Cache-Control", "no-cache");
            }
            return HttpAnswer::text(
                404,
                &format!(
                    "viewer not built: {} does not exist (run the Trunk build first)",
                    index.display()
                ),
            );
        }
        HttpAnswer::text(404, "Not Found")
    }
}

/// Extensions whose type the media stack and the viewer's build need, where
/// `mime_guess`'s table says otherwise (HLS, ES modules, source maps, the
/// registered font type).
const CONTENT_TYPE_OVERRIDES: [(&str, &str); 6] = [
    ("ts", "video/mp2t"),
    ("m3u8", "application/vnd.apple.mpegurl"),
    ("mjs", "text/javascript"),
    ("m4v", "video/mp4"),
    ("map", "application/json"),
    ("woff", "font/woff"),
];

/// The `Content-Type` of a served file, from its extension; text types say
/// UTF-8.
pub(crate) fn content_type(path: &Path) -> String {
    let ext =
        path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).unwrap_or_default();
    let essence = CONTENT_TYPE_OVERRIDES
        .iter()
        .find(|(e, _)| *e == ext)
        .map(|(_, t)| *t)
        .or_else(|| mime_guess::from_ext(&ext).first_raw())
        .unwrap_or("application/octet-stream");
    if essence.starts_with("text/") {
        format!("{essence}; charset=utf-8")
    } else {
        essence.to_string()
    }
}

/// A relative path made only of normal components, or None for anything that
/// could leave its root: `..`, `.`, empty segments (`//`), backslashes, NUL,
/// absolute or prefixed (Windows drive) components. Segments are
/// percent-decoded first, so `%2e%2e` and `%2f` are caught too. With
/// `allow_trailing_slash`, one final empty segment is accepted (and the empty
/// path names the root).
pub(crate) fn safe_relative_path(raw: &str, allow_trailing_slash: bool) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    let segments: Vec<&str> = raw.split('/').collect();
    let last = segments.len() - 1;
    for (i, seg) in segments.iter().enumerate() {
        if seg.is_empty() {
            if i == last && allow_trailing_slash {
                continue;
            }
            return None;
        }
        let decoded = percent_decode(seg, false);
        if decoded.contains(['/', '\\', '\0']) {
            return None;
        }
        let mut components = Path::new(&decoded).components();
        match (components.next(), components.next()) {
            (Some(Component::Normal(c)), None) if c == decoded.as_str() => out.push(c),
            _ => return None,
        }
    }
    Some(out)
}

pub(crate) enum RangeAnswer {
    Full,
    Partial(u64, u64),
    Unsatisfiable,
}

/// A single `bytes=` range; anything else (several ranges, other units, bad
/// syntax) is ignored and the whole file is sent, as RFC 9110 allows.
pub(crate) fn parse_range(header: Option<&str>, len: u64) -> RangeAnswer {
    let Some(header) = header else {
        return RangeAnswer::Full;
    };
    let header = header.trim();
    let Some(spec) =
        header.get(..6).filter(|p| p.eq_ignore_ascii_case("bytes=")).map(|_| header[6..].trim())
    else {
        return RangeAnswer::Full;
    };
    if spec.contains(',') {
        return RangeAnswer::Full;
    }
    let Some((a, b)) = spec.split_once('-') else {
        return RangeAnswer::Full;
    };
    let (a, b) = (a.trim(), b.trim());
    let number = |s: &str| -> Option<u64> {
        if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        Some(s.parse::<u64>().unwrap_or(u64::MAX))
    };
    if a.is_empty() {
        // Suffix range: the last n bytes.
        let Some(n) = number(b) else {
            return RangeAnswer::Full;
        };
        if n == 0 || len == 0 {
            return RangeAnswer::Unsatisfiable;
        }
        return RangeAnswer::Partial(len.saturating_sub(n), len - 1);
    }
    let Some(start) = number(a) else {
        return RangeAnswer::Full;
    };
    let end = if b.is_empty() {
        None
    } else {
        match number(b) {
            Some(end) if end >= start => Some(end),
            _ => return RangeAnswer::Full,
        }
    };
    if start >= len {
        return RangeAnswer::Unsatisfiable;
    }
    let end = match end {
        Some(end) => end.min(len - 1),
        None => (len - 1).min(start.saturating_add(OPEN_RANGE_CAP - 1)),
    };
    RangeAnswer::Partial(start, end)
}

/// A file opened for reading, with its length.
pub(crate) fn open_with_len(path: &Path) -> std::io::Result<(File, u64)> {
    let file = File::open(path)?;
    let len = file.metadata()?.len();
    Ok((file, len))
}

pub(crate) fn serve_file(path: &Path, range: Option<&str>) -> HttpAnswer {
    let Ok((mut file, len)) = open_with_len(path) else {
        return HttpAnswer::text(404, "Not Found");
    };
    let ctype = content_type(path);
    match parse_range(range, len) {
        RangeAnswer::Full => HttpAnswer {
            status: 200,
            headers: vec![("Content-Type".into(), ctype)],
            body: AnswerBody::File { file, len },
        }
        .with("Accept-Ranges", "bytes"),
        RangeAnswer::Unsatisfiable => HttpAnswer::text(416, "Range Not Satisfiable")
            .with("Content-Range", format!("bytes */{len}"))
            .with("Accept-Ranges", "bytes"),
        RangeAnswer::Partial(start, end) => {
            if file.seek(SeekFrom::Start(start)).is_err() {
                return HttpAnswer::text(500, "Internal Server Error");
            }
            HttpAnswer {
                status: 206,
                headers: vec![("Content-Type".into(), ctype)],
                body: AnswerBody::File { file, len: end - start + 1 },
            }
            .with("Content-Range", format!("bytes {start}-{end}/{len}"))
            .with("Accept-Ranges", "bytes")
        }
    }
}

#[cfg(test)]
mod tests;
