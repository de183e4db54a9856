//! The `db` lesson in the browser: the same insertion worker, with IndexedDB as the database.
//! Producers are async tasks; the writer is one task committing batches, or one committing every
//! row; or every producer commits its own rows and they contend for the store (IndexedDB runs
//! read-write transactions on one store one at a time). Producer 0 fails half-way, and every row
//! produced before that must be in the store at the end: the run counts them.

use crate::exec::{self, platform::PerfClock};
use futures::channel::mpsc;
use futures::{SinkExt, StreamExt};
use interleave_shared::lessons::queue;
use interleave_shared::{
    Checked, Clock, Execution, Fact, LessonId, Params, Span, SpanKind, Strategy, StrategyId as S,
    Timing,
};
use std::cell::{Cell, RefCell};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// Rows per transaction for the batching writer (as natively).
const BATCH: usize = 100;

#[wasm_bindgen(inline_js = r#"
function done(req) {
  return new Promise((ok, err) => { req.onsuccess = () => ok(req.result); req.onerror = () => err(req.error); });
}
export async function idb_open(name) {
  await done(indexedDB.deleteDatabase(name));
  const req = indexedDB.open(name, 1);
  req.onupgradeneeded = () => req.result.createObjectStore('rows', { keyPath: 'id' });
  return await done(req);
}
export function idb_put(db, ids, producers) {
  return new Promise((ok, err) => {
    const tx = db.transaction('rows', 'readwrite', { durability: 'strict' });
    const store = tx.objectStore('rows');
    for (let i = 0; i < ids.length; i++) {
      store.put({ id: ids[i], producer: producers[i], payload: `row ${ids[i]} from producer ${producers[i]}` });
    }
    tx.oncomplete = () => ok();
    tx.onerror = () => err(tx.error);
    tx.onabort = () => err(tx.error);
  });
}
export function idb_count(db) {
  return done(db.transaction('rows').objectStore('rows').count());
}
export async function idb_drop(db, name) {
  db.close();
  await done(indexedDB.deleteDatabase(name));
}
"#)]
extern "C" {
    #[wasm_bindgen(catch)]
    fn idb_open(name: &str) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch)]
    fn idb_put(
        db: &JsValue,
        ids: Vec<f64>,
        producers: Vec<u32>,
    ) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch)]
    fn idb_count(db: &JsValue) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch)]
    fn idb_drop(db: &JsValue, name: &str) -> Result<js_sys::Promise, JsValue>;
}

async fn call(p: Result<js_sys::Promise, JsValue>) -> Result<JsValue, String> {
    JsFuture::from(p.map_err(|e| format!("{e:?}"))?)
        .await
        .map_err(|e| format!("IndexedDB: {e:?}"))
}

/// Commit `rows` (id, producer) in one read-write transaction.
async fn put(db: &JsValue, rows: &[(u64, u32)]) -> Result<(), String> {
    let ids = rows.iter().map(|(id, _)| *id as f64).collect();
    let producers = rows.iter().map(|(_, p)| *p).collect();
    call(idb_put(db, ids, producers)).await.map(|_| ())
}

