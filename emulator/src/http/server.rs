//! The demo backend's HTTP server: hyper on a small tokio runtime, in front of a synchronous handler.
//!
//! Dev tooling. The emulator (`lib.rs`) is blocking code: it sleeps
//! for `delay_ms`, reads files and calls a real VAS with a blocking client.
//! This module gives it a blocking interface, a [`Handler`] called with a
//! [`Request`] and a [`Responder`], and leaves HTTP/1.1 to hyper: parsing,
//! keep-alive and pipelining, `Expect: 100-continue`, chunked request bodies,
//! the framing of answers, timeouts and graceful shutdown.
//!
//! Each request's handler runs on tokio's blocking pool, which has a thread
//! for every connection allowed, so a slow or delayed answer never holds up
//! another connection. Answers stream: the handler's `Read` is copied in
//! chunks through a bounded channel into the response body, so a large file
//! costs a few chunks of memory, and a client that stops reading stops the
//! copy.
//!
//! Answers carry a `Content-Length` (none for 1xx, 204 and 304), which media
//! elements prefer; `HEAD` answers carry the length of the body they omit. A
//! body that ends short of its length breaks the connection, so the client
//! sees a truncated answer, never a complete one. Only `send_chunked` answers
//! without a length, in chunked encoding (a fault mode of the emulator).

use std::convert::Infallible;
use std::io::{self, Read};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::thread::JoinHandle;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::header::{HeaderName, HeaderValue, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Handle;
use tokio::sync::mpsc::error::SendTimeoutError;
use tokio::sync::{mpsc, oneshot, Notify};

/// Open connections at most; one more is answered 503 and closed.
pub const MAX_CONNECTIONS: usize = 512;
/// Request line and headers together (431 beyond).
const MAX_HEAD_BYTES: usize = 64 * 1024;
const MAX_HEADERS: usize = 128;
/// Largest request body accepted (413 beyond).
pub const MAX_BODY_BYTES: u64 = 64 * 1024 * 1024;
/// An idle keep-alive connection, a request head or body that stalls, or a
/// client that stops reading an answer, is cut off after this long.
const IO_TIMEOUT: Duration = Duration::from_secs(60);
/// An answer's body travels to hyper in chunks of this size, at most this
/// many of them waiting at once.
const CHUNK_BYTES: u64 = 64 * 1024;
const CHUNKS_IN_FLIGHT: usize = 4;
/// How long `stop` lets the answers under way finish.
const STOP_GRACE: Duration = Duration::from_secs(10);
/// How long a connection past the limit has to send its request and be told 503.
const REFUSE_TIMEOUT: Duration = Duration::from_secs(2);

/// The body of every answer: empty, a fixed text, or streamed from a handler.
type AnswerBody = UnsyncBoxBody<Bytes, io::Error>;

/// One request, its body read.
pub struct Request {
    /// As sent (case kept).
    pub method: String,
    /// The request target as sent: path and query, still percent-encoded.
    pub target: String,
    /// Names in lower case (as hyper gives them), values as sent.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// The answer side of one request: `send` answers it once.
pub struct Responder {
    /// Where the answer goes; None once sent.
    answer: Option<oneshot::Sender<Response<AnswerBody>>>,
    head_only: bool,
    runtime: Handle,
    /// Ends the connection at once, for a client that stopped reading.
    abort: Arc<Notify>,
}

impl Responder {
    /// Sends status, headers and `len` bytes of `body`, streaming the body as
    /// it is read; returns once all of it is handed on. `Content-Length`,
    /// `Transfer-Encoding` and `Connection` among `headers` are ignored (this
    /// layer sets framing), as are headers that are not valid HTTP. A body
    /// that ends before `len` bytes is an error, and the connection breaks.
    pub fn send(
        &mut self,
        status: u16,
        headers: &[(String, String)],
        body: &mut dyn Read,
        len: u64,
    ) -> io::Result<()> {
        self.stream(status, headers, body, Some(len), &mut 0)
    }

    /// As `send`, without a `Content-Length`: the body goes out in chunked
    /// encoding until `body` ends. Also returns the bytes handed on before
    /// the body ended or the client went away (an error then).
    pub fn send_chunked(
        &mut self,
        status: u16,
        headers: &[(String, String)],
        body: &mut dyn Read,
    ) -> (u64, io::Result<()>) {
        let mut copied = 0;
        let result = self.stream(status, headers, body, None, &mut copied);
        (copied, result)
    }

    /// Sends an answer of `len` bytes (None: chunked, until `body` ends),
    /// counting in `copied` the bytes handed on.
    fn stream(
        &mut self,
        status: u16,
        headers: &[(String, String)],
        body: &mut dyn Read,
        len: Option<u64>,
        copied: &mut u64,
    ) -> io::Result<()> {
        let status = StatusCode::from_u16(status).map_err(|_| {
            io::Error::new(io::ErrorKind::InvalidInput, format!("{status} is not an HTTP status"))
        })?;
        let Some(answer) = self.answer.take() else {
            return Err(io::Error::other("this request was already answered"));
        };
        let bodiless = status.is_informational()
            || status == StatusCode::NO_CONTENT
            || status == StatusCode::NOT_MODIFIED;
        let streamed = !bodiless && !self.head_only && len != Some(0);
        let (chunks, response_body) = if streamed {
            let (tx, rx) = mpsc::channel(CHUNKS_IN_FLIGHT);
            (Some(tx), Streamed { chunks: rx, remaining: len, flushed: false }.boxed_unsync())
        } else {
            (None, empty())
        };
        let mut response = Response::new(response_body);
        *response.status_mut() = status;
        for (name, value) in headers {
            let framing = ["Content-Length", "Transfer-Encoding", "Connection"]
                .iter()
                .any(|f| name.eq_ignore_ascii_case(f));
            if framing {
                continue;
            }
            if let (Ok(name), Ok(value)) =
                (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value))
            {
                response.headers_mut().append(name, value);
            }
        }
        if let (false, Some(len)) = (bodiless, len) {
            // For a HEAD request hyper keeps this header and sends no body.
            response.headers_mut().insert(CONTENT_LENGTH, HeaderValue::from(len));
        }
        if answer.send(response).is_err() {
            return Err(gone());
        }
        let Some(chunks) = chunks else {
            return Ok(());
        };
        while len.is_none_or(|len| *copied < len) {
            let want = len.map_or(CHUNK_BYTES, |len| (len - *copied).min(CHUNK_BYTES));
            let mut chunk = Vec::new();
            Read::take(&mut *body, want).read_to_end(&mut chunk)?;
            match (chunk.is_empty(), len) {
                (false, _) => {}
                // The end of a chunked body: dropping `chunks` ends it.
                (true, None) => return Ok(()),
                // Dropping `chunks` now tells the body it ended short.
                (true, Some(len)) => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("body ended after {copied} of {len} bytes"),
                    ))
                }
            }
            *copied += chunk.len() as u64;
            let sent = self.runtime.block_on(chunks.send_timeout(Bytes::from(chunk), IO_TIMEOUT));
            match sent {
                Ok(()) => {}
                Err(SendTimeoutError::Closed(_)) => return Err(gone()),
                Err(SendTimeoutError::Timeout(_)) => {
                    // hyper is stuck writing to a client that reads nothing:
                    // only dropping the connection frees it.
                    self.abort.notify_one();
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the client stopped reading the answer",
                    ));
                }
            }
        }
        Ok(())
    }
}

