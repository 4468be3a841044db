//! Live events: the generator of `/__demo/live` and the live rig's cameras.

pub(crate) mod generator;
pub(crate) mod rig_cameras;
