//! Properties of the picture offset: any frames at any times, any boxes, and the estimate stays in its range without a panic.

use proptest::prelude::*;
use vas_overlay_viewer::core::clock::picture_offset::{Estimate, OffsetParams, PictureOffset};
use vas_overlay_viewer::core::events::detection::NormRect;
use vas_overlay_viewer::core::time::UnixMicros;

use super::gen::{hostile_f64, hostile_i64};
use super::runner::check;

/// Frames of the right size most of the time (a moving bright bar, or
/// noise), at steps of about a frame or at any time; boxes near the bar,
/// anywhere, or broken.
#[test]
fn the_picture_offset_stays_in_range_on_any_input() {
    check(
        "the_picture_offset_stays_in_range_on_any_input",
        0.01,
        || {
            let step = prop_oneof![8 => 20_000i64..50_000, 1 => hostile_i64()];
            let frame = (step, 0usize..64, prop::bool::weighted(0.05), any::<u8>());
            let boxes = prop::collection::vec(
                (hostile_f64(), hostile_f64(), hostile_f64(), hostile_f64()),
                0..4,
            );
            (prop::collection::vec(frame, 0..120), boxes, 0i64..4_000_000, -200_000i64..200_000)
        },
        |(frames, hostile_boxes, range_us, lead_us)| {
            let params = OffsetParams::within(range_us);
            let mut c = PictureOffset::new(params);
            let mut t = UnixMicros(1_767_614_400_000_000);
            for (step, bar_x, wrong_size, fill) in frames {
                t = t.plus(step);
                let mut luma = vec![fill / 4; if wrong_size { 63 * 36 } else { 64 * 36 }];
                for y in 0..36 {
                    if let Some(cell) = luma.get_mut(y * 64 + bar_x) {
                        *cell = 250;
                    }
                }
                c.push_frame(t, &luma);
                prop_assert!(c.sample_count() <= params.max_samples);
            }
            let estimate = c.estimate(|at| {
                // The bar's box at `at`, a little ahead, plus whatever was generated.
                let x = ((at.0.wrapping_add(lead_us) / 30_000).rem_euclid(64)) as f64 / 64.0;
                let mut rects =
                    vec![NormRect { x_min: x, y_min: 0.0, x_max: x + 1.0 / 64.0, y_max: 1.0 }];
                rects.extend(hostile_boxes.iter().map(|&(a, b, c, d)| NormRect {
                    x_min: a,
                    y_min: b,
                    x_max: c,
                    y_max: d,
                }));
                rects
            });
            if let Estimate::Found { offset_us, uncertainty_us, contrast, .. } = estimate {
                prop_assert!(
                    (params.search_min_us..=params.search_max_us).contains(&offset_us),
                    "{estimate:?}"
                );
                prop_assert!(uncertainty_us >= 0 && contrast.is_finite());
            }
            Ok(())
        },
    );
}
