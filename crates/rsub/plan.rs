//! The command line resolved, once and before connecting, into what a run needs: the
//! subscriptions, which messages print and how, and when the run is done. What clap and the
//! connection settings leave to rsub to refuse is refused here, as a usage error naming the
//! flag (exit 2), so the running code never reads the raw command line and never fails on it.

use std::io::IsTerminal;

use rpubsub_core::exit::Fail;
use rpubsub_core::options::ConnectOptions;
use rpubsub_core::progress;
use rpubsub_core::properties::SubscribeOptions;
use rpubsub_core::qos::Qos;
use rpubsub_core::settings::Mqtt5Merge;
use rpubsub_core::topic::check_topic_filter;

use crate::cli::{Cli, ColorWhen};
use crate::exit_conditions::ExitConditions;
use crate::expect::Expect;
use crate::output::format::Format;
use crate::output::plain::{self, Plain};
use crate::output::tree::TreeStyle;
use crate::output::Style;
use crate::random_filter::RandomFilter;
use crate::retained::Retained;
use crate::stamps::Stamps;

/// Everything a run of rsub does, decided.
#[derive(Debug)]
pub struct Plan {
    pub subscriptions: Subscriptions,
    /// `-T`: messages on these topics are neither printed nor cleared.
    pub filter_out: Vec<String>,
    /// `-R`, `--retained-only`.
    pub retained: Retained,
    /// `--random-filter`.
    pub random_filter: RandomFilter,
    /// `--remove-retained`.
    pub remove_retained: bool,
    pub until: ExitConditions,
    pub style: Style,
    /// Not `-N`.
    pub newline: bool,
    /// `--stats`.
    pub stats: bool,
    /// The live counter on stderr: when stdout is not a terminal (and stderr is).
    pub live_counter: bool,
    /// `--check-seq`, `--latency`.
    pub stamps: Option<Stamps>,
}

/// What rsub asks of the broker once connected.
#[derive(Debug)]
pub struct Subscriptions {
    /// `-t` and the topic of `-L`, each at `-q`, in one SUBSCRIBE.
    pub filters: Vec<(String, Qos)>,
    /// MQTT 5 subscription options: their flags over `-D subscribe`.
    pub options: SubscribeOptions,
    /// `-U`.
    pub unsubscribe: Vec<String>,
    /// `-D unsubscribe user-property`.
    pub unsubscribe_user_properties: Vec<(String, String)>,
}

impl Plan {
    /// Resolve the command line; `opts` are its connection settings, already resolved.
    pub fn resolve(cli: &Cli, opts: &ConnectOptions) -> Result<Plan, Fail> {
        let filters = filters(cli, opts)?;
        let style = style(cli)?;
        let expect = Expect::new(&cli.expect, &cli.expect_json).map_err(Fail::usage)?;
        let options = subscribe_options(cli, opts)?;
        let retained = match (cli.no_retained, cli.retained_only) {
            (true, _) => Retained::Skip,
            (false, true) => Retained::Only,
            (false, false) => Retained::Print,
        };
        let live = progress::wanted(cli.connect.diagnostics.quiet, cli.connect.diagnostics.debug);
        let json = cli.json || cli.pretty;
        let stamps = Stamps::new(cli.stamped.check_seq, cli.stamped.latency, json, live)?;
        let until = ExitConditions {
            count: cli.count.or(expect.as_ref().map(|_| 1)),
            timeout: cli.timeout,
            // -U alone is done once the broker has answered it.
            after_subscribe: cli.exit_after_subscribe || filters.is_empty(),
            expect,
            watch: cli.tree,
        };
        Ok(Plan {
            subscriptions: Subscriptions {
                filters,
                options,
                unsubscribe: cli.unsubscribe.clone(),
                unsubscribe_user_properties: opts.mqtt5.unsubscribe_user_properties.clone(),
            },
            filter_out: cli.filter_out.clone(),
            retained,
            random_filter: cli.random_filter.unwrap_or(RandomFilter::ALL),
            remove_retained: cli.remove_retained,
            until,
            style,
            newline: !cli.no_newline,
            stats: cli.stats,
            live_counter: live && !std::io::stdout().is_terminal(),
            stamps,
        })
    }
}

