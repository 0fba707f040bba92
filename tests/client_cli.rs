//! The `banter` command line: help and version without a display, and a
//! clear refusal of a bad link, before any window is opened.
#![cfg(feature = "gui")]

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_banter");

fn without_display() -> Command {
    let mut c = Command::new(BIN);
    c.env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("BANTER_DISCOVERY", "off");
    c
}

#[test]
fn help_and_version_need_no_display() {
    let out = without_display()
        .arg("--help")
        .output()
        .expect("run banter");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in ["--server", "--name", "--room", "--host", "irc://"] {
        assert!(help.contains(flag), "{flag} in {help}");
    }
    let out = without_display()
        .arg("--version")
        .output()
        .expect("run banter");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn a_bad_link_is_refused_with_one_line() {
    let out = without_display()
        .arg("http://example.org")
        .output()
        .expect("run banter");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("irc://"), "{err}");
}
