//! The engine for programs without loops. There every step takes a thread one step deeper into
//! its code, so the rank (the steps taken by the longest route to where each thread is, summed)
//! rises along every edge, and states can be processed rank by rank. Each state carries the
//! number of paths from the start to it (forward dynamic programming, complete once every lower
//! rank is done), its distance from the start and the state it was reached from at that
//! distance. Only ranks not yet processed stay in memory, plus five bytes per state to walk the
//! shortest bad schedule back.

use super::pending::{Merged, Overflow, Paths, Pending, Rec, Scratch};
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
#[derive(Default)]
struct Tally<P> {
    total: P,
    wrong: P,
    wrong_states: usize,
    best: Best,
}

/// The segments pushed for each rank: one per lane and rank that reached it, in processing
/// order.
type Ranks<P> = Vec<Vec<Pending<P>>>;

#[cfg_attr(target_arch = "wasm32", optimize(speed))]
fn run<P: Paths + Send + Sync>(
    p: &Program,
    limits: &Limits,
    progress: &mut dyn FnMut(usize) -> bool,
) -> Result<Found, Stop> {
    let mut pending: Ranks<P> = (0..=p.max_rank()).map(|_| Vec::new()).collect();
    let mut scratch = Scratch::new();
    let mut start = Pending::new(1, &mut scratch);
    start.push(&p.init, P::ONE, 0, NONE, 0)?;
    pending[p.rank(&p.init)].push(start);
    // Per state id (in processing order): the state it was reached from, and by whom.
    let (mut parents, mut vias) = (Vec::<u32>::new(), Vec::<u8>::new());
    let mut tally = Tally::default();
    let lanes = lanes();
    let mut lane_scratch: Vec<Scratch<P>> = (1..lanes).map(|_| Scratch::new()).collect();
    for r in 0..pending.len() {
        let segments = std::mem::take(&mut pending[r]);
        if segments.is_empty() {
            continue;
        }
        let merged = Pending::merge_many(segments, &mut scratch, lanes, p.units.len())?;
        // The whole rank counts against the limit at once; progress is reported as it goes.
        counted(parents.len(), merged.len(), limits, &mut |_| true)?;
        let expect = merged.len() * p.units.len();
        let base = parents.len();
        let rank = Rank {
            p,
            merged: &merged,
            r,
            expect,
            bound: limits.max_preemptions,
            ranks: pending.len(),
        };
        // Large ranks in runs of consecutive ids, one per lane: ordered, recorded and expanded
        // on the lanes.
        // (Called whenever the merge placed the states, so the slots are cleared for the next.)
        let runs = merged.in_order_parallel(lanes, &scratch.shared_slots);
        let Some(runs) = runs else {
            // Small ranks, and machines with one core, on this thread (with progress as it
            // goes).
            let mut slots = std::mem::take(&mut scratch.slots);
            let order: Vec<&Rec<P>> = merged.in_order(p.units.len(), &mut slots);
            scratch.slots = slots;
            for rec in &order {
                parents.push(rec.parent);
                vias.push(rec.via());
            }
            let mut each = |done: usize| {
                let at = base + done;
                !(at.is_multiple_of(PROGRESS_EVERY) && at > 0) || progress(at)
            };
            let out = rank.expand(&order, base, &mut scratch, &mut tally, &mut each)?;
            out.into_iter().for_each(|(r2, seg)| pending[r2].push(seg));
            drop(order);
            scratch.recycle(merged);
            continue;
        };
        while lane_scratch.len() < runs.len() {
            lane_scratch.push(Scratch::new());
        }
        for ls in &mut lane_scratch {
            scratch.share_with(ls);
        }
        parents.resize(base + merged.len(), 0);
        vias.resize(base + merged.len(), 0);
        type LaneResult<P> = Result<(Vec<(usize, Pending<P>)>, Tally<P>), Stop>;
        let outs: Vec<LaneResult<P>> = std::thread::scope(|sc| {
            let rank = &rank;
            let (mut ps, mut vs) = (&mut parents[base..], &mut vias[base..]);
            let mut start = base;
            let mut handles = Vec::new();
            for (run, ls) in runs.iter().zip(lane_scratch.iter_mut()) {
                let (p_here, p_rest) = std::mem::take(&mut ps).split_at_mut(run.len());
                let (v_here, v_rest) = std::mem::take(&mut vs).split_at_mut(run.len());
                (ps, vs) = (p_rest, v_rest);
                let first = start;
                start += run.len();
                handles.push(sc.spawn(move || -> LaneResult<P> {
                    for ((rec, pa), vi) in run.iter().zip(p_here).zip(v_here) {
                        *pa = rec.parent;
                        *vi = rec.via();
                    }
                    let mut t = Tally::default();
                    let out = rank.expand(run, first, ls, &mut t, &mut |_| true)?;
                    Ok((out, t))
                }));
            }
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or(Err(Stop::Check(CheckError::Cancelled))))
                .collect()
        });
        // Lane by lane: lower ids first, so each rank's segments stay in processing order.
        for out in outs {
            let (segs, t) = out?;
            tally.absorb(t)?;
            segs.into_iter().for_each(|(r2, seg)| pending[r2].push(seg));
        }
        // Partitions the lanes filled go back to the pool they are taken from.
        for ls in &mut lane_scratch {
            ls.share_with(&mut scratch);
        }
        if !progress(parents.len()) {
            return Err(Stop::Check(CheckError::Cancelled));
        }
        drop(runs);
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

/// Threads the layered engine expands a rank on: the machine's cores natively; one in the
/// browser, where the check already runs in a web worker of its own.
#[cfg(not(target_arch = "wasm32"))]
fn lanes() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(super::pending::MAX_LANES)
}

