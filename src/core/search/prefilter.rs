//! The byte test an archive line passes before it is parsed and matched: it must never turn away a
//! line whose row the index's tokenizer would match, and it should turn away nearly all others.
//!
//! A query token `t` is what unicode61 made of a query word: lower case, diacritics removed (CJK
//! runs already paired). A row holds `t` when some characters of its text fold to `t`, and the
//! line holds that text JSON-escaped, once at the line's level and, for a JSON payload, once more
//! at the payload's. Three facts make a byte test sound, the last two checked for every code point
//! against SQLite's own tokenizer (`prefilter_tests.rs`):
//!
//! - An ASCII letter or digit folds only to itself in lower case, and `JSON.stringify` never
//!   escapes one; so an occurrence made of raw ASCII characters is `t` in the line's bytes, case
//!   aside.
//! - Outside [`may_become_ascii`] (Latin letters with diacritics, combining marks and a few
//!   letter-like symbols), no character folds to an ASCII character or to nothing.
//! - No character folds to a CJK character but that character itself, and none is escaped by
//!   `JSON.stringify`.
//!
//! So a line can hold an ASCII `t` only if it holds `t` ignoring ASCII case, or holds a
//! [`may_become_ascii`] character or a `\u` escape; a CJK `t` only if it holds its bytes or a
//! `\u` escape; any other `t` only if it holds a non-ASCII byte or a `\u` escape. Lines of the
//! second kind are then run through [`Pattern`], an automaton that reads each such character (and
//! each escape, both as written and as what it stands for) as anything it may fold to, so it
//! accepts every line holding `t` and some lines that do not. The rows of the lines that pass are
//! matched by FTS5 itself.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input};
use memchr::memmem;
use std::ops::Range;

use super::tokenize::is_cjk;

/// Characters that unicode61 (`remove_diacritics 2`) may fold to an ASCII character, or drop
/// inside a token: Latin-1 and Latin Extended letters, combining diacritical marks, Latin Extended
/// Additional, and the Kelvin and Ångström signs. A superset; `prefilter_tests.rs` checks that no
/// other code point does either.
pub(super) fn may_become_ascii(c: u32) -> bool {
    matches!(c, 0xC0..=0x24F | 0x300..=0x36F | 0x1E00..=0x1EFF | 0x212A | 0x212B)
}

/// The character at `b[i]` (a UTF-8 lead byte) and its length; `None` for bytes that are not
/// UTF-8, which the automaton reads as any character.
fn char_at(b: &[u8], i: usize) -> (Option<u32>, usize) {
    let lead = b[i];
    let (len, init) = match lead {
        0xC2..=0xDF => (2, u32::from(lead & 0x1F)),
        0xE0..=0xEF => (3, u32::from(lead & 0x0F)),
        0xF0..=0xF4 => (4, u32::from(lead & 0x07)),
        _ => return (None, 1),
    };
    let Some(rest) = b.get(i + 1..i + len) else { return (None, 1) };
    let mut c = init;
    for &x in rest {
        if x & 0xC0 != 0x80 {
            return (None, 1);
        }
        c = (c << 6) | u32::from(x & 0x3F);
    }
    (Some(c), len)
}

/// The code point of `\uXXXX`'s four hex digits.
fn hex4(digits: Option<&[u8]>) -> Option<u32> {
    let d = digits?;
    d.iter().try_fold(0u32, |acc, &x| Some(acc * 16 + char::from(x).to_digit(16)?))
}

/// Shift-and over the first 64 characters of a token: bit `p` of the state is set when the bytes
/// read so far can end with the token's first `p + 1` characters.
pub(super) struct Pattern {
    /// Per ASCII byte, the positions holding it (either case).
    ascii: [u64; 128],
    /// Positions holding a non-ASCII character.
    non_ascii: u64,
    all: u64,
    accept: u64,
}

impl Pattern {
    fn new(token: &str) -> Pattern {
        let mut p = Pattern { ascii: [0; 128], non_ascii: 0, all: 0, accept: 0 };
        let chars: Vec<char> = token.chars().take(64).collect();
        for (i, c) in chars.iter().enumerate() {
            let bit = 1u64 << i;
            p.all |= bit;
            if c.is_ascii() {
                p.ascii[c.to_ascii_lowercase() as usize] |= bit;
                p.ascii[c.to_ascii_uppercase() as usize] |= bit;
            } else {
                p.non_ascii |= bit;
            }
        }
        p.accept = 1u64 << (chars.len().max(1) - 1);
        p
    }

