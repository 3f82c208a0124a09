//! The load figures: messages per second one rpub process sustains with `--clients` 1, 10
//! and 100 at QoS 0 and 1, beside as many mosquitto_pub processes (one per client, as a
//! shell loop would start them), and the broker's CPU at that rate (user + system time from
//! `/proc/PID/stat` over the wall time: 100 % is one core). The aim is that the broker, not
//! rpub, is the limit: a broker near 100 % while rpub sends is a broker at its limit.
//!
//! Run at the end of the benchmark, on a broker of its own (`BENCH_CASES=load` for these
//! alone), with `BENCH_LOAD_COUNT` messages in all per case (default 100000;
//! `BENCH_LOAD_COUNT=2000` for a quick look). Figures from a shared machine say little:
//! compare the columns of one run.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{mosquitto_pub, rpub, Broker};

/// Clients per case.
const CLIENTS: [u64; 3] = [1, 10, 100];

/// The payload of every message: short, like most telemetry.
const PAYLOAD: &str = "load payload 0123456789abcdef";

/// No queue limits (nothing is dropped for want of room); the harness learns from the
/// information lines that the broker is serving (they add a line per connection, nothing per
/// message).
const BROKER_CONFIG: &str = "max_queued_messages 0
log_type error
log_type warning
log_type notice
log_type information";

/// Measure the load cases and print their table.
pub fn run() {
    let total = std::env::var("BENCH_LOAD_COUNT")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(100_000);
    let broker = Broker::with_config(BROKER_CONFIG);
    let mut table = format!(
        "load: {total} messages in all per case, no subscriber, one Mosquitto on loopback; \
         broker CPU = its user + system time / wall time\n\
         {:<4} {:>7}  {:>12} {:>10} {:>6}  {:>19} {:>10} {:>6}\n",
        "qos",
        "clients",
        "rpub msg/s",
        "broker CPU",
        "sent",
        "mosquitto_pub msg/s",
        "broker CPU",
        "ok"
    );
    for qos in [0, 1] {
        for clients in CLIENTS {
            let per_client = (total / clients).max(1);
            let ours = measure(&broker, || vec![ours(&broker, qos, clients, per_client)]);
            let theirs = measure(&broker, || {
                (0..clients)
                    .map(|_| theirs(&broker, qos, per_client))
                    .collect()
            });
            let count = clients * per_client;
            table.push_str(&format!(
                "{qos:<4} {clients:>7}  {:>12.0} {:>9.0}% {:>6}  {:>19.0} {:>9.0}% {:>6}\n",
                ours.rate(count),
                ours.broker_cpu(),
                if ours.succeeded == 1 {
                    "all"
                } else {
                    "NOT ALL"
                },
                theirs.rate(count),
                theirs.broker_cpu(),
                format!("{}/{clients}", theirs.succeeded),
            ));
        }
    }
    println!("\n{table}");
}

/// One rpub process with `clients` connections, all at once, each sending `per_client`.
fn ours(b: &Broker, qos: u8, clients: u64, per_client: u64) -> Child {
    let mut cmd = rpub(b);
    cmd.args(["--clients", &clients.to_string(), "--connect-rate", "0"])
        .args(["--count", &per_client.to_string(), "-q", &qos.to_string()])
        .args(["-t", "bench/load", "-m", PAYLOAD, "--quiet"]);
    spawn(&mut cmd)
}

/// One mosquitto_pub process sending `per_client`.
fn theirs(b: &Broker, qos: u8, per_client: u64) -> Child {
    let mut cmd = mosquitto_pub(b);
    cmd.args(["--repeat", &per_client.to_string(), "-q", &qos.to_string()])
        .args(["-t", "bench/load", "-m", PAYLOAD]);
    spawn(&mut cmd)
}

fn spawn(cmd: &mut Command) -> Child {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start a publisher")
}

/// One case: wall time from the first spawn to the last exit, the broker's CPU time over
/// it, and how many processes exited 0.
struct Measured {
    wall: Duration,
    broker: Duration,
    succeeded: usize,
}

impl Measured {
    fn rate(&self, count: u64) -> f64 {
        count as f64 / self.wall.as_secs_f64()
    }

    fn broker_cpu(&self) -> f64 {
        100.0 * self.broker.as_secs_f64() / self.wall.as_secs_f64()
    }
}

fn measure(b: &Broker, start: impl FnOnce() -> Vec<Child>) -> Measured {
    let before = cpu_time(b);
    let started = Instant::now();
    let children = start();
    let succeeded = children
        .into_iter()
        .filter_map(|mut child| child.wait().ok())
        .filter(|status| status.success())
        .count();
    let wall = started.elapsed();
    Measured {
        wall,
        broker: cpu_time(b).saturating_sub(before),
        succeeded,
    }
}

/// The broker's user + system CPU time so far: fields 14 and 15 of `/proc/PID/stat`, after
/// the command name (which may hold spaces, so the count starts after its closing `)`).
fn cpu_time(b: &Broker) -> Duration {
    let Some(pid) = b.pid() else {
        return Duration::ZERO;
    };
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<u64> = after_name
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|f| f.parse().ok())
        .collect();
    // SAFETY: sysconf reads a constant of the system and touches no memory of ours.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    Duration::from_secs_f64(fields.iter().sum::<u64>() as f64 / ticks)
}
