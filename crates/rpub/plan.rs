//! What rpub will do, resolved once from the command line and the connection settings, with
//! everything checked before connecting: the topic, the payload (read already), the MQTT 5
//! properties, counts, intervals and QoS. A plan that exists can be carried out; the loops
//! that do it (`repeat.rs`, `lines.rs`, `replay.rs`, `request.rs`) never see a flag.

use std::time::Duration;

use bytes::Bytes;

use rpubsub_core::exit::Fail;
use rpubsub_core::options::{ConnectOptions, Protocol};
use rpubsub_core::properties::PublishProperties;
use rpubsub_core::qos::Qos;
use rpubsub_core::topic::check_topic_name;

use crate::cli::{Cli, StatsFormat};
use crate::payload::Payload;
use crate::placeholders::Template;

const NO_PAYLOAD: &str = "no payload: give one of -m MESSAGE, -f FILE, -s (stdin as one message), \
                          -l (one per line), --stdin-json (JSON lines), -n (empty)";

/// One run of rpub.
#[derive(Debug, PartialEq)]
pub enum Plan {
    /// `-m`, `-f`, `-s` or `-n` without `--repeat`: one message, sent as typed.
    Once(Message),
    /// `--repeat N` / `--count N`.
    Repeat(Repeat),
    /// `-l`: a message per line of stdin, each with the same topic and properties.
    Lines(Publish),
    /// `--stdin-json`: the messages JSON lines on stdin describe.
    Replay(Replay),
    /// `--wait-response`: one request, and its answer printed.
    Request(Request),
    /// `--clients`, `--rate`: the same loop on each of several connections, paced.
    Load(Load),
}

/// How each message goes out: topic, QoS, retain flag and MQTT 5 properties.
#[derive(Debug, Clone, PartialEq)]
pub struct Publish {
    pub topic: String,
    pub qos: Qos,
    pub retain: bool,
    pub properties: PublishProperties,
}

/// A message: where and how, and its payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub publish: Publish,
    pub payload: Bytes,
}

/// The same message, counted.
#[derive(Debug, Clone, PartialEq)]
pub struct Repeat {
    pub message: Message,
    /// How many; `None`: until Ctrl+C (`--repeat 0`).
    pub times: Option<u64>,
    /// Between one message and the next (zero: as fast as the connection takes them).
    pub interval: Duration,
    /// The topic with its placeholders, when it has any and they are wanted.
    pub topic: Option<Template>,
    /// The same for the `-m` text (a file or stdin is never rewritten).
    pub text: Option<Template>,
}

/// `--clients N`, `--rate R`: each client runs `repeat` (its interval is the pace of one
/// client), and they connect `connect_every` apart.
#[derive(Debug, Clone, PartialEq)]
pub struct Load {
    pub repeat: Repeat,
    /// `--clients`; `None`: one client, with the client id as given.
    pub clients: Option<u32>,
    /// Between one connection attempt and the next.
    pub connect_every: Duration,
    /// `--stats json`: the summary as JSON on stdout instead of a line on stderr.
    pub json: bool,
}

/// `--stdin-json`.
#[derive(Debug, PartialEq)]
pub struct Replay {
    /// For lines that do not say: `-q` and `-r`.
    pub qos: Qos,
    pub retain: bool,
    /// `--replay-timing`: the speed factor (1 = as captured).
    pub speed: Option<f64>,
    /// MQTT 5: the lines' properties can be sent.
    pub mqtt5: bool,
}

/// `--wait-response`.
#[derive(Debug, PartialEq)]
pub struct Request {
    /// Over MQTT 5 its properties carry the response topic and correlation data.
    pub message: Message,
    /// How long to wait for the answer.
    pub wait: Duration,
    /// Where the answer comes: `--response-topic` (or one of rpub's own over MQTT 5).
    pub response_topic: String,
    /// The correlation data an answer that carries any must carry back (MQTT 5).
    pub correlation: Option<Bytes>,
    /// MQTT 5: the response subscription is "no local", so that a request on the response
    /// topic is not taken for its answer (MQTT 3.1.1 cannot ask that).
    pub no_local: bool,
}

