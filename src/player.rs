//! Players: components that own the `<video>` element and its source.

pub mod clock_handle;
pub mod file_player;
pub mod hls_bindings;
pub mod hls_player;

pub use clock_handle::ClockHandle;
pub use file_player::{FilePlayer, FilePlayerProps};
pub use hls_player::{HlsPlayer, HlsPlayerProps};
