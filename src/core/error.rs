//! One error type for the whole core. Every error carries the `code` that JavaScript callers see,
//! chosen to match what `node:sqlite` and `node:fs` report for the same failure.

use std::fmt;
use std::path::Path;

pub type Result<T> = std::result::Result<T, Error>;

/// Which JavaScript error class the N-API layer throws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Error,
    TypeError,
    RangeError,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    pub kind: ErrorKind,
    pub code: &'static str,
    pub message: String,
    /// `(extended result code, sqlite3_errstr)` for SQLite failures, as node:sqlite exposes them
    /// in `errcode` / `errstr`.
    pub sqlite: Option<(i32, String)>,
    /// What node:fs errors carry besides `code`, for file-system failures.
    pub fs: Option<Box<FsDetail>>,
}

/// `errno` (negative, as libuv reports it), `syscall` and, when the call named one, `path`.
#[derive(Debug, Clone, PartialEq)]
pub struct FsDetail {
    pub errno: i32,
    pub syscall: String,
    pub path: Option<String>,
}

impl Error {
    fn new(kind: ErrorKind, code: &'static str, message: impl Into<String>) -> Self {
        Error { kind, code, message: message.into(), sqlite: None, fs: None }
    }

    /// A JavaScript value of the wrong type for `arg`.
    pub fn arg_type(arg: &str, expected: &str, received: &str) -> Self {
        Self::new(
            ErrorKind::TypeError,
            "ERR_INVALID_ARG_TYPE",
            format!("The \"{arg}\" argument must be {expected}. Received {received}"),
        )
    }

    /// A value of the right type that is not one of the accepted values.
    pub fn arg_value(arg: &str, expected: &str, received: &str) -> Self {
        Self::new(
            ErrorKind::TypeError,
            "ERR_INVALID_ARG_VALUE",
            format!("The argument '{arg}' must be {expected}. Received {received}"),
        )
    }

    /// Two options that cannot be used together, as Node's `ERR_INCOMPATIBLE_OPTION_PAIR` says it.
    pub fn incompatible_options(a: &str, b: &str) -> Self {
        Self::new(
            ErrorKind::TypeError,
            "ERR_INCOMPATIBLE_OPTION_PAIR",
            format!("Option \"{a}\" cannot be used in combination with option \"{b}\""),
        )
    }

    /// Reading `arg` ran the caller's code (a getter or Proxy trap), which threw.
    pub fn arg_unreadable(arg: &str) -> Self {
        Self::new(
            ErrorKind::TypeError,
            "ERR_INVALID_ARG_VALUE",
            format!("The argument '{arg}' could not be read: its getter or Proxy trap threw (see `cause`)"),
        )
    }

    /// A value of the right type outside the range this store accepts.
    pub fn out_of_range(arg: &str, expected: &str, received: &str) -> Self {
        Self::new(
            ErrorKind::RangeError,
            "ERR_OUT_OF_RANGE",
            format!("The value of \"{arg}\" is out of range. It must be {expected}. Received {received}"),
        )
    }

    /// Same wording and code as node:sqlite when a stored integer does not fit a JS number.
    pub fn integer_too_large(value: i64) -> Self {
        Self::new(
            ErrorKind::RangeError,
            "ERR_OUT_OF_RANGE",
            format!("Value is too large to be represented as a JavaScript number: {value}"),
        )
    }

    /// `Date.prototype.toISOString` on an invalid time value.
    pub fn invalid_time_value() -> Self {
        Self::new(ErrorKind::RangeError, "ERR_OUT_OF_RANGE", "Invalid time value")
    }

    /// Use after `close()`; the message is the one node:sqlite gives for the same call.
    pub fn invalid_state(message: &str) -> Self {
        Self::new(ErrorKind::Error, "ERR_INVALID_STATE", message)
    }

