//! End-to-end, static hosting: the built viewer on an ordinary static host (SPA fallback to `index.html`, no `config.json`) starts with its defaults and plays the demo clip.
//!
//! The host is the textbook one: tower-http's `ServeDir` with `index.html`
//! for every path it has no file for, so `/config.json` and the API paths
//! are answered with the page's HTML and status 200. The viewer must take
//! that for "no configuration" (a debug line), start, and play; its event
//! requests fail to decode, which costs the overlay and nothing else.

use std::path::Path;

use axum::Router;
use serde_json::json;
use tower_http::services::{ServeDir, ServeFile};

use crate::browser::page_scripts::polling_script;
use crate::browser::Browser;
use crate::demo_vas::DEMO_CAMERA as CAMERA;
use crate::Result;

/// A static host of `site` on a free loopback port, until the returned
/// runtime is dropped.
fn static_host(site: &Path) -> Result<(tokio::runtime::Runtime, String)> {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let app = Router::new()
        .fallback_service(ServeDir::new(site).fallback(ServeFile::new(site.join("index.html"))));
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let url = format!("http://{}/", listener.local_addr()?);
    runtime.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((runtime, url))
}

pub fn run(root: &Path) -> Result<usize> {
    // The demo clip beside the viewer's files; no config.json.
    let config = json!({"apiBaseUrl": "", "clips": [{"cameraId": CAMERA, "src": "/demo/clip.mp4", "start": "2026-01-05T12:00:00Z"}]}).to_string();
    let site = crate::viewer_server::stage_demo_site(
        &root.join("dist"),
        Some(&root.join("static/demo")),
        &config,
        "static-hosting",
    )?;
    std::fs::remove_file(site.join("config.json"))?;
    let (_host, base) = static_host(&site)?;
    let part = "static hosting";

    // The host answers config.json with the page, as such hosts do.
    let answer = ureq::get(&format!("{base}config.json")).call()?;
    let content_type = answer.content_type().to_owned();
    let body = answer.into_string()?;
    super::ensure_loud(
        part,
        content_type.starts_with("text/html") && body.contains("<html"),
        "the host answers /config.json with index.html (200, text/html)",
        &content_type,
    )?;

    let browser = Browser::start()?;
    browser.set_script_timeout(60_000)?;
    browser.goto(&format!(
        "{base}cameras/{CAMERA}/clip?src=/demo/clip.mp4&start=2026-01-05T12:00:00Z"
    ))?;
    // The page builds its video element once the viewer has started (its
    // config answered, the wasm compiled): wait for it, then for playback.
    let started = browser.execute_async(
        polling_script!(
            "const [limitMs, done] = [arguments[0], arguments[arguments.length - 1]]; \
             poll({done, limitMs}, (now, timedOut) => document.querySelector('video') ? true : timedOut() ? false : undefined);"
        ),
        json!([30_000]),
    )?;
    super::ensure_loud(
        part,
        started == true,
        "the viewer starts without a config.json and shows the clip's video",
        &started,
    )?;
    let played = browser.execute_async(super::WAIT_FOR_PLAYBACK, json!([2.0, 30_000]))?;
    super::ensure_loud(
        part,
        played["timeout"].is_null() && played["paused"] == false,
        "the clip page starts with the defaults and plays the demo clip",
        &played,
    )?;
    let alert = browser.execute_async(
        "const done = arguments[arguments.length - 1]; const a = document.querySelector('[role=alert]'); done(a ? a.textContent : null);",
        json!([]),
    )?;
    super::ensure_loud(part, alert.is_null(), "no configuration error on the page", &alert)?;
    Ok(4)
}