    fn step_ascii(&self, d: u64, b: u8) -> u64 {
        ((d << 1) | 1) & self.ascii[usize::from(b & 0x7F)]
    }

    /// One character read as everything it may fold to; `None` is a character not known (not
    /// UTF-8, or half of a surrogate pair), read as anything, or as nothing.
    fn step_char(&self, d: u64, c: Option<u32>) -> u64 {
        match c {
            Some(c) if c < 0x80 => self.step_ascii(d, c as u8),
            Some(c) if !may_become_ascii(c) && !(0xD800..=0xDFFF).contains(&c) => ((d << 1) | 1) & self.non_ascii,
            _ => (((d << 1) | 1) & self.all) | d,
        }
    }

    /// Whether `line` may hold the token (always, when it does).
    pub fn matches(&self, line: &[u8]) -> bool {
        let (mut d, mut before_escape) = (0u64, 0u64);
        let mut i = 0;
        while i < line.len() {
            let b = line[i];
            if b >= 0x80 {
                let (c, n) = char_at(line, i);
                d = self.step_char(d, c);
                i += n;
            } else {
                if b == b'\\' && (i == 0 || line[i - 1] != b'\\') {
                    before_escape = d;
                }
                if b == b'u' && i > 0 && line[i - 1] == b'\\' {
                    if let Some(cp) = hex4(line.get(i + 1..i + 5)) {
                        // Both readings: the escape as the character it stands for (after
                        // whatever came before its backslashes), and `u` and four digits as text.
                        let decoded = self.step_char(before_escape, char::from_u32(cp).map(u32::from));
                        for &x in &line[i..i + 5] {
                            d = self.step_ascii(d, x);
                            if d & self.accept != 0 {
                                return true;
                            }
                        }
                        d |= decoded;
                        i += 5;
                        if d & self.accept != 0 {
                            return true;
                        }
                        continue;
                    }
                }
                d = self.step_ascii(d, b);
                i += 1;
            }
            if d & self.accept != 0 {
                return true;
            }
        }
        false
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// ASCII letters and digits only.
    Ascii,
    /// CJK characters only (a pair, or a single character).
    Cjk,
    Other,
}

fn kind(token: &str) -> Kind {
    if token.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Kind::Ascii
    } else if token.chars().all(is_cjk) {
        Kind::Cjk
    } else {
        Kind::Other
    }
}

/// The token of a plain query whose test turns away the most lines: an ASCII one (found by the
/// quick search, case aside) before a CJK one before any other, the longest first.
pub(super) fn best_token(tokens: Vec<String>) -> Option<String> {
    let rank = |t: &String| {
        let k = match kind(t) {
            Kind::Ascii => 2,
            Kind::Cjk => 1,
            Kind::Other => 0,
        };
        (k, t.chars().count())
    };
    tokens.into_iter().filter(|t| !t.is_empty()).max_by_key(rank)
}

/// The test for "the row may hold one of these tokens". With no token, every line passes.
pub(super) struct Prefilter {
    every: bool,
    /// ASCII tokens (any case) and CJK tokens (their bytes): a line holding one passes at once.
    quick: Option<AhoCorasick>,
    tokens: Vec<(Kind, Pattern)>,
    escape: memmem::Finder<'static>,
    /// Which non-ASCII characters send a line to the patterns: any (for an `Other` token) or only
    /// those that [`may_become_ascii`] (for an ASCII token); CJK tokens need neither.
    any_non_ascii: bool,
    folded_ascii: bool,
}

