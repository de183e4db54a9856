//! # interleave-web: the playground page
//!
//! The same lessons as the CLI, run in the browser and drawn as a table, a timeline and a verdict.
//!
//! - `state`: the page's state as a reducer (an [`state::Action`] enum), the one place it changes.
//! - `url`: reading and writing the permalink (`?lesson=cpu&strategies=...&autorun=1`).
//! - `runner`: the browser strategies. `sequential` runs on the main thread; `pool` runs on a
//!   rayon pool of web workers sharing the wasm memory (wasm-bindgen-rayon), started with
//!   `rayon::spawn` and awaited, so the main thread never blocks on it.
//! - `workers`: message-passing web workers (own memory each); `pages`: fetching io pages.
//! - `platform`: clocks, cross-origin isolation, the companion's health check.
//! - `components/`: the views; none of them has per-lesson code.
#![deny(missing_docs)]

mod app;
mod components;
mod idb;
mod lessons;
mod pages;
mod platform;
mod runner;
mod state;
mod url;
mod workers;

fn main() {
    // A `workers` web worker instantiates this same module with its own memory, which makes it
    // that memory's "main thread": it must not render a page it does not have.
    if web_sys::window().is_none() {
        return;
    }
    platform::install_panic_panel();
    yew::Renderer::<app::App>::new().render();
}
