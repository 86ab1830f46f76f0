//! The text a log row is indexed as, and the CJK pairing applied to it and to every query.
//!
//! SQLite's unicode61 tokenizer (with `remove_diacritics 2`) folds case and diacritics and splits
//! at anything that is not a letter or a digit. It keeps a run of Han, kana or Hangul characters as
//! one token, so a word inside running Chinese text would never be found. Such runs are therefore
//! rewritten, before unicode61 sees them, as their overlapping two-character pairs separated by
//! spaces (`数据库错误` → `数据 据库 库错 错误`); a query gets the same rewriting and its pairs
//! become a phrase, which matches exactly where the characters occur in a row.

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// Characters written without spaces between words: CJK ideographs, kana, Hangul.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF        // Hangul Jamo
        | 0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3130..=0x318F      // Hangul compatibility Jamo
        | 0x31F0..=0x31FF      // Katakana phonetic extensions
        | 0x3400..=0x4DBF      // CJK extension A
        | 0x4E00..=0x9FFF      // CJK unified ideographs
        | 0xAC00..=0xD7AF      // Hangul syllables
        | 0xF900..=0xFAFF      // CJK compatibility ideographs
        | 0xFF66..=0xFF9F      // half-width Katakana
        | 0x20000..=0x3134F) // CJK extensions B-G
}

/// Appends `text` to `out` with every CJK run written as its overlapping pairs, each run set apart
/// by spaces so that Latin letters next to it stay tokens of their own.
pub fn push_paired(out: &mut String, text: &str) {
    let mut prev: Option<char> = None;
    let mut run_len = 0usize;
    for c in text.chars() {
        if is_cjk(c) {
            match prev {
                Some(p) => {
                    if run_len > 1 {
                        out.push(' ');
                    }
                    out.push(p);
                    out.push(c);
                }
                None => out.push(' '),
            }
            prev = Some(c);
            run_len += 1;
        } else {
            end_run(out, prev, run_len);
            prev = None;
            run_len = 0;
            out.push(c);
        }
    }
    end_run(out, prev, run_len);
}

/// A run of one character is that character; longer runs were written pair by pair.
fn end_run(out: &mut String, last: Option<char>, run_len: usize) {
    if let Some(c) = last {
        if run_len == 1 {
            out.push(c);
        }
        out.push(' ');
    }
}

/// The words of a row's payload, in document order: every string value of a JSON object or array
/// (not its keys), a JSON string's value, and anything else (not JSON, or a bare number) as it is.
pub fn push_payload_words(out: &mut String, payload: &str) {
    let trimmed = payload.trim_start();
    if trimmed.starts_with(['{', '[', '"']) {
        let mark = out.len();
        let mut de = serde_json::Deserializer::from_str(payload);
        if Strings(out).deserialize(&mut de).is_ok() && de.end().is_ok() {
            return;
        }
        // Not JSON after all (or JSON serde_json refuses, such as a lone surrogate escape): the
        // text as it is, so nothing in it goes unfound.
        out.truncate(mark);
    }
    out.push_str(payload);
}

/// The text a row is indexed as: source, type, refId and the payload's words, CJK runs paired.
pub fn index_text(source: &str, kind: &str, ref_id: Option<&str>, payload: Option<&str>) -> String {
    let mut plain = String::with_capacity(payload.map_or(0, str::len) + 64);
    plain.push_str(source);
    plain.push(' ');
    plain.push_str(kind);
    if let Some(r) = ref_id {
        plain.push(' ');
        plain.push_str(r);
    }
    if let Some(p) = payload {
        plain.push(' ');
        push_payload_words(&mut plain, p);
    }
    let mut out = String::with_capacity(plain.len() + plain.len() / 2);
    push_paired(&mut out, &plain);
    out
}

/// Collects the string values it is fed into a `String`, a space after each.
struct Strings<'a>(&'a mut String);

impl<'de> DeserializeSeed<'de> for Strings<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strings<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.0.push_str(v);
        self.0.push(' ');
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Strings(&mut *self.0))?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key::<IgnoredAny>()?.is_some() {
            map.next_value_seed(Strings(&mut *self.0))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paired(s: &str) -> String {
        let mut out = String::new();
        push_paired(&mut out, s);
        out.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn cjk_runs_become_pairs() {
        assert_eq!(paired("数据库错误"), "数据 据库 库错 错误");
        assert_eq!(paired("a错b"), "a 错 b");
        assert_eq!(paired("disk错误abc"), "disk 错误 abc");
        assert_eq!(paired("plain text"), "plain text");
    }

    #[test]
    fn payload_words_skip_keys_and_numbers() {
        let mut out = String::new();
        push_payload_words(&mut out, r#"{"key":"value","n":[1,"two",{"deep":"three"}],"b":true}"#);
        assert_eq!(out.split_whitespace().collect::<Vec<_>>(), ["value", "two", "three"]);
        let mut raw = String::new();
        push_payload_words(&mut raw, "{not json");
        assert_eq!(raw, "{not json");
    }
}
