//! Pure core: every piece of viewer logic, free of browser crates and tested natively.
//!
//! Architecture invariant: nothing under `core` imports `yew`, `web_sys`,
//! `js_sys`, `gloo` or `wasm_bindgen`, reads a clock or measures the DOM.
//! Time and measurements come in as arguments, and no function panics on data.
//!
//! Grouped by concern: `events` (what VAS sends and how the viewer fetches
//! it), `draw` (from a frame's detections to positioned primitives),
//! `clock` (a frame's media time to VAS time, per source), `params` (page
//! parameters and configuration, validated); `time`, `number_order` and
//! `backoff` are shared by all of them.

pub mod backoff;
pub mod clock;
pub mod draw;
pub mod events;
pub mod number_order;
pub mod params;
pub mod time;
