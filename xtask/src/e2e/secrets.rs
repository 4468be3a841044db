//! End-to-end, secrets: VAS's key never reaches a browser behind the production server, camera credentials nowhere.
//!
//! Two deployments, each scanned whole:
//! - **server**: the viewer behind `vas-viewer-server`, which holds a canary
//!   key (`VAS_API_KEY`) that the emulated VAS requires (auth on, as VAS's
//!   environment key). The key may appear nowhere a browser can see, and at
//!   VAS only as the `X-API-Key` header of API requests.
//! - **browser key**: a viewer that talks to VAS directly, with the canary
//!   key handed to the browser in `config.json`; the key may appear only as
//!   the `X-API-Key` header of API requests to the API origin.
//!
//! In both, a camera's `rtsp_url` holds canary credentials. Every page the camera
//! list links (live, clip, recordings) is visited after the list itself,
//! with a few API failures on the way so that the viewer's debug log lines
//! are written too. Then everything the page and the browser held or sent
//! is searched: every DOM attribute value, the serialized markup and text,
//! every URL the page touched (location, navigation and resource entries,
//! media sources, every request and WebSocket the DevTools protocol saw),
//! local and session storage, cookies, history state, every console line
//! (the viewer's debug lines included, from `Runtime` and `Log` events),
//! every request and response header, and the backend's own log of every
//! request it received (target and, by label, where a watched secret sat
//! in a header). The key may appear only as the `X-API-Key` request header
//! of API requests to the API origin; the credentials nowhere at all.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use serde_json::{json, Value};

use crate::browser::page_scripts::polling_script;
use crate::browser::Browser;
use crate::demo_vas::DEMO_CAMERA as CAMERA;
use crate::Result;
use vas_emulator::{self as demo_backend, BackendConfig, Faults};

/// Canaries: strings that occur nowhere else, so any hit is a leak.
const API_KEY: &str = "vasCanaryKey-7f3a9c2e51";
const RTSP_USER: &str = "canaryuser";
const RTSP_PASS: &str = "canarypass";

/// Everything the page holds that a user or a script could read.
const COLLECT: &str = r#"
const done = arguments[arguments.length - 1];
const attrs = [];
for (const el of document.querySelectorAll('*')) for (const a of el.attributes) attrs.push(a.name + '=' + a.value);
const urls = [location.href, document.referrer, document.baseURI,
  ...performance.getEntriesByType('navigation').map(e => e.name),
  ...performance.getEntriesByType('resource').map(e => e.name),
  ...[...document.querySelectorAll('video, source, img, script, link, a')].flatMap(e => [e.currentSrc, e.src, e.href])
].filter(u => typeof u === 'string' && u !== '');
const storage = [];
for (const [name, s] of [['localStorage', localStorage], ['sessionStorage', sessionStorage]])
  for (let i = 0; i < s.length; i++) { const k = s.key(i); storage.push(name + ': ' + k + '=' + s.getItem(k)); }
// String-valued globals (a key kept on window would show here).
const globals = [];
for (const k of Object.getOwnPropertyNames(window)) {
  try { if (typeof window[k] === 'string') globals.push(k + '=' + window[k]); } catch (e) {}
}
done({attrs, urls, storage, globals, markup: document.documentElement.outerHTML, text: document.body.innerText,
  title: document.title, cookie: document.cookie, historyState: JSON.stringify(history.state) || ''});
"#;

