//! Will messages (`--will-topic`, `--will-payload`, `--will-qos`, `--will-retain`): the broker
//! publishes them when a client vanishes without a DISCONNECT (here: SIGKILL, the socket closes
//! at once), and discards them when the client says goodbye.

use std::io::Write;

use crate::util::{rpub, rsub, Run, Sub, SHORT};

#[test]
fn rsub_killed_leaves_its_will() {
    let (b, t) = broker_and_topic!();
    let will = format!("{t}/will");
    let watcher = rsub(&b).args(["-v", "-t", &will, "-C", "1"]).subscribed();
    let mut victim = rsub(&b)
        .args(["-t", &format!("{t}/data")])
        .args(["--will-topic", &will])
        .args(["--will-payload", "gone"])
        .subscribed();
    victim.kill();
    watcher
        .finish(SHORT)
        .code(0)
        .stdout(format!("{will} gone\n"));
}

#[test]
fn rpub_killed_leaves_its_will() {
    let (b, t) = broker_and_topic!();
    let will = format!("{t}/will");
    let watcher = rsub(&b).args(["-t", &will, "-C", "1"]).subscribed();
    // rpub -l waits on its stdin with the connection open.
    let (mut victim, stdin) = Sub::spawn_with_stdin(
        rpub(&b)
            .args(["-d", "-l", "-t", &format!("{t}/data")])
            .args(["--will-topic", &will])
            .args(["--will-payload", "publisher gone"]),
    );
    victim.wait_for_stderr("received CONNACK", SHORT);
    victim.kill();
    drop(stdin);
    watcher.finish(SHORT).code(0).stdout("publisher gone\n");
}

#[test]
fn retained_will_reaches_later_subscribers() {
    let (b, t) = broker_and_topic!();
    let will = format!("{t}/status");
    let mut victim = rsub(&b)
        .args(["-t", &format!("{t}/data")])
        .args(["--will-topic", &will])
        .args(["--will-payload", "offline"])
        .args(["--will-retain"])
        .args(["--will-qos", "1"])
        .subscribed();
    victim.kill();
    let _ = victim.finish(SHORT);
    // The broker publishes the will as soon as it sees the socket close; poll briefly for it.
    rsub(&b)
        .args(["-t", &will, "-C", "1", "-W", "5"])
        .run()
        .code(0)
        .stdout("offline\n");
}

#[test]
fn clean_exit_discards_the_will() {
    let (b, t) = broker_and_topic!();
    let will = format!("{t}/will");
    let watcher = rsub(&b).args(["-t", &will, "-C", "1"]).subscribed();
    // rpub sending one message and exiting normally: DISCONNECT, no will.
    rpub(&b)
        .args(["-t", &format!("{t}/data"), "-m", "bye"])
        .args(["--will-topic", &will])
        .args(["--will-payload", "gone"])
        .run()
        .code(0);
    // rsub interrupted with Ctrl+C: DISCONNECT, no will.
    let mut sub = rsub(&b)
        .args(["-t", &format!("{t}/data")])
        .args(["--will-topic", &will])
        .args(["--will-payload", "gone"])
        .subscribed();
    sub.interrupt();
    sub.finish(SHORT).interrupted();
    // rpub -l whose stdin ends: DISCONNECT, no will.
    let (publisher, mut stdin) = Sub::spawn_with_stdin(
        rpub(&b)
            .args(["-l", "-t", &format!("{t}/data")])
            .args(["--will-topic", &will])
            .args(["--will-payload", "gone"]),
    );
    stdin.write_all(b"line\n").unwrap();
    drop(stdin);
    publisher.finish(SHORT).code(0);
    // A will would have been published when the connection closed, before this marker
    // (mosquitto handles its clients in one loop): the first message must be the marker.
    rpub(&b).args(["-t", &will, "-m", "marker"]).run().code(0);
    watcher.finish(SHORT).code(0).stdout("marker\n");
}
