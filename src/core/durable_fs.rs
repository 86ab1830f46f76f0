//! Directory operations whose results survive a power loss: a new name in a directory is durable
//! only once that directory is fsynced, and a new directory only once its parent is.

use super::{Error, Result};
use std::fs::{self, File};
use std::path::{Path, PathBuf};

/// fsyncs the directory, so the names created or renamed in it are on disk.
pub fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        let d = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        File::open(d).and_then(|f| f.sync_all()).map_err(|e| Error::io(e, "fsync", d))?;
    }
    Ok(())
}

/// `mkdir -p dir`, then fsyncs the parent of each directory it created, outermost first, so a file
/// later made durable inside `dir` cannot vanish with a directory whose own entry was never
/// written. Returns the parents it fsynced (nothing when `dir` was already there).
pub fn create_dirs(dir: &Path) -> Result<Vec<PathBuf>> {
    // The directories missing now, innermost first.
    let missing: Vec<&Path> = dir.ancestors().take_while(|d| !d.as_os_str().is_empty() && !d.exists()).collect();
    fs::create_dir_all(dir).map_err(|e| Error::io(e, "mkdir", dir))?;
    let mut synced = Vec::with_capacity(missing.len());
    for d in missing.iter().rev() {
        let parent = parent_dir(d);
        sync_dir(parent)?;
        synced.push(parent.to_path_buf());
    }
    Ok(synced)
}

/// The directory holding `path` (`.` for a bare name).
pub fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// What every temporary file starts with: no blob (62 hex) or day file (`YYYY-MM-DD.jsonl`) name
/// does, so a stray one left by a crash is never taken for either.
pub const TEMP_PREFIX: &str = ".tmp.";

/// A file that appears at its final name whole or not at all: written as a temporary file in the
/// target's directory, fdatasynced, then renamed over the target. Dropped before
/// [`AtomicFile::persist`], the temporary file is removed.
pub struct AtomicFile {
    tmp: tempfile::NamedTempFile,
}

impl AtomicFile {
    /// A temporary file in `dir`. Failures name `report` (the file it stands for).
    pub fn create_in(dir: &Path, report: &Path) -> Result<Self> {
        Self::open(dir).map_err(|e| Error::io(e, "open", report))
    }

    /// As [`AtomicFile::create_in`], creating `dir` (durably) when that is what stands in the way.
    pub fn create_in_new_dir(dir: &Path, report: &Path) -> Result<Self> {
        match Self::open(dir) {
            Ok(f) => Ok(f),
            // Whatever the failure, make sure of the directory first: a missing one is created, and
            // one that cannot be is the error to report, as `mkdir -p` then `open` would.
            Err(_) => {
                create_dirs(dir)?;
                Self::create_in(dir, report)
            }
        }
    }

    fn open(dir: &Path) -> std::io::Result<Self> {
        tempfile::Builder::new().prefix(TEMP_PREFIX).tempfile_in(dir).map(|tmp| AtomicFile { tmp })
    }

    /// The temporary file's own path, until it is persisted.
    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    pub fn file_mut(&mut self) -> &mut File {
        self.tmp.as_file_mut()
    }

    /// fdatasync (the bytes and the size needed to read them; a new file's other metadata needs no
    /// flush), then rename over `target`. The new name is durable once the directory is fsynced:
    /// the caller does that, once for several files, or calls [`AtomicFile::persist_durably`].
    pub fn persist(self, target: &Path) -> Result<()> {
        self.tmp.as_file().sync_data().map_err(|e| Error::io(e, "fsync", target))?;
        self.tmp.persist(target).map_err(|e| Error::io(e.error, "rename", target))?;
        Ok(())
    }

    /// [`AtomicFile::persist`], then fsyncs `dir`, the directory holding `target`.
    pub fn persist_durably(self, target: &Path, dir: &Path) -> Result<()> {
        self.persist(target)?;
        sync_dir(dir)
    }
}