/// Waits for a selector to match, then reports the camera list's links.
const WAIT_FOR: &str = polling_script!(
    r#"
const [sel, limitMs, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
poll({done, limitMs}, (now, timedOut) => {
  if (document.querySelector(sel))
    return {links: [...document.querySelectorAll('tr[data-camera] a')].map(a => a.getAttribute('href'))};
  if (timedOut()) return {timeout: true, body: document.body.innerText.slice(0, 300)};
});
"#
);

fn check(cond: bool, what: &str, detail: &Value) -> Result {
    super::ensure_loud("e2e secrets", cond, what, detail)
}

/// A copy of the demo data whose camera's `rtsp_url` carries the canary credentials.
fn canary_data(root: &Path) -> Result<PathBuf> {
    let from = root.join("static/demo");
    let to = root.join("target/e2e/secrets-data");
    let _ = std::fs::remove_dir_all(&to);
    copy_dir(&from, &to)?;
    let path = to.join("camera.json");
    let mut camera: Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    camera["device"]["rtsp_url"] =
        json!(format!("rtsp://{RTSP_USER}:{RTSP_PASS}@10.0.0.7:554/stream1"));
    std::fs::write(&path, camera.to_string())?;
    Ok(to)
}

fn copy_dir(from: &Path, to: &Path) -> Result {
    std::fs::create_dir_all(to).map_err(|e| anyhow!("{}: {e:#}", to.display()))?;
    for entry in std::fs::read_dir(from).map_err(|e| anyhow!("{}: {e:#}", from.display()))? {
        let path = entry?.path();
        let target = to.join(path.file_name().unwrap_or_default());
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else {
            std::fs::copy(&path, &target).map_err(|e| anyhow!("{}: {e:#}", path.display()))?;
        }
    }
    Ok(())
}

/// One line of a console message or log entry from a DevTools event, if it is one.
fn console_line(event: &Value) -> Option<String> {
    let p = &event["params"];
    match event["method"].as_str()? {
        "Runtime.consoleAPICalled" => {
            let parts: Vec<String> = p["args"]
                .as_array()?
                .iter()
                .map(|a| match &a["value"] {
                    Value::String(s) => s.clone(),
                    Value::Null => a["description"]
                        .as_str()
                        .or(a["unserializableValue"].as_str())
                        .unwrap_or_default()
                        .to_owned(),
                    v => v.to_string(),
                })
                .collect();
            Some(format!("console.{}: {}", p["type"].as_str().unwrap_or("log"), parts.join(" ")))
        }
        "Runtime.exceptionThrown" => {
            let d = &p["exceptionDetails"];
            Some(format!(
                "exception: {} {}",
                d["text"].as_str().unwrap_or_default(),
                d["exception"]["description"].as_str().unwrap_or_default()
            ))
        }
        "Log.entryAdded" => {
            let e = &p["entry"];
            Some(format!(
                "log.{}: {} {}",
                e["level"].as_str().unwrap_or_default(),
                e["text"].as_str().unwrap_or_default(),
                e["url"].as_str().unwrap_or_default()
            ))
        }
        _ => None,
    }
}

/// Header name-value pairs of a DevTools headers object.
fn header_pairs(headers: &Value) -> Vec<(String, String)> {
    headers
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            (k.to_ascii_lowercase(), v.as_str().map_or_else(|| v.to_string(), str::to_owned))
        })
        .collect()
}

fn has(text: &str, secret: &str) -> bool {
    text.to_ascii_lowercase().contains(&secret.to_ascii_lowercase())
}

/// Adds a leak for every secret (name, value) found in `text`, found at `place`.
fn scan(leaks: &mut Vec<String>, place: &str, text: &str, secrets: &[(&str, &str)]) {
    for (name, s) in secrets {
        if has(text, s) {
            leaks
                .push(format!("{name} in {place}: {}", text.chars().take(200).collect::<String>()));
        }
    }
}

/// What the browser sent, from the DevTools `Network` events.
#[derive(Default)]
struct Sent {
    /// Request id to URL.
    urls: BTreeMap<String, String>,
    /// Request id to every request header seen for it (the page's and, from
    /// `requestWillBeSentExtraInfo`, the ones actually on the wire).
    request_headers: BTreeMap<String, Vec<(String, String)>>,
    response_headers: Vec<(String, String, String)>,
    websockets: Vec<String>,
}

