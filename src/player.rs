//! Players: components that own the `<video>` element and its source.

pub mod file_player;

pub use file_player::{FilePlayer, FilePlayerProps};