impl Plan {
    /// Resolve the command line over the connection settings `opts`. A refusal is a
    /// [`Fail`] with nothing sent; so is an unreadable payload (read here).
    pub fn resolve(cli: &Cli, opts: &ConnectOptions) -> Result<Plan, Fail> {
        let payload = match source(cli) {
            None => return Err(Fail::usage(NO_PAYLOAD)),
            Some(Source::Json) => return replay(cli, opts),
            Some(Source::Lines) => None,
            Some(Source::One(payload)) => Some(payload),
        };
        let topic = cli
            .topic
            .clone()
            .or_else(|| opts.url_topic.clone())
            .ok_or_else(|| {
                Fail::usage("no topic: give one with -t TOPIC (or as in -L mqtt://host/TOPIC)")
            })?;
        check_topic_name(&topic).map_err(Fail::usage)?;
        let payload = payload.map(Payload::read).transpose()?;
        let mut properties = crate::properties::resolve(cli, opts)?;
        properties.check_lengths().map_err(Fail::usage)?;
        let Some(payload) = payload else {
            return Ok(Plan::Lines(publish(cli, topic, properties)));
        };
        if properties.payload_format == Some(1) && std::str::from_utf8(&payload).is_err() {
            return Err(Fail::usage(
                "the payload format is utf8 but the payload is not valid UTF-8 (use --payload-format bytes)",
            ));
        }
        let answer = match cli.mqtt5.wait_response {
            Some(_) => Some(Self::answer(cli, opts, &mut properties)?),
            None => None,
        };
        let message = Message {
            publish: publish(cli, topic, properties),
            payload,
        };
        if cli.load.clients.is_some() || cli.load.rate.is_some() {
            return Ok(Plan::Load(load(cli, message)));
        }
        if cli.stats == Some(StatsFormat::Json) {
            return Err(Fail::usage(
                "--stats json sums up a load run: give it with --clients N or --rate R",
            ));
        }
        Ok(match (cli.mqtt5.wait_response, cli.repeat) {
            (Some(wait), _) => {
                let (response_topic, correlation) = answer.unwrap_or_default();
                Plan::Request(Request {
                    message,
                    wait,
                    response_topic,
                    correlation,
                    no_local: opts.protocol == Protocol::V5,
                })
            }
            (None, Some(times)) => Plan::Repeat(repeat(cli, message, times)),
            (None, None) => Plan::Once(message),
        })
    }

    /// A request's response topic and correlation data. MQTT 5 carries both in the request
    /// (rpub fills in what is not given); over MQTT 3.1.1, as mosquitto_rr, the responder must
    /// already know the response topic, and no correlation data can be sent.
    fn answer(
        cli: &Cli,
        opts: &ConnectOptions,
        properties: &mut PublishProperties,
    ) -> Result<(String, Option<Bytes>), Fail> {
        if opts.protocol == Protocol::V5 {
            crate::properties::for_request(properties, &opts.client_id);
            let topic = properties.response_topic.clone().unwrap_or_default();
            return Ok((topic, properties.correlation_data.clone()));
        }
        let topic = cli.mqtt5.response_topic.clone().ok_or_else(|| {
            Fail::usage(
            "--wait-response over MQTT 3.1.1 needs --response-topic TOPIC (mosquitto_rr's -e): \
             the request cannot carry it, so the responder must know where to answer",
        )
        })?;
        check_topic_name(&topic).map_err(|e| Fail::usage(format!("response topic: {e}")))?;
        Ok((topic, None))
    }

    /// The progress bar this plan shows on a terminal: its total (if known) and what it
    /// counts. A single message needs none.
    pub fn progress(&self) -> Option<(Option<u64>, &'static str)> {
        let unit = |qos| match qos {
            Qos::AtMostOnce => "sent",
            _ => "acknowledged",
        };
        match self {
            Plan::Once(_) | Plan::Request(_) => None,
            Plan::Repeat(r) => Some((r.times, unit(r.message.publish.qos))),
            Plan::Lines(publish) => Some((None, unit(publish.qos))),
            Plan::Replay(_) => Some((None, "done")),
            // A load run draws its own line (load/live.rs).
            Plan::Load(_) => None,
        }
    }
}

