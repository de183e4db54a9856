//! States and endings in words: what a replayed step shows, and how a bad ending reads.

use super::ir::{EvalError, Program};
use super::step::{CUR_TASK, Exec, FAULT, FAULT_VAL, Fault};

/// How a livelock reads.
pub(super) const LIVELOCK: &str = "livelock: from this state no schedule can ever finish";

impl Program {
    /// How a schedule that stopped in `st` (nothing can step) ended badly, in words naming the
    /// line; empty if it ended well.
    pub(super) fn ending(&self, st: &[i64]) -> String {
        if st[FAULT] != 0 {
            return self.fault_text(st);
        }
        if !self.all_finished(st) {
            return self.deadlock_text(st);
        }
        match self.failed_check(st) {
            Some((i, e)) => self.check_text(st, i, e),
            None => String::new(),
        }
    }

    fn fault_text(&self, st: &[i64]) -> String {
        let (fault, u, op) = Fault::decode(st[FAULT], st[FAULT_VAL]);
        let Some(unit) = self.units.get(u) else {
            return "a step went wrong".to_string();
        };
        let code = &self.codes[unit.code];
        let stmt = code.ops.get(op).map_or(0, |o| o.stmt as usize);
        let line = code
            .step_of
            .get(op)
            .and_then(|&s| code.steps.get(s as usize))
            .map_or(0, |s| s.line);
        let who = &unit.name;
        match fault {
            Fault::Assert => {
                let src = code.sources.get(stmt).map_or("", String::as_str);
                let cond = src.strip_prefix("assert").map_or(src, str::trim_start);
                format!("assert failed at line {line}: {cond} (in {who})")
            }
            Fault::Overflow => format!("overflow at line {line} (in {who})"),
            Fault::DivZero => format!("division by zero at line {line} (in {who})"),
            Fault::Index { value, len } => {
                format!("index {value} out of range 0..{len} at line {line} (in {who})")
            }
            Fault::Unlock { slot } => {
                let lock = self.lock_name(slot);
                let state = match self.holder(st, slot) {
                    Some(h) => format!("it is held by {}", self.units[h].name),
                    None => "it is free".to_string(),
                };
                format!("unlock {lock} at line {line} by {who}, which does not hold it ({state})")
            }
        }
    }

    pub(super) fn lock_name(&self, slot: usize) -> &str {
        slot.checked_sub(self.locks_base)
            .and_then(|k| self.lock_names.get(k))
            .map_or("?", String::as_str)
    }

    /// Who holds the lock in `slot`.
    pub(super) fn holder(&self, st: &[i64], slot: usize) -> Option<usize> {
        usize::try_from(st[slot] - 1)
            .ok()
            .filter(|&h| h < self.units.len())
    }

    fn deadlock_text(&self, st: &[i64]) -> String {
        let mut parts = Vec::new();
        for (u, unit) in self.units.iter().enumerate() {
            if self.finished(st, u) {
                continue;
            }
            let holds: Vec<&str> = (0..self.lock_names.len())
                .map(|k| self.locks_base + k)
                .filter(|&s| self.holder(st, s) == Some(u))
                .map(|s| self.lock_name(s))
                .collect();
            let waits = match self.run(&mut st.to_vec(), u, false) {
                Exec::Blocked { lock } | Exec::Parked { lock } => {
                    let by = match self.holder(st, lock) {
                        Some(h) if self.finished(st, h) => {
                            format!("{}, which has finished", self.units[h].name)
                        }
                        Some(h) => self.units[h].name.clone(),
                        None => "nobody".to_string(),
                    };
                    format!("waits for {} held by {by}", self.lock_name(lock))
                }
                Exec::NotItsTurn => {
                    let running = usize::try_from(st[CUR_TASK] - 1)
                        .ok()
                        .and_then(|t| self.units.get(t))
                        .map_or("?", |t| t.name.as_str());
                    format!("waits for its turn: task {running} runs until it awaits")
                }
                _ => "can still step".to_string(),
            };
            parts.push(if holds.is_empty() {
                format!("{} {waits}", unit.name)
            } else {
                format!("{} holds {} and {waits}", unit.name, holds.join(", "))
            });
        }
        format!("deadlock: {}", parts.join("; "))
    }

    fn check_text(&self, st: &[i64], i: usize, e: Option<EvalError>) -> String {
        let c = &self.checks[i];
        match e {
            None => {
                let values: Vec<String> = c
                    .vars
                    .iter()
                    .map(|&v| {
                        let var = &self.shared[v];
                        format!("{} = {}", var.name, self.value_text(st, v))
                    })
                    .collect();
                if values.is_empty() {
                    format!("check failed: {}", c.text)
                } else {
                    format!("check failed: {} ({})", c.text, values.join(", "))
                }
            }
            Some(EvalError::Overflow) => format!("check at line {} overflows: {}", c.line, c.text),
            Some(EvalError::DivZero) => {
                format!("check at line {} divides by zero: {}", c.line, c.text)
            }
            Some(EvalError::Index { value, len }) => format!(
                "check at line {}: index {value} out of range 0..{len}: {}",
                c.line, c.text
            ),
        }
    }

    /// A shared variable's value: `5`, or `[1,0,0]` for an array.
    fn value_text(&self, st: &[i64], v: usize) -> String {
        let var = &self.shared[v];
        match var.len {
            None => st[var.slot].to_string(),
            Some(n) => {
                let vals: Vec<String> = st[var.slot..var.slot + n as usize]
                    .iter()
                    .map(i64::to_string)
                    .collect();
                format!("[{}]", vals.join(","))
            }
        }
    }

    /// Shared variables and locks: `balance=5 m=w0 fork=[p#0,free,free]`.
    pub(super) fn state_text(&self, st: &[i64]) -> String {
        let mut parts: Vec<String> = (0..self.shared.len())
            .map(|v| format!("{}={}", self.shared[v].name, self.value_text(st, v)))
            .collect();
        let who = |s: usize| match self.holder(st, s) {
            Some(h) => self.units[h].name.clone(),
            None => "free".to_string(),
        };
        for l in &self.locks {
            parts.push(match l.len {
                None => format!("{}={}", l.name, who(l.slot)),
                Some(n) => {
                    let all: Vec<String> = (l.slot..l.slot + n as usize).map(who).collect();
                    format!("{}=[{}]", l.name, all.join(","))
                }
            });
        }
        parts.join(" ")
    }

    /// Thread `u`'s registers: `r=5 first=0`.
    pub(super) fn registers_text(&self, st: &[i64], u: usize) -> String {
        let unit = &self.units[u];
        self.codes[unit.code]
            .regs
            .iter()
            .enumerate()
            .map(|(k, name)| format!("{name}={}", st[unit.pc + 1 + k]))
            .collect::<Vec<_>>()
            .join(" ")
    }
}
