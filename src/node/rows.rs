//! Log rows to JavaScript: the columns of a [`LogRowBatch`], which the facade turns into objects
//! (see `lib/rows.js`), and single rows as objects for what does not fit the columns.

use super::values::set_sql;
use crate::core::{LogRow, LogRowBatch, TextChunk};
use napi::bindgen_prelude::{Env, Float64Array, JsObjectValue, JsValue, Object, Uint32Array, Unknown};

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

/// `{ length, numbers, columns, dict, chunks, special }`.
pub fn rows_value<'e>(env: &'e Env, mut batch: LogRowBatch) -> napi::Result<Unknown<'e>> {
    // Special rows first: one may hold an integer node:sqlite refuses, and then nothing else
    // needs building.
    let special = std::mem::take(&mut batch.special);
    let mut special_arr = env.create_array(special.len() as u32)?;
    for (i, row) in special.into_iter().enumerate() {
        special_arr.set(i as u32, log_row_object(env, row)?)?;
    }
    let chunks = batch.take_chunks();
    let mut chunk_arr = env.create_array(chunks.len() as u32)?;
    // Each chunk is freed as soon as it is a JavaScript string, so the text is never held twice.
    for (i, chunk) in chunks.into_iter().enumerate() {
        let s = match chunk {
            TextChunk::Latin1(bytes) => env.create_string_latin1(bytes)?,
            TextChunk::Utf16(units) => env.create_string_utf16(units)?,
        };
        chunk_arr.set(i as u32, s)?;
    }
    let mut obj = Object::new(env)?;
    obj.set_named_property("length", batch.len as f64)?;
    obj.set_named_property("numbers", Float64Array::new(std::mem::take(&mut batch.numbers)))?;
    obj.set_named_property("columns", Uint32Array::new(std::mem::take(&mut batch.columns)))?;
    obj.set_named_property("dict", std::mem::take(&mut batch.dict))?;
    obj.set_named_property("chunks", chunk_arr)?;
    obj.set_named_property("special", special_arr)?;
    Ok(obj.to_unknown())
}
