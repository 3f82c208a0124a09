//! Where both binaries start: C's `main`, in place of Rust's runtime start.
//!
//! Rust's start finds the main thread's stack in `/proc/self/maps` and sets up an alternate
//! signal stack, both only to print "has overflowed its stack" if it ever does; that took a
//! one-shot publish about 0.15 ms of its 2.5 ms at each start. The tools do not recurse on
//! input (serde_json, the one parser that could, stops at 128 levels), so they start at C's
//! `main` ([`main!`], with `#![no_main]`) and do here what of the runtime's start they need:
//!
//! - standard input, output and error that the caller closed are opened on `/dev/null`, so
//!   that the first socket or file the tool opens cannot become its stdout;
//! - the allocator keeps freed memory for the next message (`heap.rs`);
//! - SIGPIPE is ignored, so that writing to a closed pipe is an error the tool handles
//!   (`rsub | head -1` exits 0 by choice, see `Fail::output_closed`), not a silent death;
//! - the exit goes through [`std::process::exit`], which flushes stdout as a return from
//!   Rust's `main` would.
//!
//! What is lost is the overflow message: a stack overflow ends with SIGSEGV alone.

use std::ffi::c_int;

use crate::exit::Exit;

/// The binary's entry point: `rpubsub_core::main!(tool)` in a crate marked
/// `#![cfg_attr(not(test), no_main)]`, where `tool` is a `fn() -> Exit`. It also defines the
/// C maths functions the dependencies call there (see `process/libm.rs`): in the binary's
/// own code, the linker is sure to see them before any library. Under `cargo test` the test harness brings its own `main`, and the
/// tool is only named (not dead code).
#[macro_export]
macro_rules! main {
    ($tool:path) => {
        #[cfg(not(test))]
        #[no_mangle]
        extern "C" fn main(
            _argc: ::std::ffi::c_int,
            _argv: *const *const ::std::ffi::c_char,
        ) -> ::std::ffi::c_int {
            $crate::process::entry::run($tool)
        }

        #[cfg(all(not(test), target_os = "linux", target_env = "gnu"))]
        #[no_mangle]
        extern "C" fn pow(x: f64, y: f64) -> f64 {
            $crate::process::libm::pow(x, y)
        }

        #[cfg(all(not(test), target_os = "linux", target_env = "gnu"))]
        #[no_mangle]
        extern "C" fn log2(x: f64) -> f64 {
            $crate::process::libm::log2(x)
        }

        #[cfg(test)]
        const _: fn() -> $crate::exit::Exit = $tool;
    };
}

/// Prepare the process, run the tool, and exit with its status.
pub fn run(tool: fn() -> Exit) -> c_int {
    if !open_standard_descriptors() {
        // Not even /dev/null could be opened: nothing can be said, and nothing was done.
        return c_int::from(Exit::Failure.code());
    }
    ignore_sigpipe();
    super::heap::keep_freed_memory();
    let exit = tool();
    std::process::exit(c_int::from(exit.code()))
}

/// Open `/dev/null` on each of descriptors 0, 1 and 2 that is closed, as Rust's runtime does:
/// one `poll` tells which are. False if one is closed and cannot be opened.
fn open_standard_descriptors() -> bool {
    let mut fds = [0, 1, 2].map(|fd| libc::pollfd {
        fd,
        events: 0,
        revents: 0,
    });
    loop {
        // SAFETY: `fds` is a valid array of three pollfd, and a zero timeout never blocks.
        let ready = unsafe { libc::poll(fds.as_mut_ptr(), 3, 0) };
        if ready >= 0 {
            break;
        }
        if std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            // poll itself failed (out of memory): assume the descriptors are open, as Rust's
            // runtime falls back to when it cannot tell either.
            return true;
        }
    }
    fds.iter()
        .filter(|fd| fd.revents & libc::POLLNVAL != 0)
        .all(|_| {
            // SAFETY: a constant NUL-terminated path. open returns the lowest closed
            // descriptor, which is the one found closed (the lower ones are open by now).
            unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) >= 0 }
        })
}

/// Writes to a closed pipe fail with EPIPE instead of killing the process.
fn ignore_sigpipe() {
    // SAFETY: setting a signal's disposition to SIG_IGN, before any thread exists.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
}
