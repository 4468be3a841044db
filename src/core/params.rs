//! Page parameters and viewer configuration, validated with messages a user can act on.
//!
//! One module per page kind, all read the same way: the browser decodes the
//! page's query into pairs, `PageParams::from_pairs` validates them, and
//! every malformed value is one `ParamError` with the message the page shows.

pub mod clip_params;
pub mod live_params;
pub mod recording_params;
pub mod viewer_config;

/// A parameter the page cannot use, with the message it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError {
    pub name: &'static str,
    pub message: String,
}

/// A page's parameters, validated from its decoded query pairs.
pub trait PageParams: Sized {
    /// Every malformed value is reported, each with its message; parameters
    /// that belong to no one here are ignored, as links may carry them.
    fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, Vec<ParamError>>;
}

/// Longest parameter echoed back in a message.
pub(crate) const ECHO_CHARS: usize = 80;

/// A character as a message shows it: one that a debug line would escape
/// at length (a control, a lone combining mark) becomes `?`, so the message
/// and its `Debug` form stay as short as the echo.
pub(crate) fn plain_char(c: char) -> char {
    if c.escape_debug().count() > 2 {
        '?'
    } else {
        c
    }
}

/// A value repeated in a message: its first `ECHO_CHARS` characters, plain.
pub(crate) fn echo(s: &str) -> String {
    s.chars().take(ECHO_CHARS).map(plain_char).collect()
}
