//! Where rpub's payload comes from and that it arrives byte-exact: `-m`, `-f FILE` (any
//! binary), `-s` (all of stdin as one message), `-l` (one message per stdin line, newline
//! stripped, binary-safe, sent as lines arrive), `-n` (empty). And rsub's `-N`.

use std::fs;
use std::io::Write;
use std::process::Command;

use crate::util::{bin, in_shell, random_bytes, rpub, rsub, run_stdin, Run, Sub, LONG, SHORT};

/// A binary payload of `len` bytes, sent from a file at QoS 1 by `rpub` (rpub with where and
/// how to connect, run through the shell `script` as `in_shell` runs it), arrives byte for
/// byte at `rsub` (rsub likewise), on topic `topic`.
#[track_caller]
pub(crate) fn payload_file_arrives_whole(
    len: usize,
    mut rpub: Command,
    mut rsub: Command,
    topic: &str,
    script: &str,
) {
    let payload = random_bytes(len, 0x1a46e);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("payload.bin");
    fs::write(&file, &payload).unwrap();
    let sub = rsub
        .args(["-N", "-q", "1", "-t", topic, "-C", "1"])
        .subscribed();
    rpub.args(["-q", "1", "-t", topic, "-f", file.to_str().unwrap()]);
    in_shell(&rpub, script)
        .run_within(LONG)
        .code(0)
        .stderr_empty();
    let out = sub.finish(LONG);
    out.code(0);
    if out.stdout != payload {
        out.fail(&format!(
            "the {len} bytes sent arrived as {} bytes, not byte for byte",
            out.stdout.len()
        ));
    }
}

/// A payload large enough to go out from its own memory after its header: 3 MiB, sent and
/// received by the tools with `publish` and `subscribe` flags, arrives byte for byte.
#[track_caller]
pub(crate) fn large_payload_arrives_whole(publish: &[String], subscribe: &[String], topic: &str) {
    let mut rpub = bin("rpub");
    rpub.args(publish);
    let mut rsub = bin("rsub");
    rsub.args(subscribe);
    payload_file_arrives_whole(3 << 20, rpub, rsub, topic, r#"exec "$@""#);
}

#[test]
fn one_mebibyte_of_binary_from_a_file() {
    let (b, t) = broker_and_topic!();
    let payload = random_bytes(1 << 20, 0x5eed);
    let file = b.dir().join("payload.bin");
    fs::write(&file, &payload).unwrap();
    let sub = rsub(&b).args(["-N", "-t", &t, "-C", "1"]).subscribed();
    rpub(&b)
        .args(["-q", "1", "-t", &t, "-f", file.to_str().unwrap()])
        .run_within(LONG)
        .code(0)
        .stderr_empty();
    sub.finish(LONG).code(0).stdout(&payload);
}

#[test]
fn empty_file_sends_an_empty_message() {
    let (b, t) = broker_and_topic!();
    let file = b.dir().join("empty");
    fs::write(&file, b"").unwrap();
    let sub = rsub(&b).args(["-t", &t, "-C", "2"]).subscribed();
    rpub(&b)
        .args(["-t", &t, "-f", file.to_str().unwrap()])
        .run()
        .code(0);
    rpub(&b).args(["-t", &t, "-m", "end"]).run().code(0);
    sub.finish(SHORT).code(0).stdout("\nend\n");
}

#[test]
fn stdin_file_sends_everything_as_one_message() {
    let (b, t) = broker_and_topic!();
    // -C 2 and a second message: were -s to split its input, "end" would never be printed.
    let sub = rsub(&b).args(["-t", &t, "-C", "2"]).subscribed();
    rpub(&b)
        .args(["-t", &t, "-s"])
        .run_stdin("line 1\nline 2\n")
        .code(0);
    rpub(&b).args(["-t", &t, "-m", "end"]).run().code(0);
    sub.finish(SHORT).code(0).stdout("line 1\nline 2\n\nend\n");
}

#[test]
fn stdin_file_is_binary_safe() {
    let (b, t) = broker_and_topic!();
    let payload = random_bytes(100_000, 42);
    let sub = rsub(&b).args(["-N", "-t", &t, "-C", "1"]).subscribed();
    run_stdin(
        rpub(&b).args(["-q", "1", "-t", &t, "-s"]),
        payload.clone(),
        LONG,
    )
    .code(0);
    sub.finish(LONG).code(0).stdout(&payload);
}

#[test]
fn null_message_is_empty() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b).args(["-t", &t, "-C", "2"]).subscribed();
    rpub(&b).args(["-t", &t, "-n"]).run().code(0);
    rpub(&b).args(["-t", &t, "-m", "end"]).run().code(0);
    sub.finish(SHORT).code(0).stdout("\nend\n");
}