/// Which payload flag was given.
enum Source<'a> {
    /// One payload, read while planning.
    One(Payload<'a>),
    /// `-l`: lines, read as they come.
    Lines,
    /// `--stdin-json`: lines that also name their topics.
    Json,
}

fn source(cli: &Cli) -> Option<Source<'_>> {
    Some(if let Some(text) = &cli.message {
        Source::One(Payload::Message(text))
    } else if let Some(path) = &cli.file {
        Source::One(Payload::File(path))
    } else if cli.stdin_file {
        Source::One(Payload::Stdin)
    } else if cli.null_message {
        Source::One(Payload::Empty)
    } else if cli.stdin_line {
        Source::Lines
    } else if cli.stdin_json {
        Source::Json
    } else {
        return None;
    })
}

/// The same topic, QoS, retain flag and properties for each message.
fn publish(cli: &Cli, topic: String, properties: PublishProperties) -> Publish {
    Publish {
        topic,
        qos: cli.qos,
        retain: cli.retain,
        properties,
    }
}

/// `--stdin-json`: each line names its own topic and properties.
fn replay(cli: &Cli, opts: &ConnectOptions) -> Result<Plan, Fail> {
    if !crate::properties::resolve(cli, opts)?.is_empty() {
        return Err(Fail::usage(
            "--stdin-json takes the properties of each message from its line, not from flags or -D",
        ));
    }
    Ok(Plan::Replay(Replay {
        qos: cli.qos,
        retain: cli.retain,
        speed: cli
            .replay
            .replay_timing
            .then(|| cli.replay.speed.unwrap_or(1.0)),
        mqtt5: opts.protocol == Protocol::V5,
    }))
}

/// `--repeat`: placeholders are expanded only in a loop, and only when they are there.
fn repeat(cli: &Cli, message: Message, times: u64) -> Repeat {
    let wanted = |text: &str| {
        Some(Template::parse(text)).filter(|t| !cli.no_placeholders && !t.is_constant())
    };
    Repeat {
        topic: wanted(&message.publish.topic),
        // Placeholders are text: a message that is not UTF-8 goes out as given.
        text: cli
            .message
            .as_deref()
            .and_then(std::ffi::OsStr::to_str)
            .and_then(wanted),
        message,
        times: Some(times).filter(|&n| n > 0),
        interval: cli.interval.unwrap_or(Duration::ZERO),
    }
}

/// Connections opened per second by default: a hundred clients take a second to connect
/// rather than all arriving at once (emqtt-bench's default pace is the same).
const CONNECT_RATE: u32 = 100;

/// `--clients`, `--rate`: the loop of `--count` (per client; without it, until Ctrl+C), each
/// client paced at its share of the rate.
fn load(cli: &Cli, message: Message) -> Load {
    let clients = cli.load.clients.unwrap_or(1);
    let mut repeat = repeat(cli, message, cli.repeat.unwrap_or(0));
    if let Some(rate) = cli.load.rate {
        let per_client = if rate.per_client {
            rate.per_second
        } else {
            rate.per_second / f64::from(clients)
        };
        repeat.interval = Duration::from_secs_f64(1.0 / per_client);
    }
    let connect_rate = cli.load.connect_rate.unwrap_or(CONNECT_RATE);
    Load {
        repeat,
        clients: cli.load.clients,
        connect_every: match connect_rate {
            0 => Duration::ZERO,
            n => Duration::from_secs_f64(1.0 / f64::from(n)),
        },
        json: cli.stats == Some(StatsFormat::Json),
    }
}

