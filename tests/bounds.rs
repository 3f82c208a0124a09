//! Memory stays bounded whatever the input: an endless stdin, a device or a huge file named as
//! a payload, certificate, password or config file ends with one line and exit 2, having read
//! at most what could become one packet (or a small fixed limit). Each run has its address
//! space capped, so a tool that reads without bound fails its test instead of the machine.

use std::process::Command;

use crate::payloads::payload_file_arrives_whole;
use crate::util::{bin, in_shell, rpub, rsub, unused_port, Broker, Run, Sub, LONG, SHORT};

/// Room for rpub and one payload at the protocol's limit, read and handed over (two copies at
/// most): far less than an unbounded read asks for.
const ROOMY: &str = "1400000000";

/// Room for rpub with small files only: a 300 MB payload does not fit.
const SMALL: &str = "300000000";

/// `tool` (a command as the harness builds it) run with its address space capped at `cap`
/// bytes and stdin from `stdin`.
fn capped(tool: Command, cap: &str, stdin: &str) -> Command {
    in_shell(
        &tool,
        &format!(r#"exec prlimit --as={cap} -- "$@" < {stdin}"#),
    )
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

#[test]
fn fields_with_a_two_byte_length_are_checked_before_encoding() {
    let long = "u".repeat(70_000);
    let property = format!("k={long}");
    for (args, named) in [
        (
            vec!["-u", long.as_str(), "-m", "x"],
            "the username is 70000 bytes",
        ),
        (
            vec!["-u", "me", "-P", long.as_str(), "-m", "x"],
            "the password is 70000 bytes",
        ),
        (
            vec![
                "--will-topic",
                "w",
                "--will-payload",
                long.as_str(),
                "-m",
                "x",
            ],
            "the will payload (--will-payload) is 70000 bytes",
        ),
        (
            vec!["-V", "5", "--user-property", property.as_str(), "-m", "x"],
            "user property 'k' is 70000 bytes",
        ),
    ] {
        let mut cmd = unconnected(&["-t", "t"]);
        cmd.args(&args);
        let out = cmd.run();
        out.usage_error("rpub").stderr_mentions(named);
        // Only the size is said, never the text (it may be a password).
        if out.stderr.contains("uuuuuuuu") {
            out.fail("the value must not be echoed");
        }
    }
}

#[test]
fn a_json_line_with_a_user_property_too_long_is_skipped_not_smuggled() {
    let b = Broker::start();
    let mut sub = Sub::spawn(rsub(&b).args(["-V", "5", "-t", "smuggle/#", "-F", "%t %p", "-d"]));
    sub.wait_for_stderr("received SUBACK", SHORT);
    let long = "v".repeat(65_537);
    let lines = format!(
        "{{\"topic\":\"smuggle/a\",\"payload\":\"bad\",\"properties\":{{\"user_properties\":[[\"k\",\"{long}\"]]}}}}\n\
         {{\"topic\":\"smuggle/b\",\"payload\":\"good\"}}\n"
    );
    let out = rpub(&b)
        .args(["-V", "5", "-q", "1", "--stdin-json"])
        .run_stdin(lines);
    out.code(1)
        .stderr_mentions("stdin line 1: user property 'k' is 65537 bytes");
    sub.wait_stdout_lines(1, SHORT);
    std::thread::sleep(std::time::Duration::from_millis(300));
    sub.interrupt();
    sub.finish(SHORT).stdout("smuggle/b good\n");
}

/// Room for rpub and one 100 MB payload while it is sent, with the runtime and (for `-l`) the
/// read buffer's spare room: rpub needs 136 to 140 MB of data for `-f`, 141 to 145 MB for
/// `-l`. A second copy does not fit: with the payload copied into the connection's write
/// buffer, as rumqttc's own writer does, it took 231 to 240 MB for `-f`, 211 to 220 MB for
/// `-l`.
const ONE_PAYLOAD: &str = "190000000";

/// A `-l` line of 100 MB is in memory once while it is sent at QoS 1: not also in the read
/// buffer, nor copied into the connection's write buffer. Within a data cap that one copy
/// fits and two do not, it reaches the subscriber whole. stdin stays open a while after the
/// line, so the read buffer lives on while the message goes out.
#[test]
fn a_long_line_is_held_once() {
    const LEN: usize = 100_000_000;
    let b = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("line");
    let mut line = vec![b'a'; LEN];
    line.push(b'\n');
    std::fs::write(&path, &line).unwrap();
    drop(line);
    let sub = rsub(&b)
        .args(["-t", "long", "-C", "1", "-F", "%l"])
        .subscribed();
    let mut cmd = rpub(&b);
    cmd.args(["-q", "1", "-t", "long", "-l"]);
    let script = format!(
        r#"{{ cat "{}"; sleep 1; }} | exec prlimit --data={ONE_PAYLOAD} -- "$@""#,
        path.display()
    );
    let mut sh = in_shell(&cmd, &script);
    sh.run_within(LONG).code(0).stderr_empty();
    sub.finish(LONG).code(0).stdout(format!("{LEN}\n"));
}

/// `-f` of a 100 MB file at QoS 1 holds the payload once while it goes out, not also a copy
/// in the connection's write buffer: within a data cap that one copy fits and two do not, it
/// reaches the subscriber byte for byte.
#[test]
fn a_payload_file_is_held_once_while_it_is_sent() {
    let b = Broker::start();
    let script = format!(r#"exec prlimit --data={ONE_PAYLOAD} -- "$@""#);
    payload_file_arrives_whole(100_000_000, rpub(&b), rsub(&b), "file", &script);
}

/// `rsub --json` of a 100 MB binary payload holds it once: its base64 goes out a piece at a
/// time, not built whole and then copied into the line (about 370 MB). Within a 250 MB data
/// cap the line arrives whole, byte for byte what `base64` makes of the payload.
#[test]
fn rsub_json_of_a_large_payload_holds_it_once() {
    const LEN: usize = 100_000_000;
    let b = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let payload = dir.path().join("payload");
    std::fs::write(&payload, crate::util::random_bytes(LEN, 17)).unwrap();
    let mut cmd = rsub(&b);
    cmd.args(["-t", "large", "-C", "1", "--json"]);
    let script = r#"exec prlimit --data=250000000 -- "$@""#;
    let sub = in_shell(&cmd, script).subscribed();
    let path = payload.to_str().unwrap();
    rpub(&b)
        .args(["-t", "large", "-f", path])
        .run_within(LONG)
        .code(0);
    let out = sub.finish(LONG);
    out.code(0);
    let encoded = Command::new("base64").args(["-w0", path]).output().unwrap();
    let mut expected = br#""encoding":"base64","payload":""#.to_vec();
    expected.extend_from_slice(&encoded.stdout);
    expected.extend_from_slice(b"\"}\n");
    if !out.stdout.ends_with(&expected) {
        out.fail("the JSON line does not carry the payload's base64, whole");
    }
}

/// The minor page faults of one `rsub -v -C COUNT` receiving COUNT messages of 64 KiB, as
/// the kernel counted them for the shell that waited for it (`cminflt` in /proc/PID/stat).
fn rsub_page_faults(b: &Broker, topic: &str, payload: &str, count: usize) -> u64 {
    let mut cmd = rsub(b);
    cmd.args(["-v", "-t", topic, "-C", &count.to_string()]);
    let script =
        r#""$@" > /dev/null; rc=$?; echo "faults $(cut -d' ' -f11 /proc/$$/stat)" >&2; exit $rc"#;
    let sub = in_shell(&cmd, script).subscribed();
    rpub(b)
        .args([
            "-t",
            topic,
            "-q",
            "1",
            "-f",
            payload,
            "--count",
            &count.to_string(),
        ])
        .run_within(LONG)
        .code(0);
    let out = sub.finish(LONG);
    out.code(0);
    let faults = out
        .stderr
        .lines()
        .find_map(|line| line.strip_prefix("faults "))
        .and_then(|n| n.trim().parse().ok());
    faults.unwrap_or_else(|| out.fail("the shell did not report rsub's page faults"))
}

/// Receiving large messages reuses the memory of the ones before (process/heap.rs): 450
/// messages of 64 KiB more fault in few pages more. With the C library's default, which
/// gave the pages back after each message, rsub faulted about two pages in per message.
#[test]
fn large_messages_reuse_the_memory_of_the_ones_before() {
    let b = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let payload = dir.path().join("payload");
    std::fs::write(&payload, vec![b'x'; 64 * 1024]).unwrap();
    let payload = payload.to_str().unwrap();
    let few = rsub_page_faults(&b, "heap/few", payload, 50);
    let many = rsub_page_faults(&b, "heap/many", payload, 500);
    assert!(
        many < few + 225,
        "rsub faulted in {few} pages for 50 messages of 64 KiB and {many} for 500"
    );
}
