//! Ctrl+C and SIGTERM. The first asks the tool to stop cleanly (a short wait for what is in
//! flight, DISCONNECT, `--stats`); a second one ends the process at once. Either way the
//! process then dies of the signal it got first ([`die_of_signal`]), as well-behaved Unix
//! tools do: the shell reports 130 for SIGINT and 143 for SIGTERM, and a shell loop around
//! the tool stops on Ctrl+C.
//!
//! The handlers are plain `sigaction` handlers, with no thread and no runtime of their own
//! (those cost a one-shot publish a clone, a second epoll, a timer wheel and tokio's signal
//! driver, every time, for a signal that almost never comes). A handler may only do what is
//! async-signal-safe, so on the first signal it records which one came, arms the backstop
//! and writes one byte to a pipe; [`Stop::wait`] watches that pipe on the tools' runtime, and
//! until a signal comes the pipe costs nothing but its registration. A second signal puts
//! the default action back and raises the first one again, there and then.
//!
//! The backstop ends the process if the clean stop does not come in time (`BACKSTOP`): a
//! timer (`setitimer`) whose SIGALRM does what a second signal would. It runs in the kernel,
//! so a start-up read that blocks the runtime's only thread (`--cafile` naming a FIFO)
//! cannot keep a signal from ending the tool. Nothing else in the tools uses SIGALRM.
//!
//! The handlers go in when the tools start connecting ([`Stop::install`], from `start.rs`);
//! before that a signal has its default action, as it always had: nothing was sent yet. From
//! then on none is lost: each handler goes in with one `sigaction`, and the signal is
//! recorded before anything else, so a [`Stop::wait`] that starts later sees it at once.
//!
//! Written for Linux, where the tools are built and tested: `pipe2`, and `errno` found by its
//! glibc/musl name.

use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::Duration;

use tokio::io::unix::AsyncFd;

/// The first stop signal that arrived (0: none). Set by the handler, first of all it does.
static RECEIVED: AtomicI32 = AtomicI32::new(0);

/// The connection is up: a clean stop may take up to [`BACKSTOP`], not [`BACKSTOP_STARTING`].
static CONNECTED: AtomicBool = AtomicBool::new(false);

/// The pipe's end the handler writes its byte to (-1: none yet). Both ends stay open until
/// the process ends, so that a handler never writes to a closed or reused descriptor.
static WAKE: AtomicI32 = AtomicI32::new(-1);

/// After the first signal, the longest a clean stop may take before the process ends anyway.
/// The tools' own limits (waiting for acknowledgements, DISCONNECT) stay well below it.
const BACKSTOP: Duration = Duration::from_secs(3);

/// The same before the connection is up: nothing was sent, so there is nothing to finish.
const BACKSTOP_STARTING: Duration = Duration::from_millis(500);

/// The signals that ask for a stop.
const STOP_SIGNALS: [libc::c_int; 2] = [libc::SIGINT, libc::SIGTERM];

/// A stop request, shared by whatever wants to notice it.
#[derive(Clone)]
pub struct Stop {
    /// The pipe's reading end, registered with the runtime for the rest of the process, as
    /// the pipe itself (at exit, one system call fewer for the runtime to undo); `None` when
    /// the handlers could not go in (the signals then keep their default action, and no stop
    /// is ever asked for).
    woken: Option<&'static AsyncFd<Descriptor>>,
}

/// A descriptor lent to the runtime, which it must not close (see [`WAKE`]).
struct Descriptor(RawFd);

impl AsRawFd for Descriptor {
    fn as_raw_fd(&self) -> RawFd {
        self.0
    }
}

impl Stop {
    /// Install the handlers; once per process, from the tools' runtime (the pipe is
    /// registered with it). Should that fail, one line says so and the signals keep their
    /// default action: death by the signal, the same status, without the clean stop.
    pub fn install() -> Stop {
        match watch() {
            Ok(woken) => Stop {
                woken: Some(Box::leak(Box::new(woken))),
            },
            Err(e) => {
                crate::cli::warning(format_args!(
                    "cannot watch for Ctrl+C: {}",
                    crate::io_error_text(&e)
                ));
                Stop { woken: None }
            }
        }
    }

    /// The connection is up: a clean stop may take longer from now on (it sends DISCONNECT).
    pub fn connected(&self) {
        CONNECTED.store(true, Ordering::SeqCst);
    }

    /// Has a stop been asked for?
    pub fn requested(&self) -> bool {
        RECEIVED.load(Ordering::SeqCst) != 0
    }

    /// Wait until a stop is asked for (at once if it already was).
    pub async fn wait(&mut self) {
        let Some(woken) = self.woken else {
            return std::future::pending().await;
        };
        // The byte is never read: the pipe stays readable, so every clone's wait (one per
        // client of a load run) sees it, however many there are and whenever they look.
        while !self.requested() {
            match woken.readable().await {
                Ok(mut ready) if !self.requested() => ready.clear_ready(),
                Ok(_) => {}
                // Only when the runtime is shutting down: nothing waits any more.
                Err(_) => return std::future::pending().await,
            }
        }
    }
}

