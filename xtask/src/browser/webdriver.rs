//! A minimal W3C WebDriver client over ureq, enough to drive headless Chromium through ChromeDriver.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use serde_json::{json, Value};

use super::chromium;
use super::CdpClient;
use crate::Result;

/// A ChromeDriver process with one browser session; both end on drop.
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    agent: ureq::Agent,
    /// `host:port` of the browser's DevTools endpoint, when ChromeDriver reports it.
    debugger_address: Option<String>,
}

fn free_port() -> Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0").context("no free port")?;
    Ok(l.local_addr()?.port())
}

fn call(agent: &ureq::Agent, method: &str, url: &str, body: Option<Value>) -> Result<Value> {
    let req = agent.request(method, url);
    let resp = match body {
        Some(b) => req.send_json(b),
        None => req.call(),
    };
    let value: Value = match resp {
        Ok(r) => r.into_json().with_context(|| format!("webdriver {url}"))?,
        Err(ureq::Error::Status(code, r)) => {
            let text = r.into_string().unwrap_or_default();
            bail!(
                "webdriver {method} {url}: HTTP {code}: {}",
                text.chars().take(600).collect::<String>()
            );
        }
        Err(e) => return Err(anyhow!("webdriver {method} {url}: {e}")),
    };
    Ok(value.get("value").cloned().unwrap_or(Value::Null))
}

impl Browser {
    /// Starts ChromeDriver on a free loopback port and opens a session.
    pub fn start() -> Result<Self> {
        Self::start_with(&[])
    }

    /// As `start`, with Chromium flags added to [`chromium::CHROME_ARGS`].
    pub fn start_with(extra_args: &[&str]) -> Result<Self> {
        let port = free_port()?;
        let driver = Command::new(chromium::CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("could not start chromedriver")?;
        let base = format!("http://127.0.0.1:{port}");
        let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(120)).build();
        // ChromeDriver has no readiness signal but its status endpoint: ask until it answers (bounded).
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if call(&agent, "GET", &format!("{base}/status"), None)
                .is_ok_and(|v| v["ready"] == true)
            {
                break;
            }
            if Instant::now() > deadline {
                bail!("chromedriver did not become ready within 20 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let caps = chromium::capabilities(extra_args);
        let mut this = Self { driver, base, session: String::new(), agent, debugger_address: None };
        let v = call(&this.agent, "POST", &format!("{}/session", this.base), Some(caps))?;
        this.session = v["sessionId"].as_str().context("webdriver: no session id")?.to_owned();
        this.debugger_address =
            v["capabilities"]["goog:chromeOptions"]["debuggerAddress"].as_str().map(str::to_owned);
        Ok(this)
    }

    fn url(&self, tail: &str) -> String {
        format!("{}/session/{}/{tail}", self.base, self.session)
    }

    /// `host:port` of the browser's DevTools endpoint, as ChromeDriver reported it.
    pub fn devtools_address(&self) -> Result<String> {
        self.debugger_address.clone().context("chromedriver reported no DevTools address")
    }

    /// A DevTools session with the browser's first page.
    pub fn devtools_page(&self) -> Result<CdpClient> {
        CdpClient::connect_to_page(&self.devtools_address()?)
    }

    /// A DevTools session with the browser itself (its `Target` and `Browser` domains).
    pub fn devtools_browser(&self) -> Result<CdpClient> {
        CdpClient::connect_to_browser(&self.devtools_address()?)
    }

    /// The ChromeDriver process id (the browser's processes descend from it).
    pub fn driver_pid(&self) -> u32 {
        self.driver.id()
    }

    pub fn goto(&self, url: &str) -> Result {
        call(&self.agent, "POST", &self.url("url"), Some(json!({ "url": url }))).map(|_| ())
    }

    /// Runs an async script; it reports through its last argument (a callback).
    pub fn execute_async(&self, script: &str, args: Value) -> Result<Value> {
        call(
            &self.agent,
            "POST",
            &self.url("execute/async"),
            Some(json!({ "script": script, "args": args })),
        )
    }

    pub fn set_script_timeout(&self, ms: u64) -> Result {
        call(&self.agent, "POST", &self.url("timeouts"), Some(json!({ "script": ms }))).map(|_| ())
    }

    /// Clicks the first element matching a CSS selector, as a user would (with user activation).
    pub fn click(&self, css: &str) -> Result {
        let el = call(
            &self.agent,
            "POST",
            &self.url("element"),
            Some(json!({"using": "css selector", "value": css})),
        )?;
        let id = el["element-6066-11e4-a52e-4f735466cecf"]
            .as_str()
            .with_context(|| format!("webdriver: no element for {css}"))?;
        call(&self.agent, "POST", &self.url(&format!("element/{id}/click")), Some(json!({})))
            .map(|_| ())
    }

    /// A PNG screenshot of the viewport.
    pub fn screenshot_png(&self) -> Result<Vec<u8>> {
        use base64::Engine;
        let v = call(&self.agent, "GET", &self.url("screenshot"), None)?;
        Ok(base64::engine::general_purpose::STANDARD.decode(v.as_str().unwrap_or_default())?)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = call(
                &self.agent,
                "DELETE",
                &format!("{}/session/{}", self.base, self.session),
                None,
            );
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
