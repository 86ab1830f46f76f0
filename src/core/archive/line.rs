//! One archive line, `{"id":…,"source":…,"type":…,"refId":…,"payload":…,"timestamp":…}` as
//! `JSON.stringify` writes it, read without building a JSON tree: the keys are checked in place
//! and string values are only unescaped when the row is wanted. Any other spelling of a row (a
//! BLOB written as `{"0":…}`, keys in another order, spaces) goes through `serde_json`.

use crate::core::log_store::LogRow;
use rusqlite::types::{Value, ValueRef};
use std::borrow::Cow;

/// `why` in a corrupt-line error.
pub(super) type Why = &'static str;

/// A value of the line. Strings keep their JSON spelling (quotes included) until asked for.
pub(super) enum Cell<'a> {
    Null,
    Integer(i64),
    Real(f64),
    Json { raw: &'a [u8], escaped: bool },
    Text(String),
    Blob(Vec<u8>),
}

pub(super) struct Line<'a> {
    pub id: i64,
    pub source: Cell<'a>,
    pub kind: Cell<'a>,
    pub ref_id: Cell<'a>,
    pub payload: Cell<'a>,
    pub timestamp: Cell<'a>,
}

const KEYS: [&[u8]; 5] = [b",\"source\":", b",\"type\":", b",\"refId\":", b",\"payload\":", b",\"timestamp\":"];
const ID_KEY: &[u8] = b"{\"id\":";

impl Cell<'_> {
    fn text(&self) -> Result<Option<Cow<'_, str>>, Why> {
        Ok(Some(match self {
            Cell::Json { raw, escaped: false } => {
                Cow::Borrowed(std::str::from_utf8(&raw[1..raw.len() - 1]).map_err(|_| "a string is not UTF-8")?)
            }
            Cell::Json { raw, escaped: true } => {
                Cow::Owned(serde_json::from_slice::<String>(raw).map_err(|_| "a string is not valid JSON")?)
            }
            Cell::Text(s) => Cow::Borrowed(s.as_str()),
            _ => return Ok(None),
        }))
    }

    /// `column = want` as SQLite compares a TEXT column with a text value.
    pub fn text_eq(&self, want: &str) -> Result<bool, Why> {
        if let Cell::Json { raw, escaped: false } = self {
            return Ok(&raw[1..raw.len() - 1] == want.as_bytes());
        }
        Ok(self.text()?.is_some_and(|t| t == want))
    }

    /// `column >= bound` in SQLite: NULL is never, TEXT and BLOB sort after every number.
    pub fn at_least(&self, bound: f64) -> bool {
        match self {
            Cell::Null => false,
            Cell::Integer(i) => *i as f64 >= bound,
            Cell::Real(f) => *f >= bound,
            _ => true,
        }
    }

    /// `column <= bound` in SQLite.
    pub fn at_most(&self, bound: f64) -> bool {
        match self {
            Cell::Integer(i) => *i as f64 <= bound,
            Cell::Real(f) => *f <= bound,
            _ => false,
        }
    }

    fn into_value(self) -> Result<Value, Why> {
        Ok(match self {
            Cell::Null => Value::Null,
            Cell::Integer(i) => Value::Integer(i),
            Cell::Real(f) => Value::Real(f),
            Cell::Blob(b) => Value::Blob(b),
            Cell::Text(s) => Value::Text(s),
            json => Value::Text(json.text()?.map(Cow::into_owned).unwrap_or_default()),
        })
    }
}

/// A parsed line without its borrow: string values as offsets into the line's buffer, so a
/// matching line is kept (in a buffer swapped out, not copied) and used later without a second
/// parse.
pub(super) struct HeldLine {
    id: i64,
    cells: [Held; 5],
}

enum Held {
    Null,
    Integer(i64),
    Real(f64),
    Json { start: usize, end: usize, escaped: bool },
    Text(String),
    Blob(Vec<u8>),
}

impl Line<'_> {
    /// The line, its strings as offsets into `base`, the buffer it was parsed from.
    pub fn hold(self, base: &[u8]) -> HeldLine {
        let held = |c: Cell<'_>| match c {
            Cell::Null => Held::Null,
            Cell::Integer(i) => Held::Integer(i),
            Cell::Real(f) => Held::Real(f),
            Cell::Json { raw, escaped } => {
                let start = raw.as_ptr() as usize - base.as_ptr() as usize;
                Held::Json { start, end: start + raw.len(), escaped }
            }
            Cell::Text(s) => Held::Text(s),
            Cell::Blob(b) => Held::Blob(b),
        };
        HeldLine { id: self.id, cells: [self.source, self.kind, self.ref_id, self.payload, self.timestamp].map(held) }
    }
}

