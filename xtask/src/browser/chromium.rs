//! Where Chromium and ChromeDriver are installed, and the flags every headless Chromium of the tests and benchmarks starts with.

use serde_json::{json, Value};

/// Debian's Chromium (`setup::test_tools` installs it).
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// Debian's ChromeDriver, of the same build as [`CHROMIUM`].
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Chromium flags for this machine's closed network (see tests/webdriver/*.json).
pub const CHROME_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
    "--window-size=1280,800",
];

/// The WebDriver capabilities of a new session: [`CHROMIUM`] with
/// [`CHROME_ARGS`] and then `extra_args`.
pub fn capabilities(extra_args: &[&str]) -> Value {
    let args: Vec<&str> = CHROME_ARGS.iter().chain(extra_args).copied().collect();
    json!({"capabilities": {"alwaysMatch": {
        "browserName": "chrome",
        "goog:chromeOptions": {"binary": CHROMIUM, "args": args}
    }}})
}
