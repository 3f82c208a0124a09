//! Reading a file the user named, never more than it may hold: a certificate, key, password
//! or config file is small, and `/dev/zero` or a huge file named by mistake must end in one
//! clear line, not in memory exhausted. A regular file's size is known before reading, so one
//! over the limit is refused without reading it; anything else (a device, a pipe) is read up
//! to one byte past the limit.

use std::io::{self, Read};
use std::path::Path;

/// The most a certificate, CA bundle or key file may hold.
pub const PEM_LIMIT: u64 = 16 << 20;

/// Every byte of `path`, or an error (its text says why) when it holds more than `limit`.
pub fn read(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if meta.is_file() && meta.len() > limit {
        return Err(too_large(limit));
    }
    let mut bytes = Vec::new();
    // `limit` is a few MiB at most here or fits in memory by construction (rpub's payload).
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(limit));
    }
    Ok(bytes)
}

/// As [`read`], as text.
pub fn read_to_string(path: &Path, limit: u64) -> io::Result<String> {
    String::from_utf8(read(path, limit)?).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )
    })
}

/// The error of an input over `limit` bytes.
pub fn too_large(limit: u64) -> io::Error {
    io::Error::other(format!("more than {limit} bytes, the most it may hold"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_is_read_only_to_the_limit() {
        let err = read(Path::new("/dev/zero"), 1000).unwrap_err();
        assert_eq!(
            err.to_string(),
            "more than 1000 bytes, the most it may hold"
        );
        assert_eq!(read(Path::new("/dev/null"), 10).unwrap(), b"");
    }

    #[test]
    fn a_file_over_the_limit_is_refused_by_its_size() {
        let path = std::env::temp_dir().join(format!("read-limited-{}", std::process::id()));
        std::fs::write(&path, b"12345").unwrap();
        let refused = read(&path, 4);
        let read_all = read(&path, 5);
        let text = read_to_string(&path, 5);
        let _ = std::fs::remove_file(&path);
        assert!(refused.is_err());
        assert_eq!(read_all.unwrap(), b"12345");
        assert_eq!(text.unwrap(), "12345");
    }
}
