//! The clip page's URL parameters (`src`, `start`), validated with messages a user can act on.

use std::fmt;

use crate::core::params::{echo, PageParams, ParamError};
use crate::core::time::{parse_rfc3339, UnixMicros};

/// A validated clip request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClipParams {
    /// The video URL, absolute http(s)/blob or relative to the viewer's origin.
    pub src: String,
    /// Wall time of media time 0.
    pub start: UnixMicros,
}

/// What is wrong with the parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClipParamError {
    MissingSrc,
    UnsupportedSrc(String),
    MissingStart,
    BadStart(String),
}

impl fmt::Display for ClipParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingSrc => write!(f, "The page address has no `src` parameter: add `?src=<video URL>&start=<RFC 3339 time>`"),
            Self::UnsupportedSrc(s) => write!(f, "`src` must be an http(s) or blob URL or a path on this server, not `{s}`"),
            Self::MissingStart => {
                write!(f, "The page address has no `start` parameter: the wall-clock time of the clip's first frame, e.g. `start=2026-01-05T12:00:00Z`")
            }
            Self::BadStart(s) => write!(f, "`start` is not an RFC 3339 time with a zone (e.g. `2026-01-05T12:00:00Z`): `{s}`"),
        }
    }
}

impl ClipParams {
    /// Validates the decoded query values (the first error only; the page reports both through `PageParams`).
    pub fn parse(src: Option<&str>, start: Option<&str>) -> Result<Self, ClipParamError> {
        let src = parse_src(src)?;
        let start = parse_start(start)?;
        Ok(Self { src: src.to_owned(), start })
    }
}

/// `src`, trimmed, if a browser resolves it to http(s), blob or this server.
fn parse_src(src: Option<&str>) -> Result<&str, ClipParamError> {
    let src = src.map(str::trim).filter(|s| !s.is_empty()).ok_or(ClipParamError::MissingSrc)?;
    let lower = src.to_ascii_lowercase();
    let allowed = lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("blob:")
        || (src.starts_with('/') && !src.starts_with("//"))
        || (!lower.contains(':') && !src.starts_with("//"));
    if !allowed {
        return Err(ClipParamError::UnsupportedSrc(echo(src)));
    }
    Ok(src)
}

/// `start`, an RFC 3339 time with its zone.
fn parse_start(start: Option<&str>) -> Result<UnixMicros, ClipParamError> {
    let start_text =
        start.map(str::trim).filter(|s| !s.is_empty()).ok_or(ClipParamError::MissingStart)?;
    parse_rfc3339(start_text).ok_or_else(|| ClipParamError::BadStart(echo(start_text)))
}

/// The clip page's query: `src` and `start` as the browser's `URLSearchParams.get`
/// reads them (the first of each), both checked, so a page with two bad values
/// says so twice.
impl PageParams for ClipParams {
    fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, Vec<ParamError>> {
        let (mut src, mut start) = (None, None);
        for (name, value) in pairs {
            match name {
                "src" if src.is_none() => src = Some(value),
                "start" if start.is_none() => start = Some(value),
                _ => {}
            }
        }
        match (parse_src(src), parse_start(start)) {
            (Ok(src), Ok(start)) => Ok(Self { src: src.to_owned(), start }),
            (src, start) => Err([src.err().map(|e| ("src", e)), start.err().map(|e| ("start", e))]
                .into_iter()
                .flatten()
                .map(|(name, e)| ParamError { name, message: e.to_string() })
                .collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::params::ECHO_CHARS;

    #[test]
    fn table() {
        let ok = |src: &str, start: &str| ClipParams::parse(Some(src), Some(start));
        assert_eq!(
            ok("/demo/clip.mp4", "2026-01-05T12:00:00Z").unwrap().start.0,
            1_767_614_400_000_000
        );
        assert!(ok("https://h/x.mp4", "2026-01-05T12:00:00.5+01:00").is_ok());
        assert!(ok("clip.mp4", "2026-01-05T12:00:00Z").is_ok());
        assert!(ok("blob:http://h/1", "2026-01-05T12:00:00Z").is_ok());
        assert_eq!(ClipParams::parse(None, Some("x")), Err(ClipParamError::MissingSrc));
        assert_eq!(ClipParams::parse(Some("  "), None), Err(ClipParamError::MissingSrc));
        assert_eq!(ClipParams::parse(Some("/a.mp4"), None), Err(ClipParamError::MissingStart));
        assert!(matches!(
            ok("javascript:alert(1)", "2026-01-05T12:00:00Z"),
            Err(ClipParamError::UnsupportedSrc(_))
        ));
        assert!(matches!(
            ok("//evil/x.mp4", "2026-01-05T12:00:00Z"),
            Err(ClipParamError::UnsupportedSrc(_))
        ));
        assert!(matches!(ok("/a.mp4", "2026-01-05 12:00"), Err(ClipParamError::BadStart(_))));
        assert!(matches!(ok("/a.mp4", "2026-01-05T12:00:00"), Err(ClipParamError::BadStart(_))));
        let msg = ok("/a.mp4", &"x".repeat(500)).unwrap_err().to_string();
        assert!(msg.len() < 250, "messages stay short: {msg}");
        // And so do their debug lines: controls are not echoed (the flaw the
        // `config` fuzz target, fuzz/, found in the echo of `apiBaseUrl`).
        let err = ok("/a.mp4", &"\u{7f}\u{301}".repeat(500)).unwrap_err();
        assert_eq!(err, ClipParamError::BadStart("?".repeat(ECHO_CHARS)));
        assert!(format!("{err:?}").len() < 250, "{err:?}");
    }

    #[test]
    fn every_bad_value_is_reported() {
        let names = |pairs: &[(&'static str, &'static str)]| {
            ClipParams::from_pairs(pairs.iter().copied())
                .map(|p| p.start.0)
                .map_err(|e| e.iter().map(|e| e.name).collect::<Vec<_>>())
        };
        assert_eq!(
            names(&[("src", "/a.mp4"), ("start", "2026-01-05T12:00:00Z"), ("x", "1")]),
            Ok(1_767_614_400_000_000)
        );
        // The first of each counts, as `URLSearchParams.get` reads it.
        assert_eq!(
            names(&[("src", "/a.mp4"), ("start", "2026-01-05T12:00:00Z"), ("start", "x")]),
            Ok(1_767_614_400_000_000)
        );
        assert_eq!(names(&[]), Err(vec!["src", "start"]));
        assert_eq!(names(&[("src", "javascript:x"), ("start", "noon")]), Err(vec!["src", "start"]));
        assert_eq!(names(&[("src", "/a.mp4"), ("start", "noon")]), Err(vec!["start"]));
        let e = ClipParams::from_pairs([("start", "noon"), ("src", "/a.mp4")]).unwrap_err();
        assert_eq!(e[0].message, ClipParamError::BadStart("noon".into()).to_string());
    }
}
