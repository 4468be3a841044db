//! The live test rig: a real MediaSoup SFU with VAS's signaling, fed by FFmpeg, in a private network namespace.
//!
//! - `worker.rs`: builds the MediaSoup worker from the npm package, cached.
//! - `front.rs`: one origin for the viewer, the API and `/ws/mediasoup`.
//! - [`Rig`]: starts the demo backend (with live cameras), the signaling
//!   server (Node, `xtask/live-rig/sfu-server.mjs`) and the front, which
//!   together play VAS (API and `/ws/mediasoup` on one origin), and the
//!   production server (`vas-viewer-server`) in front of them, where the
//!   browser goes.
//! - `netns.rs`: the private network namespace the tests run in.
//! - `live_memory.rs`: the benchmark of the live page's memory under a dense model.
//! - `many_viewers.rs`: the benchmark of many viewers of the same cameras through the server (VAS's load, delays, the server's CPU).
//! - The live end-to-end tests that run on the rig are in `crate::e2e::live`.
//!
//! The Node parts live in `xtask/live-rig/` (its own `package.json`, pinned).

pub mod front;
pub mod live_memory;
pub mod many_viewers;
pub mod netns;
pub mod worker;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use serde_json::{json, Value};

use crate::{repo_root, run, Result};
use vas_emulator::{self as demo_backend, BackendConfig, LiveCameras, RunningBackend};

/// `xtask/live-rig/`: the Node package of the rig.
pub fn rig_dir() -> PathBuf {
    repo_root().join("xtask/live-rig")
}

/// Where built artefacts that outlive a clone are kept: `$VAS_RIG_CACHE`, else
/// `$XDG_CACHE_HOME/vas-overlay-viewer`, else `~/.cache/vas-overlay-viewer`.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("VAS_RIG_CACHE").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| repo_root().join("target"));
    base.join("vas-overlay-viewer")
}

