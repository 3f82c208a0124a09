//! What every `main` does: parse arguments into one line of error text (not clap's screenful),
//! run the tool on a single-threaded runtime, and turn its result into an exit status.
//!
//! Errors print as `rpub: <message>` on one line with the whole context chain. A broken pipe
//! (`rsub ... | head -1`) is a normal way for a reader to say "enough": it exits 0 silently.

use std::future::Future;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use clap::error::ErrorKind;
use clap::Parser;

use crate::exit::{exit_of, Exit};

static QUIET: AtomicBool = AtomicBool::new(false);

/// The running tool's name, for warnings printed from code that is not told it.
static TOOL: OnceLock<String> = OnceLock::new();

/// `--quiet`: no error or warning lines on stderr (the exit status still tells).
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Print `tool: message` on stderr unless `--quiet`.
pub fn warn(tool: &str, message: impl std::fmt::Display) {
    if !QUIET.load(Ordering::Relaxed) {
        // Through the progress bar, if one is drawn, so the line does not tear it.
        crate::progress::suspend(|| eprintln!("{tool}: {message}"));
    }
}

/// Print `tool: warning: message` on stderr unless `--quiet`, naming the tool [`parse`] was
/// called for.
pub fn warning(message: impl std::fmt::Display) {
    let tool = TOOL.get().map(String::as_str).unwrap_or("rpubsub");
    warn(tool, format_args!("warning: {message}"));
}

/// Help text that shows `{n}` as written: clap turns a literal `{n}` in help into a newline,
/// so an empty ANSI reset goes after each `{` (clap strips it when printing without colour).
pub fn literal_braces(text: &str) -> String {
    text.replace('{', "{\x1b[0m")
}

/// Parse the command line. `--help`/`--version` print and exit 0; any mistake prints one
/// line naming it and exits 2.
pub fn parse<T: Parser>(tool: &str) -> Result<T, ExitCode> {
    let _ = TOOL.set(tool.to_string());
    match T::try_parse() {
        Ok(cli) => Ok(cli),
        Err(err) => match err.kind() {
            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                let _ = err.print();
                Err(ExitCode::SUCCESS)
            }
            _ => {
                let text = err.render().to_string();
                let first = text
                    .lines()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("invalid arguments");
                let first = first.strip_prefix("error: ").unwrap_or(first);
                warn(tool, format_args!("{first} (see '{tool} --help')"));
                Err(Exit::Usage.into())
            }
        },
    }
}

/// Run a tool's async body and map its outcome to the exit status.
pub fn run<F>(tool: &str, body: F) -> ExitCode
where
    F: Future<Output = anyhow::Result<Exit>>,
{
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            warn(tool, format_args!("cannot start: {e}"));
            return Exit::Failure.into();
        }
    };
    let outcome = runtime.block_on(body);
    // A read of stdin blocks a runtime thread that cannot be cancelled; waiting for it at
    // shutdown would hang rpub -l after Ctrl+C. Nothing else is left running by now.
    runtime.shutdown_background();
    match outcome {
        Ok(exit) => exit.into(),
        Err(err) => report(tool, &err).into(),
    }
}

/// Print an error as one line and pick its exit status.
pub fn report(tool: &str, err: &anyhow::Error) -> Exit {
    if is_broken_pipe(err) {
        return Exit::Ok;
    }
    let text = format!("{err:#}").replace('\n', " ");
    warn(tool, text);
    exit_of(err)
}

/// Is a closed stdout anywhere in the error chain?
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
