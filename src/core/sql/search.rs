//! The search index's statements. They run on the index's own connection, where the index file is
//! `main` and logs.db is attached as `log` (read only by these statements).

/// The index's tokenizer, also the archive side's (see [`SCRATCH`]).
macro_rules! tokenizer {
    () => {
        "tokenize='unicode61 remove_diacritics 2'"
    };
}

/// The tokenizer's settings are part of the format: a change must bump `search::FORMAT`.
pub const CREATE: &str = concat!(
    "CREATE TABLE IF NOT EXISTS search_meta (key TEXT PRIMARY KEY, value INTEGER); \
     CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5(text, content='', contentless_delete=1, ",
    tokenizer!(),
    ")"
);
pub const DROP: &str = "DROP TABLE IF EXISTS search; DELETE FROM search_meta";
pub const JOURNAL_WAL: &str = "PRAGMA journal_mode=WAL";
/// A cache: losing the last transactions to a power cut costs a re-index of them, nothing more.
pub const SYNC_NORMAL: &str = "PRAGMA synchronous=NORMAL";
pub const ATTACH_LOGS: &str = "ATTACH DATABASE ?1 AS log";
pub const GET_META: &str = "SELECT value FROM search_meta WHERE key = ?1";
pub const SET_META: &str =
    "INSERT INTO search_meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value";
/// A write to the index file as the first statement, so a transaction holds the index's write lock
/// before it reads anything (never upgrading a read, which could fail with SQLITE_BUSY_SNAPSHOT),
/// and never takes logs.db's write lock (`BEGIN IMMEDIATE` would take it on every attached file).
pub const TAKE_WRITE_LOCK: &str = "UPDATE search_meta SET value = value WHERE key = 'last_id'";
/// The highest id `logs` ever gave out (kept by AUTOINCREMENT across deletes); lower than the
/// index's last id only when logs.db was replaced.
pub const LOG_SEQUENCE: &str = "SELECT seq FROM log.sqlite_sequence WHERE name = 'logs'";
pub const ROWS_AFTER: &str =
    "SELECT id, source, type, ref_id, payload FROM log.logs WHERE id > ?1 ORDER BY id ASC LIMIT ?2";
pub const COUNT_AFTER: &str = "SELECT count(*) FROM log.logs WHERE id > ?1";
pub const INSERT: &str = "INSERT INTO search (rowid, text) VALUES (?1, ?2)";
pub const OPTIMIZE: &str = "INSERT INTO search (search) VALUES ('optimize')";

/// The id span of a time window, from `idx_logs_timestamp` alone.
pub fn id_span(conds: &[&str]) -> String {
    let mut sql = String::from("SELECT min(id), max(id) FROM log.logs");
    for (i, c) in conds.iter().enumerate() {
        sql.push_str(if i == 0 { " WHERE " } else { " AND " });
        sql.push_str(c);
    }
    sql
}

/// The columns of a hit, as `LogRow`.
const HIT_COLUMNS: &str = "SELECT l.id, l.source, l.type, l.ref_id, l.payload, l.timestamp";

fn push_conds(sql: &mut String, conds: &[&str]) {
    for c in conds {
        sql.push_str(" AND l.");
        sql.push_str(c);
    }
}

/// Hits joined with their rows, newest first. The index drives the join (CROSS JOIN keeps it
/// outermost) and walks its doclist from the span's top id down, stopping after the limit, so rows
/// the archive moved out simply drop out. Bound in order: the MATCH text, `rowid >= ?`,
/// `rowid <= ?` (one bound each side: FTS5 uses only the first of each), each condition, the limit.
pub fn select_hits(conds: &[&str]) -> String {
    let mut sql = format!(
        "{HIT_COLUMNS} FROM search CROSS JOIN log.logs AS l ON l.id = search.rowid \
         WHERE search MATCH ? AND search.rowid >= ? AND search.rowid <= ?"
    );
    push_conds(&mut sql, conds);
    sql.push_str(" ORDER BY search.rowid DESC LIMIT ?");
    sql
}

/// The best-ranked hits' ids from the index alone (bm25, ties newest first), so the sort keeps only
/// the top `LIMIT` ids, never the rows. Bound: the MATCH text, `rowid >= ?`, `rowid <= ?`, the limit.
pub const TOP_RANKED: &str = "SELECT rowid FROM search WHERE search MATCH ? AND rowid >= ? AND rowid <= ? \
     ORDER BY rank, rowid DESC LIMIT ?";

/// The ranked ids of the hits whose rows pass the conditions, for when the index alone's top ids
/// were too few once filtered. Bound as [`TOP_RANKED`], each condition after the bounds, then the
/// limit and the offset.
pub fn ranked_rows(conds: &[&str]) -> String {
    let mut sql = String::from(
        "SELECT search.rowid FROM search CROSS JOIN log.logs AS l ON l.id = search.rowid \
         WHERE search MATCH ? AND search.rowid >= ? AND search.rowid <= ?",
    );
    push_conds(&mut sql, conds);
    sql.push_str(" ORDER BY search.rank, search.rowid DESC LIMIT ? OFFSET ?");
    sql
}

/// One hit's row (columns as `LogRow`) by id, if it is still in `logs` and passes the conditions.
/// Bound: the id, then each condition.
pub fn row_by_id(conds: &[&str]) -> String {
    let mut sql = format!("{HIT_COLUMNS} FROM log.logs AS l WHERE l.id = ?");
    push_conds(&mut sql, conds);
    sql
}

/// The in-memory database of the archive side of a search: `hits` takes a batch of archived rows
/// to run the query on, named and tokenized as the index is, so a query means the same there;
/// `words` and its vocabulary give the tokens of a query's words.
pub const SCRATCH: &str = concat!(
    "CREATE VIRTUAL TABLE hits USING fts5(text, content='', ",
    tokenizer!(),
    "); CREATE VIRTUAL TABLE words USING fts5(text, ",
    tokenizer!(),
    "); CREATE VIRTUAL TABLE word_terms USING fts5vocab(words, 'instance')"
);
pub const SCRATCH_ADD_HIT: &str = "INSERT INTO hits (rowid, text) VALUES (?1, ?2)";
pub const SCRATCH_MATCHING: &str = "SELECT rowid FROM hits WHERE hits MATCH ?1";
pub const SCRATCH_ADD_WORDS: &str = "INSERT INTO words (rowid, text) VALUES (?1, ?2)";
pub const SCRATCH_TERMS: &str = "SELECT doc, term FROM word_terms ORDER BY doc, offset";
