//! The signaling WebSocket: opens with a timeout, sends one request at a time, takes the next message as its reply.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{MessageEvent, WebSocket};

use crate::core::clock::live::live_signaling::{parse_reply, Reply, ReplyError, Request};

/// Why a request got no usable reply.
#[derive(Debug, Clone, PartialEq)]
pub enum SignalingError {
    /// The socket did not open in time, or could not be created.
    Open(String),
    /// No reply within the request timeout.
    Timeout(&'static str),
    /// The socket closed while a reply was awaited.
    Closed,
    /// A request was attempted while another one was in flight (a bug: the
    /// protocol has no request ids, so the replies could not be told apart).
    Busy,
    Reply(ReplyError),
}

impl std::fmt::Display for SignalingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignalingError::Open(m) => write!(f, "signaling did not open: {m}"),
            SignalingError::Timeout(t) => write!(f, "no answer to {t}"),
            SignalingError::Closed => f.write_str("signaling closed"),
            SignalingError::Busy => f.write_str("a request was already in flight"),
            SignalingError::Reply(e) => write!(f, "{e}"),
        }
    }
}

/// What settles the awaited promise: a message text, or `null` for a
/// timeout, or `undefined` when the socket closed.
type Resolver = js_sys::Function;

struct Shared {
    /// The resolver of the request in flight (or of the open), if any.
    waiting: Option<Resolver>,
    /// Messages that arrived with nothing in flight (the server is not
    /// supposed to push anything): counted, never taken as a later reply.
    unsolicited: u32,
}

/// One signaling connection. Dropping it closes the socket.
pub struct Signaling {
    ws: WebSocket,
    shared: Rc<RefCell<Shared>>,
    request_timeout_ms: u32,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(JsValue)>,
    _on_open: Closure<dyn FnMut(JsValue)>,
}

/// A promise and its resolve function.
fn settle_later() -> (js_sys::Promise, Resolver) {
    let mut resolve: Option<js_sys::Function> = None;
    let promise = js_sys::Promise::new(&mut |res, _rej| resolve = Some(res));
    (promise, resolve.expect("the executor runs synchronously"))
}

fn settle(shared: &Rc<RefCell<Shared>>, value: &JsValue) -> bool {
    let taken = shared.borrow_mut().waiting.take();
    match taken {
        Some(resolve) => {
            let _ = resolve.call1(&JsValue::NULL, value);
            true
        }
        None => false,
    }
}

impl Signaling {
    /// Opens `url`, waiting at most `open_timeout_ms`.
    pub async fn open(
        url: &str,
        open_timeout_ms: u32,
        request_timeout_ms: u32,
    ) -> Result<Self, SignalingError> {
        let ws = WebSocket::new(url).map_err(|e| SignalingError::Open(format!("{e:?}")))?;
        let shared = Rc::new(RefCell::new(Shared { waiting: None, unsolicited: 0 }));
        let on_message = {
            let shared = shared.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                let text = e.data().as_string().unwrap_or_default();
                if !settle(&shared, &JsValue::from_str(&text)) {
                    shared.borrow_mut().unsolicited += 1;
                    web_sys::console::debug_1(
                        &"signaling: a message arrived with no request in flight".into(),
                    );
                }
            })
        };
        let on_close = {
            let shared = shared.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |_| {
                settle(&shared, &JsValue::UNDEFINED);
            })
        };
        let on_open = {
            let shared = shared.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |_| {
                settle(&shared, &JsValue::from_str("open"));
            })
        };
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        ws.set_onerror(Some(on_close.as_ref().unchecked_ref()));
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        let this = Self {
            ws,
            shared,
            request_timeout_ms,
            _on_message: on_message,
            _on_close: on_close,
            _on_open: on_open,
        };
        match this.wait(open_timeout_ms).await {
            Some(v) if v.as_string().as_deref() == Some("open") => Ok(this),
            Some(_) => Err(SignalingError::Open("the socket closed".into())),
            None => Err(SignalingError::Open(format!(
                "no connection within {} s",
                open_timeout_ms / 1000
            ))),
        }
    }

    /// Waits for the next settlement: `Some(value)`, or `None` on timeout.
    async fn wait(&self, timeout_ms: u32) -> Option<JsValue> {
        let (promise, resolve) = settle_later();
        self.shared.borrow_mut().waiting = Some(resolve);
        let timer = {
            let shared = self.shared.clone();
            Timeout::new(timeout_ms, move || {
                settle(&shared, &JsValue::NULL);
            })
        };
        let v = JsFuture::from(promise).await.unwrap_or(JsValue::NULL);
        drop(timer);
        (!v.is_null()).then_some(v)
    }

    /// Sends `request` and waits for its reply (at most the request timeout).
    pub async fn request(&self, request: &Request) -> Result<Reply, SignalingError> {
        if self.shared.borrow().waiting.is_some() {
            return Err(SignalingError::Busy);
        }
        if self.ws.ready_state() != WebSocket::OPEN {
            return Err(SignalingError::Closed);
        }
        // The resolver is installed before sending, so a fast reply cannot be missed.
        let (promise, resolve) = settle_later();
        self.shared.borrow_mut().waiting = Some(resolve);
        if self.ws.send_with_str(&request.to_json()).is_err() {
            self.shared.borrow_mut().waiting = None;
            return Err(SignalingError::Closed);
        }
        let timer = {
            let shared = self.shared.clone();
            Timeout::new(self.request_timeout_ms, move || {
                settle(&shared, &JsValue::NULL);
            })
        };
        let v = JsFuture::from(promise).await.unwrap_or(JsValue::NULL);
        drop(timer);
        match v.as_string() {
            Some(text) => parse_reply(request, &text).map_err(SignalingError::Reply),
            None if v.is_null() => Err(SignalingError::Timeout(request.type_name())),
            None => Err(SignalingError::Closed),
        }
    }

    /// Sends a last message without waiting for its reply (teardown: the
    /// socket closes right after, and a request still in flight is abandoned).
    pub fn send_and_forget(&self, request: &Request) {
        self.shared.borrow_mut().waiting = None;
        if self.ws.ready_state() == WebSocket::OPEN {
            let _ = self.ws.send_with_str(&request.to_json());
        }
    }
}

impl Drop for Signaling {
    fn drop(&mut self) {
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        self.ws.set_onerror(None);
        self.ws.set_onopen(None);
        // Queued messages (a closeTransport) are still sent before the close frame.
        let _ = self.ws.close();
    }
}
