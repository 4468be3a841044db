//! Relays `/ws/mediasoup` to VAS's backend, text frames both ways, and closes each side when the other closes.
//!
//! VAS's own relay keeps its connection to the MediaSoup server open after
//! the browser leaves (contract, section 6), so this one must not add a
//! second leak: whichever side ends (close frame, error, idle, shutdown),
//! both are closed. Messages are bounded in size; the browser is pinged,
//! and a browser that answers nothing for [`IDLE_TIMEOUT`] is let go, while
//! a quiet but live session (signaling is idle once a stream plays) stays.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::{
    frame::coding::CloseCode, CloseFrame as UpCloseFrame, WebSocketConfig,
};
use tokio_tungstenite::tungstenite::{Error as UpError, Message as UpMessage};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::app::AppState;
use crate::host_guard::origin_is_own;

/// Largest signaling message either way (router capabilities are about 10 KB).
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;
/// How often the browser is pinged.
pub const PING_EVERY: Duration = Duration::from_secs(20);
/// A browser silent this long (no message, no pong) is let go.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Deadline to open the connection to VAS.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Close codes (RFC 6455).
const GOING_AWAY: u16 = 1001;
const UNSUPPORTED_DATA: u16 = 1003;
const TOO_BIG: u16 = 1009;
const INTERNAL: u16 = 1011;

/// The signaling side of VAS as the server reaches it.
pub struct SignalingUpstream {
    /// `ws(s)://vas/ws/mediasoup`. VAS never checks a key on `/ws` paths
    /// (contract, section 1), so none is sent there.
    pub url: String,
    /// Slots for relayed sessions.
    pub slots: Arc<Semaphore>,
    pub tls: Option<tokio_tungstenite::Connector>,
}

type Upstream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The handler of `GET /ws/mediasoup`.
pub async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if origin_is_own(&headers) != Some(true) {
        tracing::debug!("refused a signaling socket from another origin");
        return (StatusCode::FORBIDDEN, "signaling is for this server's own pages\n")
            .into_response();
    }
    let signaling = &state.signaling;
    let Ok(slot) = signaling.slots.clone().try_acquire_owned() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "too many signaling sessions\n").into_response();
    };
    let upstream = match connect(signaling).await {
        Ok(u) => u,
        Err(e) => {
            tracing::warn!(error = %e, "VAS's signaling socket could not be opened");
            return (StatusCode::BAD_GATEWAY, "VAS's signaling socket could not be opened\n")
                .into_response();
        }
    };
    let shutdown = state.shutdown.clone();
    ws.max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |browser| relay(browser, upstream, slot, shutdown))
}

async fn connect(signaling: &SignalingUpstream) -> Result<Upstream, String> {
    let request = signaling.url.as_str().into_client_request().map_err(|e| e.to_string())?;
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE_BYTES))
        .max_frame_size(Some(MAX_MESSAGE_BYTES));
    let connecting = tokio_tungstenite::connect_async_tls_with_config(
        request,
        Some(config),
        true,
        signaling.tls.clone(),
    );
    match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
        Err(_) => Err("timed out".into()),
        Ok(Err(e)) => Err(e.to_string()),
        Ok(Ok((stream, _))) => Ok(stream),
    }
}

/// Why a relayed session ended, and the close code each side gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    BrowserLeft,
    VasLeft,
    Idle,
    TooBig,
    Binary,
    Broken,
    Shutdown,
}

impl End {
    fn code(self) -> u16 {
        match self {
            End::BrowserLeft | End::VasLeft | End::Idle | End::Shutdown => GOING_AWAY,
            End::TooBig => TOO_BIG,
            End::Binary => UNSUPPORTED_DATA,
            End::Broken => INTERNAL,
        }
    }
}

async fn relay(
    browser: WebSocket,
    upstream: Upstream,
    slot: OwnedSemaphorePermit,
    mut shutdown: watch::Receiver<bool>,
) {
    let _slot = slot;
    let (mut to_browser, mut from_browser) = browser.split();
    let (mut to_vas, mut from_vas) = upstream.split();
    let mut ping = tokio::time::interval_at(Instant::now() + PING_EVERY, PING_EVERY);
    let mut heard = Instant::now();
    let end = loop {
        tokio::select! {
            message = from_browser.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    heard = Instant::now();
                    if to_vas.send(UpMessage::text(text.as_str())).await.is_err() {
                        break End::VasLeft;
                    }
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => heard = Instant::now(),
                Some(Ok(Message::Binary(_))) => break End::Binary,
                Some(Ok(Message::Close(_))) | None => break End::BrowserLeft,
                Some(Err(e)) => break if browser_over_limit(e) { End::TooBig } else { End::BrowserLeft },
            },
            message = from_vas.next() => match message {
                Some(Ok(UpMessage::Text(text))) => {
                    if to_browser.send(Message::text(text.as_str())).await.is_err() {
                        break End::BrowserLeft;
                    }
                }
                Some(Ok(UpMessage::Ping(_) | UpMessage::Pong(_) | UpMessage::Frame(_))) => {}
                Some(Ok(UpMessage::Binary(_))) => break End::Binary,
                Some(Ok(UpMessage::Close(_))) | None => break End::VasLeft,
                Some(Err(e)) => break if matches!(e, UpError::Capacity(_)) { End::TooBig } else { End::Broken },
            },
            _ = ping.tick() => {
                if heard.elapsed() > IDLE_TIMEOUT {
                    break End::Idle;
                }
                if to_browser.send(Message::Ping(Default::default())).await.is_err() {
                    break End::BrowserLeft;
                }
            }
            _ = shutdown.changed() => break End::Shutdown,
        }
    };
    tracing::debug!(?end, "signaling session ended");
    let code = end.code();
    // Both sides are closed whatever ended the session; errors here only
    // mean that side is already gone.
    let _ = to_vas
        .send(UpMessage::Close(Some(UpCloseFrame {
            code: CloseCode::from(code),
            reason: "".into(),
        })))
        .await;
    let _ = to_vas.close().await;
    let _ = to_browser.send(Message::Close(Some(CloseFrame { code, reason: "".into() }))).await;
    let _ = to_browser.close().await;
}

/// Whether the browser's socket failed on the message-size limit (axum
/// wraps the same tungstenite error type).
fn browser_over_limit(error: axum::Error) -> bool {
    error.into_inner().downcast::<UpError>().is_ok_and(|e| matches!(*e, UpError::Capacity(_)))
}
