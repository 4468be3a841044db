//! The viewer's Content-Security-Policy, written into the built `index.html` as a `<meta>`.
//!
//! Trunk injects an inline module script (the wasm loader) whose text names
//! hashed file names, so its hash is only known after a build; the policy is
//! therefore completed here, right after `trunk build`, and placed before
//! every script it governs. It allows only what the viewer needs:
//! - scripts and wasm from its own origin (`'wasm-unsafe-eval'` is what
//!   compiling WebAssembly needs; nothing allows `eval` or inline scripts,
//!   except the loader by its hash);
//! - styles from its own origin and inline styles (stylist inserts `<style>`
//!   elements; per-frame positions are inline `style` properties);
//! - network (API, signaling WebSocket, HLS playlists and segments) and media
//!   from its own origin, `blob:` media (hls.js feeds a MediaSource through a
//!   blob URL), and the extra origins given in `VAS_CSP_ORIGINS` when the API
//!   or videos live elsewhere;
//! - nothing else: no objects, frames, forms or `<base>` changes.

use std::path::Path;

use anyhow::{anyhow, bail, Context};
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::Result;

/// Builds the policy for the given inline-script hashes and extra origins.
pub fn policy(script_hashes: &[String], extra_origins: &[String]) -> String {
    let extra = |list: &[String]| list.iter().map(|o| format!(" {o}")).collect::<String>();
    let hashes: String = script_hashes.iter().map(|h| format!(" 'sha256-{h}'")).collect();
    let ws: Vec<String> = extra_origins
        .iter()
        .filter_map(|o| o.strip_prefix("http").map(|rest| format!("ws{rest}")))
        .collect();
    format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; font-src 'self'; media-src 'self' blob:{media}; connect-src 'self'{connect}{ws}; \
         worker-src 'self' blob:; manifest-src 'self'; object-src 'none'; frame-src 'none'; base-uri 'none'; form-action 'none'",
        media = extra(extra_origins),
        connect = extra(extra_origins),
        ws = extra(&ws),
    )
}

/// The hashes of every inline `<script>` (one without `src`) in `html`.
fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find("<script") {
        let after = &rest[open..];
        let Some(tag_end) = after.find('>') else { break };
        let tag = &after[..tag_end];
        let body_start = tag_end + 1;
        let Some(close) = after[body_start..].find("</script>") else { break };
        if !tag.contains(" src=") {
            let body = &after[body_start..body_start + close];
            out.push(
                base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body.as_bytes())),
            );
        }
        rest = &after[body_start + close..];
    }
    out
}

/// Writes the policy into `index.html` (replacing one written before) and returns it.
pub fn apply(index: &Path, extra_origins: &[String]) -> Result<String> {
    for o in extra_origins {
        let host = o.strip_prefix("https://").or_else(|| o.strip_prefix("http://"));
        let ok = host.is_some_and(|h| !h.is_empty() && !h.contains(['/', ' ', ';', '\'', ',']));
        if !ok {
            bail!("VAS_CSP_ORIGINS: `{o}` is not an origin like https://vas.example:8443");
        }
    }
    let html = std::fs::read_to_string(index).map_err(|e| anyhow!("{}: {e:#}", index.display()))?;
    let mut html = match html.find("<meta http-equiv=\"Content-Security-Policy\"") {
        Some(start) => {
            let end = start + html[start..].find('>').context("unterminated CSP meta")? + 1;
            format!("{}{}", &html[..start], &html[end..])
        }
        None => html,
    };
    let policy = policy(&inline_script_hashes(&html), extra_origins);
    let anchor =
        html.find("<meta charset=\"utf-8\" />").context("index.html has no <meta charset>")?
            + "<meta charset=\"utf-8\" />".len();
    html.insert_str(
        anchor,
        &format!("\n    <meta http-equiv=\"Content-Security-Policy\" content=\"{policy}\" />"),
    );
    std::fs::write(index, html).map_err(|e| anyhow!("{}: {e:#}", index.display()))?;
    Ok(policy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_only_inline_scripts_and_builds_a_strict_policy() {
        let html =
            r#"<head><script type="module">init()</script><script src="/a.js"></script></head>"#;
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 1);
        assert_eq!(
            hashes[0],
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"init()"))
        );
        let p = policy(&hashes, &["https://vas.example:8443".into()]);
        assert!(p.starts_with("default-src 'none'; script-src 'self' 'wasm-unsafe-eval' 'sha256-"));
        assert!(p.contains("connect-src 'self' https://vas.example:8443 wss://vas.example:8443;"));
        assert!(p.contains("media-src 'self' blob: https://vas.example:8443;"));
        assert!(!p.contains("unsafe-eval'") || p.contains("wasm-unsafe-eval"));
        assert!(!p.contains("script-src 'self' 'unsafe-inline'"));
    }

    #[test]
    fn apply_is_idempotent_and_refuses_bad_origins() {
        let dir = std::env::temp_dir().join(format!("csp-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let index = dir.join("index.html");
        std::fs::write(&index, "<html><head><meta charset=\"utf-8\" />\n<script type=\"module\">x()</script></head></html>").unwrap();
        apply(&index, &[]).unwrap();
        apply(&index, &[]).unwrap();
        let html = std::fs::read_to_string(&index).unwrap();
        assert_eq!(html.matches("Content-Security-Policy").count(), 1);
        assert!(html.find("Content-Security-Policy").unwrap() < html.find("<script").unwrap());
        assert!(apply(&index, &["javascript:alert(1)".into()]).is_err());
        assert!(apply(&index, &["https://a.b; script-src *".into()]).is_err());
        let _ = std::fs::remove_dir_all(dir);
    }
}
