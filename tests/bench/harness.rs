//! What every case shares: the settings from the environment, the broker, the samples, and
//! the one loop that runs a case for both tools in turn, several rounds, the order swapped
//! every round so that a drift in machine load favours neither.
//!
//! A group of cases (a file of this folder) describes each case by a [`Spec`] and a closure
//! that runs it once for one tool; [`Bench::case`] does the rest, and leaves out the cases
//! `BENCH_CASES` does not ask for.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::util::{self, mosquitto_pub, mosquitto_sub, rpub, rsub, Broker};

/// What the environment asks for; the defaults are the full benchmark.
#[derive(Clone)]
pub struct Settings {
    /// Messages per counted case (`BENCH_COUNT`, default 100000); the scaling cases derive
    /// their counts from it.
    pub count: u64,
    /// Rounds of every case (`BENCH_ROUNDS`, default 3).
    pub rounds: usize,
    /// One-shot launches per round and tool (`BENCH_ONESHOTS`, default 50: a launch takes a few
    /// milliseconds, and fewer leave the medians moving with whatever else the machine does).
    pub oneshots: usize,
    /// Time a clean release build (`BENCH_BUILD=0` skips it).
    pub build: bool,
    /// `BENCH_CASES=WORD,WORD`: only the cases whose group or name contains one of the
    /// words (`one-shot`, `messages`, `sub`, `payload`, `filters`, `retained`, `long run`...);
    /// empty: all of them.
    pub only: Vec<String>,
}

impl Settings {
    pub fn from_env() -> Settings {
        fn number(name: &str, default: u64) -> u64 {
            match std::env::var(name) {
                Ok(text) => match text.trim().parse::<u64>() {
                    Ok(n) if n > 0 => n,
                    _ => panic!("{name}={text:?}: expected a positive whole number"),
                },
                Err(_) => default,
            }
        }
        let only = std::env::var("BENCH_CASES").unwrap_or_default();
        Settings {
            count: number("BENCH_COUNT", 100_000),
            rounds: number("BENCH_ROUNDS", 3) as usize,
            oneshots: number("BENCH_ONESHOTS", 50) as usize,
            build: std::env::var("BENCH_BUILD").map_or(true, |v| v.trim() != "0"),
            only: only
                .split(',')
                .map(str::trim)
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect(),
        }
    }

    /// The longest any single process may take before the run is counted as failed.
    pub fn limit(&self) -> Duration {
        Duration::from_secs((self.count / 200).max(60))
    }

    /// Does `BENCH_CASES` ask for this case?
    fn wants(&self, group: &str, name: &str) -> bool {
        self.only.is_empty()
            || self
                .only
                .iter()
                .any(|w| group.contains(w.as_str()) || name.contains(w.as_str()))
    }
}

/// One measured run of one tool.
#[derive(Clone, Debug)]
pub struct Sample {
    /// Publisher: spawn to exit. Subscriber: the feeding publisher's start (or its own, when
    /// nothing feeds it) to the subscriber's exit.
    pub wall: Duration,
    /// User + system CPU of the measured process.
    pub cpu: Duration,
    /// The system part of `cpu`.
    pub sys: Duration,
    /// Peak resident set of the measured process, KiB.
    pub rss_kib: u64,
    /// Messages that arrived, where counted (`None`: not counted, or unknown).
    pub delivered: Option<u64>,
    /// Why the run failed (exit status, first stderr line), if it did.
    pub failure: Option<String>,
    /// The round it was taken in, from 0.
    pub round: usize,
}

/// The goals of a case's ratios, ours / theirs.
#[derive(Clone, Copy, Default)]
pub struct Goal {
    pub wall: Option<f64>,
    pub cpu: Option<f64>,
}

/// What a case is, before it runs.
pub struct Spec {
    /// The file of cases it belongs to, for `BENCH_CASES`.
    pub group: &'static str,
    pub name: String,
    /// Messages each run should deliver, when counted.
    pub expected: Option<u64>,
    /// A subscriber's case: the report shows its CPU ratio beside the wall-time one.
    pub subscriber: bool,
    pub goal: Goal,
    /// Runs per round and tool (more than one for cases of a few milliseconds).
    pub per_round: usize,
    /// Rounds; `None`: `BENCH_ROUNDS`.
    pub rounds: Option<usize>,
}

impl Spec {
    /// A case of one run per round and tool, every round, no goal.
    pub fn new(group: &'static str, name: String, expected: Option<u64>) -> Spec {
        Spec {
            group,
            name,
            expected,
            subscriber: false,
            goal: Goal::default(),
            per_round: 1,
            rounds: None,
        }
    }

    pub fn subscriber(mut self) -> Spec {
        self.subscriber = true;
        self
    }

    pub fn goal(mut self, wall: Option<f64>, cpu: Option<f64>) -> Spec {
        self.goal = Goal { wall, cpu };
        self
    }
}

/// A case's samples for both tools.
pub struct Case {
    pub name: String,
    pub expected: Option<u64>,
    pub subscriber: bool,
    pub goal: Goal,
    pub theirs: Vec<Sample>,
    pub ours: Vec<Sample>,
    /// The bare client's runs, for the cases that have one (`bare.rs`).
    pub bare: Vec<Sample>,
}

/// Who a run is of.
#[derive(Clone, Copy, PartialEq)]
enum Who {
    Theirs,
    Ours,
    Bare,
}

impl Who {
    fn name(self) -> &'static str {
        match self {
            Who::Theirs => "mosquitto",
            Who::Ours => "ours",
            Who::Bare => "bare",
        }
    }
}

