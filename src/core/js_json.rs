//! JSON exactly as JavaScript's `JSON.parse` accepts it and `JSON.stringify` writes it.
//!
//! The store decides in Rust which payloads `JSON.parse` would turn into a plain object, and writes
//! archive lines that must be byte-identical to `JSON.stringify`. serde_json is close but not the
//! same (it rejects lone `\uD800` escapes and numbers beyond f64, and formats floats differently),
//! so the grammar check and number formatting here follow ECMAScript instead.

use super::js_value::{sqlite_text, MAX_SAFE_INTEGER};
use super::{Error, Result};
use rusqlite::types::ValueRef;

/// True when `JSON.parse(text)` succeeds and yields an object (not an array or primitive).
pub fn is_object_text(text: &str) -> bool {
    let b = text.as_bytes();
    let mut p = Parser { b, i: 0 };
    p.skip_ws();
    if p.peek() != Some(b'{') {
        return false;
    }
    p.value() && {
        p.skip_ws();
        p.i == b.len()
    }
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

/// Containers still open while scanning; kept on the heap so deep nesting cannot overflow the stack.
#[derive(Clone, Copy)]
enum Open {
    Object,
    Array,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// One complete JSON value, iteratively.
    fn value(&mut self) -> bool {
        let mut stack: Vec<Open> = Vec::new();
        'value: loop {
            self.skip_ws();
            match self.peek() {
                Some(b'{') => {
                    self.i += 1;
                    if self.eat(b'}') {
                        // empty object: fall through to "after a value"
                    } else {
                        if !self.key() {
                            return false;
                        }
                        stack.push(Open::Object);
                        continue 'value;
                    }
                }
                Some(b'[') => {
                    self.i += 1;
                    if !self.eat(b']') {
                        stack.push(Open::Array);
                        continue 'value;
                    }
                }
                Some(b'"') => {
                    if !self.string() {
                        return false;
                    }
                }
                Some(b't') => {
                    if !self.literal(b"true") {
                        return false;
                    }
                }
                Some(b'f') => {
                    if !self.literal(b"false") {
                        return false;
                    }
                }
                Some(b'n') => {
                    if !self.literal(b"null") {
                        return false;
                    }
                }
                Some(b'-' | b'0'..=b'9') => {
                    if !self.number() {
                        return false;
                    }
                }
                _ => return false,
            }
            // After a value: close containers or move to the next member.
            loop {
                match stack.last() {
                    None => return true,
                    Some(Open::Object) => {
                        if self.eat(b',') {
                            if !self.key() {
                                return false;
                            }
                            continue 'value;
                        }
                        if !self.eat(b'}') {
                            return false;
                        }
                        stack.pop();
                    }
                    Some(Open::Array) => {
                        if self.eat(b',') {
                            continue 'value;
                        }
                        if !self.eat(b']') {
                            return false;
                        }
                        stack.pop();
                    }
                }
            }
        }
    }

    /// `"key" :` inside an object.
    fn key(&mut self) -> bool {
        self.skip_ws();
        self.peek() == Some(b'"') && self.string() && self.eat(b':')
    }

    fn literal(&mut self, word: &[u8]) -> bool {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            true
        } else {
            false
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> bool {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return false,
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return false;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return false;
            }
        }
        true
    }

    fn string(&mut self) -> bool {
        self.i += 1; // opening quote
        loop {
            match self.peek() {
                None => return false,
                Some(b'"') => {
                    self.i += 1;
                    return true;
                }
                Some(b'\\') => {
                    self.i += 1;
                    match self.peek() {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.i += 1,
                        Some(b'u') => {
                            let hex = self.b.get(self.i + 1..self.i + 5);
                            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                                return false;
                            }
                            // Any code unit, lone surrogates included, as JSON.parse allows.
                            self.i += 5;
                        }
                        _ => return false,
                    }
                }
                Some(c) if c < 0x20 => return false,
                Some(_) => self.i += 1,
            }
        }
    }
}

/// Bytes `JSON.stringify` escapes: `"`, `\\` and the C0 controls (all ASCII, so a byte scan never
/// splits a character).
static NEEDS_ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// Appends `JSON.stringify(s)`.
pub fn write_string(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push('"');
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !NEEDS_ESCAPE[b as usize] {
            i += 1;
            continue;
        }
        out.push_str(&s[start..i]);
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 15) as usize] as char);
            }
        }
        i += 1;
        start = i;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Appends `JSON.stringify(n)`: ECMAScript Number::toString, `null` for non-finite values.