/// `npm ci` (no install scripts: nothing is downloaded or built by npm) when
/// `node_modules` is missing or older than the lock file.
pub fn npm_ci(dir: &Path) -> Result {
    let lock = dir.join("package-lock.json");
    let marker = dir.join("node_modules/.package-lock.json");
    let fresh = match (
        std::fs::metadata(&lock).and_then(|m| m.modified()),
        std::fs::metadata(&marker).and_then(|m| m.modified()),
    ) {
        (Ok(l), Ok(m)) => m >= l,
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    println!("== npm ci in {}", dir.display());
    run(Command::new("npm")
        .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
        .current_dir(dir))
}

/// Whether `cargo xtask run` can add the live demo without building anything
/// for minutes: the worker is cached and Node and FFmpeg are installed.
pub fn demo_ready() -> bool {
    let have = |cmd: &str| {
        Command::new(cmd).arg("-version").output().is_ok()
            || Command::new(cmd).arg("--version").output().is_ok()
    };
    worker::cached_path().is_ok_and(|p| p.is_file()) && have("node") && have("ffmpeg")
}

/// The host's first non-loopback IPv4 address: where a browser on this
/// machine (outside any namespace) can reach the demo SFU.
pub fn host_ip() -> Option<String> {
    let out =
        Command::new("ip").args(["-4", "-o", "addr", "show", "scope", "global"]).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .skip_while(|w| *w != "inet")
        .nth(1)
        .and_then(|a| a.split('/').next())
        .map(str::to_owned)
}

/// The live demo's camera.
pub fn demo_options(front_bind: &str) -> RigOptions {
    RigOptions {
        cameras: vec![RigCamera::fed(
            "5e1f0000-0000-4000-8000-0000000de300",
            "Live demo scene (test rig)",
        )],
        rtc_ip: host_ip().unwrap_or_else(|| "127.0.0.1".into()),
        // As the unchanged VAS runs a real model: 10 events/s without track ids,
        // stamped a frame late, written 100-250 ms after their frame.
        events: RigEvents::vas_truthful(10, false),
        clock_offset_ms: 0,
        front_bind: front_bind.into(),
        dist_dir: None,
    }
}

/// Installs and builds everything the rig needs, outside any namespace
/// (registries are reachable only there): the worker, the Node packages,
/// the clock-shift library.
pub fn prepare() -> Result {
    // FFmpeg encodes the scene (libx264); iproute2 and util-linux make the namespace.
    worker::ensure_debian_packages(&["ffmpeg", "iproute2", "util-linux"])?;
    worker::ensure_worker()?;
    npm_ci(&rig_dir())?;
    clockshift_lib().map(|_| ())
}

/// One camera of the rig.
#[derive(Clone, Debug)]
pub struct RigCamera {
    pub id: String,
    pub name: String,
    /// Fed from the start; otherwise its producer list stays empty until a test starts a feed.
    pub feed: bool,
}

impl RigCamera {
    /// A camera fed from the start.
    pub fn fed(id: &str, name: &str) -> RigCamera {
        RigCamera { id: id.into(), name: name.into(), feed: true }
    }
}

/// How to run the rig.
#[derive(Clone, Debug)]
pub struct RigOptions {
    pub cameras: Vec<RigCamera>,
    /// The address the SFU's WebRTC transports listen on.
    pub rtc_ip: String,
    /// Which frames get an event, how it is stamped and when it is posted.
    pub events: RigEvents,
    /// The server's wall clock minus the real one (clock-skew tests); 0: unshifted.
    pub clock_offset_ms: i64,
    /// The built viewer served; None: `dist/`.
    pub dist_dir: Option<PathBuf>,
    /// Where the viewer's origin (the production server) listens, e.g. `127.0.0.1:0`.
    pub front_bind: String,
}

impl RigOptions {
    /// `cameras` and `events` in the tests' network namespace (`netns.rs`):
    /// the server's clock unshifted, `dist/` served on a free port.
    pub fn in_netns(cameras: Vec<RigCamera>, events: RigEvents) -> RigOptions {
        RigOptions {
            cameras,
            rtc_ip: netns::RTC_IP.into(),
            events,
            clock_offset_ms: 0,
            dist_dir: None,
            front_bind: "127.0.0.1:0".into(),
        }
    }
}

/// The rig's model: which frames get an event, how each is stamped and when
/// it is written to VAS (the SFU's `eventsPerSecond`, `trackIds`,
/// `stampLagMs`, `stampJitterMs`, `eventLatenessMs`, `eventLatenessMaxMs`).
#[derive(Clone, Debug, PartialEq)]
pub struct RigEvents {
    /// 30: an event for every frame; 10 and 5: for every 3rd and 6th frame.
    pub per_second: u32,
    /// Detections carry `track_id`.
    pub track_ids: bool,
    /// An event's stamp minus its frame's send time (ms), before jitter.
    pub stamp_lag_ms: f64,
    /// A uniform +- this (ms) added to each stamp.
    pub stamp_jitter_ms: f64,
    /// Each event is written to VAS after a uniform delay in this range (ms).
    pub lateness_ms: u32,
    pub lateness_max_ms: u32,
}

impl Default for RigEvents {
    /// The rig as it always ran: [`RigEvents::every_frame`], written 80 ms later.
    fn default() -> Self {
        Self::every_frame(80)
    }
}

impl RigEvents {
    /// An event for every frame, with track ids, stamped at the frame's send
    /// time and written `lateness_ms` later (the rig's first profile).
    pub fn every_frame(lateness_ms: u32) -> Self {
        RigEvents {
            per_second: 30,
            track_ids: true,
            stamp_lag_ms: 0.0,
            stamp_jitter_ms: 0.0,
            lateness_ms,
            lateness_max_ms: lateness_ms,
        }
    }

    /// The send time of a frame to VAS's stamp of it on the unchanged VAS:
    /// its reader takes the decoded picture one frame after it leaves on RTP.
    pub const VAS_STAMP_LAG_MS: f64 = 33.7;

    /// As the unchanged VAS stamps and writes a real model's events
    /// (vas-contract.md section 6): stamped one frame (33.7 ms, +-3 ms) after
    /// the picture leaves on RTP, written 100-250 ms after the frame.
    pub fn vas_truthful(per_second: u32, track_ids: bool) -> Self {
        RigEvents {
            per_second,
            track_ids,
            stamp_lag_ms: Self::VAS_STAMP_LAG_MS,
            stamp_jitter_ms: 3.0,
            lateness_ms: 100,
            lateness_max_ms: 250,
        }
    }
}

/// A running rig; dropping it stops every part.
pub struct Rig {
    sfu: Child,
    /// `http://127.0.0.1:PORT` of the signaling server (its `/__rig/` control API).
    pub control: String,
    front: front::Front,
    /// The production server in front of the rig: the viewer's origin.
    server: crate::viewer_server::ViewerServer,
    backend: RunningBackend,
    agent: ureq::Agent,
}

/// The camera objects the backend lists for the rig (VAS device shape;
/// the rtsp_url is a dummy that must never show).
fn device(c: &RigCamera) -> Value {
    json!({
        "id": c.id, "name": c.name, "description": "the live test rig's generated scene",
        "rtsp_url": "rtsp://rig:secret@127.0.0.1/never-shown", "is_active": true, "location": "live rig",
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
    })
}

/// The clock-shift preload library, compiled once into the cache.
fn clockshift_lib() -> Result<PathBuf> {
    let src = rig_dir().join("clockshift.c");
    let text = std::fs::read(&src).map_err(|e| anyhow!("{}: {e:#}", src.display()))?;
    let key = text
        .iter()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3));
    let lib = cache_dir().join(format!("clockshift-{key:016x}.so"));
    if !lib.is_file() {
        std::fs::create_dir_all(cache_dir())?;
        run(Command::new("cc")
            .args(["-shared", "-fPIC", "-O2", "-o"])
            .arg(&lib)
            .arg(&src)
            .arg("-ldl"))?;
    }
    Ok(lib)
}

