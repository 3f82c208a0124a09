//! What every `main` does: parse arguments into one line of error text (not clap's screenful),
//! run the tool on a single-threaded runtime, and turn its result into an exit status; and
//! the help text both tools end their `--help` with.
//!
//! Errors print as `rpub: <message>` on one line. A closed output (`rsub ... | head -1`, see
//! [`Fail::output_closed`]) is a normal way for a reader to say "enough": it exits 0 silently.

use std::ffi::OsString;
use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use clap::error::ErrorKind;
use clap::parser::ValueSource;
use clap::{ArgMatches, Command, Parser};

use crate::exit::{Exit, Fail};
use crate::generate::{GenerateKind, Manual};
use crate::options::ConnectOptions;
use crate::settings::file::options::OptionsFile;
use crate::settings::file::{Config, FileFlags};
use crate::settings::flags::without_rare;
use crate::settings::origin::Provenance;
use crate::settings::ConnectArgs;

static QUIET: AtomicBool = AtomicBool::new(false);

/// The running tool's name, for warnings printed from code that is not told it.
static TOOL: OnceLock<String> = OnceLock::new();

/// `--quiet`: no error or warning lines on stderr (the exit status still tells).
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Print `tool: message` on stderr unless `--quiet`.
pub fn warn(tool: impl Display, message: impl Display) {
    if !QUIET.load(Ordering::Relaxed) {
        // Through the progress bar, if one is drawn, so the line does not tear it.
        // Network text may be part of the message: escaped and bounded, whatever it holds.
        let message = message.to_string();
        let message = crate::escape::line(&message);
        crate::progress::suspend(|| eprintln!("{tool}: {message}"));
    }
}

/// Print `tool: warning: message` on stderr unless `--quiet`, naming the tool [`parse`] was
/// called for.
pub fn warning(message: impl Display) {
    let tool = TOOL.get().map(String::as_str).unwrap_or("rpubsub");
    warn(tool, format_args!("warning: {message}"));
}

/// Help text that shows `{n}` as written: clap turns a literal `{n}` in help into a newline,
/// so an empty ANSI reset goes after each `{` (clap strips it when printing without colour).
pub fn literal_braces(text: &str) -> String {
    text.replace('{', "{\x1b[0m")
}

/// The end of both tools' `--help`: what comes first (`intro`, may be empty), the advice on
/// passwords, and the exit status table.
pub fn after_help(intro: &str) -> String {
    format!(
        "{intro}Passwords: prefer MQTT_PASSWORD or --password-file to -P, which shows in the process list.\n\n{}",
        crate::exit::table_text()
    )
}

/// A tool's command line, as [`parse`] needs to see it.
pub trait Tool: Parser {
    /// The shared connection flags, to note where each value came from.
    fn connect_args(&mut self) -> &mut ConnectArgs;
    /// What the tool's man page says beyond its flags.
    fn manual() -> Manual;
    /// What `--help` shows below the flags.
    fn after_help() -> String;
}

/// The whole command as `--help`, the man page and the completions show it. Parsing needs
/// less: the text below the flags is built only when it is shown.
pub fn command<T: Tool>() -> Command {
    T::command().after_help(T::after_help())
}

/// Parse the command line. `--help`/`--version` print and exit 0, as does the hidden
/// `--generate KIND`; any mistake prints one line naming it and exits 2.
///
/// The config file and mosquitto's options file are more flags for the same parser: once the
/// command line says which file and profile, the files' settings that apply go in front of it
/// and it is parsed again, so that each value is checked by its flag's own parser and the
/// flags win.
pub fn parse<T: Tool>(which: crate::tool::Tool) -> Result<T, Exit> {
    let _ = TOOL.set(which.name().to_string());
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // Most command lines give everyday flags only, and no file adds to them: parsed first
    // without the rare flags (`settings::flags::rare`), a one-shot publish builds less than
    // half of the command. Whatever that parse cannot answer, the whole command parses
    // again, and reports.
    if let Some(cli) = without_rare(|| parse_everyday::<T>(which, &argv)) {
        return Ok(cli);
    }
    parse_whole::<T>(which, &argv)
}

