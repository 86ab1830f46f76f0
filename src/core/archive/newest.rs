//! The archive's matching rows newest first, for a search that wants the newest few: the day files
//! of the filter's window in the order of their last id, each read backwards a block at a time.
//! The newest matches of a common word are then found without reading the rest of the file, and a
//! file whose last id is at or below the lowest hit the caller still wants is not opened at all.
//!
//! Which lines of a block are worth parsing is the caller's choice (a byte test for the search
//! words); every line it picks is then read and filtered as `readArchive` reads it: a damaged line
//! is an error naming its file and line, a torn last line is skipped, ids must ascend in a file,
//! and a repeated id is read once.

use super::filter::Matcher;
use super::line;
use super::read::{day_files, first_id};
use crate::core::log_store::{LogQuery, LogRow};
use crate::core::{Error, Result};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Bytes read per step backwards: large enough that a full scan costs few system calls, small
/// enough that the newest lines of a file come back after one read.
const BLOCK: usize = 256 * 1024;

/// Picks the lines of a block worth parsing: their byte ranges (without the newline), ascending.
/// `out` is empty when it is called.
pub(crate) type Select<'a> = dyn FnMut(&[u8], &mut Vec<Range<usize>>) + 'a;

struct DaySpan {
    path: PathBuf,
    /// The id on its last line (the highest, as ids ascend), `i64::MAX` when that line does not
    /// start as the archive writes it.
    last: i64,
}

/// The matching archived rows below a cursor, file by file from the newest.
pub(crate) struct NewestFirst {
    matcher: Matcher,
    /// Only ids below this.
    before: i64,
    /// By last id, the highest at the end.
    days: Vec<DaySpan>,
    open: Option<OpenDay>,
}

impl NewestFirst {
    pub fn open(dir: &Path, q: &LogQuery, before: Option<i64>) -> Result<Self> {
        let matcher = Matcher::new(q);
        let before = before.unwrap_or(i64::MAX);
        let mut days = Vec::new();
        if !matcher.nothing {
            for (day, path) in day_files(dir)? {
                if !matcher.wants_day(&day) {
                    continue;
                }
                match (first_id(&path)?, last_id(&path)?) {
                    (Some(first), Some(last)) if first < before => days.push(DaySpan { path, last }),
                    _ => {}
                }
            }
        }
        days.sort_by_key(|d| d.last);
        Ok(NewestFirst { matcher, before, days, open: None })
    }

    /// The next matching row among the lines `select` picks, newest first within a file; `None`
    /// at the end. Rows at or below `floor` are not wanted: a file stops there, and once no file
    /// left can hold a higher id, the walk ends. Files may overlap in ids, so the rows of two
    /// files are not merged in order: the caller keeps the best it has been given.
    pub fn next(&mut self, floor: Option<i64>, select: &mut Select<'_>) -> Result<Option<(i64, LogRow)>> {
        let below_floor = |id: i64| floor.is_some_and(|f| id <= f);
        loop {
            let Some(day) = &mut self.open else {
                let Some(span) = self.days.pop() else { return Ok(None) };
                if below_floor(span.last) {
                    self.days.clear();
                    return Ok(None);
                }
                self.open = Some(OpenDay::open(span.path)?);
                continue;
            };
            let Some(range) = day.ranges.pop() else {
                if !day.read_block(select)? {
                    self.open = None;
                }
                continue;
            };
            let text = &day.blocks.buf[day.blocks.start..][range.clone()];
            if text.is_empty() || !self.matcher.may_match(text) {
                continue;
            }
            let at = day.offset + range.start as u64;
            if let Some(id) = line::leading_id(text) {
                if id >= self.before {
                    continue;
                }
                // Every earlier line of the file has a lower id still.
                if below_floor(id) {
                    self.open = None;
                    continue;
                }
            }
            let Some(parsed) = line::parse(text) else {
                if day.torn == Some(at) {
                    continue;
                }
                return Err(day.unreadable(at, "not a log row as JSON"));
            };
            let id = parsed.id;
            if id >= self.before {
                continue;
            }
            match day.later {
                // The later line has the lower id: that is where a reader from the start stops.
                Some((later, later_at)) if id > later => {
                    return Err(day.unreadable(later_at, "ids are not in ascending order"))
                }
                Some((later, _)) if id == later => continue,
                _ => {}
            }
            day.later = Some((id, at));
            if !self.matcher.matches(&parsed).map_err(|why| day.unreadable(at, why))? {
                continue;
            }
            let row = parsed.into_row().map_err(|why| day.unreadable(at, why))?;
            return Ok(Some((id, row)));
        }
    }
}

struct OpenDay {
    path: PathBuf,
    blocks: Backwards,
    /// The lines of the current block still to look at, the last one first.
    ranges: Vec<Range<usize>>,
    /// The file offset of the current block.
    offset: u64,
    len: u64,
    /// Where an unterminated last line starts (what an interrupted write leaves), if there is one.
    torn: Option<u64>,
    /// The id and offset of the last line read, which comes after this one in the file.
    later: Option<(i64, u64)>,
}

