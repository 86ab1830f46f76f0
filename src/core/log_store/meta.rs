//! The `meta` key-value table.

use super::{LogStore, Member};
use crate::core::js_value::{js_display, sqlite_value};
use crate::core::sql;
use crate::core::Result;
use rusqlite::types::Value;
use rusqlite::OptionalExtension;

impl LogStore {
    /// The value as JavaScript's `String(value)` shows it (what the reference's archive checks).
    pub fn get_meta(&self, key: &str) -> Result<Option<String>> {
        Ok(match self.get_meta_value(key)? {
            None | Some(Value::Null) => None,
            Some(Value::Text(s)) => Some(s),
            Some(other) => Some(js_display((&other).into())),
        })
    }

    /// The stored value as node:sqlite reads it: another writer can leave a BLOB in `meta.value`,
    /// which the reference's `getMeta` returns as a Uint8Array.
    pub fn get_meta_value(&self, key: &str) -> Result<Option<Value>> {
        let conn = self.stmt_conn()?;
        Ok(conn.prepare_cached(sql::GET_META)?.query_row([key], |r| Ok(sqlite_value(r.get_ref(0)?))).optional()?)
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        let conn = self.stmt_conn()?;
        self.check_writable(Member::SetMeta)?;
        conn.prepare_cached(sql::SET_META)?.execute([key, value])?;
        Ok(())
    }
}
