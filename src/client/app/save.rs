//! "Save…" without stopping the window: the platform's save dialog (the
//! desktop portal on Linux, the common dialog on Windows) and the writing of
//! the file run on a thread of their own; the result comes back to the UI
//! thread as one sentence for the conversation. Where no dialog can open (no
//! portal), the file goes to the Documents folder and the sentence says so.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::super::tr;
use crate::server::transcript::{self, Format, Line};

/// A dialog that "closed" sooner than this was never seen by anyone: the
/// portal was missing (rfd reports that as a cancel).
const NOBODY_ANSWERS_THAT_FAST: Duration = Duration::from_millis(400);

/// What is saved: the conversation's name and its lines, taken on the UI
/// thread when "Save…" is clicked.
pub struct Transcript {
    pub title: String,
    pub lines: Vec<Line>,
}

/// A file name from a conversation's name: `#7B maths` → `7B_maths`.
pub fn file_stem(title: &str) -> String {
    let stem: String = title
        .trim_start_matches('#')
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if stem.is_empty() {
        "conversation".into()
    } else {
        stem
    }
}

/// Asks where and writes `what` there, on a new thread; `done` gets the
/// sentence to show (`None` when the person cancelled). `fallback_dir` is
/// where the file goes when no dialog can open.
pub fn save_in_background(
    what: Transcript,
    fallback_dir: Option<PathBuf>,
    done: impl FnOnce(Option<String>) + Send + 'static,
) {
    let spawned = std::thread::Builder::new()
        .name("banter-save".into())
        .spawn(move || done(ask_and_write(&what, fallback_dir.as_deref())));
    if let Err(e) = spawned {
        log::warn!("cannot save: {e}");
    }
}

fn ask_and_write(what: &Transcript, fallback_dir: Option<&Path>) -> Option<String> {
    let stem = file_stem(&what.title);
    let asked = Instant::now();
    let picked = rfd::FileDialog::new()
        .set_file_name(format!("{stem}.txt"))
        .add_filter(tr::TEXT_FILES.text(), &["txt"])
        .add_filter(tr::WEB_PAGES.text(), &["html", "htm"])
        .save_file();
    let (path, saved) = match picked {
        Some(path) => (path, tr::SAVED_TO),
        None if asked.elapsed() >= NOBODY_ANSWERS_THAT_FAST => return None,
        None => match fallback_dir {
            Some(dir) => (free_name(dir, &stem), tr::SAVED_WITHOUT_DIALOG),
            None => return Some(tr::CANNOT_SAVE.fill(&[("error", &tr::NO_SAVE_DIALOG)])),
        },
    };
    Some(match write(what, &path) {
        Ok(()) => saved.fill(&[("path", &path.display())]),
        Err(e) => tr::CANNOT_SAVE.fill(&[("error", &e)]),
    })
}

/// `dir/stem.txt`, or `stem (2).txt` and on when it exists (at most 100
/// tries, then the plain name is replaced).
fn free_name(dir: &Path, stem: &str) -> PathBuf {
    let first = dir.join(format!("{stem}.txt"));
    if !first.exists() {
        return first;
    }
    (2..100)
        .map(|n| dir.join(format!("{stem} ({n}).txt")))
        .find(|p| !p.exists())
        .unwrap_or(first)
}

/// Writes `what` to `path`: HTML for a `.html` name, text otherwise.
fn write(what: &Transcript, path: &Path) -> std::io::Result<()> {
    let html = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"));
    let format = if html { Format::Html } else { Format::Text };
    let text = transcript::render_lines(&what.title, &what.lines, format);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe_and_never_overwrite() {
        assert_eq!(file_stem("#7B maths"), "7B_maths");
        assert_eq!(file_stem("#"), "conversation");
        let dir = std::env::temp_dir().join(format!("banter-save-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let what = Transcript {
            title: "#lobby".into(),
            lines: Vec::new(),
        };
        let a = free_name(&dir, "lobby");
        write(&what, &a).unwrap();
        let b = free_name(&dir, "lobby");
        assert_ne!(a, b);
        assert!(b.ends_with("lobby (2).txt"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
