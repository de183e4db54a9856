//! The engine for programs without loops. There every step takes a thread one step deeper into
//! its code, so the rank (the steps taken by the longest route to where each thread is, summed)
//! rises along every edge, and states can be processed rank by rank. Each state carries the
//! number of paths from the start to it (forward dynamic programming, complete once every lower
//! rank is done), its distance from the start and the state it was reached from at that
//! distance. Only ranks not yet processed stay in memory, plus five bytes per state to walk the
//! shortest bad schedule back.

use super::pending::{Overflow, Paths, Pending, Scratch};
use super::step::Succs;
use super::{CheckError, Count, Found, Limits, PROGRESS_EVERY, Program, counted};

/// No parent: the start.
const NONE: u32 = u32::MAX;

/// Why a run stopped early.
enum Stop {
    Check(CheckError),
    /// A count outgrew the count type: run again with a wider one.
    Overflow,
}

impl From<CheckError> for Stop {
    fn from(e: CheckError) -> Self {
        Stop::Check(e)
    }
}

impl From<Overflow> for Stop {
    fn from(_: Overflow) -> Self {
        Stop::Overflow
    }
}

/// Check a program without loops: with 64-bit counts, and again with 128-bit ones if those
/// overflow.
pub(super) fn check(
    p: &Program,
    limits: &Limits,
    progress: &mut dyn FnMut(usize) -> bool,
) -> Result<Found, CheckError> {
    match run::<u64>(p, limits, progress) {
        Ok(found) => Ok(found),
        Err(Stop::Check(e)) => Err(e),
        Err(Stop::Overflow) => match run::<u128>(p, limits, progress) {
            Ok(found) => Ok(found),
            Err(Stop::Check(e)) => Err(e),
            Err(Stop::Overflow) => Err(CheckError::TooManySchedules),
        },
    }
}

/// The closest bad ending so far: distance, state id, state.
type Best = Option<(u32, u32, Vec<i64>)>;

/// What the terminal states add up to.
struct Tally<P> {
    total: P,
    wrong: P,
    wrong_states: usize,
    best: Best,
}

fn run<P: Paths>(
    p: &Program,
    limits: &Limits,
    progress: &mut dyn FnMut(usize) -> bool,
) -> Result<Found, Stop> {
    let width = p.width();
    let mut pending: Vec<Option<Pending<P>>> = (0..=p.max_rank()).map(|_| None).collect();
    let mut scratch = Scratch::new();
    let mut start = Pending::new(1, &mut scratch);
    start.push(&p.init, P::ONE, 0, NONE, 0)?;
    pending[p.rank(&p.init)] = Some(start);
    // Per state id (in processing order): the state it was reached from, and by whom.
    let (mut parents, mut vias) = (Vec::<u32>::new(), Vec::<u8>::new());
    let mut tally = Tally {
        total: P::default(),
        wrong: P::default(),
        wrong_states: 0,
        best: None,
    };
    let (mut st, mut succ) = (vec![0; width], Succs::new(width));
    for r in 0..pending.len() {
        let Some(layer) = pending[r].take() else {
            continue;
        };
        let merged = layer.merge(&mut scratch)?;
        // The whole rank counts against the limit at once; progress is reported as it goes.
        counted(parents.len(), merged.len(), limits, &mut |_| true)?;
        let expect = merged.len() * p.units.len();
        for rec in merged.iter() {
            let id = parents.len() as u32;
            if parents.len().is_multiple_of(PROGRESS_EVERY) && id > 0 && !progress(parents.len()) {
                return Err(Stop::Check(CheckError::Cancelled));
            }
            parents.push(rec.parent);
            vias.push(rec.via());
            merged.state(rec, &mut st);
            p.expand(&st, limits.max_preemptions, &mut succ);
            if succ.len() == 0 {
                tally.end(p, &st, rec.paths, rec.dist(), id)?;
                continue;
            }
            for k in 0..succ.len() {
                let next = succ.get(k);
                let r2 = p.rank_after(r, &st, next, succ.units[k]);
                debug_assert!(r2 > r, "a step without loops goes deeper");
                if let Some(slot) = pending.get_mut(r2) {
                    let via = succ.units[k] as u8;
                    slot.get_or_insert_with(|| Pending::new(expect, &mut scratch))
                        .push(next, rec.paths, rec.dist() + 1, id, via)?;
                }
            }
        }
        scratch.recycle(merged);
    }
    let (shortest, ending) = match tally.best {
        Some((_, id, st)) => (path(&parents, &vias, id), p.ending(&st)),
        None => (Vec::new(), String::new()),
    };
    Ok(Found {
        states: parents.len(),
        schedules: Count::Exact(tally.total.wide()),
        wrong: Count::Exact(tally.wrong.wide()),
        wrong_states: tally.wrong_states,
        shortest,
        ending,
    })
}

impl<P: Paths> Tally<P> {
    /// A schedule ends in state `id` (`st`), reached by `paths` paths, `dist` steps long.
    fn end(&mut self, p: &Program, st: &[i64], paths: P, dist: u32, id: u32) -> Result<(), Stop> {
        self.total = self.total.add(paths).ok_or(Stop::Overflow)?;
        if p.is_bad_end(st) {
            self.wrong = self.wrong.add(paths).ok_or(Stop::Overflow)?;
            self.wrong_states += 1;
            if self.best.as_ref().is_none_or(|b| dist < b.0) {
                self.best = Some((dist, id, st.to_vec()));
            }
        }
        Ok(())
    }
}

/// The threads that stepped from the start to state `id`.
fn path(parents: &[u32], vias: &[u8], mut id: u32) -> Vec<usize> {
    let mut out = Vec::new();
    while let Some(&parent) = parents.get(id as usize) {
        if parent == NONE {
            break;
        }
        out.push(usize::from(vias[id as usize]));
        id = parent;
    }
    out.reverse();
    out
}
