//! The io lessons' pages, sent a piece at a time under a budget of bytes in flight.
//!
//! A page used to be built whole before it was sent: a hundred clients asking for 16 MiB pages
//! and not reading them held 1.7 GB for as long as they stayed. Now a page is made in pieces of
//! [`PIECE`] bytes as the connection takes them, and each page being sent reserves its largest
//! piece from one budget ([`PAGE_BUDGET`]) for as long as it is being sent. When the budget is
//! spent a new page waits for room up to [`BUDGET_WAIT`], then gets 503 naming the budget; a
//! client that stops reading is cut off by the connection's write deadline (`conn.rs`), which
//! frees its reservation.

use super::ApiError;
use axum::body::Body;
use axum::http::StatusCode;
use interleave_shared::format::fmt_bytes;
use interleave_shared::lessons::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Bytes made and handed to the connection at a time.
pub const PIECE: u64 = 16 * 1024;

/// Bytes of pages in flight the companion allows at once, counted as each page's largest piece
/// (so 10,000 pages of the io lesson's 10 KiB at once fit, and 8,192 of 16 MiB pages).
pub const PAGE_BUDGET: u64 = 128 * 1024 * 1024;

/// How long a page waits for room in the budget before it is refused with 503.
pub const BUDGET_WAIT: Duration = Duration::from_secs(10);

/// The budget, in KiB (a semaphore's permits), and how long a page waits for room.
#[derive(Clone)]
pub struct Budget {
    room: Arc<Semaphore>,
    bytes: u64,
    wait: Duration,
}

impl Default for Budget {
    fn default() -> Self {
        Budget::new(PAGE_BUDGET, BUDGET_WAIT)
    }
}

impl Budget {
    /// A budget of `bytes` (whole KiB) where a page waits up to `wait` for room.
    pub fn new(bytes: u64, wait: Duration) -> Self {
        Budget {
            room: Arc::new(Semaphore::new((bytes / 1024) as usize)),
            bytes,
            wait,
        }
    }

    /// Room for one page of `bytes` (its largest piece), waiting up to the budget's wait.
    pub async fn reserve(&self, bytes: u64) -> Result<Option<OwnedSemaphorePermit>, ApiError> {
        if bytes == 0 {
            return Ok(None);
        }
        let kib = bytes.min(PIECE).div_ceil(1024) as u32;
        match tokio::time::timeout(self.wait, self.room.clone().acquire_many_owned(kib)).await {
            Ok(Ok(permit)) => Ok(Some(permit)),
            _ => Err(ApiError(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "the companion is already sending its {} budget of pages in flight and \
                     none finished within {:.1} s; try again",
                    fmt_bytes(self.bytes),
                    self.wait.as_secs_f64()
                ),
            )),
        }
    }
}

/// Page `page`'s `bytes` as a body made piece by piece; `room` is given back when the body is
/// sent or dropped (its connection closed).
pub fn body(page: u64, bytes: u64, room: Option<OwnedSemaphorePermit>) -> Body {
    let pieces = futures::stream::unfold((0u64, room), move |(start, room)| async move {
        if start >= bytes {
            return None;
        }
        let piece = io::page_piece(page, bytes, start, PIECE);
        let next = start + piece.len() as u64;
        Some((
            Ok::<_, std::convert::Infallible>(axum::body::Bytes::from(piece)),
            (next, room),
        ))
    });
    Body::from_stream(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pages beyond the budget wait for room, and get it when a page before them is sent;
    /// one that waits too long is refused with 503 naming the budget.
    #[tokio::test(start_paused = true)]
    async fn pages_past_the_budget_wait_then_get_503() {
        let budget = Budget::new(32 * 1024, Duration::from_secs(10));
        let first = budget.reserve(16 * 1024 * 1024).await.unwrap();
        let second = budget.reserve(16 * 1024).await.unwrap();
        // Small pages reserve only what they are.
        assert_eq!(budget.room.available_permits(), 0);
        let waiting = tokio::spawn({
            let budget = budget.clone();
            async move { budget.reserve(5_000).await }
        });
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(first);
        let third = waiting.await.unwrap().unwrap();
        assert!(third.is_some());
        // 5,000 bytes hold 5 KiB: 11 KiB left, too little for another 16 KiB piece.
        let Err(ApiError(status, message)) = budget.reserve(16 * 1024).await else {
            panic!("a page past the budget got room")
        };
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            message.contains("32.0 KiB budget of pages in flight"),
            "{message}"
        );
        drop(second);
        assert!(budget.reserve(0).await.unwrap().is_none());
    }
}
