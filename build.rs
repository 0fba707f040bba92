//! Compiles the Slint UI markup under `ui/` when the `gui` feature is on, and
//! turns the translations in `lang/` into a table for the text Rust builds.
//!
//! One `.po` file per language holds both the markup's strings (bundled by
//! `slint-build`) and the Rust-side ones (the table written here), so a
//! translator edits one file and the executable carries everything.

use std::fmt::Write as _;
use std::path::Path;

use rspolib::TranslatedEntry;

/// Where the translations live: `lang/<locale>/LC_MESSAGES/banter.po`.
const LANG_DIR: &str = "lang";
/// gettext's separator between a message's context and its id.
const CONTEXT_SEPARATOR: char = '\u{4}';

fn main() {
    println!("cargo:rerun-if-changed={LANG_DIR}");
    write_rust_catalog();
    #[cfg(feature = "gui")]
    {
        // Element debug info lets the UI tests find elements by accessible
        // label; release builds leave it out.
        let debug = std::env::var("PROFILE").is_ok_and(|p| p == "debug");
        let config = slint_build::CompilerConfiguration::new()
            .with_style("fluent".into())
            .with_debug_info(debug)
            .with_bundled_translations(LANG_DIR)
            // Without this every string's context is its component's name, and
            // a word used in two components would need translating twice.
            .with_default_translation_context(slint_build::DefaultTranslationContext::None);
        slint_build::compile_with_config("ui/app.slint", config)
            .expect("the UI markup in ui/ compiles");
    }
}

/// Writes `$OUT_DIR/catalog.rs`: every shipped language with its translated
/// entries, sorted by key (`msgid`, or `msgctxt` U+0004 `msgid`) for a binary
/// search. Untranslated and fuzzy entries are left out, as Slint does, so
/// they fall back to English.
fn write_rust_catalog() {
    let mut locales: Vec<String> = std::fs::read_dir(LANG_DIR)
        .expect("the lang/ directory")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("LC_MESSAGES/banter.po").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    // The same order as slint-build's, for reproducible builds.
    locales.sort();
    let mut out = String::from("&[\n");
    for locale in &locales {
        let path = Path::new(LANG_DIR)
            .join(locale)
            .join("LC_MESSAGES/banter.po");
        let po = rspolib::pofile(path.as_path())
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()));
        let mut entries: Vec<(String, String)> = po
            .entries
            .iter()
            .filter(|e| e.translated())
            .filter_map(|e| {
                // Plural entries keep their first form: the Rust side has no
                // plurals, and the completeness test needs only to see one.
                let text = e
                    .msgstr
                    .clone()
                    .or_else(|| e.msgstr_plural.first().cloned())
                    .filter(|t| !t.is_empty())?;
                let key = match &e.msgctxt {
                    Some(ctx) => format!("{ctx}{CONTEXT_SEPARATOR}{}", e.msgid),
                    None => e.msgid.clone(),
                };
                Some((key, text))
            })
            .collect();
        entries.sort();
        entries.dedup_by(|a, b| a.0 == b.0);
        writeln!(out, "    ({locale:?}, &[").unwrap();
        for (key, text) in entries {
            writeln!(out, "        ({key:?}, {text:?}),").unwrap();
        }
        writeln!(out, "    ]),").unwrap();
    }
    out.push_str("]\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("catalog.rs");
    std::fs::write(&dest, out).expect("write the translation table");
}
