//! `cargo xtask run`: the viewer served through the production server, in front of the VAS emulator (with the live rig when installed) or a real VAS.

use anyhow::{anyhow, bail, Context};

use crate::{demo_backend, flags, repo_root, rig, setup, viewer_server, Result};

/// `cargo xtask run`: see the flags of `run` in `flags.rs`.
pub fn run(flags: flags::Run) -> Result {
    // After `--`: flags for vas-viewer-server itself (with --vas only). The
    // command line declares them as trailing arguments; only `--` may start them.
    let server_flags = flags.server_flags;
    if !server_flags.is_empty() && !std::env::args().any(|a| a == "--") {
        bail!("unexpected argument {}: flags for vas-viewer-server go after `--`", server_flags[0]);
    }
    let port: u16 = flags.port.unwrap_or(8080);
    let vas = flags.vas;
    if let Some(v) = &vas {
        if !(v.starts_with("http://") || v.starts_with("https://")) {
            bail!("--vas must be an http(s) URL, not {v}");
        }
    }
    let data_dir = match (flags.data, &vas) {
        (Some(_), Some(_)) => {
            return Err(anyhow!(
                "--data replays recorded data in place of VAS: give --data or --vas, not both"
            ))
        }
        (Some(d), None) => Some(d),
        (None, None) => Some(repo_root().join("static/demo")),
        (None, Some(_)) => None,
    };
    if vas.is_none() && !server_flags.is_empty() {
        bail!("flags after `--` go to vas-viewer-server in front of a real VAS: give --vas URL");
    }
    crate::build_viewer_and_server(setup::build_tools)?;
    let listen = format!("127.0.0.1:{port}");
    let root = repo_root();
    let dist = root.join("dist");
    let in_use = |e: anyhow::Error| {
        anyhow::anyhow!("the viewer's server could not start on {listen}: {e:#} (try --port)")
    };
    // Against a real VAS: the production server alone, in front of it.
    if let Some(v) = &vas {
        // `-- --listen ADDR` replaces --port's loopback address.
        let listen = if server_flags.iter().any(|f| f == "--listen" || f.starts_with("--listen=")) {
            None
        } else {
            Some(listen.clone())
        };
        let server = viewer_server::ViewerServer::start(&viewer_server::ServerOptions {
            site: dist,
            vas: v.clone(),
            listen,
            api_key: std::env::var("VAS_API_KEY").ok().filter(|k| !k.is_empty()),
            extra: server_flags,
        })
        .map_err(in_use)?;
        println!();
        println!("Viewer against VAS at {v} (its read API and live signaling relayed by vas-viewer-server):");
        println!("  {}", server.url());
        return park_forever();
    }
    // The demo: the VAS emulator (and the live rig when it is installed)
    // behind the production server, as a real VAS would be.
    if data_dir.as_deref() == Some(root.join("static/demo").as_path()) && rig::demo_ready() {
        rig::prepare()?;
        let rig = rig::Rig::start(&rig::demo_options(&listen)).map_err(in_use)?;
        println!();
        println!("Viewer with the bundled demo camera and a live camera (the test rig's SFU):");
        println!("  {}", rig.url());
        println!(
            "  (the camera list links the demo clip and the live scene; Ctrl-C stops everything)"
        );
        let _keep = rig;
        return park_forever();
    }
    let key = viewer_server::EMULATED_VAS_KEY;
    let config = demo_backend::BackendConfig {
        dist_dir: dist.clone(),
        data_dir: data_dir.clone(),
        api_key: Some(key.into()),
        viewer_api_key: None,
        day_speed: None,
    };
    let backend =
        demo_backend::start(config, "127.0.0.1:0").context("the VAS emulator could not start")?;
    let server = viewer_server::in_front_of(
        &backend.url(),
        &dist,
        data_dir.as_deref(),
        "demo",
        &listen,
        Some(key.into()),
        &[],
    )
    .map_err(in_use)?;
    println!();
    println!("Viewer with the bundled demo camera:");
    println!("  {}", server.url());
    println!("  (open it and follow the camera's Clip link; Ctrl-C stops the server)");
    println!("  (a live camera is added once the live rig is installed: `cargo xtask rig build-worker`, or `cargo xtask test`)");
    let _keep = (backend, server);
    park_forever()
}

/// Serves until the process is stopped (Ctrl-C ends every child with it).
fn park_forever() -> Result {
    loop {
        std::thread::park();
    }
}
