//! Runs the production server (`vas-viewer-server`, the `server/` crate) in front of a VAS: the emulator, the live rig or a real one.
//!
//! `cargo xtask run` and every end-to-end stage reach the viewer through
//! this server, as an operator's browser does: the emulator plays VAS
//! behind it, with its API key required as VAS requires it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{anyhow, bail, Context};

use crate::{repo_root, run, Result};

/// VAS's key in the end-to-end stages and the demo: the emulator requires
/// it as VAS with auth on requires its environment key, and the server holds
/// it. No browser ever sees it (the secrets scan checks with its own canary).
pub const EMULATED_VAS_KEY: &str = "emulated-vas-env-key-41c7";

/// The cargo profile the server is built with (see the workspace `Cargo.toml`).
const PROFILE: &str = "server";

/// The server's binary, built by [`build`].
pub fn binary() -> PathBuf {
    repo_root().join("target").join(PROFILE).join("vas-viewer-server")
}

/// Builds the server binary (optimized; a no-op when up to date).
pub fn build() -> Result {
    println!(
        "== building the production server (cargo build --profile {PROFILE} -p vas-viewer-server)"
    );
    run(Command::new("cargo")
        .args(["build", "--quiet", "--profile", PROFILE, "-p", "vas-viewer-server"])
        .current_dir(repo_root()))
}

/// How to run the server.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// The site served: `dist/` or a staged copy with a `config.json`.
    pub site: PathBuf,
    /// VAS's base URL (the emulator's, the rig's front, or a real VAS).
    pub vas: String,
    /// `127.0.0.1:0` for a free port; None: given among `extra`.
    pub listen: Option<String>,
    /// VAS's key, handed to the server in `VAS_API_KEY`.
    pub api_key: Option<String>,
    /// Extra flags (`--server-name`, `--tls-cert`, ...).
    pub extra: Vec<String>,
}

/// A running server; dropping it stops it (SIGTERM, then a kill).
pub struct ViewerServer {
    child: Child,
    url: String,
}

impl ViewerServer {
    /// Starts the built binary and waits for its "serving ... on URL" line.
    pub fn start(opts: &ServerOptions) -> Result<ViewerServer> {
        let bin = binary();
        if !bin.is_file() {
            bail!("{} is not built (cargo xtask builds it first)", bin.display());
        }
        let mut cmd = Command::new(&bin);
        cmd.arg("--dist").arg(&opts.site).args(["--vas", &opts.vas]);
        if let Some(listen) = &opts.listen {
            cmd.args(["--listen", listen]);
        }
        cmd.args(&opts.extra);
        cmd.env_remove("VAS_API_KEY");
        if let Some(key) = &opts.api_key {
            cmd.env("VAS_API_KEY", key);
        }
        if std::env::var_os("RUST_LOG").is_none() {
            cmd.env("RUST_LOG", "warn");
        }
        cmd.stdout(Stdio::piped()).stderr(Stdio::inherit());
        let mut child =
            cmd.spawn().map_err(|e| anyhow!("could not start {}: {e:#}", bin.display()))?;
        let url = crate::wait_for_stdout_line(&mut child, Duration::from_secs(20), |line| {
            line.strip_prefix("serving the viewer on ")
                .and_then(|r| r.split_whitespace().next())
                .map(str::to_owned)
        });
        match url {
            Some(url) => Ok(ViewerServer { child, url }),
            None => {
                let _ = child.kill();
                let status = child.wait().map(|s| s.to_string()).unwrap_or_default();
                Err(anyhow!(
                    "vas-viewer-server did not start ({status}); its error is printed above"
                ))
            }
        }
    }

    /// `http(s)://127.0.0.1:PORT/`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The process id (for memory figures).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ViewerServer {
    fn drop(&mut self) {
        // The server's graceful shutdown waits up to 10 s for open requests.
        crate::stop_child(&mut self.child, Duration::from_secs(12));
    }
}

/// Stages a site for the demo: every file of `dist` (linked, not copied),
/// the emulator's `config.json` (the demo clips), and under `/demo/` the
/// clip files that config names, nothing else of the data folder (its
/// `camera.json` holds an `rtsp_url`). Returns the staged folder.
pub fn stage_demo_site(
    dist: &Path,
    data_dir: Option<&Path>,
    config_json: &str,
    name: &str,
) -> Result<PathBuf> {
    let site = repo_root().join("target/sites").join(name);
    let _ = std::fs::remove_dir_all(&site);
    std::fs::create_dir_all(&site).map_err(|e| anyhow!("{}: {e:#}", site.display()))?;
    let entries = std::fs::read_dir(dist)
        .map_err(|e| anyhow!("{}: {e:#} (build the viewer first)", dist.display()))?;
    for entry in entries {
        let entry = entry?;
        if entry.file_name() == "config.json" {
            continue;
        }
        link(&entry.path(), &site.join(entry.file_name()))?;
    }
    if let Some(data) = data_dir {
        let config: serde_json::Value =
            serde_json::from_str(config_json).context("the demo's config.json")?;
        for clip in config["clips"].as_array().into_iter().flatten() {
            let Some(file) = clip["src"].as_str().and_then(|s| s.strip_prefix("/demo/")) else {
                continue;
            };
            if file.contains(['/', '%']) || file.starts_with('.') {
                bail!("the demo's clip {file} is not a plain file name");
            }
            std::fs::create_dir_all(site.join("demo"))?;
            link(&data.join(file), &site.join("demo").join(file))?;
        }
    }
    std::fs::write(site.join("config.json"), config_json)?;
    Ok(site)
}

fn link(from: &Path, to: &Path) -> Result {
    let from = from.canonicalize().map_err(|e| anyhow!("{}: {e:#}", from.display()))?;
    std::os::unix::fs::symlink(&from, to)
        .map_err(|e| anyhow!("{} -> {}: {e:#}", to.display(), from.display()))
}

/// The production server in front of a running emulator (or the live rig's
/// front, which plays VAS's one origin for API and signaling): the site is
/// `dist` staged with the emulator's `config.json` and demo clips; `extra`:
/// more flags (`--tls-cert`, ...).
pub fn in_front_of(
    vas_url: &str,
    dist: &Path,
    data_dir: Option<&Path>,
    name: &str,
    listen: &str,
    api_key: Option<String>,
    extra: &[String],
) -> Result<ViewerServer> {
    let config_url = format!("{}/config.json", vas_url.trim_end_matches('/'));
    let config = ureq::get(&config_url)
        .call()
        .with_context(|| config_url.to_string())?
        .into_string()
        .with_context(|| config_url.to_string())?;
    let site = stage_demo_site(dist, data_dir, &config, name)?;
    ViewerServer::start(&ServerOptions {
        site,
        vas: vas_url.trim_end_matches('/').to_owned(),
        listen: Some(listen.to_owned()),
        api_key,
        extra: extra.to_vec(),
    })
}

/// A self-signed certificate for `localhost` and `127.0.0.1`, written as
/// PEM files into `dir`: (certificate, key).
pub fn self_signed_tls(dir: &Path) -> Result<(PathBuf, PathBuf)> {
    let cert =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()])?;
    std::fs::create_dir_all(dir)?;
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, cert.cert.pem())?;
    std::fs::write(&key_path, cert.signing_key.serialize_pem())?;
    Ok((cert_path, key_path))
}
