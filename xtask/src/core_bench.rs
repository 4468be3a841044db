//! The core's native benchmark (`benches/core.rs`, criterion): runs it, and summarizes criterion's estimates in three tables.
//!
//! Criterion writes each benchmark's estimates to
//! `target/criterion/<group>/<benchmark>/<parameter>/new/estimates.json`
//! (times in ns per iteration) and its throughput (elements per iteration)
//! to `benchmark.json` beside it. The summary takes the median of each.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use anyhow::{anyhow, Context};
use serde_json::Value;

use crate::{run, Result};

/// Runs every benchmark once in criterion's test mode (nothing timed), so the benchmark cannot rot.
pub fn test_once(root: &Path) -> Result {
    run(Command::new("cargo").args(["bench", "--bench", "core", "--", "--test"]).current_dir(root))
}

/// Runs the benchmark (criterion's `--quick` when `quick`) and returns the summary of its results.
pub fn run_and_summarize(root: &Path, quick: bool) -> Result<String> {
    println!(
        "== core benchmark (cargo bench --bench core{})",
        if quick { " -- --quick" } else { "" }
    );
    let mut cmd = Command::new("cargo");
    cmd.args(["bench", "--bench", "core"]).current_dir(root);
    if quick {
        cmd.args(["--", "--quick"]);
    }
    run(&mut cmd)?;
    summary(&root.join("target/criterion"))
}

/// One benchmark's median: ns per iteration and elements per iteration.
struct Figure {
    ns: f64,
    elements: f64,
}

impl Figure {
    fn per_second(&self) -> f64 {
        self.elements / (self.ns * 1e-9)
    }

    fn ns_per_element(&self) -> f64 {
        self.ns / self.elements
    }
}

fn read_json(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|e| anyhow!("{}: {e:#}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| anyhow!("{}: {e:#}", path.display()))
}

/// The median of benchmark `id` (`group/benchmark/parameter`), or None when criterion has no result for it.
fn figure(dir: &Path, id: &str) -> Result<Option<Figure>> {
    let new = dir.join(id).join("new");
    if !new.join("estimates.json").exists() {
        return Ok(None);
    }
    let ns = read_json(&new.join("estimates.json"))?["median"]["point_estimate"]
        .as_f64()
        .with_context(|| format!("{id}: no median in estimates.json"))?;
    let elements = read_json(&new.join("benchmark.json"))?["throughput"]["Elements"]
        .as_f64()
        .with_context(|| format!("{id}: no element throughput in benchmark.json"))?;
    Ok(Some(Figure { ns, elements }))
}

/// A duration given in ns, in the unit that suits it.
fn duration(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} us", ns / 1e3)
    } else {
        format!("{ns:.1} ns")
    }
}

