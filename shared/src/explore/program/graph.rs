//! The engine for programs with loops: every state breadth-first, the edges kept, then the
//! analysis on the graph. Kahn's algorithm finds whether it has a cycle; without one, schedules
//! are counted exactly over a topological order. Livelocks are the states from which no state
//! where the schedule ends can be reached (searched backwards from those). The shortest bad
//! schedule leads to the first bad state in breadth-first order.

use super::step::{Succs, decode, encode};
use super::table::StateSet;
use super::text::LIVELOCK;
use super::{CheckError, Count, Found, Limits, Program, counted};

/// No parent: the start.
const NONE: u32 = u32::MAX;

/// How a state ends: not at all (something can step), well, or badly.
const INNER: u8 = 0;
const GOOD: u8 = 1;
const BAD: u8 = 2;

/// The reachable state graph.
struct Graph {
    set: StateSet,
    parent: Vec<u32>,
    via: Vec<u8>,
    /// Edges of state `s`: `edges[start[s]..start[s + 1]]`.
    start: Vec<usize>,
    edges: Vec<u32>,
    end: Vec<u8>,
}

impl Graph {
    fn len(&self) -> usize {
        self.end.len()
    }

    fn succ(&self, s: usize) -> &[u32] {
        &self.edges[self.start[s]..self.start[s + 1]]
    }
}

/// Check a program that may loop.
pub(super) fn check(
    p: &Program,
    limits: &Limits,
    progress: &mut dyn FnMut(usize) -> bool,
) -> Result<Found, CheckError> {
    let g = explore(p, limits, progress)?;
    analyse(p, &g, limits.max_preemptions.is_some())
}

fn explore(
    p: &Program,
    limits: &Limits,
    progress: &mut dyn FnMut(usize) -> bool,
) -> Result<Graph, CheckError> {
    let width = p.width();
    let mut g = Graph {
        set: StateSet::new(),
        parent: vec![NONE],
        via: vec![0],
        start: Vec::new(),
        edges: Vec::new(),
        end: Vec::new(),
    };
    let mut key = Vec::new();
    encode(&p.init, &mut key);
    g.set.insert(&key);
    let (mut st, mut succ) = (vec![0; width], Succs::new(width));
    let mut s = 0;
    while s < g.set.len() {
        decode(g.set.key(s), &mut st);
        p.expand(&st, limits.max_preemptions, &mut succ);
        g.start.push(g.edges.len());
        g.end.push(match succ.len() {
            0 if p.is_bad_end(&st) => BAD,
            0 => GOOD,
            _ => INNER,
        });
        for k in 0..succ.len() {
            encode(succ.get(k), &mut key);
            let (t, new) = g.set.insert(&key);
            if new {
                g.parent.push(s as u32);
                g.via.push(succ.units[k] as u8);
                counted(g.set.len() - 1, 1, limits, progress)?;
            }
            g.edges.push(t as u32);
        }
        s += 1;
    }
    g.start.push(g.edges.len());
    Ok(g)
}

fn analyse(p: &Program, g: &Graph, bounded: bool) -> Result<Found, CheckError> {
    let n = g.len();
    let (schedules, wrong, bad) = match topo(g, &vec![true; n]) {
        Some(order) => {
            let total = paths(g, &order, |s| g.end[s] != INNER)?;
            let wrong = paths(g, &order, |s| g.end[s] == BAD)?;
            let bad: Vec<bool> = g.end.iter().map(|&e| e == BAD).collect();
            (Count::Exact(total), Count::Exact(wrong), bad)
        }
        None => {
            let rev = reverse(g);
            // Under a preemption bound a state may be stuck only because of the bound: no
            // livelock is claimed then.
            let ends = reach_back(g, &rev, |s| g.end[s] != INNER);
            let live: Vec<bool> = (0..n).map(|s| !bounded && !ends[s]).collect();
            let wrong = if live.contains(&true) {
                Count::Infinite
            } else {
                let to_bad = reach_back(g, &rev, |s| g.end[s] == BAD);
                match topo(g, &to_bad) {
                    Some(order) => Count::Exact(paths(g, &order, |s| g.end[s] == BAD)?),
                    None => Count::Infinite,
                }
            };
            let bad = (0..n).map(|s| live[s] || g.end[s] == BAD).collect();
            (Count::Infinite, wrong, bad)
        }
    };
    let wrong_states = bad.iter().filter(|&&b| b).count();
    let (shortest, ending) = match bad.iter().position(|&b| b) {
        Some(s) if g.end[s] == BAD => {
            let mut st = vec![0; p.width()];
            decode(g.set.key(s), &mut st);
            (path(g, s), p.ending(&st))
        }
        Some(s) => (path(g, s), LIVELOCK.to_string()),
        None => (Vec::new(), String::new()),
    };
    Ok(Found {
        states: n,
        schedules,
        wrong,
        wrong_states,
        shortest,
        ending,
    })
}

