//! A private NATS server with JetStream for one run of the distributed lesson: Debian's
//! `nats-server` on a free loopback port (or an address of our own network namespace), with a
//! fresh store directory and a random token. Dropping the [`Broker`] stops the server and
//! removes its store, whatever ends the run (an error, a panic unwinding, Ctrl-C handled by the
//! caller), so no broker and no directory outlive it.

use anyhow::{Context, Result, bail};
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The server program, as Debian installs it (`scripts/setup` does).
pub const NATS_SERVER: &str = "nats-server";

/// Where the server program is, if installed.
pub fn program() -> Option<PathBuf> {
    crate::exec::find_program(NATS_SERVER)
}

/// How long a fresh server may take to accept connections (it takes well under a second).
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A running private broker.
#[derive(Debug)]
pub struct Broker {
    child: Child,
    store: PathBuf,
    /// `nats://HOST:PORT`.
    pub url: String,
    /// The key every client must present.
    pub token: String,
}

/// A random token: 16 bytes from the kernel, hex-encoded. Guessing it is the only way in.
pub fn random_token() -> Result<String> {
    use std::io::Read;
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .context("cannot read /dev/urandom for the broker's token")?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A port nobody listens on at `host` right now (the kernel picks it).
fn free_port(host: Ipv4Addr) -> Result<u16> {
    let listener = TcpListener::bind(SocketAddrV4::new(host, 0))
        .with_context(|| format!("cannot find a free port on {host}"))?;
    Ok(listener.local_addr()?.port())
}

/// Remove the stores of brokers whose master is gone: a master killed outright (SIGKILL runs
/// no Drop) takes its server with it (PR_SET_PDEATHSIG) but leaves the directory, named
/// `interleave-broker-<master pid>-<port>`. Returns the stores removed.
pub fn sweep_stale_stores() -> Vec<std::path::PathBuf> {
    let mut removed = Vec::new();
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return removed;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name
            .to_str()
            .and_then(|n| n.strip_prefix("interleave-broker-"))
        else {
            continue;
        };
        let Some(pid) = rest
            .split('-')
            .next()
            .and_then(|p| p.parse::<libc::pid_t>().ok())
        else {
            continue;
        };
        // SAFETY: signal 0 only asks whether the process exists.
        let gone = unsafe { libc::kill(pid, 0) } != 0
            && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
        if gone && std::fs::remove_dir_all(entry.path()).is_ok() {
            removed.push(entry.path());
        }
    }
    removed
}

impl Broker {
    /// Start a broker on `host` (127.0.0.1, or a namespace bridge address) with its own store
    /// and a random token; returns once it accepts connections.
    pub fn start(host: Ipv4Addr) -> Result<Self> {
        Self::start_with(host, &random_token()?)
    }

