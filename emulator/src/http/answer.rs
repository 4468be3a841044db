//! An HTTP answer as the handlers build it, before the server writes it.

use std::fs::File;
use std::time::Duration;

pub(crate) enum AnswerBody {
    Bytes(Vec<u8>),
    File {
        file: File,
        len: u64,
    },
    /// Sent without a `Content-Length` (`chunked_body`).
    Chunked(Vec<u8>),
}

pub(crate) struct HttpAnswer {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: AnswerBody,
}

impl HttpAnswer {
    pub(crate) fn bytes(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> HttpAnswer {
        HttpAnswer {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: AnswerBody::Bytes(body.into()),
        }
    }

    pub(crate) fn text(status: u16, body: &str) -> HttpAnswer {
        HttpAnswer::bytes(status, "text/plain; charset=utf-8", body)
    }

    pub(crate) fn with(mut self, name: &str, value: impl Into<String>) -> HttpAnswer {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub(crate) fn body_len(&self) -> u64 {
        match &self.body {
            AnswerBody::Bytes(bytes) | AnswerBody::Chunked(bytes) => bytes.len() as u64,
            AnswerBody::File { len, .. } => *len,
        }
    }
}

/// A routed answer and how it came about.
pub(crate) struct RoutedAnswer {
    pub(crate) answer: HttpAnswer,
    /// Answer this long after the request arrived.
    pub(crate) delay: Option<Duration>,
    pub(crate) fault: Option<String>,
}

impl RoutedAnswer {
    pub(crate) fn plain(answer: HttpAnswer) -> RoutedAnswer {
        RoutedAnswer { answer, delay: None, fault: None }
    }

    /// An answer that one fault (or refusal) shaped.
    pub(crate) fn faulted(answer: HttpAnswer, fault: &str) -> RoutedAnswer {
        RoutedAnswer { answer, delay: None, fault: Some(fault.into()) }
    }
}

pub(crate) fn method_not_allowed() -> HttpAnswer {
    HttpAnswer::text(405, "Method Not Allowed").with("Allow", "GET, HEAD")
}
