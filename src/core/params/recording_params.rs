//! The recordings page's parameters: `clock` (a mapping method to prefer) and `at` (the wall-clock time to open at), validated.
//!
//! `at` is an RFC 3339 time with its zone (`2026-01-05T13:00:00Z`,
//! `2026-01-05T15:00:00.5+02:00`): an instant on VAS's clock, never read in
//! the browser's zone. A `+` written unescaped in a query reaches the page
//! as a space (form encoding); a space where the zone's sign belongs is read
//! back as `+`, so a pasted time with a positive offset still works.

use crate::core::clock::recording::recording_method::RecordingClockMethod;
use crate::core::params::{PageParams, ParamError};
use crate::core::time::{parse_rfc3339, UnixMicros};

/// What the page was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecordingParams {
    pub prefer: Option<RecordingClockMethod>,
    pub at: Option<UnixMicros>,
}

/// Every pair is read: a malformed value is reported wherever it stands, and of two good ones the last counts.
impl PageParams for RecordingParams {
    fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, Vec<ParamError>> {
        let mut params = Self::default();
        let mut errors = Vec::new();
        for (name, value) in pairs {
            match name {
                "clock" => match RecordingClockMethod::from_attr(value) {
                    Some(m) => params.prefer = Some(m),
                    None => errors.push(ParamError {
                        name: "clock",
                        message: format!("Unknown `clock` value `{value}`: use segment-epoch, last-modified or program-date-time."),
                    }),
                },
                "at" => match parse_at(value) {
                    Some(t) => params.at = Some(t),
                    None => errors.push(ParamError {
                        name: "at",
                        message: format!(
                            "`at` must be an RFC 3339 time with its zone, such as 2026-01-05T13:00:00Z or 2026-01-05T15:00:00+02:00 (got `{value}`)."
                        ),
                    }),
                },
                // Other parameters belong to no one here: ignored, as links may carry them.
                _ => {}
            }
        }
        if errors.is_empty() {
            Ok(params)
        } else {
            Err(errors)
        }
    }
}

/// `at` as written, or with a `+` that form decoding turned into a space.
fn parse_at(value: &str) -> Option<UnixMicros> {
    let value = value.trim();
    parse_rfc3339(value).or_else(|| {
        // Only the zone's sign: the last space, after the time of day.
        let i = value.rfind(' ').filter(|i| *i >= 19)?;
        parse_rfc3339(&format!("{}+{}", &value[..i], &value[i + 1..]))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(t: &str) -> Option<UnixMicros> {
        parse_rfc3339(t)
    }

    #[test]
    fn valid_and_invalid_values() {
        let ok = |prefer, t: Option<&str>| Ok(RecordingParams { prefer, at: t.and_then(at) });
        let bad = |names: &[&'static str]| names.to_vec();
        type Row<'a> = (Vec<(&'a str, &'a str)>, Result<RecordingParams, Vec<&'static str>>);
        let rows: Vec<Row> = vec![
            (vec![], ok(None, None)),
            (vec![("clock", "last-modified")], ok(Some(RecordingClockMethod::LastModified), None)),
            (vec![("at", "2026-01-05T13:00:00Z")], ok(None, Some("2026-01-05T13:00:00Z"))),
            (
                vec![("at", "2026-01-05T15:00:00.25+02:00")],
                ok(None, Some("2026-01-05T13:00:00.25Z")),
            ),
            // A `+` that arrived as a space.
            (vec![("at", "2026-01-05T15:00:00 02:00")], ok(None, Some("2026-01-05T13:00:00Z"))),
            (
                vec![("at", " 2026-01-05T13:00:00Z "), ("clock", "segment-epoch"), ("x", "1")],
                ok(Some(RecordingClockMethod::SegmentEpoch), Some("2026-01-05T13:00:00Z")),
            ),
            // Live and clip methods are not recording methods.
            (vec![("clock", "rtp-sr")], Err(bad(&["clock"]))),
            (vec![("clock", "clip-start")], Err(bad(&["clock"]))),
            // No zone, no date, nonsense, an impossible date, a space elsewhere.
            (vec![("at", "2026-01-05T13:00:00")], Err(bad(&["at"]))),
            (vec![("at", "13:00")], Err(bad(&["at"]))),
            (vec![("at", "yesterday")], Err(bad(&["at"]))),
            (vec![("at", "2026-02-30T13:00:00Z")], Err(bad(&["at"]))),
            (vec![("at", "2026-01-05 13:00:00 02:00 x")], Err(bad(&["at"]))),
            (vec![("at", "")], Err(bad(&["at"]))),
            (vec![("clock", "x"), ("at", "y")], Err(bad(&["clock", "at"]))),
        ];
        for (pairs, want) in rows {
            let got = RecordingParams::from_pairs(pairs.iter().copied())
                .map_err(|e| e.iter().map(|x| x.name).collect::<Vec<_>>());
            assert_eq!(got, want, "{pairs:?}");
        }
        let message = RecordingParams::from_pairs([("at", "soon")]).unwrap_err().remove(0).message;
        assert!(message.contains("`soon`") && message.contains("RFC 3339"), "{message}");
    }
}
