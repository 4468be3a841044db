//! Players: components that own the `<video>` element and its source.

pub mod clock_handle;
pub mod file_player;
pub mod live_player;
pub mod mediasoup;
pub mod signaling;

pub use file_player::{FilePlayer, FilePlayerProps};
pub use live_player::{LivePlayer, LivePlayerProps};
