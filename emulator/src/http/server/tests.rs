//! Tests of the demo backend's HTTP server over real sockets, with raw requests.

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use super::*;

/// A handler that echoes method, target, headers and body as text, after a
/// pause for `/slow`; `/empty` answers 204, `/short` a body that ends early,
/// `/silent` nothing at all, `/panic` panics, `/stream?n` `n` bytes counted
/// in `STREAMED` as they are read.
fn echo(req: &Request, out: &mut Responder) {
    if req.target == "/slow" {
        std::thread::sleep(Duration::from_millis(300));
    }
    if req.target == "/silent" {
        return;
    }
    if req.target == "/panic" {
        panic!("a handler that fails");
    }
    if let Some(n) = req.target.strip_prefix("/stream?") {
        let len: u64 = n.parse().unwrap();
        let _ = out.send(200, &[], &mut Counted(std::io::repeat(b'x').take(len)), len);
        return;
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
    let len = text.len() as u64;
    let claimed = if req.target == "/short" { len + 10 } else { len };
    let _ = out.send(status, &headers, &mut text.as_bytes(), claimed);
}

/// Bytes read from `/stream` bodies so far, by all tests.
static STREAMED: AtomicU64 = AtomicU64::new(0);

struct Counted<R>(R);

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.0.read(buf)?;
        STREAMED.fetch_add(n as u64, Ordering::SeqCst);
        Ok(n)
    }
}

fn echo_server_with_limit(limit: usize) -> (Server, SocketAddr) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = Server::start_with_limit(listener, Arc::new(echo), limit).unwrap();
    (server, addr)
}

fn echo_server() -> (Server, SocketAddr) {
    echo_server_with_limit(MAX_CONNECTIONS)
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s
}

/// A kept-open connection: a writer and a buffered reader on the same socket.
fn open(addr: SocketAddr) -> (TcpStream, BufReader<TcpStream>) {
    let s = connect(addr);
    (s.try_clone().unwrap(), BufReader::new(s))
}

/// Everything the server sends until it closes the connection (the client
/// sends `raw` and shuts down its sending side).
fn exchange(addr: SocketAddr, raw: &[u8]) -> String {
    let mut s = connect(addr);
    s.write_all(raw).unwrap();
    s.shutdown(Shutdown::Write).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// One answer's head, lines ending in CRLF, from a kept-open stream.
fn read_head(reader: &mut BufReader<TcpStream>) -> String {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        assert!(reader.read_line(&mut line).unwrap() > 0, "closed early: {head}");
        head.push_str(&line);
        if line == "\r\n" {
            return head;
        }
    }
}

fn content_length(head: &str) -> Option<usize> {
    head.lines().find_map(|l| l.strip_prefix("content-length: ")).map(|v| v.parse().unwrap())
}

/// One answer (head and `Content-Length` body) from a kept-open stream.
fn read_answer(reader: &mut BufReader<TcpStream>) -> (String, String) {
    let head = read_head(reader);
    let mut body = vec![0; content_length(&head).unwrap_or(0)];
    reader.read_exact(&mut body).unwrap();
    (head, String::from_utf8(body).unwrap())
}

#[test]
fn keep_alive_pipelining_and_framing() {
    let (_server, addr) = echo_server();
    let (mut w, mut r) = open(addr);
    // Two pipelined requests, the first with a body; the target keeps its
    // percent-encoding and the method its case.
    w.write_all(
        b"POST /a?x=%2B1&y=%2f HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloget /b HTTP/1.1\r\nHost: h\r\n\r\n",
    )
    .unwrap();
    let (head, body) = read_answer(&mut r);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(!head.contains("999") && !head.contains("Injected") && !head.contains("Bad"), "{head}");
    assert!(head.contains("content-type: text/plain\r\n"), "{head}");
    assert!(!head.contains("connection: close"), "{head}");
    assert_eq!(body, "POST /a?x=%2B1&y=%2f\nhost=h\ncontent-length=5\nhello");
    let (_, body) = read_answer(&mut r);
    assert_eq!(body, "get /b\nhost=h\n");
    // The connection stays open for more: HEAD announces the length only.
    w.write_all(b"HEAD /c HTTP/1.1\r\n\r\n").unwrap();
    let head = read_head(&mut r);
    assert_eq!(content_length(&head), Some(8), "{head}");
    w.write_all(b"GET /empty HTTP/1.1\r\nConnection: close\r\n\r\n").unwrap();
    let mut rest = String::new();
    r.read_to_string(&mut rest).unwrap();
    assert!(rest.starts_with("HTTP/1.1 204 No Content\r\n"), "{rest}");
    assert!(!rest.contains("content-length"), "{rest}");
    assert!(rest.contains("connection: close\r\n"), "{rest}");
    assert!(rest.ends_with("\r\n\r\n"), "{rest}");
}