/// The members of `member` in a topological order of the graph they induce; `None` if that
/// graph has a cycle.
fn topo(g: &Graph, member: &[bool]) -> Option<Vec<u32>> {
    let n = g.len();
    let mut indeg = vec![0u32; n];
    for s in (0..n).filter(|&s| member[s]) {
        for &t in g.succ(s) {
            if member[t as usize] {
                indeg[t as usize] += 1;
            }
        }
    }
    let mut order: Vec<u32> = (0..n)
        .filter(|&s| member[s] && indeg[s] == 0)
        .map(|s| s as u32)
        .collect();
    let mut head = 0;
    while let Some(&s) = order.get(head) {
        head += 1;
        for &t in g.succ(s as usize) {
            let t = t as usize;
            if member[t] {
                indeg[t] -= 1;
                if indeg[t] == 0 {
                    order.push(t as u32);
                }
            }
        }
    }
    (order.len() == member.iter().filter(|&&m| m).count()).then_some(order)
}

/// Paths from the start through `order`'s states to states where `ends` holds, `order` being
/// topological; states outside it count for nothing.
fn paths(g: &Graph, order: &[u32], ends: impl Fn(usize) -> bool) -> Result<u128, CheckError> {
    let mut count = vec![0u128; g.len()];
    for &s in order.iter().rev() {
        let s = s as usize;
        let mut c = u128::from(ends(s));
        for &t in g.succ(s) {
            c = c
                .checked_add(count[t as usize])
                .ok_or(CheckError::TooManySchedules)?;
        }
        count[s] = c;
    }
    Ok(count.first().copied().unwrap_or(0))
}

/// The reversed edges, in the same layout as the graph's.
fn reverse(g: &Graph) -> (Vec<usize>, Vec<u32>) {
    let n = g.len();
    let mut start = vec![0usize; n + 1];
    for &t in &g.edges {
        start[t as usize + 1] += 1;
    }
    for s in 0..n {
        start[s + 1] += start[s];
    }
    let mut fill = start.clone();
    let mut edges = vec![0u32; g.edges.len()];
    for s in 0..n {
        for &t in g.succ(s) {
            edges[fill[t as usize]] = s as u32;
            fill[t as usize] += 1;
        }
    }
    (start, edges)
}

/// The states from which a state where `seed` holds can be reached.
fn reach_back(g: &Graph, rev: &(Vec<usize>, Vec<u32>), seed: impl Fn(usize) -> bool) -> Vec<bool> {
    let (start, edges) = rev;
    let mut seen: Vec<bool> = (0..g.len()).map(&seed).collect();
    let mut stack: Vec<usize> = (0..g.len()).filter(|&s| seen[s]).collect();
    while let Some(t) = stack.pop() {
        for &s in &edges[start[t]..start[t + 1]] {
            if !seen[s as usize] {
                seen[s as usize] = true;
                stack.push(s as usize);
            }
        }
    }
    seen
}

/// The threads that stepped from the start to state `s`, breadth-first: a shortest path.
fn path(g: &Graph, mut s: usize) -> Vec<usize> {
    let mut out = Vec::new();
    while let Some(&parent) = g.parent.get(s) {
        if parent == NONE {
            break;
        }
        out.push(usize::from(g.via[s]));
        s = parent as usize;
    }
    out.reverse();
    out
}
