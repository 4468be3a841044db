//! The demo backend's HTTP/1.1 server: one thread per connection.
//!
//! Dev tooling. Why not tiny_http's server: it runs connections on a task
//! pool that queues a burst of new connections behind the threads idle at
//! that moment, and a thread stays with its connection for the connection's
//! whole life (keep-alive included). A browser opening several connections at
//! once saw some of them never answered until another connection closed.
//! Here every connection has its own thread from accept to close, so a slow
//! or delayed answer never holds up another connection.
//!
//! What it speaks: HTTP/1.0 and 1.1, keep-alive and pipelining, bodies with
//! `Content-Length` (and `Expect: 100-continue`); no chunked request bodies
//! (411). Answers always carry a `Content-Length` (none for 1xx, 204, 304);
//! `HEAD` answers carry the length of the body they omit.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

/// Open connections at most; one more is answered 503 and closed.
pub const MAX_CONNECTIONS: usize = 512;
/// Request line and headers together.
const MAX_HEAD_BYTES: u64 = 64 * 1024;
const MAX_HEADERS: usize = 128;
/// Largest request body accepted (413 beyond).
pub const MAX_BODY_BYTES: u64 = 64 * 1024 * 1024;
/// An idle keep-alive connection, or a stalled read or write, is closed
/// after this long.
const IO_TIMEOUT: Duration = Duration::from_secs(60);

/// One request, its body read.
pub struct Request {
    /// As sent (case kept).
    pub method: String,
    /// The request target as sent: path and query, still percent-encoded.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// The answer side of one request: `send` writes the answer once.
pub struct Responder<'a> {
    stream: &'a mut TcpStream,
    head_only: bool,
    /// Close the connection after this answer.
    close: bool,
    sent: bool,
}

impl Responder<'_> {
    /// Writes status, headers and `len` bytes of `body`. `Content-Length`,
    /// `Transfer-Encoding` and `Connection` among `headers` are ignored (this
    /// layer sets framing), as are header lines that would break the head.
    pub fn send(
        &mut self,
        status: u16,
        headers: &[(String, String)],
        body: &mut dyn Read,
        len: u64,
    ) -> io::Result<()> {
        if self.sent {
            return Err(io::Error::other("this request was already answered"));
        }
        self.sent = true;
        let bodiless = (100..200).contains(&status) || status == 204 || status == 304;
        let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
        for (name, value) in headers {
            let framing = ["Content-Length", "Transfer-Encoding", "Connection"]
                .iter()
                .any(|f| name.eq_ignore_ascii_case(f));
            if framing || !is_token(name) || value.contains(['\r', '\n']) {
                continue;
            }
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if !bodiless {
            head.push_str(&format!("Content-Length: {len}\r\n"));
        }
        if self.close {
            head.push_str("Connection: close\r\n");
        }
        head.push_str("\r\n");
        let mut out = io::BufWriter::with_capacity(64 * 1024, &mut *self.stream);
        out.write_all(head.as_bytes())?;
        if !self.head_only && !bodiless {
            let copied = io::copy(&mut body.take(len), &mut out)?;
            if copied < len {
                // The framing is broken: the connection cannot go on.
                self.close = true;
                out.flush()?;
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("body ended after {copied} of {len} bytes"),
                ));
            }
        }
        out.flush()
    }
}

/// Answers requests; runs on the request's connection thread.
pub type Handler = dyn Fn(&Request, &mut Responder) + Send + Sync;

/// A running server; `stop` (or drop) ends it.
pub struct Server {
    local: SocketAddr,
    stopping: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
    connections: Arc<Connections>,
}

/// The open connections: a handle on each socket (to close it on stop) and
/// each thread (to join it).
#[derive(Default)]
struct Connections {
    open: Mutex<HashMap<u64, Connection>>,
}

struct Connection {
    stream: TcpStream,
    thread: Option<JoinHandle<()>>,
}

impl Connections {
    fn lock(&self) -> MutexGuard<'_, HashMap<u64, Connection>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Server {
    /// Serves `listener` with `handler` from now on.
    pub fn start(listener: TcpListener, handler: Arc<Handler>) -> io::Result<Server> {
        let local = listener.local_addr()?;
        let stopping = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(Connections::default());
        let accept = {
            let stopping = Arc::clone(&stopping);
            let connections = Arc::clone(&connections);
            std::thread::Builder::new()
                .name("demo-backend-accept".into())
                .spawn(move || accept_loop(listener, handler, &stopping, &connections))?
        };
        Ok(Server {
            local,
            stopping,
            accept: Some(accept),
            connections,
        })
    }

