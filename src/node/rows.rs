//! Log rows to JavaScript: the columns of a [`LogRowBatch`], which the facade turns into objects
//! (see `lib/rows.js`), and single rows as objects for what does not fit the columns.

use super::values::set_sql;
use crate::core::{LogRow, LogRowBatch, TextChunk};
use napi::bindgen_prelude::{Env, Float64Array, JsObjectValue, JsValue, Object, Uint32Array, Unknown};
use napi::{JsString, JsStringLatin1, JsStringUtf16};
use napi_derive::napi;

pub fn log_row_object<'e>(env: &'e Env, row: LogRow) -> napi::Result<Object<'e>> {
    let mut obj = Object::new(env)?;
    set_sql(env, &mut obj, "id", row.id)?;
    set_sql(env, &mut obj, "source", row.source)?;
    set_sql(env, &mut obj, "type", row.kind)?;
    set_sql(env, &mut obj, "refId", row.ref_id)?;
    set_sql(env, &mut obj, "payload", row.payload)?;
    set_sql(env, &mut obj, "timestamp", row.timestamp)?;
    Ok(obj)
}

/// A chunk as a string. For a large result (`external`) it is an external string: V8 keeps a
/// reference to the chunk's own buffer (freed when the string is collected) instead of copying it
/// into its heap. The copy cost the JavaScript thread a millisecond or more per chunk, mostly in
/// first touches of fresh memory, and the text counted towards the heap, so a large result started
/// full collections that marked every row built so far. A stream's batches (`iterate`) and the
/// synchronous reads copy instead: V8 does not count an external buffer towards the heap, so where
/// the rows die young but a chunk string lives past two scavenges, nothing made V8 collect it, and
/// iterating 1M rows grew the process by about 170 MiB instead of 27 MiB.
fn chunk_string<'e>(env: &'e Env, chunk: TextChunk, external: bool) -> napi::Result<JsString<'e>> {
    match chunk {
        TextChunk::Latin1(bytes) if bytes.is_empty() || !external => env.create_string_latin1(&bytes),
        TextChunk::Utf16(units) if units.is_empty() || !external => env.create_string_utf16(&units),
        TextChunk::Latin1(bytes) => Ok(JsStringLatin1::from_data(env, bytes)?.into_value()),
        TextChunk::Utf16(units) => Ok(JsStringUtf16::from_data(env, units)?.into_value()),
    }
}

/// A large batch's text chunks, made strings one at a time as the facade reaches them. Where V8
/// copies a chunk (a million characters take about a millisecond), a result of hundreds of chunks
/// made at once would hold up the event loop for as many milliseconds.
#[napi]
pub struct NativeTextChunks {
    chunks: Vec<Option<TextChunk>>,
}

#[napi]
impl NativeTextChunks {
    /// Chunk `index` as a string. Each is handed out once, its buffer moving into the string, so
    /// the text is never held twice.
    #[napi(catch_unwind)]
    pub fn take<'e>(&mut self, env: &'e Env, index: u32) -> napi::Result<JsString<'e>> {
        match self.chunks.get_mut(index as usize).and_then(Option::take) {
            Some(chunk) => chunk_string(env, chunk, true),
            None => Err(napi::Error::from_reason(format!("text chunk {index} was taken already or never existed"))),
        }
    }
}

/// `{ length, numbers, columns, dict, chunks, special }` (a row names its chunk in its last column).
pub fn rows_value<'e>(env: &'e Env, batch: LogRowBatch) -> napi::Result<Unknown<'e>> {
    batch_value(env, batch, false)
}

/// The same, with `texts` (a [`NativeTextChunks`]) in place of `chunks`, for the results the
/// facade builds a slice at a time (see `decodeRowsSliced` in `lib/rows.js`).
pub fn rows_value_sliced<'e>(env: &'e Env, batch: LogRowBatch) -> napi::Result<Unknown<'e>> {
    batch_value(env, batch, true)
}

fn batch_value<'e>(env: &'e Env, mut batch: LogRowBatch, lazy: bool) -> napi::Result<Unknown<'e>> {
    // Special rows first: one may hold an integer node:sqlite refuses, and then nothing else
    // needs building.
    let special = std::mem::take(&mut batch.special);
    let mut special_arr = env.create_array(special.len() as u32)?;
    for (i, row) in special.into_iter().enumerate() {
        special_arr.set(i as u32, log_row_object(env, row)?)?;
    }
    let chunks = batch.take_chunks();
    let mut obj = Object::new(env)?;
    if lazy {
        obj.set_named_property("texts", NativeTextChunks { chunks: chunks.into_iter().map(Some).collect() })?;
    } else {
        let mut chunk_arr = env.create_array(chunks.len() as u32)?;
        // Each chunk's buffer is freed once its string is made, so the text is never held twice.
        for (i, chunk) in chunks.into_iter().enumerate() {
            chunk_arr.set(i as u32, chunk_string(env, chunk, false)?)?;
        }
        obj.set_named_property("chunks", chunk_arr)?;
    }
    obj.set_named_property("length", batch.len as f64)?;
    obj.set_named_property("numbers", Float64Array::new(std::mem::take(&mut batch.numbers)))?;
    obj.set_named_property("columns", Uint32Array::new(std::mem::take(&mut batch.columns)))?;
    obj.set_named_property("dict", std::mem::take(&mut batch.dict))?;
    obj.set_named_property("special", special_arr)?;
    Ok(obj.to_unknown())
}
