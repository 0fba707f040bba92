//! A loopback TCP proxy that can fail the way networks do: freeze (the peer
//! silently stops answering, nothing closes) or cut (both sides closed).

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

struct Link {
    frozen: Arc<AtomicBool>,
    sockets: [TcpStream; 2],
}

pub struct Proxy {
    pub addr: SocketAddr,
    links: Arc<Mutex<Vec<Link>>>,
    /// Frozen connections, kept open until the proxy goes.
    frozen: Mutex<Vec<Link>>,
    stop: Arc<AtomicBool>,
}

fn pump(mut from: TcpStream, mut to: TcpStream, frozen: Arc<AtomicBool>, stop: Arc<AtomicBool>) {
    let _ = from.set_read_timeout(Some(Duration::from_millis(20)));
    let mut buf = [0u8; 16 * 1024];
    while !stop.load(Ordering::SeqCst) {
        if frozen.load(Ordering::SeqCst) {
            // A black hole: read nothing, forward nothing, close nothing.
            std::thread::sleep(Duration::from_millis(20));
            continue;
        }
        match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) => {}
            Err(_) => break,
        }
    }
    let _ = to.shutdown(Shutdown::Both);
    let _ = from.shutdown(Shutdown::Both);
}

impl Proxy {
    /// Forwards every connection made to `addr` (on 127.0.0.1) to `target`.
    pub fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy bind");
        let addr = listener.local_addr().expect("proxy addr");
        listener.set_nonblocking(true).expect("nonblocking");
        let links: Arc<Mutex<Vec<Link>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (l, s) = (Arc::clone(&links), Arc::clone(&stop));
        std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                let Ok((client, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                let _ = client.set_nonblocking(false);
                let Ok(server) = TcpStream::connect(target) else {
                    continue;
                };
                let frozen = Arc::new(AtomicBool::new(false));
                let pair = |a: &TcpStream, b: &TcpStream| {
                    (a.try_clone().expect("clone"), b.try_clone().expect("clone"))
                };
                let (c1, s1) = pair(&client, &server);
                let (s2, c2) = pair(&server, &client);
                let (f1, f2) = (Arc::clone(&frozen), Arc::clone(&frozen));
                let (x1, x2) = (Arc::clone(&s), Arc::clone(&s));
                std::thread::spawn(move || pump(c1, s1, f1, x1));
                std::thread::spawn(move || pump(s2, c2, f2, x2));
                if let Ok(mut links) = l.lock() {
                    links.push(Link {
                        frozen,
                        sockets: [client, server],
                    });
                }
            }
        });
        Proxy {
            addr,
            links,
            frozen: Mutex::default(),
            stop,
        }
    }

    /// Every current connection goes silent; new ones work.
    pub fn freeze_all(&self) {
        let mut frozen = self.frozen.lock().expect("frozen");
        for link in self.links.lock().expect("links").drain(..) {
            link.frozen.store(true, Ordering::SeqCst);
            // Kept open: a silent peer, not a closed one.
            frozen.push(link);
        }
    }

    /// Every current connection is closed on both sides.
    pub fn cut_all(&self) {
        for link in self.links.lock().expect("links").drain(..) {
            for s in &link.sockets {
                let _ = s.shutdown(Shutdown::Both);
            }
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.cut_all();
        for link in self.frozen.lock().expect("frozen").drain(..) {
            for s in &link.sockets {
                let _ = s.shutdown(Shutdown::Both);
            }
        }
    }
}
