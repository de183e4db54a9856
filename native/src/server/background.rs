//! A companion running on its own thread and runtime, for CLI runs of lessons that need one
//! without `--server`, for tests, and for `bench`.

use super::{HEADER_TIMEOUT, Options, app, bind, conn};
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
                conn::serve(listener, app, timeout, async {
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
