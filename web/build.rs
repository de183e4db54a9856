//! Cuts the code excerpts the page shows beside a run out of the repository's own sources (see
//! `shared/src/code.rs` for the marker format), so the page shows exactly the code that runs.
//! A malformed marker fails the build with its file and line.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[path = "../shared/src/code.rs"]
#[allow(dead_code)]
mod code;

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"))
        .parent()
        .expect("web/ sits in the workspace root")
        .to_path_buf();
    let mut out = String::from("&[\n");
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
            let lang = if comment == "#" { "Python" } else { "Rust" };
            let excerpts = code::extract(&text, comment)
                .unwrap_or_else(|e| panic!("{rel}: bad code marker at {e}"));
            for excerpt in excerpts {
                for key in &excerpt.keys {
                    let (lesson, strategy) = (&key.lesson, &key.strategy);
                    let origin = match key.side.as_deref() {
                        Some("native") => "Native",
                        Some("web") => "Web",
                        _ => origin,
                    };
                    writeln!(
                        out,
                        "    Excerpt {{ lesson: {lesson:?}, strategy: {strategy:?}, origin: Origin::{origin}, \
                         lang: Lang::{lang}, file: {rel:?}, line: {}, code: {:?} }},",
                        excerpt.line, excerpt.code
                    )
                    .expect("writing to a String");
                }
            }
        }
    }
    out.push_str("]\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("set by cargo")).join("excerpts.rs");
    std::fs::write(&dest, out).unwrap_or_else(|e| panic!("cannot write {}: {e}", dest.display()));
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