impl HeldLine {
    /// The line again, borrowing from `base`, the buffer [`Line::hold`] was given.
    pub fn line<'a>(&'a self, base: &'a [u8]) -> Line<'a> {
        let cell = |h: &'a Held| match h {
            Held::Null => Cell::Null,
            Held::Integer(i) => Cell::Integer(*i),
            Held::Real(f) => Cell::Real(*f),
            Held::Json { start, end, escaped } => Cell::Json { raw: &base[*start..*end], escaped: *escaped },
            Held::Text(s) => Cell::Text(s.clone()),
            Held::Blob(b) => Cell::Blob(b.clone()),
        };
        let [source, kind, ref_id, payload, timestamp] = &self.cells;
        Line {
            id: self.id,
            source: cell(source),
            kind: cell(kind),
            ref_id: cell(ref_id),
            payload: cell(payload),
            timestamp: cell(timestamp),
        }
    }
}

/// Buffers for the unescaped strings of one line, reused from line to line.
#[derive(Default)]
pub(super) struct Scratch([Vec<u8>; 5]);

impl<'a> Cell<'a> {
    /// The cell as the column value [`Cell::into_value`] gives, borrowed from the line or, for
    /// an escaped string, unescaped into `buf`.
    fn value_ref<'s>(&'s self, buf: &'s mut Vec<u8>) -> Result<ValueRef<'s>, Why> {
        Ok(match self {
            Cell::Null => ValueRef::Null,
            Cell::Integer(i) => ValueRef::Integer(*i),
            Cell::Real(f) => ValueRef::Real(*f),
            Cell::Blob(b) => ValueRef::Blob(b),
            Cell::Text(s) => ValueRef::Text(s.as_bytes()),
            Cell::Json { raw, escaped: false } => {
                let inner = &raw[1..raw.len() - 1];
                std::str::from_utf8(inner).map_err(|_| "a string is not UTF-8")?;
                ValueRef::Text(inner)
            }
            Cell::Json { raw, escaped: true } => {
                if unescape(raw, buf).is_none() {
                    // What the quick loop does not handle (surrogates, control characters,
                    // invalid escapes or UTF-8) is read, or refused, as before.
                    let s = serde_json::from_slice::<String>(raw).map_err(|_| "a string is not valid JSON")?;
                    buf.clear();
                    buf.extend_from_slice(s.as_bytes());
                }
                ValueRef::Text(buf)
            }
        })
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;
const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;

/// The high bit of each byte of `w` that is zero, exactly (no carry crosses a byte).
fn zero_bytes(w: u64) -> u64 {
    !(((w & LOW7) + LOW7) | w) & HIGH
}

/// The first index at or after `at` where `pick` (the zero-byte marks of an 8-byte word) marks a
/// byte, eight bytes a step. A payload inside a line has an escape every few bytes (each of its
/// quotes is one), where a call to memchr per escape costs more than this scan.
fn find_by(b: &[u8], mut at: usize, pick: impl Fn(u64) -> u64, one: impl Fn(u8) -> bool) -> Option<usize> {
    while let Some(word) = b.get(at..at + 8) {
        let m = pick(u64::from_le_bytes(word.try_into().expect("8 bytes")));
        if m != 0 {
            return Some(at + (m.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    b.get(at..)?.iter().position(|&x| one(x)).map(|p| at + p)
}

/// The next `x` or `y` in `b` from `at`.
fn find2(b: &[u8], at: usize, x: u8, y: u8) -> Option<usize> {
    find_by(
        b,
        at,
        |w| zero_bytes(w ^ (ONES * u64::from(x))) | zero_bytes(w ^ (ONES * u64::from(y))),
        |c| c == x || c == y,
    )
}

/// The next backslash or control character in `b` from `at`.
fn find_escape(b: &[u8], at: usize) -> Option<usize> {
    find_by(
        b,
        at,
        |w| zero_bytes(w ^ (ONES * u64::from(b'\\'))) | zero_bytes(w & (ONES * 0xE0)),
        |c| c == b'\\' || c < 0x20,
    )
}

/// The JSON string `raw` (quotes included) unescaped into `out`, or `None` when it holds
/// anything but plain escapes of characters outside the surrogate range and valid UTF-8.
fn unescape(raw: &[u8], out: &mut Vec<u8>) -> Option<()> {
    out.clear();
    let inner = &raw[1..raw.len() - 1];
    out.reserve(inner.len());
    let (mut i, mut run) = (0, 0);
    // A control character has no place in a JSON string: it ends the quick reading too.
    while let Some(at) = find_escape(inner, i) {
        i = at;
        if inner[i] != b'\\' {
            return None;
        }
        out.extend_from_slice(&inner[run..i]);
        let c = match *inner.get(i + 1)? {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 8,
            b'f' => 12,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let hex = inner.get(i + 2..i + 6)?;
                if !hex.iter().all(u8::is_ascii_hexdigit) {
                    return None;
                }
                let code = u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
                out.extend_from_slice(char::from_u32(code)?.encode_utf8(&mut [0; 4]).as_bytes());
                i += 6;
                run = i;
                continue;
            }
            _ => return None,
        };
        out.push(c);
        i += 2;
        run = i;
    }
    out.extend_from_slice(&inner[run..]);
    std::str::from_utf8(out).ok().map(|_| ())
}

impl Line<'_> {
    /// The row's columns in `SELECT id, source, type, ref_id, payload, timestamp` order, the same
    /// values [`Line::into_row`] gives, without building the row.
    pub fn value_refs<'s>(&'s self, scratch: &'s mut Scratch) -> Result<[ValueRef<'s>; 6], Why> {
        let [a, b, c, d, e] = &mut scratch.0;
        Ok([
            ValueRef::Integer(self.id),
            self.source.value_ref(a)?,
            self.kind.value_ref(b)?,
            self.ref_id.value_ref(c)?,
            self.payload.value_ref(d)?,
            self.timestamp.value_ref(e)?,
        ])
    }

    pub fn into_row(self) -> Result<LogRow, Why> {
        Ok(LogRow {
            id: Value::Integer(self.id),
            source: self.source.into_value()?,
            kind: self.kind.into_value()?,
            ref_id: self.ref_id.into_value()?,
            payload: self.payload.into_value()?,
            timestamp: self.timestamp.into_value()?,
        })
    }
}

/// The line as a row, or `None` when it is not one.
pub(super) fn parse(line: &[u8]) -> Option<Line<'_>> {
    fast(line).or_else(|| slow(line))
}

/// The id of a line spelled as the archive writes it.
pub(super) fn leading_id(line: &[u8]) -> Option<i64> {
    let rest = line.strip_prefix(ID_KEY)?;
    let end = rest.iter().position(|&b| b == b',')?;
    std::str::from_utf8(&rest[..end]).ok()?.parse().ok()
}

fn fast(line: &[u8]) -> Option<Line<'_>> {
    let id = leading_id(line)?;
    let mut pos = ID_KEY.len() + line[ID_KEY.len()..].iter().position(|&b| b == b',')?;
    let mut cells: [Option<Cell<'_>>; 5] = Default::default();
    for (key, cell) in KEYS.iter().zip(cells.iter_mut()) {
        if !line[pos..].starts_with(key) {
            return None;
        }
        pos += key.len();
        let (value, end) = value(line, pos)?;
        *cell = Some(value);
        pos = end;
    }
    if pos + 1 != line.len() || line[pos] != b'}' {
        return None;
    }
    let [source, kind, ref_id, payload, timestamp] = cells.map(Option::unwrap);
    Some(Line { id, source, kind, ref_id, payload, timestamp })
}

/// A JSON string, `null` or number starting at `pos`, and where it ends.
fn value(line: &[u8], pos: usize) -> Option<(Cell<'_>, usize)> {
    match *line.get(pos)? {
        b'"' => {
            let mut i = pos + 1;
            let mut escaped = false;
            loop {
                i = find2(line, i, b'"', b'\\')?;
                if line[i] == b'"' {
                    return Some((Cell::Json { raw: &line[pos..=i], escaped }, i + 1));
                }
                escaped = true;
                i += 2;
            }
        }
        b'n' => line[pos..].starts_with(b"null").then_some((Cell::Null, pos + 4)),
        b'-' | b'0'..=b'9' => {
            let len = line[pos..].iter().position(|&b| b == b',' || b == b'}')?;
            let text = std::str::from_utf8(&line[pos..pos + len]).ok()?;
            let cell = match text.parse::<i64>() {
                Ok(i) => Cell::Integer(i),
                Err(_) => Cell::Real(text.parse().ok()?),
            };
            Some((cell, pos + len))
        }
        _ => None,
    }
}

fn slow(line: &[u8]) -> Option<Line<'static>> {
    let v: serde_json::Value = serde_json::from_slice(line).ok()?;
    let obj = v.as_object()?;
    let id = obj.get("id")?.as_i64()?;
    let cell = |key: &str| -> Option<Cell<'static>> {
        Some(match obj.get(key) {
            None | Some(serde_json::Value::Null) => Cell::Null,
            Some(serde_json::Value::String(s)) => Cell::Text(s.clone()),
            Some(serde_json::Value::Number(n)) => match n.as_i64() {
                Some(i) => Cell::Integer(i),
                None => Cell::Real(n.as_f64()?),
            },
            // node:sqlite's Uint8Array, which JSON.stringify writes as {"0":b0,"1":b1,...}.
            Some(serde_json::Value::Object(bytes)) => {
                let mut out = vec![0u8; bytes.len()];
                for (k, b) in bytes {
                    *out.get_mut(k.parse::<usize>().ok()?)? = u8::try_from(b.as_u64()?).ok()?;
                }
                Cell::Blob(out)
            }
            Some(_) => return None,
        })
    };
    Some(Line {
        id,
        source: cell("source")?,
        kind: cell("type")?,
        ref_id: cell("refId")?,
        payload: cell("payload")?,
        timestamp: cell("timestamp")?,
    })
}

#[cfg(test)]
#[path = "line_tests.rs"]
mod tests;