impl Prefilter {
    pub fn any_of(tokens: &[String]) -> Prefilter {
        let tokens: Vec<&String> = tokens.iter().filter(|t| !t.is_empty()).collect();
        let kinds: Vec<Kind> = tokens.iter().map(|t| kind(t)).collect();
        let quick: Vec<&[u8]> =
            tokens.iter().zip(&kinds).filter(|(_, k)| **k != Kind::Other).map(|(t, _)| t.as_bytes()).collect();
        let quick = (!quick.is_empty()).then(|| {
            AhoCorasickBuilder::new().ascii_case_insensitive(true).build(quick).expect("a few short patterns")
        });
        Prefilter {
            every: tokens.is_empty(),
            quick,
            tokens: tokens.iter().zip(&kinds).map(|(t, k)| (*k, Pattern::new(t))).collect(),
            escape: memmem::Finder::new(b"\\u").into_owned(),
            any_non_ascii: kinds.contains(&Kind::Other),
            folded_ascii: kinds.contains(&Kind::Ascii),
        }
    }

    /// The lines of `block` that pass, as byte ranges without their newline, ascending.
    pub fn select(&self, block: &[u8], out: &mut Vec<Range<usize>>) {
        if self.every {
            let mut start = 0;
            for end in memchr::memchr_iter(b'\n', block).chain(std::iter::once(block.len())) {
                if end > start {
                    out.push(start..end);
                }
                start = end + 1;
            }
            return;
        }
        if let Some(quick) = &self.quick {
            let mut at = 0;
            while at < block.len() {
                let Some(m) = quick.find(Input::new(block).span(at..block.len())) else { break };
                let line = line_around(block, m.start());
                at = line.end + 1;
                out.push(line);
            }
        }
        let quick_lines = out.len();
        let mut wild = Wild { block, at: 0, escape: None, non_ascii: None };
        while let Some(p) = wild.next(self) {
            let line = line_around(block, p);
            wild.at = line.end + 1;
            if out[..quick_lines].binary_search_by_key(&line.start, |r| r.start).is_ok() {
                continue;
            }
            let text = &block[line.clone()];
            let has_escape = self.escape.find(text).is_some();
            if self.tokens.iter().any(|(k, pat)| (*k != Kind::Cjk || has_escape) && pat.matches(text)) {
                out.push(line);
            }
        }
        if out.len() > quick_lines {
            out.sort_unstable_by_key(|r| r.start);
        }
    }
}

/// The line around `block[p]`, without its newline.
fn line_around(block: &[u8], p: usize) -> Range<usize> {
    let start = memchr::memrchr(b'\n', &block[..p]).map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &block[p..]).map_or(block.len(), |i| p + i);
    start..end
}

/// The places in a block that send their line to the patterns: escapes, and the non-ASCII
/// characters that matter for the tokens.
struct Wild<'b> {
    block: &'b [u8],
    at: usize,
    /// The next of each found so far (`usize::MAX`: none left).
    escape: Option<usize>,
    non_ascii: Option<usize>,
}

impl Wild<'_> {
    fn next(&mut self, f: &Prefilter) -> Option<usize> {
        if self.at >= self.block.len() {
            return None;
        }
        if self.escape.is_none_or(|e| e != usize::MAX && e < self.at) {
            self.escape = Some(f.escape.find(&self.block[self.at..]).map_or(usize::MAX, |i| self.at + i));
        }
        if (f.any_non_ascii || f.folded_ascii) && self.non_ascii.is_none_or(|n| n != usize::MAX && n < self.at) {
            self.non_ascii = Some(self.next_non_ascii(f.any_non_ascii));
        }
        let p = self.escape.unwrap_or(usize::MAX).min(self.non_ascii.unwrap_or(usize::MAX));
        (p != usize::MAX).then_some(p)
    }

    fn next_non_ascii(&self, any: bool) -> usize {
        let mut at = self.at;
        loop {
            let Some(p) = find_non_ascii(&self.block[at..]).map(|i| at + i) else { return usize::MAX };
            let (c, n) = char_at(self.block, p);
            if any || c.is_none_or(may_become_ascii) {
                return p;
            }
            at = p + n;
        }
    }
}

/// The first byte of `b` at or above 0x80, eight bytes at a time.
fn find_non_ascii(b: &[u8]) -> Option<usize> {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while i + 32 <= b.len() {
        let w = |k: usize| u64::from_ne_bytes(b[i + k..i + k + 8].try_into().expect("8 bytes"));
        if (w(0) | w(8) | w(16) | w(24)) & HIGH != 0 {
            break;
        }
        i += 32;
    }
    b[i..].iter().position(|&x| x >= 0x80).map(|p| i + p)
}

#[cfg(test)]
#[path = "prefilter_tests.rs"]
mod tests;
