//! Drawing: from the detections of a frame to positioned, colored primitives, and how they are rendered.

pub mod box_association;
pub mod canvas_plan;
pub mod color;
pub mod geometry;
pub mod primitive;
pub mod renderer_choice;
pub mod selection;
pub mod timeline_strip;
