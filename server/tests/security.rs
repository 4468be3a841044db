//! The security table: each row an attack on the server and its outcome, with the requests that reached VAS.
//!
//! Runs the server in front of a stand-in VAS that counts every request and
//! socket, and writes the table to `target/figures/server-security.txt`
//! (printed by `cargo xtask test`).

mod support;

use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use support::*;
use tokio::io::AsyncWriteExt;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

struct Table {
    rows: Vec<[String; 4]>,
}

impl Table {
    fn row(&mut self, attack: &str, outcome: String, upstream: usize) {
        self.rows.push([attack.to_owned(), outcome, upstream.to_string(), String::new()]);
    }

    fn render(&self) -> String {
        let mut out =
            String::from("| attack | outcome | requests that reached VAS |\n| --- | --- | --- |\n");
        for [a, o, u, _] in &self.rows {
            let _ = writeln!(out, "| {a} | {o} | {u} |");
        }
        out
    }
}

/// Runs `f` and returns its result with the number of requests and sockets
/// that reached the stand-in VAS meanwhile.
async fn counted<T>(vas: &StandInVas, f: impl std::future::Future<Output = T>) -> (T, usize) {
    let before = vas.seen.count();
    let out = f.await;
    // Anything the server forwarded has reached the stand-in by the time the
    // answer arrived: the stand-in counts before it answers.
    (out, vas.seen.count() - before)
}

