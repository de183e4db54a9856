//! `mdbook-interleave`: as a preprocessor, mdBook runs it with the book on stdin; `install`
//! prepares a book for it.

use anyhow::Context;
use clap::{Parser, Subcommand};
use mdbook_interleave::{Interleave, script};
use mdbook_preprocessor::Preprocessor;
use std::path::PathBuf;

/// Interleave lessons in an mdBook: {{#interleave LESSON key=value …}}.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Asked by mdBook: can the book be preprocessed for this renderer? (Always: HTML gets the
    /// embed, others a link.)
    Supports {
        /// The renderer's name.
        renderer: String,
    },
    /// Write interleave-embed.js into the book, list it in book.toml, and optionally set the
    /// playground's address.
    Install {
        /// The book's directory (where book.toml is).
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// The playground's address, e.g. https://interleave.example/.
        #[arg(long)]
        playground: Option<String>,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Supports { renderer }) => {
            let yes = Interleave.supports_renderer(&renderer)?;
            std::process::exit(if yes { 0 } else { 1 });
        }
        Some(Command::Install { dir, playground }) => {
            if let Some(p) = &playground
                && !(p.starts_with("http://") || p.starts_with("https://"))
            {
                anyhow::bail!("--playground '{p}' must be an http:// or https:// address");
            }
            for line in script::install(&dir, playground.as_deref())? {
                eprintln!("mdbook-interleave: {line}");
            }
            Ok(())
        }
        None => {
            let (ctx, book) = mdbook_preprocessor::parse_input(std::io::stdin()).context(
                "mdbook-interleave reads a book from mdBook on stdin (run `mdbook build`)",
            )?;
            let book = Interleave.run(&ctx, book)?;
            serde_json::to_writer(std::io::stdout(), &book)
                .context("writing the book to stdout")?;
            Ok(())
        }
    }
}