/// A rate with thousands separators (1,234,567) or in millions above ten million.
fn rate(per_s: f64) -> String {
    if per_s >= 1e7 {
        return format!("{:.1} M", per_s / 1e6);
    }
    let digits = format!("{:.0}", per_s);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn cell(f: &Option<Figure>, show: impl Fn(&Figure) -> String) -> String {
    f.as_ref().map(show).unwrap_or_else(|| "-".into())
}

/// The three tables, from the results in `dir` (`target/criterion`).
pub fn summary(dir: &Path) -> Result<String> {
    let sizes = [("10^4", 10_000), ("10^5", 100_000), ("10^6", 1_000_000)];
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Store by events held (one model, an event every 33 ms with one box); medians:\n"
    );
    let _ = writeln!(out, "| | {} | 10^6 / 10^4 |", sizes.map(|s| s.0).join(" | "));
    let _ = writeln!(out, "| --- | --: | --: | --: | --: |");
    let store_rows: [(&str, &str, bool); 4] = [
        ("query in playback (select + layout), per frame", "query_playback", false),
        ("query after a seek, per frame", "query_seek", false),
        ("ingest a page of 1,000 into this store, events/s", "ingest_page", true),
        ("fill an empty store, events/s", "fill", true),
    ];
    for (label, bench, is_rate) in store_rows {
        let figures: Vec<Option<Figure>> = sizes
            .iter()
            .map(|(_, n)| figure(dir, &format!("store/{bench}/{n}")))
            .collect::<Result<_>>()?;
        let cells: Vec<String> = figures
            .iter()
            .map(|f| {
                cell(
                    f,
                    |f| if is_rate { rate(f.per_second()) } else { duration(f.ns_per_element()) },
                )
            })
            .collect();
        // The cost per element at 10^6 over that at 10^4: 1.00 is flat.
        let ratio = match (&figures[0], &figures[2]) {
            (Some(a), Some(b)) => format!("{:.2}", b.ns_per_element() / a.ns_per_element()),
            _ => "-".into(),
        };
        let _ = writeln!(out, "| {label} | {} | {ratio} |", cells.join(" | "));
    }
    let _ = writeln!(out, "\n(10^6 / 10^4: the cost per frame or per event at 10^6 events held over that at 10^4; 1.00 is flat.)");

    let _ = writeln!(out, "\nOne frame by boxes per frame (an event per frame with all of them); median per frame (boxes/s):\n");
    let _ = writeln!(out, "| boxes | select | select + layout | canvas plan | tracked: select | select + layout | canvas plan |");
    let _ = writeln!(out, "| --: | --: | --: | --: | --: | --: | --: |");
    for boxes in [10, 100, 1000, 5000] {
        let mut cells = Vec::new();
        for suffix in ["", "_tracked"] {
            for bench in ["select", "select_layout", "canvas_plan"] {
                let f = figure(dir, &format!("frame/{bench}{suffix}/{boxes}"))?;
                cells.push(cell(&f, |f| format!("{} ({})", duration(f.ns), rate(f.per_second()))));
            }
        }
        let _ = writeln!(out, "| {boxes} | {} |", cells.join(" | "));
    }

    let _ = writeln!(out, "\nPayload normalization; median:\n");
    let _ = writeln!(out, "| shape | detections a payload | per detection | detections/s |");
    let _ = writeln!(out, "| --- | --: | --: | --: |");
    let shapes = [
        ("canonical corner bbox, normalized", "canonical", 100),
        ("corner bbox in pixels (objects)", "corner_pixels", 100),
        ("x/y/w/h normalized (boxes)", "xywh", 100),
        ("left/top/width/height in pixels", "ltwh_pixels", 100),
        ("canonical corner bbox, normalized", "canonical", 5000),
    ];
    for (label, bench, n) in shapes {
        let f = figure(dir, &format!("normalize/{bench}/{n}"))?;
        let _ = writeln!(
            out,
            "| {label} | {n} | {} | {} |",
            cell(&f, |f| duration(f.ns_per_element())),
            cell(&f, |f| rate(f.per_second()))
        );
    }

    let _ = writeln!(out, "\nOne reload of VAS's rolling playlist (one entry rolled off, one new) through the fixer and the recording clock; median per reload:\n");
    let _ = writeln!(out, "| entries listed | incremental | parsed whole | whole / incremental |");
    let _ = writeln!(out, "| --: | --: | --: | --: |");
    for n in [720, 14_400] {
        let (inc, whole) = (
            figure(dir, &format!("playlist/reload/{n}"))?,
            figure(dir, &format!("playlist/reload_whole/{n}"))?,
        );
        let ratio = match (&inc, &whole) {
            (Some(a), Some(b)) => format!("{:.0}", b.ns / a.ns),
            _ => "-".into(),
        };
        let _ = writeln!(
            out,
            "| {n} | {} | {} | {ratio} |",
            cell(&inc, |f| duration(f.ns)),
            cell(&whole, |f| duration(f.ns))
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_rate(per_s: f64, expected: &str) {
        assert_eq!(rate(per_s), expected, "rate({per_s})");
    }

    #[test]
    fn rates_read_easily() {
        check_rate(0.4, "0");
        check_rate(999.0, "999");
        check_rate(1000.0, "1,000");
        check_rate(786_766.2, "786,766");
        check_rate(9_999_999.0, "9,999,999");
        check_rate(12_340_000.0, "12.3 M");
    }

    #[test]
    fn summary_reads_criterion_files_and_leaves_gaps_for_missing_ones() {
        let dir =
            std::env::temp_dir().join(format!("vas-core-bench-summary-{}", std::process::id()));
        let write = |id: &str, ns: f64, elements: u64| {
            let new = dir.join(id).join("new");
            std::fs::create_dir_all(&new).unwrap();
            std::fs::write(
                new.join("estimates.json"),
                format!(r#"{{"median": {{"point_estimate": {ns}}}}}"#),
            )
            .unwrap();
            std::fs::write(
                new.join("benchmark.json"),
                format!(r#"{{"throughput": {{"Elements": {elements}}}}}"#),
            )
            .unwrap();
        };
        write("store/query_playback/10000", 1000.0, 1);
        write("store/query_playback/1000000", 1500.0, 1);
        write("store/ingest_page/10000", 2e6, 1000);
        write("normalize/xywh/100", 16_000.0, 100);
        let text = summary(&dir).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            text.contains(
                "| query in playback (select + layout), per frame | 1.00 us | - | 1.50 us | 1.50 |"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "| ingest a page of 1,000 into this store, events/s | 500,000 | - | - | - |"
            ),
            "{text}"
        );
        assert!(
            text.contains("| x/y/w/h normalized (boxes) | 100 | 160.0 ns | 6,250,000 |"),
            "{text}"
        );
    }
}