fn gone() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "the client went away")
}

/// Answers requests; runs on a thread of its own for as long as it takes.
pub type Handler = dyn Fn(&Request, &mut Responder) + Send + Sync;

/// A running server; `stop` (or drop) ends it.
pub struct Server {
    stop: Option<oneshot::Sender<()>>,
    /// Runs the runtime; None once stopped.
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Serves `listener` with `handler` from now on.
    pub fn start(listener: std::net::TcpListener, handler: Arc<Handler>) -> io::Result<Server> {
        Server::start_with_limit(listener, handler, MAX_CONNECTIONS)
    }

    /// `start`, with at most `limit` open connections.
    fn start_with_limit(
        listener: std::net::TcpListener,
        handler: Arc<Handler>,
        limit: usize,
    ) -> io::Result<Server> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("demo-backend")
            // A handler per open connection, and room for handlers still
            // finishing for connections already closed.
            .max_blocking_threads(2 * limit)
            .enable_all()
            .build()?;
        listener.set_nonblocking(true)?;
        let listener = {
            let _entered = runtime.enter();
            TcpListener::from_std(listener)?
        };
        let (stop, stopped) = oneshot::channel();
        let thread =
            std::thread::Builder::new().name("demo-backend-accept".into()).spawn(move || {
                runtime.block_on(run(listener, handler, limit, stopped));
                // Handlers past the grace period are left to end on their own:
                // their connections are gone, so their next write fails.
                runtime.shutdown_timeout(Duration::from_secs(1));
            })?;
        Ok(Server { stop: Some(stop), thread: Some(thread) })
    }

    /// Stops accepting, closes the listening socket, ends every connection
    /// once its current answer is written (waiting up to `STOP_GRACE`), and
    /// returns when all that is done.
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Accepts and serves connections until `stopped`, then shuts down gracefully.
async fn run(
    listener: TcpListener,
    handler: Arc<Handler>,
    limit: usize,
    mut stopped: oneshot::Receiver<()>,
) {
    let graceful = GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        // hyper starts this timer whenever it waits for a request head, so it
        // is also the idle timeout of a keep-alive connection.
        .header_read_timeout(IO_TIMEOUT)
        .max_header_size(MAX_HEAD_BYTES)
        .max_headers(MAX_HEADERS)
        // A client may shut down its sending side and still read the answer.
        .half_close(true);
    loop {
        let stream = tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of descriptors and the like: try again shortly.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        // Every open connection holds one watcher of `graceful`.
        if graceful.count() >= limit {
            tokio::spawn(refuse(stream));
            continue;
        }
        let abort = Arc::new(Notify::new());
        let service = {
            let handler = Arc::clone(&handler);
            let abort = Arc::clone(&abort);
            service_fn(move |request| answer(request, Arc::clone(&handler), Arc::clone(&abort)))
        };
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            tokio::select! {
                _ = connection => {}
                _ = abort.notified() => {}
            }
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(STOP_GRACE, graceful.shutdown()).await;
}

/// Tells a connection past the limit 503 and closes it.
async fn refuse(stream: TcpStream) {
    let service = service_fn(|_| async {
        Ok::<_, Infallible>(plain(StatusCode::SERVICE_UNAVAILABLE, "too many connections"))
    });
    let connection = http1::Builder::new()
        .keep_alive(false)
        .half_close(true)
        .serve_connection(TokioIo::new(stream), service);
    let _ = tokio::time::timeout(REFUSE_TIMEOUT, connection).await;
}

/// Answers one request: reads its body, then runs the handler on the
/// blocking pool and hands on what it sends.
async fn answer(
    request: hyper::Request<Incoming>,
    handler: Arc<Handler>,
    abort: Arc<Notify>,
) -> io::Result<Response<AnswerBody>> {
    let (parts, body) = request.into_parts();
    // A declared length is checked before any of the body is read (and so
    // before hyper sends `100 Continue`).
    if body.size_hint().lower() > MAX_BODY_BYTES {
        return Ok(plain(StatusCode::PAYLOAD_TOO_LARGE, "request body too large"));
    }
    let body = match read_body(body).await {
        Ok(Some(body)) => body,
        Ok(None) => return Ok(plain(StatusCode::PAYLOAD_TOO_LARGE, "request body too large")),
        // The client went away or stalled: an error ends the connection.
        Err(e) => return Err(e),
    };
    let request = Request {
        method: parts.method.as_str().to_string(),
        // The target as parsed by hyper keeps the bytes sent (a fragment
        // aside, which clients never send).
        target: parts.uri.to_string(),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| {
                (name.as_str().to_string(), String::from_utf8_lossy(value.as_bytes()).into_owned())
            })
            .collect(),
        body,
    };
    let (answer, answered) = oneshot::channel();
    let mut out = Responder {
        answer: Some(answer),
        head_only: parts.method == Method::HEAD,
        runtime: Handle::current(),
        abort,
    };
    // The task is not awaited: the handler may go on streaming the body after
    // the head is handed over.
    drop(tokio::task::spawn_blocking(move || handler(&request, &mut out)));
    // A handler that returns (or panics) without answering drops `answer`.
    Ok(answered
        .await
        .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")))
}

/// The request body, or None past `MAX_BODY_BYTES`. Each read may take up to
/// `IO_TIMEOUT`.
async fn read_body(mut body: Incoming) -> io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    loop {
        let frame = match tokio::time::timeout(IO_TIMEOUT, body.frame()).await {
            Err(_) => return Err(io::Error::new(io::ErrorKind::TimedOut, "request body stalled")),
            Ok(None) => return Ok(Some(bytes)),
            Ok(Some(frame)) => frame.map_err(io::Error::other)?,
        };
        // Trailers, if any, are dropped.
        if let Ok(data) = frame.into_data() {
            if (bytes.len() + data.len()) as u64 > MAX_BODY_BYTES {
                return Ok(None);
            }
            bytes.extend_from_slice(&data);
        }
    }
}

