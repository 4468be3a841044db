//! The in-page probe (`probe.js`) of the alignment and calibration runs: a page recorded, and the frame numbering its pixel reads give.

use std::collections::HashMap;

use anyhow::bail;
use serde_json::{json, Value};

use crate::browser::Browser;
use crate::{repo_root, Result};

/// Records, in the live page, the frames presented and what the overlay drew (see its notes).
const PROBE_JS: &str = include_str!("probe.js");

/// Opens `page`, records it with the probe for `probe_ms`, then leaves for
/// `leave`; the raw record stays for inspection as `target/<raw_name>.json`.
pub(super) fn record(
    browser: &Browser,
    page: &str,
    leave: &str,
    probe_ms: u64,
    raw_name: &str,
) -> Result<Value> {
    browser.goto(page)?;
    let probe = browser.execute_async(PROBE_JS, json!([probe_ms]));
    browser.goto(leave)?;
    let probe = probe?;
    if let Some(e) = probe["error"].as_str() {
        bail!("probe: {e}");
    }
    let _ = std::fs::write(repo_root().join(format!("target/{raw_name}.json")), probe.to_string());
    Ok(probe)
}

/// Extends RTP timestamps around a reference without wrapping.
fn unwrap_rtp(reference: u32, rtp: u32) -> i64 {
    i64::from(reference) + i64::from(rtp.wrapping_sub(reference) as i32)
}

/// RTP time to the frame number burned into the pixels, learnt from a probe's
/// pixel reads: RTP time = offset + 3000 * frame number, the most common offset
/// winning (single misreads do not matter).
pub(super) struct FrameNumbering {
    reference: u32,
    offset: i64,
    /// Pixel reads the probe made.
    pub reads: usize,
}

impl FrameNumbering {
    /// None when no frame number was read.
    pub(super) fn learn(probe: &Value) -> Option<FrameNumbering> {
        let reads: Vec<(u32, i64)> = probe["reads"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| Some((r[0].as_u64()? as u32, r[1].as_i64()?)))
            .collect();
        let reference = reads.first()?.0;
        let mut offsets: HashMap<i64, usize> = HashMap::new();
        for (rtp, n) in &reads {
            *offsets.entry(unwrap_rtp(reference, *rtp) - 3000 * n).or_default() += 1;
        }
        let offset = offsets.into_iter().max_by_key(|(_, c)| *c).map(|(o, _)| o)?;
        Some(FrameNumbering { reference, offset, reads: reads.len() })
    }

    /// The frame number of an RTP timestamp; None off the 3000-tick grid.
    pub(super) fn frame(&self, rtp: u64) -> Option<i64> {
        let ext = unwrap_rtp(self.reference, rtp as u32) - self.offset;
        (ext % 3000 == 0).then_some(ext / 3000)
    }
}
