//! File helpers shared by every module that writes into the data dir: atomic writes and
//! owner-only permissions. Nothing here knows what the files mean.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// Who may read a file we write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Readable by everyone the directory allows (certificates, metadata).
    Public,
    /// Readable and writable by the current user only (private keys, tokens, secrets).
    OwnerOnly,
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename,
/// so a crash leaves either the old file or the new one, never half of either.
pub fn write_atomic(path: &Path, bytes: &[u8], access: Access) -> io::Result<()> {
    write_via_temp(path, bytes, access, true)
}

/// Like [`write_atomic`], without waiting for the disk: a crash of the process still
/// leaves the old file or the new one; a power cut may leave the old one, or a damaged
/// one the reader must replace. For state that is rewritten on every request.
pub fn replace_atomic(path: &Path, bytes: &[u8], access: Access) -> io::Result<()> {
    write_via_temp(path, bytes, access, false)
}

fn write_via_temp(path: &Path, bytes: &[u8], access: Access, durable: bool) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;

    let mut temp = tempfile_in(dir, access)?;
    temp.1.write_all(bytes)?;
    if durable {
        temp.1.sync_all()?;
    }
    drop(temp.1);

    if let Err(error) = fs::rename(&temp.0, path) {
        let _ = fs::remove_file(&temp.0);
        return Err(error);
    }
    Ok(())
}

/// Creates a directory (and its parents) that only the current user can enter.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    restrict(dir, 0o700)
}

/// Creates an empty owner-only file at `path` unless one is there, so that a library which
/// creates the file and its companions (SQLite's `-wal` and `-shm` take the main file's
/// permissions) never makes them readable by others, not even for a moment.
pub fn create_private_file(path: &Path) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    set_mode(&mut options, Access::OwnerOnly);
    options.open(path).map(drop)
}

/// Holds an exclusive lock on `path` (created if missing) until dropped; other processes
/// asking for the same lock wait.
pub fn lock_exclusive(path: &Path) -> io::Result<fs::File> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let mut options = fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    set_mode(&mut options, Access::OwnerOnly);
    let file = options.open(path)?;
    file.lock()?;
    Ok(file)
}

fn tempfile_in(dir: &Path, access: Access) -> io::Result<(std::path::PathBuf, fs::File)> {
    for attempt in 0..16u32 {
        let name = format!(
            ".tmp-{}-{}-{attempt}",
            std::process::id(),
            rand::random::<u32>()
        );
        let path = dir.join(name);
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        set_mode(&mut options, access);
        match options.open(&path) {
            Ok(file) => return Ok((path, file)),
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(error) => return Err(error),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "no free temporary file name",
    ))
}

#[cfg(unix)]
fn set_mode(options: &mut fs::OpenOptions, access: Access) {
    use std::os::unix::fs::OpenOptionsExt;
    options.mode(match access {
        Access::Public => 0o644,
        Access::OwnerOnly => 0o600,
    });
}

#[cfg(not(unix))]
fn set_mode(_options: &mut fs::OpenOptions, _access: Access) {}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _mode: u32) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_the_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        write_atomic(&path, b"one", Access::Public).unwrap();
        write_atomic(&path, b"two", Access::Public).unwrap();

        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn owner_only_files_are_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.pem");
        write_atomic(&path, b"secret", Access::OwnerOnly).unwrap();

        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
