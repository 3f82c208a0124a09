//! The connection flags both tools share: one clap struct per concern, flattened into
//! [`ConnectArgs`] in the order `--help` lists them.
//!
//! Short flags follow mosquitto_pub/mosquitto_sub so muscle memory works: `-h` is the host and
//! `-V` the protocol version, which is why help and version are long-only (`--help`,
//! `--version`). Several flags also read an `MQTT_*` environment variable; those in the
//! [`IN_FILE`] group may also come from the config file, whose keys are their long names; any
//! flag may come from mosquitto's options file. A flag on the command line wins over all.
//!
//! Every clap struct here, and the tools' own, says `#[group(skip)]`: clap's derive would
//! otherwise make each struct a group of its flags, which nothing refers to, and which every
//! parse pays for (about 80,000 instructions of a one-shot publish's 870,000).
//!
//! The flags' doc comments are their `--help` text, written for users: `[user[:pass]@]` there
//! is the usual "optional" of a synopsis, not a link, so rustdoc is told not to read it as one.
#![allow(rustdoc::broken_intra_doc_links)]

pub mod auth;
pub mod broker;
pub mod choice;
pub mod config;
pub mod connection;
pub mod diagnostics;
pub mod mqtt5;
pub mod rare;
pub mod reconnect;
pub mod socket;
pub mod tls;
pub mod tls_openssl;
pub mod will;

use clap::{ArgGroup, Args};

use crate::settings::origin::Provenance;

pub use auth::AuthArgs;
pub use broker::BrokerArgs;
pub use config::ConfigArgs;
pub use connection::{ConnectionArgs, ProtocolArg};
pub use diagnostics::DiagnosticsArgs;
pub use mqtt5::Mqtt5Args;
pub use rare::{without_rare, Rare};
pub use reconnect::ReconnectArgs;
pub use socket::SocketArgs;
pub use tls::{TlsArgs, TlsVersionArg};
pub use tls_openssl::TlsOpensslArgs;
pub use will::WillArgs;

/// The clap group of the flags the config file may give too (`#[arg(group = IN_FILE)]`):
/// membership is the whole declaration of a config-file key.
pub const IN_FILE: &str = "in-config-file";

/// Everything about reaching and talking to the broker, identical in rpub and rsub. The groups
/// a plain run never gives are [`Rare`]: left out of the first parse (`rare.rs`).
#[derive(Debug, Clone, Args)]
#[group(skip)]
#[command(group(ArgGroup::new(IN_FILE).multiple(true)))]
pub struct ConnectArgs {
    #[command(flatten)]
    pub broker: BrokerArgs,
    #[command(flatten)]
    pub auth: AuthArgs,
    #[command(flatten)]
    pub connection: ConnectionArgs,
    #[command(flatten)]
    pub tls: Rare<TlsArgs>,
    #[command(flatten)]
    pub tls_openssl: Rare<TlsOpensslArgs>,
    #[command(flatten)]
    pub socket: Rare<SocketArgs>,
    #[command(flatten)]
    pub will: Rare<WillArgs>,
    #[command(flatten)]
    pub mqtt5: Rare<Mqtt5Args>,
    #[command(flatten)]
    pub reconnect: Rare<ReconnectArgs>,
    #[command(flatten)]
    pub diagnostics: DiagnosticsArgs,
    #[command(flatten)]
    pub config: ConfigArgs,

    /// Where each value above came from (command line, environment, config file), filled in
    /// by `cli::parse`.
    #[arg(skip)]
    pub provenance: Provenance,
}
