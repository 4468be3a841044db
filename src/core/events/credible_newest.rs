//! The newest VAS time the live page believes: rows ahead of the models' agreement (and of the viewer's clock) do not count.
//!
//! Live polling asks for rows from a margin before the newest row held, and
//! the store keeps a span before each model's newest rows. A row stamped in
//! the year 9999, a model whose clock runs an hour ahead, or VAS's own clock
//! stepped ahead and then corrected would otherwise move "newest" past every
//! real row, for good: later polls would ask for nothing real, and the store
//! would evict real events as they arrive.
//!
//! Each model is a voter: its lead is the newest of its rows in the last poll
//! that brought it any, minus the viewer's wall clock at that moment (VAS's
//! clock against the viewer's, less the model's lateness). Leads within
//! [`WILD_GAP`] of one another agree. The group with the most models wins;
//! the viewer's own clock (lead 0) counts half a model, so it breaks a tie
//! between two models that disagree but never outvotes one: a single model,
//! or VAS's whole clock stepped, is followed wherever it goes. "Newest" is
//! the newest row of the winning group's models, and it moves back when that
//! group's rows do (a clock corrected after a step). The ceiling (winning
//! lead plus [`WILD_GAP`], on the viewer's clock now) bounds what the store
//! may take as a model's newest for eviction.
//!
//! A poll's rows may mix real and wild timestamps within one model: the rows
//! under the previous ceiling are preferred, so wild rows among a model's
//! real ones change nothing. A model's clock is taken to have changed only
//! when two of its polls in a row agree on the new one, so one poll of wild
//! rows alone (ahead or behind) moves nothing, while a clock that really
//! stepped is followed from its second poll.
//!
//! Only leads are compared, never the viewer's wall clock with VAS's as
//! absolutes, so a viewer whose clock is hours off (or is stepped) loses
//! nothing: its half vote just never breaks a tie.

use crate::core::time::{Micros, UnixMicros, MICROS_PER_SEC};

/// Leads closer than this agree; a row further than this ahead of the
/// winning group is wild. Wider than any lateness seen between one model and
/// another on VAS (its slowest models are a few seconds behind its fastest).
pub const WILD_GAP: Micros = 10 * MICROS_PER_SEC;
/// Before any agreement, a model's rows this far behind the reference still
/// count as near it (the live poller's largest margin).
const MAX_LATENESS: Micros = 60 * MICROS_PER_SEC;
/// A model not heard from for this long (monotonic time) no longer votes.
pub const MODEL_MEMORY: Micros = 60 * MICROS_PER_SEC;
/// Voters remembered at most (a camera has a handful of models).
const MAX_MODELS: usize = 64;

/// One row new to the store, as the poller sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct RowSeen {
    pub model_id: String,
    pub timestamp: UnixMicros,
}

#[derive(Debug, Clone)]
struct Voter {
    model_id: String,
    /// Newest row minus the viewer's wall clock when it arrived.
    lead: Micros,
    /// Newest row of this model on its current clock.
    newest: UnixMicros,
    heard_at_mono: Micros,
    /// A poll on another clock: (lead, newest). A second poll that agrees
    /// with it switches the voter; one that agrees with the old clock drops it.
    pending: Option<(Micros, UnixMicros)>,
    /// Votes. A model first seen before any agreement with no row near the
    /// reference (the frame on screen, or the viewer's clock) waits for a
    /// second poll that agrees, or for rows near it.
    confirmed: bool,
}

/// The agreed newest VAS time of one camera's rows.
#[derive(Debug, Clone, Default)]
pub struct CredibleNewest {
    voters: Vec<Voter>,
    newest: Option<UnixMicros>,
    /// Lead of the winning group (its largest), if a model is in it.
    winning_lead: Option<Micros>,
}

impl CredibleNewest {
    /// The newest row time the models agree on.
    pub fn newest(&self) -> Option<UnixMicros> {
        self.newest
    }

    /// Rows above this (on the viewer's clock at `now_wall`) are wild: ahead
    /// of the winning group by more than [`WILD_GAP`]. `None` before any row.
    pub fn ceiling(&self, now_wall: UnixMicros) -> Option<UnixMicros> {
        self.winning_lead.map(|lead| now_wall.plus(lead).plus(WILD_GAP))
    }

