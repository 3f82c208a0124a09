//! Standard output as the bare descriptor, under the output's own buffer.
//!
//! `std::io::Stdout` is line-buffered: every write to it searches the bytes for their last
//! newline, byte by byte, and keeps what follows it back in a second buffer. The output
//! buffers whole messages itself and flushes when no more are waiting, so that search only
//! cost time: about one instruction per byte received, 230 million for 3,125 messages of
//! 64 KiB (a payload that large bypasses the output buffer and went through the search
//! whole), which made rsub's CPU a third more than mosquitto_sub's there.

use std::fs::File;
use std::io::{self, IoSlice, Write};
use std::mem::ManuallyDrop;
use std::os::fd::FromRawFd;

/// Descriptor 1, written to directly. Only the output writes to it while a subscription
/// runs (`--help`, `--print-config` and `--generate` go through std's stdout, and exit).
pub struct Stdout(ManuallyDrop<File>);

impl Stdout {
    pub fn new() -> Stdout {
        // SAFETY: descriptor 1 is open for the whole process (process/entry.rs opens
        // /dev/null on it if the caller closed it), and ManuallyDrop never closes it.
        Stdout(ManuallyDrop::new(unsafe { File::from_raw_fd(1) }))
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.0.write_vectored(bufs)
    }

    fn flush(&mut self) -> io::Result<()> {
        // Nothing is held here: every write went to the descriptor.
        Ok(())
    }
}
