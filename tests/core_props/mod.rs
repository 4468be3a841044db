//! The core's properties, one file per area; `runner` runs each with its weight and regression file.

pub mod gen;
pub mod runner;

mod config;
mod dates;
pub mod events;
mod fetch;
mod live;
mod picture;
mod playlists;
mod recording;
mod session;
mod skips;
mod wire;
