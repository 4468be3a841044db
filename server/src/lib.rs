//! The VAS overlay viewer's production server: serves the built viewer beside VAS on one origin and relays only what the viewer needs.
//!
//! Code map (one job per module):
//! - `config`: flags, validated into [`config::ServerConfig`].
//! - `app`: the routes and the shared state.
//! - `site`: the built viewer's files, cache lifetimes, SPA fallback.
//! - `security_headers`: CSP, `nosniff`, `no-referrer` on every answer.
//! - `host_guard`: `Host` and `Origin` checks.
//! - `api_route`: the allow-list of VAS read paths (pure).
//! - `vas_proxy`: forwarding to VAS with the key added; API answers through the cache, segments streamed.
//! - `answer_cache`: identical API requests sent to VAS once per wall-clock grid cell, the answer kept to the cell's end.
//! - `device_redaction`: `rtsp_url` removed from device answers (pure).
//! - `signaling_relay`: `/ws/mediasoup` relayed to VAS, both sides closed together.
//! - `listener`: connections, TLS, limits, graceful shutdown.
//! - `vas_check`: whether VAS answers and takes the key, in words.

pub mod answer_cache;
pub mod api_compression;
pub mod api_route;
pub mod app;
pub mod config;
pub mod device_redaction;
pub mod host_guard;
pub mod listener;
pub mod security_headers;
pub mod signaling_relay;
pub mod site;
pub mod vas_check;
pub mod vas_proxy;

use std::sync::Arc;

use tokio::sync::watch;

/// Everything a listener needs, built from a validated configuration.
pub struct Prepared {
    pub router: axum::Router,
    pub tls: Option<tokio_rustls::TlsAcceptor>,
    pub state: app::AppState,
}

/// Builds the application for `config`: the policy from the built viewer,
/// the shared state, TLS when asked. `stopping` turns true on shutdown.
pub fn prepare(
    config: &config::ServerConfig,
    stopping: watch::Receiver<bool>,
) -> Result<Prepared, String> {
    install_crypto();
    let policy = security_headers::policy_from_index(&config.dist.join("index.html"))
        .map_err(|e| e.to_string())?;
    let state = app::AppState::new(config, stopping)?;
    let tls = match &config.tls {
        None => None,
        Some((cert, key)) => Some(listener::tls_acceptor(cert, key).map_err(|e| e.to_string())?),
    };
    Ok(Prepared { router: app::router(config, state.clone(), policy), tls, state })
}

/// The TLS crypto provider: *ring*. rustls 0.23.48 marks it deprecated for
/// lacking post-quantum key exchange; the alternative, aws-lc-rs, builds
/// AWS-LC from C source on every fresh machine. Revisit when ring gains
/// ML-KEM or the build cost is accepted.
#[allow(deprecated)]
pub fn crypto_provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Installs [`crypto_provider`] process-wide; installing it twice is harmless.
pub fn install_crypto() {
    let _ = Arc::unwrap_or_clone(crypto_provider()).install_default();
}

/// TLS settings for connections to an `https://` VAS: the platform's trust store.
pub fn tls_client_config() -> Arc<rustls::ClientConfig> {
    use rustls_platform_verifier::BuilderVerifierExt;
    install_crypto();
    let config = rustls::ClientConfig::builder_with_provider(crypto_provider())
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_platform_verifier())
        .map(|b| b.with_no_client_auth())
        .unwrap_or_else(|_| {
            rustls::ClientConfig::builder()
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth()
        });
    Arc::new(config)
}
