//! Fault isolation: any panic or overlay exception hides every overlay; the video is never touched.
//!
//! There are no error boundaries in Yew, and a Rust panic in wasm aborts
//! (a trap), so the guard works at two levels. A panic hook, which runs
//! before the trap, hides every overlay root straight through the DOM
//! without touching any Rust state that the panic may have left borrowed.
//! And the frame loop re-arms itself only after a frame completed, so a
//! trap in a frame also ends the loop. Errors returned by DOM calls take the
//! same path without a panic. The `<video>` and its player are separate
//! elements that the guard never selects, so playback goes on.

use std::sync::atomic::{AtomicBool, Ordering};

use web_sys::Element;

/// Attribute that marks an overlay root; the guard finds roots by it.
pub const ROOT_ATTR: &str = "data-overlay-root";
/// Attribute carrying `ok`, `empty` or `hidden`.
pub const STATE_ATTR: &str = "data-overlay-state";

static FAULTED: AtomicBool = AtomicBool::new(false);

/// Whether a fault has happened in this page; overlays stay hidden after one.
pub fn has_faulted() -> bool {
    FAULTED.load(Ordering::Relaxed)
}

/// Hides one overlay root. Failures are ignored: there is nothing safer to do.
pub fn hide(root: &Element) {
    let _ = root.set_attribute(STATE_ATTR, "hidden");
    let _ = root.set_attribute("hidden", "");
    let _ = root.set_attribute("style", "display:none");
}

/// Hides every overlay root in the document.
pub fn hide_all() {
    FAULTED.store(true, Ordering::Relaxed);
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    let Ok(list) = doc.query_selector_all(&format!("[{ROOT_ATTR}]")) else { return };
    for i in 0..list.length() {
        if let Some(el) =
            list.item(i).and_then(|n| wasm_bindgen::JsCast::dyn_into::<Element>(n).ok())
        {
            hide(&el);
        }
    }
}

/// Records an overlay fault that did not panic (a DOM call that threw):
/// silent for the user, a debug line for developers.
pub fn report(root: &Element, what: &str) {
    FAULTED.store(true, Ordering::Relaxed);
    web_sys::console::debug_1(&format!("overlay hidden after a fault: {what}").into());
    hide(root);
}

/// Installs the guard: a panic hook (chained to the one already set) and a
/// window `error` listener for WebAssembly traps. The listener is what makes
/// the guard hold even when another hook replaces ours: a Rust panic in wasm
/// ends in a `WebAssembly.RuntimeError` that reaches the window uncaught.
/// Call once at start; later calls add nothing.
pub fn install() {
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if INSTALLED.swap(true, Ordering::Relaxed) {
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        hide_all();
        previous(info);
    }));
    let on_error = wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(
        |e: web_sys::ErrorEvent| {
            // `WebAssembly.RuntimeError` is the only built-in error of that name.
            let is_trap = js_sys::Reflect::get(&e.error(), &"constructor".into())
                .and_then(|c| js_sys::Reflect::get(&c, &"name".into()))
                .ok()
                .and_then(|n| n.as_string())
                .is_some_and(|n| n == "RuntimeError");
            if is_trap {
                hide_all();
                web_sys::console::debug_1(&"overlay hidden after a WebAssembly trap".into());
            }
        },
    );
    if let Some(w) = web_sys::window() {
        let _ = w.add_event_listener_with_callback(
            "error",
            wasm_bindgen::JsCast::unchecked_ref(on_error.as_ref()),
        );
    }
    // The listener lives as long as the page.
    on_error.forget();
}

/// Test-only fault injection: makes the next overlay frame panic.
#[cfg(feature = "fault-injection")]
pub mod injection {
    use std::sync::atomic::{AtomicBool, Ordering};

    static ARMED: AtomicBool = AtomicBool::new(false);
    static ARMED_IN_BORROW: AtomicBool = AtomicBool::new(false);

    /// Arms a panic for the next frame the overlay processes.
    pub fn panic_on_next_frame() {
        ARMED.store(true, Ordering::Relaxed);
    }

    /// Arms a panic inside the store's borrow, in the next frame that reads
    /// the store: the case the players' `try_borrow*` invariant exists for
    /// (the trap leaves the store borrowed for good).
    pub fn panic_in_store_borrow_on_next_frame() {
        ARMED_IN_BORROW.store(true, Ordering::Relaxed);
    }

    pub(crate) fn take() -> bool {
        ARMED.swap(false, Ordering::Relaxed)
    }

    pub(crate) fn take_in_borrow() -> bool {
        ARMED_IN_BORROW.swap(false, Ordering::Relaxed)
    }

    /// The page hook of the fault-injection build: `window.__vasInjectFault(kind)`.
    pub const PAGE_HOOK: &str = "__vasInjectFault";
    /// A panic at the start of the next overlay frame.
    pub const OVERLAY_PANIC: &str = "overlay-panic";
    /// A panic inside the store's borrow in the next frame that reads it.
    pub const OVERLAY_PANIC_IN_BORROW: &str = "overlay-panic-in-borrow";

    /// Defines `window.__vasInjectFault(kind)` for end-to-end tests of the
    /// fault-injection build (`cargo xtask` builds it into
    /// `target/fault-injection-dist/`, never into `dist/`): `'overlay-panic'`
    /// arms [`panic_on_next_frame`], `'overlay-panic-in-borrow'`
    /// [`panic_in_store_borrow_on_next_frame`], and both return true; any
    /// other kind returns false and arms nothing.
    pub fn install_page_hook() {
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsValue;

        let Some(window) = web_sys::window() else { return };
        let hook = Closure::<dyn FnMut(JsValue) -> bool>::new(|kind: JsValue| {
            match kind.as_string().as_deref() {
                Some(OVERLAY_PANIC) => panic_on_next_frame(),
                Some(OVERLAY_PANIC_IN_BORROW) => panic_in_store_borrow_on_next_frame(),
                _ => return false,
            }
            true
        });
        let _ = js_sys::Reflect::set(&window, &PAGE_HOOK.into(), hook.as_ref());
        // The hook lives as long as the page.
        hook.forget();
    }
}