/// Run one strategy of the db lesson against a fresh IndexedDB database.
pub async fn execute(
    strategy: &Strategy,
    p: Params,
    progress: &dyn Fn(String),
) -> Result<Execution, String> {
    if ![S::Batched, S::PerRow, S::Contending].contains(&strategy.id) {
        return Err(exec::unsupported(LessonId::Db, strategy));
    }
    progress(format!("db: {} into IndexedDB…", strategy.id));
    let contending = strategy.id == S::Contending;
    let name = format!("interleave-db-{}", js_sys::Date::now());
    let db = call(idb_open(&name)).await?;
    let producers = p.workers.max(1);
    let produced = Cell::new(0u64);
    let failed_after = Cell::new(0u64);
    // Transactions committed: one per `put`.
    let commits = Cell::new(0u64);
    let spans = RefCell::new(Vec::new());
    let clock = PerfClock::start();
    let (tx, mut rx) = mpsc::channel::<(u64, u32)>(BATCH * 2);
    let producer = |pr: u32| {
        let (mut tx, db, produced, failed_after, spans, clock, commits) = (
            tx.clone(),
            &db,
            &produced,
            &failed_after,
            &spans,
            &clock,
            &commits,
        );
        async move {
            let all: Vec<u64> = queue::items_of(pr, producers, p.size).collect();
            // Producer 0 fails half-way through its rows, on purpose.
            let rows = if pr == 0 && all.len() > 1 {
                &all[..all.len() / 2]
            } else {
                &all[..]
            };
            for id in rows {
                let t0 = clock.now_ms();
                // @code db:contending
                if contending {
                    put(db, &[(*id, pr)]).await?;
                    commits.set(commits.get() + 1);
                    // @end
                    spans.borrow_mut().push(Span {
                        worker: pr,
                        task: *id as u32,
                        start_ms: t0,
                        end_ms: clock.now_ms(),
                        kind: SpanKind::Lock,
                    });
                } else {
                    // @code db:batched db:per-row
                    tx.send((*id, pr))
                        .await
                        .map_err(|_| "the writer stopped".to_string())?;
                    // @end
                    let t1 = clock.now_ms();
                    if t1 - t0 > 0.05 {
                        spans.borrow_mut().push(Span {
                            worker: pr,
                            task: *id as u32,
                            start_ms: t0,
                            end_ms: t1,
                            kind: SpanKind::Wait,
                        });
                    }
                }
                produced.set(produced.get() + 1);
            }
            if rows.len() < all.len() {
                failed_after.set(rows.len() as u64);
            }
            Ok::<(), String>(())
        }
    };
    let producers_done = futures::future::join_all((0..producers).map(producer));
    drop(tx);
    let writer = async {
        if contending {
            return Ok::<(), String>(());
        }
        // @code db:batched db:per-row
        while let Some(first) = rx.next().await {
            let t0 = clock.now_ms();
            let mut batch = vec![first];
            if strategy.id == S::Batched {
                while batch.len() < BATCH {
                    match rx.try_recv() {
                        Ok(r) => batch.push(r),
                        Err(_) => break,
                    }
                }
            }
            put(&db, &batch).await?;
            commits.set(commits.get() + 1);
            // @end
            spans.borrow_mut().push(Span {
                worker: producers,
                task: first.0 as u32,
                start_ms: t0,
                end_ms: clock.now_ms(),
                kind: SpanKind::Wait,
            });
        }
        Ok(())
    };
    let (results, written) = futures::future::join(producers_done, writer).await;
    let wall = clock.now_ms();
    let count = call(idb_count(&db)).await?.as_f64().unwrap_or(-1.0);
    let _ = call(idb_drop(&db, &name)).await;
    for r in results {
        r?;
    }
    written?;
    let produced = produced.get();
    let result = format!("{count} rows in the database, {produced} produced");
    let expected = format!("{produced} rows in the database, {produced} produced");
    let writers = match strategy.id {
        S::Contending => format!("{producers} writers, one transaction per row"),
        S::PerRow => "one writer, one transaction per row".to_string(),
        _ => format!("one writer, transactions of up to {BATCH} rows"),
    };
    let note = format!(
        "{writers}; producer 0 failed on purpose after {} rows, and every row produced before that is in IndexedDB (a fresh database, deleted afterwards)",
        failed_after.get()
    );
    let workers = producers + u32::from(!contending);
    let e = Execution::new(
        Checked::exact(result, expected),
        spans.into_inner(),
        workers,
        Timing::wall(wall),
    );
    Ok(e.with_note(note)
        .fact(Fact::Commits, commits.get() as f64)
        .fact(Fact::Rows, count))
}
