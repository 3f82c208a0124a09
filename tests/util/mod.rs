//! The harness every end-to-end test uses: a private Mosquitto broker per test
//! ([`Broker`]) and a topic prefix of its own ([`topic!`], both at once with
//! [`broker_and_topic!`]), command builders for rpub, rsub and the mosquitto clients that never
//! see the settings of whoever runs the tests, runs with hard timeouts ([`Run`],
//! [`Sub`]) and checks that report stdout, stderr and the broker log when they fail.

#![allow(dead_code)] // Not every test module uses every helper.

mod broker;
mod liar;
mod pki;
mod process;
mod servers;

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

pub use broker::{require_executable, unused_port, Broker};
pub use liar::{Liar, Lie};
pub use pki::{Pki, Recipe, TlsBroker, EXPIRED, OTHER_NAME, SERVER, WRONG_NAME};
pub use process::{in_shell, run_stdin, to_dev_full, Output, Run, Sub};
pub use servers::{Amqtt, Microsocks, OpensslServer, Tinyproxy};

/// The one command that installs everything the end-to-end tests need (README: Quick start);
/// a test that finds something missing names it.
pub const SETUP: &str = "bash tests/setup.sh";

/// Long enough for anything a single short command does, even on a loaded 2-core CI machine.
pub const SHORT: Duration = Duration::from_secs(10);
/// For bulk transfers.
pub const LONG: Duration = Duration::from_secs(60);

/// The environment variables the tools take settings from (besides the config file's
/// location and mosquitto's options files, `XDG_CONFIG_HOME` and `HOME`).
pub const TOOL_VARIABLES: [&str; 7] = [
    "MQTT_HOST",
    "MQTT_PORT",
    "MQTT_USERNAME",
    "MQTT_PASSWORD",
    "RPUBSUB_PROFILE",
    "RPUBSUB_CONFIG",
    "RPUBSUB_NO_MOSQUITTO_OPTIONS",
];

/// Host settings that also change what the tools do: `SSL_CERT_FILE`/`SSL_CERT_DIR` replace
/// the system's CA store (`--tls-use-os-certs`), `NO_COLOR` turns colour off.
const HOST_VARIABLES: [&str; 3] = ["SSL_CERT_FILE", "SSL_CERT_DIR", "NO_COLOR"];

/// `XDG_CONFIG_HOME` for every command: a directory nothing creates, so that the tools
/// never read the config file or the mosquitto options files (`mosquitto_pub`, `mosquitto_sub`)
/// of whoever runs the tests. Tests of these files pass `--config` or set their own.
pub const NO_CONFIG_HOME: &str = concat!(env!("CARGO_TARGET_TMPDIR"), "/no-config-home");

/// `HOME` for every command, for the same reason: `~/.config/rpubsub/config.toml` (when
/// `XDG_CONFIG_HOME` is unset), `~/` in the config file, and the `~/.config/mosquitto_pub`
/// files of the reference clients all lead into a directory that does not exist.
pub const NO_HOME: &str = concat!(env!("CARGO_TARGET_TMPDIR"), "/no-home");

/// Gives `cmd` the environment every command of the suite runs in: none of the variables the
/// tools read, and a home and config directory holding nothing.
pub fn isolate(cmd: &mut Command) -> &mut Command {
    // Removed from every command so that the settings of whoever runs the tests never leak in.
    for var in TOOL_VARIABLES.iter().chain(&HOST_VARIABLES) {
        cmd.env_remove(var);
    }
    cmd.env("XDG_CONFIG_HOME", NO_CONFIG_HOME)
        .env("HOME", NO_HOME)
}

/// The path of one of our binaries (cargo builds them before the tests).
pub fn exe(name: &str) -> &'static str {
    match name {
        "rpub" => env!("CARGO_BIN_EXE_rpub"),
        "rsub" => env!("CARGO_BIN_EXE_rsub"),
        other => panic!("unknown binary {other}"),
    }
}

/// A bare `rpub` or `rsub` command, with a clean environment but no arguments.
pub fn bin(name: &str) -> Command {
    let mut cmd = Command::new(exe(name));
    isolate(&mut cmd);
    cmd
}

/// `rpub -h 127.0.0.1 -p PORT`.
pub fn rpub(broker: &Broker) -> Command {
    at_broker(bin("rpub"), broker)
}

