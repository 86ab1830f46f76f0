//! One day of the archive: its rows as `JSON.stringify` lines, merged with the lines its file
//! already holds, and the deletion of its rows once the file is on disk.

use crate::core::durable_fs::AtomicFile;
use crate::core::js_json;
use crate::core::sql;
use crate::core::utc_day::LOG_ARCHIVE_META_KEY;
use crate::core::{Error, Result};
use rusqlite::{params, Connection};
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::Path;

/// What a day's file must hold once archived.
pub(super) enum DayFile {
    /// The file is there and no row is new: left as it is.
    Unchanged,
    Fresh(DayLines),
    /// Lines already in the file together with the new ones, by id.
    Merged(BTreeMap<i64, String>),
}

impl DayFile {
    /// Writes the file atomically (fdatasynced, renamed into place); the caller fsyncs the
    /// directory.
    pub(super) fn write(&self, path: &Path) -> Result<()> {
        match self {
            DayFile::Unchanged => Ok(()),
            DayFile::Fresh(lines) => write_lines(path, lines.rows.iter().map(|&(_, from, to)| &lines.text[from..to])),
            DayFile::Merged(lines) => write_lines(path, lines.values().map(|l| l.as_bytes())),
        }
    }
}

/// Reads a day's rows (and its existing file, if any) and moves the watermark to the day; returns
/// how many rows will leave SQLite and what the file must hold. `sizes` is the previous day's
/// (rows, bytes), and becomes this day's.
pub(super) fn prepare_day(
    tx: &Connection,
    day: &str,
    span: (i64, i64),
    file: &Path,
    sizes: &mut (usize, usize),
) -> Result<(usize, DayFile)> {
    let fresh = day_lines(tx, span.0 as f64, span.1 as f64, *sizes)?;
    *sizes = (fresh.rows.len(), fresh.text.len());
    let row_count = fresh.rows.len();
    let content = match read_existing(file)? {
        Some(_) if row_count == 0 => DayFile::Unchanged,
        Some(mut merged) => {
            for &(id, from, to) in &fresh.rows {
                merged.entry(id).or_insert_with(|| String::from_utf8_lossy(&fresh.text[from..to]).into_owned());
            }
            DayFile::Merged(merged)
        }
        None => DayFile::Fresh(fresh),
    };
    tx.prepare_cached(sql::SET_META)?.execute([LOG_ARCHIVE_META_KEY, day])?;
    Ok((row_count, content))
}

/// Below this many archived rows the row-by-row delete is fast enough.
const REBUILD_MIN_ROWS: usize = 10_000;

/// Deletes the archived rows (`moved` of them, all with `start <= timestamp < end`). Row by row
/// each costs a seek and a delete in the table and in three indexes; when most of the table goes,
/// it is cheaper to set the other rows aside, empty the table (SQLite clears it page by page) and
/// put them back with their ids. Either way the table ends up holding the same rows.
pub(super) fn delete_span(tx: &Connection, start: i64, end: i64, moved: usize) -> Result<()> {
    let (start, end) = (start as f64, end as f64);
    let total: i64 = tx.query_row(sql::COUNT_LOGS, [], |r| r.get(0))?;
    let kept = total.saturating_sub(moved as i64);
    if moved < REBUILD_MIN_ROWS || kept.saturating_mul(2) >= moved as i64 {
        tx.prepare_cached(sql::DELETE_SPAN)?.execute(params![start, end])?;
        return Ok(());
    }
    tx.execute_batch(sql::KEEP_CREATE)?;
    tx.execute(sql::KEEP_FILL, params![start, end])?;
    tx.execute_batch(sql::KEEP_RESTORE)?;
    Ok(())
}

/// A day's rows as archive lines: one buffer, and each row's id and byte range in it, by id.
pub(super) struct DayLines {
    text: Vec<u8>,
    rows: Vec<(i64, usize, usize)>,
}

/// The day's rows as lines, `JSON.stringify({id, source, type, refId, payload, timestamp})` each.
/// SQLite returns them in index order; sorting whole rows by id in SQL costs more than sorting
/// (id, range) pairs here.
/// `hint` is the previous day's (rows, bytes): days are alike, and buffers sized up front are not
/// copied and remapped as they grow (which also holds the process's memory-map lock, and stalls
/// the other threads' page faults).
fn day_lines(conn: &Connection, start: f64, end: f64, hint: (usize, usize)) -> Result<DayLines> {
    const KEYS: [&str; 6] =
        ["{\"id\":", ",\"source\":", ",\"type\":", ",\"refId\":", ",\"payload\":", ",\"timestamp\":"];
    let mut stmt = conn.prepare_cached(sql::DAY_ROWS)?;
    let mut rows = stmt.query(params![start, end])?;
    let mut line = String::new();
    let mut out =
        DayLines { text: Vec::with_capacity(hint.1 + hint.1 / 8), rows: Vec::with_capacity(hint.0 + hint.0 / 8) };
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        line.clear();
        for (i, key) in KEYS.iter().enumerate() {
            line.push_str(key);
            js_json::write_sql_value(&mut line, row.get_ref(i)?)?;
        }
        line.push('}');
        let from = out.text.len();
        out.text.extend_from_slice(line.as_bytes());
        out.rows.push((id, from, out.text.len()));
    }
    out.rows.sort_unstable_by_key(|&(id, _, _)| id);
    Ok(out)
}