    /// Stops accepting, closes the listening socket, ends every connection
    /// once its current answer is written, and joins all threads.
    pub fn stop(&mut self) {
        let Some(accept) = self.accept.take() else {
            return;
        };
        self.stopping.store(true, Ordering::SeqCst);
        // Wake the blocking accept; it sees `stopping` and drops the listener.
        let mut wake = self.local;
        if wake.ip().is_unspecified() {
            wake.set_ip(match wake.ip() {
                IpAddr::V4(_) => Ipv4Addr::LOCALHOST.into(),
                IpAddr::V6(_) => Ipv6Addr::LOCALHOST.into(),
            });
        }
        let _ = TcpStream::connect_timeout(&wake, Duration::from_secs(1));
        let _ = accept.join();
        // Idle connections see end of input at once; busy ones finish the
        // answer they are writing, then close.
        let open: Vec<Connection> = self.connections.lock().drain().map(|(_, c)| c).collect();
        for c in &open {
            let _ = c.stream.shutdown(Shutdown::Read);
        }
        for c in open {
            if let Some(thread) = c.thread {
                let _ = thread.join();
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn accept_loop(
    listener: TcpListener,
    handler: Arc<Handler>,
    stopping: &Arc<AtomicBool>,
    connections: &Arc<Connections>,
) {
    let mut next_id: u64 = 0;
    for incoming in listener.incoming() {
        if stopping.load(Ordering::SeqCst) {
            break;
        }
        let stream = match incoming {
            Ok(stream) => stream,
            // Out of descriptors and the like: try again shortly.
            Err(_) => {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            }
        };
        let mut open = connections.lock();
        if open.len() >= MAX_CONNECTIONS {
            drop(open);
            let mut stream = stream;
            let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
            let _ = write_simple(&mut stream, 503, "too many connections");
            continue;
        }
        let Ok(handle) = stream.try_clone() else {
            continue;
        };
        next_id += 1;
        let id = next_id;
        open.insert(
            id,
            Connection {
                stream: handle,
                thread: None,
            },
        );
        let spawned = {
            let handler = Arc::clone(&handler);
            let stopping = Arc::clone(stopping);
            let connections = Arc::clone(connections);
            std::thread::Builder::new()
                .name("demo-backend-conn".into())
                .spawn(move || {
                    serve(stream, &*handler, &stopping);
                    // The last thing the thread does: it is not joined then.
                    connections.lock().remove(&id);
                })
        };
        match spawned {
            // The thread cannot remove its entry before this lock is released.
            Ok(thread) => {
                if let Some(c) = open.get_mut(&id) {
                    c.thread = Some(thread);
                }
            }
            Err(_) => {
                open.remove(&id);
            }
        }
    }
}

/// Answers the requests of one connection until it closes.
fn serve(stream: TcpStream, handler: &Handler, stopping: &AtomicBool) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(IO_TIMEOUT));
    let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::with_capacity(16 * 1024, read_half);
    let mut writer = stream;
    loop {
        let (request, keep_alive) = match read_request(&mut reader, &mut writer) {
            Ok(Some(parsed)) => parsed,
            Ok(None) => return,
            Err(ReadError::Closed) => return,
            Err(ReadError::Bad(status, message)) => {
                let _ = write_simple(&mut writer, status, message);
                return;
            }
        };
        let mut out = Responder {
            stream: &mut writer,
            head_only: request.method.eq_ignore_ascii_case("HEAD"),
            close: !keep_alive || stopping.load(Ordering::SeqCst),
            sent: false,
        };
        handler(&request, &mut out);
        if !out.sent {
            let mut body: &[u8] = b"Internal Server Error";
            let headers = [(
                "Content-Type".to_string(),
                "text/plain; charset=utf-8".to_string(),
            )];
            out.close = true;
            let _ = out.send(500, &headers, &mut body, 21);
        }
        if out.close || stopping.load(Ordering::SeqCst) {
            let _ = writer.flush();
            return;
        }
    }
}

enum ReadError {
    /// The client went away, timed out, or the socket failed: just close.
    Closed,
    /// Answer with this status and close.
    Bad(u16, &'static str),
}

impl From<io::Error> for ReadError {
    fn from(_: io::Error) -> ReadError {
        ReadError::Closed
    }
}

/// One line of the head without its line ending; None at end of input.
fn read_line(reader: &mut impl BufRead, budget: &mut u64) -> Result<Option<String>, ReadError> {
    let mut line = Vec::new();
    let n = reader
        .by_ref()
        .take(*budget + 1)
        .read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    if n as u64 > *budget {
        return Err(ReadError::Bad(431, "request head too large"));
    }
    *budget -= n as u64;
    if line.last() != Some(&b'\n') {
        // End of input inside a line.
        return Err(ReadError::Closed);
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Some(String::from_utf8_lossy(&line).into_owned()))
}

/// Reads one request and whether the connection may stay open after it;
/// None when the client closed the connection between requests.
fn read_request(
    reader: &mut BufReader<TcpStream>,
    writer: &mut TcpStream,
) -> Result<Option<(Request, bool)>, ReadError> {
    let mut budget = MAX_HEAD_BYTES;
    // Empty lines before a request line are ignored (RFC 9112, 2.2).
    let line = loop {
        match read_line(reader, &mut budget)? {
            None => return Ok(None),
            Some(l) if l.is_empty() => continue,
            Some(l) => break l,
        }
    };
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadError::Bad(400, "malformed request line"));
    };
    if !is_token(method) || target.is_empty() {
        return Err(ReadError::Bad(400, "malformed request line"));
    }
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        v if v.starts_with("HTTP/") => {
            return Err(ReadError::Bad(505, "only HTTP/1.0 and HTTP/1.1"))
        }
        _ => return Err(ReadError::Bad(400, "malformed request line")),
    };

