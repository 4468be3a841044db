//! Page parameters and viewer configuration, validated with messages a user can act on.

pub mod clip_params;
pub mod recording_params;
pub mod viewer_config;
