//! The command line of `cargo xtask`, declared once: its help text is generated from these declarations and cannot drift.

#![allow(unreachable_pub)]

use std::path::PathBuf;

xflags::xflags! {
    src "./src/flags.rs"

    /// Project automation of the VAS overlay viewer (see README.md and BENCHMARKS.md).
    cmd xtask {
        /// Build the viewer and the production server (vas-viewer-server) and
        /// serve the viewer through it on 127.0.0.1: by default in front of the
        /// VAS emulator with the bundled demo (and the live rig when installed);
        /// with --vas in front of a real VAS, its key read from VAS_API_KEY.
        cmd run {
            /// The port on 127.0.0.1 (default 8080).
            optional --port port: u16
            /// A real VAS at this http(s) URL, in place of the emulator.
            optional --vas url: String
            /// The emulator replays this data dir (camera.json, events.json, clip) in place of the demo.
            optional --data dir: PathBuf
            /// After `--`, with --vas only: flags for vas-viewer-server, e.g.
            /// -- --listen 0.0.0.0:443 --server-name NAME --tls-cert FILE --tls-key FILE.
            repeated server_flags: String
        }

        /// Install what tests need, run native, browser, end-to-end and live tests.
        cmd test {}

        /// Measure the overlay in headless Chromium and print one table (see BENCHMARKS.md).
        cmd bench {
            /// 3 s windows (and criterion's --quick for the core).
            optional --quick
            /// Both renderers pinned from 10 to 1000 boxes.
            optional --crossover
            /// Where the main thread's time goes, by trace event.
            optional --breakdown
            /// The canvas and DOM micro-benchmarks instead.
            optional --micro
            /// The production build's sizes only.
            optional --sizes
            /// The core's native benchmark only (criterion).
            optional --core
            /// The production server's added latency and memory beside direct requests.
            optional --server
            /// What VAS pays for 1, 10 and 50 live viewers of a camera and 16 cameras x 3
            /// (native viewers), the server's answer cache on and off.
            optional --viewers
            /// The live page's browser-measured memory on the live rig: 2 min as it is,
            /// then --minutes (10) with a dense model added.
            optional --live-memory
            /// 1, 10 and 50 viewers of one live camera, then 16 cameras x 3 viewers, on the
            /// live rig through the server: VAS's requests and bytes per minute, insert-to-drawn
            /// delay, the server's CPU and memory; --minutes (1) each.
            optional --many-viewers
            /// Frame accuracy on the live rig with events stamped as the unchanged VAS stamps
            /// them: 30, 10 and 5 events/s, with and without track ids, stamps moved by 0,
            /// +-1 frame, +-0.5 s and +-2 s, and a still scene; 20 s per case (10 with --quick).
            optional --live-calibration
            /// The recordings page on a day of VAS recording (14,400 segments, growing) beside
            /// the demo recording, through the server; --minutes (2) of play per page, (1) at x60.
            optional --day-recording
            /// The clock offset learnt from the picture on recordings: events at 30, 10 and 5
            /// per second, with and without track ids, stamped 0, +-1 frame, +-0.5 s, +-2 s off.
            optional --picture-clock
            /// With --day-recording: another viewer build (a directory with index.html).
            optional --dist dir: PathBuf
            /// With --live-memory, --many-viewers or --day-recording: the minutes of each window.
            optional --minutes minutes: f64
            /// Only the scenes (with --picture-clock: the cases, e.g. "5/s tracked +2000") whose
            /// name contains this text.
            optional --only text: String
            /// Skip the core's native benchmark.
            optional --no-core
            /// Skip the memory measurement.
            optional --no-memory
        }

        /// Build the viewer into dist/ (release).
        cmd build {}

        /// The end-to-end stage alone, against the current dist/ (it builds the
        /// test-only fault-injection copy first).
        cmd e2e {
            /// One part: clip, recordings, day, faults, hls, shared, panic, secrets, static or server.
            optional --only part: String
        }

        /// The live stage alone (the real MediaSoup SFU in a private network
        /// namespace), against the current dist/.
        cmd live-e2e {}

        /// Install the build tools only.
        cmd setup {}

        /// The live test rig's parts by hand.
        cmd rig {
            /// Build (or find cached) the MediaSoup worker of the live test rig.
            cmd build-worker {}
            /// Inside the private network namespace that the live stage and benchmarks
            /// make (`unshare --net`): test, bench-memory MINUTES, bench-viewers MINUTES or
            /// bench-calibration SECONDS.
            cmd inside-netns {
                required stage: String
                optional minutes: String
            }
        }
    }
}
/// The help of `cargo xtask`, as `cargo xtask --help` prints it.
pub fn usage() -> &'static str {
    Xtask::HELP_
}

