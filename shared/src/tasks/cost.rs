//! What the recorder costs per poll, on whatever clock the platform has: the same future — one
//! that wakes itself and yields until polled `polls` times — driven to its end bare and wrapped
//! in [`Traced`](super::Traced). `interleave bench` runs it natively; the page exports it for
//! `bench --browser`, so both sides measure the same code.

use super::Recorder;
use crate::Clock;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// Wakes itself and yields `left` more times, then answers how often it was polled.
struct Yields {
    left: u32,
    polled: u32,
}

impl Future for Yields {
    type Output = Result<u32, String>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.polled += 1;
        if self.left == 0 {
            return Poll::Ready(Ok(self.polled));
        }
        self.left -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Poll `f` until it is ready, with a waker that does nothing (it wakes itself anyway).
fn drive<F: Future<Output = Result<u32, String>>>(f: F) -> Result<u32, String> {
    let mut f = std::pin::pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = f.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

/// One measurement: nanoseconds per poll, bare and through the recorder, over `polls` + 1
/// polls each. The recorder's own count must equal the polls made, or it is an error.
pub fn per_poll_ns<C: Clock + Copy + Send + 'static>(
    clock: C,
    polls: u32,
) -> Result<(f64, f64), String> {
    let start = clock.now_ms();
    let bare = drive(Yields {
        left: polls,
        polled: 0,
    })?;
    let bare_ms = clock.now_ms() - start;
    let rec = Recorder::new(clock);
    let start = clock.now_ms();
    let traced = drive(rec.task("t0").trace(Yields {
        left: polls,
        polled: 0,
    }))?;
    let traced_ms = clock.now_ms() - start;
    let logged = rec.finish(clock.now_ms());
    let counted = logged.first().map_or(0, |t| t.polls);
    if bare != polls + 1 || traced != bare || counted != bare {
        return Err(format!("the recorder counted {counted} polls of {bare}"));
    }
    let per = |ms: f64| ms * 1e6 / f64::from(bare);
    Ok((per(bare_ms), per(traced_ms)))
}
