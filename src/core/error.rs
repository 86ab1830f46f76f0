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
}

impl Error {
    fn new(kind: ErrorKind, code: &'static str, message: impl Into<String>) -> Self {
        Error { kind, code, message: message.into(), sqlite: None }
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
            format!(
                "Blob CAS mismatch at \"{}\": file digests to {actual}, path expects {expected}",
                path.display()
            ),
        )
    }

    pub fn archive_corrupt(path: &Path, line: usize) -> Self {
        Self::new(
            ErrorKind::Error,
            "ERR_ARCHIVE_CORRUPT",
            format!(
                "Archive file \"{}\" has an unreadable line {line}; nothing was deleted",
                path.display()
            ),
        )
    }

    /// A file-system failure, worded like node:fs (`ENOENT: no such file or directory, open '<path>'`).
    pub fn io(err: std::io::Error, syscall: &str, path: &Path) -> Self {
        let (code, text) = io_code(&err);
        Self::new(ErrorKind::Error, code, format!("{code}: {text}, {syscall} '{}'", path.display()))
    }

    pub fn is_code(&self, code: &str) -> bool {
        self.code == code
    }
}

fn io_code(err: &std::io::Error) -> (&'static str, String) {
    use std::io::ErrorKind as K;
    let code = match err.kind() {
        K::NotFound => "ENOENT",
        K::PermissionDenied => "EACCES",
        K::AlreadyExists => "EEXIST",
        K::IsADirectory => "EISDIR",
        K::NotADirectory => "ENOTDIR",
        K::StorageFull => "ENOSPC",
        K::ReadOnlyFilesystem => "EROFS",
        K::DirectoryNotEmpty => "ENOTEMPTY",
        K::InvalidFilename => "ENAMETOOLONG",
        K::ResourceBusy => "EBUSY",
        K::CrossesDevices => "EXDEV",
        K::InvalidInput => "EINVAL",
        K::QuotaExceeded => "EDQUOT",
        _ => "EIO",
    };
    // Drop Rust's " (os error N)" suffix; node words these in lower case.
    let mut text = err.to_string();
    if let Some(i) = text.find(" (os error") {
        text.truncate(i);
    }
    (code, text.to_lowercase())
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
                }
            }
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
