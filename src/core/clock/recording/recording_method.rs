//! The recording clock's methods: how a segment's wall start is found (the recordings page's `clock` parameter).

use crate::core::time::Micros;

/// How a recording frame's wall time was worked out; the recordings page cannot be given another family's method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordingClockMethod {
    /// A recording segment's `EXT-X-PROGRAM-DATE-TIME` (exact).
    ProgramDateTime,
    /// A recording run's start from VAS's segment numbering, plus `EXTINF` (about half a second).
    SegmentEpoch,
    /// A recording segment's `Last-Modified` minus its `EXTINF` (about half a second).
    LastModified,
}

impl RecordingClockMethod {
    /// In the order the recordings page's messages name them.
    pub const ALL: [Self; 3] = [Self::SegmentEpoch, Self::LastModified, Self::ProgramDateTime];

    /// The `data-clock` name, also the `clock` parameter's value.
    pub fn as_attr(self) -> &'static str {
        match self {
            Self::ProgramDateTime => "program-date-time",
            Self::SegmentEpoch => "segment-epoch",
            Self::LastModified => "last-modified",
        }
    }

    pub fn from_attr(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_attr() == text)
    }

    /// How far off a wall time from this method may be, for people: the viewer
    /// never claims frame accuracy it cannot have.
    pub fn precision_note(self) -> &'static str {
        match self {
            Self::ProgramDateTime => "exact (program date-time)",
            Self::SegmentEpoch => "estimated from segment numbers, within about half a second",
            Self::LastModified => {
                "estimated from segment Last-Modified times, within about half a second"
            }
        }
    }

    /// The page's note on a frame's wall time: this method's precision, or,
    /// once the picture calibration applied `picture_offset_us`, the
    /// correction (the half-second estimate no longer holds then).
    pub fn wall_time_note(self, picture_offset_us: Micros) -> String {
        if picture_offset_us == 0 {
            return self.precision_note().to_string();
        }
        let source = match self {
            Self::ProgramDateTime => "program date-time",
            Self::SegmentEpoch => "estimated from segment numbers",
            Self::LastModified => "estimated from segment Last-Modified times",
        };
        // Micros to ms with one decimal, in integers: any i64 formats.
        let sign = if picture_offset_us < 0 { '-' } else { '+' };
        let tenths = (picture_offset_us.unsigned_abs() + 50) / 100;
        format!(
            "{source}, corrected by {sign}{}.{} ms learnt from the moving picture",
            tenths / 10,
            tenths % 10
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for m in ["program-date-time", "segment-epoch", "last-modified"] {
            assert_eq!(
                RecordingClockMethod::from_attr(m).map(RecordingClockMethod::as_attr),
                Some(m)
            );
        }
        for m in ["clip-start", "rtp-sr", "receive", "arrival", "auto", ""] {
            assert_eq!(RecordingClockMethod::from_attr(m), None, "{m}");
        }
    }

    #[test]
    fn wall_time_notes() {
        use RecordingClockMethod::*;
        let cases: [(RecordingClockMethod, Micros, &str); 6] = [
            (SegmentEpoch, 0, "estimated from segment numbers, within about half a second"),
            (ProgramDateTime, 0, "exact (program date-time)"),
            (
                SegmentEpoch,
                -450_240,
                "estimated from segment numbers, corrected by -450.2 ms learnt from the moving picture",
            ),
            (
                LastModified,
                33_750,
                "estimated from segment Last-Modified times, corrected by +33.8 ms learnt from the moving picture",
            ),
            (ProgramDateTime, 20_000, "program date-time, corrected by +20.0 ms learnt from the moving picture"),
            (
                SegmentEpoch,
                Micros::MIN,
                "estimated from segment numbers, corrected by -9223372036854775.8 ms learnt from the moving picture",
            ),
        ];
        for (method, offset_us, want) in cases {
            assert_eq!(method.wall_time_note(offset_us), want, "{method:?} {offset_us}");
        }
    }
}
