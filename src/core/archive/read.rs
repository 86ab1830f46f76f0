//! Reading the archive back: the day files there are, and their rows that match a `query` filter,
//! merged across the files by id.
//!
//! Each day file holds the rows whose timestamp falls on its UTC day, one
//! `JSON.stringify({id, source, type, refId, payload, timestamp})` line each, by id. So a filter's
//! `since`/`until` pick the files, and the files are merged lazily: a file is opened only once its
//! first id is the lowest one left, so with ids rising day by day (the usual case) one file is open
//! at a time and memory stays at one line per open file. Rows are yielded by id, each id once.

use super::filter::Matcher;
use super::line::{self, HeldLine, Line, Scratch, Why};
use crate::core::layout::{self, DAY_FILE_SUFFIX};
use crate::core::log_store::{check_limit, LogQuery, LogRow};
use crate::core::row_batch::LogRowBatch;
use crate::core::utc_day;
use crate::core::{Error, Result};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Read buffer per open day file.
const READ_BUFFER: usize = 256 * 1024;

/// One day file of the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveDayFile {
    pub day: String,
    pub bytes: u64,
    /// Held only by the remote tier (its local file was evicted after the verified upload).
    pub remote_only: bool,
}

/// The well-formed `YYYY-MM-DD.jsonl` files in `dir` (regular files named for a real UTC day),
/// oldest first. Temporary files of an archive in progress (`.tmp.*`) are not day files. No
/// directory means no days.
pub fn list_archive_days(dir: &Path) -> Result<Vec<ArchiveDayFile>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(e, "scandir", dir)),
    };
    let mut days = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(e, "scandir", dir))?;
        let name = entry.file_name();
        let Some(day) = name.to_str().and_then(|n| n.strip_suffix(DAY_FILE_SUFFIX)) else { continue };
        if !is_day_name(day) {
            continue;
        }
        let path = entry.path();
        match fs::metadata(&path) {
            Ok(meta) if meta.is_file() => {
                days.push(ArchiveDayFile { day: day.to_owned(), bytes: meta.len(), remote_only: false })
            }
            Ok(_) => {}
            // Gone since the listing (a concurrent rename over it is atomic, a removal is not ours).
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(e, "stat", &path)),
        }
    }
    days.sort_unstable_by(|a, b| a.day.cmp(&b.day));
    Ok(days)
}

/// Every day file an archive read takes, by day: the folder's own, then the remote tier's copies
/// in `.remote/cache` (see [`layout::REMOTE_DAY_CACHE`]). A day in both is read from both; the
/// reads merge by id, so each row comes once.
pub(super) fn day_files(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let cache = layout::REMOTE_DAY_CACHE.iter().fold(dir.to_path_buf(), |p, part| p.join(part));
    let mut out: Vec<(String, PathBuf)> = Vec::new();
    for d in [dir, cache.as_path()] {
        out.extend(list_archive_days(d)?.into_iter().map(|f| {
            let path = layout::day_file(d, &f.day);
            (f.day, path)
        }));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

fn is_day_name(day: &str) -> bool {
    let b = day.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() })
        && utc_day::assert_valid_utc_day(day).is_ok()
}

/// Every matching archived row, by id, at most `limit` of them.
pub fn read_archive(dir: &Path, q: &LogQuery) -> Result<LogRowBatch> {
    let mut scan = ArchiveScan::open(dir, q)?;
    let mut batch = LogRowBatch::new();
    while scan.push_next(&mut batch)?.is_some() {}
    batch.finish();
    Ok(batch)
}

enum State {
    /// Not opened yet; its key in the heap is the id of its first line.
    Pending,
    Open(Box<OpenDay>),
    Done,
}

struct OpenDay {
    lines: Lines,
    line_no: usize,
    last_id: Option<i64>,
    /// The matching line this file's key in the heap stands for, while `held`: its offsets are
    /// into the read buffer, which is not refilled before the line is used.
    current_line_no: usize,
    held: Option<HeldLine>,
}

/// A file's lines, read a block at a time and handed out in place (no copy per line).
struct Lines {
    file: File,
    /// `buf[pos..len]` is read and not handed out yet.
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    eof: bool,
}

impl Lines {
    fn new(file: File) -> Lines {
        Lines { file, buf: vec![0; READ_BUFFER], pos: 0, len: 0, eof: false }
    }

