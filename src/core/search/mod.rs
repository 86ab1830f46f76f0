//! Full-text search over the log rows: `search(text, options)`, newest first or by relevance, with
//! a snippet per row and a cursor for the next page; the hot rows through the index, and with
//! `includeArchive` the archived rows too, merged by id. See docs/search.md for the design.

mod archived;
mod hot;
mod index;
mod prefilter;
mod query;
mod scratch;
mod snippet;
mod tokenize;

pub use index::{index_path, SearchIndex, BATCH_ROWS};

use crate::core::js_value::{js_number, sqlite_text, MAX_SAFE_INTEGER};
use crate::core::log_store::{LogQuery, LogRow};
use crate::core::{Error, Result};
use rusqlite::types::ValueRef;
use scratch::Scratch;
use std::path::PathBuf;

/// `options.limit` when none is given, and the most one page may hold.
pub const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Newest first (id descending); the cursor is the last id returned.
    #[default]
    Time,
    /// bm25, best first; the cursor is the number of rows returned so far.
    Rank,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Syntax {
    /// Every word must occur, matched literally.
    #[default]
    Plain,
    /// SQLite FTS5 query syntax.
    Fts,
}

impl Order {
    pub fn parse(arg: &str, v: &str) -> Result<Order> {
        match v {
            "time" => Ok(Order::Time),
            "rank" => Ok(Order::Rank),
            _ => Err(Error::arg_value(arg, "one of 'time', 'rank'", &format!("'{}'", shown(v)))),
        }
    }
}

impl Syntax {
    pub fn parse(arg: &str, v: &str) -> Result<Syntax> {
        match v {
            "plain" => Ok(Syntax::Plain),
            "fts" => Ok(Syntax::Fts),
            _ => Err(Error::arg_value(arg, "one of 'plain', 'fts'", &format!("'{}'", shown(v)))),
        }
    }
}

/// At most 80 characters of a caller's text, for messages.
fn shown(text: &str) -> String {
    let mut s: String = text.chars().take(80).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}

/// `options.limit`: an integer from 1 to [`MAX_LIMIT`].
pub fn check_limit(arg: &str, limit: f64) -> Result<usize> {
    if limit.fract() == 0.0 && (1.0..=MAX_LIMIT as f64).contains(&limit) {
        Ok(limit as usize)
    } else {
        Err(Error::out_of_range(arg, &format!("an integer from 1 to {MAX_LIMIT}"), &js_number(limit)))
    }
}

/// `options.before`: a cursor from a previous page, a non-negative safe integer.
pub fn check_cursor(arg: &str, before: f64) -> Result<i64> {
    if before.fract() == 0.0 && (0.0..=MAX_SAFE_INTEGER as f64).contains(&before) {
        Ok(before as i64)
    } else {
        Err(Error::out_of_range(arg, "a cursor returned as `next` (a non-negative integer)", &js_number(before)))
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchOptions {
    /// source, type, refId, since, until as `query` reads them; its limit is not used.
    pub filter: LogQuery,
    pub limit: usize,
    pub before: Option<i64>,
    pub order: Order,
    pub syntax: Syntax,
    /// The archive's directory, when archived rows are searched too (`includeArchive`).
    pub archive: Option<PathBuf>,
}

impl SearchOptions {
    pub fn new() -> Self {
        SearchOptions { limit: DEFAULT_LIMIT, ..Default::default() }
    }

    /// The rule between options: bm25 needs the statistics of an index over every row it ranks,
    /// and archived rows are in none, so `order: 'rank'` is refused with `includeArchive`.
    pub fn check(&self) -> Result<()> {
        if self.archive.is_some() && self.order == Order::Rank {
            return Err(Error::incompatible_options("options.order: 'rank'", "options.includeArchive: true"));
        }
        Ok(())
    }
}

/// The invalid-FTS-syntax error, naming the query. FTS5's own wording of what is wrong is kept,
/// without its `fts5:` prefix.
fn syntax_error(text: &str, e: rusqlite::Error) -> Error {
    let detail = match &e {
        rusqlite::Error::SqliteFailure(_, Some(m)) => m.strip_prefix("fts5: ").unwrap_or(m).to_owned(),
        other => other.to_string(),
    };
    Error::coded(
        "ERR_SEARCH_SYNTAX",
        format!("The search query \"{}\" is not valid FTS5 syntax: {detail}", shown(text)),
    )
}

fn is_query_error(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::Unknown)
}

/// A search's text as the index's query, with the words its snippets look for.
pub(super) struct Query<'t> {
    text: &'t str,
    pub expr: String,
    pub words: Vec<&'t str>,
    pub fts: bool,
}

impl<'t> Query<'t> {
    /// `None` for a plain text without a word (no row can match).
    fn new(text: &'t str, syntax: Syntax) -> Option<Query<'t>> {
        Some(match syntax {
            Syntax::Plain => {
                let words = query::plain_words(text);
                Query { text, expr: query::plain_match(&words)?, words, fts: false }
            }
            Syntax::Fts => Query { text, expr: query::fts_match(text), words: query::fts_terms(text), fts: true },
        })
    }

    /// A failed statement as an error: invalid FTS syntax is named as such.
    pub fn error(&self, e: rusqlite::Error) -> Error {
        if self.fts && is_query_error(&e) {
            syntax_error(self.text, e)
        } else {
            e.into()
        }
    }

    fn snippet(&self, payload: Option<&str>) -> String {
        snippet::snippet(payload, &self.words)
    }
}

fn row_refs<'r>(row: &'r rusqlite::Row<'_>) -> rusqlite::Result<[ValueRef<'r>; 6]> {
    Ok([row.get_ref(0)?, row.get_ref(1)?, row.get_ref(2)?, row.get_ref(3)?, row.get_ref(4)?, row.get_ref(5)?])
}

