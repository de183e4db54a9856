//! Status chips: is the page cross-origin isolated (can the pool share memory), and is the
//! native companion connected.

use crate::exec::platform;
use crate::state::Companion;
use interleave_web::isolation::{Isolation, Off};
use yew::prelude::*;

/// Props of [`StatusChips`].
#[derive(Properties, PartialEq)]
pub struct Props {
    /// The companion's status.
    pub companion: Companion,
    /// In an embed: the companion is the playground's business, not the reader's, so its chip
    /// is left out.
    #[prop_or_default]
    pub embed: bool,
}

/// Two chips with stable test ids (`isolation`, `companion`) and data attributes for tests.
#[function_component(StatusChips)]
pub fn status_chips(props: &Props) -> Html {
    // The boot script may change its report after the page is drawn (a failed registration).
    let refresh = use_force_update();
    use_effect_with((), move |_| {
        let listener = web_sys::window().map(|w| {
            gloo_events::EventListener::new(&w, "interleave-isolation", move |_| {
                refresh.force_update()
            })
        });
        move || drop(listener)
    });
    let isolation = platform::isolation();
    let isolated = isolation.isolated();
    let threads = platform::hardware_threads();
    let (iso_class, iso_text, iso_title) = match &isolation {
        Isolation::Headers => (
            "chip ok",
            format!("isolated · {threads} threads"),
            "Cross-origin isolated: web workers can share memory, so the pool runs.".to_string(),
        ),
        Isolation::ServiceWorker => (
            "chip ok",
            format!("isolated · {threads} threads"),
            "Cross-origin isolated by Interleave's service worker (this host sends no COOP/COEP \
             headers): web workers can share memory, so the pool runs."
                .to_string(),
        ),
        Isolation::Off(Off::Pending) => ("chip", "isolating…".to_string(), Off::Pending.why()),
        Isolation::Off(off) => (
            "chip warn",
            "not isolated · pool off".to_string(),
            off.why(),
        ),
    };
    let (comp_class, comp_text, connected) = match &props.companion {
        Companion::Checking => ("chip", "companion: checking…".to_string(), false),
        Companion::Connected(h) => (
            "chip ok",
            format!("native companion v{} · {} cores", h.version, h.cores),
            true,
        ),
        Companion::Absent => ("chip muted", "no native companion".to_string(), false),
    };
    html! {
        <div class="chips">
            <span class={iso_class} data-testid="isolation" data-isolated={isolated.to_string()}
                  data-isolation={isolation.code()}
                  data-threads={threads.to_string()} title={iso_title}>{ iso_text }</span>
            if !props.embed {
                <span class={comp_class} data-testid="companion" data-connected={connected.to_string()}
                      title="`interleave serve` answers /api/health through Trunk's proxy">{ comp_text }</span>
            }
        </div>
    }
}
