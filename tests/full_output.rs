//! Output that cannot be written (`> /dev/full`): both tools stop with one line and exit 1,
//! as the exit table says, through the same rule (a closed pipe only, `| head -1`, is fine).

use crate::util::*;

#[test]
fn rpub_verbose_to_a_full_disk_exits_1_with_one_line() {
    let (b, t) = broker_and_topic!();
    for qos in ["0", "1", "2"] {
        let mut cmd = rpub(&b);
        cmd.args(["-v", "-q", qos, "-t", &t, "-m", "hi"]);
        to_dev_full(&cmd)
            .run()
            .code(1)
            .one_error_line("rpub")
            .stderr_mentions("rpub: writing output: No space left on device");
    }
}

#[test]
fn rsub_to_a_full_disk_exits_1_with_one_line() {
    let (b, t) = broker_and_topic!();
    rpub(&b)
        .args(["-r", "-t", &t, "-m", "retained"])
        .run()
        .code(0);
    let mut cmd = rsub(&b);
    cmd.args(["-t", &t, "-C", "1"]);
    to_dev_full(&cmd)
        .run()
        .code(1)
        .one_error_line("rsub")
        .stderr_mentions("rsub: writing output: No space left on device");
}