/// The filters to subscribe to, each at `-q`; every filter given (`-t`, `-T`, `-U`) checked.
fn filters(cli: &Cli, opts: &ConnectOptions) -> Result<Vec<(String, Qos)>, Fail> {
    let mut filters: Vec<String> = cli.topics.clone();
    filters.extend(opts.url_topic.clone());
    if filters.is_empty() && cli.unsubscribe.is_empty() {
        return Err(Fail::usage(
            "no topic filter: give one with -t FILTER (e.g. -t 'sensors/#')",
        ));
    }
    for (flag, list) in [
        ("-t", &filters),
        ("-T", &cli.filter_out),
        ("-U", &cli.unsubscribe),
    ] {
        for filter in list {
            check_topic_filter(filter).map_err(|e| Fail::usage(format!("{flag}: {e}")))?;
        }
    }
    Ok(filters.into_iter().map(|f| (f, cli.qos)).collect())
}

/// The output style the flags ask for; a bad `-F` or time format is a usage error.
fn style(cli: &Cli) -> Result<Style, Fail> {
    if cli.tree {
        return Ok(Style::Tree(TreeStyle {
            json: cli.json || cli.pretty,
            pretty: cli.pretty,
            ascii: cli.ascii || !std::io::stdout().is_terminal(),
        }));
    }
    if let Some(text) = &cli.format {
        let format = Format::parse(text).map_err(|e| Fail::usage(format!("-F: {e}")))?;
        return Ok(Style::Format {
            format,
            pretty: cli.pretty,
        });
    }
    if cli.json || cli.pretty {
        return Ok(Style::Json { pretty: cli.pretty });
    }
    let timestamp = match &cli.timestamp_format {
        Some(f) => {
            plain::check_time_format(f).map_err(Fail::usage)?;
            Some(f.clone())
        }
        None => cli.timestamp.then(|| plain::TIMESTAMP_FORMAT.to_string()),
    };
    Ok(Style::Plain(Plain {
        verbose: cli.verbose,
        timestamp,
        color: use_color(cli.color),
    }))
}