    /// Takes the rows one poll found new, at the viewer's wall clock
    /// `now_wall` and monotonic clock `now_mono`; returns the new "newest".
    /// Before any agreement, `reference` (VAS's time of the frame on screen,
    /// else the viewer's clock) stands in for the ceiling: a page opened
    /// while VAS holds rows an hour ahead (wild, or left by a corrected step)
    /// starts on the real ones when the poll brings both.
    pub fn on_rows(
        &mut self,
        rows: &[RowSeen],
        now_wall: UnixMicros,
        now_mono: Micros,
        reference: UnixMicros,
    ) -> Option<UnixMicros> {
        let ceiling = self.ceiling(now_wall).unwrap_or(reference.plus(WILD_GAP));
        let mut by_model: Vec<(&str, UnixMicros)> =
            rows.iter().map(|r| (r.model_id.as_str(), r.timestamp)).collect();
        by_model.sort_unstable();
        for group in by_model.chunk_by(|a, b| a.0 == b.0) {
            let model = group[0].0;
            let times = group.iter().map(|r| r.1);
            let under = times.clone().filter(|t| *t <= ceiling).max();
            let Some(newest) = under.or_else(|| times.max()) else { continue };
            let lead = newest.since(now_wall);
            let agree = |a: Micros, b: Micros| a.abs_diff(b) <= WILD_GAP.unsigned_abs();
            // Near the reference: under it (with tolerance), and not further
            // behind than a model is ever late (a row of 1970 is no clock).
            let near_reference = under.is_some() && newest >= reference.plus(-MAX_LATENESS);
            match self.voters.iter_mut().find(|v| v.model_id == model) {
                Some(v) if !v.confirmed => {
                    v.heard_at_mono = now_mono;
                    v.confirmed = near_reference || agree(lead, v.lead);
                    v.newest = if agree(lead, v.lead) { v.newest.max(newest) } else { newest };
                    v.lead = lead;
                }
                Some(v) => {
                    v.heard_at_mono = now_mono;
                    if agree(lead, v.lead) {
                        // Same clock: the newest only grows (a late row alone does not pull it back).
                        v.newest = v.newest.max(newest);
                        v.lead = lead;
                        v.pending = None;
                    } else if let Some((_, pending_newest)) =
                        v.pending.filter(|(l, _)| agree(lead, *l))
                    {
                        // Two polls on another clock: the model's clock changed.
                        v.newest = pending_newest.max(newest);
                        v.lead = lead;
                        v.pending = None;
                    } else {
                        v.pending = Some((lead, newest));
                    }
                }
                None => {
                    let confirmed = near_reference || self.winning_lead.is_some();
                    self.voters.push(Voter {
                        model_id: model.to_owned(),
                        lead,
                        newest,
                        heard_at_mono: now_mono,
                        pending: None,
                        confirmed,
                    });
                }
            }
        }
        self.voters.retain(|v| now_mono.saturating_sub(v.heard_at_mono) <= MODEL_MEMORY);
        if self.voters.len() > MAX_MODELS {
            self.voters.sort_by_key(|v| std::cmp::Reverse(v.heard_at_mono));
            self.voters.truncate(MAX_MODELS);
        }
        self.elect();
        self.newest
    }

