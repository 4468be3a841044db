//! The rig's front door: one loopback port that relays `/ws/mediasoup` to the signaling server and everything else to the demo backend.
//!
//! VAS's backend relays the signaling WebSocket to its MediaSoup server on
//! the same origin as its API, and the viewer derives the socket's URL from
//! the API base. The front reproduces that at the TCP level: it reads a new
//! connection's request line and pipes the connection, bytes unchanged, to
//! one upstream or the other. Browsers open a dedicated connection for each
//! WebSocket, so the first request line decides.
//!
//! Like VAS's relay, it keeps its connection to the signaling server open
//! when a signaling client goes away (contract, section 6): the production
//! server in front must close its own side, and the viewer must close its
//! transport before it leaves, since nothing else will. The kept
//! connections are counted ([`Front::signaling_leaked`]) and closed only
//! when the front stops.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A running front; dropping it stops accepting connections.
pub struct Front {
    pub addr: SocketAddr,
    stopping: Arc<AtomicBool>,
    /// Signaling connections still to refuse (see [`Front::refuse_signaling`]).
    refusals: Arc<AtomicUsize>,
    signaling: Arc<Signaling>,
}

/// The signaling connections through the front.
#[derive(Default)]
struct Signaling {
    /// Clients (the production server's upstream sockets) still connected.
    clients_open: AtomicUsize,
    /// Connections to the signaling server kept after their client left.
    leaked: Mutex<Vec<TcpStream>>,
}

impl Front {
    pub fn start(bind: &str, backend: SocketAddr, signaling: SocketAddr) -> io::Result<Front> {
        let listener = TcpListener::bind(bind)?;
        let addr = listener.local_addr()?;
        let stopping = Arc::new(AtomicBool::new(false));
        let stop = stopping.clone();
        let refusals = Arc::new(AtomicUsize::new(0));
        let refuse = refusals.clone();
        let signaling_state = Arc::new(Signaling::default());
        let sig = signaling_state.clone();
        std::thread::Builder::new().name("rig-front".into()).spawn(move || {
            for conn in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(client) = conn {
                    let refuse = refuse.clone();
                    let sig = sig.clone();
                    let _ = std::thread::Builder::new()
                        .name("rig-front-conn".into())
                        .spawn(move || relay(client, backend, signaling, &refuse, &sig));
                }
            }
        })?;
        Ok(Front { addr, stopping, refusals, signaling: signaling_state })
    }

    /// Refuses the next `count` signaling connections: each is closed before
    /// its WebSocket handshake, which the page sees exactly as a refused or
    /// unreachable socket (an `error`, then `close` with code 1006).
    pub fn refuse_signaling(&self, count: usize) {
        self.refusals.store(count, Ordering::SeqCst);
    }

    /// Signaling connections still to refuse.
    pub fn signaling_refusals_left(&self) -> usize {
        self.refusals.load(Ordering::SeqCst)
    }

    /// Signaling clients still connected to the front.
    pub fn signaling_clients_open(&self) -> usize {
        self.signaling.clients_open.load(Ordering::SeqCst)
    }

    /// Connections to the signaling server kept open after their client left (VAS's leak).
    pub fn signaling_leaked(&self) -> usize {
        self.signaling.leaked.lock().map(|l| l.len()).unwrap_or(0)
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.addr.port())
    }
}

impl Drop for Front {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        if let Ok(mut leaked) = self.signaling.leaked.lock() {
            for s in leaked.drain(..) {
                let _ = s.shutdown(Shutdown::Both);
            }
        }
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

fn relay(
    client: TcpStream,
    backend: SocketAddr,
    signaling: SocketAddr,
    refusals: &AtomicUsize,
    state: &Signaling,
) {
    let mut head = [0u8; 64];
    let _ = client.set_read_timeout(Some(Duration::from_secs(10)));
    let n = client.peek(&mut head).unwrap_or(0);
    let _ = client.set_read_timeout(None);
    let is_signaling = head[..n].starts_with(b"GET /ws/mediasoup");
    if is_signaling
        && refusals
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| left.checked_sub(1))
            .is_ok()
    {
        let _ = client.shutdown(Shutdown::Both);
        return;
    }
    let upstream = if is_signaling { signaling } else { backend };
    let Ok(server) = TcpStream::connect(upstream) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else { return };
    if !is_signaling {
        let up = std::thread::spawn(move || pipe(c2, s2));
        pipe(server, client);
        let _ = up.join();
        return;
    }
    let (Ok(kept), Ok(client_end)) = (server.try_clone(), client.try_clone()) else { return };
    state.clients_open.fetch_add(1, Ordering::SeqCst);
    // Ends by itself once the client's socket is shut down (on the next
    // message from the signaling server, which sends nothing unsolicited).
    std::thread::spawn(move || copy_until_end(server, client));
    // The client's side ends: its socket is closed, the signaling server's kept.
    copy_until_end(c2, s2);
    let _ = client_end.shutdown(Shutdown::Both);
    state.clients_open.fetch_sub(1, Ordering::SeqCst);
    if let Ok(mut leaked) = state.leaked.lock() {
        leaked.push(kept);
    }
}

/// Copies `from` to `to` until either fails; closes neither.
fn copy_until_end(mut from: TcpStream, mut to: TcpStream) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
}

/// Copies `from` to `to` until `from` ends, then closes both directions.
fn pipe(from: TcpStream, to: TcpStream) {
    let (Ok(from_end), Ok(to_end)) = (from.try_clone(), to.try_clone()) else { return };
    copy_until_end(from, to);
    let _ = to_end.shutdown(Shutdown::Both);
    let _ = from_end.shutdown(Shutdown::Both);
}
