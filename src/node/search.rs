//! `search`, `searchAsync` and the index build steps: a second `#[napi] impl` block of
//! `NativeLogStore`, converting options and results only (the rules are `crate::core::search`'s).

use super::args::optional;
use super::convert::{self, field};
use super::errors::OrThrow;
use super::log_store::NativeLogStore;
use super::rows::{rows_value, rows_value_sliced};
use super::task::{self, Job};
use crate::core::{
    check_search_cursor, check_search_limit, LogQuery, LogRowBatch, Order, Result, SearchIndex, SearchOptions, Syntax,
    SEARCH_BATCH_ROWS,
};
use napi::bindgen_prelude::{AsyncTask, Env, JsObjectValue, JsValue, Null, Object, Uint32Array, Unknown};
use napi_derive::napi;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Rows one `searchIndexStepAsync` indexes: a few transactions, so progress is reported often.
const STEP_ROWS: usize = 10 * SEARCH_BATCH_ROWS;

pub type SharedSearch = Arc<Mutex<SearchIndex>>;

/// One page of hits: the rows as a batch (see `lib/rows.js`), their snippets and the cursor.
/// The snippets are one text and where each ends (in UTF-16 units, as JavaScript slices it):
/// one string for the page rather than one per row, which for 10,000 rows took milliseconds.
pub struct Page {
    rows: LogRowBatch,
    snippet_text: String,
    snippet_ends: Vec<u32>,
    next: Option<i64>,
}

fn run(search: &SharedSearch, text: &str, opts: &SearchOptions) -> Result<Page> {
    let mut rows = LogRowBatch::with_capacity(opts.limit);
    let (mut snippet_text, mut snippet_ends, mut units) = (String::new(), Vec::new(), 0u32);
    let mut index = search.lock().unwrap_or_else(|p| p.into_inner());
    let next = index.search_each(text, opts, |cols, snippet| {
        units += snippet.encode_utf16().count() as u32;
        snippet_ends.push(units);
        snippet_text.push_str(&snippet);
        rows.push_refs(cols)
    })?;
    rows.finish();
    Ok(Page { rows, snippet_text, snippet_ends, next })
}

/// `{ rows, snippetText, snippetEnds, next }`; `rows` in the sliced form for a page the facade
/// builds a slice at a time (`searchAsync`).
fn page_value<'e>(env: &'e Env, page: Page, sliced: bool) -> napi::Result<Unknown<'e>> {
    let mut obj = Object::new(env)?;
    let rows = if sliced { rows_value_sliced(env, page.rows)? } else { rows_value(env, page.rows)? };
    obj.set_named_property("rows", rows)?;
    obj.set_named_property("snippetText", env.create_string_from_std(page.snippet_text)?)?;
    obj.set_named_property("snippetEnds", Uint32Array::new(page.snippet_ends))?;
    match page.next {
        Some(n) => obj.set_named_property("next", n as f64)?,
        None => obj.set_named_property("next", Null)?,
    }
    Ok(obj.to_unknown())
}

fn page_value_sliced<'e>(env: &'e Env, page: Page) -> napi::Result<Unknown<'e>> {
    page_value(env, page, true)
}

fn step_value(env: &Env, (indexed, pending): (usize, u64)) -> napi::Result<Unknown<'_>> {
    let mut obj = Object::new(env)?;
    obj.set_named_property("indexed", indexed as f64)?;
    obj.set_named_property("pending", pending as f64)?;
    Ok(obj.to_unknown())
}

/// `text` and `options`, read field by field; unknown fields are ignored, as `query` ignores them.
/// `archive_dir` is the facade's, used when `options.includeArchive` is true.
fn search_args(
    env: &Env,
    text: Unknown,
    options: Unknown,
    archive_dir: String,
) -> napi::Result<(String, SearchOptions)> {
    let text = convert::string(text, "text").or_throw(env)?;
    let mut opts = SearchOptions::new();
    if convert::is_undefined(&options) {
        return Ok((text, opts));
    }
    let o = convert::object(options, "options").or_throw(env)?;
    let get = |key: &str| field(env, &o, "options", key);
    let (source, kind, ref_id, since, until) =
        (get("source")?, get("type")?, get("refId")?, get("since")?, get("until")?);
    let (limit, before, order, syntax) = (get("limit")?, get("before")?, get("order")?, get("syntax")?);
    let include_archive = get("includeArchive")?;
    let s = |v: Unknown, n: &str| convert::nullable_string(v, n);
    let n = |v: Unknown, n: &str| convert::nullable_number(v, n);
    opts.filter = LogQuery {
        source: optional(env, source, "options.source", s)?,
        kind: optional(env, kind, "options.type", s)?,
        ref_id: optional(env, ref_id, "options.refId", s)?,
        since: optional(env, since, "options.since", n)?,
        until: optional(env, until, "options.until", n)?,
        limit: None,
    };
    if let Some(limit) = optional(env, limit, "options.limit", convert::number)? {
        opts.limit = check_search_limit("options.limit", limit).or_throw(env)?;
    }
    // `null` is "no cursor", as the last page's `next` is.
    if let Some(Some(before)) = optional(env, before, "options.before", convert::nullable_number)? {
        opts.before = Some(check_search_cursor("options.before", before).or_throw(env)?);
    }
    if let Some(order) = optional(env, order, "options.order", convert::string)? {
        opts.order = Order::parse("options.order", &order).or_throw(env)?;
    }
    if let Some(syntax) = optional(env, syntax, "options.syntax", convert::string)? {
        opts.syntax = Syntax::parse("options.syntax", &syntax).or_throw(env)?;
    }
    if optional(env, include_archive, "options.includeArchive", convert::boolean)? == Some(true) {
        opts.archive = Some(PathBuf::from(archive_dir));
    }
    opts.check().or_throw(env)?;
    Ok((text, opts))
}

#[napi]
impl NativeLogStore {
    /// `{ rows, snippetText, snippetEnds, next }` for `search(text, options)`; the facade builds
    /// the entries.
    #[napi(catch_unwind)]
    pub fn search<'e>(
        &self,
        env: &'e Env,
        text: Unknown,
        options: Unknown,
        archive_dir: String,
    ) -> napi::Result<Unknown<'e>> {
        let (text, opts) = search_args(env, text, options, archive_dir)?;
        let page = run(&self.search, &text, &opts).or_throw(env)?;
        page_value(env, page, false)
    }

    #[napi(catch_unwind, ts_return_type = "Promise<unknown>")]
    pub fn search_async(
        &self,
        env: Env,
        text: Unknown,
        options: Unknown,
        archive_dir: String,
    ) -> napi::Result<AsyncTask<Job<Page>>> {
        let (text, opts) = search_args(&env, text, options, archive_dir)?;
        let search = self.search.clone();
        // With a remote, the archived days it holds are fetched first (off this thread).
        let remote = self.remote.clone().filter(|_| opts.archive.is_some());
        Ok(task::spawn(
            move || {
                if let Some(r) = remote {
                    r.fill_cache(&opts.filter, true, crate::core::REMOTE_ASYNC_TIMEOUT)?;
                }
                run(&search, &text, &opts)
            },
            page_value_sliced,
        ))
    }

    /// Indexes the next rows not yet indexed, on the pool: `{ indexed, pending }`.
    #[napi(catch_unwind, ts_return_type = "Promise<unknown>")]
    pub fn search_index_step_async(&self) -> AsyncTask<Job<(usize, u64)>> {
        let search = self.search.clone();
        task::spawn(move || search.lock().unwrap_or_else(|p| p.into_inner()).build_step(STEP_ROWS), step_value)
    }
}