impl Sent {
    fn take(&mut self, event: &Value) {
        let p = &event["params"];
        let id = p["requestId"].as_str().unwrap_or_default().to_owned();
        match event["method"].as_str().unwrap_or_default() {
            "Network.requestWillBeSent" => {
                self.urls.insert(
                    id.clone(),
                    p["request"]["url"].as_str().unwrap_or_default().to_owned(),
                );
                self.request_headers
                    .entry(id)
                    .or_default()
                    .extend(header_pairs(&p["request"]["headers"]));
            }
            "Network.requestWillBeSentExtraInfo" => {
                self.request_headers.entry(id).or_default().extend(header_pairs(&p["headers"]))
            }
            "Network.responseReceived" => {
                let url = p["response"]["url"].as_str().unwrap_or_default().to_owned();
                self.response_headers.extend(
                    header_pairs(&p["response"]["headers"])
                        .into_iter()
                        .map(|(k, v)| (url.clone(), k, v)),
                );
            }
            "Network.responseReceivedExtraInfo" => {
                let url = self.urls.get(&id).cloned().unwrap_or_default();
                self.response_headers.extend(
                    header_pairs(&p["headers"]).into_iter().map(|(k, v)| (url.clone(), k, v)),
                );
            }
            "Network.webSocketCreated" => {
                let url = p["url"].as_str().unwrap_or_default().to_owned();
                self.urls.insert(id, url.clone());
                self.websockets.push(url);
            }
            "Network.webSocketWillSendHandshakeRequest" => self
                .request_headers
                .entry(id)
                .or_default()
                .extend(header_pairs(&p["request"]["headers"])),
            _ => {}
        }
    }
}

/// Where VAS's key is kept.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum KeyHolder {
    /// `vas-viewer-server` (`VAS_API_KEY`); the browser never has it.
    Server,
    /// The browser (`config.json`'s `apiKey`), talking to VAS directly.
    Browser,
}

/// Runs the scan in both deployments; returns how many checks passed and
/// writes `target/figures/secrets.txt`.
pub fn run(root: &Path) -> Result<usize> {
    let mut figures = String::new();
    let mut passed = 0;
    for holder in [KeyHolder::Server, KeyHolder::Browser] {
        let (n, text) = run_with(root, holder)?;
        passed += n;
        figures.push_str(&text);
        figures.push('\n');
    }
    let out = root.join("target/figures");
    let _ = std::fs::create_dir_all(&out);
    let _ = std::fs::write(out.join("secrets.txt"), &figures);
    Ok(passed)
}

