//! The upload queue on disk: one empty marker file per item still to be verified remote, named by
//! the item (a blob's hash, a day). A marker is made before the call that wrote the item returns,
//! so an acknowledged write is queued even if the process is killed next; it is removed only after
//! the item's upload was verified. The folder is bookkeeping: deleted, the next `remote push`
//! (which compares local and remote listings) queues what is missing again.

use crate::core::durable_fs::create_dirs;
use crate::core::{Error, Result};
use std::fs::{self, OpenOptions};
use std::path::PathBuf;

pub struct Queue {
    dir: PathBuf,
}

impl Queue {
    pub fn new(dir: PathBuf) -> Queue {
        Queue { dir }
    }

    /// Queues `name` (again: a second marker for the same item is the same file).
    pub fn add(&self, name: &str) -> Result<()> {
        let path = self.dir.join(name);
        let create = || OpenOptions::new().write(true).create(true).truncate(false).open(&path);
        match create() {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                create_dirs(&self.dir)?;
                create().map(|_| ()).map_err(|e| Error::io(e, "open", &path))
            }
            Err(e) => Err(Error::io(e, "open", &path)),
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.dir.join(name).exists()
    }

    pub fn remove(&self, name: &str) -> Result<()> {
        let path = self.dir.join(name);
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(e, "unlink", &path)),
        }
    }

    /// The queued names, sorted (so uploads go oldest day first).
    pub fn list(&self) -> Result<Vec<String>> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io(e, "scandir", &self.dir)),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(e, "scandir", &self.dir))?;
            if let Some(n) = entry.file_name().to_str() {
                if !n.starts_with('.') {
                    names.push(n.to_owned());
                }
            }
        }
        names.sort_unstable();
        Ok(names)
    }
}
