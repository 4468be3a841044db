//! What a failed read of VAS's API means, whichever client made it: the response body limit and the failure classes.
//!
//! The viewer's client (`events/api_client.rs`, gloo-net) and the tooling's
//! (`xtask/src/native_client.rs`, ureq) both describe a failed read as a
//! [`ReadFailure`] and let [`ReadFailure::kind`] say what window fetching
//! does with it, so the two cannot drift apart.

use crate::core::events::window_fetch::FailureKind;

/// Largest response body read, counted as decoded (after any
/// `Content-Encoding` is undone). Bigger pages are refused before download
/// where the length is announced, else abandoned as soon as the count passes
/// it; the window is then fetched in smaller pieces.
pub const MAX_BODY_BYTES: u64 = 8 * 1024 * 1024;

/// Whether a body of `bytes` (announced, or read so far) is past [`MAX_BODY_BYTES`].
pub fn body_too_large(bytes: u64) -> bool {
    bytes > MAX_BODY_BYTES
}

/// How a read failed, as any client sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFailure {
    /// No usable answer: connection refused or reset, a body cut off, and in
    /// a browser any CORS refusal (VAS's 401/403 and bare 500s carry no CORS
    /// headers).
    Network,
    /// No answer within the client's timeout.
    Timeout,
    /// An answer with a status other than 2xx.
    Status(u16),
    /// A 2xx answer whose body is not a usable page.
    Malformed,
    /// A body past [`MAX_BODY_BYTES`].
    TooLarge,
}

impl ReadFailure {
    /// How window fetching treats this failure. A server error or a body
    /// that cannot be used may be caused by the window's content (a poison
    /// row, a huge page): a smaller window may work. Everything else
    /// (network, timeout, auth, 404, 422) is retried as it was, after a
    /// back-off.
    pub fn kind(self) -> FailureKind {
        match self {
            ReadFailure::Status(s) if s >= 500 => FailureKind::Window,
            ReadFailure::Malformed | ReadFailure::TooLarge => FailureKind::Window,
            ReadFailure::Status(_) | ReadFailure::Network | ReadFailure::Timeout => {
                FailureKind::Transient
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(failure: ReadFailure, expected: FailureKind) {
        assert_eq!(failure.kind(), expected, "{failure:?}");
    }

    #[test]
    fn failures_tied_to_the_window_shrink_it_and_the_rest_back_off() {
        check(ReadFailure::Network, FailureKind::Transient);
        check(ReadFailure::Timeout, FailureKind::Transient);
        check(ReadFailure::Status(401), FailureKind::Transient);
        check(ReadFailure::Status(403), FailureKind::Transient);
        check(ReadFailure::Status(404), FailureKind::Transient);
        check(ReadFailure::Status(422), FailureKind::Transient);
        check(ReadFailure::Status(499), FailureKind::Transient);
        check(ReadFailure::Status(500), FailureKind::Window);
        check(ReadFailure::Status(503), FailureKind::Window);
        check(ReadFailure::Malformed, FailureKind::Window);
        check(ReadFailure::TooLarge, FailureKind::Window);
    }

    #[test]
    fn the_limit_itself_is_allowed_one_byte_more_is_not() {
        assert!(!body_too_large(0));
        assert!(!body_too_large(MAX_BODY_BYTES));
        assert!(body_too_large(MAX_BODY_BYTES + 1));
    }
}
