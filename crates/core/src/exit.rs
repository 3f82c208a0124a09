//! Exit codes: the one table both tools share, and the error type that carries a code.
//!
//! Scripts branch on these numbers, so they are part of the interface: README, `--help`
//! and the man pages print [`TABLE`], and a cause maps to the same code in rpub and rsub.

use std::fmt;

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
    /// The connection dropped after it was established; some work was not done.
    ConnectionLost = 6,
    /// The broker rejected a subscription or a publish (SUBACK, PUBACK or PUBREC reason code).
    Rejected = 7,
    /// `rsub -W` ran out before its exit condition was met (27, as mosquitto_sub), or
    /// `rpub --wait-response` got no answer in time.
    Timeout = 27,
    /// Stopped by SIGINT or SIGTERM, after a clean DISCONNECT.
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
        "connection lost after connecting; work left undone",
    ),
    (
        Exit::Rejected,
        "the broker rejected a subscription or a publish",
    ),
    (
        Exit::Timeout,
        "timed out: rsub -W, or no answer to rpub --wait-response",
    ),
    (
        Exit::Interrupted,
        "interrupted by SIGINT/SIGTERM (after a clean disconnect)",
    ),
];

impl Exit {
    /// The process exit status.
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit.code())
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

/// An error that knows its exit status. Anything else that reaches `main` exits with
/// [`Exit::Failure`]; wrap it with [`Fail::new`] or use [`ResultExt::exit`] to choose.
#[derive(Debug)]
pub struct Fail {
    pub exit: Exit,
    pub message: String,
}

impl Fail {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Fail {
            exit,
            message: message.into(),
        }
    }

    /// Bad arguments or input.
    pub fn usage(message: impl Into<String>) -> Self {
        Fail::new(Exit::Usage, message)
    }
}

impl fmt::Display for Fail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Fail {}

/// Shorthand for returning a [`Fail`] as an `anyhow::Error`.
pub fn fail<T>(exit: Exit, message: impl Into<String>) -> anyhow::Result<T> {
    Err(Fail::new(exit, message).into())
}

/// Attach an exit status to any error, keeping its text.
pub trait ResultExt<T> {
    fn exit(self, exit: Exit, context: &str) -> anyhow::Result<T>;
}

impl<T, E: fmt::Display> ResultExt<T> for Result<T, E> {
    fn exit(self, exit: Exit, context: &str) -> anyhow::Result<T> {
        self.map_err(|e| Fail::new(exit, format!("{context}: {e}")).into())
    }
}

/// The exit status an error maps to: the [`Fail`] in its chain, else [`Exit::Failure`].
pub fn exit_of(err: &anyhow::Error) -> Exit {
    err.chain()
        .find_map(|e| e.downcast_ref::<Fail>())
        .map(|f| f.exit)
        .unwrap_or(Exit::Failure)
}
