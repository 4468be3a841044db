//! What the server serves: the viewer's files and routes, its headers, streamed segments, TLS, errors and shutdown.

mod support;

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use support::*;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_viewer_its_routes_and_cache_lifetimes() {
    let vas = StandInVas::start().await;
    let server = start_server(&vas, "site", &[]).await;
    let http = client();
    // (path, status, Cache-Control, body contains)
    let rows: [(&str, u16, &str, &str); 10] = [
        ("/", 200, "no-cache", "viewer"),
        (&format!("/cameras/{CAMERA}"), 200, "no-cache", "viewer"),
        (&format!("/cameras/{CAMERA}/clip?start=2026-01-05T12:00:00Z"), 200, "no-cache", "viewer"),
        (&format!("/cameras/{CAMERA}/recordings"), 200, "no-cache", "viewer"),
        (
            "/vas-overlay-viewer-0123456789abcdef.js",
            200,
            "public, max-age=31536000, immutable",
            "export default",
        ),
        ("/js/hls.mjs", 200, "no-cache", "Hls"),
        // Never the page: config.json, unknown paths, API and socket paths.
        ("/config.json", 404, "no-store", ""),
        ("/cameras/x/unknown", 404, "no-store", ""),
        ("/api/v1/nothing", 404, "no-store", "Not Found"),
        ("/ws/other", 404, "no-store", "not found"),
    ];
    for (path, status, cache, body) in rows {
        let answer = http.get(server.url(path)).send().await.unwrap();
        assert_eq!(answer.status().as_u16(), status, "{path}");
        let h = answer.headers().clone();
        assert_eq!(h.get("cache-control").map(|v| v.to_str().unwrap()), Some(cache), "{path}");
        assert_eq!(
            h.get("content-security-policy").unwrap(),
            "default-src 'none'; script-src 'self'; frame-ancestors 'none'",
            "{path}"
        );
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
        assert_eq!(h.get("referrer-policy").unwrap(), "no-referrer");
        assert!(h.keys().all(|k| !k.as_str().starts_with("access-control-")), "{path}: {h:?}");
        let text = answer.text().await.unwrap();
        assert!(text.contains(body), "{path}: {text}");
        assert!(status != 404 || !text.contains("viewer"), "{path} answered with the page");
    }
    // Refusals carry the security headers too.
    let refused =
        http.get(server.url("/")).header("host", "attacker.example").send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 421);
    for name in ["content-security-policy", "x-content-type-options", "referrer-policy"] {
        assert!(refused.headers().contains_key(name), "421 without {name}");
    }
    // Precompressed siblings go to browsers that accept them.
    let answer = http
        .get(server.url("/vas-overlay-viewer-0123456789abcdef.js"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.headers().get("content-encoding").unwrap(), "gzip");
    assert_eq!(answer.bytes().await.unwrap().as_ref(), b"gzipped-bytes");
    // A config.json, once there, is served and never stored.
    std::fs::write(server.dist.join("config.json"), "{\"apiBaseUrl\": \"\"}").unwrap();
    let answer = http.get(server.url("/config.json")).send().await.unwrap();
    assert_eq!(
        (
            answer.status().as_u16(),
            answer.headers().get("cache-control").unwrap().to_str().unwrap()
        ),
        (200, "no-store")
    );
    let _ = server.stop.send(true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn segments_stream_and_a_cut_body_is_never_complete() {
    let vas = StandInVas::start().await;
    let server = start_server(&vas, "segments", &[]).await;
    let http = client();
    let path = format!("/api/v1/recordings/devices/{CAMERA}/segment-1795578823.ts");
    let started = Instant::now();
    let answer = http.get(server.url(&path)).send().await.unwrap();
    let first_byte_ms = started.elapsed().as_millis();
    assert_eq!(answer.status().as_u16(), 200);
    let h = answer.headers().clone();
    assert_eq!(h.get("cache-control").unwrap(), "public, max-age=31536000");
    assert_eq!(h.get("last-modified").unwrap(), "Sat, 05 Dec 2026 10:00:00 GMT");
    assert_eq!(h.get("content-length").unwrap().to_str().unwrap(), SEGMENT_BYTES.to_string());
    assert!(h.get("access-control-allow-origin").is_none());
    let mut stream = answer.bytes_stream();
    let mut total = 0usize;
    while let Some(chunk) = stream.next().await {
        total += chunk.unwrap().len();
    }
    assert_eq!(total, SEGMENT_BYTES);
    println!(
        "segment of {} MB streamed: first byte after {first_byte_ms} ms, whole after {} ms",
        SEGMENT_BYTES >> 20,
        started.elapsed().as_millis()
    );

    // VAS breaks off: the browser sees an error, not a short complete body.
    let broken = format!("/api/v1/recordings/devices/{CAMERA}/segment-999.ts");
    let answer = http.get(server.url(&broken)).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    let mut stream = answer.bytes_stream();
    let mut got = 0usize;
    let mut failed = false;
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(c) => got += c.len(),
            Err(_) => {
                failed = true;
                break;
            }
        }
    }
    assert!(failed, "a cut body looked complete after {got} bytes");
    assert!(got < SEGMENT_BYTES);
    let _ = server.stop.send(true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_vas_answers_502_in_vas_shape_and_check_says_why() {
    // A port with nothing listening.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let vas = StandInVas { addr: free, seen: Default::default() };
    let server = start_server(&vas, "unreachable", &[]).await;
    let answer = client().get(server.url("/api/v1/devices")).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 502);
    let body: serde_json::Value = serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap();
    assert_eq!(body["error"]["status"], 502);
    assert_eq!(body["error"]["message"], "VAS could not be reached");
    let _ = server.stop.send(true);

    let (_stop, stopping) = tokio::sync::watch::channel(false);
    let dist = dist_dir("check");
    let flags = <vas_viewer_server::config::Flags as clap::Parser>::try_parse_from([
        "vas-viewer-server",
        "--dist",
        dist.to_str().unwrap(),
        "--vas",
        &format!("http://{free}"),
    ])
    .unwrap();
    let config = vas_viewer_server::config::ServerConfig::from_flags(&flags, None).unwrap();
    let prepared = vas_viewer_server::prepare(&config, stopping).unwrap();
    let status = vas_viewer_server::vas_check::check(&prepared.state.upstream).await;
    assert!(
        matches!(status, vas_viewer_server::vas_check::VasStatus::Unreachable(_)),
        "{status:?}"
    );
    assert!(status.describe("http://vas").contains("unreachable"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_serves_https_and_wss() {
    let vas = StandInVas::start().await;
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let dir = dist_dir("tls-keys");
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).unwrap();
    let server = start_server(
        &vas,
        "tls",
        &["--tls-cert", cert_path.to_str().unwrap(), "--tls-key", key_path.to_str().unwrap()],
    )
    .await;
    let port = server.addr.port();
    let trusted = reqwest::Certificate::from_pem(cert.cert.pem().as_bytes()).unwrap();
    vas_viewer_server::install_crypto();
    let https = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([trusted])
        .resolve("localhost", server.addr)
        .build()
        .unwrap();
    let answer =
        https.get(format!("https://localhost:{port}/api/v1/devices")).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    assert!(!answer.text().await.unwrap().contains("rtsp"));

    // wss with the page's own origin.
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.cert.der().clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(vas_viewer_server::crypto_provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let mut request = format!("wss://localhost:{port}/ws/mediasoup").into_client_request().unwrap();
    request.headers_mut().insert("origin", format!("https://localhost:{port}").parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::client_async_tls_with_config(
        request,
        tcp,
        None,
        Some(tokio_tungstenite::Connector::Rustls(std::sync::Arc::new(config))),
    )
    .await
    .unwrap();
    socket
        .send(Message::text(r#"{"type":"getRouterRtpCapabilities","payload":{}}"#))
        .await
        .unwrap();
    let reply = socket.next().await.unwrap().unwrap();
    assert!(reply.to_text().unwrap().contains("getRouterRtpCapabilities"));

    // Plain HTTP on the TLS port is refused, not served.
    let plain = client().get(format!("http://127.0.0.1:{port}/")).send().await;
    assert!(plain.is_err() || !plain.unwrap().status().is_success());
    let _ = server.stop.send(true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_closes_relayed_sessions_on_both_sides_and_stops_listening() {
    let vas = StandInVas::start().await;
    let server = start_server(&vas, "shutdown", &[]).await;
    let mut request = format!("ws://{}/ws/mediasoup", server.host()).into_client_request().unwrap();
    request.headers_mut().insert("origin", format!("http://{}", server.host()).parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let started = Instant::now();
    let _ = server.stop.send(true);
    let mut code = None;
    while let Some(Ok(m)) = socket.next().await {
        if let Message::Close(f) = m {
            code = f.map(|f| u16::from(f.code));
        }
    }
    assert_eq!(code, Some(1001));
    tokio::time::timeout(Duration::from_secs(15), server.done).await.unwrap().unwrap();
    while vas.seen.sockets_open.load(std::sync::atomic::Ordering::SeqCst) != 0 {
        assert!(started.elapsed() < Duration::from_secs(10));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(tokio::net::TcpStream::connect(server.addr).await.is_err());
    println!(
        "shutdown with a live signaling session: both sides closed, server stopped in {} ms",
        started.elapsed().as_millis()
    );
}