/// [`parse`] without the rare flags: `None` when the command line does not parse so (a rare
/// flag, or a mistake the whole command will name), asks for `--help`, `--version` or
/// `--generate`, or a file gives settings. Prints nothing.
fn parse_everyday<T: Tool>(which: crate::tool::Tool, argv: &[OsString]) -> Option<T> {
    let mut cmd = T::command();
    let mut matches = cmd.try_get_matches_from_mut(argv).ok()?;
    if matches.get_one::<GenerateKind>("generate").is_some() {
        return None;
    }
    let mut cli = take::<T>(&cmd, &mut matches).ok()?;
    let first = cli.connect_args();
    let file = Config::load(&cmd, first).ok()?;
    let options = OptionsFile::load(&cmd, first, which.mosquitto_name()).ok()?;
    if !file.values.is_empty() || !options.values.is_empty() {
        return None;
    }
    let flags = FileFlags::new(&file, &options, &cmd, first);
    Some(finish(cli, &flags, cmd))
}

/// [`parse`] with every flag.
fn parse_whole<T: Tool>(which: crate::tool::Tool, argv: &[OsString]) -> Result<T, Exit> {
    let tool = which.name();
    let mut cmd = T::command();
    let mut matches = match cmd.try_get_matches_from_mut(argv) {
        Ok(matches) => matches,
        Err(err) if err.kind() == ErrorKind::DisplayHelp => {
            let shown = command::<T>().try_get_matches_from(argv).err();
            return Err(clap_error(tool, shown.unwrap_or(err), ""));
        }
        Err(err) => return Err(parse_error(tool, err, &cmd, argv, "")),
    };
    if let Some(kind) = matches.get_one::<GenerateKind>("generate") {
        return Err(generate::<T>(tool, *kind, &cmd, &matches));
    }
    // One parse of the whole command line; a second only when the config file gives values.
    let mut cli =
        take::<T>(&cmd, &mut matches).map_err(|err| clap_error(tool, err.format(&mut cmd), ""))?;
    let first = cli.connect_args();
    set_quiet(first.diagnostics.quiet);
    let refuse = |fail: Fail| {
        warn(tool, &fail.message);
        fail.exit
    };
    let file = Config::load(&cmd, first).map_err(refuse)?;
    let options = OptionsFile::load(&cmd, first, which.mosquitto_name()).map_err(refuse)?;
    let flags = FileFlags::new(&file, &options, &cmd, first);
    if let Some(line) = flags.command_line(argv) {
        // The command line alone parsed: what is wrong now comes of the files' settings too,
        // so the error names them (a flag the file gives may require one nobody gave).
        let blame = flags.blame();
        let mut matches = cmd
            .try_get_matches_from_mut(&line)
            .map_err(|err| parse_error(tool, err, &cmd, &line, &blame))?;
        cli = take::<T>(&cmd, &mut matches)
            .map_err(|err| clap_error(tool, err.format(&mut cmd), &blame))?;
    }
    Ok(finish(cli, &flags, cmd))
}

/// The tool's flags out of `matches`, with where each value came from. The values are taken
/// out of the matches, not copied: where each came from is read first.
fn take<T: Tool>(cmd: &Command, matches: &mut ArgMatches) -> Result<T, clap::Error> {
    let provenance = Provenance::from_matches(cmd, matches);
    let mut cli = T::from_arg_matches_mut(matches)?;
    cli.connect_args().provenance = provenance;
    Ok(cli)
}

/// The parse's result, with what the files gave noted.
fn finish<T: Tool>(mut cli: T, flags: &FileFlags, cmd: Command) -> T {
    let args = cli.connect_args();
    flags.note(&mut args.provenance);
    set_quiet(args.diagnostics.quiet);
    // The command is needed until exit (never again, though): freeing its flags one by one
    // would cost a one-shot publish about a twentieth of its instructions.
    std::mem::forget(cmd);
    cli
}

/// `--generate KIND`: the completion script or man page on stdout. It takes no other flag
/// (clap's `exclusive` would also count `MQTT_*` variables set in the environment).
fn generate<T: Tool>(tool: &str, kind: GenerateKind, cmd: &Command, matches: &ArgMatches) -> Exit {
    let other = cmd.get_arguments().find(|arg| {
        arg.get_id() != "generate"
            && matches.value_source(arg.get_id().as_str()) == Some(ValueSource::CommandLine)
    });
    if let Some(arg) = other {
        let name = arg
            .get_long()
            .map_or_else(|| arg.get_id().to_string(), |l| format!("--{l}"));
        warn(
            tool,
            format_args!("--generate takes no other arguments (not {name})"),
        );
        return Exit::Usage;
    }
    let written = crate::generate::render(kind, command::<T>(), &T::manual()).and_then(|text| {
        let mut out = std::io::stdout().lock();
        std::io::Write::write_all(&mut out, &text)?;
        std::io::Write::flush(&mut out)
    });
    match written {
        Ok(()) => Exit::Ok,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Exit::Ok,
        Err(e) => {
            warn(
                tool,
                format_args!("writing output: {}", crate::io_error_text(&e)),
            );
            Exit::Failure
        }
    }
}

