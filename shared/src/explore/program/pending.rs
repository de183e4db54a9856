//! The states waiting for their rank in the layered engine. Reaching a state appends a record
//! to one of a few partitions (chosen by hash), which is a sequential write; when the rank's
//! turn comes, each partition is merged on its own in a table small enough to stay in cache.
//! Random access into one table as large as a whole rank would cost a cache miss per edge.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::collections::binary_heap::PeekMut;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use super::step::{decode, encode_into};
use super::table::hash;

/// A count of paths: `u64` while it fits, `u128` beyond.
pub(super) trait Paths: Copy + Default {
    const ONE: Self;
    fn add(self, other: Self) -> Option<Self>;
    fn wide(self) -> u128;
}

impl Paths for u64 {
    const ONE: Self = 1;
    fn add(self, other: Self) -> Option<Self> {
        self.checked_add(other)
    }
    fn wide(self) -> u128 {
        u128::from(self)
    }
}

impl Paths for u128 {
    const ONE: Self = 1;
    fn add(self, other: Self) -> Option<Self> {
        self.checked_add(other)
    }
    fn wide(self) -> u128 {
        self
    }
}

/// A count outgrew its type.
#[derive(Debug)]
pub(super) struct Overflow;

/// Top byte of a key too long to hold inline: the key is then its hash and its index in the
/// arena of long keys. Inline keys have their length (at most 15) in the top byte.
const LONG: u64 = 0xff;

/// The largest distance kept (24 bits); a program without loops never comes near it.
const MAX_DIST: u32 = (1 << 24) - 1;

/// The most bytes of a key held inline.
const INLINE: usize = 15;

/// A state reached: its key, the paths into it, its distance from the start and the state it
/// was reached from (by thread `via`) at that distance.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Rec<P> {
    pub key: [u64; 2],
    pub paths: P,
    pub parent: u32,
    /// The distance (high 24 bits) and the thread (low 8), packed to keep records small.
    dist_via: u32,
}

impl<P> Rec<P> {
    pub fn dist(&self) -> u32 {
        self.dist_via >> 8
    }

    pub fn via(&self) -> u8 {
        self.dist_via as u8
    }

    /// Which of two ways into a state is kept: the shorter, then the one from the earlier
    /// parent and the lower thread (so the shortest schedules are first in lexicographic order).
    fn better(&self, than: &Rec<P>) -> bool {
        (self.dist(), self.parent, self.via()) < (than.dist(), than.parent, than.via())
    }
}

fn is_long(key: [u64; 2]) -> bool {
    key[1] >> 56 == LONG
}

#[cfg_attr(target_arch = "wasm32", optimize(speed))]
fn key_hash(key: [u64; 2]) -> u64 {
    if is_long(key) {
        return key[0];
    }
    let mut h = key[0].wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ key[1];
    h ^= h >> 32;
    h = h.wrapping_mul(0xd6e8_feb8_6659_fd93);
    h ^= h >> 32;
    h = h.wrapping_mul(0xd6e8_feb8_6659_fd93);
    h ^ (h >> 32)
}

/// The partition of a hash when there are 2^`bits` partitions: its top bits.
fn part_of(h: u64, bits: u32) -> usize {
    if bits == 0 {
        0
    } else {
        (h >> (64 - bits)) as usize
    }
}

/// Where a long key records the merge lane whose arena holds it.
const LANE_SHIFT: u32 = 48;

/// A long key's index in its arena.
const INDEX_MASK: u64 = (1 << LANE_SHIFT) - 1;

/// Keys longer than [`INLINE`] bytes.
#[derive(Default)]
struct Arena {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Arena {
    #[cfg_attr(target_arch = "wasm32", optimize(speed))]
    fn get(&self, key: [u64; 2]) -> &[u8] {
        let i = (key[1] & INDEX_MASK) as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }

    /// Copy the long key `key` of `from` into this arena (lane `lane`'s); its key here.
    #[cfg_attr(target_arch = "wasm32", optimize(speed))]
    fn adopt(&mut self, from: &Arena, key: [u64; 2], lane: usize) -> [u64; 2] {
        self.bytes.extend_from_slice(from.get(key));
        self.ends.push(self.bytes.len());
        [
            key[0],
            LONG << 56 | (lane as u64) << LANE_SHIFT | (self.ends.len() - 1) as u64,
        ]
    }
}

/// The records of one rank, partitioned by hash.
pub(super) struct Pending<P> {
    parts: Vec<Vec<Rec<P>>>,
    bits: u32,
    long: Arena,
    /// The last records pushed, by hash (key and where the record is): a state reached twice
    /// in quick succession (as the two orders of two independent steps usually are) is merged
    /// at once instead of recorded twice.
    recent: Vec<([u64; 2], u32, u32)>,
    /// The lowest and highest parent pushed.
    parents: (u32, u32),
}

/// Entries in [`Pending::recent`].
const RECENT: usize = 1024;

impl<P: Paths> Pending<P> {
    /// A rank expected to receive about `expect` records, its partitions taken from `scratch`.
    pub fn new(expect: usize, scratch: &mut Scratch<P>) -> Self {
        // Partitions of about 64 Ki records (their merge table stays in cache), and at least
        // 16 once a rank is large enough to be merged by several threads.
        let floor = if expect >= PARALLEL_MERGE { 4 } else { 0 };
        let bits = (expect / 65536)
            .next_power_of_two()
            .trailing_zeros()
            .max(floor)
            .min(12);
        Pending {
            parts: (0..1usize << bits)
                .map(|_| scratch.pool.pop().unwrap_or_default())
                .collect(),
            bits,
            long: Arena::default(),
            recent: std::mem::take(&mut scratch.recent),
            parents: (u32::MAX, 0),
        }
    }

    /// Record that state `st` was reached.
    #[cfg_attr(target_arch = "wasm32", optimize(speed))]
    pub fn push(
        &mut self,
        st: &[i64],
        paths: P,
        dist: u32,
        parent: u32,
        via: u8,
    ) -> Result<(), Overflow> {
        let key = match inline(st) {
            Some(key) => key,
            None => {
                let start = self.long.bytes.len();
                encode_into(st, &mut self.long.bytes);
                self.long.ends.push(self.long.bytes.len());
                let h = hash(&self.long.bytes[start..]);
                [h, LONG << 56 | (self.long.ends.len() - 1) as u64]
            }
        };
        self.parents = (self.parents.0.min(parent), self.parents.1.max(parent));
        let rec = Rec {
            key,
            paths,
            parent,
            dist_via: dist.min(MAX_DIST) << 8 | u32::from(via),
        };
        let h = key_hash(key);
        let part = part_of(h, self.bits);
        if self.recent.is_empty() {
            self.recent.resize(RECENT, ([0, 0], 0, 0));
        }
        let slot = &mut self.recent[h as usize % RECENT];
        if slot.0 == key
            && !is_long(key)
            && let Some(u) = self.parts[slot.1 as usize].get_mut(slot.2 as usize)
        {
            merge_into(u, &rec)?;
            return Ok(());
        }
        *slot = (key, part as u32, self.parts[part].len() as u32);
        self.parts[part].push(rec);
        Ok(())
    }