/// The highest QoS this command line may publish at: `-q`, or any with `--stdin-json`,
/// whose lines name their own.
pub fn publishes(cli: &Cli) -> Qos {
    if cli.stdin_json {
        Qos::ExactlyOnce
    } else {
        cli.qos
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use clap::Parser;

    use super::*;
    use rpubsub_core::options::{INFLIGHT_QOS1, INFLIGHT_QOS2};
    use rpubsub_core::tool::Tool;

    /// The plan for `rpub ARGS`, with no config file and the window it gets.
    fn plan(args: &[&str]) -> Result<Plan, Fail> {
        let (cli, opts) = parsed(args)?;
        Plan::resolve(&cli, &opts)
    }

    fn parsed(args: &[&str]) -> Result<(Cli, ConnectOptions), Fail> {
        let argv = ["rpub", "--config", "/dev/null"].iter().chain(args);
        let cli = Cli::try_parse_from(argv).map_err(|e| Fail::usage(e.to_string()))?;
        cli.check()?;
        let opts = ConnectOptions::from_args(&cli.connect, Tool::Rpub, publishes(&cli))?
            .with_max_inflight(cli.max_inflight);
        Ok((cli, opts))
    }

    fn refusal(args: &[&str]) -> String {
        match plan(args) {
            Ok(plan) => panic!("{args:?} was not refused: {plan:?}"),
            Err(fail) => {
                assert_eq!(fail.exit, rpubsub_core::exit::Exit::Usage, "{args:?}");
                fail.message
            }
        }
    }

    fn publish(topic: &str, qos: Qos) -> Publish {
        Publish {
            topic: topic.into(),
            qos,
            retain: false,
            properties: PublishProperties::default(),
        }
    }

    #[test]
    fn one_message_is_sent_as_typed() {
        let expected = Plan::Once(Message {
            publish: Publish {
                retain: true,
                ..publish("a/b", Qos::AtLeastOnce)
            },
            payload: Bytes::from_static(b"{n}"),
        });
        assert_eq!(
            plan(&["-t", "a/b", "-m", "{n}", "-q", "1", "-r"]),
            Ok(expected)
        );
        let Ok(Plan::Once(empty)) = plan(&["-t", "x", "-n"]) else {
            panic!("-n is one message");
        };
        assert!(empty.payload.is_empty());
    }

    #[test]
    fn the_topic_can_come_from_the_url() {
        let Ok(Plan::Once(m)) = plan(&["-L", "mqtt://localhost/from/url", "-m", "x"]) else {
            panic!("-L with a topic is enough");
        };
        assert_eq!(m.publish.topic, "from/url");
    }

    #[test]
    fn a_loop_expands_the_placeholders_it_has() {
        let args = [
            "-t",
            "t/{i}",
            "-m",
            "{n}",
            "--count",
            "3",
            "--interval",
            "1s",
        ];
        let expected = Plan::Repeat(Repeat {
            message: Message {
                publish: publish("t/{i}", Qos::AtMostOnce),
                payload: Bytes::from_static(b"{n}"),
            },
            times: Some(3),
            interval: Duration::from_secs(1),
            topic: Some(Template::parse("t/{i}")),
            text: Some(Template::parse("{n}")),
        });
        assert_eq!(plan(&args), Ok(expected));

        let Ok(Plan::Repeat(plain)) = plan(&["-t", "t", "-m", "{x}", "--count", "0"]) else {
            panic!("--count 0 is a loop");
        };
        assert_eq!((plain.times, plain.interval), (None, Duration::ZERO));
        assert_eq!((plain.topic, plain.text), (None, None));

        let literal = [
            "-t",
            "t/{i}",
            "-m",
            "{n}",
            "--count",
            "2",
            "--no-placeholders",
        ];
        let Ok(Plan::Repeat(literal)) = plan(&literal) else {
            panic!("--no-placeholders is still a loop");
        };
        assert_eq!((literal.topic, literal.text), (None, None));
    }

    #[test]
    fn a_file_is_never_rewritten() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(b"{n}").unwrap();
        let path = file.path().to_str().unwrap();
        let Ok(Plan::Repeat(r)) = plan(&["-t", "t", "-f", path, "--count", "2"]) else {
            panic!("-f with --count is a loop");
        };
        assert_eq!(
            (r.text, r.message.payload),
            (None, Bytes::from_static(b"{n}"))
        );
    }

    #[test]
    fn lines_replay_and_request() {
        assert_eq!(
            plan(&["-t", "log", "-l", "-q", "2"]),
            Ok(Plan::Lines(publish("log", Qos::ExactlyOnce)))
        );
        let replay = Replay {
            qos: Qos::AtMostOnce,
            retain: false,
            speed: None,
            mqtt5: false,
        };
        assert_eq!(plan(&["--stdin-json"]), Ok(Plan::Replay(replay)));
        let Ok(Plan::Replay(timed)) = plan(&["--json", "--replay-timing", "-V", "5"]) else {
            panic!("--json is --stdin-json");
        };
        assert_eq!((timed.speed, timed.mqtt5), (Some(1.0), true));
        let Ok(Plan::Replay(fast)) = plan(&["--stdin-json", "--replay-timing", "--speed", "4"])
        else {
            panic!("--speed with --replay-timing");
        };
        assert_eq!(fast.speed, Some(4.0));

        let Ok(Plan::Request(r)) = plan(&["-V", "5", "-t", "q", "-m", "now", "--wait-response"])
        else {
            panic!("--wait-response is a request");
        };
        assert_eq!(r.wait, Duration::from_secs(10));
        let properties = &r.message.publish.properties;
        let response = properties.response_topic.as_deref().unwrap_or_default();
        assert!(response.starts_with("rpub/response/"), "{response}");
        assert!(properties.correlation_data.is_some());
        let Ok(Plan::Request(given)) = plan(&[
            "-V",
            "5",
            "-t",
            "q",
            "-m",
            "now",
            "--wait-response",
            "2s",
            "--response-topic",
            "answers",
        ]) else {
            panic!("--wait-response 2s is a request");
        };
        assert_eq!(given.wait, Duration::from_secs(2));
        let given = &given.message.publish.properties;
        assert_eq!(given.response_topic.as_deref(), Some("answers"));
    }

    #[test]
    fn the_properties_merge_the_flags_over_dash_d() {
        let Ok(Plan::Once(m)) = plan(&[
            "-V",
            "5",
            "-t",
            "t",
            "-m",
            "x",
            "-D",
            "publish",
            "user-property",
            "a",
            "1",
            "--user-property",
            "b=2",
            "--content-type",
            "text/plain",
            "--message-expiry",
            "1m",
            "--correlation-data",
            "c",
            "--topic-alias",
            "3",
            "--payload-format",
            "utf8",
        ]) else {
            panic!("MQTT 5 properties with -V 5");
        };
        let p = &m.publish.properties;
        let users = [("a".into(), "1".into()), ("b".into(), "2".into())];
        assert_eq!(p.user_properties, users);
        assert_eq!(p.content_type.as_deref(), Some("text/plain"));
        assert_eq!(p.message_expiry, Some(60));
        assert_eq!(p.correlation_data.as_deref(), Some(&b"c"[..]));
        assert_eq!((p.topic_alias, p.payload_format), (Some(3), Some(1)));
    }

    #[test]
    fn refusals() {
        assert!(refusal(&["-t", "x"]).starts_with("no payload: "));
        assert!(refusal(&["-m", "x"]).starts_with("no topic: "));
        assert!(refusal(&["-t", "a/+", "-m", "x"]).contains("topic"));
        assert!(refusal(&["-t", "x", "-f", "/nonexistent"]).contains("/nonexistent"));
        assert_eq!(
            refusal(&["-t", "x", "-m", "y", "--content-type", "text/plain"]),
            "--content-type is MQTT 5 only: add -V mqttv5"
        );
        assert!(refusal(&["-t", "x", "-m", "y", "--wait-response"])
            .starts_with("--wait-response over MQTT 3.1.1 needs --response-topic TOPIC"));
        let Ok(Plan::Request(v311)) = plan(
            &["-t", "x", "-m", "y", "--wait-response"]
                .iter()
                .chain(&["--response-topic", "answers"])
                .copied()
                .collect::<Vec<_>>(),
        ) else {
            panic!("--wait-response --response-topic over MQTT 3.1.1 is a request");
        };
        assert_eq!(v311.response_topic, "answers");
        assert_eq!((v311.correlation, v311.no_local), (None, false));
        assert!(v311.message.publish.properties.is_empty());
        assert_eq!(
            refusal(&[
                "-V",
                "5",
                "-t",
                "x",
                "-m",
                "y",
                "-D",
                "publish",
                "content-type",
                "a",
                "--content-type",
                "b",
            ]),
            "the content type is given twice (by its flag and by -D)"
        );
        assert!(
            refusal(&["-V", "5", "-t", "x", "-m", "y", "--response-topic", "r/#"])
                .starts_with("response topic: ")
        );
        assert_eq!(
            refusal(&["-V", "5", "--stdin-json", "--user-property", "a=b"]),
            "--stdin-json takes the properties of each message from its line, not from flags or -D"
        );
        assert_eq!(
            refusal(&["-t", "x", "-m", "y", "--replay-timing"]),
            "--replay-timing replays JSON lines: it needs --stdin-json"
        );
    }

    #[test]
    fn a_utf8_payload_must_be_utf8() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(b"\xff\xfe").unwrap();
        let path = file.path().to_str().unwrap();
        let base = ["-V", "5", "-t", "x", "-f", path, "--payload-format"];
        let utf8 = [&base[..], &["utf8"]].concat();
        assert!(refusal(&utf8).contains("not valid UTF-8"));
        let bytes = [&base[..], &["bytes"]].concat();
        assert!(plan(&bytes).is_ok());
    }

    #[test]
    fn the_window_follows_the_highest_qos_published() {
        for (args, publishing, window) in [
            (&["-t", "x", "-m", "y"][..], Qos::AtMostOnce, INFLIGHT_QOS1),
            (
                &["-t", "x", "-m", "y", "-q", "1"],
                Qos::AtLeastOnce,
                INFLIGHT_QOS1,
            ),
            (
                &["-t", "x", "-m", "y", "-q", "2"],
                Qos::ExactlyOnce,
                INFLIGHT_QOS2,
            ),
            (&["--stdin-json"], Qos::ExactlyOnce, INFLIGHT_QOS2),
        ] {
            let (cli, opts) = parsed(args).unwrap();
            assert_eq!(publishes(&cli), publishing, "{args:?}");
            assert_eq!(opts.inflight, window, "{args:?}");
        }
        let (_, opts) = parsed(&["-t", "x", "-m", "y", "-q", "2", "-M", "3"]).unwrap();
        assert_eq!(opts.inflight, 3);
    }

    #[test]
    fn a_load_paces_each_client_at_its_share_of_the_rate() {
        let load = |args: &[&str]| match plan(&[&["-t", "t", "-m", "x"][..], args].concat()) {
            Ok(Plan::Load(load)) => load,
            other => panic!("{args:?} is not a load run: {other:?}"),
        };
        let micros = |d: Duration| d.as_micros();
        let shared = load(&["--clients", "4", "--rate", "100"]);
        assert_eq!(micros(shared.repeat.interval), 40_000);
        assert_eq!((shared.clients, shared.repeat.times), (Some(4), None));
        assert_eq!(micros(shared.connect_every), 10_000);
        let each = load(&["--clients", "4", "--rate", "20/client", "--count", "5"]);
        assert_eq!(micros(each.repeat.interval), 50_000);
        assert_eq!(each.repeat.times, Some(5));
        let alone = load(&["--rate", "10", "--stats", "json"]);
        assert_eq!((alone.clients, alone.json), (None, true));
        assert_eq!(micros(alone.repeat.interval), 100_000);
        let burst = load(&["--clients", "3", "--connect-rate", "0"]);
        assert_eq!(burst.connect_every, Duration::ZERO);
        assert_eq!(burst.repeat.interval, Duration::ZERO);
    }

    #[test]
    fn a_bar_for_every_plan_but_a_single_message() {
        let bar = |args: &[&str]| plan(args).unwrap().progress();
        assert_eq!(bar(&["-t", "x", "-m", "y"]), None);
        assert_eq!(
            bar(&["-t", "x", "-m", "y", "--count", "5"]),
            Some((Some(5), "sent"))
        );
        assert_eq!(
            bar(&["-t", "x", "-l", "-q", "1"]),
            Some((None, "acknowledged"))
        );
        assert_eq!(bar(&["--stdin-json"]), Some((None, "done")));
    }
}
