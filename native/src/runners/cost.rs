//! `cost`: N trivial tasks of one kind, one after another.

use super::exact;
use crate::cost;
use crate::runner::{Execution, measure};
use anyhow::{Result, bail};
use interleave_shared::lessons::native_only::{cost_note, cost_render};
use interleave_shared::{Clock, Params, Span, SpanKind};

pub fn execute(strategy: &str, p: Params) -> Result<Execution> {
    let n = u32::try_from(p.size)?;
    if strategy == "process" && n > 5_000 {
        bail!(interleave_shared::ParamError::OutOfRange {
            name: "size".into(),
            value: p.size,
            min: 1,
            max: 5_000,
            hint: " for process (each is a whole program start)".into(),
        });
    }
    let (rung, meter) = measure(|clock| {
        let start = clock.now_ms();
        let rung = match strategy {
            "async-task" => cost::tokio_task(n)?,
            "pool-job" => cost::pool_job(n)?,
            "thread" => cost::thread(n)?,
            "process" => cost::process(n)?,
            other => bail!("strategy '{other}' is not a cost rung"),
        };
        Ok((
            rung,
            Span {
                worker: 0,
                task: 0,
                start_ms: start,
                end_ms: clock.now_ms(),
                kind: SpanKind::Spawn,
            },
        ))
    })?;
    let (rung, span) = rung;
    let mut e = exact(
        cost_render(u64::from(rung.count)),
        cost_render(p.size),
        vec![span],
        meter,
        1,
    );
    e.note = Some(cost_note(
        rung.us_per_task * f64::from(rung.count) / 1000.0,
        p.size,
    ));
    Ok(e)
}