    /// Every state of several segments once (records pushed in processing order: the
    /// segments in the order they were filled), paths summed and the best way in kept, on
    /// `lanes` threads when the rank is large (partitions are independent). Segments
    /// partitioned more coarsely are split to the finest partitioning on the fly.
    #[cfg_attr(target_arch = "wasm32", optimize(speed))]
    pub fn merge_many(
        segments: Vec<Pending<P>>,
        scratch: &mut Scratch<P>,
        lanes: usize,
        threads: usize,
    ) -> Result<Merged<P>, Overflow>
    where
        P: Send + Sync,
    {
        let bits = segments.iter().map(|s| s.bits).max().unwrap_or(0);
        let parts = 1usize << bits;
        let total: usize = segments
            .iter()
            .flat_map(|s| s.parts.iter())
            .map(Vec::len)
            .sum();
        let lanes = if lanes <= 1 || parts < lanes || total < PARALLEL_MERGE {
            1
        } else {
            lanes.min(MAX_LANES)
        };
        let per = parts.div_ceil(lanes);
        // Each lane merges a range of partitions into states of its own (kept from rank to
        // rank, so no fresh pages), with its own arena for long keys.
        while scratch.lanes.len() < lanes {
            scratch.lanes.push(LaneOut::default());
        }
        let mut outs: Vec<LaneOut<P>> = scratch.lanes.drain(..lanes).collect();
        let segs = &segments;
        // Where the parents lie: when the span is small enough, each lane also places its
        // states in the ordering slots as it finishes (see `Merged::in_order_parallel`).
        let lo = segments.iter().map(|s| s.parents.0).min().unwrap_or(0);
        let hi = segments.iter().map(|s| s.parents.1).max().unwrap_or(0);
        let span = (hi as usize + 1).saturating_sub(lo as usize);
        let order = (lanes > 1 && hi != NO_PARENT && lo <= hi)
            .then(|| span.saturating_mul(threads.max(1)))
            .filter(|&len| len <= 8 * total + 1024);
        if let Some(len) = order {
            // Every slot is 0 here: reading a slot in order clears it for the next rank.
            scratch.shared_slots.truncate(len);
            scratch.shared_slots.resize_with(len, || AtomicU32::new(0));
        }
        let slots = &scratch.shared_slots[..order.unwrap_or(0)];
        let clash = AtomicBool::new(false);
        let merge = |k: usize, out: &mut LaneOut<P>| {
            out.states.clear();
            out.runs.clear();
            out.long = Arena::default();
            let from = (k * per).min(parts);
            merge_range(segs, bits, from..(from + per).min(parts), k, out)?;
            if order.is_some() && !out.scatter(k, lo, threads.max(1), slots) {
                clash.store(true, Ordering::Relaxed);
            }
            Ok(())
        };
        let results: Vec<Result<(), Overflow>> = if lanes == 1 {
            outs.iter_mut().map(|o| merge(0, o)).collect()
        } else {
            std::thread::scope(|sc| {
                let merge = &merge;
                let handles: Vec<_> = outs
                    .iter_mut()
                    .enumerate()
                    .map(|(k, o)| sc.spawn(move || merge(k, o)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or(Err(Overflow)))
                    .collect()
            })
        };
        for r in results {
            r?;
        }
        let ordered = match order {
            Some(_) if clash.load(Ordering::Relaxed) => {
                slots.iter().for_each(|s| s.store(0, Ordering::Relaxed));
                None
            }
            Some(_) => Some(slots.len()),
            None => None,
        };
        let merged = Merged {
            lanes: outs,
            ordered,
        };
        for seg in segments {
            scratch.give_back(seg);
        }
        Ok(merged)
    }
}

/// Ranks with fewer records than this are merged on one thread.
const PARALLEL_MERGE: usize = 1 << 16;

/// Merge partitions `range` (of 2^`bits`) of `segments` into lane `lane`'s `out`: its states,
/// the run of states of each partition, its long keys.
#[cfg_attr(target_arch = "wasm32", optimize(speed))]
fn merge_range<P: Paths>(
    segments: &[Pending<P>],
    bits: u32,
    range: std::ops::Range<usize>,
    lane: usize,
    out: &mut LaneOut<P>,
) -> Result<(), Overflow> {
    for p in range {
        let sources = || {
            segments.iter().flat_map(move |seg| {
                let shift = bits - seg.bits;
                seg.parts[p >> shift]
                    .iter()
                    .filter(move |r| shift == 0 || part_of(key_hash(r.key), bits) == p)
                    .map(move |r| (r, &seg.long))
            })
        };
        let upper: usize = segments
            .iter()
            .map(|seg| seg.parts[p >> (bits - seg.bits)].len())
            .sum();
        let start = out.states.len();
        dedupe(
            sources(),
            upper,
            lane,
            &mut out.long,
            &mut out.states,
            &mut out.table,
        )?;
        if out.states.len() > start {
            out.runs.push((start, out.states.len()));
        }
    }
    Ok(())
}

impl<P> LaneOut<P> {
    /// Place each state (lane `k`) in its ordering slot: `(parent − lo) × threads + thread`.
    /// `false` if a slot was taken already (two states with one way in, which cannot happen)
    /// or out of range.
    #[cfg_attr(target_arch = "wasm32", optimize(speed))]
    fn scatter(&self, k: usize, lo: u32, threads: usize, slots: &[AtomicU32]) -> bool {
        for (i, r) in self.states.iter().enumerate() {
            let Some(off) = r.parent.checked_sub(lo) else {
                return false;
            };
            let at = off as usize * threads + usize::from(r.via());
            let v = (k as u32) << SLOT_LANE_SHIFT | (i as u32 + 1);
            // Plain loads and stores (no locked instruction per state): slots are distinct by
            // construction, and the check only guards against what cannot happen.
            let free = i < SLOT_INDEX as usize
                && slots.get(at).is_some_and(|s| {
                    let empty = s.load(Ordering::Relaxed) == 0;
                    if empty {
                        s.store(v, Ordering::Relaxed);
                    }
                    empty
                });
            if !free {
                return false;
            }
        }
        true
    }
}

/// One lane's part of a merged rank, and its allocations kept for the next rank.
pub(super) struct LaneOut<P> {
    states: Vec<Rec<P>>,
    /// The states of each partition: a run already in processing order (records arrive parent
    /// by parent, each parent's threads in order).
    runs: Vec<(usize, usize)>,
    long: Arena,
    table: Vec<u32>,
}

impl<P> Default for LaneOut<P> {
    fn default() -> Self {
        LaneOut {
            states: Vec::new(),
            runs: Vec::new(),
            long: Arena::default(),
            table: Vec::new(),
        }
    }
}

/// The parent of the start.
const NO_PARENT: u32 = u32::MAX;

/// Where an ordering slot keeps its lane.
const SLOT_LANE_SHIFT: u32 = 29;

/// An ordering slot's index (+ 1) in its lane's states.
const SLOT_INDEX: u32 = (1 << SLOT_LANE_SHIFT) - 1;

/// Most lanes a merge uses (a long key and an ordering slot record the lane in 3 bits).
pub(super) const MAX_LANES: usize = 8;

/// Allocations kept from one rank to the next (fresh memory costs a page fault per page).
pub(super) struct Scratch<P> {
    pool: Vec<Vec<Rec<P>>>,
    recent: Vec<([u64; 2], u32, u32)>,
    lanes: Vec<LaneOut<P>>,
    /// The slots [`Merged::in_order`] sorts with.
    pub slots: Vec<u32>,
    /// The slots [`Merged::in_order_parallel`] sorts with.
    pub shared_slots: Vec<AtomicU32>,
}

impl<P> Scratch<P> {
    pub fn new() -> Self {
        Scratch {
            pool: Vec::new(),
            recent: Vec::new(),
            lanes: Vec::new(),
            slots: Vec::new(),
            shared_slots: Vec::new(),
        }
    }

