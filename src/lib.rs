//! vas-overlay-viewer: a Yew single-page app that draws VAS AI detections on the video frame they belong to.

pub mod core;
