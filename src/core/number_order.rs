//! Stable ordering of the core's lists by a number, through one shared instantiation of the standard sort.
//!
//! Every `sort_by` with its own closure makes the compiler emit another copy
//! of the standard library's sort (several KB of wasm each). The lists the
//! core orders by a number (playlist spans, quantile samples, window
//! distances, strip runs) all go through [`sort_by_number`] instead, whose
//! only sort is of `(f64, usize)` pairs with one comparison function: the
//! shipped wasm carries one copy. Equal keys keep their order (stable), and
//! NaN keys, which callers filter out anyway, sort last without panicking.

use std::cmp::Ordering;

/// Sorts `items` by `key`, ascending; equal keys keep their order.
pub fn sort_by_number<T>(items: &mut Vec<T>, key: impl Fn(&T) -> f64) {
    let mut keyed: Vec<(f64, usize)> = items.iter().enumerate().map(|(i, t)| (key(t), i)).collect();
    sort_keyed(&mut keyed);
    let mut slots: Vec<Option<T>> = items.drain(..).map(Some).collect();
    items.extend(keyed.iter().filter_map(|&(_, i)| slots.get_mut(i).and_then(Option::take)));
}

/// The one sort: by key in IEEE total order (NaN after every number), then by
/// original position, which makes the unstable sort's result stable.
fn sort_keyed(keyed: &mut [(f64, usize)]) {
    keyed.sort_unstable_by(compare_keyed);
}

fn compare_keyed(a: &(f64, usize), b: &(f64, usize)) -> Ordering {
    let nan_last = a.0.is_nan().cmp(&b.0.is_nan());
    nan_last.then(a.0.total_cmp(&b.0)).then(a.1.cmp(&b.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_key_and_keeps_equal_keys_in_place() {
        let cases: Vec<(Vec<(f64, char)>, &str)> = vec![
            (vec![], ""),
            (vec![(1.0, 'a')], "a"),
            (vec![(3.0, 'a'), (1.0, 'b'), (2.0, 'c')], "bca"),
            (vec![(1.0, 'a'), (0.0, 'b'), (1.0, 'c'), (0.0, 'd')], "bdac"),
            (vec![(-0.0, 'a'), (0.0, 'b'), (-0.0, 'c')], "acb"),
            (
                vec![
                    (f64::NAN, 'a'),
                    (f64::INFINITY, 'b'),
                    (f64::NEG_INFINITY, 'c'),
                    (-f64::NAN, 'd'),
                ],
                "cbda",
            ),
        ];
        for (input, want) in cases {
            let mut items = input.clone();
            sort_by_number(&mut items, |(k, _)| *k);
            let got: String = items.iter().map(|(_, c)| *c).collect();
            assert_eq!(got, want, "{input:?}");
        }
    }

    #[test]
    fn agrees_with_the_standard_stable_sort() {
        // A deterministic pseudo-random list with many ties.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let items: Vec<(f64, usize)> = (0..2000)
            .map(|i| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                ((seed % 50) as f64 - 25.0, i)
            })
            .collect();
        let mut ours = items.clone();
        sort_by_number(&mut ours, |t| t.0);
        let mut std_sorted = items;
        std_sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert_eq!(ours, std_sorted);
    }
}
