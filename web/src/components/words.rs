//! Words a learner knows: the first use of each glossary term in a lesson's text is marked, and
//! its one-line meaning shows on hover, or on tap (the mark takes focus); and the public text
//! the lesson's notes summarise, linked, with what it teaches.

use crate::page_data::{self, use_page_data};
use interleave_shared::glossary::{Piece, pieces_with};
use interleave_shared::lessons::Source;
use interleave_web::code::PageData;
use yew::prelude::*;

/// `text` with its glossary terms marked (test id `term`, meaning in `data-tip`) once the page's
/// data (which carries the glossary) has arrived; plain text until then.
pub fn glossed(text: &str, data: Option<&PageData>) -> Html {
    let Some(data) = data else {
        return html! { { text.to_string() } };
    };
    pieces_with(text, data.terms())
        .into_iter()
        .map(|p| match p {
            Piece::Text(t) => html! { { t.to_string() } },
            Piece::Term(t, tip) => html! {
                <span class="term" tabindex="0" data-testid="term" data-tip={tip.to_string()} title={tip.to_string()}>{ t.to_string() }</span>
            },
        })
        .collect()
}

/// Props of [`SourceLine`].
#[derive(Properties, PartialEq)]
pub struct Props {
    /// The lesson's source.
    pub source: Source,
}

/// "The notes summarise …: what it teaches. Read it ↗" (test id `source`).
#[function_component(SourceLine)]
pub fn source_line(props: &Props) -> Html {
    let s = props.source;
    let data = use_page_data();
    let data = page_data::ready(&data);
    html! {
        <p class="source" data-testid="source">
            <span class="source-head">{ "From the notes' source: " }</span>
            { glossed(s.teaches, data) }{ " " }
            <a href={s.url} target="_blank" rel="noopener noreferrer">{ format!("{} ↗", s.title) }</a>
        </p>
    }
}
