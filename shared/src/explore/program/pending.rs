//! The states waiting for their rank in the layered engine. Reaching a state appends a record
//! to one of a few partitions (chosen by hash), which is a sequential write; when the rank's
//! turn comes, each partition is merged on its own in a table small enough to stay in cache.
//! Random access into one table as large as a whole rank would cost a cache miss per edge.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::collections::binary_heap::PeekMut;

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

/// Keys longer than [`INLINE`] bytes.
#[derive(Default)]
struct Arena {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Arena {
    fn get(&self, key: [u64; 2]) -> &[u8] {
        let i = (key[1] & 0x00ff_ffff_ffff_ffff) as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }

    fn same(&self, a: [u64; 2], b: [u64; 2]) -> bool {
        if is_long(a) {
            is_long(b) && a[0] == b[0] && self.get(a) == self.get(b)
        } else {
            a == b
        }
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
}

/// Entries in [`Pending::recent`].
const RECENT: usize = 1024;

impl<P: Paths> Pending<P> {
    /// A rank expected to receive about `expect` records, its partitions taken from `scratch`.
    pub fn new(expect: usize, scratch: &mut Scratch<P>) -> Self {
        let bits = (expect / 65536)
            .next_power_of_two()
            .trailing_zeros()
            .min(12);
        Pending {
            parts: (0..1usize << bits)
                .map(|_| scratch.pool.pop().unwrap_or_default())
                .collect(),
            bits,
            long: Arena::default(),
            recent: std::mem::take(&mut scratch.recent),
        }
    }

    /// Record that state `st` was reached.
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
        let rec = Rec {
            key,
            paths,
            parent,
            dist_via: dist.min(MAX_DIST) << 8 | u32::from(via),
        };
        let h = key_hash(key);
        let part = if self.bits == 0 {
            0
        } else {
            (h >> (64 - self.bits)) as usize
        };
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

    /// Every state once, paths summed and the best way in kept, partition by partition.
    pub fn merge(self, scratch: &mut Scratch<P>) -> Result<Merged<P>, Overflow> {
        let mut states = std::mem::take(&mut scratch.states);
        if scratch.recent.is_empty() {
            scratch.recent = self.recent;
            scratch.recent.fill(([0, 0], 0, 0));
        }
        states.clear();
        let mut runs = Vec::with_capacity(self.parts.len());
        for mut part in self.parts {
            let start = states.len();
            dedupe(&part, &self.long, &mut states, &mut scratch.table)?;
            if states.len() > start {
                runs.push((start, states.len()));
            }
            part.clear();
            scratch.pool.push(part);
        }
        Ok(Merged {
            states,
            runs,
            long: self.long,
        })
    }
}

/// Allocations kept from one rank to the next (fresh memory costs a page fault per page).
pub(super) struct Scratch<P> {
    pool: Vec<Vec<Rec<P>>>,
    recent: Vec<([u64; 2], u32, u32)>,
    table: Vec<u32>,
    states: Vec<Rec<P>>,
}

impl<P> Scratch<P> {
    pub fn new() -> Self {
        Scratch {
            pool: Vec::new(),
            recent: Vec::new(),
            table: Vec::new(),
            states: Vec::new(),
        }
    }

