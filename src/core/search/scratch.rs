//! What the archive side of a search asks SQLite itself, on an in-memory database with the index's
//! tokenizer: the tokens unicode61 makes of the query's words (for the byte prefilter), whether an
//! FTS query is valid, and which rows of a batch of archived lines the query matches. Matching
//! there, rather than with a tokenizer of our own, gives archived rows exactly the index's word
//! semantics in both syntaxes: the same tokens, phrases, `NEAR`, `NOT`, prefixes and column
//! filters. Each batch lives in a transaction that is rolled back, so nothing accumulates.

use crate::core::sql::search as sql;
use crate::core::Result;
use rusqlite::Connection;

pub(super) struct Scratch {
    conn: Connection,
}

impl Scratch {
    pub fn open() -> Result<Scratch> {
        let conn = Connection::open_in_memory()?;
        conn.execute_batch(sql::SCRATCH)?;
        Ok(Scratch { conn })
    }

    /// The tokens of each text, in order, as the index's tokenizer makes them.
    pub fn tokens(&self, texts: &[String]) -> Result<Vec<Vec<String>>> {
        let tx = self.conn.unchecked_transaction()?;
        let mut out = vec![Vec::new(); texts.len()];
        {
            let mut add = tx.prepare_cached(sql::SCRATCH_ADD_WORDS)?;
            for (i, t) in texts.iter().enumerate() {
                add.execute(rusqlite::params![i as i64, t])?;
            }
            let mut terms = tx.prepare_cached(sql::SCRATCH_TERMS)?;
            let mut rows = terms.query([])?;
            while let Some(row) = rows.next()? {
                let doc: i64 = row.get(0)?;
                out[doc as usize].push(row.get(1)?);
            }
        }
        // Dropped without a commit: rolled back.
        drop(tx);
        Ok(out)
    }

    /// The ids of `rows` (id, indexed text; ids distinct) that `expr` matches. Also the check of
    /// an FTS query, with no rows.
    pub fn matching(&self, expr: &str, rows: &[(i64, String)]) -> rusqlite::Result<Vec<i64>> {
        let tx = self.conn.unchecked_transaction()?;
        let ids = {
            let mut add = tx.prepare_cached(sql::SCRATCH_ADD_HIT)?;
            for (id, text) in rows {
                add.execute(rusqlite::params![id, text])?;
            }
            let mut stmt = tx.prepare_cached(sql::SCRATCH_MATCHING)?;
            let ids = stmt.query_map([expr], |r| r.get(0))?;
            ids.collect::<rusqlite::Result<Vec<i64>>>()?
        };
        drop(tx);
        Ok(ids)
    }
}