impl OpenDay {
    fn open(path: PathBuf) -> Result<OpenDay> {
        let mut file = File::open(&path).map_err(|e| Error::io(e, "open", &path))?;
        let len = file.seek(SeekFrom::End(0)).map_err(|e| Error::io(e, "read", &path))?;
        let blocks = Backwards { file, pos: len, carry: Vec::new(), buf: Vec::new(), start: 0 };
        Ok(OpenDay { path, blocks, ranges: Vec::new(), offset: len, len, torn: None, later: None })
    }

    /// Reads the block before the current one and picks its lines; `false` at the file's start.
    fn read_block(&mut self, select: &mut Select<'_>) -> Result<bool> {
        let at_end = self.offset == self.len;
        let Some(offset) = self.blocks.next().map_err(|e| Error::io(e, "read", &self.path))? else { return Ok(false) };
        let block = &self.blocks.buf[self.blocks.start..];
        if at_end && block.last() != Some(&b'\n') {
            let tail = memchr::memrchr(b'\n', block).map_or(0, |i| i + 1);
            self.torn = Some(offset + tail as u64);
        }
        self.offset = offset;
        select(block, &mut self.ranges);
        Ok(true)
    }

    fn unreadable(&self, at: u64, why: &str) -> Error {
        match line_number(&self.path, at) {
            Ok(n) => Error::archive_unreadable(&self.path, n, why),
            Err(e) => e,
        }
    }
}

/// A file read from its end, a block of whole lines at a time.
struct Backwards {
    file: File,
    /// Bytes `0..pos` of the file are not read yet.
    pos: u64,
    /// The part of a line that the last block started inside: the next block's last line ends
    /// with it.
    carry: Vec<u8>,
    buf: Vec<u8>,
    /// Where the whole lines of `buf` start.
    start: usize,
}

impl Backwards {
    /// Reads the next block backwards, its whole lines at `buf[start..]`; returns their file
    /// offset, `None` once the file's start was passed.
    fn next(&mut self) -> std::io::Result<Option<u64>> {
        loop {
            if self.pos == 0 {
                if self.carry.is_empty() {
                    return Ok(None);
                }
                // The file's first line, longer than the blocks read after it.
                std::mem::swap(&mut self.buf, &mut self.carry);
                self.carry.clear();
                self.start = 0;
                return Ok(Some(0));
            }
            let n = BLOCK.min(self.pos as usize);
            self.pos -= n as u64;
            self.buf.clear();
            self.buf.resize(n, 0);
            self.file.seek(SeekFrom::Start(self.pos))?;
            self.file.read_exact(&mut self.buf)?;
            self.buf.extend_from_slice(&self.carry);
            self.carry.clear();
            if self.pos == 0 {
                self.start = 0;
                return Ok(Some(0));
            }
            match memchr::memchr(b'\n', &self.buf) {
                Some(i) => {
                    self.carry.extend_from_slice(&self.buf[..=i]);
                    self.start = i + 1;
                    if self.start < self.buf.len() {
                        return Ok(Some(self.pos + self.start as u64));
                    }
                }
                // One line longer than the block: all of it is carried to the next read.
                None => std::mem::swap(&mut self.buf, &mut self.carry),
            }
        }
    }
}

/// The id on a day file's last line, `i64::MAX` when that line does not start as the archive
/// writes it; `None` for a file without lines.
fn last_id(path: &Path) -> Result<Option<i64>> {
    let mut file = File::open(path).map_err(|e| Error::io(e, "open", path))?;
    let len = file.seek(SeekFrom::End(0)).map_err(|e| Error::io(e, "read", path))?;
    let mut want = 4096u64;
    let mut buf = Vec::new();
    loop {
        let start = len.saturating_sub(want);
        buf.resize((len - start) as usize, 0);
        file.seek(SeekFrom::Start(start)).map_err(|e| Error::io(e, "read", path))?;
        file.read_exact(&mut buf).map_err(|e| Error::io(e, "read", path))?;
        let text = buf.as_slice();
        let end = text.iter().rposition(|&b| b != b'\n').map_or(0, |i| i + 1);
        if end == 0 && start == 0 {
            return Ok(None);
        }
        match memchr::memrchr(b'\n', &text[..end]) {
            Some(i) => return Ok(Some(line::leading_id(&text[i + 1..end]).unwrap_or(i64::MAX))),
            None if start == 0 => return Ok(Some(line::leading_id(&text[..end]).unwrap_or(i64::MAX))),
            None => want *= 4,
        }
    }
}

/// The line number of the line starting at `offset`, for an error message.
fn line_number(path: &Path, offset: u64) -> Result<usize> {
    let mut file = File::open(path).map_err(|e| Error::io(e, "open", path))?.take(offset);
    let mut buf = vec![0u8; BLOCK];
    let mut lines = 1;
    loop {
        let n = file.read(&mut buf).map_err(|e| Error::io(e, "read", path))?;
        if n == 0 {
            return Ok(lines);
        }
        lines += memchr::memchr_iter(b'\n', &buf[..n]).count();
    }
}
