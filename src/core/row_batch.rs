//! Log rows laid out in columns for the JavaScript facade, which builds the row objects itself.
//!
//! Creating an object and setting six properties through N-API costs about a microsecond per
//! row; JavaScript builds the same object from typed arrays in a few dozen nanoseconds. So rows
//! cross the boundary as: numbers (`id`, `timestamp`) in one `Float64Array`; `source`, `type` and
//! `refId` as indexes into a small table of distinct strings (a log has few of each, so each is
//! made once); payloads as (start, end) offsets into large text chunks, sliced in JavaScript,
//! with the chunk's index: ASCII payloads go to one-byte chunks and others to UTF-16 ones, so a
//! log where one row in ten has a CJK word does not widen all its text to two bytes a character.
//! A row that does not fit (a foreign writer's BLOB, an integer beyond 2^53, too many distinct
//! strings) is passed whole, as a [`LogRow`], and built the slow way.

use super::js_value::{sqlite_text, MAX_SAFE_INTEGER};
use super::log_store::LogRow;
use super::Result;
use rusqlite::types::ValueRef;
use rustc_hash::FxHashMap;

/// `columns` value for SQL NULL.
pub const NULL_INDEX: u32 = u32::MAX;
/// `columns[row * COLUMNS]` value for a row found in `special`.
pub const SPECIAL: u32 = u32::MAX - 1;
/// `source`, `type`, `refId`, payload start, payload end, payload chunk.
pub const COLUMNS: usize = 6;
/// Chunk size in UTF-16 units. A payload slice keeps its whole chunk alive, so chunks stay small.
const CHUNK_UNITS: usize = 1 << 20;
/// Distinct strings kept in the table; rows with further new strings go the slow way.
const MAX_DICT: usize = 1 << 16;

/// Text in the form V8 stores it: one byte per character (ASCII here), or UTF-16.
#[derive(Debug, Clone, PartialEq)]
pub enum TextChunk {
    Latin1(Vec<u8>),
    Utf16(Vec<u16>),
}

impl TextChunk {
    fn len(&self) -> usize {
        match self {
            TextChunk::Latin1(b) => b.len(),
            TextChunk::Utf16(u) => u.len(),
        }
    }

    /// Appends ASCII bytes and returns their (start, end) in UTF-16 units.
    fn push_ascii(&mut self, ascii: &[u8]) -> (u32, u32) {
        let start = self.len();
        match self {
            TextChunk::Latin1(bytes) => bytes.extend_from_slice(ascii),
            TextChunk::Utf16(units) => units.extend(ascii.iter().map(|&b| u16::from(b))),
        }
        (start as u32, self.len() as u32)
    }

    /// Appends `s` to a UTF-16 chunk and returns its (start, end) in UTF-16 units.
    fn push_utf16(&mut self, s: &str) -> (u32, u32) {
        let TextChunk::Utf16(units) = self else { unreachable!("the UTF-16 form's chunk") };
        let start = units.len();
        push_utf16(units, s);
        (start as u32, units.len() as u32)
    }
}

/// `units.extend(s.encode_utf16())`, with the ASCII runs of mostly-ASCII text widened a slice
/// at a time (a loop the compiler vectorizes) instead of character by character.
fn push_utf16(units: &mut Vec<u16>, s: &str) {
    units.reserve(s.len());
    let mut rest = s;
    while !rest.is_empty() {
        let ascii = rest.bytes().position(|b| b >= 0x80).unwrap_or(rest.len());
        units.extend(rest.as_bytes()[..ascii].iter().map(|&b| u16::from(b)));
        rest = &rest[ascii..];
        let other = rest.bytes().position(|b| b < 0x80).unwrap_or(rest.len());
        units.extend(rest[..other].encode_utf16());
        rest = &rest[other..];
    }
}

#[derive(Debug, Default)]
pub struct LogRowBatch {
    pub len: usize,
    /// `id`, `timestamp` per row.
    pub numbers: Vec<f64>,
    /// [`COLUMNS`] per row.
    pub columns: Vec<u32>,
    pub dict: Vec<String>,
    /// The payloads' text; a row's chunk is its last column.
    pub chunks: Vec<TextChunk>,
    /// The rows marked [`SPECIAL`], in order.
    pub special: Vec<LogRow>,
    dict_index: FxHashMap<String, u32>,
    /// The raw bytes and table index each of `source`, `type`, `refId` had in the previous row:
    /// runs of equal values are common, and a comparison is cheaper than decoding and hashing.
    last: [(Vec<u8>, u32); 3],
    /// The chunk each form (one-byte, UTF-16) is filling, as an index into `chunks`.
    filling: [Option<usize>; 2],
    /// Initial capacity of the first chunk.
    chunk_hint: usize,
}

enum Cell {
    Null,
    Text(u32),
}

impl LogRowBatch {
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// A batch that expects about `rows` rows (a query's limit), so small results do not grow
    /// their buffers step by step.
    pub fn with_capacity(rows: usize) -> Self {
        let rows = rows.min(1 << 16);
        LogRowBatch {
            numbers: Vec::with_capacity(rows * 2),
            columns: Vec::with_capacity(rows * COLUMNS),
            last: std::array::from_fn(|_| (Vec::new(), NULL_INDEX)),
            chunk_hint: (rows * 256).min(CHUNK_UNITS),
            ..Self::default()
        }
    }

    /// Adds one row of `SELECT id, source, type, ref_id, payload, timestamp`.
    pub fn push(&mut self, row: &rusqlite::Row<'_>) -> Result<()> {
        let cols =
            [row.get_ref(0)?, row.get_ref(1)?, row.get_ref(2)?, row.get_ref(3)?, row.get_ref(4)?, row.get_ref(5)?];
        self.push_refs(cols)
    }