#[test]
fn http10_expect_and_request_bodies() {
    let (_server, addr) = echo_server();
    let out = exchange(addr, b"GET /x HTTP/1.0\r\n\r\n");
    assert!(out.starts_with("HTTP/1.0 200 OK\r\n"), "{out}");
    assert!(out.ends_with("GET /x\n"), "{out}");

    let mut s = connect(addr);
    s.write_all(b"PUT /u HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut interim = [0u8; 25];
    s.read_exact(&mut interim).unwrap();
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    s.write_all(b"abc").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.ends_with("\nabc"), "{out}");

    // Chunked request bodies are read too.
    let out = exchange(
        addr,
        b"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
    );
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n") && out.ends_with("\nabcde"), "{out}");

    // Too large, declared or not: 413, and the connection closes.
    let out = exchange(addr, b"POST /x HTTP/1.1\r\nContent-Length: 999999999999\r\n\r\n");
    assert!(out.starts_with("HTTP/1.1 413 ") && out.contains("connection: close\r\n"), "{out}");
    let mut s = connect(addr);
    s.write_all(b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").unwrap();
    let chunk = vec![b'a'; 1024 * 1024];
    let mut sent = 0;
    while sent <= MAX_BODY_BYTES {
        if s.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).is_err()
            || s.write_all(&chunk).is_err()
            || s.write_all(b"\r\n").is_err()
        {
            break;
        }
        sent += chunk.len() as u64;
    }
    let mut r = BufReader::new(s);
    let head = read_head(&mut r);
    assert!(head.starts_with("HTTP/1.1 413 "), "{head}");
}

#[test]
fn malformed_requests_are_refused() {
    let (_server, addr) = echo_server();
    let bad: &[&[u8]] = &[
        b"GARBAGE\r\n\r\n",
        b"GET  /x HTTP/1.1\r\n\r\n",
        b"GET /x HTTP/1.1\r\nNoColon\r\n\r\n",
        b"GET /x HTTP/1.1\r\nA: 1\r\n  folded\r\n\r\n",
        b"GET /x HTTP/1.1\r\nContent-Length: x\r\n\r\n",
        b"GET /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
    ];
    for raw in bad {
        let out = exchange(addr, raw);
        assert!(out.starts_with("HTTP/1.1 400 "), "{:?}: {out}", String::from_utf8_lossy(raw));
    }
    let mut huge = b"GET /x HTTP/1.1\r\nX: ".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 70 * 1024));
    huge.extend_from_slice(b"\r\n\r\n");
    let out = exchange(addr, &huge);
    assert!(out.starts_with("HTTP/1.1 431 "), "{out}");
    let mut many = b"GET /x HTTP/1.1\r\n".to_vec();
    for i in 0..=MAX_HEADERS {
        many.extend_from_slice(format!("X-{i}: 1\r\n").as_bytes());
    }
    many.extend_from_slice(b"\r\n");
    let out = exchange(addr, &many);
    assert!(out.starts_with("HTTP/1.1 431 "), "{out}");
    // A client that goes away mid-head costs nothing.
    assert_eq!(exchange(addr, b"GET /x HTT"), "");
}

#[test]
fn handlers_that_fail_answer_500() {
    let (_server, addr) = echo_server();
    for target in ["/silent", "/panic"] {
        let out = exchange(addr, format!("GET {target} HTTP/1.1\r\n\r\n").as_bytes());
        assert!(out.starts_with("HTTP/1.1 500 "), "{target}: {out}");
        assert!(out.contains("connection: close\r\n"), "{target}: {out}");
        assert!(out.ends_with("\r\n\r\nInternal Server Error"), "{target}: {out}");
    }
}

/// A body that ends before its length breaks the connection: the client
/// gets the length announced, fewer bytes, then the end of the connection.
#[test]
fn a_short_body_breaks_the_connection() {
    let (_server, addr) = echo_server();
    let (mut w, mut r) = open(addr);
    // A second request waits behind the first: it is never answered.
    w.write_all(b"GET /short HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n").unwrap();
    let head = read_head(&mut r);
    let len = content_length(&head).unwrap();
    let mut rest = Vec::new();
    let _ = r.read_to_end(&mut rest);
    assert_eq!(rest.len() + 10, len, "{}", String::from_utf8_lossy(&rest));
    assert!(String::from_utf8_lossy(&rest).starts_with("GET /short\n"));
}

