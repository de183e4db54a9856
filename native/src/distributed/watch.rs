//! Noticing a broker that went away, and saying so within seconds.
//!
//! A client of async-nats reconnects for ever by default, and a JetStream consumer only gives up
//! after its idle heartbeats are missed (30 s): a master whose broker was killed mid-run sat for
//! half a minute and then said "missed idle heartbeat". Instead the client's own connection
//! events feed a [`BrokerWatch`]: a broker whose connection closed (a killed process: the
//! kernel closes its sockets at once) or fell silent (two pings unanswered at
//! [`PING_INTERVAL`]) and has not come back for [`LOST_AFTER`] is lost, and the caller ends
//! the run with the broker's address and what it lost.

use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// How often the client pings the broker: a silent broker (no closed connection to see, as
/// across a cut link) is found after two unanswered pings, so within about three intervals.
pub const PING_INTERVAL: Duration = Duration::from_secs(1);

/// How long a broker may stay unreachable before the run gives up on it: long enough for a
/// reconnect after a blip, short enough that a closed connection is reported in about two
/// seconds and a silent one within five (3 × [`PING_INTERVAL`] + this).
pub const LOST_AFTER: Duration = Duration::from_millis(1_500);

/// Whether the client is connected, as its connection events say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    Up,
    /// Down since this moment.
    Down(Instant),
}

/// Receives a client's connection events (see [`BrokerWatch::options`]) and tells when its
/// broker has been gone for [`LOST_AFTER`].
#[derive(Debug, Clone)]
pub struct BrokerWatch {
    url: String,
    link: watch::Receiver<Link>,
}

/// A broker that stayed unreachable: where it was and for how long it has been gone.
#[derive(Debug, Clone)]
pub struct Lost {
    pub url: String,
    pub gone_for: Duration,
}

impl std::fmt::Display for Lost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "lost the broker at {}: its connection closed and did not come back within {:.1} s",
            self.url,
            self.gone_for.as_secs_f64()
        )
    }
}

impl BrokerWatch {
    /// `options` with pings every [`PING_INTERVAL`] and an event callback feeding the watch
    /// this returns.
    pub fn options(
        url: &str,
        options: async_nats::ConnectOptions,
    ) -> (async_nats::ConnectOptions, Self) {
        let (tx, rx) = watch::channel(Link::Up);
        let options = options
            .ping_interval(PING_INTERVAL)
            .event_callback(move |event| {
                let tx = tx.clone();
                async move {
                    match event {
                        async_nats::Event::Connected => {
                            tx.send_replace(Link::Up);
                        }
                        async_nats::Event::Disconnected => {
                            tx.send_if_modified(|link| match link {
                                Link::Up => {
                                    *link = Link::Down(Instant::now());
                                    true
                                }
                                Link::Down(_) => false,
                            });
                        }
                        _ => {}
                    }
                }
            });
        let watch = BrokerWatch {
            url: url.to_string(),
            link: rx,
        };
        (options, watch)
    }

    /// Whether the connection is down right now (any error meanwhile is then the broker's).
    pub fn is_down(&self) -> bool {
        matches!(*self.link.borrow(), Link::Down(_))
    }

    /// Resolves once the broker has been unreachable for [`LOST_AFTER`] without a break;
    /// never while it stays connected.
    pub async fn lost(&self) -> Lost {
        let mut link = self.link.clone();
        loop {
            let state = *link.borrow_and_update();
            match state {
                Link::Up => {
                    if link.changed().await.is_err() {
                        // The client is gone, and with it its events: nothing more to watch.
                        std::future::pending::<()>().await;
                    }
                }
                Link::Down(since) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(since + LOST_AFTER) => {
                            return Lost { url: self.url.clone(), gone_for: since.elapsed() };
                        }
                        _ = link.changed() => {}
                    }
                }
            }
        }
    }
}

impl BrokerWatch {
    /// Run `work` unless the broker is lost first: then end with `story(lost)`, which names the
    /// address and whatever the caller counted. An error of `work` while the connection is
    /// down (a publish the broker never acknowledged) waits for the watch's verdict, so the
    /// story is told there too, with the error beneath it.
    pub async fn unless_lost<T>(
        &self,
        work: impl std::future::Future<Output = anyhow::Result<T>>,
        story: impl Fn(Lost) -> String,
    ) -> anyhow::Result<T> {
        let result = tokio::select! {
            done = work => done,
            gone = self.lost() => return Err(anyhow::anyhow!(story(gone))),
        };
        match result {
            Err(e) if self.is_down() => {
                match tokio::time::timeout(LOST_AFTER * 2, self.lost()).await {
                    Ok(gone) => Err(e.context(story(gone))),
                    Err(_) => Err(e),
                }
            }
            done => done,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watch_with(link: Link) -> (watch::Sender<Link>, BrokerWatch) {
        let (tx, rx) = watch::channel(link);
        let w = BrokerWatch {
            url: "nats://127.0.0.1:4222".into(),
            link: rx,
        };
        (tx, w)
    }

    /// Down for LOST_AFTER: lost, with the address; a connection that comes back in time is
    /// not lost; one that stays up never is.
    #[tokio::test(start_paused = true)]
    async fn a_broker_is_lost_only_after_staying_away() {
        let (tx, w) = watch_with(Link::Up);
        tx.send_replace(Link::Down(Instant::now()));
        let lost = w.lost().await;
        assert!(
            lost.to_string()
                .starts_with("lost the broker at nats://127.0.0.1:4222")
        );
        assert!(w.is_down());

        let (tx, w) = watch_with(Link::Down(Instant::now()));
        let came_back = async {
            tokio::time::sleep(LOST_AFTER / 2).await;
            tx.send_replace(Link::Up);
            tokio::time::sleep(LOST_AFTER * 4).await;
        };
        tokio::select! {
            _ = w.lost() => panic!("a broker back within {LOST_AFTER:?} was called lost"),
            () = came_back => {}
        }
        assert!(!w.is_down());
    }
}
