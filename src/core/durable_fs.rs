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