    /// [`Broker::start`] with a given token.
    pub fn start_with(host: Ipv4Addr, token: &str) -> Result<Self> {
        sweep_stale_stores();
        let port = free_port(host)?;
        let store =
            std::env::temp_dir().join(format!("interleave-broker-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&store)
            .with_context(|| format!("cannot create the broker's store {}", store.display()))?;
        let mut command = Command::new(program().unwrap_or_else(|| NATS_SERVER.into()));
        // SAFETY: prctl(2) is async-signal-safe; between fork and exec it asks the kernel to
        // stop the server when we die, however we die (a SIGKILL leaves no Drop to run).
        unsafe {
            use std::os::unix::process::CommandExt;
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                Ok(())
            });
        }
        // The key goes in a file only we can read, not on the command line, where `ps` would
        // show it to every user of the machine.
        let config = store.join("nats.conf");
        let text = format!(
            "listen: \"{host}:{port}\"\njetstream {{ store_dir: {:?} }}\nauthorization {{ token: {:?} }}\n",
            store.display().to_string(),
            token
        );
        {
            use std::io::Write;
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&config)
                .and_then(|mut f| f.write_all(text.as_bytes()))
                .with_context(|| format!("cannot write {}", config.display()))?;
        }
        let child = command
            .arg("-c")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match child {
            Ok(c) => c,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&store);
                bail!(
                    "cannot start {NATS_SERVER} ({e}): the distributed lesson needs Debian's \
                     nats-server (scripts/setup installs it), or an existing broker given with \
                     --broker nats://HOST:PORT"
                );
            }
        };
        let mut broker = Broker {
            child,
            store,
            url: format!("nats://{host}:{port}"),
            token: token.to_string(),
        };
        broker.wait_ready(SocketAddrV4::new(host, port))?;
        Ok(broker)
    }

    /// Wait until the server accepts TCP connections, or fail with what happened to it.
    fn wait_ready(&mut self, addr: SocketAddrV4) -> Result<()> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if TcpStream::connect_timeout(&addr.into(), Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            if let Some(status) = self.child.try_wait()? {
                bail!("{NATS_SERVER} on {addr} exited at start ({status})");
            }
            if Instant::now() > deadline {
                bail!(
                    "{NATS_SERVER} on {addr} did not accept connections within {START_TIMEOUT:?}"
                );
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// The server's process id (for tests that check it is gone).
    #[cfg(test)]
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its store directory.
    #[cfg(test)]
    pub fn store(&self) -> &std::path::Path {
        &self.store
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        // SIGTERM lets it close its store cleanly; a server that does not go within a second
        // is killed.
        // SAFETY: kill(2) on the pid of a child we started and have not reaped.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(1);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.store);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alive(pid: u32) -> bool {
        // SAFETY: signal 0 only checks that the process exists.
        unsafe { libc::kill(pid as libc::pid_t, 0) == 0 }
    }

    async fn connect(
        url: &str,
        token: &str,
    ) -> Result<async_nats::Client, async_nats::ConnectError> {
        async_nats::ConnectOptions::with_token(token.to_string())
            .connection_timeout(Duration::from_secs(3))
            .connect(url)
            .await
    }

    /// The right key gets in, a wrong one is refused as an authorization error, and dropping
    /// the broker leaves no process and no store behind.
    #[test]
    fn a_private_broker_takes_its_token_only_and_leaves_nothing_behind() {
        if !crate::needs::needs(
            "a_private_broker_takes_its_token_only_and_leaves_nothing_behind",
            crate::needs::BROKER,
        ) {
            return;
        }
        let broker = Broker::start(Ipv4Addr::LOCALHOST).expect("nats-server starts");
        let (pid, store) = (broker.pid(), broker.store().to_path_buf());
        assert!(store.is_dir());
        assert_eq!(broker.token.len(), 32);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let client = connect(&broker.url, &broker.token)
                .await
                .expect("right token");
            client.flush().await.unwrap();
            let refused = connect(&broker.url, "not-the-token").await.unwrap_err();
            assert_eq!(
                refused.kind(),
                async_nats::ConnectErrorKind::AuthorizationViolation,
                "{refused}"
            );
        });
        drop(broker);
        assert!(!alive(pid), "nats-server {pid} still running");
        assert!(!store.exists(), "{} left behind", store.display());
    }

    /// The key is not on the server's command line, where any user could read it.
    #[test]
    fn the_key_is_not_on_the_command_line() {
        if !crate::needs::needs("the_key_is_not_on_the_command_line", crate::needs::BROKER) {
            return;
        }
        let broker = Broker::start(Ipv4Addr::LOCALHOST).unwrap();
        let cmdline = std::fs::read(format!("/proc/{}/cmdline", broker.pid())).unwrap();
        let cmdline = String::from_utf8_lossy(&cmdline);
        assert!(!cmdline.contains(&broker.token), "{cmdline}");
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(broker.store().join("nats.conf"))
                .unwrap()
                .permissions(),
        );
        assert_eq!(
            mode & 0o077,
            0,
            "the config is readable by others: {mode:o}"
        );
    }

    #[test]
    fn two_brokers_get_their_own_ports_and_tokens() {
        if !crate::needs::needs(
            "two_brokers_get_their_own_ports_and_tokens",
            crate::needs::BROKER,
        ) {
            return;
        }
        let a = Broker::start(Ipv4Addr::LOCALHOST).unwrap();
        let b = Broker::start(Ipv4Addr::LOCALHOST).unwrap();
        assert_ne!(a.url, b.url);
        assert_ne!(a.token, b.token);
    }
}
