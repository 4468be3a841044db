//! Events: the VAS read API as sent, the canonical detection, the store, and which windows to fetch when.

pub mod credible_newest;
pub mod detection;
pub mod event_store;
pub mod live_poll;
pub mod playhead_windows;
pub mod poll_grid;
pub mod read_failure;
pub mod window_fetch;
pub mod wire;
