//! Players: components that own the `<video>` element and its source.

pub mod file_player;
pub mod hls_bindings;
pub mod hls_player;
pub mod hls_recovery;
pub mod live_player;
pub mod mediasoup;
pub mod page_visibility;
pub mod segment_probe;
pub mod signaling;

pub use file_player::{FilePlayer, FilePlayerProps};
pub use hls_player::{HlsPlayer, HlsPlayerProps};
pub use live_player::{LivePlayer, LivePlayerProps};