    /// Take back the allocations of a rank that has been processed.
    pub fn recycle(&mut self, merged: Merged<P>) {
        self.lanes.extend(merged.lanes);
    }

    /// Take back a segment's partitions (emptied) and its table of recent states.
    fn give_back(&mut self, seg: Pending<P>) {
        for mut part in seg.parts {
            part.clear();
            self.pool.push(part);
        }
        if self.recent.is_empty() {
            self.recent = seg.recent;
            self.recent.fill(([0, 0], 0, 0));
        }
    }

    /// Hand half of the pooled partitions to `other` (a lane's scratch), so each lane reuses
    /// memory instead of faulting fresh pages in.
    pub fn share_with(&mut self, other: &mut Scratch<P>) {
        let keep = self.pool.len() / 2;
        other.pool.extend(self.pool.drain(keep..));
    }
}

/// Another way into the state of `u`.
#[cfg_attr(target_arch = "wasm32", optimize(speed))]
fn merge_into<P: Paths>(u: &mut Rec<P>, r: &Rec<P>) -> Result<(), Overflow> {
    u.paths = u.paths.add(r.paths).ok_or(Overflow)?;
    if r.better(u) {
        (u.parent, u.dist_via) = (r.parent, r.dist_via);
    }
    Ok(())
}

/// Merge records (each with the arena its long key is in) into `out`, long keys copied into
/// `long`; `upper`: at most how many there are (sizes the table).
#[cfg_attr(target_arch = "wasm32", optimize(speed))]
fn dedupe<'a, P: Paths + 'a>(
    recs: impl Iterator<Item = (&'a Rec<P>, &'a Arena)>,
    upper: usize,
    lane: usize,
    long: &mut Arena,
    out: &mut Vec<Rec<P>>,
    table: &mut Vec<u32>,
) -> Result<(), Overflow> {
    let base = out.len();
    let size = (upper * 2).next_power_of_two().max(16);
    table.clear();
    table.resize(size, 0);
    let mask = size - 1;
    for (r, from) in recs {
        let mut i = key_hash(r.key) as usize & mask;
        loop {
            let s = table[i] as usize;
            if s == 0 {
                let mut r = *r;
                if is_long(r.key) {
                    r.key = long.adopt(from, r.key, lane);
                }
                out.push(r);
                table[i] = (out.len() - base) as u32;
                break;
            }
            let u = &mut out[base + s - 1];
            let same = if is_long(r.key) {
                is_long(u.key) && u.key[0] == r.key[0] && long.get(u.key) == from.get(r.key)
            } else {
                u.key == r.key
            };
            if same {
                merge_into(u, r)?;
                break;
            }
            i = (i + 1) & mask;
        }
    }
    Ok(())
}

/// The states of one rank, each once: in the parts the merge lanes made.
pub(super) struct Merged<P> {
    lanes: Vec<LaneOut<P>>,
    /// The length of the ordering slots the lanes placed every state in, if they did.
    ordered: Option<usize>,
}

/// The order states are processed in: by the way in (parent, then thread), so that with ids
/// given in this order the first shortest schedule in lexicographic order is kept.
#[cfg_attr(target_arch = "wasm32", optimize(speed))]
fn way_in<P>(r: &Rec<P>) -> u64 {
    u64::from(r.parent) << 8 | u64::from(r.via())
}

/// The states of a rank in processing order: the partitions' runs merged.
pub(super) struct InOrder<'a, P> {
    merged: &'a Merged<P>,
    /// Each run: its lane, next position and end.
    runs: Vec<(usize, usize, usize)>,
    heap: BinaryHeap<Reverse<(u64, usize)>>,
}

impl<'a, P> Iterator for InOrder<'a, P> {
    type Item = &'a Rec<P>;

