//! The recording clock and what it rests on: VAS's HLS playlists, their fixing for hls.js, segment skips and recovery.

pub mod fragment_span;
pub mod hls_playlist;
pub mod http_date;
pub mod media_recovery;
pub mod playlist_fixer;
pub mod recording_clock;
pub mod recording_dates;
pub mod recording_method;
pub mod recording_runs;
pub mod segment_skips;
