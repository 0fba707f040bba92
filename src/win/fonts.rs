//! Windows only: Chinese, Japanese and Korean text finds an installed font even
//! where the system's font fallback names none.
//!
//! The client's UI font, DejaVu Sans (bundled), has no CJK glyphs; for those
//! Slint asks the system's font fallback, DirectWrite's on Windows. Windows 10
//! and 11 answer with a font they ship (Microsoft YaHei, Yu Gothic, Malgun
//! Gothic) and nothing here changes. Wine's DirectWrite only ever answers
//! "Meiryo", so with another CJK font installed (WenQuanYi Micro Hei, say) 小明
//! was drawn blank. [`add_cjk_fallbacks`] checks each CJK script: when the
//! system's fallback cannot draw a sample character, the first installed family
//! that can becomes that script's fallback.
//!
//! Uses Slint's `unstable-fontique-011` API (Slint is pinned exactly); when it
//! changes, this file is the one place to follow it.

use slint::fontique_011::fontique::{
    Collection, FallbackKey, FamilyId, FontInfo, Script, SourceCache,
};

/// The scripts checked, each with a character its fonts must have.
const SCRIPTS: [(&[u8; 4], char); 5] = [
    (b"Hani", '中'),
    (b"Hira", 'あ'),
    (b"Kana", 'ア'),
    (b"Hang", '한'),
    (b"Bopo", 'ㄅ'),
];

/// Adds a fallback family for each CJK script that has none able to draw it;
/// returns the (script, family) pairs added. Call after the first window is
/// created (Slint's font collection exists then) and before it is shown.
pub fn add_cjk_fallbacks() -> Vec<(String, String)> {
    let mut collection = slint::fontique_011::shared_collection();
    let mut cache = SourceCache::default();
    let mut missing: Vec<_> = SCRIPTS
        .iter()
        .map(|&(tag, sample)| {
            (
                tag,
                sample,
                FallbackKey::new(Script::from_bytes(*tag), None),
            )
        })
        .filter(|&(_, sample, key)| {
            let system: Vec<FamilyId> = collection.fallback_families(key).collect();
            !system
                .iter()
                .any(|&id| family_draws(&mut collection, &mut cache, id, sample))
        })
        .collect();
    let mut added = Vec::new();
    // First the families the system lists, then the font files in the Windows
    // Fonts folder it may not list (a font copied there without installing it,
    // which Wine's DirectWrite does not see).
    for pass in 0..2 {
        if missing.is_empty() {
            break;
        }
        if pass == 1 {
            let Some(windows) =
                std::env::var_os("SystemRoot").or_else(|| std::env::var_os("WINDIR"))
            else {
                break;
            };
            collection.load_fonts_from_paths([std::path::Path::new(&windows).join("Fonts")]);
        }
        let names: Vec<String> = collection.family_names().map(str::to_owned).collect();
        let families: Vec<FamilyId> = names
            .iter()
            .filter_map(|name| collection.family_id(name))
            .collect();
        missing.retain(|&(tag, sample, key)| {
            let found = families
                .iter()
                .copied()
                .find(|&id| family_draws(&mut collection, &mut cache, id, sample));
            let Some(id) = found else {
                return true;
            };
            collection.append_fallbacks(key, std::iter::once(id));
            let name = collection.family_name(id).unwrap_or_default().to_owned();
            added.push((String::from_utf8_lossy(tag).into_owned(), name));
            false
        });
    }
    added
}

/// Whether the regular font of family `id` has a glyph for `c`.
fn family_draws(
    collection: &mut Collection,
    cache: &mut SourceCache,
    id: FamilyId,
    c: char,
) -> bool {
    let Some(family) = collection.family(id) else {
        return false;
    };
    family
        .default_font()
        .is_some_and(|font| font_draws(font, cache, c))
}

fn font_draws(font: &FontInfo, cache: &mut SourceCache, c: char) -> bool {
    let Some(data) = font.load(Some(cache)) else {
        return false;
    };
    font.charmap_index()
        .charmap(data.data())
        .and_then(|map| map.map(c))
        .is_some_and(|glyph| glyph != 0)
}