/// A plain-text answer of this layer that closes the connection.
fn plain(status: StatusCode, text: &'static str) -> Response<AnswerBody> {
    let mut response =
        Response::new(Full::new(Bytes::from_static(text.as_bytes())).map_err(never).boxed_unsync());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    headers.insert(CONNECTION, HeaderValue::from_static("close"));
    response
}

fn empty() -> AnswerBody {
    Empty::new().map_err(never).boxed_unsync()
}

fn never(never: Infallible) -> io::Error {
    match never {}
}

/// A body fed by a handler through a channel. With a known length, the
/// channel closing before the length is reached is an error, which makes
/// hyper break the connection instead of ending the answer; without one
/// (chunked), the channel closing ends the body.
struct Streamed {
    chunks: mpsc::Receiver<Bytes>,
    /// None: chunked.
    remaining: Option<u64>,
    /// The channel closed short and hyper was given one chance to flush.
    flushed: bool,
}

impl Body for Streamed {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        if self.remaining == Some(0) {
            return Poll::Ready(None);
        }
        match self.chunks.poll_recv(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(chunk)) => {
                self.remaining = self.remaining.map(|n| n.saturating_sub(chunk.len() as u64));
                Poll::Ready(Some(Ok(Frame::data(chunk))))
            }
            Poll::Ready(None) if self.remaining.is_none() => Poll::Ready(None),
            // hyper flushes what it holds when the body is pending; on an
            // error it drops the connection at once. One pending poll first
            // gets the client every byte the handler produced.
            Poll::Ready(None) if !self.flushed => {
                self.flushed = true;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Poll::Ready(None) => Poll::Ready(Some(Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the answer's body ended short of its length",
            )))),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == Some(0)
    }

    fn size_hint(&self) -> SizeHint {
        self.remaining.map_or_else(SizeHint::default, SizeHint::with_exact)
    }
}

#[cfg(test)]
mod tests;