    /// Groups the voters by lead and keeps the winning group's newest.
    fn elect(&mut self) {
        // (lead, votes in halves, is the viewer)
        let mut ballots: Vec<(Micros, u32, bool)> =
            self.voters.iter().filter(|v| v.confirmed).map(|v| (v.lead, 2, false)).collect();
        ballots.push((0, 1, true));
        ballots.sort_unstable_by_key(|b| b.0);
        // Groups of consecutive leads no further than WILD_GAP apart: (first, last index).
        let mut best: Option<((usize, usize), u32, bool)> = None;
        let mut start = 0;
        for i in 0..ballots.len() {
            let ends =
                i + 1 == ballots.len() || ballots[i + 1].0.saturating_sub(ballots[i].0) > WILD_GAP;
            if !ends {
                continue;
            }
            let group = &ballots[start..=i];
            let votes: u32 = group.iter().map(|b| b.1).sum();
            let has_model = group.iter().any(|b| !b.2);
            // More votes wins; on a tie the earlier (lower) group stays, since
            // a clock behind costs re-reads while one ahead loses rows.
            if has_model && best.is_none_or(|(_, v, _)| votes > v) {
                best = Some(((start, i), votes, has_model));
            }
            start = i + 1;
        }
        let Some(((first, last), _, _)) = best else {
            self.winning_lead = None;
            return;
        };
        let (lo, hi) = (ballots[first].0, ballots[last].0);
        let in_group = |v: &&Voter| v.confirmed && v.lead >= lo && v.lead <= hi;
        self.winning_lead = self.voters.iter().filter(in_group).map(|v| v.lead).max();
        self.newest = self.voters.iter().filter(in_group).map(|v| v.newest).max().or(self.newest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Micros = MICROS_PER_SEC;
    const MS: Micros = 1000;
    const NOW: UnixMicros = UnixMicros(1_800_000_000 * S);
    const HOUR: Micros = 3600 * S;
    /// 9999-12-31T23:59:59Z, from the viewer's clock.
    const FAR: Micros = 253_402_300_799 * S - NOW.0;

    fn rows(spec: &[(&str, Micros)], now: UnixMicros) -> Vec<RowSeen> {
        spec.iter()
            .map(|(m, off)| RowSeen { model_id: (*m).to_owned(), timestamp: now.plus(*off) })
            .collect()
    }

    /// Polls of 250 ms; each step's rows are given as offsets from the
    /// viewer's clock at that step. Returns "newest" as an offset from the
    /// viewer's clock after each step.
    fn run(steps: &[&[(&str, Micros)]]) -> Vec<Option<Micros>> {
        let mut c = CredibleNewest::default();
        steps
            .iter()
            .enumerate()
            .map(|(i, spec)| {
                let now = NOW.plus(i as Micros * 250 * MS);
                c.on_rows(&rows(spec, now), now, i as Micros * 250 * MS, now).map(|n| n.since(now))
            })
            .collect()
    }

    /// (case, polls, newest after the last poll as an offset from the viewer's clock)
    #[test]
    fn newest_follows_the_models_agreement() {
        type Case<'a> = (&'a str, Vec<&'a [(&'a str, Micros)]>, Option<Micros>);
        let cases: &[Case] = &[
            ("one model", vec![&[("a", -200 * MS)], &[("a", -100 * MS)]], Some(-100 * MS)),
            ("nothing yet", vec![&[], &[]], None),
            (
                "two wild rows among a model's real ones",
                vec![&[("a", -300 * MS)], &[("a", -200 * MS), ("a", FAR), ("a", FAR - 1)]],
                Some(-200 * MS),
            ),
            (
                "three models, one an hour ahead",
                vec![&[("a", -300 * MS), ("b", -500 * MS), ("skew", HOUR)], &[("a", -200 * MS), ("b", -400 * MS), ("skew", HOUR)]],
                Some(-200 * MS),
            ),
            (
                "two models disagree: the viewer's clock breaks the tie",
                vec![&[("skew", HOUR), ("a", -300 * MS)], &[("skew", HOUR + 100 * MS), ("a", -200 * MS)]],
                Some(-200 * MS),
            ),
            (
                "two models disagree and the viewer agrees with neither: the one behind",
                vec![&[("skew", 5 * HOUR), ("a", 2 * HOUR)], &[("skew", 5 * HOUR), ("a", 2 * HOUR)]],
                Some(2 * HOUR),
            ),
            ("one model on another clock: followed", vec![&[("a", 2 * HOUR)], &[("a", 2 * HOUR)]], Some(2 * HOUR)),
            (
                "VAS's clock stepped an hour ahead (both models)",
                vec![&[("a", -200 * MS), ("b", -300 * MS)], &[("a", HOUR), ("b", HOUR - 100 * MS)], &[("a", HOUR), ("b", HOUR - 100 * MS)]],
                Some(HOUR),
            ),
            (
                "VAS's clock stepped ahead and corrected: newest moves back",
                vec![
                    &[("a", -200 * MS), ("b", -300 * MS)],
                    &[("a", HOUR), ("b", HOUR)],
                    &[("a", HOUR), ("b", HOUR)],
                    &[("a", -100 * MS), ("b", -200 * MS)],
                    &[("a", -100 * MS), ("b", -200 * MS)],
                ],
                Some(-100 * MS),
            ),
            ("one poll of wild rows ahead moves nothing", vec![&[("a", -100 * MS)], &[("a", HOUR)]], Some(-350 * MS)),
            ("a first poll bringing only rows an hour ahead waits for a second", vec![&[("a", HOUR)], &[]], None),
            ("... which follows them if they agree", vec![&[("a", HOUR)], &[("a", HOUR)]], Some(HOUR)),
            ("... or comes back to the reference", vec![&[("a", HOUR)], &[("a", -100 * MS)]], Some(-100 * MS)),
            (
                "a first poll bringing a model's real rows and its rows an hour ahead: the real ones",
                vec![&[("a", -100 * MS), ("a", HOUR), ("a", HOUR + S)], &[("a", -100 * MS), ("a", HOUR + 2 * S)]],
                Some(-100 * MS),
            ),
            ("one poll of wild rows behind moves nothing", vec![&[("a", -100 * MS)], &[("a", -HOUR)], &[]], Some(-600 * MS)),
            (
                "a model's clock steps back; wild rows of one poll in between do not count",
                vec![&[("a", -100 * MS)], &[("a", -HOUR)], &[("a", HOUR)], &[("a", -HOUR)], &[("a", -HOUR)]],
                Some(-HOUR),
            ),
            (
                "a late row alone does not pull a model back",
                vec![&[("a", -100 * MS)], &[("a", -3 * S)]],
                Some(-100 * MS - 250 * MS),
            ),
        ];
        for (case, steps, want) in cases {
            assert_eq!(run(steps).last().copied().flatten(), *want, "{case}");
        }
    }

    #[test]
    fn the_ceiling_follows_the_winning_group() {
        let mut c = CredibleNewest::default();
        assert_eq!(c.ceiling(NOW), None);
        c.on_rows(&rows(&[("a", -200 * MS), ("skew", HOUR), ("b", -S)], NOW), NOW, 0, NOW);
        assert_eq!(c.ceiling(NOW), Some(NOW.plus(-200 * MS + WILD_GAP)));
        // The viewer's clock stepped a day back: leads move with it, nothing else does.
        let stepped = NOW.plus(-24 * HOUR);
        for poll in 1..=2 {
            c.on_rows(
                &rows(&[("a", 24 * HOUR - 100 * MS), ("b", 24 * HOUR - S)], stepped),
                stepped,
                poll * 250 * MS,
                stepped,
            );
        }
        assert_eq!(c.newest(), Some(NOW.plus(-100 * MS)));
        assert_eq!(c.ceiling(stepped), Some(NOW.plus(-100 * MS + WILD_GAP)));
    }

    #[test]
    fn models_unheard_for_a_minute_stop_voting() {
        let mut c = CredibleNewest::default();
        // Both an hour ahead of the viewer's clock: taken at their second poll.
        c.on_rows(&rows(&[("a", HOUR), ("b", HOUR)], NOW), NOW, 0, NOW);
        assert_eq!(c.newest(), None);
        c.on_rows(&rows(&[("a", HOUR), ("b", HOUR)], NOW), NOW, 0, NOW);
        assert_eq!(c.newest(), Some(NOW.plus(HOUR)));
        // Only `c` speaks from now on, on the viewer's clock; `a` and `b` still outvote it for a minute.
        let later = NOW.plus(30 * S);
        c.on_rows(&rows(&[("c", -100 * MS)], later), later, 30 * S, later);
        assert_eq!(c.newest(), Some(NOW.plus(HOUR)));
        let after = NOW.plus(61 * S);
        c.on_rows(&rows(&[("c", -100 * MS)], after), after, 61 * S, after);
        assert_eq!(c.newest(), Some(after.plus(-100 * MS)));
    }

    #[test]
    fn voters_are_bounded() {
        let mut c = CredibleNewest::default();
        let many: Vec<RowSeen> =
            (0..1000).map(|i| RowSeen { model_id: format!("m{i}"), timestamp: NOW }).collect();
        c.on_rows(&many, NOW, 0, NOW);
        assert_eq!(c.voters.len(), MAX_MODELS);
        assert_eq!(c.newest(), Some(NOW));
    }
}
