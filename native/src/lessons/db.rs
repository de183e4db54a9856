//! `db`: producers make rows; a batching writer, a per-row writer, or every producer writing for
//! itself puts them into a real SQLite file in a temporary directory. Producer 0 always fails
//! half-way; every row produced before that must still be in the database.

use crate::exec::measure;
use anyhow::{Context, Result, bail};
use interleave_shared::lessons::queue;
use interleave_shared::{
    Checked, Clock, Execution, Fact, LessonId, Params, Span, SpanKind, Strategy, StrategyId as S,
};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Rows per transaction for the batching writer.
const BATCH: usize = 100;

/// A directory removed when dropped, whatever happened.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_nanos();
        let dir =
            std::env::temp_dir().join(format!("interleave-db-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Self(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn open(path: &Path) -> rusqlite::Result<Connection> {
    let c = Connection::open(path)?;
    c.busy_timeout(Duration::from_secs(30))?;
    Ok(c)
}

/// Producer `p`'s rows; producer 0 stops with an error after half of its share.
fn rows_of(p: u32, producers: u32, size: u64) -> (Vec<u64>, bool) {
    let all: Vec<u64> = queue::items_of(p, producers, size).collect();
    if p == 0 && all.len() > 1 {
        (all[..all.len() / 2].to_vec(), true)
    } else {
        (all, false)
    }
}

fn insert(c: &Connection, id: u64, producer: u32) -> rusqlite::Result<usize> {
    c.execute(
        "INSERT INTO rows (id, producer, payload) VALUES (?1, ?2, ?3)",
        (
            id as i64,
            producer,
            format!("row {id} from producer {producer}"),
        ),
    )
}

/// Long on purpose: the three strategies share one database file, one set of producers and one
/// ledger check, and differ only in who writes; one body shows that difference side by side.
pub fn execute(strategy: &Strategy, p: Params) -> Result<Execution> {
    super::expect(
        LessonId::Db,
        strategy,
        &[S::Batched, S::PerRow, S::Contending],
    )?;
    let contending = strategy.id == S::Contending;
    let dir = TempDir::new()?;
    let path = dir.0.join("rows.sqlite");
    open(&path)?.execute_batch("CREATE TABLE rows (id INTEGER PRIMARY KEY, producer INTEGER NOT NULL, payload TEXT NOT NULL);")?;
    let producers = p.workers;
    let produced = AtomicU64::new(0);
    let failed_after = AtomicU64::new(0);
    // Transactions committed: one per row in autocommit, one per batch otherwise.
    let commits = AtomicU64::new(0);
    let (spans, timing) = measure(|clock| {
        std::thread::scope(|s| -> Result<Vec<Span>> {
            let mut handles = Vec::new();
            let (tx, rx) = crossbeam_channel::bounded::<(u64, u32)>(BATCH * 2);
            for pr in 0..producers {
                let (tx, produced, failed_after, path, commits) =
                    (tx.clone(), &produced, &failed_after, &path, &commits);
                handles.push(s.spawn(move || -> Result<Vec<Span>> {
                    let (rows, fails) = rows_of(pr, producers, p.size);
                    let mut spans = Vec::new();
                    // @code db:contending
                    let own = if contending { Some(open(path)?) } else { None };
                    // @end
                    for id in &rows {
                        let t0 = clock.now_ms();
                        match &own {
                            // @code db:contending
                            Some(c) => {
                                insert(c, *id, pr)?;
                                commits.fetch_add(1, Ordering::SeqCst);
                                // @end
                                spans.push(Span {
                                    worker: pr,
                                    task: *id as u32,
                                    start_ms: t0,
                                    end_ms: clock.now_ms(),
                                    kind: SpanKind::Lock,
                                });
                            }
                            // @code db:batched db:per-row
                            None => {
                                if tx.send((*id, pr)).is_err() {
                                    bail!("the writer stopped");
                                }
                                // @end
                                let t1 = clock.now_ms();
                                if t1 - t0 > 0.05 {
                                    spans.push(Span {
                                        worker: pr,
                                        task: *id as u32,
                                        start_ms: t0,
                                        end_ms: t1,
                                        kind: SpanKind::Wait,
                                    });
                                }
                            }
                        }
                        produced.fetch_add(1, Ordering::SeqCst);
                    }
                    if fails {
                        failed_after.store(rows.len() as u64, Ordering::SeqCst);
                    }
                    Ok(spans)
                }));
            }
            drop(tx);
            let writer = (!contending).then(|| {
                let (path, commits) = (&path, &commits);
                s.spawn(move || -> Result<Vec<Span>> {
                    let mut c = open(path)?;
                    let mut spans = Vec::new();
                    let w = producers;
                    // @code db:batched db:per-row
                    while let Ok(first) = rx.recv() {
                        let t0 = clock.now_ms();
                        if strategy.id == S::PerRow {
                            // Autocommit: each row is its own transaction.
                            insert(&c, first.0, first.1)?;
                            commits.fetch_add(1, Ordering::SeqCst);
                        } else {
                            let mut batch = vec![first];
                            while batch.len() < BATCH {
                                match rx.try_recv() {
                                    Ok(r) => batch.push(r),
                                    Err(_) => break,
                                }
                            }
                            let tx = c.transaction()?;
                            for (id, pr) in &batch {
                                insert(&tx, *id, *pr)?;
                            }
                            tx.commit()?;
                            commits.fetch_add(1, Ordering::SeqCst);
                        }
                        // @end
                        spans.push(Span {
                            worker: w,
                            task: first.0 as u32,
                            start_ms: t0,
                            end_ms: clock.now_ms(),
                            kind: SpanKind::Wait,
                        });
                    }
                    Ok(spans)
                })
            });
            let mut spans = Vec::new();
            for h in handles.into_iter().chain(writer) {
                spans.extend(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))?);
            }
            Ok(spans)
        })
    })?;
    let count: i64 = open(&path)?.query_row("SELECT COUNT(*) FROM rows", [], |r| r.get(0))?;
    let produced = produced.load(Ordering::SeqCst);
    let result = format!("{count} rows in the database, {produced} produced");
    let expected = format!("{produced} rows in the database, {produced} produced");
    let writers = match strategy.id {
        S::Contending => format!("{producers} writers, one commit per row"),
        S::PerRow => "one writer, one commit per row".into(),
        _ => format!("one writer, transactions of up to {BATCH} rows"),
    };
    let note = format!(
        "{writers}; producer 0 failed on purpose after {} rows, and every row it produced before failing is in the database (a real SQLite file in a temporary directory, removed afterwards)",
        failed_after.load(Ordering::SeqCst)
    );
    let checked = Checked::judged(result, expected, count >= 0 && count as u64 == produced);
    let workers = producers + u32::from(!contending);
    Ok(Execution::new(checked, spans, workers, timing)
        .with_note(note)
        .fact(Fact::Commits, commits.load(Ordering::SeqCst) as f64)
        .fact(Fact::Rows, count as f64))
}