    /// The same error about `<to>.<key>` instead of `<from>.<key>` (an entry of a list, say
    /// `entries[3]`), so callers can name arguments without formatting names up front.
    pub fn renamed(mut self, from: &str, to: &str, key: &str) -> Self {
        if from != to {
            self.message = self.message.replace(&format!("{from}.{key}"), &format!("{to}.{key}"));
        }
        self
    }

    /// A bug in this package (a caught panic), reported instead of aborting the process.
    pub fn internal(message: &str) -> Self {
        Self::new(ErrorKind::Error, "ERR_INTERNAL", message)
    }

    /// A plain `Error` with its own code (`ERR_SEARCH_SYNTAX`, ...).
    pub fn coded(code: &'static str, message: String) -> Self {
        Self::new(ErrorKind::Error, code, message)
    }

    pub fn invalid_utc_day(message: String) -> Self {
        Self::new(ErrorKind::Error, "ERR_INVALID_UTC_DAY", message)
    }

    pub fn invalid_workflow_status(shown: &str) -> Self {
        Self::new(
            ErrorKind::Error,
            "ERR_INVALID_WORKFLOW_STATUS",
            format!("Invalid workflow run status from DB: \"{shown}\""),
        )
    }

    pub fn blob_mismatch(path: &Path, actual: &str, expected: &str) -> Self {
        Self::new(
            ErrorKind::Error,
            "ERR_BLOB_MISMATCH",
            format!("Blob CAS mismatch at \"{}\": file digests to {actual}, path expects {expected}", path.display()),
        )
    }

    pub fn archive_corrupt(path: &Path, line: usize) -> Self {
        Self::new(
            ErrorKind::Error,
            "ERR_ARCHIVE_CORRUPT",
            format!("Archive file \"{}\" has an unreadable line {line}; nothing was deleted", path.display()),
        )
    }

    /// A write member called on a store opened with `readOnly: true`; nothing was touched.
    pub fn read_only(member: &str) -> Self {
        Self::new(
            ErrorKind::Error,
            "ERR_STORE_READ_ONLY",
            format!("{member}() is not allowed: the store was opened with readOnly: true"),
        )
    }

    /// A day file line that a read of the archive cannot use (`why` says how), by line number.
    pub fn archive_unreadable(path: &Path, line: usize, why: &str) -> Self {
        Self::new(
            ErrorKind::Error,
            "ERR_ARCHIVE_CORRUPT",
            format!("Archive file \"{}\" line {line}: {why}", path.display()),
        )
    }

    /// A file-system failure on `path`, as node:fs reports it
    /// (`ENOENT: no such file or directory, open '<path>'`, with `errno`, `syscall` and `path`).
    pub fn io(err: std::io::Error, syscall: &str, path: &Path) -> Self {
        Self::fs_error(err, syscall, Some(path.display().to_string()))
    }

    /// A failure on an already open file, which node:fs reports without a path
    /// (`EISDIR: illegal operation on a directory, read`).
    pub fn io_fd(err: std::io::Error, syscall: &str) -> Self {
        Self::fs_error(err, syscall, None)
    }

    fn fs_error(err: std::io::Error, syscall: &str, path: Option<String>) -> Self {
        let (code, text) = io_code(&err);
        let message = match &path {
            Some(p) => format!("{code}: {text}, {syscall} '{p}'"),
            None => format!("{code}: {text}, {syscall}"),
        };
        let errno = -err.raw_os_error().unwrap_or(libc::EIO);
        let mut e = Self::new(ErrorKind::Error, code, message);
        e.fs = Some(Box::new(FsDetail { errno, syscall: syscall.to_owned(), path }));
        e
    }
}