    /// The next line's range in `buf` (without its newline) and whether a newline ended it;
    /// `None` at the end of the file. Moves what `buf` holds, so earlier ranges are then stale.
    fn next(&mut self) -> std::io::Result<Option<(Range<usize>, bool)>> {
        loop {
            if let Some(i) = memchr::memchr(b'\n', &self.buf[self.pos..self.len]) {
                let line = self.pos..self.pos + i;
                self.pos += i + 1;
                return Ok(Some((line, true)));
            }
            if self.eof {
                let line = self.pos..self.len;
                self.pos = self.len;
                return Ok((!line.is_empty()).then_some((line, false)));
            }
            // The start of a line stays, moved to the front; a line longer than the buffer grows it.
            self.buf.copy_within(self.pos..self.len, 0);
            self.len -= self.pos;
            self.pos = 0;
            if self.len == self.buf.len() {
                self.buf.resize(self.buf.len() * 2, 0);
            }
            match self.file.read(&mut self.buf[self.len..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.len += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

struct DaySource {
    path: PathBuf,
    state: State,
}

/// The matching archived rows, by id, each id once (see the module docs).
pub struct ArchiveScan {
    matcher: Matcher,
    sources: Vec<DaySource>,
    heap: BinaryHeap<Reverse<(i64, usize)>>,
    /// Rows still to yield; `None` for no limit.
    left: Option<u64>,
    last_id: Option<i64>,
    scratch: Scratch,
}

impl ArchiveScan {
    pub fn open(dir: &Path, q: &LogQuery) -> Result<Self> {
        let limit = q.limit.map(check_limit).transpose()?;
        let matcher = Matcher::new(q);
        let mut scan = ArchiveScan {
            left: limit.filter(|l| *l >= 0).map(|l| l as u64),
            sources: Vec::new(),
            heap: BinaryHeap::new(),
            last_id: None,
            matcher,
            scratch: Scratch::default(),
        };
        if scan.matcher.nothing || scan.left == Some(0) {
            return Ok(scan);
        }
        for (day, path) in day_files(dir)? {
            if !scan.matcher.wants_day(&day) {
                continue;
            }
            if let Some(first) = first_id(&path)? {
                scan.heap.push(Reverse((first, scan.sources.len())));
                scan.sources.push(DaySource { path, state: State::Pending });
            }
        }
        Ok(scan)
    }

    /// The next matching row and its id.
    pub fn next_row(&mut self) -> Result<Option<(i64, LogRow)>> {
        self.next_with(|l, _| l.into_row())
    }

    /// Adds the next matching row to `batch`, its columns taken straight from the line; returns
    /// its id, or `None` at the end.
    pub fn push_next(&mut self, batch: &mut LogRowBatch) -> Result<Option<i64>> {
        match self.next_with(|l, scratch| Ok(batch.push_refs(l.value_refs(scratch)?)))? {
            Some((id, pushed)) => pushed.map(|()| Some(id)),
            None => Ok(None),
        }
    }

    /// Hands the next matching line to `f` (before its file moves on, so the line is borrowed)
    /// and returns its id with what `f` made of it.
    fn next_with<T>(
        &mut self,
        mut f: impl FnMut(Line<'_>, &mut Scratch) -> std::result::Result<T, Why>,
    ) -> Result<Option<(i64, T)>> {
        while self.left != Some(0) {
            let Some(Reverse((id, i))) = self.heap.pop() else { return Ok(None) };
            let source = &mut self.sources[i];
            let mut out = None;
            match &mut source.state {
                State::Pending => {}
                State::Open(day) => {
                    // A row in two day files (only a hand-made archive has one) is yielded once.
                    if let Some(held) = day.held.take().filter(|_| self.last_id != Some(id)) {
                        let unreadable = |why| Error::archive_unreadable(&source.path, day.current_line_no, why);
                        out = Some(f(held.line(&day.lines.buf), &mut self.scratch).map_err(unreadable)?);
                    }
                }
                State::Done => continue,
            }
            if let Some(next) = advance(source, &self.matcher)? {
                self.heap.push(Reverse((next, i)));
            }
            let Some(value) = out else { continue };
            self.last_id = Some(id);
            if let Some(left) = &mut self.left {
                *left -= 1;
            }
            return Ok(Some((id, value)));
        }
        Ok(None)
    }
}

/// The id on a day file's first line; `i64::MIN` when that line is unreadable (the file is then
/// opened first, and the line reported), `None` for an empty file.
pub(super) fn first_id(path: &Path) -> Result<Option<i64>> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(e, "open", path)),
    };
    let mut reader = BufReader::with_capacity(4096, file);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf).map_err(|e| Error::io(e, "read", path))? == 0 {
            return Ok(None);
        }
        let l = buf.strip_suffix(b"\n").unwrap_or(&buf);
        if !l.is_empty() {
            return Ok(Some(line::leading_id(l).unwrap_or(i64::MIN)));
        }
    }
}

/// Moves `source` to its next matching row; returns that row's id, or `None` at the end.
fn advance(source: &mut DaySource, matcher: &Matcher) -> Result<Option<i64>> {
    if matches!(source.state, State::Pending) {
        let file = File::open(&source.path).map_err(|e| Error::io(e, "open", &source.path))?;
        source.state = State::Open(Box::new(OpenDay {
            lines: Lines::new(file),
            line_no: 0,
            last_id: None,
            current_line_no: 0,
            held: None,
        }));
    }
    let State::Open(day) = &mut source.state else { return Ok(None) };
    let path = &source.path;
    loop {
        let Some((range, complete)) = day.lines.next().map_err(|e| Error::io(e, "read", path))? else {
            source.state = State::Done;
            return Ok(None);
        };
        day.line_no += 1;
        let text = &day.lines.buf[range];
        if text.is_empty() || !matcher.may_match(text) {
            continue;
        }
        let parsed = match line::parse(text) {
            Some(l) => l,
            // A torn last line (no newline after it) is what an interrupted write leaves; its row
            // was never deleted from SQLite. The archive's own reader skips it too.
            None if !complete => continue,
            None => return Err(Error::archive_unreadable(path, day.line_no, "not a log row as JSON")),
        };
        match day.last_id {
            Some(last) if parsed.id < last => {
                return Err(Error::archive_unreadable(path, day.line_no, "ids are not in ascending order"))
            }
            Some(last) if parsed.id == last => continue,
            _ => {}
        }
        day.last_id = Some(parsed.id);
        if matcher.matches(&parsed).map_err(|why| Error::archive_unreadable(path, day.line_no, why))? {
            let id = parsed.id;
            day.held = Some(parsed.hold(&day.lines.buf));
            day.current_line_no = day.line_no;
            return Ok(Some(id));
        }
    }
}
