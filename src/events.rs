//! Data wiring: the VAS API client and the shared event store handle.

pub mod api_client;
pub mod store_handle;
