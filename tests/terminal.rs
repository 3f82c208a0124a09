//! What people see in a terminal and scripts never do: the coloured topic, rpub's progress
//! bar, rsub's live counter and `--latency` so far, and the `--stats` summary. The terminal
//! cases run under a pseudo-terminal made by `script` (util-linux); the same commands in a
//! pipe must show no escape codes and no progress at all.

use std::path::PathBuf;
use std::process::Command;

use crate::util::{rpub, rsub, Output, Run, Sub, SETUP};

/// `script` from util-linux (Debian: bsdutils).
fn script() -> PathBuf {
    ["/usr/bin/script", "/bin/script"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("`script` not found: these tests need a pseudo-terminal; run: {SETUP}")
        })
}

/// A command as one shell word list.
fn shell_words(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| format!("'{}'", a.to_string_lossy().replace('\'', r"'\''")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `cmd` (plus shell redirections in `tail`) with stdin, stdout and stderr on a
/// pseudo-terminal; everything the terminal showed is the Output's stdout.
fn in_terminal(cmd: &Command, tail: &str, env: &[(&str, &str)]) -> Output {
    in_terminal_after("", cmd, tail, env)
}

/// As [`in_terminal`], with `head` (a shell pipeline feeding stdin) before the command.
fn in_terminal_after(head: &str, cmd: &Command, tail: &str, env: &[(&str, &str)]) -> Output {
    let line = format!("{head} {} {tail}", shell_words(cmd));
    let mut script = Command::new(script());
    // The shell line carries the program and its arguments; the environment the harness gave
    // `cmd` (no host settings, an empty home) goes to `script`, whose shell passes it on.
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => script.env(key, value),
            None => script.env_remove(key),
        };
    }
    script
        .args(["-qfec", &line, "/dev/null"])
        .env("SHELL", "/bin/sh")
        .env("TERM", "xterm")
        .env_remove("NO_COLOR");
    for (k, v) in env {
        script.env(k, v);
    }
    script.run()
}

fn has_escape(bytes: &[u8]) -> bool {
    bytes.contains(&0x1b)
}

#[test]
fn topic_is_coloured_only_on_a_terminal() {
    let (b, t) = broker_and_topic!();
    rpub(&b).args(["-r", "-t", &t, "-m", "hi"]).run().code(0);
    let mut sub = rsub(&b);
    sub.args(["-v", "-t", &t, "-C", "1"]);

    let out = in_terminal(&sub, "", &[]);
    out.code(0);
    let coloured = format!("\x1b[1;36m{t}\x1b[0m hi");
    if !out.stdout_str().contains(&coloured) {
        out.fail("expected the topic in colour on a terminal");
    }
    for (tail, env) in [("", &[("NO_COLOR", "1")][..]), ("--color never", &[][..])] {
        let out = in_terminal(&sub, tail, env);
        out.code(0);
        if has_escape(&out.stdout) {
            out.fail("NO_COLOR / --color never: no escape codes");
        }
    }
    // A pipe: never, unless asked for with --color always.
    rsub(&b)
        .args(["-v", "-t", &t, "-C", "1"])
        .run()
        .code(0)
        .stdout(format!("{t} hi\n"));
    let out = rsub(&b)
        .args(["-v", "--color", "always", "-t", &t, "-C", "1"])
        .run();
    out.code(0).stdout(format!("{coloured}\n"));
}

#[test]
fn progress_bar_on_a_terminal_only() {
    let (b, t) = broker_and_topic!();
    let mut publish = rpub(&b);
    publish
        .args(["-q", "1", "-t", &t, "-m", "x"])
        .args(["--count", "40"])
        .args(["--interval", "0.02"]);
    let out = in_terminal(&publish, "", &[]);
    out.code(0);
    let shown = out.stdout_str();
    if !shown.contains("/40 acknowledged") || !shown.contains("ETA") {
        out.fail("expected a progress bar with count, total and ETA");
    }
    // --quiet and -d (whose trace fills stderr) hide it; a pipe never sees it.
    for flag in ["--quiet", "-d"] {
        let out = in_terminal(&publish, flag, &[]);
        out.code(0);
        if out.stdout_str().contains("/40") {
            out.fail(&format!("{flag}: no progress bar"));
        }
    }
    let out = publish.run();
    out.code(0).stderr_empty().stdout("");

    // -l: a counter without a total, while lines come in slowly.
    let mut publish = rpub(&b);
    publish.args(["-q", "1", "-t", &t, "-l"]);
    let out = in_terminal_after(
        "(echo a; sleep 0.5; echo b; sleep 0.5; echo c) |",
        &publish,
        "",
        &[],
    );
    out.code(0);
    if !out.stdout_str().contains("acknowledged") {
        out.fail("expected a progress counter for -l");
    }
}

