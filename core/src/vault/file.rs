//! Files: reading a vault, replacing it atomically, and the process lock.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use super::VaultError;
use super::crypto::random_array;
use super::format::MAX_FILE_LEN;

/// The steps of an atomic write, in order. Tests make each one fail in turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WriteStep {
    /// Creating the temporary file next to the vault.
    CreateTemp,
    /// Writing the new bytes (the failure happens before any byte is written).
    Write,
    /// Writing: half the bytes reach the file, then the write fails.
    PartialWrite,
    /// `fsync` of the temporary file.
    Sync,
    /// Renaming the temporary file over the vault.
    Rename,
    /// `fsync` of the directory, after the rename.
    SyncDir,
}

impl WriteStep {
    /// Every step, in order.
    #[cfg(test)]
    pub(crate) const ALL: [WriteStep; 6] = [
        WriteStep::CreateTemp,
        WriteStep::Write,
        WriteStep::PartialWrite,
        WriteStep::Sync,
        WriteStep::Rename,
        WriteStep::SyncDir,
    ];
}

/// Reads a whole vault file (at most `MAX_FILE_LEN` bytes are accepted).
pub(crate) fn read(path: &Path) -> Result<Vec<u8>, VaultError> {
    let file = File::open(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => VaultError::NotFound(path.to_owned()),
        _ => io_error("open", path, e),
    })?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_LEN as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_error("read", path, e))?;
    Ok(bytes)
}

/// Whether anything exists at `path`, a symbolic link (even a dangling one) included.
pub(crate) fn exists(path: &Path) -> Result<bool, VaultError> {
    match fs::symlink_metadata(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(io_error("check", path, e)),
    }
}

/// The real file behind the vault path of an existing vault: symbolic links
/// are resolved once, when the vault is opened, so that every write (the
/// temporary file, the rename, the lock) happens next to the real file and
/// the link stays a link. Two paths to one vault then share one lock.
pub(crate) fn resolve_existing(path: &Path) -> Result<PathBuf, VaultError> {
    fs::canonicalize(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => VaultError::NotFound(path.to_owned()),
        _ => io_error("resolve", path, e),
    })
}

/// Where a new vault at `path` will be: its directory resolved, and
/// `AlreadyExists` if anything, a dangling symbolic link included, is there.
pub(crate) fn resolve_new(path: &Path) -> Result<PathBuf, VaultError> {
    if exists(path)? {
        return Err(VaultError::AlreadyExists(path.to_owned()));
    }
    let (dir, name) = split(path)?;
    let dir = fs::canonicalize(dir).map_err(|e| io_error("resolve", dir, e))?;
    Ok(dir.join(name))
}

/// Replaces the file at `path` with `bytes` so that a crash at any moment
/// leaves either the old or the new file: write a temporary file in the same
/// directory, `fsync` it, rename it over `path`, `fsync` the directory.
/// Call with the process lock held. `fail_at` injects a failure (tests).
pub(crate) fn write_atomic(
    path: &Path,
    bytes: &[u8],
    fail_at: Option<WriteStep>,
) -> Result<(), VaultError> {
    let fail = |step: WriteStep| -> io::Result<()> {
        if fail_at == Some(step) {
            Err(io::Error::other("injected failure"))
        } else {
            Ok(())
        }
    };
    let (dir, name) = split(path)?;
    let suffix: [u8; 8] = random_array().map_err(|_| VaultError::Crypto)?;
    let temp = dir.join(format!(
        "{}{}",
        temp_prefix(name),
        data_encoding::HEXLOWER.encode(&suffix)
    ));

    let mut file = fail(WriteStep::CreateTemp)
        .and_then(|()| create_new(&temp))
        .map_err(|e| io_error("create", &temp, e))?;
    let written = (|| {
        fail(WriteStep::Write)?;
        if fail_at == Some(WriteStep::PartialWrite) {
            file.write_all(&bytes[..bytes.len() / 2])?;
            fail(WriteStep::PartialWrite)?;
        }
        file.write_all(bytes)
    })()
    .map_err(|e| io_error("write", &temp, e))
    .and_then(|()| {
        fail(WriteStep::Sync)
            .and_then(|()| file.sync_all())
            .map_err(|e| io_error("sync", &temp, e))
    });
    drop(file);
    if let Err(e) = written {
        let _ = fs::remove_file(&temp);
        return Err(e);
    }
    if let Err(e) = fail(WriteStep::Rename).and_then(|()| fs::rename(&temp, path)) {
        let _ = fs::remove_file(&temp);
        return Err(io_error("replace", path, e));
    }
    fail(WriteStep::SyncDir)
        .and_then(|()| sync_dir(dir))
        .map_err(|e| io_error("sync the directory of", path, e))?;
    remove_stale_temps(dir, name);
    Ok(())
}