    /// Take back the allocations of a rank that has been processed.
    pub fn recycle(&mut self, merged: Merged<P>) {
        self.states = merged.states;
    }
}

/// Another way into the state of `u`.
fn merge_into<P: Paths>(u: &mut Rec<P>, r: &Rec<P>) -> Result<(), Overflow> {
    u.paths = u.paths.add(r.paths).ok_or(Overflow)?;
    if r.better(u) {
        (u.parent, u.dist_via) = (r.parent, r.dist_via);
    }
    Ok(())
}

/// Merge one partition's records into `out`.
fn dedupe<P: Paths>(
    part: &[Rec<P>],
    long: &Arena,
    out: &mut Vec<Rec<P>>,
    table: &mut Vec<u32>,
) -> Result<(), Overflow> {
    let base = out.len();
    let size = (part.len() * 2).next_power_of_two().max(16);
    table.clear();
    table.resize(size, 0);
    let mask = size - 1;
    for r in part {
        let mut i = key_hash(r.key) as usize & mask;
        loop {
            let s = table[i] as usize;
            if s == 0 {
                out.push(*r);
                table[i] = (out.len() - base) as u32;
                break;
            }
            let u = &mut out[base + s - 1];
            if long.same(u.key, r.key) {
                merge_into(u, r)?;
                break;
            }
            i = (i + 1) & mask;
        }
    }
    Ok(())
}

/// The states of one rank, each once.
pub(super) struct Merged<P> {
    states: Vec<Rec<P>>,
    /// The states of each partition: a run already in processing order (records arrive parent
    /// by parent, each parent's threads in order).
    runs: Vec<(usize, usize)>,
    long: Arena,
}

/// The order states are processed in: by the way in (parent, then thread), so that with ids
/// given in this order the first shortest schedule in lexicographic order is kept.
fn way_in<P>(r: &Rec<P>) -> u64 {
    u64::from(r.parent) << 8 | u64::from(r.via())
}

/// The states of a rank in processing order: the partitions' runs merged.
pub(super) struct InOrder<'a, P> {
    states: &'a [Rec<P>],
    runs: Vec<(usize, usize)>,
    heap: BinaryHeap<Reverse<(u64, usize)>>,
}

impl<'a, P> Iterator for InOrder<'a, P> {
    type Item = &'a Rec<P>;

    fn next(&mut self) -> Option<&'a Rec<P>> {
        let mut top = self.heap.peek_mut()?;
        let Reverse((_, run)) = *top;
        let (pos, end) = &mut self.runs[run];
        let rec = &self.states[*pos];
        *pos += 1;
        if *pos < *end {
            *top = Reverse((way_in(&self.states[*pos]), run));
        } else {
            PeekMut::pop(top);
        }
        Some(rec)
    }
}

impl<P> Merged<P> {
    pub fn len(&self) -> usize {
        self.states.len()
    }

    /// The states in processing order.
    pub fn iter(&self) -> InOrder<'_, P> {
        let heap = self
            .runs
            .iter()
            .enumerate()
            .map(|(i, &(start, _))| Reverse((way_in(&self.states[start]), i)))
            .collect();
        InOrder {
            states: &self.states,
            runs: self.runs.clone(),
            heap,
        }
    }

    /// The state of `r`, written into `st`.
    pub fn state(&self, r: &Rec<P>, st: &mut [i64]) {
        if is_long(r.key) {
            decode(self.long.get(r.key), st);
        } else {
            let len = (r.key[1] >> 56) as usize;
            if len == st.len() {
                // One byte a slot.
                for (i, s) in st.iter_mut().enumerate() {
                    let z = if i < 8 {
                        r.key[0] >> (8 * i)
                    } else {
                        r.key[1] >> (8 * (i - 8))
                    } & 0xff;
                    *s = ((z >> 1) as i64) ^ -((z & 1) as i64);
                }
                return;
            }
            let k = u128::from(r.key[0]) | u128::from(r.key[1]) << 64;
            decode(&k.to_le_bytes()[..len], st);
        }
    }
}

/// `st` encoded in at most [`INLINE`] bytes, with the length in the top byte.
fn inline(st: &[i64]) -> Option<[u64; 2]> {
    if st.len() <= INLINE {
        // Most states have every slot in -64..64: one byte each.
        let (mut lo, mut hi, mut small) = (0u64, 0u64, true);
        for (i, &v) in st.iter().enumerate() {
            let z = ((v << 1) ^ (v >> 63)) as u64;
            small &= z < 0x80;
            if i < 8 {
                lo |= z << (8 * i);
            } else {
                hi |= z << (8 * (i - 8));
            }
        }
        if small {
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
