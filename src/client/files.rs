//! The small text files the client keeps (settings, certificate pins): read
//! with a size bound, written whole through a temporary file.

use std::fs;
use std::io::{self, Read, Write};
use std::path::Path;

/// Why a small file could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// Larger than the bound: not the file it should be.
    TooBig,
    Io(io::Error),
}

/// The text of `path`, `None` when there is no such file. At most `max`
/// bytes are read, however large the file is (or grows while being read).
pub fn read_small(path: &Path, max: u64) -> Result<Option<String>, ReadError> {
    let file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(ReadError::Io(e)),
    };
    let mut bytes = Vec::new();
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    // The size first: a big binary file is the wrong file, not a bad one.
    if bytes.len() as u64 > max {
        return Err(ReadError::TooBig);
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|e| ReadError::Io(io::Error::new(io::ErrorKind::InvalidData, e)))
}

/// Replaces `path` with `text`, creating its folder: written and synced to
/// `<path>.tmp` first, then renamed over it, so that a crash or a full disk
/// leaves the old file rather than half a new one.
pub fn write_whole(path: &Path, text: &str) -> io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let mut file = fs::File::create(&tmp)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    drop(file);
    fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("banter-files-{}", std::process::id()));
        dir.join(name)
    }

    #[test]
    fn written_whole_then_read_back_within_the_bound() {
        let path = temp("sub/a.txt");
        assert!(matches!(read_small(&path, 10), Ok(None)));
        write_whole(&path, "hello").unwrap();
        assert_eq!(read_small(&path, 5).unwrap().as_deref(), Some("hello"));
        assert!(matches!(read_small(&path, 4), Err(ReadError::TooBig)));
        write_whole(&path, "again").unwrap();
        assert_eq!(read_small(&path, 5).unwrap().as_deref(), Some("again"));
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        assert!(!Path::new(&tmp).exists(), "the temporary file is renamed");
        fs::write(&path, [0xff, 0xfe]).unwrap();
        assert!(matches!(read_small(&path, 5), Err(ReadError::Io(_))));
        fs::write(&path, [0xff; 6]).unwrap();
        assert!(matches!(read_small(&path, 5), Err(ReadError::TooBig)));
        let _ = fs::remove_dir_all(path.parent().unwrap().parent().unwrap());
    }
}
