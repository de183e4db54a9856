//! A companion running on its own thread and runtime, for CLI runs of lessons that need one
//! without `--server`, for tests, and for `bench`.

use super::{HEADER_TIMEOUT, Options, WRITE_STALL, app, bind, conn};
use crate::error::UsageError;
use anyhow::Result;
use interleave_shared::Request;
use std::net::SocketAddr;
use std::path::PathBuf;

/// A companion running on its own thread and runtime, for CLI runs of I/O lessons without
/// `--server`. Dropping it shuts the server down and joins the thread.
pub struct Background {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Background {
    /// Start on an ephemeral loopback port. The server gets a thread and a runtime of its own, so
    /// this works from plain threads and from inside another runtime alike.
    pub fn start() -> anyhow::Result<Self> {
        Self::start_with(Options::default())
    }

    /// The same, also serving a built page from `static_dir` with COOP/COEP.
    pub fn start_serving(static_dir: Option<PathBuf>) -> anyhow::Result<Self> {
        Self::start_with(Options {
            static_dir,
            ..Options::default()
        })
    }

    /// The same, set up as `options` says.
    pub fn start_with(options: Options) -> anyhow::Result<Self> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<anyhow::Result<String>>();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(e.into()));
                    return;
                }
            };
            rt.block_on(async move {
                let listener = match bind(SocketAddr::from(([127, 0, 0, 1], 0)))
                    .and_then(|l| Ok((l.local_addr()?, l)))
                {
                    Ok((addr, l)) => {
                        let _ = ready_tx.send(Ok(format!("http://{addr}")));
                        (addr, l)
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let (addr, listener) = listener;
                let app = app(format!("http://{addr}"), addr.port(), &options);
                let timeout = options.header_timeout.unwrap_or(HEADER_TIMEOUT);
                let stall = options.write_stall.unwrap_or(WRITE_STALL);
                conn::serve(listener, app, timeout, stall, async {
                    let _ = stopped.await;
                })
                .await;
            });
        });
        let base = ready_rx
            .recv()
            .map_err(|_| anyhow::anyhow!("the in-process companion thread died"))??;
        Ok(Self {
            base,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Where lessons that use the companion reach it: `--server` (checked first) or a companion
/// started in-process for this run and stopped when dropped.
pub enum RunCompanion {
    /// A companion somebody else runs.
    External(String),
    /// Ours, for this run.
    Own(Background),
}

impl RunCompanion {
    /// Its base URL.
    pub fn base(&self) -> String {
        match self {
            RunCompanion::External(url) => url.clone(),
            RunCompanion::Own(bg) => bg.base.clone(),
        }
    }

    /// The companion a request needs, if any: `given` (checked with a health request) or one of
    /// our own. A `given` URL for a lesson that fetches nothing is a usage error.
    pub fn for_request(request: &Request, given: Option<String>) -> Result<Option<RunCompanion>> {
        let info = request.info();
        if !info.uses_server {
            if let Some(url) = given {
                return Err(UsageError::Other(format!(
                    "lesson '{}' fetches nothing, so --server {url} does not apply (only io and local use it)",
                    info.name()
                ))
                .into());
            }
            return Ok(None);
        }
        crate::exec::raise_fd_limit();
        match given {
            Some(url) => {
                let url = url.trim_end_matches('/').to_string();
                let health = format!("{url}/api/health");
                let reach = reqwest::blocking::Client::builder()
                    .timeout(std::time::Duration::from_secs(3))
                    .build()
                    .and_then(|c| c.get(&health).send())
                    .and_then(|r| r.error_for_status());
                match reach {
                    Ok(_) => Ok(Some(RunCompanion::External(url))),
                    Err(e) => Err(UsageError::Unreachable {
                        url,
                        reason: e.to_string(),
                    }
                    .into()),
                }
            }
            None => Ok(Some(RunCompanion::Own(Background::start()?))),
        }
    }
}
