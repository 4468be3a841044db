//! The shared state of a running emulator: configuration, demo data, and the
//! run-time state behind one lock.

use std::path::PathBuf;
use std::sync::{Condvar, Mutex, MutexGuard};

use crate::demo_data::DemoData;
use crate::run_time_state::RunTimeState;

/// A running emulator's state, shared by the connection threads, the live
/// generators and [`crate::RunningBackend`].
pub(crate) struct Emulator {
    pub(crate) dist_dir: PathBuf,
    pub(crate) data: Box<DemoData>,
    /// VAS's environment key (see [`crate::BackendConfig::api_key`]).
    pub(crate) api_key: Option<String>,
    /// Logs every request to stderr (`VAS_DEMO_LOG=1`).
    pub(crate) log_to_stderr: bool,
    /// `127.0.0.1:PORT`: the host of redirects when a request names none.
    pub(crate) local_host: String,
    /// Faults, inserted rows, generators, the request log.
    pub(crate) run_time: Mutex<RunTimeState>,
    /// Wakes generators and delayed replies (on reset and shutdown).
    pub(crate) wake: Condvar,
    /// `apiKey` of the generated `/config.json`.
    pub(crate) viewer_api_key: Option<String>,
    /// Secrets whose occurrences the log records (see `watch_secrets`).
    pub(crate) watched: Mutex<Vec<(String, String)>>,
}

impl Emulator {
    /// The run-time state; a panic elsewhere never locks tests out.
    pub(crate) fn lock(&self) -> MutexGuard<'_, RunTimeState> {
        self.run_time.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Back to the started state: no faults, no inserted events, generators
    /// stopped (and joined), request log and counters cleared.
    pub(crate) fn reset(&self) {
        let generators = {
            let mut ctl = self.lock();
            let generators = std::mem::take(&mut ctl.generators);
            *ctl = RunTimeState {
                generation: ctl.generation + 1,
                shutting_down: ctl.shutting_down,
                ..RunTimeState::default()
            };
            generators
        };
        self.wake.notify_all();
        for generator in generators {
            let _ = generator.join();
        }
    }
}
