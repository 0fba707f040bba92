//! The layers hold: `proto` is sans-io (no environment, logging, clock,
//! threads, files or sockets, and nothing from the rest of the crate), and
//! the server never reaches up into the client. Read from the sources, as
//! `tests/translations.rs` reads the markup, so a new `use` that breaks a
//! layer fails here rather than in review.

use std::path::{Path, PathBuf};

/// What `proto` may not name: I/O, ambient state, and the layers above it.
const NOT_IN_PROTO: &[&str] = &[
    "std::env",
    "std::fs",
    "std::thread",
    "std::process",
    "std::io::std",
    "SystemTime::now",
    "Instant::now",
    "TcpStream",
    "TcpListener",
    "UdpSocket",
    "log::",
    "println!",
    "eprintln!",
    "mio::",
    "slint",
    "crate::server",
    "crate::client",
    "crate::bench",
    "crate::logging",
    "crate::env",
];

/// What the server may not name: the client sits on top of it.
const NOT_IN_SERVER: &[&str] = &["crate::client", "slint"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read a source folder")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Each `file:line: forbidden` found in `text`, comments aside.
fn offences(name: &str, text: &str, forbidden: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        for word in forbidden {
            if code.contains(word) {
                found.push(format!("{name}:{}: {word}", i + 1));
            }
        }
    }
    found
}

fn check_folder(folder: &str, forbidden: &[&str]) -> Vec<String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join(folder), &mut files);
    assert!(!files.is_empty(), "no sources under {folder}");
    files
        .iter()
        .flat_map(|path| {
            let text = std::fs::read_to_string(path).expect("read a source file");
            let name = path
                .strip_prefix(&root)
                .unwrap_or(path)
                .display()
                .to_string();
            offences(&name, &text, forbidden)
        })
        .collect()
}

#[test]
fn proto_is_sans_io_and_imports_nothing_above_it() {
    let found = check_folder("src/proto", NOT_IN_PROTO);
    assert!(
        found.is_empty(),
        "proto must stay sans-io:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_server_does_not_reach_into_the_client() {
    let found = check_folder("src/server", NOT_IN_SERVER);
    assert!(
        found.is_empty(),
        "the server names the client:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_scan_finds_what_it_looks_for_and_skips_comments() {
    let text =
        "use std::env;\n// std::env in a comment\nlet x = 1; // log::info!\nlog::warn!(\"x\");\n";
    assert_eq!(
        offences("f.rs", text, NOT_IN_PROTO),
        ["f.rs:1: std::env", "f.rs:4: log::"]
    );
}

/// The promise in `src/lib.rs`: no file under `src/` is over 800 lines, so
/// each stays one topic a reader can hold.
#[test]
fn no_source_file_is_over_800_lines() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(files.len() > 50, "the scan found the sources");
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let lines = std::fs::read_to_string(f).ok()?.lines().count();
            (lines > 800).then(|| format!("{}: {lines} lines", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "split these: {long:?}");
}
