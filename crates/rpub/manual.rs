//! What rpub's man page says beyond its flags: synopsis, description and examples (the
//! scenarios the tools are made for). `rpub --generate man` puts it together.

use rpubsub_core::generate::{Example, Manual, Section};

pub const MANUAL: Manual = Manual {
    synopsis: &[
        "rpub [OPTIONS] -t TOPIC {-m MESSAGE | -f FILE | -s | -l | -n}",
        "rpub [OPTIONS] -L URL {-m MESSAGE | -f FILE | -s | -l | -n}",
        "rpub [OPTIONS] --print-config",
    ],
    description: &[
        "rpub publishes MQTT messages: one message, a counted or endless loop of them (--count, --interval), or one per line of standard input (-l). It takes mosquitto_pub's flags with the same meanings, and exits 0 only when the broker has every message: written to the connection for QoS 0, acknowledged (PUBACK for QoS 1, PUBCOMP for QoS 2) otherwise.",
        "With --count (alias of --repeat), {n} (count from 1), {i} (index from 0), {time} (local time, 2024/09/17 06:00:00) and {ts} (unix seconds) are expanded in the topic and the message; --no-placeholders sends them as typed. A single message is always sent as typed.",
        "--stdin-json publishes JSON lines as rsub --json writes them, each with its own topic, payload, QoS, retain flag and properties (see JSON LINES), with the original timing if asked (--replay-timing). On a terminal a progress bar shows how far a long run is; --stats sums up on exit.",
        "--clients N loads a broker from one process: N connections, each its own client (ids ID-1 ... ID-N after -i ID, or rpub's random id followed by -1 ... -N), each sending the messages, --count per client (without it, until Ctrl+C); --rate R paces them at R messages per second in all (R/client: each), --connect-rate opens the connections that many per second (default 100). A summary ends the run (--stats json: one JSON object on stdout); a client that cannot connect does not stop the others, and the run exits with its status.",
        "--stamp puts \"stamp/1 PUBLISHER SEQ MICROS \" before each payload: the client id and a number drawn by the run, the message's number on its topic from 1 (a message sent again after a reconnect keeps it), and the send time in microseconds since the epoch, for rsub --check-seq and --latency (the format: rpubsub(7), STAMPED MESSAGES). It works with every payload source; a replayed payload that carries a stamp has it replaced. Without --stamp payloads go out byte for byte.",
        "rpub speaks MQTT 3.1.1 (the default), MQTT 5 (-V mqttv5) and MQTT 3.1 (-V mqttv31), over TCP, TLS (any TLS flag, or -L mqtts://), WebSockets (-L ws:// or wss://), a Unix socket (--unix), and through an HTTP or SOCKS5 proxy (--proxy). When an established connection drops it reconnects (1 s, doubling to 30 s) and sends again what was not acknowledged; --no-reconnect exits 6 instead. The first Ctrl+C stops a loop and waits for what is in flight; a second one exits at once.",
        "Every error is one line on standard error naming the cause, and the exit status tells its kind (see EXIT STATUS). Passwords never appear in output, errors or the -d trace.",
        "Connection settings also come from environment variables, from the config file's [default] section and profiles, and from mosquitto_pub's options file (see ENVIRONMENT and FILES); flags win over all of them.",
    ],
    sections: &[Section {
        title: "JSON LINES",
        before: &[
            "--stdin-json publishes the messages of JSON lines on standard input, as rsub --json writes them, over one connection. Each line gives its own:",
        ],
        entries: &[
            ("topic", "the topic (required)"),
            ("payload", "text, or base64 when \"encoding\":\"base64\" says so"),
            ("qos, retain", "as given; a line without them takes -q and -r"),
            ("properties", "MQTT 5 properties, as rsub --json writes them (left out over MQTT 3.1.1, with a warning); a topic alias and subscription ids are never replayed"),
            ("received", "with --replay-timing, the gaps between these times are kept (--speed N plays N times faster)"),
        ],
        after: &[
            "A line that is not a message (not JSON, no topic, bad base64, a wildcard topic) is reported with its line number and skipped; everything else is still sent, and rpub exits 1 at the end. Empty lines are ignored.",
        ],
    }],
    environment: &[(
        "TZ",
        "The time zone of {time} (the system's when unset).",
    )],
    examples: &[
        Example {
            title: "A numbered message every 5 seconds until Ctrl+C, to a broker that lets anyone in (allow_anonymous true); rsub -h 192.168.137.150 -t test/topic prints them:",
            commands: "rpub -h 192.168.137.150 -t test/topic -m 'Nachricht Nummer {n}' --count 0 --interval 5s",
        },
        Example {
            title: "With a username, the password kept out of the process list (a wrong one exits 4, not authorized):",
            commands: "rpub -h 192.168.137.150 -u Kai --password-file ~/.config/rpubsub/kai.pass -t test/topic -m hello\nMQTT_PASSWORD=1234 rpub -h 192.168.137.150 -u Kai -t test/topic -m hello",
        },
        Example {
            title: "Ten messages to test/0 ... test/9, one per second, the local time as payload, a line for each one sent:",
            commands: "rpub -t 'test/{i}' -m '{time}' --count 10 --interval 1s -v",
        },
        Example {
            title: "Load: 100 connections, 1000 messages per second in all, 600 from each client, the summary as JSON:",
            commands: "rpub -t 'load/{i}' -m 'reading {n}' -q 1 --clients 100 --rate 1000 --count 600 -i lab --stats json",
        },
        Example {
            title: "Five messages at QoS 1; the exit status is 0 only when the broker acknowledged all five:",
            commands: "rpub -t demo -m 'messages: {n}' --count 5 --interval 1s -q 1",
        },
        Example {
            title: "TLS with your own CA (port 8883), and mutual TLS with a client certificate:",
            commands: "rpub -h broker.lan --cafile ca.crt -t sensors/door -m open\nrpub -L mqtts://broker.lan/sensors/door --cafile ca.crt --cert client.crt --key client.key -m open",
        },
        Example {
            title: "A retained message, delivered to every later subscriber, then cleared with an empty retained message:",
            commands: "rpub -t home/living_room/light -m on -r\nrpub -t home/living_room/light -n -r",
        },
        Example {
            title: "Hello world with the packet trace on standard error (CONNECT, CONNACK, PUBLISH, DISCONNECT):",
            commands: "rpub -t hello -m world -d",
        },
        Example {
            title: "In a script: one message per line of a file, every one acknowledged, or a non-zero exit:",
            commands: "rpub -q 1 -l -t log < lines.txt || echo 'not all delivered' >&2",
        },
        Example {
            title: "Replay messages captured with rsub --json, with their original timing, ten times faster:",
            commands: "rpub -V 5 -h staging --stdin-json --replay-timing --speed 10 < capture.ndjson",
        },
        Example {
            title: "MQTT 5 request/response: publish a request and print the first answer (exit 27 after 5 s without one):",
            commands: "rpub -V 5 -t service/time -m now --wait-response 5s",
        },
        Example {
            title: "The settings of the profile lab, and where each comes from:",
            commands: "rpub --profile lab -t test/topic -m hello\nrpub --profile lab --print-config",
        },
        Example {
            title: "500 stamped messages (publisher, number, send time before each payload), for rsub --check-seq and --latency:",
            commands: "rpub -t lab/qos1 -q 1 --stamp -m 'm{n}' --count 500",
        },
    ],
    see_also: &["rsub(1)"],
    tool: rpubsub_core::tool::Tool::Rpub,
};