#[test]
fn null_message_is_traced_as_zero_bytes() {
    let (b, t) = broker_and_topic!();
    let out = rpub(&b).args(["-d", "-t", &t, "-n"]).run();
    out.code(0).stderr_mentions("(0 bytes))");
}

#[test]
fn stdin_lines_are_messages_byte_exact() {
    let (b, t) = broker_and_topic!();
    let input: &[u8] = b"plain\nnot utf-8: \xff\xfe\xc3(\nnul \x00 inside\nlast without newline";
    let sub = rsub(&b).args(["-t", &t, "-C", "4"]).subscribed();
    rpub(&b)
        .args(["-q", "1", "-t", &t, "-l"])
        .run_stdin(input)
        .code(0)
        .stderr_empty();
    let mut expected = input.to_vec();
    expected.push(b'\n');
    sub.finish(SHORT).code(0).stdout(expected);
}

#[test]
fn stdin_lines_are_sent_as_they_arrive() {
    // `tail -f log | rpub -l`: each line goes out when it is read, not when stdin ends.
    let (b, t) = broker_and_topic!();
    let mut sub = rsub(&b).args(["-t", &t]).subscribed();
    let (mut publisher, mut stdin) = Sub::spawn_with_stdin(rpub(&b).args(["-t", &t, "-l"]));
    stdin.write_all(b"first\n").unwrap();
    stdin.flush().unwrap();
    let lines = sub.wait_stdout_lines(1, SHORT);
    assert_eq!(lines, ["first"]);
    stdin.write_all(b"second\n").unwrap();
    stdin.flush().unwrap();
    let lines = sub.wait_stdout_lines(2, SHORT);
    assert_eq!(lines, ["first", "second"]);
    if publisher.has_exited() {
        publisher.fail("rpub -l exited before its stdin ended");
    }
    drop(stdin);
    publisher.finish(SHORT).code(0);
}

#[test]
fn no_newline_concatenates_payloads() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b).args(["-N", "-t", &t, "-C", "3"]).subscribed();
    rpub(&b)
        .args(["-t", &t, "-m", "{n},", "--count", "3", "--interval", "0"])
        .run()
        .code(0);
    sub.finish(SHORT).code(0).stdout("1,2,3,");
}

#[test]
fn message_with_newlines_and_unicode() {
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b).args(["-N", "-t", &t, "-C", "1"]).subscribed();
    rpub(&b)
        .args(["-t", &t, "-m", "Grüße\n  ☕ \t'quoted' \"double\"\n"])
        .run()
        .code(0);
    sub.finish(SHORT)
        .code(0)
        .stdout("Grüße\n  ☕ \t'quoted' \"double\"\n");
}

#[test]
fn a_message_that_is_not_utf8_is_sent_as_its_bytes() {
    use std::os::unix::ffi::OsStrExt;
    let (b, t) = broker_and_topic!();
    let sub = rsub(&b).args(["-C", "1", "-N", "-t", &t]).subscribed();
    let bytes = std::ffi::OsStr::from_bytes(b"caf\xe9\xff");
    rpub(&b).args(["-t", &t]).arg("-m").arg(bytes).run().code(0);
    sub.finish(SHORT).code(0).stdout(b"caf\xe9\xff");
}
