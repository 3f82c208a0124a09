//! Every connection setting, declared once: the flags both tools share, the config file that
//! gives more of the same flags, where each value came from, and the resolution of it all
//! into checked [`ConnectOptions`](crate::options::ConnectOptions).
//!
//! A setting's life, one place per stage:
//! - `flags/`: each flag declared once, in the file of its concern (broker, auth, connection,
//!   TLS and transport, socket, will, MQTT 5, reconnect, diagnostics, config file), all flattened
//!   into [`ConnectArgs`]. The clap declaration is the one source of the flag's names, help,
//!   value parser and environment variable, and (`group = IN_FILE`) of its config-file key.
//! - `file/`: the config file, read as more flags for the same parser: a key is a long flag
//!   name, its value is checked by that flag's own value parser, and what applies is put in
//!   front of the command line and parsed again with it (`cli::parse`). `file/rules.rs` holds
//!   the few rules about when a file value does not apply; `file/options.rs` reads mosquitto's
//!   options file (`~/.config/mosquitto_sub`) into more flags of the same kind, below it.
//! - `environment.rs`: a value of an environment variable that its flag refuses is named by
//!   the variable, not the flag.
//! - `origin.rs`: where each value came from (flag, environment, `-L`, file and line, options
//!   file and line, default), recorded once per command line, so that errors and
//!   `--print-config` can say.
//! - `resolve/`: from flags to `ConnectOptions` in small stages (protocol, broker and
//!   transport, proxy, credentials, client and session, will, MQTT 5), then the
//!   `--print-config` report (`report.rs`) from the values resolved.
//! - `merge.rs`: an MQTT 5 flag merged into what `-D` (`property_flag.rs`) gave for the same
//!   packet; the tools merge their own per-packet flags with it too.
//!
//! # Adding a connection flag
//!
//! 1. Declare it, once, in the `flags/` file of its concern: the field, its doc comment (the
//!    help line) and its `#[arg(...)]` (names, `value_name`, value parser, `env`, help
//!    heading). With `group = IN_FILE` it is a config-file key too, under its long name: the
//!    file's value goes through the same value parser, a path (`PathBuf`) is relative to the
//!    file, a `bool` takes `true`/`false`, a `Secret` never shows in a message. The groups
//!    a plain run never gives (TLS, socket, will, MQTT 5, reconnect) are `Rare` in
//!    [`ConnectArgs`] and left out of the first parse (`flags/rare.rs`): a flag there must
//!    not read an environment variable, its group's `Default` must be clap's default, and a
//!    flag of an everyday group must not refer to it (the tests and clap's checks say so).
//! 2. Use it: read `args.<group>.<field>` in the `resolve/` stage it belongs to
//!    (`setting!(args.<group>.<field>)` when where it came from matters) and put the result
//!    into `ConnectOptions` for the session.
//! 3. If `--print-config` should show it: one `report.set(...)` line in `resolve/mod.rs`.
//!
//! `--help`, the man page, the completions, the config file's list of keys and the file's
//! checks all follow from the declaration; nothing else lists flags.

pub mod environment;
pub mod file;
pub mod flags;
pub mod merge;
pub mod origin;
pub mod property_flag;
pub mod report;
mod resolve;
pub mod url;

#[cfg(test)]
pub(crate) mod testing;

pub use flags::ConnectArgs;
pub use merge::Mqtt5Merge;
