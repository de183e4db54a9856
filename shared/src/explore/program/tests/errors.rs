//! Malformed programs: each is refused with the line, the column and what was expected, and
//! none panics. Then random damage to the examples: parsing and checking never panic or hang.

use super::super::*;

/// (program, line, column, part of the message).
const BAD: &[(&str, u32, u32, &str)] = &[
    (
        "thread w0\n    r = 1\n",
        1,
        10,
        "expected ':' after 'thread w0'",
    ),
    (
        "thread w0:\n    r = 1\n  r = 2\n",
        3,
        3,
        "matches no enclosing block",
    ),
    ("thread w0:\n    lock q\n", 2, 10, "'q' is not declared"),
    ("thread w0:\n    await\n", 2, 5, "'await' belongs in a task"),
    (
        "shared x = 0\nthread w0:\n    x = x +\n",
        3,
        12,
        "the line ends here",
    ),
    (
        "shared x = 0\nthread w0:\n    r = x[0]\n",
        3,
        9,
        "not an array",
    ),
    ("thread w0:\n    r = q[0]\n", 2, 9, "not a shared array"),
    (
        "shared x = 0, x = 1\nthread w0:\n    pass\n",
        1,
        15,
        "already declared on line 1",
    ),
    (
        "shared x = 0\nlock x\nthread w0:\n    pass\n",
        2,
        6,
        "already declared on line 1",
    ),
    (
        "thread a:\n    pass\nthread a:\n    pass\n",
        3,
        8,
        "already declared on line 1",
    ),
    ("thread a:\n\t pass\n", 2, 2, "mixes tabs and spaces"),
    (
        "thread a:\n    pass\nthread b:\n\tpass\n",
        4,
        1,
        "indented with tabs but line 2 with spaces",
    ),
    ("thread a:\n", 1, 10, "expected an indented block"),
    (
        "thread a:\nthread b:\n    pass\n",
        1,
        10,
        "expected an indented block",
    ),
    ("shared x = 0\n", 1, 1, "at least one 'thread NAME:'"),
    (
        "thread a:\n    r = 1\ncheck r == 1\n",
        3,
        7,
        "'r' is not one",
    ),
    (
        "  shared x = 0\nthread a:\n    pass\n",
        1,
        3,
        "unexpected indent",
    ),
    (
        "thread a:\n    else:\n        pass\n",
        2,
        5,
        "'else' without an 'if'",
    ),
    ("thread a:\n    break\n", 2, 5, "'break' outside a loop"),
    (
        "thread a:\n    continue\n",
        2,
        5,
        "'continue' outside a loop",
    ),
    (
        "shared x = 99999999999999999999\nthread a:\n    pass\n",
        1,
        12,
        "too large",
    ),
    (
        "shared x = 9223372036854775808\nthread a:\n    pass\n",
        1,
        12,
        "too large",
    ),
    (
        "thread a:\n    r = 1 $ 2\n",
        2,
        11,
        "unexpected character '$'",
    ),
    (
        "shared f[2] = 0\nthread a:\n    f = 1\n",
        3,
        5,
        "array of 2",
    ),
    (
        "thread a:\n    r = (1 + 2\n",
        2,
        15,
        "expected ')' to close the '(' at column 9",
    ),
    ("thread a x 0:\n    pass\n", 1, 12, "between 1 and 16"),
    (
        "lock m\nthread a:\n    r = m\n",
        3,
        9,
        "'m' is a lock, not a value",
    ),
    (
        "thread a:\n    pass\nshared x = 0\n",
        3,
        1,
        "before the first thread",
    ),
    (
        "r = 1\nthread a:\n    pass\n",
        1,
        1,
        "statements belong in a thread",
    ),
    (
        "thread a:\n    assert 1 < 2 < 3\n",
        2,
        18,
        "cannot be chained",
    ),
    (
        "thread a:\n    atomic r += 1\n",
        2,
        12,
        "needs a shared variable",
    ),
    (
        "lock f[2]\nthread a:\n    unlock f\n",
        3,
        12,
        "array of 2 locks",
    ),
    ("lock m\nthread a:\n    lock m[0]\n", 3, 10, "single lock"),
    (
        "thread a x 2:\n    me = 1\n",
        2,
        5,
        "'me' is the copy's number",
    ),
    (
        "shared while = 1\nthread a:\n    pass\n",
        1,
        8,
        "'while' is a keyword",
    ),
    (
        "shared a[2] = [1, 2, 3]\nthread a:\n    pass\n",
        1,
        15,
        "2 element(s) but 3",
    ),
    (
        "shared a = [1]\nthread t:\n    pass\n",
        1,
        12,
        "1 element(s) but 1",
    ),
    (
        "thread a:\n    if r = 1:\n        pass\n",
        2,
        10,
        "to compare, write '=='",
    ),
    (
        "thread a:\n    thread b:\n        pass\n",
        2,
        5,
        "belongs at the top level",
    ),
    (
        "thread a x 16:\n    pass\nthread b:\n    pass\n",
        3,
        8,
        "at most 16 threads",
    ),
    ("thread a: pass\n    pass\n", 2, 5, "already on that line"),
    (
        "thread a:\n    while true: if r: pass\n",
        2,
        17,
        "only a simple statement",
    ),
    (
        "thread a:\n    x = 1\n        y = 2\n",
        3,
        9,
        "unexpected indent",
    ),
    ("thread a:\n    x == 1\n", 2, 7, "expected '=' after 'x'"),
    ("thread a:\n    5 = x\n", 2, 5, "expected a statement"),
    ("thread a:\n    r = while\n", 2, 9, "'while' is a keyword"),
    ("thread a:\n    r = a[1\n", 2, 12, "expected ']'"),
    ("thread:\n    pass\n", 1, 7, "the thread's name"),
    (
        "thread a:\n    pass\ncheck me == 0\n",
        3,
        7,
        "a check runs after all threads",
    ),
    (
        "thread a:\n    pass\ncheck x ==\n",
        3,
        11,
        "the line ends here",
    ),
    (
        "check x == 0\nthread a:\n    pass\n",
        1,
        1,
        "after the threads",
    ),
    (
        "shared f[0] = 0\nthread a:\n    pass\n",
        1,
        10,
        "1 to 256 elements",
    ),
    (
        "thread a:\n    if true:\n        pass\n    elif:\n        pass\n",
        4,
        9,
        "expected a value",
    ),
    ("thread a:\n    lock\n", 2, 9, "expected the lock's name"),
    (
        "thread a:\n    atomic x *= 2\n",
        2,
        14,
        "expected '+=' or '-='",
    ),
    (
        "thread a:\n    pass pass\n",
        2,
        10,
        "expected the end of the line",
    ),
    (
        "thread a:\n    r = ((((((((((((((((((((((((((((((((((((((((((((((((((((1))))))))))))))))))))))))))))))))))))))))))))))))))))\n",
        2,
        58,
        "nested too deeply",
    ),
];

