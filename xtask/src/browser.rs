//! Driving headless Chromium: its launch flags, WebDriver sessions, DevTools sessions, and the scripts run in its pages.
//!
//! A test or benchmark starts a [`Browser`] (ChromeDriver with one
//! session), runs page scripts through it, and opens a [`CdpClient`] on the
//! same browser when it needs what WebDriver lacks (events, tracing,
//! targets, metrics).

pub mod cdp;
pub mod chromium;
pub mod page_scripts;
pub mod webdriver;

pub use cdp::CdpClient;
pub use webdriver::Browser;
