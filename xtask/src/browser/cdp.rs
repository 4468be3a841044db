//! A DevTools-protocol client: one WebSocket (tungstenite) to a target, commands and buffered events.
//!
//! ChromeDriver's `goog/cdp/execute` runs commands but never delivers
//! events, and tracing reports its data only as events, so the tests and
//! benchmarks talk to a target directly, over the browser's remote-debugging
//! port that ChromeDriver opened.

use std::collections::VecDeque;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use serde_json::{json, Value};
use tungstenite::protocol::WebSocketConfig;
use tungstenite::{Message, WebSocket};

use crate::Result;

/// A DevTools session with one target.
pub struct CdpClient {
    socket: WebSocket<TcpStream>,
    next_id: u64,
    /// Events received while waiting for a command's answer.
    events: VecDeque<Value>,
}

impl CdpClient {
    /// Connects to the first page target of the browser at `debugger_address` (`host:port`).
    pub fn connect_to_page(debugger_address: &str) -> Result<Self> {
        let list: Value = ureq::get(&format!("http://{debugger_address}/json/list"))
            .call()
            .context("devtools target list")?
            .into_json()
            .context("devtools target list")?;
        let ws = list
            .as_array()
            .into_iter()
            .flatten()
            .find(|t| t["type"] == "page")
            .and_then(|t| t["webSocketDebuggerUrl"].as_str())
            .context("devtools: no page target")?
            .to_owned();
        Self::connect(&ws)
    }

    /// Connects to the browser itself (its `Target` and `Browser` domains:
    /// tabs and windows), at `debugger_address` (`host:port`).
    pub fn connect_to_browser(debugger_address: &str) -> Result<Self> {
        let version: Value = ureq::get(&format!("http://{debugger_address}/json/version"))
            .call()
            .context("devtools version")?
            .into_json()
            .context("devtools version")?;
        let ws = version["webSocketDebuggerUrl"]
            .as_str()
            .context("devtools: no browser endpoint")?
            .to_owned();
        Self::connect(&ws)
    }

    /// Opens `ws://host:port/path`.
    pub fn connect(url: &str) -> Result<Self> {
        let rest = url.strip_prefix("ws://").with_context(|| format!("not a ws:// URL: {url}"))?;
        let host = &rest[..rest.find('/').unwrap_or(rest.len())];
        let stream = TcpStream::connect(host).with_context(|| format!("devtools {host}"))?;
        stream.set_nodelay(true).ok();
        // A stuck browser ends the run with an error instead of hanging it.
        stream.set_read_timeout(Some(Duration::from_secs(180))).ok();
        // Trace data and screenshots arrive as large messages: no size limit,
        // as the browser on the other end is our own.
        let config = WebSocketConfig::default().max_message_size(None).max_frame_size(None);
        let (socket, _) = tungstenite::client::client_with_config(url, stream, Some(config))
            .with_context(|| format!("devtools websocket {url}"))?;
        Ok(Self { socket, next_id: 1, events: VecDeque::new() })
    }

    /// Reads one whole message; pings are answered by tungstenite.
    fn read_message(&mut self) -> Result<Value> {
        loop {
            let message = self.socket.read().context("devtools read")?;
            return match message {
                Message::Text(text) => serde_json::from_str(text.as_str()),
                Message::Binary(bytes) => serde_json::from_slice(&bytes),
                Message::Close(_) => return Err(anyhow!("devtools closed the connection")),
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
            }
            .context("devtools message");
        }
    }

    /// Sends a command and waits for its result; events that arrive meanwhile are kept.
    pub fn call(&mut self, method: &str, params: Value) -> Result<Value> {
        let id = self.next_id;
        self.next_id += 1;
        let command = json!({"id": id, "method": method, "params": params}).to_string();
        self.socket
            .send(Message::text(command))
            .with_context(|| format!("devtools send {method}"))?;
        loop {
            let m = self.read_message()?;
            if m["id"].as_u64() == Some(id) {
                if let Some(e) = m.get("error") {
                    bail!("devtools {method}: {e}");
                }
                return Ok(m["result"].clone());
            }
            if m.get("method").is_some() {
                self.events.push_back(m);
            }
        }
    }

    /// Evaluates an expression in the page, awaiting a promise, and returns its value.
    pub fn eval(&mut self, expression: &str) -> Result<Value> {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "awaitPromise": true, "returnByValue": true}),
        )?;
        if let Some(e) = r.get("exceptionDetails") {
            let text = e["exception"]["description"]
                .as_str()
                .or(e["text"].as_str())
                .unwrap_or("exception");
            bail!("page: {expression}: {text}");
        }
        Ok(r["result"]["value"].clone())
    }

    /// The events received so far and not yet taken.
    pub fn take_events(&mut self) -> Vec<Value> {
        self.events.drain(..).collect()
    }

    /// Waits for the next event named `method`, handing every other event to `other`.
    pub fn wait_event(
        &mut self,
        method: &str,
        timeout: Duration,
        mut other: impl FnMut(Value),
    ) -> Result<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            while let Some(e) = self.events.pop_front() {
                if e["method"] == method {
                    return Ok(e);
                }
                other(e);
            }
            if Instant::now() > deadline {
                bail!("devtools: no {method} within {timeout:?}");
            }
            let m = self.read_message()?;
            if m.get("method").is_some() {
                self.events.push_back(m);
            }
        }
    }
}
