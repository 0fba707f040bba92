//! Windows only: closing the server's console window (or logging off, or
//! shutting down) ends the server the way Ctrl+C does, goodbyes sent.
//!
//! The `ctrlc` crate (with its `termination` feature) turns Ctrl+C,
//! Ctrl+Break and these events into one callback, but its handler returns at
//! once, and for `CTRL_CLOSE_EVENT`, `CTRL_LOGOFF_EVENT` and
//! `CTRL_SHUTDOWN_EVENT` Windows ends the process as soon as a handler
//! returns: the goodbyes would be cut off. The handler here, registered after
//! `ctrlc`'s and so called first, starts the shutdown and then does not return
//! until the process ends: `main` returns once the goodbyes are flushed (at
//! most about 3 s), or Windows ends the process after its own limit (5 s).
//! Ctrl+C and Ctrl+Break pass on to `ctrlc`.

use std::io;
use std::sync::OnceLock;
use std::time::Duration;

use crate::server::ServerHandle;

const CTRL_CLOSE_EVENT: u32 = 2;
const CTRL_LOGOFF_EVENT: u32 = 5;
const CTRL_SHUTDOWN_EVENT: u32 = 6;

/// Longer than Windows waits, so the handler never returns first.
const HOLD: Duration = Duration::from_secs(30);

static SERVER: OnceLock<ServerHandle> = OnceLock::new();

type HandlerRoutine = unsafe extern "system" fn(u32) -> i32;

#[link(name = "kernel32")]
extern "system" {
    fn SetConsoleCtrlHandler(handler: Option<HandlerRoutine>, add: i32) -> i32;
}

/// Makes closing the console shut `server` down cleanly. Call it after
/// `ctrlc::set_handler`, once.
pub fn shut_down_on_close(server: ServerHandle) -> io::Result<()> {
    if SERVER.set(server).is_err() {
        return Err(io::Error::other("the close handler is already installed"));
    }
    // SAFETY: `on_console_event` has the HandlerRoutine signature and, being a
    // plain function, lives as long as the process.
    if unsafe { SetConsoleCtrlHandler(Some(on_console_event), 1) } == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Runs on a thread Windows creates for the event.
unsafe extern "system" fn on_console_event(event: u32) -> i32 {
    match event {
        CTRL_CLOSE_EVENT | CTRL_LOGOFF_EVENT | CTRL_SHUTDOWN_EVENT => {
            if let Some(server) = SERVER.get() {
                server.shutdown();
            }
            // Returning would end the process now; `main` ends it instead.
            std::thread::sleep(HOLD);
            1
        }
        _ => 0,
    }
}
