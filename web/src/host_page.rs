//! Talking to the page that embeds this one (see `interleave_web::embed` for the messages and
//! why they go only to the `parent=` origin): the content height whenever it changes, a word when
//! a run ends, and runs asked for by that page.

use interleave_shared::RunRecord;
use interleave_web::embed::{self, Outgoing};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

/// Post `message` to the embedding page, if the link named one and this page is framed.
pub fn post(parent: Option<&str>, message: &Outgoing<'_>) {
    let Some(origin) = parent else { return };
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(Some(host)) = window.parent() else {
        return;
    };
    let target: &wasm_bindgen::JsValue = host.as_ref();
    let own: &wasm_bindgen::JsValue = window.as_ref();
    if js_sys::Object::is(target, own) {
        return; // not framed: nobody to tell
    }
    if let Ok(value) = js_sys::JSON::parse(&message.to_json()) {
        // A wrong origin makes the browser drop the message, which is the point.
        let _ = host.post_message(&value, origin);
    }
}

/// Tell the embedding page a run ended.
pub fn run_ended(parent: Option<&str>, lesson: &str, outcome: Result<&[RunRecord], &str>) {
    let message = match outcome {
        Ok(records) => embed::finished(lesson, records),
        Err(error) => Outgoing::Run {
            version: embed::VERSION,
            lesson,
            status: embed::RunStatus::Failed,
            records: &[],
            claims_held: 0,
            claims: 0,
            error: Some(error),
        },
    };
    post(parent, &message);
}

/// What keeps the page talking to its host; dropping it stops the height reports and the
/// listener.
pub struct Link {
    _observer: Option<web_sys::ResizeObserver>,
    _resized: Option<Closure<dyn FnMut()>>,
    _listener: Option<gloo_events::EventListener>,
}

/// Start reporting the height to `parent` and obeying its run requests (`on_run`).
pub fn connect(parent: &str, lesson: &str, on_run: impl Fn() + 'static) -> Link {
    let parent = parent.to_string();
    let window = web_sys::window();
    let root = window
        .as_ref()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element());
    // The height is the whole document's: the iframe must fit all of it without a scrollbar.
    let report = {
        let parent = parent.clone();
        let root = root.clone();
        move || {
            if let Some(root) = &root {
                let height = root.scroll_height().max(0) as u32;
                post(
                    Some(&parent),
                    &Outgoing::Height {
                        version: embed::VERSION,
                        height,
                    },
                );
            }
        }
    };
    report();
    let resized = Closure::<dyn FnMut()>::new(report);
    let observer = web_sys::ResizeObserver::new(resized.as_ref().unchecked_ref()).ok();
    if let (Some(observer), Some(root)) = (&observer, &root) {
        // The body grows with the content; the root element keeps the viewport's height.
        let body = root.query_selector("body").ok().flatten();
        observer.observe(body.as_ref().unwrap_or(root));
    }
    let listener = window.as_ref().map(|w| {
        let parent = parent.clone();
        let source = w.parent().ok().flatten();
        gloo_events::EventListener::new(w, "message", move |event| {
            let Some(event) = event.dyn_ref::<web_sys::MessageEvent>() else {
                return;
            };
            // From the parent window itself, not another frame of the same origin.
            let from_parent = match (event.source(), &source) {
                (Some(s), Some(p)) => js_sys::Object::is(&s, p.as_ref()),
                _ => false,
            };
            let data = event.data();
            let field = |name: &str| js_sys::Reflect::get(&data, &name.into()).ok();
            let kind = field("type").and_then(|v| v.as_string());
            let version = field("version").and_then(|v| v.as_f64());
            if from_parent
                && embed::is_run_request(&event.origin(), Some(&parent), kind.as_deref(), version)
            {
                on_run();
            }
        })
    });
    post(
        Some(&parent),
        &Outgoing::Ready {
            version: embed::VERSION,
            lesson,
        },
    );
    Link {
        _observer: observer,
        _resized: Some(resized),
        _listener: listener,
    }
}