/// The state of one benchmark run.
pub struct Bench {
    pub broker: Broker,
    pub settings: Settings,
    /// Runs so far, for unique topics and client ids.
    runs: u64,
    /// Lines a group adds below the tables (what a case's figures mean together).
    pub notes: Vec<String>,
}

impl Bench {
    pub fn new(broker: Broker, settings: Settings) -> Bench {
        Bench {
            broker,
            settings,
            runs: 0,
            notes: Vec::new(),
        }
    }

    /// Is the case `BENCH_CASES` asks for? Groups ask before setting a case up.
    pub fn wants(&self, group: &str, name: &str) -> bool {
        self.settings.wants(group, name)
    }

    /// A number of its own for the next run: topics and client ids never repeat.
    pub fn next_run(&mut self) -> u64 {
        self.runs += 1;
        self.runs
    }

    /// Runs one case: every round both tools, the order swapped each round. `run(bench, ours)`
    /// runs it once for one tool. `None` when `BENCH_CASES` leaves it out.
    pub fn case(
        &mut self,
        spec: Spec,
        run: impl FnMut(&mut Bench, bool) -> Sample,
    ) -> Option<Case> {
        self.run_case(spec, run, None::<fn(&mut Bench) -> Sample>)
    }

    /// [`Bench::case`] with the bare client's run `bare` in every round beside the tools',
    /// the order turned each round.
    pub fn case_with_bare(
        &mut self,
        spec: Spec,
        run: impl FnMut(&mut Bench, bool) -> Sample,
        bare: impl FnMut(&mut Bench) -> Sample,
    ) -> Option<Case> {
        self.run_case(spec, run, Some(bare))
    }

    fn run_case(
        &mut self,
        spec: Spec,
        mut run: impl FnMut(&mut Bench, bool) -> Sample,
        mut bare: Option<impl FnMut(&mut Bench) -> Sample>,
    ) -> Option<Case> {
        if !self.wants(spec.group, &spec.name) {
            return None;
        }
        let mut case = Case {
            name: spec.name,
            expected: spec.expected,
            subscriber: spec.subscriber,
            goal: spec.goal,
            theirs: Vec::new(),
            ours: Vec::new(),
            bare: Vec::new(),
        };
        let mut order = vec![Who::Theirs, Who::Ours];
        if bare.is_some() {
            order.push(Who::Bare);
        }
        let per_round = spec.per_round;
        for round in 0..spec.rounds.unwrap_or(self.settings.rounds) {
            for i in 0..per_round {
                let mut turn = order.clone();
                turn.rotate_left((round + i) % order.len());
                for who in turn {
                    let mut sample = match (who, bare.as_mut()) {
                        (Who::Bare, Some(bare)) => bare(self),
                        _ => run(self, who == Who::Ours),
                    };
                    sample.round = round;
                    if per_round == 1 {
                        progress(&case.name, round, who, &sample);
                    }
                    match who {
                        Who::Theirs => case.theirs.push(sample),
                        Who::Ours => case.ours.push(sample),
                        Who::Bare => case.bare.push(sample),
                    }
                }
            }
            if per_round > 1 {
                let mean = |v: &[Sample]| {
                    let this: Vec<&Sample> = v.iter().filter(|s| s.round == round).collect();
                    show_time(this.iter().map(|s| s.wall).sum::<Duration>() / this.len() as u32)
                };
                println!(
                    "  {} round {}: mosquitto mean {}, ours mean {}",
                    case.name,
                    round + 1,
                    mean(&case.theirs),
                    mean(&case.ours)
                );
            }
        }
        Some(case)
    }
}

/// `rpub` or `mosquitto_pub`, pointed at the broker.
pub fn publisher(b: &Broker, ours: bool) -> Command {
    if ours {
        our_tool(rpub(b), "rpub")
    } else {
        mosquitto_pub(b)
    }
}

/// `rsub` or `mosquitto_sub`, pointed at the broker.
pub fn subscriber(b: &Broker, ours: bool) -> Command {
    if ours {
        our_tool(rsub(b), "rsub")
    } else {
        mosquitto_sub(b)
    }
}

/// Our binary: the one cargo built for this test, or `BENCH_BIN_DIR/NAME` to measure another
/// build (a change being tried, another branch) against the same reference.
pub fn our_binary(name: &str) -> PathBuf {
    match std::env::var_os("BENCH_BIN_DIR") {
        Some(dir) => Path::new(&dir).join(name),
        None => PathBuf::from(util::exe(name)),
    }
}

/// `cmd` (the harness's command for our `name`, with its arguments and environment) run from
/// [`our_binary`].
fn our_tool(cmd: Command, name: &str) -> Command {
    let mut ours = Command::new(our_binary(name));
    ours.args(cmd.get_args());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => ours.env(key, value),
            None => ours.env_remove(key),
        };
    }
    ours
}

/// One line per counted run, so that a long benchmark shows it is alive.
fn progress(case: &str, round: usize, who: Who, s: &Sample) {
    let who = who.name();
    let delivered = s
        .delivered
        .map(|d| format!(", delivered {d}"))
        .unwrap_or_default();
    let failure = s
        .failure
        .as_ref()
        .map(|f| format!(", FAILED: {f}"))
        .unwrap_or_default();
    println!(
        "  {case} round {} {who:<9}: {}, cpu {}, rss {}{delivered}{failure}",
        round + 1,
        show_time(s.wall),
        show_time(s.cpu),
        show_mib(s.rss_kib)
    );
}

pub fn show_time(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 1.0 {
        format!("{:.1} ms", s * 1000.0)
    } else {
        format!("{s:.2} s")
    }
}

pub fn show_mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// `100000` -> `100,000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
