//! What the machine shows of the many-viewers benchmark's processes (from /proc): memory, CPU time, and the connections at VAS and to it.

use crate::proc_cpu::{self, ProcessCpu};
use crate::rig::Rig;

/// (VmRSS, VmHWM) of a process, bytes.
pub(super) fn rss(pid: u32) -> (u64, u64) {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
            * 1024
    };
    (kb("VmRSS:"), kb("VmHWM:"))
}

/// CPU milliseconds this process (all its threads, no children) has used.
pub(super) fn own_cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> =
        stat.rsplit_once(')').map_or("", |(_, r)| r).split_whitespace().collect();
    let ticks = fields.get(11).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0)
        + fields.get(12).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // Linux reports USER_HZ = 100 ticks per second to user space.
    ticks * 10.0
}

pub(super) fn cpu_ms(before: &ProcessCpu, after: &ProcessCpu, skip_driver: bool) -> f64 {
    before
        .ms_since(after)
        .into_iter()
        .filter(|(g, _)| !(skip_driver && g.starts_with("driver")))
        .map(|(_, ms)| ms)
        .sum()
}

/// Chromium's renderer processes, its proportional memory (bytes), and the machine's available memory (bytes).
pub(super) fn chromium_memory(driver_pid: u32) -> (usize, u64, u64) {
    let mut renderers = 0;
    let mut pss_kb = 0u64;
    for pid in proc_cpu::descendants(driver_pid) {
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline).contains("--type=renderer") {
            renderers += 1;
        }
        let rollup =
            std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
        pss_kb += rollup
            .lines()
            .find_map(|l| l.strip_prefix("Pss:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
    }
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let available_kb = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    (renderers, pss_kb * 1024, available_kb * 1024)
}

/// Established TCP connections in this namespace: (local port, remote port, socket inode).
fn tcp_connections() -> Vec<(u16, u16, u64)> {
    let port = |a: &str| {
        a.rsplit_once(':').and_then(|(_, p)| u16::from_str_radix(p, 16).ok()).unwrap_or(0)
    };
    let mut out = Vec::new();
    for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
        for line in std::fs::read_to_string(file).unwrap_or_default().lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            // State 01: established.
            if f.len() > 9 && f[3] == "01" {
                out.push((port(f[1]), port(f[2]), f[9].parse().unwrap_or(0)));
            }
        }
    }
    out
}

/// The socket inodes a process holds.
fn socket_inodes(pid: u32) -> std::collections::HashSet<u64> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        .filter_map(|l| {
            l.to_str()
                .and_then(|t| t.strip_prefix("socket:["))
                .and_then(|t| t.strip_suffix(']'))
                .and_then(|t| t.parse().ok())
        })
        .collect()
}

/// Connections open at the emulator (VAS) and to it, by who opened them.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Connections {
    /// Accepted by the emulator.
    pub(super) at_vas: usize,
    /// Opened to the emulator by the SFU (its event posts).
    pub(super) from_sfu: usize,
    /// Opened to the emulator by this process: VAS's front relaying the server's, and the marker feeder.
    pub(super) from_front: usize,
    /// Opened by the production server to VAS (the front): API requests and signaling relays.
    pub(super) from_server: usize,
    /// Of those, relayed by the front to the signaling server (one per viewer's live session).
    pub(super) signaling: usize,
}

impl Connections {
    pub(super) fn sample(rig: &Rig) -> Connections {
        let (vas, front) = (
            rig.backend().port(),
            rig.vas_url()
                .trim_end_matches('/')
                .rsplit(':')
                .next()
                .and_then(|p| p.parse::<u16>().ok())
                .unwrap_or(0),
        );
        let signaling =
            rig.control.rsplit(':').next().and_then(|p| p.parse::<u16>().ok()).unwrap_or(0);
        let (sfu, own, server) = (
            socket_inodes(rig.sfu_pid()),
            socket_inodes(std::process::id()),
            socket_inodes(rig.server_pid()),
        );
        let mut c = Connections::default();
        for (local, remote, inode) in tcp_connections() {
            c.at_vas += usize::from(local == vas);
            c.from_sfu += usize::from(remote == vas && sfu.contains(&inode));
            c.from_front += usize::from(remote == vas && own.contains(&inode));
            c.from_server += usize::from(remote == front && server.contains(&inode));
            c.signaling += usize::from(remote == signaling && own.contains(&inode));
        }
        c
    }

    pub(super) fn max(self, o: Connections) -> Connections {
        Connections {
            at_vas: self.at_vas.max(o.at_vas),
            from_sfu: self.from_sfu.max(o.from_sfu),
            from_front: self.from_front.max(o.from_front),
            from_server: self.from_server.max(o.from_server),
            signaling: self.signaling.max(o.signaling),
        }
    }
}
