//! Words a learner may not know, each with one plain line: the page marks the first use of each
//! in a lesson's text, and the line shows on hover or tap.

/// Terms and what they mean, longest first where one contains another ("thread pool" before
/// "pool").
pub static TERMS: &[(&str, &str)] = &[
    (
        "cross-origin isolated",
        "the page was served with headers (COOP/COEP) that let web workers share memory with it",
    ),
    (
        "wait-for cycle",
        "each worker waits for a lock another worker in the circle holds: none can go on",
    ),
    (
        "thread pool",
        "a fixed set of threads kept alive and handed tasks from a queue, so none is started per task",
    ),
    (
        "event loop",
        "one thread that runs many async tasks, switching to another whenever one waits",
    ),
    (
        "closed form",
        "a formula that gives the exact answer directly, used to check every strategy's result",
    ),
    (
        "work stealing",
        "idle threads take queued tasks from busy ones, so all cores stay busy to the end",
    ),
    (
        "web worker",
        "a browser thread running a script beside the page; the browser's way to use more cores",
    ),
    (
        "backpressure",
        "a full queue makes producers wait, so they cannot run ahead of slow consumers",
    ),
    (
        "CPU-bound",
        "limited by computing, not waiting: only more cores at once make it faster",
    ),
    (
        "I/O-bound",
        "limited by waiting for the network or a disk: overlapping the waits makes it faster",
    ),
    (
        "GIL",
        "CPython's global interpreter lock: only one thread runs Python code at a time",
    ),
    (
        "mutex",
        "a lock: one thread at a time may hold it, the others wait until it is released",
    ),
    (
        "atomic",
        "done by the processor in one indivisible step that no other thread can split",
    ),
    (
        "fetch_add",
        "an atomic 'add and return the old value' instruction: a read-modify-write in one step",
    ),
    (
        "rayon",
        "a Rust library that spreads work over a pool of threads, with work stealing",
    ),
    (
        "async",
        "functions that can pause while waiting and let others run on the same thread",
    ),
    (
        "coroutine",
        "a function that can stop in the middle and be resumed later where it stopped",
    ),
    (
        "daemon",
        "a background thread the program does not wait for: it stops when main returns",
    ),
    (
        "deadlock",
        "two or more workers each waiting for something another holds, forever",
    ),
    (
        "u128",
        "a 128-bit whole number: big enough for the exact sums here without overflowing",
    ),
    (
        "IndexedDB",
        "the browser's built-in database, used here as the page's stand-in for SQLite",
    ),
    (
        "SQLite",
        "a small database kept in one file; only one writer may change it at a time",
    ),
    (
        "commit",
        "making a transaction's changes permanent: each commit waits for the disk",
    ),
    (
        "transaction",
        "a group of database changes that are saved together or not at all",
    ),
    (
        "JIT",
        "just-in-time compilation: the browser compiles code while it first runs, so first runs are slower",
    ),
    (
        "checksum",
        "a number computed from all the bytes, so a single wrong byte changes it",
    ),
    (
        "stdin",
        "a program's standard input: the pipe another program writes into",
    ),
    (
        "stdout",
        "a program's standard output: the pipe another program reads from",
    ),
    (
        "pipe",
        "a one-way channel between two programs: one writes, the other reads",
    ),
    (
        "thread-safe",
        "can be used by several threads at once without corrupting its state",
    ),
    (
        "hybrid",
        "one process per core, each running many async tasks: cores for computing, tasks for waiting",
    ),
    (
        "digest",
        "a short fingerprint of a long text: equal digests mean the texts were the same",
    ),
    (
        "latency",
        "how long one request waits before its answer arrives",
    ),
];

/// A piece of text: plain, or a term with its explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Plain text.
    Text(&'a str),
    /// A term as written in the text, and what it means.
    Term(&'a str, &'a str),
}

/// Whether the byte before `at` and the one after `end` are not letters or digits, so "pipe"
/// is not found inside "pipeline".
fn whole_word(text: &str, at: usize, end: usize) -> bool {
    let before = text[..at].chars().next_back();
    let after = text[end..].chars().next();
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    !word(before) && !word(after)
}

/// Split `text` into plain pieces and terms, marking only the first use of each term (a page
/// full of underlines helps nobody). Matching ignores ASCII case.
pub fn pieces(text: &str) -> Vec<Piece<'_>> {
    pieces_with(text, TERMS.iter().copied())
}

/// [`pieces`] with the terms given: the page fetches them as data instead of compiling
/// [`TERMS`] into its WebAssembly (what the first screen does not need is not in the download).
pub fn pieces_with<'a>(
    text: &'a str,
    terms: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<Piece<'a>> {
    let lower = text.to_ascii_lowercase();
    let mut marks: Vec<(usize, usize, &'a str)> = Vec::new();
    for (term, tip) in terms {
        let needle = term.to_ascii_lowercase();
        let mut from = 0;
        while let Some(found) = lower[from..].find(&needle) {
            let at = from + found;
            let end = at + needle.len();
            let free = marks.iter().all(|(a, e, _)| end <= *a || at >= *e);
            if free && whole_word(text, at, end) {
                marks.push((at, end, tip));
                break;
            }
            from = end;
        }
    }
    marks.sort_by_key(|m| m.0);
    let mut out = Vec::new();
    let mut at = 0;
    for (start, end, tip) in marks {
        if start > at {
            out.push(Piece::Text(&text[at..start]));
        }
        out.push(Piece::Term(&text[start..end], tip));
        at = end;
    }
    if at < text.len() {
        out.push(Piece::Text(&text[at..]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms<'a>(p: &[Piece<'a>]) -> Vec<&'a str> {
        p.iter()
            .filter_map(|p| match p {
                Piece::Term(t, _) => Some(*t),
                Piece::Text(_) => None,
            })
            .collect()
    }

    #[test]
    fn the_first_use_of_each_term_is_marked_and_the_text_is_kept_whole() {
        let text = "A mutex or an Atomic fetch_add; another mutex. The thread pool uses rayon.";
        let p = pieces(text);
        assert_eq!(
            terms(&p),
            vec!["mutex", "Atomic", "fetch_add", "thread pool", "rayon"]
        );
        let rebuilt: String = p
            .iter()
            .map(|p| match p {
                Piece::Text(t) | Piece::Term(t, _) => *t,
            })
            .collect();
        assert_eq!(rebuilt, text);
    }

    #[test]
    fn terms_inside_other_words_are_not_marked() {
        assert!(terms(&pieces("a pipeline of asynchronous daemons")).is_empty());
        assert_eq!(terms(&pieces("a pipe, then async.")), vec!["pipe", "async"]);
    }

    #[test]
    fn a_longer_term_wins_over_the_shorter_one_inside_it() {
        assert_eq!(terms(&pieces("a thread pool")), vec!["thread pool"]);
    }

    #[test]
    fn every_term_has_a_short_plain_line() {
        for (term, tip) in TERMS {
            assert!(!tip.is_empty() && tip.len() < 110, "{term}: {tip}");
        }
    }
}
