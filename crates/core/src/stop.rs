//! Ctrl+C and SIGTERM. The first asks the tool to stop cleanly (a short wait for what is in
//! flight, DISCONNECT, `--stats`); a second one ends the process at once. Either way the
//! process then dies of the signal it got ([`die_of_signal`]), as well-behaved Unix tools
//! do: the shell reports 130 for SIGINT and 143 for SIGTERM, and a shell loop around the
//! tool stops on Ctrl+C.
//!
//! The signals are watched on a thread of their own, which also ends the process if the clean
//! stop does not come in time ([`BACKSTOP`]): a start-up read that blocks the runtime
//! (`--cafile` naming a FIFO) cannot keep a signal from ending the tool.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::Duration;

use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::watch;

use crate::exit::{Exit, Fail};

/// The first stop signal that arrived (0: none).
static RECEIVED: AtomicI32 = AtomicI32::new(0);

/// The connection is up: a clean stop may take up to [`BACKSTOP`], not [`BACKSTOP_STARTING`].
static CONNECTED: AtomicBool = AtomicBool::new(false);

/// After the first signal, the longest a clean stop may take before the process ends anyway.
/// The tools' own limits (waiting for acknowledgements, DISCONNECT) stay well below it.
const BACKSTOP: Duration = Duration::from_secs(3);

/// The same before the connection is up: nothing was sent, so there is nothing to finish.
const BACKSTOP_STARTING: Duration = Duration::from_millis(500);

/// A stop request, shared by whatever wants to notice it.
#[derive(Clone)]
pub struct Stop {
    rx: watch::Receiver<bool>,
}

impl Stop {
    /// Install the handlers, on their own thread.
    ///
    /// SIGINT and SIGTERM are held back on the calling thread (and on the threads it starts
    /// later) and let through only on the signal thread once its handlers are in: a signal
    /// that comes while that thread starts waits for it rather than killing the process with
    /// the default action, and the caller does not wait for the thread to start (that
    /// hand-over cost a one-shot publish about a millisecond: waking the other core).
    pub fn install() -> Result<Stop, Fail> {
        let (tx, rx) = watch::channel(false);
        mask(libc::SIG_BLOCK, &[libc::SIGINT, libc::SIGTERM]);
        let spawned = std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || watch_signals(tx));
        if let Err(e) = spawned {
            mask(libc::SIG_UNBLOCK, &[libc::SIGINT, libc::SIGTERM]);
            return Err(Fail::new(
                Exit::Failure,
                format!("cannot watch for Ctrl+C: {}", crate::io_error_text(&e)),
            ));
        }
        Ok(Stop { rx })
    }

    /// The connection is up: a clean stop may take longer from now on (it sends DISCONNECT).
    pub fn connected(&self) {
        CONNECTED.store(true, Ordering::SeqCst);
    }

    /// Has a stop been asked for?
    pub fn requested(&self) -> bool {
        *self.rx.borrow()
    }

    /// Wait until a stop is asked for (at once if it already was).
    pub async fn wait(&mut self) {
        // An error means the handler thread ended, which only happens at process exit.
        let _ = self.rx.wait_for(|stop| *stop).await;
    }
}

/// The signal thread: a runtime of its own that only waits for SIGINT and SIGTERM. Should
/// it fail to start, the signals are let through here with their default action (death by
/// the signal, the same status), after one line saying so.
fn watch_signals(tx: watch::Sender<bool>) {
    let cannot = |e: std::io::Error| {
        crate::cli::warning(format_args!(
            "cannot watch for Ctrl+C: {}",
            crate::io_error_text(&e)
        ));
        mask(libc::SIG_UNBLOCK, &[libc::SIGINT, libc::SIGTERM]);
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return cannot(e),
    };
    runtime.block_on(async move {
        let handlers =
            signal(SignalKind::interrupt()).and_then(|i| Ok((i, signal(SignalKind::terminate())?)));
        let (mut interrupt, mut terminate) = match handlers {
            Ok(h) => h,
            Err(e) => return cannot(e),
        };
        // The handlers are in: what was held back (and all that comes later) arrives here.
        mask(libc::SIG_UNBLOCK, &[libc::SIGINT, libc::SIGTERM]);
        let got = tokio::select! {
            _ = interrupt.recv() => libc::SIGINT,
            _ = terminate.recv() => libc::SIGTERM,
        };
        RECEIVED.store(got, Ordering::SeqCst);
        let _ = tx.send(true);
        let backstop = if CONNECTED.load(Ordering::SeqCst) {
            BACKSTOP
        } else {
            BACKSTOP_STARTING
        };
        // A second signal, or a clean stop that does not come: end it now.
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
            () = tokio::time::sleep(backstop) => {}
        }
        die_of_signal();
    });
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
    if got == 0 {
        return;
    }
    // SAFETY: resetting a handler to its default and raising a signal touch no Rust state;
    // the default action of SIGINT and SIGTERM ends the process here.
    unsafe {
        libc::signal(got, libc::SIG_DFL);
    }
    // Held back on every thread but the signal thread: let it through on this one.
    mask(libc::SIG_UNBLOCK, &[got]);
    // SAFETY: as above.
    unsafe {
        libc::raise(got);
    }
    // Not reached; should the signal somehow be blocked, exit with the status a shell shows.
    std::process::exit(128 + got);
}

/// Hold back (`libc::SIG_BLOCK`) or let through (`libc::SIG_UNBLOCK`) `signals` on the
/// calling thread.
fn mask(how: libc::c_int, signals: &[libc::c_int]) {
    // SAFETY: a signal set on the stack, filled by libc and handed to pthread_sigmask, which
    // changes only the calling thread's mask.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for &signal in signals {
            libc::sigaddset(&mut set, signal);
        }
        libc::pthread_sigmask(how, &set, std::ptr::null_mut());
    }
}
