//! SQLite values as JavaScript sees them through node:sqlite, and JavaScript's own spelling of
//! numbers and values in messages (`${value}`), so errors and `getMeta` read as the reference's.

use super::js_json;
use rusqlite::types::{Value, ValueRef};
use std::borrow::Cow;

/// Largest integer a JavaScript number holds exactly.
pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// A TEXT value as JavaScript sees it through node:sqlite, which reads the column as a C string:
/// the text ends at the first NUL byte, and bytes that are not UTF-8 become U+FFFD.
pub fn sqlite_text(bytes: &[u8]) -> Cow<'_, str> {
    let end = memchr::memchr(0, bytes).unwrap_or(bytes.len());
    // Valid UTF-8 is the rule; the strict check is much faster than the lossy one.
    match std::str::from_utf8(&bytes[..end]) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(&bytes[..end]),
    }
}

/// A column value as node:sqlite reads it (TEXT per [`sqlite_text`]; the rest unchanged).
pub fn sqlite_value(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(sqlite_text(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

/// `String(n)` in JavaScript.
pub fn js_number(n: f64) -> String {
    if n.is_nan() {
        "NaN".into()
    } else if n.is_infinite() {
        if n > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        }
    } else {
        let mut s = String::new();
        js_json::write_number(&mut s, n);
        s
    }
}

/// `${value}` in JavaScript for a value node:sqlite read.
pub fn js_display(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => "null".into(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => js_number(f),
        ValueRef::Text(t) => sqlite_text(t).into_owned(),
        ValueRef::Blob(b) => b.iter().map(u8::to_string).collect::<Vec<_>>().join(","),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_values_read_as_javascript_shows_them() {
        assert_eq!(js_number(f64::NAN), "NaN");
        assert_eq!(js_number(f64::NEG_INFINITY), "-Infinity");
        assert_eq!(js_number(1.5), "1.5");
        assert_eq!(js_display(ValueRef::Blob(&[1, 2])), "1,2");
        assert_eq!(js_display(ValueRef::Text(b"a\0b")), "a");
        assert_eq!(js_display(ValueRef::Null), "null");
    }
}