#[test]
fn malformed_programs_name_line_and_column() {
    assert!(BAD.len() >= 20);
    for &(src, line, column, part) in BAD {
        let e = match parse(src) {
            Ok(_) => panic!("accepted:\n{src}"),
            Err(e) => e,
        };
        assert!(
            e.message.contains(part),
            "{src:?}: message {:?} lacks {part:?}",
            e.message
        );
        assert_eq!((e.line, e.column), (line, column), "{src:?}: {e}");
        assert_eq!(
            e.to_string(),
            format!("line {line}, column {column}: {}", e.message)
        );
    }
}

/// A small deterministic generator (xorshift), so damage is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

#[test]
fn damaged_examples_never_panic_or_hang() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let pieces = [
        " ",
        "\n",
        "\t",
        ":",
        "[",
        "]",
        "(",
        ")",
        "x",
        "me",
        "-",
        "1",
        "0",
        "await",
        "lock m",
        "while true:",
        "    ",
        "=",
        "%",
        "9223372036854775807",
        "unlock",
        "if",
        "else:",
        "#",
    ];
    let limits = Limits {
        max_states: 5_000,
        max_preemptions: None,
    };
    for round in 0..3000 {
        let base = examples()[round % examples().len()].source;
        let mut src: Vec<char> = base.chars().collect();
        for _ in 0..1 + rng.next(3) {
            let at = rng.next(src.len() + 1);
            match rng.next(3) {
                0 if at < src.len() => {
                    src.remove(at);
                }
                1 => {
                    let piece = pieces[rng.next(pieces.len())];
                    for (k, c) in piece.chars().enumerate() {
                        src.insert(at + k, c);
                    }
                }
                _ if at < src.len() => {
                    src[at] = pieces[rng.next(pieces.len())].chars().next().unwrap_or(' ')
                }
                _ => {}
            }
        }
        let src: String = src.into_iter().collect();
        match parse(&src) {
            Err(e) => assert!(e.line >= 1 && e.column >= 1, "{src:?}: {e}"),
            Ok(p) => {
                if let Ok(r) = check(&p, &limits, &mut |_| true)
                    && !r.shortest_wrong.is_empty()
                {
                    let rep = replay(&p, &r.shortest_wrong);
                    assert!(rep.is_ok(), "{src:?}: {rep:?}");
                }
                for t in 0..p.threads().len() {
                    p.steps_of(t);
                }
            }
        }
    }
}
