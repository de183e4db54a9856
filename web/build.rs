//! Cuts the code excerpts the page shows beside a run out of the repository's own sources (see
//! `shared/src/code.rs` for the marker format), so the page shows exactly the code that runs.
//! A malformed marker fails the build with its file and line.
//!
//! The excerpts (Rust and the notes' Python) and the glossary are not compiled into the page:
//! nobody needs them for the first screen, and they were a tenth of the download. They go into
//! one data file, deflated, named by a hash of its content (`page-data-<hash>.bin`, so a cache
//! may keep it forever and a new build can never be served stale data), which the page fetches
//! when it first shows code or a lesson's text. The file is written to `<target>/page-data/`,
//! and Trunk's post-build hook (Trunk.toml) copies the one the built wasm names beside it. The same data, plain, goes
//! to `$OUT_DIR/page-data.json` for the crate's host tests.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

#[path = "../shared/src/code.rs"]
#[allow(dead_code)]
mod code;

#[path = "../shared/src/glossary.rs"]
#[allow(dead_code)]
mod glossary;

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"))
        .parent()
        .expect("web/ sits in the workspace root")
        .to_path_buf();
    let mut excerpts = Vec::new();
    for (tree, origin) in code::TREES {
        let dir = root.join(tree);
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut files = Vec::new();
        walk(&dir, &mut files);
        files.sort();
        for file in files {
            let rel = file
                .strip_prefix(&root)
                .expect("under the root")
                .to_string_lossy()
                .replace('\\', "/");
            let Some(comment) = code::comment_for(&rel) else {
                continue;
            };
            println!("cargo:rerun-if-changed={}", file.display());
            let text =
                std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"));
            let lang = if comment == "#" { "python" } else { "rust" };
            let cut = code::extract(&text, comment)
                .unwrap_or_else(|e| panic!("{rel}: bad code marker at {e}"));
            for excerpt in cut {
                for key in &excerpt.keys {
                    let origin = match key.side.as_deref() {
                        Some(side @ ("native" | "web")) => side.to_string(),
                        _ => origin.to_ascii_lowercase(),
                    };
                    excerpts.push(serde_json::json!({
                        "lesson": key.lesson,
                        "strategy": key.strategy,
                        "origin": origin,
                        "lang": lang,
                        "file": rel,
                        "line": excerpt.line,
                        "code": excerpt.code,
                    }));
                }
            }
        }
    }
    println!(
        "cargo:rerun-if-changed={}",
        root.join("shared/src/glossary.rs").display()
    );
    let glossary: Vec<_> = glossary::TERMS.iter().map(|(t, m)| [t, m]).collect();
    let data = serde_json::to_vec(&serde_json::json!({
        "excerpts": excerpts,
        "glossary": glossary,
    }))
    .expect("JSON of strings and numbers");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo"));
    write(&out.join("page-data.json"), &data);

    let packed = miniz_oxide::deflate::compress_to_vec(&data, 10);
    let mut hasher = std::hash::DefaultHasher::new();
    packed.hash(&mut hasher);
    let name = format!("page-data-{:016x}.bin", hasher.finish());
    // Files of earlier builds stay: another build (the host's tests, another profile) may run
    // between this one and Trunk's hook, and the hook copies the file the wasm names.
    let dir = target_dir(&out).join("page-data");
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    write(&dir.join(&name), &packed);
    println!("cargo:rustc-env=INTERLEAVE_PAGE_DATA={name}");
}

/// Cargo's target directory: `OUT_DIR` is `<target>/[<triple>/]<profile>/build/<package>/out`.
fn target_dir(out: &Path) -> PathBuf {
    let base = out
        .ancestors()
        .nth(4)
        .unwrap_or_else(|| panic!("OUT_DIR is not under a target directory: {}", out.display()));
    let triple = std::env::var("TARGET").unwrap_or_default();
    match base.parent() {
        Some(parent) if base.file_name().is_some_and(|n| *n == *triple) => parent.to_path_buf(),
        _ => base.to_path_buf(),
    }
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

/// Every file under `dir`, recursively.
fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, files);
        } else {
            files.push(path);
        }
    }
}