/// Colour for `-v`: `always` asks for it, `auto` gives it only to a terminal without
/// `NO_COLOR` (https://no-color.org: set to anything non-empty), so pipes never see escapes.
fn use_color(when: ColorWhen) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// The MQTT 5 subscription options from their flags and `-D subscribe`; refused, naming the
/// flag, on an MQTT 3.1.1 session.
fn subscribe_options(cli: &Cli, opts: &ConnectOptions) -> Result<SubscribeOptions, Fail> {
    let merge = Mqtt5Merge::new(opts.protocol);
    merge.flag(cli.mqtt5.no_local, "--no-local")?;
    merge.flag(cli.mqtt5.retain_as_published, "--retain-as-published")?;
    merge.flag(cli.mqtt5.retain_handling.is_some(), "--retain-handling")?;
    let mut options = opts.mqtt5.subscribe.clone();
    let (slot, id) = (&mut options.subscription_id, cli.mqtt5.subscription_id);
    merge.once(slot, id, "--subscription-id", "the subscription id")?;
    options.no_local = cli.mqtt5.no_local;
    options.retain_as_published = cli.mqtt5.retain_as_published;
    options.retain_handling = cli.mqtt5.retain_handling.unwrap_or(0);
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use rpubsub_core::exit::Exit;
    use rpubsub_core::tool::Tool;

    /// What `rsub ARGS` resolves to, with no config file and no terminal colour.
    fn resolve(args: &[&str]) -> Result<Plan, Fail> {
        let argv = ["rsub", "--config", "/dev/null", "--color", "never"];
        let cli =
            Cli::try_parse_from(argv.iter().chain(args)).map_err(|e| Fail::usage(e.to_string()))?;
        let opts = ConnectOptions::from_args(&cli.connect, Tool::Rsub, crate::PUBLISHES)?;
        Plan::resolve(&cli, &opts)
    }

    fn plan(args: &[&str]) -> Plan {
        resolve(args).unwrap_or_else(|f| panic!("{args:?}: {}", f.message))
    }

    /// The one-line usage error `rsub ARGS` is refused with.
    fn refusal(args: &[&str]) -> String {
        match resolve(args) {
            Ok(_) => panic!("{args:?} was accepted"),
            Err(fail) => {
                assert_eq!(fail.exit, Exit::Usage, "{args:?}: {}", fail.message);
                fail.message
            }
        }
    }

    #[test]
    fn every_filter_at_the_one_qos() {
        let p = plan(&["-t", "a/+", "-t", "b/#", "-q", "1"]);
        assert_eq!(
            p.subscriptions.filters,
            [
                ("a/+".to_string(), Qos::AtLeastOnce),
                ("b/#".to_string(), Qos::AtLeastOnce)
            ]
        );
        assert_eq!(
            plan(&["-t", "a"]).subscriptions.filters[0].1,
            Qos::AtMostOnce
        );
        let url = plan(&["-L", "mqtt://localhost/sensors/+", "-t", "x", "-q", "2"]);
        let names: Vec<&str> = url
            .subscriptions
            .filters
            .iter()
            .map(|(f, _)| f.as_str())
            .collect();
        assert_eq!(names, ["x", "sensors/+"]);
        assert_eq!(url.subscriptions.filters[1].1, Qos::ExactlyOnce);
    }

    #[test]
    fn filters_are_checked_and_named_by_their_flag() {
        assert!(refusal(&[]).starts_with("no topic filter: give one with -t FILTER"));
        assert!(refusal(&["-t", "a/#/b"]).starts_with("-t: "));
        assert!(refusal(&["-t", "a", "-T", "x#"]).starts_with("-T: "));
        assert!(refusal(&["-t", "a", "-U", "+x"]).starts_with("-U: "));
        let p = plan(&["-t", "a", "-T", "a/private/#"]);
        assert_eq!(p.filter_out, ["a/private/#"]);
    }

    #[test]
    fn unsubscribe_alone_ends_once_answered() {
        let p = plan(&["-U", "old/#"]);
        assert!(p.subscriptions.filters.is_empty());
        assert_eq!(p.subscriptions.unsubscribe, ["old/#"]);
        assert!(p.until.after_subscribe);
        assert!(!plan(&["-t", "a", "-U", "old/#"]).until.after_subscribe);
        assert!(plan(&["-t", "a", "-E"]).until.after_subscribe);
    }

    #[test]
    fn exit_conditions() {
        let p = plan(&["-t", "a", "-C", "3", "-W", "2s"]);
        assert_eq!(p.until.count, Some(3));
        assert_eq!(p.until.timeout, Some(std::time::Duration::from_secs(2)));
        assert!(p.until.expect.is_none());
        // --expect waits for one matching message, or -C of them.
        let expect = plan(&["-t", "a", "--expect", "on"]);
        assert_eq!(expect.until.count, Some(1));
        assert!(expect.until.wanted(b"online") && !expect.until.wanted(b"off"));
        assert_eq!(
            plan(&["-t", "a", "--expect-json", "/x", "-C", "4"])
                .until
                .count,
            Some(4)
        );
        assert!(refusal(&["-t", "a", "--expect", "("]).starts_with("--expect '(': "));
        assert!(refusal(&["-t", "a", "--expect-json", "x"]).starts_with("--expect-json 'x': "));
    }

    #[test]
    fn retained_handling() {
        let p = plan(&["-t", "a"]);
        assert_eq!((p.retained, p.remove_retained), (Retained::Print, false));
        assert_eq!(plan(&["-t", "a", "-R"]).retained, Retained::Skip);
        let only = plan(&["-t", "a", "--retained-only", "--remove-retained"]);
        assert_eq!(
            (only.retained, only.remove_retained),
            (Retained::Only, true)
        );
    }

    #[test]
    fn output_styles() {
        let plain = |verbose, timestamp: Option<&str>| {
            Style::Plain(Plain {
                verbose,
                timestamp: timestamp.map(String::from),
                color: false,
            })
        };
        assert_eq!(plan(&["-t", "a"]).style, plain(false, None));
        let verbose = plan(&["-t", "a", "-v", "-N", "--timestamp"]);
        assert_eq!(verbose.style, plain(true, Some(plain::TIMESTAMP_FORMAT)));
        assert!(!verbose.newline && plan(&["-t", "a"]).newline);
        assert_eq!(
            plan(&["-t", "a", "--timestamp-format", "%H:%M"]).style,
            plain(false, Some("%H:%M"))
        );
        assert_eq!(
            plan(&["-t", "a", "--json"]).style,
            Style::Json { pretty: false }
        );
        // --pretty alone implies --json; with -F it indents %j and %J.
        assert_eq!(
            plan(&["-t", "a", "--pretty"]).style,
            Style::Json { pretty: true }
        );
        assert_eq!(
            plan(&["-t", "a", "-F", "%t %j", "--pretty"]).style,
            Style::Format {
                format: Format::parse("%t %j").unwrap_or_else(|e| panic!("{e}")),
                pretty: true
            }
        );
        assert!(refusal(&["-t", "a", "-F", "%z"]).starts_with("-F: invalid format specifier"));
        assert!(refusal(&["-t", "a", "--timestamp-format", "%Q"]).contains("not a strftime"));
    }

    #[test]
    fn colour_as_asked() {
        let color = |when: &str| {
            let argv = ["rsub", "--config", "/dev/null", "-t", "a", "--color", when];
            let cli = Cli::try_parse_from(argv).unwrap();
            let opts =
                ConnectOptions::from_args(&cli.connect, Tool::Rsub, crate::PUBLISHES).unwrap();
            match Plan::resolve(&cli, &opts).unwrap().style {
                Style::Plain(plain) => plain.color,
                other => panic!("{other:?}"),
            }
        };
        assert!(color("always"));
        assert!(!color("never"));
    }

    #[test]
    fn subscription_options_need_mqtt5_and_merge_with_d() {
        assert_eq!(
            refusal(&["-t", "a", "--no-local"]),
            "--no-local is MQTT 5 only: add -V mqttv5"
        );
        assert_eq!(
            refusal(&[
                "-t",
                "a",
                "--retain-handling",
                "2",
                "--subscription-id",
                "3"
            ]),
            "--retain-handling is MQTT 5 only: add -V mqttv5"
        );
        let p = plan(&[
            "-V",
            "5",
            "-t",
            "a",
            "--no-local",
            "--retain-as-published",
            "--retain-handling",
            "1",
            "--subscription-id",
            "9",
        ]);
        assert!(p.subscriptions.options.no_local && p.subscriptions.options.retain_as_published);
        assert_eq!(
            (
                p.subscriptions.options.retain_handling,
                p.subscriptions.options.subscription_id
            ),
            (1, Some(9))
        );
        let d = plan(&[
            "-V",
            "5",
            "-t",
            "a",
            "-D",
            "subscribe",
            "subscription-identifier",
            "4",
        ]);
        assert_eq!(d.subscriptions.options.subscription_id, Some(4));
        assert!(plan(&["-t", "a"]).subscriptions.options.is_default());
        assert_eq!(
            refusal(&[
                "-V",
                "5",
                "-t",
                "a",
                "--subscription-id",
                "3",
                "-D",
                "subscribe",
                "subscription-identifier",
                "4",
            ]),
            "the subscription id is given twice (by its flag and by -D)"
        );
    }

    #[test]
    fn unsubscribe_user_properties_come_from_d() {
        let p = plan(&[
            "-V",
            "5",
            "-U",
            "a",
            "-D",
            "unsubscribe",
            "user-property",
            "k",
            "v",
        ]);
        assert_eq!(
            p.subscriptions.unsubscribe_user_properties,
            [("k".into(), "v".into())]
        );
    }
}