    let mut headers: Vec<(String, String)> = Vec::new();
    loop {
        let Some(line) = read_line(reader, &mut budget)? else {
            return Err(ReadError::Closed);
        };
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            return Err(ReadError::Bad(400, "folded header lines are not accepted"));
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(ReadError::Bad(400, "malformed header line"));
        };
        if !is_token(name) {
            return Err(ReadError::Bad(400, "malformed header name"));
        }
        if headers.len() >= MAX_HEADERS {
            return Err(ReadError::Bad(431, "too many header lines"));
        }
        headers.push((
            name.to_string(),
            value.trim_matches([' ', '\t']).to_string(),
        ));
    }
    let header_values = |name: &'static str| {
        headers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let tokens = |name: &'static str| -> Vec<String> {
        header_values(name)
            .flat_map(|v| v.split(','))
            .map(|t| t.trim().to_ascii_lowercase())
            .filter(|t| !t.is_empty())
            .collect()
    };
    let connection = tokens("Connection");
    let keep_alive = if http10 {
        connection.iter().any(|t| t == "keep-alive")
    } else {
        !connection.iter().any(|t| t == "close")
    };

    if header_values("Transfer-Encoding").next().is_some() {
        return Err(ReadError::Bad(411, "send the body with a Content-Length"));
    }
    let mut length: Option<u64> = None;
    for value in header_values("Content-Length") {
        let parsed = value
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|_| value.trim().bytes().all(|b| b.is_ascii_digit()));
        match (parsed, length) {
            (None, _) => return Err(ReadError::Bad(400, "malformed Content-Length")),
            (Some(n), Some(m)) if n != m => {
                return Err(ReadError::Bad(400, "conflicting Content-Length"))
            }
            (Some(n), _) => length = Some(n),
        }
    }
    let length = length.unwrap_or(0);
    if length > MAX_BODY_BYTES {
        return Err(ReadError::Bad(413, "request body too large"));
    }
    if length > 0 && tokens("Expect").iter().any(|t| t == "100-continue") && !http10 {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        writer.flush()?;
    }
    let mut body = Vec::with_capacity(length.min(1024 * 1024) as usize);
    reader.by_ref().take(length).read_to_end(&mut body)?;
    if (body.len() as u64) < length {
        return Err(ReadError::Closed);
    }
    Ok(Some((
        Request {
            method: method.to_string(),
            target: target.to_string(),
            headers,
            body,
        },
        keep_alive,
    )))
}

/// A plain-text answer that closes the connection (errors of this layer).
fn write_simple(stream: &mut TcpStream, status: u16, message: &str) -> io::Result<()> {
    let mut out = Responder {
        stream,
        head_only: false,
        close: true,
        sent: false,
    };
    let headers = [(
        "Content-Type".to_string(),
        "text/plain; charset=utf-8".to_string(),
    )];
    let mut body = message.as_bytes();
    out.send(status, &headers, &mut body, message.len() as u64)
}

