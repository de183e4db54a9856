//! What the browser offers and how to read it: a clock usable from any worker, cross-origin
//! isolation, core count, the companion server, and a panic hook that never leaves a dead page.

use interleave_shared::Clock;
use serde::Deserialize;
use wasm_bindgen::JsCast;

thread_local! {
    /// `performance` of whichever global this thread has (Window or DedicatedWorkerGlobalScope);
    /// every browser Interleave supports has one in both.
    static PERF: web_sys::Performance =
        js_sys::Reflect::get(&js_sys::global(), &"performance".into())
            .unwrap_or(wasm_bindgen::JsValue::UNDEFINED)
            .unchecked_into();
}

/// Milliseconds since the Unix epoch with sub-millisecond precision, comparable across workers:
/// each worker's `performance.now()` counts from its own start, `timeOrigin` puts them on one axis.
pub fn abs_now_ms() -> f64 {
    PERF.with(|p| p.time_origin() + p.now())
}

/// A clock that started at `t0` (from [`abs_now_ms`] on the main thread); plain data, so rayon
/// can share it with its workers.
#[derive(Debug, Clone, Copy)]
pub struct PerfClock {
    t0: f64,
}

impl PerfClock {
    /// Start counting now.
    pub fn start() -> Self {
        Self { t0: abs_now_ms() }
    }
}

impl Clock for PerfClock {
    fn now_ms(&self) -> f64 {
        abs_now_ms() - self.t0
    }
}

/// Whether the page may share memory with workers (COOP/COEP sent by the server).
pub fn cross_origin_isolated() -> bool {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &"crossOriginIsolated".into()).ok())
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// How the page came to be cross-origin isolated, or why it is not: `crossOriginIsolated` read
/// together with the report `web/sw/isolate.js` leaves in `window.__interleaveIsolation`.
pub fn isolation() -> interleave_web::isolation::Isolation {
    let field = |report: &wasm_bindgen::JsValue, name: &str| {
        js_sys::Reflect::get(report, &name.into())
            .ok()
            .and_then(|v| v.as_string())
    };
    let report = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &"__interleaveIsolation".into()).ok())
        .filter(|r| r.is_object());
    let (by, off, detail) = match &report {
        Some(r) => (
            field(r, "by"),
            field(r, "off"),
            field(r, "detail").unwrap_or_default(),
        ),
        None => (None, None, String::new()),
    };
    interleave_web::isolation::Isolation::from_report(
        cross_origin_isolated(),
        by.as_deref(),
        off.as_deref(),
        &detail,
        in_frame(),
    )
}

/// Why the pool is off here, as a clause ("this page is not …"); empty when it is not off.
pub fn why_off() -> String {
    match isolation() {
        interleave_web::isolation::Isolation::Off(off) => off.why(),
        _ => String::new(),
    }
}

/// Whether this page runs inside a frame (an embed on someone else's page).
pub fn in_frame() -> bool {
    web_sys::window().is_some_and(|w| {
        let me: &wasm_bindgen::JsValue = w.as_ref();
        match w.top() {
            Ok(Some(top)) => !js_sys::Object::is(me, top.as_ref()),
            // A cross-origin top we cannot even name: framed.
            _ => true,
        }
    })
}

/// Logical cores the browser reports (`navigator.hardwareConcurrency`), at least 1.
pub fn hardware_threads() -> u32 {
    web_sys::window()
        .map(|w| w.navigator().hardware_concurrency() as u32)
        .unwrap_or(1)
        .max(1)
}

/// `GET /api/health` of the native companion, as it answers.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Health {
    /// The companion's version.
    pub version: String,
    /// Cores the companion can use.
    pub cores: u32,
}

/// Ask the companion (through Trunk's `/api` proxy) whether it is there.
pub async fn companion_health() -> Option<Health> {
    let resp = gloo_net::http::Request::get("/api/health")
        .send()
        .await
        .ok()?;
    if !resp.ok() {
        return None;
    }
    resp.json::<Health>().await.ok()
}

/// Let the browser paint before the main thread gets busy: two animation frames' worth of
/// waiting, so a "running…" message is on screen before a blocking strategy starts.
pub async fn yield_to_paint() {
    gloo_timers::future::TimeoutFuture::new(30).await;
}

/// The event-loop recorder's cost per poll in this browser, `[bare ns, traced ns]` over `polls`
/// polls: what `interleave bench --browser` reads (through `window.wasmBindings`) beside the
/// native figure, the same code measured on the page's clock.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn interleave_recorder_cost(polls: u32) -> Result<Vec<f64>, wasm_bindgen::JsValue> {
    interleave_shared::tasks::cost::per_poll_ns(PerfClock::start(), polls)
        .map(|(bare, traced)| vec![bare, traced])
        .map_err(|e| wasm_bindgen::JsValue::from_str(&e))
}

/// Go back through the browser's task queue once, behind the timers and messages already
/// queued: a `MessageChannel` message (a `setTimeout(0)` where there is none), as tokio's
/// `yield_now` lets its timer driver run before the task again.
///
/// Not `scheduler.yield()`: its continuation is *prioritised* over the page's other tasks, so
/// timers that came due meanwhile would still wait. That used to be hidden by the executor's own
/// hop (wasm-bindgen-futures woke every task through an event-loop task); with the page's
/// microtask executor the event-loop lesson's `yielding` let nobody in (others waited 101 ms for
/// a 100 ms computation cut into 2 ms slices). Awaiting a resolved promise would not do either:
/// it is a microtask, and the browser runs every microtask before any timer.
pub async fn yield_to_task_queue() {
    let Ok(channel) = web_sys::MessageChannel::new() else {
        gloo_timers::future::TimeoutFuture::new(0).await;
        return;
    };
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        channel.port1().set_onmessage(Some(&resolve));
    });
    let _ = channel.port2().post_message(&wasm_bindgen::JsValue::NULL);
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Replace yew's panic hook: log to the console as usual, and put a visible error panel
/// (test id `error`) on the page, because a panic otherwise leaves a page that silently stops.
pub fn install_panic_panel() {
    yew::set_custom_panic_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let Ok(panel) = doc.create_element("div") else {
            return;
        };
        let _ = panel.set_attribute("data-testid", "error");
        let _ = panel.set_attribute("class", "panic-panel");
        panel.set_text_content(Some(&format!(
            "Interleave hit a bug and stopped: {info}. Reload the page to start again; \
             the browser console has the details."
        )));
        if let Some(body) = doc.body() {
            let _ = body.prepend_with_node_1(&panel);
        }
    }));
}
