//! `document.visibilityState` and its `visibilitychange` events, for the live player (which decides nothing here: see `core::clock::live::live_session`).
//!
//! Chromium presents no video frames in a hidden tab, so the live player
//! must know when the page was hidden and shown, at what monotonic time, to
//! suspend and re-arm its stall detection, and must be able to wait until
//! the page is shown before it opens a new session.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::core::clock::live::live_session::Visibility;
use crate::media::monotonic::now_mono_ms;

#[derive(Default)]
struct Shared {
    /// Changes not yet taken, with their monotonic time, oldest first.
    changes: Vec<(Visibility, f64)>,
    /// Resolvers of `until_visible` calls waiting for the page to be shown.
    waiting: Vec<js_sys::Function>,
}

/// Listens to `visibilitychange` while it lives.
pub struct PageVisibility {
    document: Option<web_sys::Document>,
    shared: Rc<RefCell<Shared>>,
    listener: Closure<dyn FnMut()>,
}

fn read(document: Option<&web_sys::Document>) -> Visibility {
    match document.map(|d| d.visibility_state()) {
        Some(web_sys::VisibilityState::Hidden) => Visibility::Hidden,
        _ => Visibility::Visible,
    }
}

impl PageVisibility {
    pub fn start() -> Self {
        let document = web_sys::window().and_then(|w| w.document());
        let shared = Rc::new(RefCell::new(Shared::default()));
        let listener = {
            let (shared, document) = (shared.clone(), document.clone());
            Closure::<dyn FnMut()>::new(move || {
                let now = read(document.as_ref());
                let woken = {
                    let mut s = shared.borrow_mut();
                    s.changes.push((now, now_mono_ms()));
                    // Bounded: a watch drains these every 100 ms; between
                    // sessions only the latest change matters.
                    if s.changes.len() > 64 {
                        s.changes.drain(..32);
                    }
                    if now == Visibility::Visible {
                        std::mem::take(&mut s.waiting)
                    } else {
                        Vec::new()
                    }
                };
                for resolve in woken {
                    let _ = resolve.call0(&JsValue::NULL);
                }
            })
        };
        if let Some(d) = &document {
            let _ = d.add_event_listener_with_callback(
                "visibilitychange",
                listener.as_ref().unchecked_ref(),
            );
        }
        Self { document, shared, listener }
    }

    /// The page's visibility now.
    pub fn now(&self) -> Visibility {
        read(self.document.as_ref())
    }

    /// The changes since the last call (or since `forget_changes`), oldest first.
    pub fn take_changes(&self) -> Vec<(Visibility, f64)> {
        std::mem::take(&mut self.shared.borrow_mut().changes)
    }

    pub fn forget_changes(&self) {
        self.shared.borrow_mut().changes.clear();
    }

    /// Resolves at once when the page is shown, else on its next `visibilitychange` to visible.
    pub async fn until_visible(&self) {
        if self.now() == Visibility::Visible {
            return;
        }
        let mut resolve: Option<js_sys::Function> = None;
        let promise = js_sys::Promise::new(&mut |res, _rej| resolve = Some(res));
        if let Some(r) = resolve {
            self.shared.borrow_mut().waiting.push(r);
        }
        let _ = JsFuture::from(promise).await;
    }

    /// Resolves every waiter (the player is going away, so nothing waits forever).
    pub fn release_waiters(&self) {
        let woken = std::mem::take(&mut self.shared.borrow_mut().waiting);
        for resolve in woken {
            let _ = resolve.call0(&JsValue::NULL);
        }
    }
}

impl Drop for PageVisibility {
    fn drop(&mut self) {
        if let Some(d) = &self.document {
            let _ = d.remove_event_listener_with_callback(
                "visibilitychange",
                self.listener.as_ref().unchecked_ref(),
            );
        }
        self.release_waiters();
    }
}