/// The code and libuv's wording (uv_strerror) that node:fs gives for an OS error.
fn io_code(err: &std::io::Error) -> (&'static str, &'static str) {
    match err.raw_os_error().unwrap_or_else(|| errno_for_kind(err.kind())) {
        libc::EPERM => ("EPERM", "operation not permitted"),
        libc::ENOENT => ("ENOENT", "no such file or directory"),
        libc::EBADF => ("EBADF", "bad file descriptor"),
        libc::ENOMEM => ("ENOMEM", "not enough memory"),
        libc::EACCES => ("EACCES", "permission denied"),
        libc::EBUSY => ("EBUSY", "resource busy or locked"),
        libc::EEXIST => ("EEXIST", "file already exists"),
        libc::EXDEV => ("EXDEV", "cross-device link not permitted"),
        libc::ENOTDIR => ("ENOTDIR", "not a directory"),
        libc::EISDIR => ("EISDIR", "illegal operation on a directory"),
        libc::EINVAL => ("EINVAL", "invalid argument"),
        libc::ENFILE => ("ENFILE", "file table overflow"),
        libc::EMFILE => ("EMFILE", "too many open files"),
        libc::ETXTBSY => ("ETXTBSY", "text file is busy"),
        libc::EFBIG => ("EFBIG", "file too large"),
        libc::ENOSPC => ("ENOSPC", "no space left on device"),
        libc::EROFS => ("EROFS", "read-only file system"),
        libc::EMLINK => ("EMLINK", "too many links"),
        libc::ENAMETOOLONG => ("ENAMETOOLONG", "name too long"),
        libc::ENOTEMPTY => ("ENOTEMPTY", "directory not empty"),
        libc::ELOOP => ("ELOOP", "too many symbolic links encountered"),
        _ => ("EIO", "i/o error"),
    }
}

/// Errors that wrap an OS error without its number (tempfile adds the path this way) still say
/// what kind they are; map the kind back to the errno that produces it.
fn errno_for_kind(kind: std::io::ErrorKind) -> i32 {
    use std::io::ErrorKind as K;
    match kind {
        K::NotFound => libc::ENOENT,
        K::PermissionDenied => libc::EACCES,
        K::AlreadyExists => libc::EEXIST,
        K::IsADirectory => libc::EISDIR,
        K::NotADirectory => libc::ENOTDIR,
        K::StorageFull => libc::ENOSPC,
        K::ReadOnlyFilesystem => libc::EROFS,
        K::DirectoryNotEmpty => libc::ENOTEMPTY,
        K::InvalidFilename => libc::ENAMETOOLONG,
        K::ResourceBusy => libc::EBUSY,
        K::CrossesDevices => libc::EXDEV,
        K::InvalidInput => libc::EINVAL,
        _ => libc::EIO,
    }
}

impl From<rusqlite::Error> for Error {
    fn from(err: rusqlite::Error) -> Self {
        match &err {
            rusqlite::Error::SqliteFailure(e, msg) => {
                let errstr = errstr(e.extended_code);
                let message = msg.clone().unwrap_or_else(|| errstr.clone());
                Error {
                    kind: ErrorKind::Error,
                    code: "ERR_SQLITE_ERROR",
                    message,
                    sqlite: Some((e.extended_code, errstr)),
                    fs: None,
                }
            }
            // A statement that fails to prepare: node:sqlite reports sqlite3_errmsg alone, without
            // rusqlite's " in <sql> at offset N".
            rusqlite::Error::SqlInputError { error, msg, .. } => Error {
                kind: ErrorKind::Error,
                code: "ERR_SQLITE_ERROR",
                message: msg.clone(),
                sqlite: Some((error.extended_code, errstr(error.extended_code))),
                fs: None,
            },
            _ => Error::new(ErrorKind::Error, "ERR_SQLITE_ERROR", err.to_string()),
        }
    }
}

fn errstr(code: i32) -> String {
    // SAFETY: sqlite3_errstr returns a pointer to a static, NUL-terminated English string.
    unsafe {
        let p = rusqlite::ffi::sqlite3_errstr(code);
        if p.is_null() {
            return String::from("unknown error");
        }
        std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]", self.message, self.code)
    }
}

impl std::error::Error for Error {}
