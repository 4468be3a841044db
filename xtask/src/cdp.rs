//! A minimal DevTools-protocol client: one WebSocket to a page target, commands and buffered events.
//!
//! ChromeDriver's `goog/cdp/execute` runs commands but never delivers
//! events, and tracing reports its data only as events, so the benchmark
//! talks to the page target directly, over the browser's remote-debugging
//! port that ChromeDriver opened. Only what that needs is implemented: the
//! client handshake, masked text frames out, and (possibly fragmented) text
//! frames in.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::Result;

/// A DevTools session with one target.
pub struct CdpClient {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    next_id: u64,
    /// Events received while waiting for a command's answer.
    events: VecDeque<Value>,
}

impl CdpClient {
    /// Connects to the first page target of the browser at `debugger_address` (`host:port`).
    pub fn connect_to_page(debugger_address: &str) -> Result<Self> {
        let list: Value = ureq::get(&format!("http://{debugger_address}/json/list"))
            .call()
            .map_err(|e| format!("devtools target list: {e}"))?
            .into_json()
            .map_err(|e| format!("devtools target list: {e}"))?;
        let ws = list
            .as_array()
            .into_iter()
            .flatten()
            .find(|t| t["type"] == "page")
            .and_then(|t| t["webSocketDebuggerUrl"].as_str())
            .ok_or("devtools: no page target")?
            .to_owned();
        Self::connect(&ws)
    }

    /// Connects to the browser itself (its `Target` and `Browser` domains:
    /// tabs and windows), at `debugger_address` (`host:port`).
    pub fn connect_to_browser(debugger_address: &str) -> Result<Self> {
        let version: Value = ureq::get(&format!("http://{debugger_address}/json/version"))
            .call()
            .map_err(|e| format!("devtools version: {e}"))?
            .into_json()
            .map_err(|e| format!("devtools version: {e}"))?;
        let ws = version["webSocketDebuggerUrl"].as_str().ok_or("devtools: no browser endpoint")?.to_owned();
        Self::connect(&ws)
    }

    /// Opens `ws://host:port/path`.
    pub fn connect(url: &str) -> Result<Self> {
        let rest = url.strip_prefix("ws://").ok_or_else(|| format!("not a ws:// URL: {url}"))?;
        let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let stream = TcpStream::connect(host).map_err(|e| format!("devtools {host}: {e}"))?;
        stream.set_nodelay(true).ok();
        // A stuck browser ends the run with an error instead of hanging it.
        stream.set_read_timeout(Some(Duration::from_secs(180))).ok();
        let mut writer = stream.try_clone().map_err(|e| e.to_string())?;
        // The key only has to be 16 bytes, base64: the server echoes a hash of it.
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dmFzLW92ZXJsYXktYmVuY2g=\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        writer.write_all(request.as_bytes()).map_err(|e| e.to_string())?;
        let mut reader = BufReader::new(stream);
        let mut status = String::new();
        reader.read_line(&mut status).map_err(|e| e.to_string())?;
        if !status.contains(" 101 ") {
            return Err(format!("devtools websocket refused: {}", status.trim()));
        }
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).map_err(|e| e.to_string())?;
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        Ok(Self { reader, writer, next_id: 1, events: VecDeque::new() })
    }

    fn send_text(&mut self, text: &str) -> Result {
        let payload = text.as_bytes();
        let mut frame = Vec::with_capacity(payload.len() + 14);
        frame.push(0x81); // FIN, text
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n if n < 65_536 => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        // Clients must mask; a fixed mask is allowed (it protects proxies, not secrets).
        let mask = [0x5a, 0x17, 0xc3, 0x88];
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.writer.write_all(&frame).map_err(|e| format!("devtools send: {e}"))
    }

    /// Reads one whole message (joining fragments); answers pings.
    fn read_message(&mut self) -> Result<Value> {
        let mut message: Vec<u8> = Vec::new();
        loop {
            let mut head = [0u8; 2];
            self.reader.read_exact(&mut head).map_err(|e| format!("devtools read: {e}"))?;
            let (fin, opcode) = (head[0] & 0x80 != 0, head[0] & 0x0f);
            let mut len = u64::from(head[1] & 0x7f);
            if len == 126 {
                let mut b = [0u8; 2];
                self.reader.read_exact(&mut b).map_err(|e| e.to_string())?;
                len = u64::from(u16::from_be_bytes(b));
            } else if len == 127 {
                let mut b = [0u8; 8];
                self.reader.read_exact(&mut b).map_err(|e| e.to_string())?;
                len = u64::from_be_bytes(b);
            }
            let mut mask = [0u8; 4];
            let masked = head[1] & 0x80 != 0;
            if masked {
                self.reader.read_exact(&mut mask).map_err(|e| e.to_string())?;
            }
            let mut payload = vec![0u8; len as usize];
            self.reader.read_exact(&mut payload).map_err(|e| format!("devtools read: {e}"))?;
            if masked {
                payload.iter_mut().enumerate().for_each(|(i, b)| *b ^= mask[i % 4]);
            }
            match opcode {
                0x8 => return Err("devtools closed the connection".into()),
                0x9 => {
                    // Ping: answer with a pong carrying the same data (unfragmented control frame).
                    let mut pong = vec![0x8a, 0x80 | payload.len() as u8, 0, 0, 0, 0];
                    pong.extend_from_slice(&payload);
                    self.writer.write_all(&pong).map_err(|e| e.to_string())?;
                    continue;
                }
                0xa => continue,
                _ => message.extend_from_slice(&payload),
            }
            if fin {
                return serde_json::from_slice(&message).map_err(|e| format!("devtools message: {e}"));
            }
        }
    }

    /// Sends a command and waits for its result; events that arrive meanwhile are kept.
    pub fn call(&mut self, method: &str, params: Value) -> Result<Value> {
        let id = self.next_id;
        self.next_id += 1;
        self.send_text(&json!({"id": id, "method": method, "params": params}).to_string())?;
        loop {
            let m = self.read_message()?;
            if m["id"].as_u64() == Some(id) {
                if let Some(e) = m.get("error") {
                    return Err(format!("devtools {method}: {e}"));
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
        let r = self.call("Runtime.evaluate", json!({"expression": expression, "awaitPromise": true, "returnByValue": true}))?;
        if let Some(e) = r.get("exceptionDetails") {
            let text = e["exception"]["description"].as_str().or(e["text"].as_str()).unwrap_or("exception");
            return Err(format!("page: {expression}: {text}"));
        }
        Ok(r["result"]["value"].clone())
    }

    /// The events received so far and not yet taken.
    pub fn take_events(&mut self) -> Vec<Value> {
        self.events.drain(..).collect()
    }

    /// Waits for the next event named `method`, handing every other event to `other`.
    pub fn wait_event(&mut self, method: &str, timeout: Duration, mut other: impl FnMut(Value)) -> Result<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            while let Some(e) = self.events.pop_front() {
                if e["method"] == method {
                    return Ok(e);
                }
                other(e);
            }
            if Instant::now() > deadline {
                return Err(format!("devtools: no {method} within {timeout:?}"));
            }
            let m = self.read_message()?;
            if m.get("method").is_some() {
                self.events.push_back(m);
            }
        }
    }
}
