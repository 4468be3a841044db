//! CPU time of the browser's processes from `/proc`, per process kind and thread group.
//!
//! Chromium's trace shows what the renderer's main thread did; the CPU the
//! whole browser spends on a frame also includes the compositor and raster
//! threads, video decoding and the GPU (display compositor) process. The
//! kernel's per-thread counters cover all of it, whatever the trace records.

use std::collections::{BTreeMap, HashMap};
use std::process::Command;

/// The CPU time (user + system, in clock ticks) of every thread below a process.
#[derive(Debug, Clone, Default)]
pub struct ProcessCpu {
    /// (pid, tid) -> (group, ticks)
    threads: HashMap<(u32, u32), (String, u64)>,
    ticks_per_sec: f64,
}

fn clock_ticks_per_sec() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// (comm, fields after the comm) of a `stat` file; the comm may hold spaces and parentheses.
fn parse_stat(text: &str) -> Option<(String, Vec<&str>)> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text[open + 1..close].to_owned();
    Some((comm, text[close + 1..].split_whitespace().collect()))
}

/// The kind of a Chromium process, from its `--type=` flag.
fn process_kind(pid: u32) -> String {
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    // Chromium rewrites its children's command lines into one space-separated string.
    let args: Vec<String> = String::from_utf8_lossy(&cmdline)
        .split(['\0', ' '])
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .collect();
    let exe = args.first().map(String::as_str).unwrap_or("");
    if exe.contains("chromedriver") {
        return "driver".into();
    }
    match args.iter().find_map(|a| a.strip_prefix("--type=")) {
        // The browser's own UI (tab strip and the like) renders in processes of its own.
        Some("renderer") if args.iter().any(|a| a == "--top-chrome-webui") => "webui".into(),
        Some("renderer") => "renderer".into(),
        Some("gpu-process") => "gpu".into(),
        Some("zygote") => "zygote".into(),
        Some(_) => "utility".into(),
        None => "browser".into(),
    }
}

/// The group a thread's time is reported under. A process's main thread
/// keeps the process's name (`chromium`), so it is told by `is_main`.
fn thread_group(kind: &str, name: &str, is_main: bool) -> String {
    let sub = match kind {
        "renderer" if is_main || name == "CrRendererMain" => "main",
        "renderer" if name == "Compositor" => "compositor",
        "renderer" if name.starts_with("CompositorTile") => "raster",
        "renderer"
            if name.starts_with("Media")
                || name.starts_with("VideoFrame")
                || name.contains("Decoder") =>
        {
            "media"
        }
        "renderer" => "other",
        _ => "all",
    };
    format!("{kind}/{sub}")
}

/// `root` and every process below it.
pub fn descendants(root: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        if let Some(ppid) =
            parse_stat(&stat).and_then(|(_, f)| f.get(1).and_then(|p| p.parse::<u32>().ok()))
        {
            children.entry(ppid).or_default().push(pid);
        }
    }
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        if let Some(c) = children.get(&out[i]) {
            out.extend(c);
        }
        i += 1;
    }
    out
}

impl ProcessCpu {
    /// Reads every thread of `root` and its descendants.
    pub fn snapshot(root: u32) -> Self {
        let mut threads = HashMap::new();
        for pid in descendants(root) {
            let kind = process_kind(pid);
            for task in
                std::fs::read_dir(format!("/proc/{pid}/task")).into_iter().flatten().flatten()
            {
                let Some(tid) = task.file_name().to_str().and_then(|n| n.parse::<u32>().ok())
                else {
                    continue;
                };
                let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/stat"))
                else {
                    continue;
                };
                let Some((comm, f)) = parse_stat(&stat) else { continue };
                // After the comm: state is field 3, so utime (14) and stime (15) are at 11 and 12.
                let ticks = f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
                    + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
                threads.insert((pid, tid), (thread_group(&kind, &comm, tid == pid), ticks));
            }
        }
        Self { threads, ticks_per_sec: clock_ticks_per_sec() }
    }

    /// Milliseconds of CPU per group spent between `self` (earlier) and `later`.
    pub fn ms_since(&self, later: &ProcessCpu) -> BTreeMap<String, f64> {
        let mut out: BTreeMap<String, f64> = BTreeMap::new();
        for (key, (group, ticks)) in &later.threads {
            let before = self.threads.get(key).map_or(0, |(_, t)| *t);
            let ms = ticks.saturating_sub(before) as f64 * 1000.0 / later.ticks_per_sec;
            *out.entry(group.clone()).or_default() += ms;
        }
        out
    }
}

/// CPU time the whole machine has spent busy (all cores, all processes) since boot, ms.
pub fn machine_busy_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = stat.lines().next() else { return 0.0 };
    // cpu user nice system idle iowait irq softirq steal ...: everything but idle and iowait.
    let v: Vec<u64> = line.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
    let busy: u64 =
        v.iter().enumerate().filter(|(i, _)| *i != 3 && *i != 4).map(|(_, x)| *x).take(6).sum();
    busy as f64 * 1000.0 / clock_ticks_per_sec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_with_odd_thread_names() {
        let (comm, f) = parse_stat("123 (Compositor) S 1 2 3").unwrap();
        assert_eq!((comm.as_str(), f[0], f[1]), ("Compositor", "S", "1"));
        let (comm, f) = parse_stat("9 (a (b) c) R 7 0").unwrap();
        assert_eq!((comm.as_str(), f[1]), ("a (b) c", "7"));
        assert_eq!(thread_group("renderer", "CompositorTileW", false), "renderer/raster");
        assert_eq!(thread_group("renderer", "chromium", true), "renderer/main");
        assert_eq!(thread_group("gpu", "VizCompositorTh", false), "gpu/all");
    }

    #[test]
    fn this_process_has_cpu_time() {
        let me = std::process::id();
        let a = ProcessCpu::snapshot(me);
        let t0 = std::time::Instant::now();
        let mut x = 0u64;
        while t0.elapsed().as_millis() < 60 {
            x = x.wrapping_add(std::hint::black_box(1));
        }
        let b = ProcessCpu::snapshot(me);
        let total: f64 = a.ms_since(&b).values().sum();
        assert!(total >= 10.0, "{total} ms ({x})");
    }
}
