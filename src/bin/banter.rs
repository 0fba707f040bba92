//! `banter`: the desktop client. Picks a renderer, opens the window, runs.
// Release builds on Windows are GUI programs: no console window opens with
// them (debug builds keep it, for the log).
#![cfg_attr(all(windows, not(debug_assertions)), windows_subsystem = "windows")]

use std::process::ExitCode;

use banter::client::app::App;
use slint::ComponentHandle;

fn main() -> ExitCode {
    let _ = simplelog::TermLogger::init(
        simplelog::LevelFilter::Warn,
        simplelog::Config::default(),
        simplelog::TerminalMode::Stderr,
        simplelog::ColorChoice::Auto,
    );
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
    let app = match App::new() {
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
    match std::env::var("BANTER_THEME").as_deref() {
        Ok("dark") => app.borrow().force_dark(true),
        Ok("light") => app.borrow().force_dark(false),
        _ => {}
    }
    let window = app.borrow().window();
    if let Err(e) = window.show() {
        eprintln!("banter: cannot show the window: {e}");
        return ExitCode::FAILURE;
    }
    window.invoke_focus_login();
    let result = slint::run_event_loop();
    app.borrow_mut().shut_down();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("banter: {e}");
            ExitCode::FAILURE
        }
    }
}
