//! Exit codes: the one table both tools share, and the error type that carries a code.
//!
//! Scripts branch on these numbers, so they are part of the interface: README, `--help`
//! and the man pages print [`TABLE`], and a cause maps to the same code in rpub and rsub.

use std::fmt;
use std::io;

/// Why a tool ended. The discriminant is the process exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Exit {
    /// Everything asked for was done.
    Ok = 0,
    /// A failure not covered below (reading input, writing output).
    Failure = 1,
    /// Bad arguments or input: nothing was sent.
    Usage = 2,
    /// The broker could not be reached: nothing listening, name not resolved, timed out.
    Unreachable = 3,
    /// The broker refused the connection (bad username or password, not authorized...).
    Refused = 4,
    /// TLS handshake or certificate failure.
    Tls = 5,
    /// The connection dropped after it was established, or the session ended on the broker's
    /// protocol error; some work was not done.
    ConnectionLost = 6,
    /// The broker rejected a subscription or a publish (SUBACK, PUBACK or PUBREC reason code).
    Rejected = 7,
    /// `rsub --check-seq`: a stamped sequence had a gap; messages were lost on the way.
    Missing = 8,
    /// `rsub -W` ran out before its exit condition was met (27, as mosquitto_sub), or
    /// `rpub --wait-response` got no answer in time.
    Timeout = 27,
    /// Stopped by SIGINT or SIGTERM, after a clean DISCONNECT. The process then dies of the
    /// signal itself (see `stop`), so a shell reports 130 for SIGINT and 143 for SIGTERM;
    /// this status is what is left when that cannot be done.
    Interrupted = 130,
}

/// Every exit status with its meaning, in the order documentation shows them.
pub const TABLE: &[(Exit, &str)] = &[
    (Exit::Ok, "success"),
    (
        Exit::Failure,
        "other failure (reading input, writing output)",
    ),
    (Exit::Usage, "bad arguments or input; nothing was sent"),
    (
        Exit::Unreachable,
        "broker unreachable: nothing listening, name not resolved, timed out",
    ),
    (
        Exit::Refused,
        "connection refused by the broker (credentials, authorization, client id)",
    ),
    (Exit::Tls, "TLS failure"),
    (
        Exit::ConnectionLost,
        "connection lost after connecting, or the broker broke the protocol; work left undone",
    ),
    (
        Exit::Rejected,
        "the broker rejected a subscription or a publish",
    ),
    (
        Exit::Missing,
        "rsub --check-seq: stamped messages missing (a gap in a sequence)",
    ),
    (
        Exit::Timeout,
        "timed out: rsub -W, or no answer to rpub --wait-response",
    ),
    (
        Exit::Interrupted,
        "stopped by a signal after a clean disconnect: the shell shows 130 for SIGINT (Ctrl+C), 143 for SIGTERM",
    ),
];

impl Exit {
    /// The process exit status.
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// The exit code table as help text, for `--help` (after_help) and the man pages.
pub fn table_text() -> String {
    let mut text = String::from("Exit status:\n");
    for (exit, meaning) in TABLE {
        text.push_str(&format!("  {:>3}  {meaning}\n", exit.code()));
    }
    text
}

/// An error that knows its exit status: the one error type of both tools, from the session
/// up to `main` ([`crate::cli::run`] prints it as one line and exits with [`Fail::exit`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fail {
    pub exit: Exit,
    pub message: String,
    /// Set only by [`Fail::output_closed`]: the reader of stdout went away.
    closed: bool,
}

impl Fail {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Fail {
            exit,
            message: message.into(),
            closed: false,
        }
    }

    /// Bad arguments or input.
    pub fn usage(message: impl Into<String>) -> Self {
        Fail::new(Exit::Usage, message)
    }

    /// The reader of stdout closed it (`rsub ... | head -1`): a normal way to say "enough",
    /// so it ends the run with exit 0 and no message.
    pub fn output_closed() -> Self {
        Fail {
            closed: true,
            ..Fail::new(Exit::Ok, "output closed")
        }
    }

    /// Is this [`Fail::output_closed`]? Then nothing is printed.
    pub fn is_output_closed(&self) -> bool {
        self.closed
    }

    /// Writing to stdout failed: the broken-pipe rule of both tools in one place. A closed
    /// pipe is [`Fail::output_closed`]; anything else (a full disk, say) exits 1.
    pub fn writing_output(err: &io::Error) -> Self {
        if err.kind() == io::ErrorKind::BrokenPipe {
            Fail::output_closed()
        } else {
            Fail::new(
                Exit::Failure,
                format!("writing output: {}", crate::io_error_text(err)),
            )
        }
    }
}

impl fmt::Display for Fail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Fail {}

/// For code that still returns `anyhow::Result` (the session, `--print-config`): the [`Fail`]
/// in the error's chain gives the exit status, else [`Exit::Failure`]; the message is the
/// whole chain on one line. A closed stdout anywhere in the chain is [`Fail::output_closed`].
impl From<anyhow::Error> for Fail {
    fn from(err: anyhow::Error) -> Self {
        let broken_pipe = err.chain().any(|e| {
            e.downcast_ref::<io::Error>()
                .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
        });
        if broken_pipe {
            return Fail::output_closed();
        }
        let exit = err
            .chain()
            .find_map(|e| e.downcast_ref::<Fail>())
            .map_or(Exit::Failure, |f| f.exit);
        Fail::new(exit, format!("{err:#}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_pipe_is_told_by_data_not_text() {
        let closed = Fail::writing_output(&io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(closed.is_output_closed());
        assert_eq!(closed.exit, Exit::Ok);
        assert!(!Fail::new(Exit::Ok, "output closed").is_output_closed());

        let full = Fail::writing_output(&io::Error::from_raw_os_error(28));
        assert!(!full.is_output_closed());
        assert_eq!(full.exit, Exit::Failure);
        assert_eq!(full.message, "writing output: No space left on device");
    }

    #[test]
    fn an_anyhow_error_keeps_its_exit_status_and_whole_chain() {
        let inner = anyhow::Error::from(Fail::new(Exit::Refused, "not authorized"));
        let fail = Fail::from(inner.context("connecting"));
        assert_eq!(fail.exit, Exit::Refused);
        assert_eq!(fail.message, "connecting: not authorized");

        let plain = Fail::from(anyhow::anyhow!("something else"));
        assert_eq!(plain.exit, Exit::Failure);

        let pipe = anyhow::Error::from(io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(Fail::from(pipe.context("writing output")).is_output_closed());
    }

    #[test]
    fn the_table_lists_every_status_once() {
        let codes: Vec<u8> = TABLE.iter().map(|(exit, _)| exit.code()).collect();
        assert_eq!(codes, [0, 1, 2, 3, 4, 5, 6, 7, 8, 27, 130]);
        assert!(table_text().contains("  130  stopped by a signal"));
    }
}
