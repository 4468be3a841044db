//! The live page's parameters (`clock`, `anchor`, `delay`), for diagnosis and the alignment tests, validated.
//!
//! All optional: `clock=rtp-sr|receive|arrival` caps the live frame clock's
//! method, `anchor=Q` sets the quantile of its RTP anchor (0 to 1), and
//! `delay=off` turns off the playout delay. A malformed value is reported,
//! never replaced by its default without a word.

use crate::core::clock::live::live_clock::{LiveClockMethod, LiveClockParams};
use crate::core::params::{echo, PageParams, ParamError};

/// What the live page was asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LiveParams {
    /// The best method the live clock may use.
    pub max_method: LiveClockMethod,
    /// The quantile of receive minus RTP time that anchors RTP time.
    pub anchor_quantile: f64,
    /// Hold the picture until its events have arrived.
    pub playout_delay: bool,
}

impl Default for LiveParams {
    fn default() -> Self {
        Self {
            max_method: LiveClockMethod::RtpSr,
            anchor_quantile: LiveClockParams::default().anchor_quantile,
            playout_delay: true,
        }
    }
}

/// Each parameter as `URLSearchParams.get` reads it (the first of each).
impl PageParams for LiveParams {
    fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, Vec<ParamError>> {
        let mut params = Self::default();
        let mut errors = Vec::new();
        let mut seen: Vec<&'static str> = Vec::new();
        for (name, value) in pairs {
            let (name, error) = match name {
                _ if seen.contains(&name) => continue,
                "clock" => ("clock", match LiveClockMethod::from_attr(value) {
                    Some(m) => {
                        params.max_method = m;
                        None
                    }
                    None => Some(format!("Unknown clock {value:?}: use rtp-sr, receive or arrival.")),
                }),
                "anchor" => ("anchor", match value.trim().parse::<f64>().ok().filter(|q| (0.0..=1.0).contains(q)) {
                    Some(q) => {
                        params.anchor_quantile = q;
                        None
                    }
                    None => Some(format!("`anchor` must be a quantile from 0 to 1, such as 0.1 (the default) or 0.5 (got `{}`).", echo(value))),
                }),
                "delay" => ("delay", match value {
                    "off" => {
                        params.playout_delay = false;
                        None
                    }
                    "on" => None,
                    _ => Some(format!("`delay` must be off, or on (the default) (got `{}`).", echo(value))),
                }),
                _ => continue,
            };
            seen.push(name);
            if let Some(message) = error {
                errors.push(ParamError { name, message });
            }
        }
        if errors.is_empty() {
            Ok(params)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pairs: &[(&str, &str)], want: Result<(LiveClockMethod, f64, bool), &[&str]>) {
        let got = LiveParams::from_pairs(pairs.iter().copied())
            .map(|p| (p.max_method, p.anchor_quantile, p.playout_delay))
            .map_err(|e| e.iter().map(|e| e.name).collect::<Vec<_>>());
        assert_eq!(got, want.map_err(|names| names.to_vec()), "{pairs:?}");
    }

    #[test]
    fn valid_and_invalid_values() {
        use LiveClockMethod::*;
        check(&[], Ok((RtpSr, 0.1, true)));
        check(
            &[("clock", "receive"), ("anchor", "0.5"), ("delay", "off"), ("x", "1")],
            Ok((Receive, 0.5, false)),
        );
        check(&[("anchor", "0"), ("delay", "on")], Ok((RtpSr, 0.0, true)));
        check(&[("anchor", " 1 ")], Ok((RtpSr, 1.0, true)));
        // The first of each counts, as `URLSearchParams.get` reads it.
        check(&[("clock", "arrival"), ("clock", "nonsense")], Ok((Arrival, 0.1, true)));
        check(&[("anchor", "abc")], Err(&["anchor"]));
        check(&[("anchor", "1.5")], Err(&["anchor"]));
        check(&[("anchor", "-0.1")], Err(&["anchor"]));
        check(&[("anchor", "NaN")], Err(&["anchor"]));
        check(&[("anchor", "")], Err(&["anchor"]));
        check(&[("clock", "segment-epoch")], Err(&["clock"]));
        check(&[("clock", "clip-start")], Err(&["clock"]));
        check(&[("delay", "no")], Err(&["delay"]));
        check(
            &[("clock", "x"), ("anchor", "y"), ("delay", "z")],
            Err(&["clock", "anchor", "delay"]),
        );
        let message = LiveParams::from_pairs([("anchor", "abc")]).unwrap_err().remove(0).message;
        assert!(message.contains("`abc`") && message.contains("0 to 1"), "{message}");
        let message = LiveParams::from_pairs([("clock", "x")]).unwrap_err().remove(0).message;
        assert_eq!(message, "Unknown clock \"x\": use rtp-sr, receive or arrival.");
    }
}