pub fn write_number(out: &mut String, n: f64) {
    if n.is_finite() {
        let mut buf = ryu_js::Buffer::new();
        out.push_str(buf.format_finite(n));
    } else {
        out.push_str("null");
    }
}

/// Appends `JSON.stringify(v)` for the JavaScript value node:sqlite reads from a column.
pub fn write_sql_value(out: &mut String, v: ValueRef<'_>) -> Result<()> {
    match v {
        ValueRef::Null => out.push_str("null"),
        ValueRef::Integer(i) => {
            if i.abs() > MAX_SAFE_INTEGER {
                return Err(Error::integer_too_large(i));
            }
            out.push_str(itoa::Buffer::new().format(i));
        }
        ValueRef::Real(f) => write_number(out, f),
        ValueRef::Text(t) => write_string(out, &sqlite_text(t)),
        ValueRef::Blob(bytes) => {
            // node:sqlite returns a Uint8Array, which stringifies as {"0":b0,"1":b1,...}.
            out.push('{');
            for (i, b) in bytes.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&format!("\"{i}\":{b}"));
            }
            out.push('}');
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_json_parse_accepts() {
        for ok in [
            "{}",
            " {\"a\":1} ",
            "{\"a\":[1,-0,2.5e-3,1E+400,{\"b\":null}],\"c\":\"\\ud800\\/\\u00E9\"}",
            "\t{\r\n\"x\" : true , \"y\":false}\n",
            "{\"\u{7f}\":\"é\"}",
        ] {
            assert!(is_object_text(ok), "{ok}");
        }
    }

    #[test]
    fn rejects_what_json_parse_rejects_or_non_objects() {
        for bad in [
            "",
            "[]",
            "1",
            "\"s\"",
            "null",
            "{",
            "{\"a\"}",
            "{\"a\":01}",
            "{\"a\":1.}",
            "{\"a\":.5}",
            "{\"a\":-}",
            "{\"a\":1e}",
            "{a:1}",
            "{\"a\":1,}",
            "{\"a\":[1,]}",
            "{\"a\":\"\t\"}",
            "{\"a\":\"\\x\"}",
            "{\"a\":\"\\u12G4\"}",
            "\u{feff}{}",
            "{}x",
            "{} {}",
            "{\"a\":tru}",
            "{\"a\":NaN}",
            "{'a':1}",
            "{\"a\":1}\u{a0}",
        ] {
            assert!(!is_object_text(bad), "{bad:?}");
        }
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(1_000_000), "]".repeat(1_000_000));
        assert!(is_object_text(&deep));
    }

    #[test]
    fn strings_and_numbers_match_json_stringify() {
        let mut s = String::new();
        write_string(&mut s, "a\"b\\c\u{1}\u{1f}\u{7f}\u{2028}/é\n\u{8}\u{c}\r\t");
        assert_eq!(s, "\"a\\\"b\\\\c\\u0001\\u001f\u{7f}\u{2028}/é\\n\\b\\f\\r\\t\"");
        let fmt = |n: f64| {
            let mut s = String::new();
            write_number(&mut s, n);
            s
        };
        assert_eq!(fmt(1.0), "1");
        assert_eq!(fmt(-0.0), "0");
        assert_eq!(fmt(1.5), "1.5");
        assert_eq!(fmt(1e21), "1e+21");
        assert_eq!(fmt(1e-7), "1e-7");
        assert_eq!(fmt(123456789012345680000.0), "123456789012345680000");
        assert_eq!(fmt(f64::NAN), "null");
        assert_eq!(fmt(f64::NEG_INFINITY), "null");
    }

    #[test]
    fn sql_values_stringify_like_node_sqlite_values() {
        let w = |v: ValueRef| {
            let mut s = String::new();
            write_sql_value(&mut s, v).map(|_| s)
        };
        assert_eq!(w(ValueRef::Blob(&[1, 255])).unwrap(), "{\"0\":1,\"1\":255}");
        assert_eq!(w(ValueRef::Blob(&[])).unwrap(), "{}");
        assert_eq!(w(ValueRef::Text(b"A\xffB")).unwrap(), "\"A\u{fffd}B\"");
        assert_eq!(w(ValueRef::Text(b"A\0B")).unwrap(), "\"A\"");
        assert_eq!(w(ValueRef::Integer(-MAX_SAFE_INTEGER)).unwrap(), "-9007199254740991");
        assert_eq!(w(ValueRef::Integer(1 << 53)).unwrap_err().code, "ERR_OUT_OF_RANGE");
    }
}
