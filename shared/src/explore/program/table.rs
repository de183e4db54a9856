//! A set of encoded states, each given a dense id in insertion order: open addressing over a
//! flat byte arena, with an FxHash-style hash, so millions of states fit in little memory.

/// The hash of an encoded state.
#[cfg_attr(target_arch = "wasm32", optimize(speed))]
pub(super) fn hash(key: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = key.len() as u64;
    let mut chunks = key.chunks_exact(8);
    for c in &mut chunks {
        h = (h.rotate_left(5) ^ word(c)).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        h = (h.rotate_left(5) ^ word(rest)).wrapping_mul(K);
    }
    // Fx mixes the high bits well and the low ones poorly; the table indexes with the low ones.
    h ^= h >> 29;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^ (h >> 32)
}

#[cfg_attr(target_arch = "wasm32", optimize(speed))]
fn word(c: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    let n = c.len().min(8);
    a[..n].copy_from_slice(&c[..n]);
    u64::from_le_bytes(a)
}

/// Encoded states, each with an id (0, 1, 2, … in insertion order).
pub(super) struct StateSet {
    /// 0: empty; else the hash's high 32 bits and id + 1 in the low 32.
    slots: Vec<u64>,
    bytes: Vec<u8>,
    /// End of each key in `bytes`.
    ends: Vec<usize>,
}

impl StateSet {
    pub fn new() -> Self {
        StateSet {
            slots: vec![0; 256],
            bytes: Vec::new(),
            ends: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// The key of state `id`.
    pub fn key(&self, id: usize) -> &[u8] {
        let start = if id == 0 { 0 } else { self.ends[id - 1] };
        &self.bytes[start..self.ends[id]]
    }

    /// The id of `key`, inserted if new, and whether it was.
    #[cfg_attr(target_arch = "wasm32", optimize(speed))]
    pub fn insert(&mut self, key: &[u8]) -> (usize, bool) {
        if (self.len() + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let h = hash(key);
        let tag = h >> 32;
        let mask = self.slots.len() - 1;
        let mut i = h as usize & mask;
        loop {
            let s = self.slots[i];
            if s == 0 {
                let id = self.len();
                self.bytes.extend_from_slice(key);
                self.ends.push(self.bytes.len());
                self.slots[i] = tag << 32 | (id as u64 + 1);
                return (id, true);
            }
            if s >> 32 == tag {
                let id = (s & 0xffff_ffff) as usize - 1;
                if self.key(id) == key {
                    return (id, false);
                }
            }
            i = (i + 1) & mask;
        }
    }

    #[cfg_attr(target_arch = "wasm32", optimize(speed))]
    fn grow(&mut self) {
        let size = self.slots.len() * 2;
        let mut slots = vec![0u64; size];
        let mask = size - 1;
        for id in 0..self.len() {
            let h = hash(self.key(id));
            let mut i = h as usize & mask;
            while slots[i] != 0 {
                i = (i + 1) & mask;
            }
            slots[i] = (h >> 32) << 32 | (id as u64 + 1);
        }
        self.slots = slots;
    }
}
