//! Words a learner knows: the first use of each glossary term in a lesson's text is marked, and
//! its one-line meaning shows on hover, or on tap (the mark takes focus); and the public text
//! the lesson's notes summarise, linked, with what it teaches.

use interleave_shared::glossary::{Piece, pieces};
use interleave_shared::lessons::Source;
use yew::prelude::*;

/// `text` with its glossary terms marked (test id `term`, meaning in `data-tip`).
pub fn glossed(text: &str) -> Html {
    pieces(text)
        .into_iter()
        .map(|p| match p {
            Piece::Text(t) => html! { { t.to_string() } },
            Piece::Term(t, tip) => html! {
                <span class="term" tabindex="0" data-testid="term" data-tip={tip} title={tip}>{ t.to_string() }</span>
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
    html! {
        <p class="source" data-testid="source">
            <span class="source-head">{ "From the notes' source: " }</span>
            { glossed(s.teaches) }{ " " }
            <a href={s.url} target="_blank" rel="noopener noreferrer">{ format!("{} ↗", s.title) }</a>
        </p>
    }
}
