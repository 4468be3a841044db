//! End-to-end, the production server's command line: bad flags and an unreachable or refusing VAS each get a message that says what to do.
//!
//! Runs the built `vas-viewer-server` binary as an operator would: with
//! flags that cannot work (exit 2 and a message, nothing served), and with
//! `--check` against the emulator playing VAS with auth on, given no key,
//! a wrong key, a key created in VAS's database, the right key, and against
//! a port where nothing listens.

use std::path::Path;
use std::process::Command;

use anyhow::Context;

use crate::viewer_server::{self, EMULATED_VAS_KEY};
use crate::Result;
use vas_emulator::Faults;

/// Runs the binary with `args` and `VAS_API_KEY` = `key`; (exit code, stdout + stderr).
fn server(args: &[&str], key: Option<&str>) -> Result<(i32, String)> {
    let mut cmd = Command::new(viewer_server::binary());
    cmd.args(args).env_remove("VAS_API_KEY").env("RUST_LOG", "error");
    if let Some(k) = key {
        cmd.env("VAS_API_KEY", k);
    }
    let out = cmd.output().context("vas-viewer-server")?;
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    Ok((out.status.code().unwrap_or(-1), text.trim().to_owned()))
}

pub fn run(root: &Path) -> Result<usize> {
    let part = "server command line";
    let dist = root.join("dist");
    let dist = dist.to_str().context("dist path is not UTF-8")?;
    let backend = crate::demo_vas::start(&root.join("dist"), Some(EMULATED_VAS_KEY))?;
    backend
        .set_faults(Faults {
            database_key: Some("key-created-in-vas-database".into()),
            ..Faults::default()
        })
        .map_err(anyhow::Error::msg)?;
    let vas = backend.url();
    let vas = vas.trim_end_matches('/');
    let nowhere = {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        format!("http://{}", l.local_addr()?)
    };
    // (what, args, key, expected exit code, words the message must hold)
    type Row<'a> = (&'a str, Vec<&'a str>, Option<&'a str>, i32, &'a str);
    let rows: Vec<Row> = vec![
        ("no --vas", vec!["--dist", dist], None, 2, "--vas"),
        (
            "--vas without a scheme",
            vec!["--dist", dist, "--vas", "vas-host:8000"],
            None,
            2,
            "http:// or https://",
        ),
        (
            "credentials in --vas",
            vec!["--dist", dist, "--vas", "http://admin:pw@vas:8000"],
            None,
            2,
            "must not carry credentials",
        ),
        (
            "--dist without a built viewer",
            vec!["--dist", "/nonexistent", "--vas", vas],
            None,
            2,
            "cargo xtask build",
        ),
        (
            "another address without --server-name",
            vec!["--dist", dist, "--vas", vas, "--listen", "0.0.0.0:0"],
            None,
            2,
            "--server-name is required",
        ),
        (
            "a TLS certificate without its key",
            vec!["--dist", dist, "--vas", vas, "--tls-cert", "/nonexistent.pem"],
            None,
            2,
            "--tls-key",
        ),
        (
            "--check, VAS unreachable",
            vec!["--dist", dist, "--vas", &nowhere, "--check"],
            None,
            1,
            "unreachable",
        ),
        (
            "--check, no key for VAS with auth on",
            vec!["--dist", dist, "--vas", vas, "--check"],
            None,
            1,
            "wants an API key (401)",
        ),
        (
            "--check, a wrong key",
            vec!["--dist", dist, "--vas", vas, "--check"],
            Some("wrong-key"),
            1,
            "refused the API key (403)",
        ),
        (
            "--check, a key created in VAS's database",
            vec!["--dist", dist, "--vas", vas, "--check"],
            Some("key-created-in-vas-database"),
            1,
            "only the key in its environment",
        ),
        (
            "--check, the right key",
            vec!["--dist", dist, "--vas", vas, "--check"],
            Some(EMULATED_VAS_KEY),
            0,
            "answered: ",
        ),
    ];
    let mut passed = 0;
    let mut table = String::from("| setting | exit | message |\n| --- | --- | --- |\n");
    for (what, args, key, code, words) in rows {
        let (got, text) = server(&args, key)?;
        // The message's first two lines (clap names the missing flag on its second).
        let first = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("Usage:"))
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        table.push_str(&format!("| {what} | {got} | {} |\n", first.replace('|', "\\|")));
        super::ensure_loud(
            part,
            got == code && text.contains(words),
            &format!("{what}: exit {code}, says \"{words}\""),
            &text,
        )?;
        // The key never appears in what the server prints.
        super::ensure(
            part,
            key.is_none_or(|k| !text.contains(k)),
            &format!("{what}: the key is not printed"),
            &text,
        )?;
        passed += 1;
    }
    backend.stop();
    println!("{table}");
    let out = root.join("target/figures");
    let _ = std::fs::create_dir_all(&out);
    let _ = std::fs::write(out.join("server-cli.txt"), &table);
    Ok(passed)
}
