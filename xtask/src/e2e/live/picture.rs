//! The live picture as a user sees it: boxes on it (kept as a screenshot), and the page over the server's own TLS.

use serde_json::json;

use super::{expect, CAM_FED};
use crate::browser::page_scripts::polling_script;
use crate::browser::Browser;
use crate::rig::Rig;
use crate::{repo_root, Result};

/// Waits for boxes on the live picture and keeps a screenshot of it.
pub(super) fn screenshot(rig: &Rig, browser: &Browser) -> Result<usize> {
    const WAIT_FOR_BOXES: &str = polling_script!(
        r#"
const [limitMs, done] = [arguments[0], arguments[arguments.length - 1]];
poll({done, limitMs}, (now, timedOut) => {
  const root = document.querySelector('[data-overlay-root]');
  const boxes = root ? [...root.querySelectorAll('[data-kind=box]')].filter(b => b.style.display !== 'none').length : 0;
  const clock = root && root.getAttribute('data-clock');
  if ((boxes >= 3 && clock === 'rtp-sr') || timedOut()) return {boxes, clock};
});
"#
    );
    browser.goto(&format!("{}cameras/{CAM_FED}", rig.url()))?;
    let s = browser.execute_async(WAIT_FOR_BOXES, json!([20_000]))?;
    expect(
        s["boxes"].as_u64() >= Some(3) && s["clock"] == "rtp-sr",
        "boxes on the live picture, clock rtp-sr",
        &s,
    )?;
    let png = browser.screenshot_png()?;
    let out = repo_root().join("target/e2e");
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("live-camera.png"), &png)?;
    println!("  screenshot: target/e2e/live-camera.png ({} bytes)", png.len());
    browser.goto(&rig.url())?;
    Ok(1)
}

/// The live page over HTTPS, its signaling over WSS: the production server
/// terminating TLS (rustls) with a self-signed certificate, in front of the
/// same rig; the browser is told to accept that certificate.
pub(super) fn over_tls(rig: &Rig) -> Result<usize> {
    let (cert, key) = crate::viewer_server::self_signed_tls(&repo_root().join("target/tls"))?;
    let extra = vec![
        "--tls-cert".into(),
        cert.display().to_string(),
        "--tls-key".into(),
        key.display().to_string(),
    ];
    let server = crate::viewer_server::in_front_of(
        &rig.vas_url(),
        &repo_root().join("dist"),
        Some(&repo_root().join("static/demo")),
        "rig-tls",
        "127.0.0.1:0",
        Some(crate::viewer_server::EMULATED_VAS_KEY.into()),
        &extra,
    )?;
    expect(server.url().starts_with("https://"), "the server serves HTTPS", server.url())?;
    let browser = Browser::start_with(&["--ignore-certificate-errors"])?;
    browser.set_script_timeout(60_000)?;
    browser.goto(&format!("{}cameras/{CAM_FED}", server.url()))?;
    let s = browser.execute_async(
        polling_script!(r#"
const [limitMs, done] = [arguments[0], arguments[arguments.length - 1]];
poll({done, limitMs}, (now, timedOut) => {
  const root = document.querySelector('[data-overlay-root]');
  const boxes = root ? [...root.querySelectorAll('[data-kind=box]')].filter(b => b.style.display !== 'none').length : 0;
  const video = document.querySelector('video');
  if ((boxes >= 3 && video && video.currentTime > 0.5) || timedOut()) return {boxes, playing: video ? video.currentTime : null, protocol: location.protocol, secure: window.isSecureContext};
});
"#),
        json!([30_000]),
    )?;
    expect(
        s["boxes"].as_u64() >= Some(3) && s["protocol"] == "https:" && s["secure"] == true,
        "over HTTPS and WSS through the server's own TLS: live video plays with boxes",
        &s,
    )?;
    Ok(1)
}
