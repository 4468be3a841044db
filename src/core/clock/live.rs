//! The live clock and the live session: RTP time to VAS time, playout delay, signaling and reconnects.

pub mod live_clock;
pub mod live_delay;
pub mod live_session;
pub mod live_signaling;
