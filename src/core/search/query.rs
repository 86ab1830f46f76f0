//! Search text as an FTS5 MATCH expression.
//!
//! Plain mode matches the words literally: each whitespace-separated word becomes one FTS5 string
//! (a phrase of the tokens unicode61 finds in it), with `"` doubled, and the phrases are ANDed. So
//! quotes, `NEAR(`, `*`, `^`, `:`, `AND`/`OR`/`NOT` and parentheses are only ever words, and an
//! identifier such as `run-mwrh0ivj-live` or `/var/log/x.log` is the phrase of its parts. FTS mode
//! passes the text through as FTS5 query syntax, with CJK runs paired the same way (outside a
//! string, a run becomes a quoted phrase of its pairs).

use super::tokenize::{is_cjk, push_paired};

/// Whether unicode61 would find a token in `word`: some letter or digit.
fn has_token(word: &str) -> bool {
    word.chars().any(char::is_alphanumeric)
}

/// The plain-mode words of `text`: split at whitespace (and at NUL or other control characters,
/// which FTS5 would cut a string at), without words of punctuation alone, without repeats.
pub fn plain_words(text: &str) -> Vec<&str> {
    let mut words: Vec<&str> = Vec::new();
    for w in text.split(|c: char| c.is_whitespace() || c.is_control()) {
        if has_token(w) && !words.contains(&w) {
            words.push(w);
        }
    }
    words
}

/// The MATCH expression for plain-mode `words`; `None` when there are none.
pub fn plain_match(words: &[&str]) -> Option<String> {
    if words.is_empty() {
        return None;
    }
    let mut out = String::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            out.push_str(" AND ");
        }
        let mut paired = String::with_capacity(w.len() + 8);
        push_paired(&mut paired, w);
        out.push('"');
        out.push_str(&paired.replace('"', "\"\""));
        out.push('"');
    }
    Some(out)
}

/// An FTS5 query with its CJK runs paired: inside a string the pairs stay within it (a phrase);
/// outside, the run is written as a string of its pairs. NUL, which would end the text for SQLite,
/// becomes a space.
pub fn fts_match(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut in_string = false;
    let mut run = String::new();
    let flush = |out: &mut String, run: &mut String, in_string: bool| {
        if run.is_empty() {
            return;
        }
        let mut paired = String::new();
        push_paired(&mut paired, run);
        let paired = paired.trim();
        if in_string {
            out.push_str(paired);
        } else {
            out.push('"');
            out.push_str(paired);
            out.push('"');
        }
        run.clear();
    };
    for c in text.chars() {
        if is_cjk(c) {
            run.push(c);
            continue;
        }
        flush(&mut out, &mut run, in_string);
        match c {
            // A doubled quote inside a string toggles twice: the string goes on, as in FTS5.
            '"' => in_string = !in_string,
            '\0' => {
                out.push(' ');
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    flush(&mut out, &mut run, in_string);
    out
}

/// A byte FTS5 reads as part of a bareword (`sqlite3Fts5IsBareword`).
fn is_bareword(b: u8) -> bool {
    b >= 0x80 || b.is_ascii_alphanumeric() || b == b'_' || b == 0x1A
}

/// The text of an FTS query (after [`fts_match`]) without its syntax: each string's content and
/// each bareword but the operators `AND`, `OR` and `NOT`, separated by spaces. A row the query
/// matches holds a token of some phrase, so it holds one of this text's tokens; the archive's
/// byte test looks for any of them. (Column names and `NEAR` stay in: looking for more is sound.)
pub fn fts_words(expr: &str) -> String {
    let b = expr.as_bytes();
    let mut out = String::with_capacity(expr.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'"' {
            // A string runs to a quote not followed by another; `""` inside is one quote.
            let mut j = i + 1;
            let mut start = j;
            while j < b.len() {
                if b[j] == b'"' {
                    out.push_str(&expr[start..j]);
                    if b.get(j + 1) == Some(&b'"') {
                        out.push('"');
                        j += 2;
                        start = j;
                        continue;
                    }
                    start = j;
                    break;
                }
                j += 1;
            }
            if j >= b.len() {
                out.push_str(&expr[start.min(b.len())..]);
            }
            out.push(' ');
            i = j + 1;
        } else if is_bareword(b[i]) {
            let start = i;
            while i < b.len() && is_bareword(b[i]) {
                i += 1;
            }
            let word = &expr[start..i];
            if !matches!(word, "AND" | "OR" | "NOT") {
                out.push_str(word);
            }
            out.push(' ');
        } else {
            out.push(' ');
            i += 1;
        }
    }
    out
}

/// The words of an FTS query that may occur in a row, for its snippet: its terms without
/// operators, quotes, column names, `*`, `^` or parentheses.
pub fn fts_terms(text: &str) -> Vec<&str> {
    text.split(|c: char| c.is_whitespace() || matches!(c, '"' | '(' | ')' | '*' | '^' | '+' | ',' | '\0'))
        .map(|w| w.rsplit(':').next().unwrap_or(w))
        .filter(|w| has_token(w) && !matches!(*w, "AND" | "OR" | "NOT" | "NEAR"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_are_quoted_phrases() {
        let words = plain_words("disk \"full\" NEAR(a b) * OR -- 错误");
        assert_eq!(words, ["disk", "\"full\"", "NEAR(a", "b)", "OR", "错误"]);
        assert_eq!(
            plain_match(&words).unwrap(),
            r#""disk" AND """full""" AND "NEAR(a" AND "b)" AND "OR" AND " 错误 ""#
        );
        assert_eq!(plain_match(&plain_words("  -- ! ")), None);
    }

    #[test]
    fn fts_words_drop_the_syntax_only() {
        let words = fts_words(r#"("disk ""full""" OR NEAR(a b, 3)) AND text:x* NOT ^y + 数据 ORx"#);
        assert_eq!(
            words.split_whitespace().collect::<Vec<_>>(),
            ["disk", "\"full\"", "NEAR", "a", "b", "3", "text", "x", "y", "数据", "ORx"]
        );
        assert_eq!(fts_words("\"open").trim(), "open");
    }

    #[test]
    fn fts_pairs_cjk_in_and_out_of_strings() {
        assert_eq!(fts_match("数据库 OR disk"), "\"数据 据库\" OR disk");
        assert_eq!(fts_match("\"数据库 x\""), "\"数据 据库 x\"");
    }
}
