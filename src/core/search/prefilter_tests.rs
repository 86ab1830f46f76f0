//! The prefilter's soundness: the facts it rests on, checked for every code point against SQLite's
//! tokenizer, and generated lines it must never turn away when FTS5 matches their row.

use super::*;
use crate::core::js_json::write_string;
use crate::core::search::scratch::Scratch;
use crate::core::search::tokenize::index_text;
use crate::core::search::{archive_prefilter, Query, Syntax};
use rusqlite::Connection;

/// What unicode61 (`remove_diacritics 2`) makes of `c` between two ASCII letters: `Some(folded)`
/// (empty when it is dropped) inside the token, `None` when it separates tokens.
fn folds(chars: &[char]) -> Vec<Option<String>> {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "CREATE VIRTUAL TABLE t USING fts5(x, tokenize='unicode61 remove_diacritics 2'); \
         CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance'); BEGIN",
    )
    .unwrap();
    for (doc, chunk) in chars.chunks(4096).enumerate() {
        let text: String = chunk.iter().map(|c| format!("q{c}q ")).collect();
        conn.execute("INSERT INTO t (rowid, x) VALUES (?1, ?2)", rusqlite::params![doc as i64, text]).unwrap();
    }
    let mut stmt = conn.prepare("SELECT term FROM v ORDER BY doc, offset").unwrap();
    let terms: Vec<String> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    let mut terms = terms.into_iter();
    let mut out = Vec::with_capacity(chars.len());
    while let Some(t) = terms.next() {
        if t == "q" {
            assert_eq!(terms.next().as_deref(), Some("q"), "a separator leaves two tokens");
            out.push(None);
        } else {
            let inner = t.strip_prefix('q').and_then(|s| s.strip_suffix('q')).expect("q…q");
            out.push(Some(inner.to_owned()));
        }
    }
    assert_eq!(out.len(), chars.len());
    out
}

#[test]
fn no_code_point_outside_may_become_ascii_folds_to_ascii_or_nothing_and_none_folds_to_cjk() {
    let chars: Vec<char> = (0x80..=0x10FFFF).filter_map(char::from_u32).collect();
    let mut to_ascii = 0;
    for (c, folded) in chars.iter().zip(folds(&chars)) {
        let Some(f) = folded else { continue };
        assert!(f.chars().count() <= 1, "U+{:04X} folds to {f:?}", *c as u32);
        match f.chars().next() {
            None => assert!(may_become_ascii(*c as u32), "U+{:04X} is dropped", *c as u32),
            Some(a) if a.is_ascii() => {
                to_ascii += 1;
                assert!(may_become_ascii(*c as u32), "U+{:04X} folds to {a:?}", *c as u32);
            }
            Some(k) if is_cjk(k) => assert_eq!(k, *c, "U+{:04X} folds to a CJK character", *c as u32),
            Some(_) => {}
        }
    }
    // The check sees the folding at all: é, Ä, the Kelvin sign and hundreds more.
    assert!(to_ascii > 400, "{to_ascii}");
}

/// A line as `JSON.stringify` writes a row.
fn line(id: i64, source: &str, payload: &str) -> String {
    let mut out = format!("{{\"id\":{id},\"source\":");
    write_string(&mut out, source);
    out.push_str(",\"type\":\"t\",\"refId\":null,\"payload\":");
    write_string(&mut out, payload);
    out.push_str(",\"timestamp\":1}");
    out
}

/// A JSON string as some other JSON writer spells it: every non-ASCII character, and now and
/// then an ASCII letter, as a `\u` escape.
fn escaped_json_string(s: &str, every_letter: bool) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if !c.is_ascii() || (every_letter && c.is_ascii_alphabetic()) => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

