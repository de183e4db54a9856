//! The host script a book needs for its embeds (`interleave-embed.js`), and the check that the
//! book carries the version this preprocessor writes. A preprocessor cannot add files to a book's
//! output (mdBook #1222), so `mdbook-interleave install` writes the script into the book and
//! lists it in `output.html.additional-js`; `mdbook build` then fails, saying what to run, if the
//! script is missing or from another version.

use std::path::Path;

/// The script's file name, beside `book.toml`.
pub const FILE: &str = "interleave-embed.js";

/// The script's version; raised whenever its text changes.
pub const VERSION: u32 = 1;

/// The script: sets each frame's address with `parent=` (this page's origin), sizes each frame
/// to the height its lesson reports, and re-dispatches each finished run on its frame as an
/// `interleave:run` DOM event. It listens only to its own frames, from the playground's origin.
pub fn text() -> String {
    format!(
        "// mdbook-interleave host script v{VERSION}: written by `mdbook-interleave install`; rewrite it with the same command.\n{}",
        include_str!("interleave-embed.js")
    )
}

/// What is wrong with a book's copy of the script.
#[derive(Debug, thiserror::Error)]
pub enum ScriptError {
    /// Not there.
    #[error("{path} is missing: run `mdbook-interleave install` in the book's directory")]
    Missing {
        /// Where it was looked for.
        path: String,
    },
    /// Another version.
    #[error(
        "{path} is {found}, and this mdbook-interleave writes v{VERSION}: run `mdbook-interleave install` again"
    )]
    Version {
        /// The file.
        path: String,
        /// The version line found.
        found: String,
    },
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// book.toml is not TOML, or its `additional-js` is not a list.
    #[error("{path}: {why}")]
    Config {
        /// The file.
        path: String,
        /// What is wrong.
        why: String,
    },
}

/// Check that `root` (the book's directory) has the script at this version.
pub fn check(root: &Path) -> Result<(), ScriptError> {
    let path = root.join(FILE);
    let shown = path.display().to_string();
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ScriptError::Missing { path: shown });
        }
        Err(source) => {
            return Err(ScriptError::Io {
                path: shown,
                source,
            });
        }
    };
    let first = text.lines().next().unwrap_or_default();
    let want = format!("mdbook-interleave host script v{VERSION}:");
    if first.contains(&want) {
        Ok(())
    } else {
        let found = first
            .split_whitespace()
            .find(|w| w.starts_with('v') && w.ends_with(':'))
            .map_or("not a host script this tool wrote".to_string(), |v| {
                v.trim_end_matches(':').to_string()
            });
        Err(ScriptError::Version { path: shown, found })
    }
}

/// Write the script into `root` and list it in `book.toml`'s `output.html.additional-js`;
/// with `playground`, also set `[preprocessor.interleave] playground`. Returns what it did.
pub fn install(root: &Path, playground: Option<&str>) -> Result<Vec<String>, ScriptError> {
    let mut done = Vec::new();
    let script = root.join(FILE);
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| ScriptError::Io { path, source }
    };
    std::fs::write(&script, text()).map_err(io(&script))?;
    done.push(format!("wrote {} (v{VERSION})", script.display()));

    let toml_path = root.join("book.toml");
    let shown = toml_path.display().to_string();
    let source = std::fs::read_to_string(&toml_path).map_err(io(&toml_path))?;
    let mut doc: toml_edit::DocumentMut = source.parse().map_err(|e| ScriptError::Config {
        path: shown.clone(),
        why: format!("not TOML: {e}"),
    })?;
    let bad = |why: &str| ScriptError::Config {
        path: shown.clone(),
        why: why.to_string(),
    };
    let output = doc
        .entry("output")
        .or_insert_with(|| toml_edit::Item::Table(implicit_table()))
        .as_table_mut()
        .ok_or_else(|| bad("`output` is not a table"))?;
    let html = output
        .entry("html")
        .or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()))
        .as_table_mut()
        .ok_or_else(|| bad("`output.html` is not a table"))?;
    let js = html
        .entry("additional-js")
        .or_insert_with(|| toml_edit::value(toml_edit::Array::new()))
        .as_array_mut()
        .ok_or_else(|| bad("`output.html.additional-js` is not a list"))?;
    if !js.iter().any(|v| v.as_str() == Some(FILE)) {
        js.push(FILE);
        done.push(format!("added {FILE} to output.html.additional-js"));
    }
    let pre = doc
        .entry("preprocessor")
        .or_insert_with(|| toml_edit::Item::Table(implicit_table()))
        .as_table_mut()
        .ok_or_else(|| bad("`preprocessor` is not a table"))?;
    let ours = pre
        .entry(crate::NAME)
        .or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()))
        .as_table_mut()
        .ok_or_else(|| bad("`preprocessor.interleave` is not a table"))?;
    if let Some(address) = playground {
        ours["playground"] = toml_edit::value(address);
        done.push(format!(
            "set preprocessor.interleave.playground = \"{address}\""
        ));
    } else if !ours.contains_key("playground") {
        done.push(
            "book.toml has no preprocessor.interleave.playground yet: add the playground's \
             address (or run install --playground URL)"
                .into(),
        );
    }
    std::fs::write(&toml_path, doc.to_string()).map_err(io(&toml_path))?;
    Ok(done)
}

fn implicit_table() -> toml_edit::Table {
    let mut t = toml_edit::Table::new();
    t.set_implicit(true);
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book(toml: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "mdbook-interleave-{}-{}",
            std::process::id(),
            toml.len()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("book.toml"), toml).unwrap();
        let _ = std::fs::remove_file(dir.join(FILE));
        dir
    }

    #[test]
    fn install_writes_the_script_lists_it_once_and_keeps_the_rest() {
        let dir = book("[book]\ntitle = \"T\"\n\n[output.html]\nadditional-js = [\"mine.js\"]\n");
        assert!(matches!(check(&dir), Err(ScriptError::Missing { .. })));
        install(&dir, Some("https://play.example/")).unwrap();
        install(&dir, None).unwrap();
        check(&dir).unwrap();
        let toml = std::fs::read_to_string(dir.join("book.toml")).unwrap();
        assert!(toml.contains("title = \"T\""), "{toml}");
        assert_eq!(toml.matches(FILE).count(), 1, "{toml}");
        assert!(toml.contains("mine.js"));
        assert!(
            toml.contains("playground = \"https://play.example/\""),
            "{toml}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn an_old_script_is_named_with_its_version() {
        let dir = book("[book]\n");
        std::fs::write(dir.join(FILE), "// mdbook-interleave host script v0: old\n").unwrap();
        let err = check(&dir).unwrap_err().to_string();
        assert!(
            err.contains("is v0, and this mdbook-interleave writes v1"),
            "{err}"
        );
        assert!(err.contains("mdbook-interleave install"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
