//! Memory stays bounded whatever the input: an endless stdin, a device or a huge file named as
//! a payload, certificate, password or config file ends with one line and exit 2, having read
//! at most what could become one packet (or a small fixed limit). Each run has its address
//! space capped, so a tool that reads without bound fails its test instead of the machine.

use std::process::Command;

use crate::util::{bin, rpub, unused_port, Broker, Run, LONG};

/// Room for rpub and one payload at the protocol's limit, read and handed over (two copies at
/// most): far less than an unbounded read asks for.
const ROOMY: &str = "1400000000";

/// Room for rpub with small files only: a 300 MB payload does not fit.
const SMALL: &str = "300000000";

/// `tool` (a command as the harness builds it) run with its address space capped at `cap`
/// bytes and stdin from `stdin`.
fn capped(tool: Command, cap: &str, stdin: &str) -> Command {
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg(format!(r#"exec prlimit --as={cap} -- "$@" < {stdin}"#))
        .arg("sh")
        .arg(tool.get_program())
        .args(tool.get_args());
    for (key, value) in tool.get_envs() {
        match value {
            Some(value) => sh.env(key, value),
            None => sh.env_remove(key),
        };
    }
    sh
}

/// rpub `args` with no broker to reach: whatever it reads before connecting.
fn unconnected(args: &[&str]) -> Command {
    let mut cmd = bin("rpub");
    cmd.env("MQTT_HOST", "127.0.0.1")
        .env("MQTT_PORT", unused_port().to_string())
        .args(args);
    cmd
}

#[test]
fn stdin_as_one_message_stops_at_the_packet_limit() {
    let out = capped(unconnected(&["-t", "t", "-s"]), ROOMY, "/dev/zero").run_within(LONG);
    out.usage_error("rpub")
        .stderr_mentions("-s: the payload is ");
}

#[test]
fn a_device_as_the_payload_file_stops_at_the_packet_limit() {
    let out = capped(
        unconnected(&["-t", "t", "-f", "/dev/zero"]),
        ROOMY,
        "/dev/null",
    )
    .run_within(LONG);
    out.usage_error("rpub")
        .stderr_mentions("-f /dev/zero: more than 268369911 bytes");
}

#[test]
fn a_payload_file_too_large_is_refused_by_its_size_unread() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(300 << 20).unwrap();
    let path = path.to_str().unwrap();
    let out = capped(unconnected(&["-t", "t", "-f", path]), SMALL, "/dev/null").run();
    out.usage_error("rpub").stderr_mentions(path);
}

#[test]
fn certificate_password_and_config_files_are_small() {
    for (args, named) in [
        (&["--cafile", "/dev/zero"][..], "--cafile /dev/zero"),
        (&["--cert", "/dev/zero", "--key", "/dev/zero"], "/dev/zero"),
        (&["-u", "me", "--password-file", "/dev/zero"], "/dev/zero"),
        (&["--config", "/dev/urandom"], "/dev/urandom"),
    ] {
        let mut cmd = unconnected(&["-t", "t", "-m", "x"]);
        cmd.args(args);
        let out = capped(cmd, SMALL, "/dev/null").run();
        out.usage_error("rpub").stderr_mentions(named);
    }
}

#[test]
fn a_line_over_the_packet_limit_is_bad_input() {
    let b = Broker::start();
    for (args, stdin) in [
        (&["-t", "t", "-l"][..], "/dev/zero"),
        (&["--stdin-json"], "/dev/zero"),
    ] {
        let mut cmd = rpub(&b);
        cmd.args(args);
        let out = capped(cmd, ROOMY, stdin).run_within(LONG);
        out.usage_error("rpub")
            .stderr_mentions("stdin line 1: longer than ");
    }
}
