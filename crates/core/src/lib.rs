//! The connection shared by `rpub` and `rsub`: flags, resolved options, the MQTT session over
//! rumqttc's MQTT 3.1.1 and MQTT 5 clients, the packet trace, errors and exit codes, the
//! `main` wrapper that turns any error into one line on stderr and a documented exit status,
//! and the process's start (`process/`).
//!
//! Each binary holds only what is its own (payload sources and acknowledgement tracking in
//! rpub; filters, output and exit conditions in rsub); whatever both need lives here.

pub mod cli;
pub mod duration;
pub mod escape;
pub mod exit;
pub mod field_length;
pub mod generate;
pub mod message;
pub mod message_json;
pub mod options;
pub mod process;
pub mod progress;
pub mod properties;
pub mod qos;
pub mod read_limited;
pub mod reason;
pub mod secret;
pub mod session;
pub mod settings;
pub mod stamp;
pub mod start;
pub mod stop;
pub mod tls;
pub mod tool;
pub mod topic;

/// An I/O error as one short phrase ("No such file or directory"), without Rust's
/// "(os error 2)" suffix.
pub fn io_error_text(err: &std::io::Error) -> String {
    let text = err.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}