    #[cfg_attr(target_arch = "wasm32", optimize(speed))]
    fn next(&mut self) -> Option<&'a Rec<P>> {
        let mut top = self.heap.peek_mut()?;
        let Reverse((_, run)) = *top;
        let (lane, pos, end) = &mut self.runs[run];
        let states = &self.merged.lanes[*lane].states;
        let rec = &states[*pos];
        *pos += 1;
        if *pos < *end {
            *top = Reverse((way_in(&states[*pos]), run));
        } else {
            PeekMut::pop(top);
        }
        Some(rec)
    }
}

impl<P> Merged<P> {
    pub fn len(&self) -> usize {
        self.lanes.iter().map(|l| l.states.len()).sum()
    }

    fn all(&self) -> impl Iterator<Item = &Rec<P>> {
        self.lanes.iter().flat_map(|l| l.states.iter())
    }

    /// The states in processing order: by way in, (parent, thread). Each state keeps one way
    /// in and no two states share one, so `(parent − lowest) × threads + thread` is a distinct
    /// slot per state: placing each in its slot and reading the slots in order sorts them in
    /// linear time. Where the parents span far more ids than there are states, a k-way merge
    /// of the partitions' runs (each already in order) does it instead.
    #[cfg_attr(target_arch = "wasm32", optimize(speed))]
    pub fn in_order<'a>(&'a self, threads: usize, slots: &mut Vec<u32>) -> Vec<&'a Rec<P>> {
        let (mut lo, mut hi) = (u32::MAX, 0);
        for r in self.all() {
            lo = lo.min(r.parent);
            hi = hi.max(r.parent);
        }
        let n = self.len();
        if n == 0 || self.lanes.len() > MAX_LANES {
            return self.iter().collect();
        }
        let span = (hi - lo) as usize + 1;
        let threads = threads.max(1);
        if span.saturating_mul(threads) > 8 * n + 1024 {
            return self.iter().collect();
        }
        // A slot holds the lane (top 3 bits) and the index in its states (the rest), + 1.
        slots.clear();
        slots.resize(span * threads, 0);
        for (k, lane) in self.lanes.iter().enumerate() {
            for (i, r) in lane.states.iter().enumerate() {
                let at = (r.parent - lo) as usize * threads + usize::from(r.via());
                match slots.get_mut(at) {
                    Some(slot) if *slot == 0 && i < SLOT_INDEX as usize => {
                        *slot = (k as u32) << SLOT_LANE_SHIFT | (i as u32 + 1);
                    }
                    // Two states with one way in cannot happen; if it did, fall back.
                    _ => return self.iter().collect(),
                }
            }
        }
        let mut out = Vec::with_capacity(n);
        for &slot in slots.iter() {
            if slot != 0 {
                let lane = (slot >> SLOT_LANE_SHIFT) as usize;
                let i = (slot & SLOT_INDEX) as usize - 1;
                out.push(&self.lanes[lane].states[i]);
            }
        }
        out
    }

    /// [`Merged::in_order`] on `lanes` threads, cut into `lanes` consecutive runs of about
    /// equal length (one per expanding lane): the merge lanes placed every state in the shared
    /// slots as they finished, and each run of slots is read (and cleared) here. `None` where
    /// they did not (a small rank, parents spanning far more ids than there are states, two
    /// states with one way in): then the sequential [`Merged::in_order`] decides.
    #[cfg_attr(target_arch = "wasm32", optimize(speed))]
    pub fn in_order_parallel<'a>(
        &'a self,
        lanes: usize,
        slots: &[AtomicU32],
    ) -> Option<Vec<Vec<&'a Rec<P>>>>
    where
        P: Sync,
    {
        let len = self.ordered?;
        let slots = slots.get(..len)?;
        let n = self.len();
        let lanes = lanes.max(1);
        let per = len.div_ceil(lanes);
        let runs: Vec<Vec<&Rec<P>>> = std::thread::scope(|sc| {
            let handles: Vec<_> = slots
                .chunks(per)
                .map(|chunk| {
                    sc.spawn(move || {
                        let mut out = Vec::with_capacity(n / lanes + 1);
                        for slot in chunk {
                            let v = slot.load(Ordering::Relaxed);
                            if v != 0 {
                                slot.store(0, Ordering::Relaxed);
                                let lane = (v >> SLOT_LANE_SHIFT) as usize;
                                let i = (v & SLOT_INDEX) as usize - 1;
                                out.push(&self.lanes[lane].states[i]);
                            }
                        }
                        out
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect()
        });
        // Every state is in exactly one run.
        (runs.iter().map(Vec::len).sum::<usize>() == n).then_some(runs)
    }

    /// The states in processing order.
    pub fn iter(&self) -> InOrder<'_, P> {
        let runs: Vec<(usize, usize, usize)> = self
            .lanes
            .iter()
            .enumerate()
            .flat_map(|(k, l)| l.runs.iter().map(move |&(a, b)| (k, a, b)))
            .collect();
        let heap = runs
            .iter()
            .enumerate()
            .map(|(i, &(k, start, _))| Reverse((way_in(&self.lanes[k].states[start]), i)))
            .collect();
        InOrder {
            merged: self,
            runs,
            heap,
        }
    }

    /// The state of `r`, written into `st`.
    #[cfg_attr(target_arch = "wasm32", optimize(speed))]
    pub fn state(&self, r: &Rec<P>, st: &mut [i64]) {
        if is_long(r.key) {
            let lane = (r.key[1] & 0x00ff_ffff_ffff_ffff) >> LANE_SHIFT;
            if let Some(l) = self.lanes.get(lane as usize) {
                decode(l.long.get(r.key), st);
            }
        } else {
            let len = (r.key[1] >> 56) as usize;
            if len == st.len() {
                // One byte a slot.
                let unzig = |z: u64| ((z >> 1) as i64) ^ -((z & 1) as i64);
                let (first, rest) = st.split_at_mut(len.min(8));
                for (i, s) in first.iter_mut().enumerate() {
                    *s = unzig(r.key[0] >> (8 * i) & 0xff);
                }
                for (i, s) in rest.iter_mut().enumerate() {
                    *s = unzig(r.key[1] >> (8 * i) & 0xff);
                }
                return;
            }
            let k = u128::from(r.key[0]) | u128::from(r.key[1]) << 64;
            decode(&k.to_le_bytes()[..len], st);
        }
    }
}

/// `st` encoded in at most [`INLINE`] bytes, with the length in the top byte.
#[cfg_attr(target_arch = "wasm32", optimize(speed))]
fn inline(st: &[i64]) -> Option<[u64; 2]> {
    if st.len() <= INLINE {
        // Most states have every slot in -64..64: one byte each. Two loops without a branch
        // inside, so each unrolls.
        let zig = |v: i64| ((v << 1) ^ (v >> 63)) as u64;
        let (first, rest) = st.split_at(st.len().min(8));
        let (mut lo, mut hi, mut big) = (0u64, 0u64, 0u64);
        for (i, &v) in first.iter().enumerate() {
            let z = zig(v);
            big |= z;
            lo |= z << (8 * i);
        }
        for (i, &v) in rest.iter().enumerate() {
            let z = zig(v);
            big |= z;
            hi |= z << (8 * i);
        }
        if big < 0x80 {
            return Some([lo, hi | (st.len() as u64) << 56]);
        }
    }
    let mut k: u128 = 0;
    let mut n = 0;
    for &v in st {
        let mut z = ((v << 1) ^ (v >> 63)) as u64;
        loop {
            if n >= INLINE {
                return None;
            }
            let more = z >= 0x80;
            k |= u128::from(z as u8 & 0x7f | if more { 0x80 } else { 0 }) << (8 * n);
            n += 1;
            if !more {
                break;
            }
            z >>= 7;
        }
    }
    k |= (n as u128) << 120;
    Some([k as u64, (k >> 64) as u64])
}