fn run_with(root: &Path, holder: KeyHolder) -> Result<(usize, String)> {
    println!(
        "  secrets scan, VAS's key held by the {}",
        if holder == KeyHolder::Server { "production server" } else { "browser" }
    );
    let data = canary_data(root)?;
    let backend = demo_backend::start(
        BackendConfig {
            dist_dir: root.join("dist"),
            data_dir: Some(data.clone()),
            api_key: (holder == KeyHolder::Server).then(|| API_KEY.into()),
            viewer_api_key: (holder == KeyHolder::Browser).then(|| API_KEY.into()),
            day_speed: None,
        },
        "127.0.0.1:0",
    )
    .context("demo backend")?;
    let server = match holder {
        KeyHolder::Server => Some(crate::viewer_server::in_front_of(
            &backend.url(),
            &root.join("dist"),
            Some(&data),
            "secrets",
            "127.0.0.1:0",
            Some(API_KEY.into()),
            &[],
        )?),
        KeyHolder::Browser => None,
    };
    let base = server.as_ref().map_or_else(|| backend.url(), |s| s.url().to_owned());
    let api_origin = base.trim_end_matches('/').to_owned();

    // The emulated VAS does hold the canary credentials (so finding none in the page means something).
    let devices = ureq::get(&format!("{}api/v1/devices", backend.url()))
        .set("X-API-Key", API_KEY)
        .call()?
        .into_string()?;
    check(
        devices.contains(RTSP_USER) && devices.contains(RTSP_PASS),
        "the camera's rtsp_url holds the canary credentials",
        &json!(devices.len()),
    )?;
    // From here on, VAS with authentication on, and a request log of the browser's requests only.
    backend.reset();
    let keyed = |more: Faults| match holder {
        // VAS's environment key is configuration: always in force.
        KeyHolder::Server => more,
        KeyHolder::Browser => Faults { required_key: Some(API_KEY.into()), ..more },
    };
    backend.set_faults(keyed(Faults::default())).map_err(anyhow::Error::msg)?;
    backend.watch_secrets(vec![
        ("api-key".into(), API_KEY.into()),
        ("rtsp-user".into(), RTSP_USER.into()),
        ("rtsp-password".into(), RTSP_PASS.into()),
    ]);

    let browser = Browser::start()?;
    browser.set_script_timeout(60_000)?;
    let mut cdp = browser.devtools_page()?;
    for domain in ["Network.enable", "Runtime.enable", "Log.enable"] {
        cdp.call(domain, json!({}))?;
    }
    let mut passed = 1;
    let mut pages: Vec<(String, Value)> = Vec::new();

    // The camera list, then every page it links for the canary camera.
    browser.goto(&base)?;
    let list = browser
        .execute_async(WAIT_FOR, json!([format!("tr[data-camera='{CAMERA}'] a"), 20_000]))?;
    check(
        list["timeout"].is_null(),
        "the camera list shows the camera (its API request carried the key)",
        &list,
    )?;
    pages.push(("camera list".into(), browser.execute_async(COLLECT, json!([]))?));
    let links: Vec<String> = list["links"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l.as_str().map(str::to_owned))
        .collect();
    let kinds = ["/clip", "/recordings", ""].map(|k| {
        links.iter().any(|l| if k.is_empty() { l.ends_with(CAMERA) } else { l.contains(k) })
    });
    check(
        kinds.iter().all(|k| *k),
        "the list links the camera's clip, recordings and live pages",
        &json!(links),
    )?;
    passed += 2;
    for link in &links {
        // A few failing API answers on every page, so that the viewer writes
        // its debug lines about failed requests (they are scanned too).
        // Event requests only: a failed playlist could stop hls.js for good.
        super::switch_faults(
            &backend,
            keyed(Faults {
                bare_500: true,
                fail_count: Some(2),
                path_filter: Some("/events".into()),
                ..Faults::default()
            }),
        )?;
        browser.goto(&format!("{api_origin}{link}"))?;
        let (what, waited) = if link.contains("/clip") || link.contains("/recordings") {
            (
                "boxes drawn (its event requests carried the key)",
                browser.execute_async(super::WAIT_FOR_OVERLAY, json!([1, 45_000]))?,
            )
        } else {
            // No SFU here: the live page tries its signaling socket and says it reconnects.
            (
                "the live page tried its signaling",
                browser
                    .execute_async(WAIT_FOR, json!(["[data-player-state=reconnecting]", 30_000]))?,
            )
        };
        check(waited["timeout"].is_null(), &format!("{link}: {what}"), &waited)?;
        pages.push((link.clone(), browser.execute_async(COLLECT, json!([]))?));
        passed += 1;
    }

    // Everything the DevTools protocol saw (a last command flushes the events in flight).
    cdp.eval("1")?;
    let events = cdp.take_events();
    drop(cdp);
    drop(browser);
    drop(server);
    let log = backend.request_log();
    backend.stop();

    let mut sent = Sent::default();
    events.iter().for_each(|e| sent.take(e));
    let console: Vec<String> = events.iter().filter_map(console_line).collect();
    let debug_lines = console.iter().filter(|l| l.starts_with("console.debug")).count();

    // Where each secret was found, by place.
    let secrets = [("API key", API_KEY), ("rtsp user", RTSP_USER), ("rtsp password", RTSP_PASS)];
    let mut leaks: Vec<String> = Vec::new();
    let mut attr_count = 0;
    let mut page_urls: BTreeSet<String> = BTreeSet::new();
    for (page, c) in &pages {
        for a in c["attrs"].as_array().into_iter().flatten() {
            attr_count += 1;
            scan(
                &mut leaks,
                &format!("{page}: attribute"),
                a.as_str().unwrap_or_default(),
                &secrets,
            );
        }
        for u in c["urls"].as_array().into_iter().flatten() {
            page_urls.insert(u.as_str().unwrap_or_default().to_owned());
        }
        for field in ["storage", "globals"] {
            for s in c[field].as_array().into_iter().flatten() {
                scan(
                    &mut leaks,
                    &format!("{page}: {field}"),
                    s.as_str().unwrap_or_default(),
                    &secrets,
                );
            }
        }
        for field in ["markup", "text", "title", "cookie", "historyState"] {
            scan(
                &mut leaks,
                &format!("{page}: {field}"),
                c[field].as_str().unwrap_or_default(),
                &secrets,
            );
        }
    }
    let all_urls: BTreeSet<String> =
        page_urls.iter().chain(sent.urls.values()).chain(&sent.websockets).cloned().collect();
    for u in &all_urls {
        scan(&mut leaks, "a URL", u, &secrets);
    }
    for line in &console {
        scan(&mut leaks, "a console line", line, &secrets);
    }
    for (url, name, value) in &sent.response_headers {
        scan(&mut leaks, &format!("response header {name} of {url}"), value, &secrets);
    }
    // Request headers: the key only as X-API-Key, only to the API origin's /api/.
    let is_api =
        |url: &str| url.strip_prefix(&api_origin).is_some_and(|rest| rest.starts_with("/api/"));
    let (mut api_requests, mut api_with_key) = (0, 0);
    for (id, headers) in &sent.request_headers {
        let url = sent.urls.get(id).map(String::as_str).unwrap_or_default();
        let keyed_header = headers.iter().any(|(k, v)| k == "x-api-key" && v == API_KEY);
        if is_api(url) {
            api_requests += 1;
            api_with_key += usize::from(keyed_header);
        }
        for (name, value) in headers {
            let allowed = holder == KeyHolder::Browser && name == "x-api-key" && is_api(url);
            scan(
                &mut leaks,
                &format!("request header {name} of {url}"),
                value,
                if allowed { &secrets[1..] } else { &secrets },
            );
        }
    }
    // The backend's log of every request it received.
    let mut backend_api = 0;
    for entry in &log {
        scan(
            &mut leaks,
            &format!("the backend's request target {}", entry.seq),
            &entry.target,
            &secrets,
        );
        let api = entry.target.starts_with("/api/");
        backend_api += usize::from(api);
        for seen in &entry.secrets_seen {
            if !(api && seen == "api-key in header x-api-key") {
                leaks.push(format!("{seen} (backend request {} {})", entry.method, entry.target));
            }
        }
        if api && !entry.secrets_seen.iter().any(|s| s == "api-key in header x-api-key") {
            leaks.push(format!(
                "API request without the key header (backend request {} {})",
                entry.method, entry.target
            ));
        }
    }

    let setting = match holder {
        KeyHolder::Server => "canary API key in vas-viewer-server's VAS_API_KEY, VAS with auth on",
        KeyHolder::Browser => "canary API key in config.json, the browser talking to VAS directly",
    };
    let figures = format!(
        "secrets scan ({setting}; canary rtsp credentials on the camera)\n\
         pages visited: {}\n\
         DOM attribute values: {attr_count}\n\
         distinct URLs the pages touched: {} ({} in the pages' own records; {} requests seen by DevTools, {} of them WebSockets)\n\
         console lines: {} ({debug_lines} debug)\n\
         requests the backend received: {}, API requests: {backend_api}\n\
         API requests seen in the browser: {api_requests}, with the key header: {api_with_key}\n\
         leaks found: {}\n",
        pages.len(),
        all_urls.len(),
        page_urls.len(),
        sent.urls.len(),
        sent.websockets.len(),
        console.len(),
        log.len(),
        leaks.len(),
    );
    print!("{figures}");

    let counts = json!({"pages": pages.len(), "attrs": attr_count, "urls": all_urls.len(), "console": console.len(), "debug": debug_lines,
        "requests": log.len(), "api": backend_api, "browser api": api_requests, "websockets": sent.websockets.len()});
    // The scan saw something of every kind, or it would prove nothing.
    check(
        attr_count > 0
            && !page_urls.is_empty()
            && debug_lines > 0
            && backend_api > 0
            && api_requests > 0
            && !sent.websockets.is_empty(),
        "the scan saw attributes, URLs, debug lines, API requests and the signaling socket",
        &counts,
    )?;
    match holder {
        KeyHolder::Browser => {
            check(
                api_with_key == api_requests,
                "every API request from the browser carried the key header",
                &counts,
            )?;
            check(leaks.is_empty(), "the key appears only as the X-API-Key header of API requests; the rtsp credentials nowhere", &json!(leaks))?;
        }
        KeyHolder::Server => {
            check(api_with_key == 0, "no request from the browser carried a key", &counts)?;
            check(
                leaks.is_empty(),
                "the key appears nowhere a browser can see, and at VAS only as the X-API-Key header of API requests; the rtsp credentials nowhere",
                &json!(leaks),
            )?;
        }
    }
    Ok((passed + 3, figures))
}
