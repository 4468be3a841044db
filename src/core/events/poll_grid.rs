//! The grid every live viewer of a camera polls on: the same instants and the same window bounds, so their requests are byte-identical and the server answers them once.
//!
//! VAS answers about 220 event-list requests a second on its own hardware
//! (see the closing figures of the many-viewers issue): without a grid, each
//! viewer asks for its own window at its own moment, and 50 live pages
//! saturate VAS. On the grid:
//!
//! - Polls start in the middle of a cell of [`CELL`] on the viewer's wall
//!   clock (instants `k * CELL + CELL / 2`). The server keeps an answer for
//!   the rest of the cell of its own clock in which it asked VAS, so viewers
//!   whose clocks differ from the server's by less than half a cell meet in
//!   the same cell, and their requests arrive within milliseconds of each
//!   other (coalesced while in flight).
//! - Window starts are rounded down to the cell, so viewers holding the
//!   same rows (and so the same lateness margin) ask from the same instant;
//!   window ends (an hour past the newest row or the viewer's clock) are
//!   rounded up to the cell: read at the middle of a cell, the viewer's
//!   clock rounds alike for every clock within half a cell of the others.
//!   Rounding only widens a window: no row is lost, and a few more are read
//!   again (half a cell's rows on average, de-duplicated by id).
//! - Periodic duties (count probes, the hidden page's polls) fall on cell
//!   numbers, not on each viewer's own poll count.
//!
//! Rounding saturates at the ends of time: it never panics on a time that
//! came from VAS.

use crate::core::events::live_poll::LIVE_INTERVAL_MS;
use crate::core::time::{Micros, UnixMicros, MICROS_PER_MILLI};

/// One cell: the live poll period. The server keeps answers for one cell
/// of its own (`--cache-period-ms`, the same 250 ms by default).
pub const CELL: Micros = LIVE_INTERVAL_MS as Micros * MICROS_PER_MILLI;

/// `t` rounded down to a multiple of `step` (`step > 0`).
pub fn floor_to(t: UnixMicros, step: Micros) -> UnixMicros {
    debug_assert!(step > 0);
    UnixMicros(t.0.div_euclid(step).saturating_mul(step))
}

/// `t` rounded up to a multiple of `step` (`step > 0`), saturating near the end of time.
pub fn ceil_to(t: UnixMicros, step: Micros) -> UnixMicros {
    let down = floor_to(t, step);
    if down == t {
        t
    } else {
        down.plus(step)
    }
}

/// The number of the cell holding `t`.
pub fn cell_of(t: UnixMicros) -> i64 {
    t.0.div_euclid(CELL)
}

/// Milliseconds from `now_wall` to the next poll instant (the middle of a
/// cell), strictly after `now_wall`, in the first cell whose number is a
/// multiple of `every_cells` (1: the next cell's middle or this one's).
pub fn ms_until_poll(now_wall: UnixMicros, every_cells: i64) -> u32 {
    let every = every_cells.max(1);
    let half = CELL / 2;
    // Middles lie at k * CELL + half: the next one after `now_wall`.
    let mut k = now_wall.0.saturating_sub(half).div_euclid(CELL).saturating_add(1);
    let rem = k.rem_euclid(every);
    if rem != 0 {
        k = k.saturating_add(every - rem);
    }
    let at = k.saturating_mul(CELL).saturating_add(half);
    let wait_us = at.saturating_sub(now_wall.0).max(0);
    // Rounded up to whole milliseconds, so a timer never fires before the middle.
    u32::try_from((wait_us + MICROS_PER_MILLI - 1) / MICROS_PER_MILLI).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::time::MICROS_PER_SEC;

    const MS: i64 = MICROS_PER_MILLI;

    #[test]
    fn rounding_table() {
        // (t, step, floor, ceil)
        let rows = [
            (0, CELL, 0, 0),
            (1, CELL, 0, CELL),
            (CELL - 1, CELL, 0, CELL),
            (CELL, CELL, CELL, CELL),
            (-1, CELL, -CELL, 0),
            (-CELL - 1, CELL, -2 * CELL, -CELL),
            (i64::MAX, CELL, i64::MAX / CELL * CELL, i64::MAX),
            (i64::MIN, CELL, i64::MIN, i64::MIN),
            (i64::MIN + 1, 60 * MICROS_PER_SEC, i64::MIN, i64::MIN + 60 * MICROS_PER_SEC),
        ];
        for (t, step, floor, ceil) in rows {
            assert_eq!(floor_to(UnixMicros(t), step), UnixMicros(floor), "floor {t}");
            assert_eq!(ceil_to(UnixMicros(t), step), UnixMicros(ceil), "ceil {t}");
        }
    }

    /// (now in ms within a cell-aligned second, every_cells, wait in ms)
    #[test]
    fn polls_fall_in_the_middle_of_cells() {
        let base = 1_800_000_000_000 * MS; // a multiple of 20 cells
        assert_eq!(cell_of(UnixMicros(base)) % 20, 0);
        let rows = [
            (0, 1, 125),
            (124, 1, 1),
            (125, 1, 250),
            (126, 1, 249),
            (249, 1, 126),
            (0, 20, 125),
            (126, 20, 4999),
            (4_000, 20, 1_125),
        ];
        for (now_ms, every, wait_ms) in rows {
            let now = UnixMicros(base + now_ms * MS);
            assert_eq!(ms_until_poll(now, every), wait_ms, "now {now_ms} ms, every {every}");
            let at = now.plus(i64::from(wait_ms) * MS);
            assert_eq!(at.0.rem_euclid(CELL), CELL / 2, "now {now_ms} ms: a middle");
            assert_eq!(cell_of(at) % every, 0);
        }
        // A fraction of a millisecond before the middle: the timer never fires early.
        assert_eq!(ms_until_poll(UnixMicros(base + 124 * MS + 1), 1), 1);
        assert_eq!(ms_until_poll(UnixMicros(i64::MAX), 1), 0);
        assert!(ms_until_poll(UnixMicros(i64::MIN), 1) <= 250);
    }
}
