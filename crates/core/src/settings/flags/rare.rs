//! Flags a plain run never gives, left out of the first parse.
//!
//! clap builds every flag of a command before it parses anything: about 90 for rpub, each a
//! 672-byte structure with its help text copied, most of them TLS, MQTT 5 properties, a will,
//! a load run. A one-shot publish gives three or four flags and spent half of its own
//! instructions on building the rest. A group of flags wrapped in [`Rare`] is left out of the
//! command while [`without_rare`] runs, and reads as its defaults; `cli::parse` parses the
//! command line that way first, and again with every flag whenever that first parse is not
//! the whole answer: an unknown flag (a rare one, or a mistake the whole command reports),
//! `--help`, `--version`, `--generate`, settings from a file.
//!
//! That the first parse, when it succeeds, gives what the whole command would give rests on
//! three rules; [`check`] tests the first two for each group, and clap's own checks of a
//! command (in debug builds, so in every test run) the third:
//! - a rare group's defaults (its `Default`) are what clap gives when none of its flags is
//!   given;
//! - no rare flag reads an environment variable (the first parse would not see it);
//! - no everyday flag refers to a rare one (`requires`, `conflicts_with`, groups), since
//!   clap would not find it; rare flags may refer to everyday ones.
//!
//! It also rests on clap matching a long flag only whole: with `infer_long_args`, a prefix
//! unique among the everyday flags could name a rare one too.

use std::cell::Cell;
use std::fmt;
use std::ops::{Deref, DerefMut};

use clap::{ArgMatches, Args, Command, FromArgMatches, Parser};

thread_local! {
    /// Inside [`without_rare`]: [`Rare`] groups are left out.
    static WITHOUT: Cell<bool> = const { Cell::new(false) };
}

/// Run `parse` with every [`Rare`] group left out of the commands it builds and read as its
/// defaults.
pub fn without_rare<R>(parse: impl FnOnce() -> R) -> R {
    /// Puts the whole command back however `parse` ends.
    struct Restore;
    impl Drop for Restore {
        fn drop(&mut self) {
            WITHOUT.with(|w| w.set(false));
        }
    }
    WITHOUT.with(|w| w.set(true));
    let _restore = Restore;
    parse()
}

fn left_out() -> bool {
    WITHOUT.with(Cell::get)
}

/// A group of flags (a clap `Args` struct) that a plain run never gives. It reads like the
/// group itself (`args.tls.cafile`).
#[derive(Clone, Default)]
pub struct Rare<T>(pub T);

impl<T> Deref for Rare<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Rare<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: fmt::Debug> fmt::Debug for Rare<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<T: Args + Default> Args for Rare<T> {
    fn augment_args(cmd: Command) -> Command {
        if left_out() {
            cmd
        } else {
            T::augment_args(cmd)
        }
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        if left_out() {
            cmd
        } else {
            T::augment_args_for_update(cmd)
        }
    }
}

impl<T: FromArgMatches + Default> FromArgMatches for Rare<T> {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        Self::from_arg_matches_mut(&mut matches.clone())
    }

    fn from_arg_matches_mut(matches: &mut ArgMatches) -> Result<Self, clap::Error> {
        if left_out() {
            Ok(Rare(T::default()))
        } else {
            T::from_arg_matches_mut(matches).map(Rare)
        }
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        self.update_from_arg_matches_mut(&mut matches.clone())
    }

    fn update_from_arg_matches_mut(&mut self, matches: &mut ArgMatches) -> Result<(), clap::Error> {
        if left_out() {
            Ok(())
        } else {
            self.0.update_from_arg_matches_mut(matches)
        }
    }
}