/// A command line `argv` that did not parse: the environment variable to blame, named, if
/// one is (exit 2), else clap's error, with `files` (the settings the files added, or "").
fn parse_error(
    tool: &str,
    err: clap::Error,
    cmd: &Command,
    argv: &[std::ffi::OsString],
    files: &str,
) -> Exit {
    match crate::settings::environment::blame(cmd, argv) {
        Some(line) => {
            warn(tool, line);
            Exit::Usage
        }
        None => clap_error(tool, err, files),
    }
}

/// clap's error (or help, or version) as the tool shows it: help and version in full with
/// exit 0, a mistake as its first line with exit 2, naming `files` if not empty (the config
/// file's and options file's settings that took part: ", with --will-payload from FILE:1").
fn clap_error(tool: &str, err: clap::Error, files: &str) -> Exit {
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = err.print();
            Exit::Ok
        }
        kind => {
            let text = err.render().to_string();
            let mut lines = text.lines().skip_while(|l| l.trim().is_empty());
            let first = lines.next().unwrap_or("invalid arguments");
            let first = first.strip_prefix("error: ").unwrap_or(first);
            let missing = match kind {
                ErrorKind::MissingRequiredArgument => missing_arguments(lines),
                _ => String::new(),
            };
            warn(
                tool,
                format_args!("{first}{missing}{files} (see '{tool} --help')"),
            );
            Exit::Usage
        }
    }
}

/// The arguments clap lists, one per indented line, below "the following required arguments
/// were not provided:", as one line: ` --will-topic <TOPIC>`.
fn missing_arguments<'a>(lines: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = lines
        .take_while(|l| l.starts_with(' '))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if names.is_empty() {
        return String::new();
    }
    format!(" {}", names.join(", "))
}

/// `--print-config`: the connection settings in effect and where each came from, on stdout.
pub fn print_config(opts: &ConnectOptions) -> anyhow::Result<Exit> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    // A closed pipe ends it quietly: `report` finds the BrokenPipe in the chain.
    out.write_all(opts.report.to_string().as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| anyhow::Error::from(e).context("writing output"))?;
    Ok(Exit::Ok)
}

/// Run a tool's async body and map its outcome to the exit status; after a stop signal the
/// process dies of that signal instead. The body comes boxed, straight from the call that
/// makes it: the runtime then moves a pointer, not the whole future, which is kilobytes.
pub fn run<F>(tool: crate::tool::Tool, body: Pin<Box<F>>) -> Exit
where
    F: Future<Output = Result<Exit, Fail>>,
{
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            warn(
                tool,
                format_args!("cannot start: {}", crate::io_error_text(&e)),
            );
            return Exit::Failure;
        }
    };
    let outcome = runtime.block_on(body);
    // A read of stdin blocks a runtime thread that cannot be cancelled; waiting for it at
    // shutdown would hang rpub -l after Ctrl+C. Nothing else is left running by now.
    runtime.shutdown_background();
    let exit = match outcome {
        Ok(exit) => exit,
        Err(fail) => report(tool, &fail),
    };
    // Stopped by a signal: die of it, now that everything is said (see `stop`).
    crate::stop::die_of_signal();
    exit
}

/// Print a failure as one line and pick its exit status; a closed output ends quietly.
pub fn report(tool: crate::tool::Tool, fail: &Fail) -> Exit {
    if !fail.is_output_closed() {
        warn(tool, fail.message.replace('\n', " "));
    }
    fail.exit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_arguments_named_on_one_line() {
        let text = "  --will-topic <TOPIC>\n  --topic <TOPIC>\n\nUsage: rpub [OPTIONS]\n";
        assert_eq!(
            missing_arguments(text.lines()),
            " --will-topic <TOPIC>, --topic <TOPIC>"
        );
        assert_eq!(missing_arguments("\nUsage: rpub".lines()), "");
    }
}
