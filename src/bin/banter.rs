//! `banter`: the desktop client. Picks a renderer, opens the window, runs.
// Release builds on Windows are GUI programs: no console window opens with
// them (debug builds keep it, for the log).
#![cfg_attr(all(windows, not(debug_assertions)), windows_subsystem = "windows")]

use std::process::ExitCode;

use banter::client::app::{App, Options};
use banter::client::launch::{parse_irc_url, Launch};
use banter::client::settings::{self, Settings, ThemeChoice};
use clap::Parser;
use slint::ComponentHandle;

/// Banter, a chat room for the class, the club or the LAN party: log in
/// with any name, or host a room on this computer. `banter --help` and
/// `--version` need no display.
#[derive(Debug, Parser)]
#[command(name = "banter", version, about)]
struct Args {
    /// An irc:// or ircs:// link to open, e.g. irc://192.168.1.20:6667/#lobby.
    link: Option<String>,
    /// The server's address, HOST:PORT (or ircs://HOST:PORT for TLS).
    #[arg(long, value_name = "HOST:PORT")]
    server: Option<String>,
    /// Your name in the room; with --server (or --host) the client logs in at once.
    #[arg(long)]
    name: Option<String>,
    /// The room to join (default: the server's own room, or #lobby).
    #[arg(long)]
    room: Option<String>,
    /// Host a room on this computer.
    #[arg(long)]
    host: bool,
    /// Print the rooms found on the local network and exit (no window):
    /// what the login screen's list would show, for checking a firewall.
    #[arg(long, conflicts_with_all = ["link", "server", "name", "room", "host"])]
    list_rooms: bool,
}

/// `--list-rooms`: one line per room found, as the login screen lists them.
fn list_rooms() -> ExitCode {
    use banter::client::discovery;
    use banter::proto::discovery::{Mode, DISCOVERY_PORT};
    let mode = banter::env::discovery_mode();
    if mode == Mode::Off {
        eprintln!("banter: discovery is off (BANTER_DISCOVERY=off)");
        return ExitCode::from(1);
    }
    match discovery::scan(mode, DISCOVERY_PORT, std::time::Duration::from_secs(2)) {
        Ok(rooms) if rooms.is_empty() => {
            eprintln!("banter: no rooms answered on UDP port {DISCOVERY_PORT}");
            ExitCode::SUCCESS
        }
        Ok(rooms) => {
            for r in rooms {
                let lock = if r.info.password { "  (password)" } else { "" };
                println!(
                    "{}  {}  {} here  {}{lock}",
                    r.addr, r.info.room, r.info.users, r.info.topic
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("banter: cannot look for rooms: {e}");
            ExitCode::from(1)
        }
    }
}

/// What the command line asks for, or why it makes no sense.
fn launch_from(args: Args) -> Result<Launch, String> {
    let mut launch = Launch {
        server: args.server,
        name: args.name,
        room: None,
        host: args.host,
    };
    if let Some(link) = &args.link {
        let (server, room) = parse_irc_url(link)?;
        launch.server.get_or_insert(server);
        launch.room = room;
    }
    if let Some(room) = args.room {
        let room = banter::proto::names::room_name(&room);
        banter::proto::names::validate_channel(&room).map_err(|e| format!("--room {room}: {e}"))?;
        launch.room = Some(room);
    }
    Ok(launch)
}

fn main() -> ExitCode {
    // Before anything that needs a display: --help and --version print and exit.
    let args = Args::parse();
    if args.list_rooms {
        return list_rooms();
    }
    let launch = match launch_from(args) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("banter: {e}");
            return ExitCode::from(2);
        }
    };
    // Through the queue logger, as banter-server's: a hosted room's server
    // thread logs here too, and must never wait on a stderr nobody reads
    // (a console paused by a click in Windows' QuickEdit, a full pipe).
    let logger = banter::logging::QueueLogger::spawn(
        log::LevelFilter::Warn,
        banter::logging::QUEUE_LEN,
        vec![Box::new(std::io::stderr())],
    );
    match logger {
        Ok(logger) => {
            let _ = logger.install();
        }
        Err(e) => eprintln!("banter: no log: {e}"),
    }
    // Before any window: a display reporting 0 or 1 Hz would stop Slint.
    #[cfg(windows)]
    banter::win::refresh_rate::install_from_env();
    // The software renderer works on every machine, with or without a GPU or
    // OpenGL driver; SLINT_BACKEND (e.g. winit-femtovg) picks another.
    if std::env::var_os("SLINT_BACKEND").is_none() {
        let selected = slint::BackendSelector::new()
            .backend_name("winit".into())
            .renderer_name("software".into())
            .select();
        if let Err(e) = selected {
            log::warn!("software renderer unavailable ({e}); using Slint's default");
        }
    }
    let options = Options {
        discovery: banter::env::discovery_mode(),
        language: banter::env::forced_language(),
        data_dir: banter::env::client_data_dir(),
        host_ip: None,
    };
    let forced_language = options.language.is_some();
    let app = match App::new(options) {
        Ok(app) => app,
        Err(e) => {
            eprintln!("banter: cannot open a window: {e}");
            return ExitCode::FAILURE;
        }
    };
    #[cfg(windows)]
    for (script, family) in banter::win::fonts::add_cjk_fallbacks() {
        log::info!("{script} text falls back to {family}");
    }
    // Remembered settings; a bad file is reported and ignored, never fatal.
    let settings_path = settings::default_path();
    let saved = match &settings_path {
        Some(path) => {
            let (s, why) = Settings::load(path);
            if let Some(why) = why {
                log::warn!("settings: {why}");
                app.borrow().settings_unreadable(&why);
            }
            s
        }
        None => Settings::default(),
    };
    let theme = banter::env::forced_theme().or(saved.theme.clone());
    let theme = ThemeChoice::from_code(theme.as_deref());
    // Following the system needs no call: the markup starts that way.
    if theme != ThemeChoice::System {
        app.borrow_mut().set_theme(theme);
    }
    if !forced_language {
        if let Some(lang) = &saved.language {
            app.borrow().set_language(lang);
        }
    }
    let window = app.borrow().window();
    if let Some((w, h)) = saved.window {
        window
            .window()
            .set_size(slint::LogicalSize::new(w as f32, h as f32));
    }
    // Only the command line logs in at once; remembered values just fill
    // the form (and the command line wins over them).
    let at_once = launch.connects_at_once();
    let launch = launch.over(&saved);
    app.borrow_mut().use_settings(settings_path, saved);
    if let Err(e) = window.show() {
        eprintln!("banter: cannot show the window: {e}");
        return ExitCode::FAILURE;
    }
    window.invoke_focus_login();
    app.borrow_mut().launch(&launch, at_once);
    let result = slint::run_event_loop();
    app.borrow_mut().shut_down();
    app.borrow_mut().save_settings();
    // The window is gone: a hosted room may take a moment to tell everyone
    // and write its history before the process ends.
    if !app
        .borrow_mut()
        .wait_for_hosted_room(std::time::Duration::from_secs(5))
    {
        log::warn!("the hosted room did not finish closing within 5 seconds");
    }
    // The last lines (the hosted room's goodbye) before the process ends.
    log::logger().flush();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("banter: {e}");
            ExitCode::FAILURE
        }
    }
}