/// An exclusive lock across processes on `<vault>.lock`, released on drop.
/// The lock file itself is left in place: deleting it would race with a
/// process that has just opened it.
#[derive(Debug)]
pub(crate) struct ProcessLock {
    file: File,
}

impl ProcessLock {
    /// Waits for and takes the lock of the vault at `path`. The lock file is
    /// never reached through a symbolic link (see [`open_lock_file`]).
    pub(crate) fn acquire(path: &Path) -> Result<Self, VaultError> {
        let (dir, name) = split(path)?;
        let lock_path = dir.join(format!("{name}.lock"));
        let file = open_lock_file(&lock_path)?;
        file.lock().map_err(|e| io_error("lock", &lock_path, e))?;
        Ok(Self { file })
    }
}

impl Drop for ProcessLock {
    fn drop(&mut self) {
        // Closing the file releases the lock too; unlocking first is explicit.
        let _ = self.file.unlock();
    }
}

/// Opens (creating it if need be) the lock file without ever following a
/// symbolic link: a new one is made with `create_new` (`O_CREAT | O_EXCL`,
/// which refuses a link, even a dangling one); an existing one must be a
/// regular file, and after opening, the file opened must be the very file
/// that was checked (same device and inode), so a link swapped in between is
/// caught too. Anything else is [`VaultError::LockNotAFile`].
fn open_lock_file(lock_path: &Path) -> Result<File, VaultError> {
    match create_new(lock_path) {
        Ok(file) => return Ok(file),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io_error("create", lock_path, e)),
    }
    let not_a_file = || VaultError::LockNotAFile(lock_path.to_owned());
    let checked = fs::symlink_metadata(lock_path).map_err(|e| io_error("check", lock_path, e))?;
    if !checked.file_type().is_file() {
        return Err(not_a_file());
    }
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(lock_path)
        .map_err(|e| io_error("open", lock_path, e))?;
    let opened = file
        .metadata()
        .map_err(|e| io_error("check", lock_path, e))?;
    if !same_file(&checked, &opened) {
        return Err(not_a_file());
    }
    Ok(file)
}

#[cfg(unix)]
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino() && b.file_type().is_file()
}

#[cfg(not(unix))]
fn same_file(_checked: &fs::Metadata, opened: &fs::Metadata) -> bool {
    // Without inode numbers in std, check at least what was opened.
    opened.file_type().is_file()
}

/// The directory and file name of a vault path.
fn split(path: &Path) -> Result<(&Path, &str), VaultError> {
    let name = path.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
        io_error(
            "use",
            path,
            io::Error::new(io::ErrorKind::InvalidInput, "not a file name"),
        )
    })?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    Ok((dir, name))
}

/// Temporary files of the vault `name` are `.<name>.tmp-<16 hex digits>`.
fn temp_prefix(name: &str) -> String {
    format!(".{name}.tmp-")
}

fn create_new(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    // Windows has no directory fsync; `MoveFileEx` is durable enough there.
    Ok(())
}

/// Removes temporary files left by writers that were killed. Only called
/// with the lock held, when no other writer can be using one; best effort.
fn remove_stale_temps(dir: &Path, name: &str) {
    let prefix = temp_prefix(name);
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(&prefix))
        {
            let _ = fs::remove_file(entry.path());
        }
    }
}

fn io_error(op: &'static str, path: &Path, source: io::Error) -> VaultError {
    VaultError::Io {
        op,
        path: path.to_owned(),
        source,
    }
}

/// A path for test files: `<dir>/<name>` plus the file's temporary prefix.
#[cfg(test)]
pub(crate) fn temp_path_for_tests(path: &Path, suffix: &str) -> std::path::PathBuf {
    let (dir, name) = split(path).unwrap_or((Path::new("."), "vault"));
    dir.join(format!("{}{suffix}", temp_prefix(name)))
}
