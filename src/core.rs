//! Pure core: every piece of viewer logic, free of browser crates and tested natively.
//!
//! Architecture invariant: nothing under `core` imports `yew`, `web_sys`,
//! `js_sys`, `gloo` or `wasm_bindgen`, reads a clock or measures the DOM.
//! Time and measurements come in as arguments, and no function panics on data.

pub mod backoff;
pub mod canvas_plan;
pub mod clip_params;
pub mod clock;
pub mod credible_newest;
pub mod color;
pub mod detection;
pub mod event_store;
pub mod fragment_span;
pub mod geometry;
pub mod hls_playlist;
pub mod http_date;
pub mod live_clock;
pub mod live_delay;
pub mod live_poll;
pub mod live_session;
pub mod live_signaling;
pub mod media_recovery;
pub mod number_order;
pub mod playhead_windows;
pub mod playlist_fixer;
pub mod poll_grid;
pub mod primitive;
pub mod read_failure;
pub mod recording_clock;
pub mod recording_dates;
pub mod recording_params;
pub mod recording_runs;
pub mod renderer_choice;
pub mod segment_skips;
pub mod selection;
pub mod timeline_strip;
pub mod time;
pub mod viewer_config;
pub mod window_fetch;
pub mod wire;
