//! Driving headless Chromium: the scripts run in its pages.

pub mod page_scripts;
