//! The server's routes and shared state: the viewer's files, `/api/...` to VAS, `/ws/mediasoup` to VAS, and the layers every answer passes.

use std::sync::Arc;

use axum::http::HeaderValue;
use axum::routing::{any, get};
use axum::Router;

use crate::api_compression;
use tokio::sync::{watch, Semaphore};
use tower_http::trace::{DefaultOnFailure, TraceLayer};
use tracing::Level;

use crate::answer_cache::AnswerCache;
use crate::config::ServerConfig;
use crate::host_guard::{self, HostNames};
use crate::security_headers;
use crate::signaling_relay::{self, SignalingUpstream};
use crate::site;
use crate::vas_proxy::{self, Upstream};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub hosts: Arc<HostNames>,
    pub upstream: Arc<Upstream>,
    pub signaling: Arc<SignalingUpstream>,
    /// The API answer cache (`None` with `--cache-period-ms 0`); its
    /// counters are read with [`AnswerCache::counts`].
    pub answers: Option<Arc<AnswerCache>>,
    /// Turns true when the server shuts down (relayed sessions then close).
    pub shutdown: watch::Receiver<bool>,
}

impl AppState {
    /// The state for a configuration; `shutdown` is the receiving end of
    /// the server's shutdown signal.
    pub fn new(config: &ServerConfig, shutdown: watch::Receiver<bool>) -> Result<AppState, String> {
        let client =
            Upstream::client(config.upstream_timeout).map_err(|e| format!("HTTP client: {e}"))?;
        let tls = (config.vas.scheme() == "https")
            .then(|| tokio_tungstenite::Connector::Rustls(crate::tls_client_config()));
        Ok(AppState {
            hosts: Arc::new(config.hosts.clone()),
            upstream: Arc::new(Upstream {
                base: config.vas.clone(),
                key: config.api_key.clone(),
                client,
                slots: Arc::new(Semaphore::new(config.max_upstream_requests)),
                answer_timeout: config.upstream_timeout,
            }),
            signaling: Arc::new(SignalingUpstream {
                url: config.signaling_url(),
                slots: Arc::new(Semaphore::new(config.max_signaling_sessions)),
                tls,
            }),
            answers: (config.cache_period_ms > 0).then(|| {
                Arc::new(AnswerCache::new(config.cache_period_ms, config.cache_max_bytes))
            }),
            shutdown,
        })
    }
}

/// The whole application: routes, then the layers every answer passes:
/// the host check, then (outside it, so that its refusals carry them too)
/// the security headers.
pub fn router(config: &ServerConfig, state: AppState, policy: HeaderValue) -> Router {
    let mut app = Router::new()
        .route("/api/{*rest}", any(vas_proxy::forward).layer(api_compression::layer()))
        .route("/ws/mediasoup", get(signaling_relay::upgrade))
        .route("/ws/{*rest}", any(site::not_found))
        .route("/api", any(site::not_found))
        .route("/ws", any(site::not_found))
        .merge(site::router(&config.dist))
        .layer(axum::middleware::from_fn_with_state(state.clone(), host_guard::check_host));
    for layer in security_headers::layers(policy) {
        app = app.layer(layer);
    }
    app
        // Requests at debug level; a 5xx is no server failure of ours (VAS
        // answers 500 for a poison row, every time), so it stays at debug
        // too: what needs an operator is logged where it happens, at warn.
        .layer(TraceLayer::new_for_http().on_failure(DefaultOnFailure::new().level(Level::DEBUG)))
        .with_state(state)
}
