//! Data wiring: the VAS API client, the shared event store, and the feeds that fill it.

pub mod api_client;
pub mod live_feed;
pub mod playhead_feed;
pub mod store_handle;
pub mod window_runner;