/// A large answer streams: the handler reads ahead of the client by a bounded
/// amount only, and every byte arrives.
#[test]
fn large_answers_stream_with_bounded_memory() {
    const LEN: u64 = 256 * 1024 * 1024;
    let (_server, addr) = echo_server();
    let (mut w, mut r) = open(addr);
    let before = STREAMED.load(Ordering::SeqCst);
    w.write_all(format!("GET /stream?{LEN} HTTP/1.1\r\n\r\n").as_bytes()).unwrap();
    let head = read_head(&mut r);
    assert_eq!(content_length(&head), Some(LEN as usize), "{head}");
    // The client reads nothing for a while: the handler stops soon after the
    // socket buffers, hyper's buffer and the channel are full.
    std::thread::sleep(Duration::from_millis(500));
    let ahead = STREAMED.load(Ordering::SeqCst) - before;
    assert!(ahead < 64 * 1024 * 1024, "read {ahead} bytes ahead of the client");
    let mut total = 0u64;
    let mut buf = vec![0; 1024 * 1024];
    while total < LEN {
        let n = r.read(&mut buf).unwrap();
        assert!(n > 0, "closed after {total} bytes");
        assert!(buf[..n].iter().all(|&b| b == b'x'));
        total += n as u64;
    }
    assert_eq!(total, LEN);
    // The connection goes on.
    w.write_all(b"GET /after HTTP/1.1\r\n\r\n").unwrap();
    assert_eq!(read_answer(&mut r).1, "GET /after\n");
}

/// New connections never wait for others, whether those are idle keep-alive
/// ones or busy with a slow answer.
#[test]
fn connections_never_wait_for_each_other() {
    let (_server, addr) = echo_server();
    // Idle keep-alive connections, as a browser keeps them.
    let mut idle = Vec::new();
    for _ in 0..6 {
        let (mut w, mut r) = open(addr);
        w.write_all(b"GET /warm HTTP/1.1\r\n\r\n").unwrap();
        read_answer(&mut r);
        idle.push(r);
    }
    // A burst of slow requests and quick ones on new connections at once.
    let started = Instant::now();
    let burst: Vec<_> = (0..24)
        .map(|i| {
            std::thread::spawn(move || {
                let (mut w, mut r) = open(addr);
                let target = if i % 2 == 0 { "/slow" } else { "/quick" };
                w.write_all(format!("GET {target} HTTP/1.1\r\n\r\n").as_bytes()).unwrap();
                let t = Instant::now();
                read_answer(&mut r);
                (target, t.elapsed())
            })
        })
        .collect();
    for handle in burst {
        let (target, took) = handle.join().unwrap();
        let limit = if target == "/slow" { 1500 } else { 1000 };
        assert!(took < Duration::from_millis(limit), "{target} took {took:?}");
    }
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    // The idle ones still work.
    for r in &mut idle {
        r.get_mut().write_all(b"GET /again HTTP/1.1\r\n\r\n").unwrap();
        assert_eq!(read_answer(r).1, "GET /again\n");
    }
}

#[test]
fn one_connection_past_the_limit_is_refused() {
    let (_server, addr) = echo_server_with_limit(2);
    let mut open: Vec<_> = (0..2)
        .map(|_| {
            let s = connect(addr);
            let mut r = BufReader::new(s);
            r.get_mut().write_all(b"GET /a HTTP/1.1\r\n\r\n").unwrap();
            read_answer(&mut r);
            r
        })
        .collect();
    let out = exchange(addr, b"GET /b HTTP/1.1\r\n\r\n");
    assert!(out.starts_with("HTTP/1.1 503 "), "{out}");
    assert!(out.ends_with("too many connections"), "{out}");
    // Once one closes, there is room again.
    drop(open.pop());
    let t = Instant::now();
    loop {
        let out = exchange(addr, b"GET /c HTTP/1.1\r\n\r\n");
        if out.starts_with("HTTP/1.1 200 ") {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(2), "{out}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn stop_finishes_answers_closes_connections_and_the_port() {
    let (mut server, addr) = echo_server();
    let (mut w, mut idle) = open(addr);
    w.write_all(b"GET /a HTTP/1.1\r\n\r\n").unwrap();
    read_answer(&mut idle);
    // An answer under way when stop comes is still sent whole.
    let (mut busy_w, mut busy) = open(addr);
    busy_w.write_all(b"GET /slow HTTP/1.1\r\n\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let t = Instant::now();
    server.stop();
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    assert_eq!(read_answer(&mut busy).1, "GET /slow\n");
    let mut rest = Vec::new();
    assert_eq!(busy.read_to_end(&mut rest).unwrap_or(0), 0);
    assert_eq!(idle.read_to_end(&mut rest).unwrap_or(0), 0);
    assert!(std::net::TcpListener::bind(addr).is_ok());
}
