//! # interleave-web: the playground page
//!
//! The same lessons as the CLI, run in the browser and drawn as a table, a timeline and a verdict.
//!
//! - `state`: the page's state as a reducer (an [`state::Action`] enum), the one place it changes.
//! - `explorer`: the interleaving explorer's state and view model (pure).
//! - `url`: reading and writing the permalink (`?lesson=cpu&strategies=...&autorun=1`).
//! - `run`: the coordinator — a validated request in, checked records out (plus native rows
//!   from the companion).
//! - `lessons/`: one browser runner per lesson, behind one complete `match` on the lesson.
//! - `exec/`: the toolkit they share and that knows no lesson: the shared-memory pool
//!   (wasm-bindgen-rayon, awaited so the main thread never blocks), message-passing web workers,
//!   fetching pages, clocks and the platform's facts.
//! - `components/`: the views; none of them has per-lesson code.
//!
//! The pure parts (URL parsing, the reducer, request building) are unit-tested on the host with
//! plain `cargo test`.
#![deny(missing_docs)]

mod app;
mod components;
mod exec;
mod host_page;
mod lessons;
mod page_data;
mod run;
mod state;

use interleave_web::{explorer, url};

fn main() {
    // A `workers` web worker instantiates this same module with its own memory, which makes it
    // that memory's "main thread": it must not render a page it does not have.
    if web_sys::window().is_none() {
        return;
    }
    exec::platform::install_panic_panel();
    yew::Renderer::<app::App>::new().render();
}
