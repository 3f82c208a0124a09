//! What to do when an established connection drops: reconnect (the default), how often, or
//! exit.

use clap::Args;

#[derive(Debug, Clone, Default, Args)]
#[group(skip)]
pub struct ReconnectArgs {
    /// Exit when the connection drops instead of reconnecting
    #[arg(long)]
    pub no_reconnect: bool,

    /// Give up after N failed reconnect attempts in a row [default: never]
    #[arg(long, value_name = "N", conflicts_with = "no_reconnect")]
    pub reconnect_max: Option<u32>,
}
