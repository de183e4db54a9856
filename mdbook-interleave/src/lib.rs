//! # mdbook-interleave: Interleave lessons inside an mdBook
//!
//! `{{#interleave race}}` or `{{#interleave cpu strategies=sequential,pool size=2000000}}` in a
//! chapter becomes a titled, lazy-loaded iframe of that lesson on the playground named in
//! `book.toml`, sized to its content by a small host script (`interleave-embed.js`, written by
//! `mdbook-interleave install`). Renderers other than HTML get a link and a one-line description.
//!
//! - `directive`: finding and reading the `{{#interleave …}}` directives, checked against the
//!   lessons' own catalogue and bounds (the ones the page and the CLI enforce).
//! - `render`: what a directive becomes, per renderer.
//! - `script`: the host script and the check that the book carries the version this
//!   preprocessor writes.
#![deny(missing_docs)]

pub mod directive;
pub mod render;
pub mod script;

use mdbook_preprocessor::book::{Book, BookItem};
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};

/// The preprocessor's name in `book.toml` (`[preprocessor.interleave]`).
pub const NAME: &str = "interleave";

/// Why a book could not be preprocessed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `playground` is missing or not an http(s) address.
    #[error(
        "book.toml: [preprocessor.interleave] needs `playground = \"https://…/\"`, the address the \
         playground is served from{0}"
    )]
    Playground(String),
    /// A directive in a chapter is wrong.
    #[error("{chapter}:{line}: {source}")]
    Directive {
        /// The chapter's source path.
        chapter: String,
        /// 1-based line of the directive.
        line: usize,
        /// What is wrong with it.
        source: Box<directive::DirectiveError>,
    },
    /// The book's host script is missing or another version.
    #[error(transparent)]
    Script(#[from] script::ScriptError),
}

/// The preprocessor.
pub struct Interleave;

impl Preprocessor for Interleave {
    fn name(&self) -> &str {
        NAME
    }

    fn run(
        &self,
        ctx: &PreprocessorContext,
        mut book: Book,
    ) -> mdbook_preprocessor::errors::Result<Book> {
        let html = ctx.renderer == "html";
        let playground = playground(ctx)?;
        if html {
            script::check(&ctx.root)?;
        }
        let mut failure = None;
        book.for_each_mut(|item| {
            let BookItem::Chapter(chapter) = item else {
                return;
            };
            if failure.is_some() {
                return;
            }
            let name = chapter
                .source_path
                .as_ref()
                .map_or_else(|| chapter.name.clone(), |p| p.display().to_string());
            match render::chapter(&chapter.content, &playground, html) {
                Ok(content) => chapter.content = content,
                Err((line, source)) => {
                    failure = Some(Error::Directive {
                        chapter: name,
                        line,
                        source: Box::new(source),
                    })
                }
            }
        });
        match failure {
            Some(e) => Err(e.into()),
            None => Ok(book),
        }
    }

    fn supports_renderer(&self, _renderer: &str) -> mdbook_preprocessor::errors::Result<bool> {
        // HTML gets the embed, every other renderer a link: none is left with a raw directive.
        Ok(true)
    }
}

/// The playground's address from `book.toml`, ending in `/`.
fn playground(ctx: &PreprocessorContext) -> Result<String, Error> {
    let value: Option<String> = ctx
        .config
        .get("preprocessor.interleave.playground")
        .map_err(|e| Error::Playground(format!(" ({e})")))?;
    let Some(address) = value else {
        return Err(Error::Playground(String::new()));
    };
    if !(address.starts_with("https://") || address.starts_with("http://")) {
        return Err(Error::Playground(format!("; got '{address}'")));
    }
    Ok(if address.ends_with('/') {
        address
    } else {
        format!("{address}/")
    })
}