impl Rig {
    /// Starts the backend, the SFU and the front; `prepare` must have run
    /// (inside the test namespace there is no network to install anything).
    pub fn start(opts: &RigOptions) -> Result<Rig> {
        let worker = worker::cached_path()?;
        if !worker.is_file() || !rig_dir().join("node_modules/mediasoup").is_dir() {
            bail!("the live rig is not prepared (cargo xtask rig build-worker)");
        }
        let root = repo_root();
        let live = LiveCameras { devices: opts.cameras.iter().map(device).collect() };
        let backend = demo_backend::start_with_live(
            BackendConfig {
                dist_dir: opts.dist_dir.clone().unwrap_or_else(|| root.join("dist")),
                data_dir: Some(root.join("static/demo")),
                // VAS with auth on: the production server holds the key.
                api_key: Some(crate::viewer_server::EMULATED_VAS_KEY.into()),
                viewer_api_key: None,
                day_speed: None,
            },
            "127.0.0.1:0",
            Some(live),
        )
        .context("demo backend")?;
        let config = json!({
            "workerBin": worker,
            "port": 0,
            "rtcIp": opts.rtc_ip,
            "cameras": opts.cameras.iter().map(|c| json!({"id": c.id, "feed": c.feed})).collect::<Vec<_>>(),
            "eventsUrl": format!("{}__live/events", backend.url()),
            "eventLatenessMs": opts.events.lateness_ms,
            "eventLatenessMaxMs": opts.events.lateness_max_ms,
            "eventsPerSecond": opts.events.per_second,
            "trackIds": opts.events.track_ids,
            "stampLagMs": opts.events.stamp_lag_ms,
            "stampJitterMs": opts.events.stamp_jitter_ms,
        });
        let mut cmd = Command::new("node");
        cmd.arg(rig_dir().join("sfu-server.mjs"))
            .arg(config.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if opts.clock_offset_ms != 0 {
            cmd.env("LD_PRELOAD", clockshift_lib()?)
                .env("RIG_CLOCK_OFFSET_MS", opts.clock_offset_ms.to_string());
        }
        let mut sfu = cmd.spawn().context("could not start node")?;
        // The first `ready` line is the answer.
        let ready = crate::wait_for_stdout_line(&mut sfu, Duration::from_secs(30), |line| {
            serde_json::from_str::<Value>(line).ok().and_then(|v| v["ready"]["port"].as_u64())
        });
        let port = match ready {
            Some(p) => p,
            None => {
                let _ = sfu.kill();
                bail!("the signaling server did not start within 30 s");
            }
        };
        let signaling: std::net::SocketAddr =
            format!("127.0.0.1:{port}").parse().map_err(|e| anyhow!("{e:#}"))?;
        let backend_addr: std::net::SocketAddr =
            format!("127.0.0.1:{}", backend.port()).parse().map_err(|e| anyhow!("{e:#}"))?;
        let front = front::Front::start("127.0.0.1:0", backend_addr, signaling).context("front")?;
        let dist = opts.dist_dir.clone().unwrap_or_else(|| root.join("dist"));
        let site = format!("rig-{}", front.addr.port());
        let key = Some(crate::viewer_server::EMULATED_VAS_KEY.into());
        let server = crate::viewer_server::in_front_of(
            &front.url(),
            &dist,
            Some(&root.join("static/demo")),
            &site,
            &opts.front_bind,
            key,
            &[],
        )
        .map_err(|e| anyhow!("the viewer's server on {}: {e:#}", opts.front_bind))?;
        Ok(Rig {
            sfu,
            control: format!("http://127.0.0.1:{port}"),
            front,
            server,
            backend,
            agent: ureq::AgentBuilder::new().timeout(Duration::from_secs(20)).build(),
        })
    }

    /// The viewer's URL: the production server, the one origin of the
    /// viewer, the API and the signaling socket.
    pub fn url(&self) -> String {
        self.server.url().to_owned()
    }

    /// The emulated VAS itself (its request log).
    pub fn backend(&self) -> &RunningBackend {
        &self.backend
    }

    /// The production server's process id.
    pub fn server_pid(&self) -> u32 {
        self.server.pid()
    }

    /// The signaling server's process id (its worker and FFmpeg feeds descend from it).
    pub fn sfu_pid(&self) -> u32 {
        self.sfu.id()
    }

    /// GET on the signaling server's control API.
    /// Refuses the next `count` signaling connections at the front (see [`front::Front::refuse_signaling`]).
    pub fn refuse_signaling(&self, count: usize) {
        self.front.refuse_signaling(count);
    }

    /// Signaling connections the front has still to refuse.
    pub fn signaling_refusals_left(&self) -> usize {
        self.front.signaling_refusals_left()
    }

    /// VAS as the rig plays it (the front: API and `/ws/mediasoup` on one origin).
    pub fn vas_url(&self) -> String {
        self.front.url()
    }

    /// Signaling sessions of the production server still open at VAS's side.
    pub fn signaling_clients_open(&self) -> usize {
        self.front.signaling_clients_open()
    }

    /// Connections VAS's relay (the front) kept to the signaling server after their client left.
    pub fn signaling_leaked(&self) -> usize {
        self.front.signaling_leaked()
    }

    pub fn get(&self, path: &str) -> Result<Value> {
        Ok(self
            .agent
            .get(&format!("{}{path}", self.control))
            .call()
            .with_context(|| path.to_owned())?
            .into_json()?)
    }

    /// POST on the signaling server's control API.
    pub fn post(&self, path: &str, body: Value) -> Result<Value> {
        Ok(self
            .agent
            .post(&format!("{}{path}", self.control))
            .send_json(body)
            .with_context(|| path.to_owned())?
            .into_json()?)
    }

    /// GET on the demo backend (through the front).
    pub fn api(&self, path_and_query: &str) -> Result<Value> {
        let url = format!("{}{}", self.url(), path_and_query.trim_start_matches('/'));
        Ok(self.agent.get(&url).call().with_context(|| url.clone())?.into_json()?)
    }
}

impl Drop for Rig {
    fn drop(&mut self) {
        // SIGTERM lets the server stop its FFmpeg children and the worker.
        crate::stop_child(&mut self.sfu, Duration::from_secs(5));
    }
}
