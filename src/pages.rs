//! The pages behind the routes.

pub mod camera_list;
pub mod clip_page;
pub mod live_page;
pub mod not_found;
pub mod param_errors;
pub mod recordings_page;
pub mod stage;