#[cfg(target_arch = "wasm32")]
fn lanes() -> usize {
    1
}

/// One rank being expanded: what every lane reads.
struct Rank<'a, P> {
    p: &'a Program,
    merged: &'a Merged<P>,
    r: usize,
    expect: usize,
    bound: Option<u32>,
    ranks: usize,
}

impl<P: Paths> Rank<'_, P> {
    /// Expand `recs` (ids from `base`): each successor pushed to a segment of its rank (new
    /// segments, from `scratch`), each end tallied. `each(k)` after the k-th state; `false`
    /// cancels.
    #[cfg_attr(target_arch = "wasm32", optimize(speed))]
    fn expand(
        &self,
        recs: &[&Rec<P>],
        base: usize,
        scratch: &mut Scratch<P>,
        tally: &mut Tally<P>,
        each: &mut dyn FnMut(usize) -> bool,
    ) -> Result<Vec<(usize, Pending<P>)>, Stop> {
        let p = self.p;
        let width = p.width();
        let mut out: Vec<Option<Pending<P>>> = Vec::new();
        let (mut st, mut succ) = (vec![0; width], Succs::new(width));
        for (k, rec) in recs.iter().enumerate() {
            if !each(k) {
                return Err(Stop::Check(CheckError::Cancelled));
            }
            let id = (base + k) as u32;
            self.merged.state(rec, &mut st);
            p.expand(&st, self.bound, &mut succ);
            if succ.len() == 0 {
                tally.end(p, &st, rec.paths, rec.dist(), id)?;
                continue;
            }
            for j in 0..succ.len() {
                let next = succ.get(j);
                let r2 = p.rank_after(self.r, &st, next, succ.units[j]);
                debug_assert!(r2 > self.r, "a step without loops goes deeper");
                if r2 < self.ranks {
                    let off = r2 - self.r;
                    if out.len() <= off {
                        out.resize_with(off + 1, || None);
                    }
                    let via = succ.units[j] as u8;
                    out[off]
                        .get_or_insert_with(|| Pending::new(self.expect, scratch))
                        .push(next, rec.paths, rec.dist() + 1, id, via)?;
                }
            }
        }
        Ok(out
            .into_iter()
            .enumerate()
            .filter_map(|(off, seg)| seg.map(|s| (self.r + off, s)))
            .collect())
    }
}

impl<P: Paths> Tally<P> {
    /// Add another lane's tally (of higher ids: on equal distance, the earlier id stays).
    #[cfg_attr(target_arch = "wasm32", optimize(speed))]
    fn absorb(&mut self, other: Tally<P>) -> Result<(), Stop> {
        self.total = self.total.add(other.total).ok_or(Stop::Overflow)?;
        self.wrong = self.wrong.add(other.wrong).ok_or(Stop::Overflow)?;
        self.wrong_states += other.wrong_states;
        if let Some(b) = other.best
            && self.best.as_ref().is_none_or(|a| (b.0, b.1) < (a.0, a.1))
        {
            self.best = Some(b);
        }
        Ok(())
    }

    /// A schedule ends in state `id` (`st`), reached by `paths` paths, `dist` steps long.
    #[cfg_attr(target_arch = "wasm32", optimize(speed))]
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
