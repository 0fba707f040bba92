//! What the operating system is asked for beyond std: the open-file limit,
//! the spare descriptor and its out-of-descriptors test, the clock tick of
//! `/proc` CPU times, and the socket options tests set. The only module
//! outside `win/` allowed `unsafe`, each use a single libc call.
//!
//! Socket options go through `socket2`, which keeps its own `unsafe`; the
//! libc calls here are the ones it has no API for (rlimits, `sysconf`).
#![allow(unsafe_code)]

use std::fs::File;
use std::io;
use std::time::Duration;

use socket2::SockRef;

/// The open-file limit after raising the soft limit to the hard one, where
/// the OS allows; `None` when unlimited or unknown.
#[cfg(unix)]
pub fn raise_fd_limit() -> Option<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct we pass.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return None;
    }
    if lim.rlim_cur < lim.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: lim.rlim_max,
            rlim_max: lim.rlim_max,
        };
        // SAFETY: setrlimit only reads the struct we pass. It fails where the
        // hard limit is beyond what the OS takes (macOS); the old one stays.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            lim = raised;
        }
    }
    if lim.rlim_cur == libc::RLIM_INFINITY {
        return None;
    }
    // rlim_t is u64 on Linux but not on every unix.
    #[allow(clippy::useless_conversion)]
    u64::try_from(lim.rlim_cur).ok()
}

#[cfg(not(unix))]
pub fn raise_fd_limit() -> Option<u64> {
    None
}

/// The descriptor given up to refuse a connection when none are left; none
/// off unix, where running out of descriptors is not reported as such.
pub fn open_spare_fd() -> Option<File> {
    if cfg!(unix) {
        File::open("/dev/null").ok()
    } else {
        None
    }
}

/// The error says this process (or the system) has no descriptor left.
#[cfg_attr(not(unix), allow(unused_variables))]
pub fn out_of_fds(e: &io::Error) -> bool {
    #[cfg(unix)]
    return matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE));
    #[cfg(not(unix))]
    return false;
}

/// Clock ticks per second, the unit of the CPU times in `/proc/<pid>/stat`.
pub fn clock_ticks_per_sec() -> f64 {
    #[cfg(unix)]
    // SAFETY: sysconf only reads a configuration value.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    #[cfg(not(unix))]
    let ticks: f64 = 100.0;
    ticks
}

/// Makes closing `socket` send a reset (SO_LINGER 0) rather than a FIN, as a
/// crashed or hostile peer's does.
pub fn reset_on_close<S>(socket: &S) -> io::Result<()>
where
    for<'s> SockRef<'s>: From<&'s S>,
{
    SockRef::from(socket).set_linger(Some(Duration::ZERO))
}

/// Asks for a send buffer of `bytes` (the kernel may round it up): tests use
/// the smallest to fill it with a few replies.
#[cfg(all(test, unix))]
pub fn set_send_buffer<S>(socket: &S, bytes: usize) -> io::Result<()>
where
    for<'s> SockRef<'s>: From<&'s S>,
{
    SockRef::from(socket).set_send_buffer_size(bytes)
}