/// An RFC 9110 token (method, header name).
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        416 => "Range Not Satisfiable",
        422 => "Unprocessable Content",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "Status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// A server whose handler echoes method, target, headers and body as text.
    fn echo_server() -> Server {
        let handler: Arc<Handler> = Arc::new(|req: &Request, out: &mut Responder| {
            if req.target == "/slow" {
                std::thread::sleep(Duration::from_millis(300));
            }
            let mut text = format!("{} {}\n", req.method, req.target);
            for (k, v) in &req.headers {
                text.push_str(&format!("{k}={v}\n"));
            }
            text.push_str(&String::from_utf8_lossy(&req.body));
            let status = if req.target == "/empty" { 204 } else { 200 };
            let headers = [
                ("Content-Type".to_string(), "text/plain".to_string()),
                ("Content-Length".to_string(), "999".to_string()),
                ("Bad\r\nName".to_string(), "x".to_string()),
                ("X-Split".to_string(), "a\r\nInjected: 1".to_string()),
            ];
            let _ = out.send(status, &headers, &mut text.as_bytes(), text.len() as u64);
        });
        Server::start(TcpListener::bind("127.0.0.1:0").unwrap(), handler).unwrap()
    }

    fn connect(server: &Server) -> TcpStream {
        let s = TcpStream::connect(server.local).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s
    }

    /// Everything the server sends until it closes the connection (the
    /// client sends `raw` and nothing more).
    fn exchange(server: &Server, raw: &[u8]) -> String {
        let mut s = connect(server);
        s.write_all(raw).unwrap();
        s.shutdown(Shutdown::Write).unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    /// One answer (head and `Content-Length` body) from a kept-open stream.
    fn read_answer(reader: &mut BufReader<TcpStream>) -> (String, String) {
        let mut head = String::new();
        loop {
            let mut line = String::new();
            assert!(
                reader.read_line(&mut line).unwrap() > 0,
                "closed early: {head}"
            );
            head.push_str(&line);
            if line == "\r\n" {
                break;
            }
        }
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .map_or(0, |v| v.parse().unwrap());
        let mut body = vec![0; len];
        reader.read_exact(&mut body).unwrap();
        (head, String::from_utf8(body).unwrap())
    }

    #[test]
    fn keep_alive_pipelining_and_framing() {
        let server = echo_server();
        let s = connect(&server);
        let mut w = s.try_clone().unwrap();
        let mut r = BufReader::new(s);
        // Two pipelined requests, the first with a body.
        w.write_all(
            b"POST /a?x=%2B1 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\nHost: h\r\n\r\n",
        )
        .unwrap();
        let (head, body) = read_answer(&mut r);
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert!(
            !head.contains("999") && !head.contains("Injected") && !head.contains("Bad"),
            "{head}"
        );
        assert!(!head.contains("Connection: close"), "{head}");
        assert_eq!(body, "POST /a?x=%2B1\nHost=h\nContent-Length=5\nhello");
        let (_, body) = read_answer(&mut r);
        assert_eq!(body, "GET /b\nHost=h\n");
        // The connection stays open for more.
        w.write_all(b"HEAD /c HTTP/1.1\r\n\r\n").unwrap();
        let (head, body) = read_answer_head_only(&mut r);
        assert!(head.contains("Content-Length: 8\r\n"), "{head}");
        assert_eq!(body, "");
        w.write_all(b"GET /empty HTTP/1.1\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut rest = String::new();
        r.read_to_string(&mut rest).unwrap();
        assert!(rest.starts_with("HTTP/1.1 204 No Content\r\n"), "{rest}");
        assert!(!rest.contains("Content-Length"), "{rest}");
        assert!(rest.contains("Connection: close\r\n"), "{rest}");
        assert!(rest.ends_with("\r\n\r\n"), "{rest}");
    }

    /// A HEAD answer: the head only, although it announces a length.
    fn read_answer_head_only(reader: &mut BufReader<TcpStream>) -> (String, String) {
        let mut head = String::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            head.push_str(&line);
            if line == "\r\n" {
                break;
            }
        }
        (head, String::new())
    }

    #[test]
    fn http10_expect_and_errors() {
        let server = echo_server();
        let out = exchange(&server, b"GET /x HTTP/1.0\r\n\r\n");
        assert!(
            out.starts_with("HTTP/1.1 200 OK\r\n") && out.contains("Connection: close\r\n"),
            "{out}"
        );
        assert!(out.ends_with("GET /x\n"), "{out}");

        let mut s = connect(&server);
        s.write_all(b"PUT /u HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut interim = [0u8; 25];
        s.read_exact(&mut interim).unwrap();
        assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
        s.write_all(b"abc").unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        assert!(out.ends_with("\nabc"), "{out}");

        let bad: &[(&[u8], &str)] = &[
            (b"GARBAGE\r\n\r\n", "400"),
            (b"GET /x HTTP/2.0\r\n\r\n", "505"),
            (b"GET /x FTP/1.0\r\n\r\n", "400"),
            (b"GET  /x HTTP/1.1\r\n\r\n", "400"),
            (b"GET /x HTTP/1.1\r\nNoColon\r\n\r\n", "400"),
            (b"GET /x HTTP/1.1\r\nA: 1\r\n  folded\r\n\r\n", "400"),
            (b"GET /x HTTP/1.1\r\nContent-Length: x\r\n\r\n", "400"),
            (
                b"GET /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                "400",
            ),
            (
                b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
                "411",
            ),
            (
                b"POST /x HTTP/1.1\r\nContent-Length: 999999999999\r\n\r\n",
                "413",
            ),
        ];
        for (raw, status) in bad {
            let out = exchange(&server, raw);
            assert!(
                out.starts_with(&format!("HTTP/1.1 {status} "))
                    && out.contains("Connection: close\r\n"),
                "{:?}: {out}",
                String::from_utf8_lossy(raw)
            );
        }
        let mut huge = b"GET /x HTTP/1.1\r\nX: ".to_vec();
        huge.extend(std::iter::repeat_n(b'a', 70 * 1024));
        huge.extend_from_slice(b"\r\n\r\n");
        assert!(exchange(&server, &huge).starts_with("HTTP/1.1 431 "));
        // A client that goes away mid-head costs nothing.
        assert_eq!(exchange(&server, b"GET /x HTT"), "");
    }

    /// The reason for this module: new connections never wait for others,
    /// whether those are idle keep-alive ones or busy with a slow answer.
    #[test]
    fn connections_never_wait_for_each_other() {
        let server = echo_server();
        let addr = server.local;
        // Idle keep-alive connections, as a browser keeps them.
        let mut idle = Vec::new();
        for _ in 0..6 {
            let s = connect(&server);
            let mut w = s.try_clone().unwrap();
            let mut r = BufReader::new(s);
            w.write_all(b"GET /warm HTTP/1.1\r\n\r\n").unwrap();
            read_answer(&mut r);
            idle.push(r);
        }
        // A burst of slow requests and quick ones on new connections at once.
        let started = Instant::now();
        let burst: Vec<_> = (0..24)
            .map(|i| {
                std::thread::spawn(move || {
                    let s = TcpStream::connect(addr).unwrap();
                    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                    let mut w = s.try_clone().unwrap();
                    let mut r = BufReader::new(s);
                    let target = if i % 2 == 0 { "/slow" } else { "/quick" };
                    w.write_all(format!("GET {target} HTTP/1.1\r\n\r\n").as_bytes())
                        .unwrap();
                    let t = Instant::now();
                    read_answer(&mut r);
                    (target, t.elapsed())
                })
            })
            .collect();
        for handle in burst {
            let (target, took) = handle.join().unwrap();
            let limit = if target == "/slow" { 1500 } else { 1000 };
            assert!(
                took < Duration::from_millis(limit),
                "{target} took {took:?}"
            );
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        // The idle ones still work.
        for r in &mut idle {
            r.get_mut()
                .write_all(b"GET /again HTTP/1.1\r\n\r\n")
                .unwrap();
            assert_eq!(read_answer(r).1, "GET /again\n");
        }
    }

    #[test]
    fn stop_closes_idle_connections_and_the_port() {
        let mut server = echo_server();
        let addr = server.local;
        let s = connect(&server);
        let mut w = s.try_clone().unwrap();
        let mut r = BufReader::new(s);
        w.write_all(b"GET /a HTTP/1.1\r\n\r\n").unwrap();
        read_answer(&mut r);
        let t = Instant::now();
        server.stop();
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
        let mut rest = Vec::new();
        assert_eq!(r.read_to_end(&mut rest).unwrap_or(0), 0);
        assert!(TcpListener::bind(addr).is_ok());
    }
}