/// Lines already archived for the day, by id. `None` when there is no file.
fn read_existing(file: &Path) -> Result<Option<BTreeMap<i64, String>>> {
    let bytes = match fs::read(file) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(e, "open", file)),
    };
    let mut lines = BTreeMap::new();
    add_lines(&mut lines, &bytes, file)?;
    Ok(Some(lines))
}

/// Two copies of one day (the remote's and a local file of rows archived since) as one: every
/// line of either, by id, each id once (the first copy's line wins). `names` are what errors
/// call them.
pub fn merge_day_copies(first: &[u8], second: &[u8], names: (&Path, &Path)) -> Result<Vec<u8>> {
    let mut lines = BTreeMap::new();
    add_lines(&mut lines, first, names.0)?;
    add_lines(&mut lines, second, names.1)?;
    let mut out = Vec::with_capacity(first.len() + second.len());
    for l in lines.values() {
        out.extend_from_slice(l.as_bytes());
        out.push(b'\n');
    }
    Ok(out)
}

/// Whether `copy` holds every line of `file` as it is there (by id, byte for byte); `copy` may
/// hold more (a union uploaded after late rows). A copy that does not parse covers nothing; a
/// `file` that does not parse is `ERR_ARCHIVE_CORRUPT`, named as `file_name` says.
pub fn day_copy_covers(copy: &[u8], file: &[u8], file_name: &Path) -> Result<bool> {
    let mut wanted = BTreeMap::new();
    add_lines(&mut wanted, file, file_name)?;
    let mut held = BTreeMap::new();
    if add_lines(&mut held, copy, Path::new("")).is_err() {
        return Ok(false);
    }
    Ok(wanted.iter().all(|(id, line)| held.get(id) == Some(line)))
}

fn add_lines(lines: &mut BTreeMap<i64, String>, bytes: &[u8], file: &Path) -> Result<()> {
    let text = String::from_utf8_lossy(bytes);
    let complete = text.ends_with('\n');
    let parts: Vec<&str> = text.split_terminator('\n').collect();
    for (n, line) in parts.iter().enumerate() {
        if line.is_empty() {
            continue;
        }
        match line_id(line) {
            Some(id) => {
                lines.entry(id).or_insert_with(|| (*line).to_owned());
            }
            // A torn last line (no newline after it) is what an interrupted non-atomic write leaves;
            // its row was never deleted from SQLite, so dropping it loses nothing.
            None if !complete && n + 1 == parts.len() => {}
            None => return Err(Error::archive_corrupt(file, n + 1)),
        }
    }
    Ok(())
}

fn line_id(line: &str) -> Option<i64> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    v.as_object()?.get("id")?.as_i64()
}

/// Each line followed by `\n`, through an [`AtomicFile`] beside `file`.
fn write_lines<'a>(file: &Path, lines: impl Iterator<Item = &'a [u8]>) -> Result<()> {
    let dir = file.parent().unwrap_or(Path::new("."));
    let mut tmp = AtomicFile::create_in(dir, file)?;
    {
        let mut w = std::io::BufWriter::new(tmp.file_mut());
        let io = |e: std::io::Error| Error::io(e, "write", file);
        for line in lines {
            w.write_all(line).map_err(io)?;
            w.write_all(b"\n").map_err(io)?;
        }
        w.flush().map_err(io)?;
    }
    tmp.persist(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: (&str, &str) = ("remote", "local");

    fn names() -> (&'static Path, &'static Path) {
        (Path::new(NAMES.0), Path::new(NAMES.1))
    }

    #[test]
    fn merge_keeps_each_id_once_in_id_order() {
        let remote = b"{\"id\":1,\"a\":1}\n{\"id\":3,\"a\":3}\n";
        let local = b"{\"id\":2,\"a\":2}\n{\"id\":3,\"a\":\"other\"}\n";
        let merged = merge_day_copies(remote, local, names()).unwrap();
        assert_eq!(merged, b"{\"id\":1,\"a\":1}\n{\"id\":2,\"a\":2}\n{\"id\":3,\"a\":3}\n");
    }

    #[test]
    fn a_copy_covers_a_file_when_it_holds_every_line_as_it_is() {
        let file = b"{\"id\":1,\"a\":1}\n{\"id\":2,\"a\":2}\n";
        let union = b"{\"id\":1,\"a\":1}\n{\"id\":2,\"a\":2}\n{\"id\":5,\"a\":5}\n";
        let local = Path::new(NAMES.1);
        assert!(day_copy_covers(union, file, local).unwrap());
        assert!(day_copy_covers(file, file, local).unwrap());
        assert!(!day_copy_covers(b"{\"id\":1,\"a\":1}\n", file, local).unwrap());
        assert!(!day_copy_covers(b"{\"id\":1,\"a\":1}\n{\"id\":2,\"a\":9}\n", file, local).unwrap());
        assert!(!day_copy_covers(b"not json\n", file, local).unwrap());
        let err = day_copy_covers(file, b"not json\n", local).unwrap_err();
        assert_eq!(err.code, "ERR_ARCHIVE_CORRUPT");
        assert!(err.message.contains(NAMES.1));
    }
}
