//! The page's data file (the code excerpts, the notes' Python and the glossary: see
//! `interleave_web::code::PageData`), fetched once, the first time a screen needs it, and shared
//! by every component after that. The first screen does not wait for it: the lesson's text shows
//! at once and gains its glossary marks when the data arrives; the code panel says it is loading.

use crate::exec::executor;
use futures::FutureExt;
use futures::future::{LocalBoxFuture, Shared};
use interleave_web::code::{DATA_FILE, PageData};
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// The data, or why it could not be had.
pub type Loaded = Result<Rc<PageData>, String>;

type Load = Shared<LocalBoxFuture<'static, Loaded>>;

thread_local! {
    /// The one fetch, started by whoever asks first.
    static LOAD: RefCell<Option<Load>> = const { RefCell::new(None) };
}

/// The fetch, started on first call; every caller awaits the same one.
fn load() -> Load {
    LOAD.with(|l| {
        l.borrow_mut()
            .get_or_insert_with(|| fetch().boxed_local().shared())
            .clone()
    })
}

async fn fetch() -> Loaded {
    // Relative to the page, beside the wasm, wherever the site serves it from.
    let resp = gloo_net::http::Request::get(DATA_FILE)
        .send()
        .await
        .map_err(|e| format!("cannot fetch the page's data ({DATA_FILE}): {e}"))?;
    if !resp.ok() {
        return Err(format!(
            "the page's data ({DATA_FILE}) answered HTTP {}",
            resp.status()
        ));
    }
    let bytes = resp
        .binary()
        .await
        .map_err(|e| format!("cannot read the page's data ({DATA_FILE}): {e}"))?;
    PageData::parse(&bytes)
        .map(Rc::new)
        .map_err(|e| e.to_string())
}

/// The data in a component: `None` until it has arrived (the fetch starts on first use).
#[hook]
pub fn use_page_data() -> Option<Loaded> {
    let load = load();
    let state = use_state(|| load.peek().cloned());
    {
        let state = state.clone();
        use_effect_with((), move |_| {
            if state.is_none() {
                executor::spawn(async move { state.set(Some(load.await)) });
            }
        });
    }
    (*state).clone()
}

/// The data if it has arrived and was good.
pub fn ready(loaded: &Option<Loaded>) -> Option<&PageData> {
    loaded.as_ref().and_then(|r| r.as_ref().ok()).map(|d| &**d)
}