fn payload_text<'a>(refs: &[ValueRef<'a>; 6]) -> Option<std::borrow::Cow<'a, str>> {
    match refs[4] {
        ValueRef::Text(t) => Some(sqlite_text(t)),
        _ => None,
    }
}

impl SearchIndex {
    /// Indexes every unseen row, then hands each hit (columns in `LogRow` order) and its snippet
    /// to `f`; returns the cursor of the next page, `None` when this was the last.
    pub fn search_each(
        &mut self,
        text: &str,
        opts: &SearchOptions,
        mut f: impl FnMut([ValueRef<'_>; 6], String) -> Result<()>,
    ) -> Result<Option<i64>> {
        opts.check()?;
        let Some(q) = Query::new(text, opts.syntax) else { return Ok(None) };
        let (index, scratch) = self.parts()?;
        index.catch_up(usize::MAX)?;
        let conn = &index.conn;
        let mut emit = |row: &rusqlite::Row<'_>| -> Result<()> {
            let refs = row_refs(row)?;
            let snip = q.snippet(payload_text(&refs).as_deref());
            f(refs, snip)
        };
        if let Some(dir) = &opts.archive {
            let scratch = match scratch {
                Some(s) => s,
                None => scratch.insert(Scratch::open()?),
            };
            return with_archive(conn, scratch, dir, &q, opts, f);
        }
        if opts.order == Order::Rank {
            return hot::ranked(conn, &q, &opts.filter, opts.before.unwrap_or(0), opts.limit as i64, emit);
        }
        // One row more than asked for tells whether there is a next page.
        let (mut taken, mut last_id, mut more) = (0, 0i64, false);
        hot::newest(conn, &q, &opts.filter, opts.before, opts.limit + 1, |row| {
            if taken == opts.limit {
                more = true;
                return Ok(());
            }
            last_id = row.get(0)?;
            taken += 1;
            emit(row)
        })?;
        Ok(more.then_some(last_id))
    }
}

/// Newest first over the index and the archive: the newest `limit + 1` hits of each below the
/// cursor, merged by id, each id once (right after a crash between a day file's rename and the
/// delete of its rows, a row is in both; the database's copy is kept).
fn with_archive(
    conn: &rusqlite::Connection,
    scratch: &Scratch,
    dir: &std::path::Path,
    q: &Query<'_>,
    opts: &SearchOptions,
    mut f: impl FnMut([ValueRef<'_>; 6], String) -> Result<()>,
) -> Result<Option<i64>> {
    if q.fts {
        // The same syntax error as the index gives, also when its part finds nothing to walk.
        scratch.matching(&q.expr, &[]).map_err(|e| q.error(e))?;
    }
    let want = opts.limit + 1;
    let mut hot = Vec::with_capacity(want.min(1024));
    hot::newest(conn, q, &opts.filter, opts.before, want, |row| {
        hot.push((row.get::<_, i64>(0)?, LogRow::from_row(row)?));
        Ok(())
    })?;
    let cold = match archive_prefilter(scratch, q)? {
        Some(pre) => archived::newest(dir, q, &opts.filter, opts.before, want, &pre, scratch)?,
        None => Vec::new(),
    };
    let (mut hot, mut cold) = (hot.into_iter().peekable(), cold.into_iter().peekable());
    let mut page: Vec<(i64, LogRow)> = Vec::with_capacity(want.min(1024));
    while page.len() < want {
        let (h, c) = (hot.peek().map(|r| r.0), cold.peek().map(|r| r.0));
        let next = match (h, c) {
            (Some(h), Some(c)) if h == c => {
                cold.next();
                hot.next()
            }
            (Some(h), Some(c)) if c > h => cold.next(),
            (Some(_), _) => hot.next(),
            (None, _) => cold.next(),
        };
        match next {
            Some(r) => page.push(r),
            None => break,
        }
    }
    let more = page.len() > opts.limit;
    page.truncate(opts.limit);
    let last = page.last().map(|r| r.0);
    for (_, row) in &page {
        let refs = [&row.id, &row.source, &row.kind, &row.ref_id, &row.payload, &row.timestamp].map(ValueRef::from);
        let snip = q.snippet(payload_text(&refs).as_deref());
        f(refs, snip)?;
    }
    Ok(if more { last } else { None })
}

/// The byte prefilter for the archived lines: for plain words, the one token that turns away the
/// most lines (every word must occur); for an FTS query, any of its tokens (a row it matches holds
/// a token of one of its phrases). `None` when no row can match: a plain word without a token, an
/// FTS query without one (an empty phrase matches nothing).
fn archive_prefilter(scratch: &Scratch, q: &Query<'_>) -> Result<Option<prefilter::Prefilter>> {
    if q.fts {
        let tokens = scratch.tokens(&[query::fts_words(&q.expr)])?.concat();
        return Ok((!tokens.is_empty()).then(|| prefilter::Prefilter::any_of(&tokens)));
    }
    let words: Vec<String> = q
        .words
        .iter()
        .map(|w| {
            let mut paired = String::new();
            tokenize::push_paired(&mut paired, w);
            paired
        })
        .collect();
    let tokens = scratch.tokens(&words)?;
    if tokens.iter().any(Vec::is_empty) {
        return Ok(None);
    }
    let best = prefilter::best_token(tokens.concat());
    Ok(Some(prefilter::Prefilter::any_of(&best.into_iter().collect::<Vec<_>>())))
}