const PIECES: &[&str] = &[
    "cafe",
    "Café",
    "CAFÉ",
    "ca\u{301}fe",
    "\u{212A}elvin",
    "kelvin",
    "İstanbul",
    "istanbul",
    "straße",
    "Ǆemal",
    "错误",
    "数据库错误",
    "错",
    "ошибка",
    "ОШИБКА",
    "x",
    "_",
    "-",
    ".",
    " ",
    "\\",
    "\"",
    "\n",
    "\u{1F600}",
    "ﬁle",
    "ÅNGSTRÖM",
    "\u{212B}ngstrom",
    "naïve",
    "ENOSPC",
    "run-7-live",
    "/var/log",
    "\u{0}",
];

const WORDS: &[&str] = &[
    "cafe",
    "CAFÉ",
    "kelvin",
    "istanbul",
    "straße",
    "错误",
    "数据库",
    "错",
    "ошибка",
    "x",
    "file",
    "angstrom",
    "naive",
    "enospc",
    "run-7-live",
    "log",
    "u00e9",
    "elvin",
];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.next() % xs.len()]
    }
}

#[test]
fn generated_lines_that_fts5_matches_always_pass() {
    let scratch = Scratch::open().unwrap();
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let (mut matched, mut turned_away) = (0, 0);
    for round in 0..3000 {
        let text: String = (0..1 + rng.next() % 5).map(|_| rng.pick(PIECES)).collect::<Vec<_>>().join(" ");
        let glued: String = (0..1 + rng.next() % 3).map(|_| rng.pick(PIECES)).collect();
        let value = format!("{text} {glued}");
        let payload = match round % 4 {
            0 => value.clone(),
            1 => format!(
                "{{\"m\":{},\"n\":[1,{}]}}",
                escaped_json_string(&value, false),
                escaped_json_string(&glued, true)
            ),
            2 => serde_json::json!({ "m": value, "k": ["x", glued] }).to_string(),
            _ => escaped_json_string(&value, round % 8 == 3),
        };
        let source = if round % 5 == 0 { rng.pick(PIECES) } else { "daemon" };
        let l = line(round, source, &payload);
        let indexed = index_text(source, "t", None, Some(&payload));
        for syntax in [Syntax::Plain, Syntax::Fts] {
            let query = match syntax {
                Syntax::Plain => (0..1 + rng.next() % 2).map(|_| rng.pick(WORDS)).collect::<Vec<_>>().join(" "),
                Syntax::Fts => format!("\"{}\" OR \"{}\"*", rng.pick(WORDS), rng.pick(WORDS)),
            };
            let Some(q) = Query::new(&query, syntax) else { continue };
            let hit = !scratch.matching(&q.expr, &[(1, indexed.clone())]).unwrap().is_empty();
            let mut out = Vec::new();
            if let Some(pre) = archive_prefilter(&scratch, &q).unwrap() {
                pre.select(l.as_bytes(), &mut out);
            }
            if hit {
                matched += 1;
                assert_eq!(out, vec![0..l.len()], "{query:?} matches but the line was turned away: {l}");
            } else if out.is_empty() {
                turned_away += 1;
            }
        }
    }
    // Both sides are exercised: many lines match, and the test does turn many others away.
    assert!(matched > 500 && turned_away > 500, "{matched} matched, {turned_away} turned away");
}

#[test]
fn a_block_gives_the_passing_lines_in_order() {
    let pre = Prefilter::any_of(&["cafe".to_owned()]);
    let block = "{\"m\":\"CAFE\"}\nnothing\n{\"m\":\"caf\\\\u00e9\"}\nx Café\ncafe";
    let mut out = Vec::new();
    pre.select(block.as_bytes(), &mut out);
    let lines: Vec<&str> = out.iter().map(|r| &block[r.clone()]).collect();
    assert_eq!(lines, ["{\"m\":\"CAFE\"}", "{\"m\":\"caf\\\\u00e9\"}", "x Café", "cafe"]);
    let every = Prefilter::any_of(&[]);
    out.clear();
    every.select(b"a\n\nb\n", &mut out);
    assert_eq!(out, [0..1, 3..4]);
}
