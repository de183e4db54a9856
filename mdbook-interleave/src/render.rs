//! What a directive becomes: an iframe of the lesson for the HTML renderer, a link with the
//! lesson's one-line summary for every other renderer (a PDF or an e-book cannot run it).

use crate::directive::{self, Directive, Located, Occurrence};

/// `content` with every directive replaced, or the 1-based line of the first bad one and why.
pub fn chapter(content: &str, playground: &str, html: bool) -> Result<String, Located> {
    let found = directive::find(content)?;
    if found.is_empty() {
        return Ok(content.to_string());
    }
    let mut out = String::with_capacity(content.len() + found.len() * 600);
    let mut at = 0;
    for Occurrence {
        place,
        body,
        escaped,
    } in found
    {
        out.push_str(&content[at..place.start]);
        if escaped {
            // `\{{#interleave …}}`: the directive as text, for books that explain the syntax.
            out.push_str(&content[place.start + 1..place.end]);
        } else {
            let d = directive::parse(body).map_err(|e| (place.line, e))?;
            out.push_str(&if html {
                embed(&d, playground)
            } else {
                fallback(&d, playground)
            });
        }
        at = place.end;
    }
    out.push_str(&content[at..]);
    Ok(out)
}

/// The lesson's link on the playground: `lesson=` first, then the directive's settings, then
/// `extra` (`embed=1` for the frame).
pub fn link(d: &Directive, playground: &str, extra: &[(&str, &str)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("lesson", d.lesson.name());
    for (key, value) in &d.params {
        query.append_pair(key, value);
    }
    for (key, value) in extra {
        query.append_pair(key, value);
    }
    format!("{playground}?{}", query.finish().replace("%2C", ","))
}

/// The HTML for one lesson: a figure with a lazy iframe and a caption linking to the full
/// playground. The frame's address is in `data-interleave-src`: the host script sets `src`,
/// adding `parent=` (this page's origin) so the lesson reports its height and its runs to it.
/// Blank lines around it keep Markdown from wrapping it in a paragraph.
fn embed(d: &Directive, playground: &str) -> String {
    let frame = link(d, playground, &[("embed", "1")]);
    let full = link(d, playground, &[]);
    let title = escape(d.lesson.title);
    format!(
        "\n\n<figure class=\"interleave-embed\" data-lesson=\"{lesson}\">\n\
         <iframe data-interleave-src=\"{src}\" title=\"Interleave lesson: {title}\" \
         loading=\"lazy\" allow=\"cross-origin-isolated\" \
         style=\"display:block;width:100%;height:{height}px;border:1px solid #c8d0dc;border-radius:6px\"></iframe>\n\
         <noscript><p>This lesson runs with JavaScript on: <a href=\"{full}\">{title} in Interleave ↗</a></p></noscript>\n\
         <figcaption><strong>{title}</strong>: {summary} \
         <a href=\"{full}\" target=\"_blank\" rel=\"noopener\">Open in Interleave ↗</a></figcaption>\n\
         </figure>\n\n",
        lesson = d.lesson.name(),
        src = escape(&frame),
        full = escape(&full),
        height = d.height,
        summary = escape(d.lesson.summary),
    )
}

/// For renderers that cannot run it: the title, the summary and the link, as Markdown.
fn fallback(d: &Directive, playground: &str) -> String {
    format!(
        "\n\n> **Interleave: {}.** {} [Run it in Interleave]({})\n\n",
        d.lesson.title,
        d.lesson.summary,
        link(d, playground, &[])
    )
}

/// Escape text for an HTML attribute or element.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAYGROUND: &str = "https://play.example/";

    #[test]
    fn html_gets_a_titled_lazy_frame_and_a_link() {
        let out = chapter(
            "Before.\n\n{{#interleave cpu strategies=sequential,pool size=2000000}}\n\nAfter.\n",
            PLAYGROUND,
            true,
        )
        .unwrap();
        assert!(out.starts_with("Before.\n\n"));
        assert!(out.trim_end().ends_with("After."));
        assert!(out.contains(
            "data-interleave-src=\"https://play.example/?lesson=cpu&amp;strategies=sequential,pool&amp;size=2000000&amp;embed=1\""
        ), "{out}");
        assert!(out.contains("loading=\"lazy\""));
        assert!(out.contains("title=\"Interleave lesson: "));
        assert!(out.contains("allow=\"cross-origin-isolated\""));
        assert!(out.contains(
            "href=\"https://play.example/?lesson=cpu&amp;strategies=sequential,pool&amp;size=2000000\""
        ));
        assert!(!out.contains("{{#interleave"));
    }

    #[test]
    fn other_renderers_get_a_link_and_the_summary() {
        let out = chapter("{{#interleave race}}", PLAYGROUND, false).unwrap();
        assert!(out.contains("> **Interleave: "), "{out}");
        assert!(out.contains("(https://play.example/?lesson=race)"), "{out}");
        assert!(!out.contains("<iframe"));
    }

    #[test]
    fn escaped_directives_stay_text_and_bad_ones_name_their_line() {
        let out = chapter("Write `\\{{#interleave race}}`.", PLAYGROUND, true).unwrap();
        assert_eq!(out, "Write `{{#interleave race}}`.");
        let (line, err) =
            chapter("a\nb\n{{#interleave cpu size=zero}}", PLAYGROUND, true).unwrap_err();
        assert_eq!(line, 3);
        assert!(err.to_string().contains("size 'zero'"));
        assert_eq!(
            chapter("no directives", PLAYGROUND, true).unwrap(),
            "no directives"
        );
    }
}