async fn ws_connect(
    server: &Running,
    origin: Option<&str>,
) -> Result<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    u16,
> {
    let mut request = format!("ws://{}/ws/mediasoup", server.host()).into_client_request().unwrap();
    if let Some(o) = origin {
        request.headers_mut().insert("origin", o.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((s, _)) => Ok(s),
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => Err(r.status().as_u16()),
        Err(e) => panic!("unexpected socket error: {e}"),
    }
}

/// Waits until the stand-in VAS holds no signaling socket open; the time it took.
async fn upstream_sockets_closed(vas: &StandInVas) -> Duration {
    let start = Instant::now();
    while vas.seen.sockets_open.load(Ordering::SeqCst) != 0 {
        assert!(start.elapsed() < Duration::from_secs(10), "the relay left VAS's socket open");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    start.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_table() {
    let vas = StandInVas::start().await;
    let server = start_server(&vas, "security", &[]).await;
    let http = client();
    let own = format!("http://{}", server.host());
    let mut table = Table { rows: Vec::new() };

    // A page of another origin reads the API: refused before VAS, no CORS.
    let (answer, up) = counted(
        &vas,
        http.get(server.url("/api/v1/devices"))
            .headers(from_page("http://evil.example", false))
            .send(),
    )
    .await;
    let answer = answer.unwrap();
    assert_eq!((answer.status().as_u16(), up), (403, 0));
    assert!(answer.headers().get("access-control-allow-origin").is_none());
    table.row(
        "a page of another origin fetches /api/v1/devices",
        format!("{}, no CORS headers", answer.status()),
        up,
    );

    let (answer, up) = counted(
        &vas,
        http.request(reqwest::Method::OPTIONS, server.url("/api/v1/ai-events"))
            .header("origin", "http://evil.example")
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "x-api-key")
            .send(),
    )
    .await;
    let answer = answer.unwrap();
    assert!(
        !answer.status().is_success()
            && up == 0
            && answer.headers().get("access-control-allow-origin").is_none()
    );
    table.row(
        "its CORS preflight (OPTIONS with X-API-Key)",
        format!("{}, no CORS headers", answer.status()),
        up,
    );

    // The same request from the viewer's own page passes.
    let (answer, up) = counted(
        &vas,
        http.get(server.url("/api/v1/ai-events")).headers(from_page(&own, true)).send(),
    )
    .await;
    assert_eq!((answer.unwrap().status().as_u16(), up), (200, 1));

    // DNS rebinding: a foreign name resolving to the server.
    let (answer, up) = counted(
        &vas,
        http.get(server.url("/api/v1/devices")).header("host", "attacker.example").send(),
    )
    .await;
    let answer = answer.unwrap();
    assert_eq!((answer.status().as_u16(), up), (421, 0));
    table.row("spoofed Host (attacker.example)", answer.status().to_string(), up);

    // Raw paths, sent as bytes so no client normalizes them first.
    let raw = [
        "/api/../api/v1/devices",
        "/api/v1/../../admin",
        "/api/%2e%2e/v1/devices",
        "/api/v1/%2e%2e/%2e%2e/openapi.json",
        "/api/v1/devices%2f..%2f..%2fdocs",
        "/api/v1/ai-events/..%2F..%2Fusers",
        "/api//v1/devices",
        "/api/v1/devices/./",
        "/api/v1/devices\\..\\users",
    ];
    for path in raw {
        let req =
            format!("GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", server.host());
        let (code, up) = counted(&vas, raw_request(server.addr, &req)).await;
        assert!(code == 404 || code == 400, "{path}: {code}");
        assert_eq!(up, 0, "{path}");
        table.row(
            &format!("raw path `{}` over a socket", path.replace('\\', "\\\\")),
            code.to_string(),
            up,
        );
    }

    // Paths outside the allow-list.
    for (method, path) in [
        ("POST", format!("/api/v1/devices/{CAMERA}/start-stream")),
        ("GET", format!("/api/v1/devices/{CAMERA}/start-stream")),
        ("POST", "/api/v1/ai-events".to_string()),
        ("DELETE", format!("/api/v1/devices/{CAMERA}")),
        ("GET", "/api/v1/users".to_string()),
        ("GET", "/docs".to_string()),
        ("GET", "/openapi.json".to_string()),
        ("GET", "/health".to_string()),
    ] {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let (answer, up) = counted(&vas, http.request(m, server.url(&path)).send()).await;
        let code = answer.unwrap().status().as_u16();
        assert!(matches!(code, 404 | 405), "{method} {path}: {code}");
        assert_eq!(up, 0);
        table.row(&format!("{method} {path} (not a path the viewer reads)"), code.to_string(), up);
    }

    // A key sent by the browser is dropped; VAS sees the server's only.
    vas.seen.keys.lock().unwrap().clear();
    let (answer, up) = counted(
        &vas,
        http.get(server.url("/api/v1/ai-events?limit=1")).header("x-api-key", "browser-key").send(),
    )
    .await;
    assert_eq!(answer.unwrap().status().as_u16(), 200);
    let keys = vas.seen.keys.lock().unwrap().clone();
    assert_eq!(keys, vec![Some(SERVER_KEY.to_string())]);
    table.row("X-API-Key sent by the browser", "dropped; VAS got the server's key only".into(), up);

    // Camera credentials in device answers.
    for path in
        ["/api/v1/devices?skip=0&limit=100".to_string(), format!("/api/v1/devices/{CAMERA}")]
    {
        let (answer, up) = counted(&vas, http.get(server.url(&path)).send()).await;
        let answer = answer.unwrap();
        assert_eq!(answer.status().as_u16(), 200);
        let body = answer.text().await.unwrap();
        assert!(!body.contains("rtsp") && !body.contains(CAMERA_SECRET), "{body}");
        assert!(body.contains("\"name\":\"gate\""), "{body}");
        table.row(
            &format!("rtsp_url in {}", path.split('?').next().unwrap()),
            "removed (other fields kept)".into(),
            up,
        );
    }

    // The emulator's control API is no part of the server.
    for (method, path) in
        [("GET", "/__demo/faults"), ("POST", "/__demo/reset"), ("GET", "/__demo/log")]
    {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let (answer, up) = counted(&vas, http.request(m, server.url(path)).send()).await;
        let code = answer.unwrap().status().as_u16();
        assert!(matches!(code, 404 | 405) && up == 0, "{path}: {code}");
        table.row(&format!("{method} {path} in --vas mode"), code.to_string(), up);
    }

    // Signaling from another origin, or without one.
    for origin in [
        Some("http://evil.example"),
        Some(&format!("http://127.0.0.1:{}", server.addr.port() + 1)[..]),
        None,
    ] {
        let (result, up) = counted(&vas, ws_connect(&server, origin)).await;
        assert_eq!((result.err(), up), (Some(403), 0));
        table.row(
            &format!("WebSocket /ws/mediasoup from Origin {}", origin.unwrap_or("(none)")),
            "403, no socket to VAS".into(),
            up,
        );
    }

    // A session from the viewer's own page is relayed, text both ways.
    let (mut socket, up) =
        counted(&vas, async { ws_connect(&server, Some(&own)).await.unwrap() }).await;
    assert_eq!(up, 1);
    socket
        .send(Message::text(r#"{"type":"getProducers","payload":{"roomId":"x"}}"#))
        .await
        .unwrap();
    let reply = socket.next().await.unwrap().unwrap();
    assert!(reply.to_text().unwrap().contains("getProducers"));

    // An oversized message ends the session on both sides.
    let messages_before = vas.seen.messages.load(Ordering::SeqCst);
    let big = format!(
        "{{\"type\":\"x\",\"payload\":\"{}\"}}",
        "a".repeat(vas_viewer_server::signaling_relay::MAX_MESSAGE_BYTES)
    );
    let _ = socket.send(Message::text(big)).await;
    let mut close_code = None;
    while let Some(Ok(m)) = socket.next().await {
        if let Message::Close(frame) = m {
            close_code = frame.map(|f| u16::from(f.code));
        }
    }
    let closed_in = upstream_sockets_closed(&vas).await;
    assert_eq!(close_code, Some(1009));
    assert_eq!(
        vas.seen.messages.load(Ordering::SeqCst),
        messages_before,
        "the oversized message reached VAS"
    );
    table.row(
        &format!(
            "signaling message over {} KiB",
            vas_viewer_server::signaling_relay::MAX_MESSAGE_BYTES / 1024
        ),
        format!(
            "closed (code {}), VAS's socket closed in {} ms, the message never reached VAS",
            close_code.map_or("none".into(), |c| c.to_string()),
            closed_in.as_millis()
        ),
        0,
    );

    // The browser vanishes without a close frame: VAS's side is closed too.
    let socket = ws_connect(&server, Some(&own)).await.unwrap();
    assert_eq!(vas.seen.sockets_open.load(Ordering::SeqCst), 1);
    drop(socket);
    let closed_in = upstream_sockets_closed(&vas).await;
    table.row(
        "browser leaves without closing (tab killed)",
        format!("VAS's socket closed in {} ms", closed_in.as_millis()),
        1,
    );

    // Slow clients: many connections with headers that never end.
    let held = 300;
    let mut slow = Vec::new();
    for _ in 0..held {
        let mut tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
        tcp.write_all(
            format!("GET /api/v1/devices HTTP/1.1\r\nHost: {}\r\nX-Slow: ", server.host())
                .as_bytes(),
        )
        .await
        .unwrap();
        slow.push(tcp);
    }
    let started = Instant::now();
    let (answer, up) = counted(&vas, http.get(server.url("/")).send()).await;
    assert_eq!(answer.unwrap().status().as_u16(), 200);
    let served_in = started.elapsed();
    let held_at = Instant::now();
    let mut closed = 0;
    for tcp in &mut slow {
        let mut buf = [0u8; 512];
        // The server answers 408 or just closes; either ends the read.
        let r = tokio::time::timeout(
            Duration::from_secs(30),
            tokio::io::AsyncReadExt::read(tcp, &mut buf),
        )
        .await;
        if r.is_ok() {
            closed += 1;
        }
    }
    let all_closed_after = held_at.elapsed();
    assert_eq!(closed, held);
    table.row(
        &format!("{held} slow clients holding half-sent headers"),
        format!(
            "another page served in {} ms meanwhile; all {held} cut after {:.1} s",
            served_in.as_millis(),
            all_closed_after.as_secs_f64()
        ),
        up,
    );

    // The key was never in anything the server answered.
    let mut exposed = 0;
    for path in ["/", "/config.json", "/api/v1/devices", "/api/v1/ai-events", "/nope"] {
        let answer = http.get(server.url(path)).send().await.unwrap();
        let headers = format!("{:?}", answer.headers());
        let body = answer.text().await.unwrap();
        exposed += usize::from(headers.contains(SERVER_KEY) || body.contains(SERVER_KEY));
    }
    assert_eq!(exposed, 0);
    table.row("VAS's key in any answer (page, config.json, API, 404)", "never present".into(), 0);

    let text = table.render();
    std::fs::write(figures_dir().join("server-security.txt"), &text).unwrap();
    println!("{text}");
    let _ = server.stop.send(true);
}
