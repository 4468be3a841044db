//! `vas-viewer-server`: parse the flags, start serving, stop on Ctrl-C or SIGTERM.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use tokio::net::TcpListener;
use tokio::sync::watch;
use vas_viewer_server::config::{Flags, ServerConfig, API_KEY_ENV};
use vas_viewer_server::{listener, vas_check};

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    vas_viewer_server::install_crypto();
    let flags = Flags::parse();
    let config = match ServerConfig::from_flags(&flags, std::env::var(API_KEY_ENV).ok()) {
        Ok(c) => c,
        Err(e) => return fail(&e.to_string()),
    };
    let (stop, stopping) = watch::channel(false);
    let prepared = match vas_viewer_server::prepare(&config, stopping) {
        Ok(p) => p,
        Err(e) => return fail(&e),
    };
    let vas = config.vas.as_str().trim_end_matches('/').to_owned();
    if flags.check {
        let status = vas_check::check(&prepared.state.upstream).await;
        println!("{}", status.describe(&vas));
        return if status.is_ok() { ExitCode::SUCCESS } else { ExitCode::FAILURE };
    }
    let tls = prepared.tls;
    let tcp = match TcpListener::bind(config.listen).await {
        Ok(l) => l,
        Err(e) => {
            return fail(&format!(
                "cannot listen on {}: {e} (is another server using it? try --listen)",
                config.listen
            ))
        }
    };
    let bound =
        tcp.local_addr().map(|a| a.to_string()).unwrap_or_else(|_| config.listen.to_string());
    let scheme = if tls.is_some() { "https" } else { "http" };
    // One line on stdout that scripts can wait for; the rest is logged on stderr.
    println!("serving the viewer on {scheme}://{bound}/ for VAS at {vas}");
    let upstream = prepared.state.upstream.clone();
    tokio::spawn(async move {
        let status = vas_check::check(&upstream).await;
        if status.is_ok() {
            tracing::info!("{}", status.describe(&vas));
        } else {
            tracing::error!("{}", status.describe(&vas));
        }
    });
    listener::serve(tcp, prepared.router, tls, config.limits, async move {
        stop_signal().await;
        let _ = stop.send(true);
    })
    .await;
    ExitCode::SUCCESS
}

fn fail(message: &str) -> ExitCode {
    eprintln!("vas-viewer-server: {message}");
    ExitCode::from(2)
}

/// Ctrl-C or SIGTERM.
async fn stop_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! {
            _ = interrupt => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
    tracing::info!("stop requested");
}
