//! Pure core: every piece of viewer logic, free of browser crates and tested natively.
//!
//! Architecture invariant: nothing under `core` imports `yew`, `web_sys`,
//! `js_sys`, `gloo` or `wasm_bindgen`, reads a clock or measures the DOM.
//! Time and measurements come in as arguments, and no function panics on data.

pub mod canvas_plan;
pub mod clip_params;
pub mod clock;
pub mod color;
pub mod detection;
pub mod event_store;
pub mod geometry;
pub mod primitive;
pub mod renderer_choice;
pub mod selection;
pub mod time;
pub mod viewer_config;
pub mod wire;