/// The first two rules above for group `T` of command `C`: its flags read no environment
/// variable, and its `Default` is what clap makes of them when `line` (which parses) gives
/// none. For the tools' tests, which call it for each of their rare groups.
pub fn check<C: Parser, T: Args + Default + fmt::Debug>(
    line: &[&str],
    group: impl Fn(&C) -> &T,
) -> Result<(), String> {
    let alone = T::augment_args(Command::new("check"));
    if let Some(arg) = alone.get_arguments().find(|a| a.get_env().is_some()) {
        return Err(format!(
            "--{} reads an environment variable: a rare flag must not",
            arg.get_long().unwrap_or_default()
        ));
    }
    let parsed = C::try_parse_from(line).map_err(|e| e.to_string())?;
    let (parsed, default) = (
        format!("{:?}", group(&parsed)),
        format!("{:?}", T::default()),
    );
    if parsed != default {
        return Err(format!("Default is {default}, clap gives {parsed}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;
    use crate::settings::flags::{
        Mqtt5Args, ReconnectArgs, SocketArgs, TlsArgs, TlsOpensslArgs, WillArgs,
    };
    use crate::settings::ConnectArgs;

    #[test]
    fn the_rare_connection_groups_keep_the_rules() {
        let line = ["t"];
        check::<Line, TlsArgs>(&line, |l| &l.connect.tls).unwrap();
        check::<Line, TlsOpensslArgs>(&line, |l| &l.connect.tls_openssl).unwrap();
        check::<Line, SocketArgs>(&line, |l| &l.connect.socket).unwrap();
        check::<Line, WillArgs>(&line, |l| &l.connect.will).unwrap();
        check::<Line, Mqtt5Args>(&line, |l| &l.connect.mqtt5).unwrap();
        check::<Line, ReconnectArgs>(&line, |l| &l.connect.reconnect).unwrap();
    }

    #[derive(Debug, Parser)]
    #[command(disable_help_flag = true)]
    struct Line {
        #[command(flatten)]
        connect: ConnectArgs,
    }

    fn flags(cmd: &Command) -> Vec<String> {
        cmd.get_arguments()
            .filter_map(|a| a.get_long().map(str::to_string))
            .collect()
    }

    #[test]
    fn rare_flags_are_left_out_only_while_asked() {
        let whole = flags(&Line::command());
        let everyday = without_rare(|| {
            let cmd = Line::command();
            cmd.clone().debug_assert();
            flags(&cmd)
        });
        for rare in [
            "cafile",
            "will-topic",
            "session-expiry",
            "no-reconnect",
            "unix",
        ] {
            assert!(whole.iter().any(|f| f == rare), "{rare}");
            assert!(!everyday.iter().any(|f| f == rare), "{rare}");
        }
        for plain in ["host", "port", "username", "id", "debug", "config"] {
            assert!(everyday.iter().any(|f| f == plain), "{plain}");
        }
        // Back to the whole command afterwards, and after a parse that panicked.
        assert_eq!(flags(&Line::command()), whole);
        let _ = std::panic::catch_unwind(|| without_rare(|| panic!("a parse that fails")));
        assert_eq!(flags(&Line::command()), whole);
    }

    #[test]
    fn an_everyday_line_parses_the_same_without_the_rare_flags() {
        let line = [
            "t", "-h", "broker", "-p", "1884", "-u", "me", "-i", "x", "-k", "5", "-d",
        ];
        let whole = Line::try_parse_from(line).unwrap();
        let everyday = without_rare(|| Line::try_parse_from(line)).unwrap();
        assert_eq!(format!("{everyday:?}"), format!("{whole:?}"));
        let rare = ["t", "--cafile", "ca.pem", "--will-topic", "w"];
        assert!(without_rare(|| Line::try_parse_from(rare)).is_err());
        assert_eq!(
            Line::try_parse_from(rare).unwrap().connect.tls.cafile,
            Some("ca.pem".into())
        );
    }

    #[derive(Debug, Default, Args)]
    #[group(skip)]
    struct Drifted {
        #[arg(long, default_value_t = 3)]
        tries: u8,
    }

    #[derive(Debug, Default, Args)]
    #[group(skip)]
    struct FromTheEnvironment {
        #[arg(long, env = "RPUBSUB_TEST_RARE")]
        name: Option<String>,
    }

    #[derive(Debug, Parser)]
    struct Broken {
        #[command(flatten)]
        drifted: Drifted,
        #[command(flatten)]
        env: FromTheEnvironment,
    }

    #[test]
    fn a_group_that_breaks_the_rules_is_found() {
        let drifted = check::<Broken, Drifted>(&["t"], |b| &b.drifted).unwrap_err();
        assert!(
            drifted.contains("tries: 0") && drifted.contains("tries: 3"),
            "{drifted}"
        );
        let env = check::<Broken, FromTheEnvironment>(&["t"], |b| &b.env).unwrap_err();
        assert!(
            env.contains("--name reads an environment variable"),
            "{env}"
        );
    }
}
