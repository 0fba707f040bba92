//! Hosting a room from the desktop client: the Banter server on its own
//! thread in this process, and the addresses others on the LAN should use.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use super::session::Session;
use crate::server::{Config, Server, ServerHandle, StartError};

/// A server running in this process; dropping it shuts the server down.
pub struct Host {
    handle: ServerHandle,
    thread: Option<JoinHandle<io::Result<()>>>,
    addr: SocketAddr,
    oper: (String, String),
}

/// The operator name the hosting client logs in with.
pub const HOST_OPER_NAME: &str = "host";

impl Host {
    /// Starts the server with `config` (the same server as `banter-server`),
    /// adding a server operator login with a fresh random password that only
    /// this process knows: the hosting client uses it to run its room.
    pub fn start(mut config: Config) -> Result<Host, StartError> {
        let password = crate::secret::hex128().ok_or_else(|| {
            StartError::Setup(std::io::Error::other(
                "the operating system's random source failed",
            ))
        })?;
        let oper = (HOST_OPER_NAME.to_owned(), password);
        config.opers.push(oper.clone());
        let server = Server::bind(config)?;
        let addr = server.local_addr();
        let handle = server.handle();
        let thread = std::thread::Builder::new()
            .name("banter-host".into())
            .spawn(move || server.run())
            .map_err(StartError::Setup)?;
        Ok(Host {
            handle,
            thread: Some(thread),
            addr,
            oper,
        })
    }

    /// `session`, set to log in as this server's operator: the room's host.
    pub fn operate(&self, session: Session) -> Session {
        session.with_oper(&self.oper.0, &self.oper.1)
    }

    /// Where the server listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The address this computer's own client connects to.
    pub fn loopback_addr(&self) -> String {
        let ip = if self.addr.is_ipv6() {
            "[::1]"
        } else {
            "127.0.0.1"
        };
        format!("{ip}:{}", self.addr.port())
    }

    /// `ip:port` for each network address of this computer others can use.
    pub fn lan_addresses(&self) -> Vec<String> {
        let port = self.addr.port();
        if !self.addr.ip().is_unspecified() {
            return vec![self.addr.to_string()];
        }
        let mut found: Vec<String> = if_addrs::get_if_addrs()
            .unwrap_or_default()
            .into_iter()
            .filter(|i| !i.is_loopback())
            .filter_map(|i| match i.ip() {
                IpAddr::V4(v4) if !v4.is_link_local() => Some(format!("{v4}:{port}")),
                _ => None,
            })
            .collect();
        found.sort();
        found.dedup();
        found
    }

    /// Stops the server without waiting for it (everyone gets `ERROR
    /// :Server shutting down`, the history is written): its thread ends by
    /// itself, and the UI thread, which calls this, never waits on it. The
    /// result can wait, where waiting is harmless (after the window closed).
    pub fn stop(mut self) -> Stopping {
        self.handle.shutdown();
        let (done, stopped) = mpsc::channel();
        if let Some(t) = self.thread.take() {
            let joiner = std::thread::Builder::new()
                .name("banter-host-stop".into())
                .spawn(move || {
                    let _ = t.join();
                    let _ = done.send(());
                });
            if let Err(e) = joiner {
                log::warn!("the hosted room's end cannot be waited for: {e}");
            }
        }
        Stopping { stopped }
    }
}

impl Drop for Host {
    /// Dropped without [`Host::stop`]: the server is told to stop all the
    /// same, and its thread ends by itself.
    fn drop(&mut self) {
        self.handle.shutdown();
    }
}

/// A hosted server on its way out (see [`Host::stop`]).
pub struct Stopping {
    stopped: Receiver<()>,
}

impl Stopping {
    /// Waits up to `budget` for the server's thread to end (its files
    /// closed, its port free); whether it did.
    pub fn wait(self, budget: Duration) -> bool {
        match self.stopped.recv_timeout(budget) {
            Ok(()) | Err(RecvTimeoutError::Disconnected) => true,
            Err(RecvTimeoutError::Timeout) => false,
        }
    }
}
