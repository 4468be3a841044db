//! Which renderer draws a frame: pooled DOM elements for ordinary scenes, one canvas layer for dense ones.
//!
//! The choice follows the number of primitives in the frame, with
//! hysteresis: the overlay switches to the canvas above `CANVAS_ABOVE`
//! primitives and back to the DOM only below `DOM_BELOW`, so a scene that
//! hovers around the threshold does not flip renderer frame after frame.
//! The thresholds come from `cargo xtask bench` (see BENCHMARKS.md): above
//! them the DOM's style, layout and layer work costs more per frame than the
//! canvas's drawing.

/// Switch to the canvas when a frame holds more primitives than this.
pub const CANVAS_ABOVE: usize = 60;
/// Switch back to the DOM when a frame holds fewer primitives than this.
pub const DOM_BELOW: usize = 40;
const _: () = assert!(DOM_BELOW < CANVAS_ABOVE, "the thresholds must leave a band between them");

/// A renderer of the overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RendererKind {
    /// Pooled, absolutely positioned elements (the default).
    #[default]
    Dom,
    /// One canvas, drawn in batches.
    Canvas,
}

impl RendererKind {
    /// The overlay root's `data-renderer` value.
    pub fn as_attr(self) -> &'static str {
        match self {
            RendererKind::Dom => "dom",
            RendererKind::Canvas => "canvas",
        }
    }
}

/// What the overlay may choose from: `Auto` in the viewer; tests and the
/// benchmark pin one renderer to compare them on the same scene.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RendererPolicy {
    #[default]
    Auto,
    Only(RendererKind),
}

/// The renderer in use and the rule that changes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RendererChoice {
    policy: RendererPolicy,
    current: RendererKind,
}

impl RendererChoice {
    pub fn new(policy: RendererPolicy) -> Self {
        let current = match policy {
            RendererPolicy::Auto => RendererKind::Dom,
            RendererPolicy::Only(kind) => kind,
        };
        Self { policy, current }
    }

    pub fn current(&self) -> RendererKind {
        self.current
    }

    /// The renderer for a frame of `primitives`; updates the current one.
    pub fn choose(&mut self, primitives: usize) -> RendererKind {
        if self.policy == RendererPolicy::Auto {
            self.current = match self.current {
                RendererKind::Dom if primitives > CANVAS_ABOVE => RendererKind::Canvas,
                RendererKind::Canvas if primitives < DOM_BELOW => RendererKind::Dom,
                same => same,
            };
        }
        self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RendererKind::*;

    #[test]
    fn switches_with_hysteresis() {
        let mut c = RendererChoice::new(RendererPolicy::Auto);
        // (primitives in the frame, renderer expected for it)
        let frames = [
            (0, Dom),
            (CANVAS_ABOVE, Dom),
            (CANVAS_ABOVE + 1, Canvas),
            // Between the thresholds the renderer stays as it is, either way.
            (DOM_BELOW, Canvas),
            (CANVAS_ABOVE, Canvas),
            (DOM_BELOW - 1, Dom),
            (DOM_BELOW + 1, Dom),
            (10_000, Canvas),
            (0, Dom),
        ];
        for (i, (n, want)) in frames.into_iter().enumerate() {
            assert_eq!(c.choose(n), want, "frame {i} with {n} primitives");
            assert_eq!(c.current(), want);
        }
    }

    #[test]
    fn a_pinned_renderer_never_changes() {
        for kind in [Dom, Canvas] {
            let mut c = RendererChoice::new(RendererPolicy::Only(kind));
            assert_eq!(c.current(), kind);
            for n in [0, 1, DOM_BELOW, CANVAS_ABOVE + 1, 100_000] {
                assert_eq!(c.choose(n), kind);
            }
        }
        assert_eq!(Dom.as_attr(), "dom");
        assert_eq!(Canvas.as_attr(), "canvas");
    }
}