#[test]
fn live_counter_when_stdout_is_a_file_and_stderr_a_terminal() {
    let (b, t) = broker_and_topic!();
    for i in 0..20 {
        rpub(&b)
            .args(["-r", "-t", &format!("{t}/{i}"), "-m", &format!("m{i}")])
            .run()
            .code(0);
    }
    let file = b.dir().join("out.txt");
    let mut sub = rsub(&b);
    // 21 never come: the run lasts the second of -W, long enough for the counter to draw.
    sub.args(["-t", &format!("{t}/#"), "-C", "21", "-W", "1"]);
    let out = in_terminal(&sub, &format!("> '{}'", file.display()), &[]);
    out.code(27);
    // The counter's line: "20 messages  <rate>  <bytes>" (the timeout line says "printed").
    if !out.stdout_str().contains("20 messages  ") {
        out.fail("expected the live counter on the terminal");
    }
    let written = std::fs::read(&file).unwrap();
    assert!(!has_escape(&written), "the file got escape codes");
    assert_eq!(written.iter().filter(|&&b| b == b'\n').count(), 20);

    // Output on the terminal itself: no counter mixed into it.
    let out = in_terminal(&sub, "", &[]);
    out.code(27);
    if out.stdout_str().contains("messages  ") {
        out.fail("no counter when stdout is the terminal");
    }
    // Piped, stderr not a terminal: only the timeout line.
    let out = sub.run();
    out.code(27).one_error_line("rsub");
    assert!(!has_escape(&out.stdout) && !has_escape(out.stderr.as_bytes()));
}

#[test]
fn stats_summaries() {
    let (b, t) = broker_and_topic!();
    let out = rpub(&b)
        .args(["--stats"])
        .args(["-q", "1", "-t", &t, "-m", "hello", "-r"])
        .args(["--count", "10"])
        .run();
    out.code(0);
    let line = regex::Regex::new(
        r"^rpub: 10 messages, 10 sent, 10 acknowledged, 50 B in [0-9.]+s \([0-9]+ msg/s\)$",
    )
    .unwrap();
    if out.stderr_lines().len() != 1 || !line.is_match(out.stderr_lines()[0]) {
        out.fail("expected one --stats line");
    }
    let out = rsub(&b).args(["--stats", "-t", &t, "-C", "1"]).run();
    out.code(0).stdout("hello\n");
    let line = regex::Regex::new(r"^rsub: 1 messages, 5 B received in [0-9.]+s \([0-9]+ msg/s\)$")
        .unwrap();
    if out.stderr_lines().len() != 1 || !line.is_match(out.stderr_lines()[0]) {
        out.fail("expected one --stats line");
    }
}

#[test]
fn latency_so_far_every_few_seconds_on_a_terminal() {
    let (b, t) = broker_and_topic!();
    let mut publisher = rpub(&b);
    publisher.args([
        "-t",
        &t,
        "-m",
        "x",
        "--stamp",
        "--count",
        "0",
        "--interval",
        "100ms",
    ]);
    let mut publisher = Sub::spawn(&mut publisher);
    let mut sub = rsub(&b);
    sub.args(["-t", &t, "--latency", "-W", "7"]);
    let out = in_terminal(&sub, "> /dev/null", &[]);
    publisher.interrupt();
    out.code(27);
    // The line of 5 s in, then the summary at the end.
    let lines = out.stdout_str().matches("rsub: latency of ").count();
    if lines < 2 {
        out.fail("expected the latency so far, then the summary");
    }
}

#[test]
fn a_load_run_shows_a_live_line_on_a_terminal_only() {
    let (b, t) = broker_and_topic!();
    let mut publish = rpub(&b);
    publish.args(["-q", "1", "-t", &t, "-m", "x"]).args([
        "--clients",
        "3",
        "--count",
        "10",
        "--rate",
        "15",
    ]);
    let out = in_terminal(&publish, "", &[]);
    out.code(0);
    let shown = out.stdout_str();
    if !shown.contains("3/3 connected, ") || !shown.contains(" acknowledged") {
        out.fail("expected a live line with the clients connected and messages acknowledged");
    }
    // In a pipe: only the summary.
    let out = publish.run();
    out.code(0).stdout("");
    let lines = out.stderr_lines();
    if lines.len() != 1 || !lines[0].starts_with("rpub: 3 clients, 3 connected; 30 messages") {
        out.fail("expected the summary line alone on stderr");
    }
}

#[test]
fn the_tree_is_drawn_with_box_lines_on_a_terminal_and_in_ascii_on_request() {
    let (b, t) = broker_and_topic!();
    rpub(&b)
        .args(["-r", "-t", &format!("{t}/a/b"), "-m", "x"])
        .run()
        .code(0);
    let mut tree = rsub(&b);
    tree.args(["-t", &format!("{t}/#"), "--tree", "-C", "1"]);
    let out = in_terminal(&tree, "", &[]);
    out.code(0);
    if !out
        .stdout_str()
        .contains("└── b = x  (1 message, retained)")
    {
        out.fail("expected box-drawing lines on a terminal");
    }
    let out = in_terminal(&tree, "--ascii", &[]);
    out.code(0);
    if !out
        .stdout_str()
        .contains("`-- b = x  (1 message, retained)")
    {
        out.fail("expected ASCII lines with --ascii");
    }
}