// generated start
// The following code is generated by `xflags` macro.
// Run `env UPDATE_XFLAGS=1 cargo build` to regenerate.
#[derive(Debug)]
pub struct Xtask {
    pub subcommand: XtaskCmd,
}

#[derive(Debug)]
pub enum XtaskCmd {
    Run(Run),
    Test(Test),
    Bench(Bench),
    Build(Build),
    E2e(E2e),
    LiveE2e(LiveE2e),
    Setup(Setup),
    Rig(Rig),
}

#[derive(Debug)]
pub struct Run {
    pub server_flags: Vec<String>,

    pub port: Option<u16>,
    pub vas: Option<String>,
    pub data: Option<PathBuf>,
}

#[derive(Debug)]
pub struct Test;

#[derive(Debug)]
pub struct Bench {
    pub quick: bool,
    pub crossover: bool,
    pub breakdown: bool,
    pub micro: bool,
    pub sizes: bool,
    pub core: bool,
    pub server: bool,
    pub viewers: bool,
    pub live_memory: bool,
    pub many_viewers: bool,
    pub live_calibration: bool,
    pub day_recording: bool,
    pub picture_clock: bool,
    pub dist: Option<PathBuf>,
    pub minutes: Option<f64>,
    pub only: Option<String>,
    pub no_core: bool,
    pub no_memory: bool,
}

#[derive(Debug)]
pub struct Build;

#[derive(Debug)]
pub struct E2e {
    pub only: Option<String>,
}

#[derive(Debug)]
pub struct LiveE2e;

#[derive(Debug)]
pub struct Setup;

#[derive(Debug)]
pub struct Rig {
    pub subcommand: RigCmd,
}

#[derive(Debug)]
pub enum RigCmd {
    BuildWorker(BuildWorker),
    InsideNetns(InsideNetns),
}

#[derive(Debug)]
pub struct BuildWorker;

#[derive(Debug)]
pub struct InsideNetns {
    pub stage: String,
    pub minutes: Option<String>,
}

impl Xtask {
    #[allow(dead_code)]
    pub fn from_env_or_exit() -> Self {
        Self::from_env_or_exit_()
    }

    #[allow(dead_code)]
    pub fn from_env() -> xflags::Result<Self> {
        Self::from_env_()
    }

    #[allow(dead_code)]
    pub fn from_vec(args: Vec<std::ffi::OsString>) -> xflags::Result<Self> {
        Self::from_vec_(args)
    }
}
// generated end

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> xflags::Result<Xtask> {
        Xtask::from_vec(line.split_whitespace().map(Into::into).collect())
    }

    #[test]
    fn run_passes_what_follows_the_double_dash_to_the_server() {
        let flags = parse(
            "run --port 9000 --vas https://vas:8000 -- --listen 0.0.0.0:443 --tls-cert c.pem",
        )
        .unwrap();
        let XtaskCmd::Run(run) = flags.subcommand else { panic!("not run: {flags:?}") };
        assert_eq!(run.port, Some(9000));
        assert_eq!(run.vas.as_deref(), Some("https://vas:8000"));
        assert_eq!(run.server_flags, ["--listen", "0.0.0.0:443", "--tls-cert", "c.pem"]);
    }

    #[test]
    fn every_documented_command_parses() {
        for line in [
            "run",
            "run --data static/demo",
            "test",
            "build",
            "setup",
            "e2e",
            "e2e --only clip",
            "live-e2e",
            "bench --quick --only viewer --no-memory",
            "bench --quick --crossover --breakdown --micro --sizes --core --no-core",
            "bench --server",
            "bench --viewers",
            "bench --live-memory --minutes 10",
            "bench --many-viewers --minutes 0.5",
            "bench --live-calibration --quick",
            "bench --day-recording --dist dist --minutes 2",
            "rig build-worker",
            "rig inside-netns test",
            "rig inside-netns bench-memory 10",
            "rig inside-netns bench-calibration 20",
        ] {
            assert!(parse(line).is_ok(), "{line}: {:?}", parse(line).err().map(|e| e.to_string()));
        }
    }

    #[test]
    fn bad_command_lines_are_refused() {
        for line in ["", "bench --bogus", "run --port x", "e2e --only", "rig", "nope"] {
            assert!(parse(line).is_err(), "{line} was accepted");
        }
    }
}