    /// Adds a row read from elsewhere (the archive).
    pub fn push_row(&mut self, row: &LogRow) -> Result<()> {
        let cols = [&row.id, &row.source, &row.kind, &row.ref_id, &row.payload, &row.timestamp];
        self.push_refs(cols.map(ValueRef::from))
    }

    /// Adds one row's columns, in `SELECT id, source, type, ref_id, payload, timestamp` order.
    pub fn push_refs(&mut self, cols: [ValueRef<'_>; 6]) -> Result<()> {
        self.len += 1;
        match self.fast_row(&cols) {
            Some((numbers, columns)) => {
                self.numbers.extend_from_slice(&numbers);
                self.columns.extend_from_slice(&columns);
            }
            None => {
                self.numbers.extend_from_slice(&[0.0, 0.0]);
                self.columns.extend_from_slice(&[SPECIAL, 0, 0, 0, 0, 0]);
                self.special.push(LogRow::from_refs(cols));
            }
        }
        Ok(())
    }

    /// The chunks, after [`LogRowBatch::finish`]; a row's chunk is its index here.
    pub fn take_chunks(&mut self) -> Vec<TextChunk> {
        std::mem::take(&mut self.chunks)
    }

    /// Ends the batch: no chunk is filled any more.
    pub fn finish(&mut self) {
        self.filling = [None, None];
    }

    /// The chunk of the form (0 one-byte, 1 UTF-16) that takes the next payload, and its index.
    fn chunk(&mut self, form: usize) -> (u32, &mut TextChunk) {
        let full = self.filling[form].is_none_or(|i| self.chunks[i].len() >= CHUNK_UNITS);
        if full {
            // After a full chunk, the next is made full size at once: growing it step by step
            // copied each chunk's text about once more.
            let capacity = if self.filling[form].is_some() { CHUNK_UNITS + CHUNK_UNITS / 8 } else { self.chunk_hint };
            self.chunks.push(match form {
                0 => TextChunk::Latin1(Vec::with_capacity(capacity)),
                _ => TextChunk::Utf16(Vec::with_capacity(capacity)),
            });
            self.filling[form] = Some(self.chunks.len() - 1);
        }
        let i = self.filling[form].expect("a chunk is being filled");
        (i as u32, &mut self.chunks[i])
    }

    fn fast_row(&mut self, cols: &[ValueRef<'_>; 6]) -> Option<([f64; 2], [u32; COLUMNS])> {
        let (Some(id), Some(ts)) = (safe_number(cols[0]), safe_number(cols[5])) else {
            return None;
        };
        let (Some(Cell::Text(source)), Some(Cell::Text(kind))) = (self.interned(0, cols[1]), self.interned(1, cols[2]))
        else {
            return None;
        };
        let ref_id = match self.interned(2, cols[3]) {
            Some(Cell::Null) => NULL_INDEX,
            Some(Cell::Text(i)) => i,
            None => return None,
        };
        let (start, end, chunk) = match cols[4] {
            ValueRef::Null => (NULL_INDEX, NULL_INDEX, NULL_INDEX),
            // Plain ASCII without NUL is the text as it is; anything else goes through the
            // conversion node:sqlite's reading implies.
            ValueRef::Text(t) if t.is_ascii() && memchr::memchr(0, t).is_none() => {
                let (i, chunk) = self.chunk(0);
                let (start, end) = chunk.push_ascii(t);
                (start, end, i)
            }
            ValueRef::Text(t) => {
                let text = sqlite_text(t);
                let (i, chunk) = self.chunk(if text.is_ascii() { 0 } else { 1 });
                let (start, end) =
                    if text.is_ascii() { chunk.push_ascii(text.as_bytes()) } else { chunk.push_utf16(&text) };
                (start, end, i)
            }
            _ => return None,
        };
        Some(([id, ts], [source, kind, ref_id, start, end, chunk]))
    }

    /// The table index of a TEXT value, `Null` for NULL, `None` for anything the table cannot
    /// hold (a BLOB, a number, a new string once the table is full).
    fn interned(&mut self, column: usize, v: ValueRef<'_>) -> Option<Cell> {
        let raw = match v {
            ValueRef::Null => return Some(Cell::Null),
            ValueRef::Text(t) => t,
            _ => return None,
        };
        let (last_raw, last) = &self.last[column];
        if *last != NULL_INDEX && last_raw.as_slice() == raw {
            return Some(Cell::Text(*last));
        }
        let text = sqlite_text(raw);
        if let Some(&i) = self.dict_index.get(text.as_ref()) {
            self.remember(column, raw, i);
            return Some(Cell::Text(i));
        }
        if self.dict.len() >= MAX_DICT {
            return None;
        }
        let i = self.dict.len() as u32;
        self.dict.push(text.clone().into_owned());
        self.dict_index.insert(text.into_owned(), i);
        self.remember(column, raw, i);
        Some(Cell::Text(i))
    }

    /// Keeps `raw` as the column's previous value, in the buffer it already has.
    fn remember(&mut self, column: usize, raw: &[u8], i: u32) {
        let (last_raw, last) = &mut self.last[column];
        last_raw.clear();
        last_raw.extend_from_slice(raw);
        *last = i;
    }
}

/// The JavaScript number node:sqlite makes of an INTEGER or REAL, when it can make one.
fn safe_number(v: ValueRef<'_>) -> Option<f64> {
    match v {
        ValueRef::Integer(i) if i.abs() <= MAX_SAFE_INTEGER => Some(i as f64),
        ValueRef::Real(f) => Some(f),
        _ => None,
    }
}
