//! The recording clock's methods: how a segment's wall start is found (the recordings page's `clock` parameter).

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
}
