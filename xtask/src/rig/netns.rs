//! A private network namespace for the live rig: `lo` plus a veth pair on addresses that exist only inside it.
//!
//! Chromium gathers no ICE candidates on loopback alone, so the SFU's WebRTC
//! transports listen on a veth address. The namespace is made with
//! `unshare --net` (root), so nothing inside it can reach, or be reached
//! from, any network outside: everything stays on this machine.

use std::process::Command;

use anyhow::{bail, Context};

use crate::{run, Result};

/// Where the SFU's WebRTC transports listen, inside the namespace only.
pub const RTC_IP: &str = "10.203.0.1";
const PEER_IP: &str = "10.203.0.2";

/// Runs `cargo xtask rig inside-netns <what> [args]` (this same binary) in a new network namespace.
pub fn run_inside(what: &str, args: &[String]) -> Result {
    super::prepare()?;
    let exe = std::env::current_exe().context("current_exe")?;
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !is_root {
        bail!("the live rig needs root for its private network namespace (unshare --net)");
    }
    run(Command::new("unshare")
        .arg("--net")
        .arg("--")
        .arg(exe)
        .args(["rig", "inside-netns", what])
        .args(args))
}

/// The entry point inside the namespace.
pub fn inside(stage: &str, minutes: Option<&str>) -> Result {
    // Checked before the links are made: outside a namespace they would be the host's.
    if !["test", "bench-memory", "bench-viewers", "bench-calibration"].contains(&stage) {
        bail!("unknown rig stage {stage}");
    }
    links()?;
    match stage {
        "test" => {
            let n = crate::e2e::live::run_all()?;
            // The outer `cargo xtask test` adds this count to its closing line.
            let _ =
                std::fs::write(crate::repo_root().join("target/live-e2e-passed"), n.to_string());
            println!("live: {n} passed, 0 failed");
            Ok(())
        }
        "bench-memory" => {
            let minutes = minutes.and_then(|m| m.parse().ok()).unwrap_or(10);
            super::live_memory::run(minutes)
        }
        "bench-viewers" => {
            let minutes = minutes.and_then(|m| m.parse().ok()).unwrap_or(1.0);
            super::many_viewers::run(minutes)
        }
        "bench-calibration" => {
            // The argument is the seconds per case here.
            let seconds = minutes.and_then(|m| m.parse().ok()).unwrap_or(20);
            crate::e2e::live::calibration::run_bench(seconds)
        }
        other => unreachable!("rig stage {other} was checked above"),
    }
}

fn ip(args: &[&str]) -> Result {
    run(Command::new("ip").args(args))
}

fn links() -> Result {
    ip(&["link", "set", "lo", "up"])?;
    ip(&["link", "add", "vrig0", "type", "veth", "peer", "name", "vrig1"])?;
    ip(&["addr", "add", &format!("{RTC_IP}/24"), "dev", "vrig0"])?;
    ip(&["addr", "add", &format!("{PEER_IP}/24"), "dev", "vrig1"])?;
    ip(&["link", "set", "vrig0", "up"])?;
    ip(&["link", "set", "vrig1", "up"])
}