/// `rsub -h 127.0.0.1 -p PORT`.
pub fn rsub(broker: &Broker) -> Command {
    at_broker(bin("rsub"), broker)
}

/// `rpub -h 127.0.0.1 -p PORT -V 5`.
pub fn rpub_v5(broker: &Broker) -> Command {
    let mut cmd = rpub(broker);
    cmd.args(["-V", "5"]);
    cmd
}

/// `rsub -h 127.0.0.1 -p PORT -V 5`.
pub fn rsub_v5(broker: &Broker) -> Command {
    let mut cmd = rsub(broker);
    cmd.args(["-V", "5"]);
    cmd
}

/// `mosquitto_pub -h 127.0.0.1 -p PORT` (the reference client).
pub fn mosquitto_pub(broker: &Broker) -> Command {
    let exe = require_executable("mosquitto_pub", &["/usr/bin/mosquitto_pub"]);
    let mut cmd = Command::new(exe);
    isolate(&mut cmd);
    at_broker(cmd, broker)
}

/// `mosquitto_sub -h 127.0.0.1 -p PORT` (the reference client).
pub fn mosquitto_sub(broker: &Broker) -> Command {
    let exe = require_executable("mosquitto_sub", &["/usr/bin/mosquitto_sub"]);
    let mut cmd = Command::new(exe);
    isolate(&mut cmd);
    at_broker(cmd, broker)
}

fn at_broker(mut cmd: Command, broker: &Broker) -> Command {
    cmd.args(["-h", "127.0.0.1", "-p", &broker.port().to_string()]);
    cmd
}

/// The value and the source `--print-config` shows for `key` (the run must have succeeded
/// quietly).
#[track_caller]
pub fn shown_setting(out: &Output, key: &str) -> (String, String) {
    out.code(0).stderr_empty();
    let text = out.stdout_str();
    let line = text
        .lines()
        .find(|l| l.split_whitespace().next() == Some(key))
        .unwrap_or_else(|| out.fail(&format!("--print-config shows no {key}")));
    let (value, source) = line[key.len()..]
        .split_once("  # ")
        .unwrap_or_else(|| out.fail(&format!("no source on the {key} line")));
    (value.trim().to_string(), source.trim().to_string())
}

/// Makes a topic unique to one call site: `rpubsub/<module>/<test>/<counter>`.
pub fn unique_topic(function_path: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let path = function_path.trim_end_matches("::here");
    let path = path.strip_prefix("integration::").unwrap_or(path);
    format!("rpubsub/{}/{n}", path.replace("::", "/"))
}

/// A topic prefix no other test uses, named after the test function that asks for it.
macro_rules! topic {
    () => {{
        fn here() {}
        $crate::util::unique_topic(::std::any::type_name_of_val(&here))
    }};
}

/// What most tests start from: `let (b, t) = broker_and_topic!();` gives a broker of the test's
/// own (anonymous clients allowed, or the one passed in: `broker_and_topic!(Broker::with_config(...))`)
/// and a topic prefix no other test uses ([`topic!`]).
macro_rules! broker_and_topic {
    () => {
        ($crate::util::Broker::start(), topic!())
    };
    ($broker:expr) => {
        ($broker, topic!())
    };
}

/// rpub's flags for publishing 1, 2, 3... on `topic`, one every `interval`, until it is stopped:
/// `-t TOPIC -m {n} --count 0 --interval INTERVAL`.
pub fn numbered_forever<'a>(topic: &'a str, interval: &'a str) -> [&'a str; 8] {
    [
        "-t",
        topic,
        "-m",
        "{n}",
        "--count",
        "0",
        "--interval",
        interval,
    ]
}

/// `len` reproducible pseudo-random bytes (xorshift64*): every byte value occurs, including
/// invalid UTF-8, NUL and newlines.
pub fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        out.extend_from_slice(&state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Checks that `lines` are exactly the decimal numbers `1..=lines.len()` in order.
#[track_caller]
pub fn assert_counting(lines: &[String], what: &str) {
    for (i, line) in lines.iter().enumerate() {
        if line != &(i + 1).to_string() {
            panic!(
                "{what}: line {} is {line:?}, expected {}; all lines: {lines:?}\n{}",
                i + 1,
                i + 1,
                broker::live_broker_logs()
            );
        }
    }
}