/// The pipe, registered with the runtime, then the handlers. The handlers go in last, with
/// one `sigaction` each: a signal finds either the default action or a handler with all it
/// needs, never half of it.
fn watch() -> std::io::Result<AsyncFd<Descriptor>> {
    let mut ends = [-1; 2];
    // SAFETY: pipe2 fills the two descriptors of an array of two.
    if unsafe { libc::pipe2(ends.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let [read, write] = ends;
    let close = || {
        // SAFETY: the two descriptors were just made here and nothing else has them.
        unsafe {
            libc::close(read);
            libc::close(write);
        }
    };
    // SAFETY: the descriptor stays open, the same pipe, as long as the process (see WAKE).
    let registered =
        unsafe { AsyncFd::register_with_interest(Descriptor(read), tokio::io::Interest::READABLE) };
    let woken = registered
        .map_err(std::io::Error::from)
        .inspect_err(|_| close())?;
    WAKE.store(write, Ordering::SeqCst);
    for (done, &signal) in STOP_SIGNALS.iter().enumerate() {
        if let Err(e) = handle(signal, on_stop_signal) {
            for &earlier in &STOP_SIGNALS[..done] {
                // SAFETY: putting back the default action touches no Rust state.
                unsafe { libc::signal(earlier, libc::SIG_DFL) };
            }
            WAKE.store(-1, Ordering::SeqCst);
            drop(woken);
            close();
            return Err(e);
        }
    }
    Ok(woken)
}

/// Let `handler` take `signal`, with the other stop signals and SIGALRM held back while it
/// runs (a handler is never interrupted by another of these) and interrupted reads restarted
/// (the code they interrupt does not see `EINTR`).
fn handle(signal: libc::c_int, handler: extern "C" fn(libc::c_int)) -> std::io::Result<()> {
    // SAFETY: a zeroed sigaction is a valid one to fill in; the signal set is filled by libc
    // before sigaction reads it, and `handler` is a function that lives as long as the
    // process and does only what a signal handler may.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = handler as libc::sighandler_t;
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        for held in [libc::SIGINT, libc::SIGTERM, libc::SIGALRM] {
            libc::sigaddset(&mut action.sa_mask, held);
        }
        if libc::sigaction(signal, &action, std::ptr::null_mut()) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// SIGINT's and SIGTERM's handler. Only async-signal-safe calls: atomics, `sigaction`,
/// `setitimer`, `write`, `raise`; `errno` is put back as it was for the code it interrupted.
extern "C" fn on_stop_signal(signal: libc::c_int) {
    if RECEIVED
        .compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst)
        .is_err()
    {
        // The second one: no more waiting.
        die_now(RECEIVED.load(Ordering::SeqCst));
    }
    // SAFETY: errno is this thread's; reading and restoring it is what keeps the
    // interrupted code's view of its last failure intact.
    let errno = unsafe { *libc::__errno_location() };
    let backstop = if CONNECTED.load(Ordering::SeqCst) {
        BACKSTOP
    } else {
        BACKSTOP_STARTING
    };
    if handle(libc::SIGALRM, on_backstop).is_ok() {
        arm(backstop);
    }
    let wake = WAKE.load(Ordering::SeqCst);
    if wake >= 0 {
        // SAFETY: one byte from the stack to a descriptor that stays open (see WAKE); a
        // failure (the pipe full, which one byte cannot make it) changes nothing.
        unsafe { libc::write(wake, [1u8].as_ptr().cast(), 1) };
    }
    // SAFETY: as above.
    unsafe { *libc::__errno_location() = errno };
}

/// SIGALRM's handler, once a stop signal armed the timer: the clean stop took too long.
extern "C" fn on_backstop(_: libc::c_int) {
    die_now(RECEIVED.load(Ordering::SeqCst));
}

/// Deliver SIGALRM once, `after` from now. `setitimer` is not on POSIX's list of
/// async-signal-safe functions only because POSIX marks it obsolescent; on Linux it is a
/// single system call that takes no lock, as `timer_settime` (listed) is.
fn arm(after: Duration) {
    let value = libc::timeval {
        tv_sec: after.as_secs() as libc::time_t,
        tv_usec: after.subsec_micros() as libc::suseconds_t,
    };
    let once = libc::itimerval {
        it_interval: libc::timeval {
            tv_sec: 0,
            tv_usec: 0,
        },
        it_value: value,
    };
    // SAFETY: a timer value on the stack; the old value is not asked for.
    unsafe { libc::setitimer(libc::ITIMER_REAL, &once, std::ptr::null_mut()) };
}

/// The stop signal that arrived first, by name, for messages (`None` if none did).
pub fn received() -> Option<&'static str> {
    match RECEIVED.load(Ordering::SeqCst) {
        libc::SIGINT => Some("SIGINT"),
        libc::SIGTERM => Some("SIGTERM"),
        _ => None,
    }
}

/// If a stop signal arrived, end the process by it: restore its default action and raise it
/// again, so that the parent sees death by that signal. Returns only when none arrived.
pub fn die_of_signal() {
    let got = RECEIVED.load(Ordering::SeqCst);
    if got != 0 {
        die_now(got);
    }
}

/// End the process by `signal`, with its default action. Called from the handlers too, so
/// only async-signal-safe calls.
fn die_now(signal: libc::c_int) -> ! {
    // SAFETY: putting back a default action, changing this thread's signal mask and raising
    // a signal touch no Rust state; the default action of SIGINT and SIGTERM ends the
    // process at the raise.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
        // Inside a handler the stop signals are held back: let this one through.
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, signal);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::raise(signal);
        // Not reached; should the signal somehow not end it, exit with the status a shell
        // shows.
        libc::_exit(128 + signal)
    }
}
