//! What rsub's man page says beyond its flags: synopsis, description and examples (the
//! scenarios the tools are made for). `rsub --generate man` puts it together.

use rpubsub_core::generate::{Example, Manual, Section};

pub const MANUAL: Manual = Manual {
    synopsis: &[
        "rsub [OPTIONS] -t FILTER [-t FILTER]...",
        "rsub [OPTIONS] -L URL",
        "rsub [OPTIONS] --print-config",
    ],
    description: &[
        "rsub subscribes to MQTT topic filters (+ and # wildcards) and prints each message that arrives: the payload, byte for byte, or the topic and the payload with -v. It takes mosquitto_sub's flags with the same meanings. It runs until Ctrl+C (exit 130), or until -C N messages were printed (exit 0), -W ran out (exit 27), the subscriptions were acknowledged (-E), or the reader of its output went away (rsub ... | head -3 exits 0 quietly).",
        "Besides the payload alone and -v, rsub prints mosquitto_sub's -F formats (see FORMATS), one JSON object per message and line with --json (see JSON LINES), and the receive time with --timestamp. --expect and --expect-json wait for a particular message (see HEALTH CHECKS); --stats sums up on exit.",
        "--tree prints instead the topic tree seen during the run, once it ends (-W is then how long to watch, and its end exits 0): each level indented (box-drawing lines on a terminal, ASCII otherwise or with --ascii), per topic the messages that came, the last payload shortened and escaped (<binary, N bytes> when not text) and whether the broker holds a retained message there; with --json one JSON object with a flat list of full topics. At most 10,000 topics are kept; messages on further ones are counted.",
        "rsub speaks MQTT 3.1.1 (the default), MQTT 5 (-V mqttv5) and MQTT 3.1 (-V mqttv31), over TCP, TLS (any TLS flag, or -L mqtts://), WebSockets (-L ws:// or wss://), a Unix socket (--unix), and through an HTTP or SOCKS5 proxy (--proxy). When an established connection drops it reconnects (1 s, doubling to 30 s) and subscribes again when the broker did not keep its session; --no-reconnect exits 6 instead. A filter the broker refuses is named with its reason code; when every filter is refused rsub exits 7.",
        "Every error is one line on standard error naming the cause, and the exit status tells its kind (see EXIT STATUS). Passwords never appear in output, errors or the -d trace.",
        "Connection settings also come from environment variables, from the config file's [default] section and profiles, and from mosquitto_sub's options file (see ENVIRONMENT and FILES); flags win over all of them.",
    ],
    sections: &[
        Section {
            title: "FORMATS",
            before: &[
                "-F FORMAT prints what mosquitto_sub -F FORMAT prints, byte for byte, and refuses the formats mosquitto_sub refuses. A newline follows each message unless -N. Fields:",
            ],
            entries: &[
                ("%t %p", "topic; payload (raw bytes)"),
                ("%x %X", "payload in lower / upper case hex"),
                ("%l %q %r %m", "payload length, QoS, retain flag (0/1), packet id"),
                ("%j %J", "the message as JSON, payload as a string / embedded as JSON (--pretty indents); a payload that is not UTF-8 is given in base64 with \"encoding\":\"base64\", and %J of a payload that is not JSON falls back to the %j form"),
                ("%I %U", "receive time: ISO 8601 local time; unix time with nanoseconds"),
                ("%A %C %D %E %F %P %R %S", "MQTT 5: topic alias, content type, correlation data, message expiry, payload format, user properties (k:v k2:v2), response topic, subscription id"),
                ("%%", "a %"),
                ("@X", "strftime's %X of the receive time (@H:@M:@S, @Y-@m-@d, @s, @z, ...); @N nanoseconds; @Z the zone name where known, else the offset; @@ is @"),
                ("\\\\ \\0 \\a \\e \\n \\r \\t \\v", "escapes"),
            ],
            after: &[
                "A field may carry a - (left align) or 0 (zero pad) flag, a width and a precision: %-20t, %05l, %10.4C. As in mosquitto_sub, a width on %p or %x also cuts the payload. A width or precision above 65535 is refused.",
            ],
        },
        Section {
            title: "JSON LINES",
            before: &[
                "--json prints one JSON object per message and line (NDJSON); --pretty indents it. rpub --stdin-json reads these lines back and sends the same messages. The fields:",
            ],
            entries: &[
                ("received", "when rsub received it: RFC 3339, UTC, nanoseconds"),
                ("topic", "the topic"),
                ("qos, retain, dup", "as delivered (the QoS is at most the subscription's -q)"),
                ("properties", "MQTT 5 only, when the message carried any: payload_format, message_expiry, topic_alias, content_type, response_topic, correlation_data (with correlation_data_encoding \"base64\" when binary), user_properties (a list of [name, value] pairs, order and repeats kept), subscription_ids"),
                ("encoding", "\"base64\" when the payload is not valid UTF-8; absent when it is text"),
                ("payload", "the payload: text, or base64 when encoding says so"),
            ],
            after: &[],
        },
        Section {
            title: "STAMPED MESSAGES",
            before: &[
                "rpub --stamp puts \"stamp/1 PUBLISHER SEQ MICROS \" before each payload: the publisher (client id and run), the message's number on its topic from 1, and the send time in microseconds since the epoch (the format: rpubsub(7), STAMPED MESSAGES). rsub prints payloads with their stamps, as they arrived. Start rsub first: numbers start at 1.",
                "--check-seq follows each publisher and topic: a line on stderr for each gap (\"41-57 missing\"), duplicate and reordering as it shows, and a summary on exit, also after Ctrl+C, SIGTERM or a closed pipe. rsub exits 8 when a number was missing and the run ended by itself (-C, -W, --expect, a closed pipe); duplicates and reordering are no loss. Messages without a stamp are counted, not checked; broken stamps are reported and counted. At most 10000 publishers and topics are followed, each keeping its numbers as at most 10000 ranges.",
                "--latency gives the p50, p90, p99, p99.9 and max of the time from rpub's hand-over to rsub's receipt, on exit (and every 5 s on a terminal). On one host this is exact; across hosts it is latency plus the offset between the clocks: keep them on NTP or chrony. Messages that seem to arrive before they were sent are counted as 0 and shown apart.",
                "With --json the summary is one JSON object, the last line on stderr:",
            ],
            entries: &[
                ("stamped, unstamped, malformed", "messages with a stamp, without one, with a broken one"),
                ("check_seq", "received, missing, duplicated, out_of_order, not_checked, and streams: per publisher and topic, received, highest, missing, missing_ranges ([first, last] pairs), duplicated, out_of_order"),
                ("latency", "messages, p50_us, p90_us, p99_us, p99_9_us, max_us (microseconds), negative"),
            ],
            after: &[],
        },
        Section {
            title: "HEALTH CHECKS",
            before: &[
                "--expect REGEX waits for the first message whose payload matches REGEX (searched anywhere in the payload; anchor with ^...$), prints it as the output flags say, and exits 0; with -W it exits 27 when nothing matched in time, with -C N it waits for N matching messages. Messages that do not match are not printed.",
                "--expect-json 'POINTER [OP VALUE]' does the same for JSON payloads. POINTER is a JSON pointer (/temp, /sensors/0/state, empty for the whole document); OP is ==, !=, >, >=, <, <= (numbers compare as numbers, strings as strings) or ~ (a regex on the value); VALUE is JSON (30, \"on\", true, null) or a bare word taken as a string. POINTER alone asks only that the value exists. Payloads that are not JSON never match. Several --expect and --expect-json flags must all hold for the same message.",
            ],
            entries: &[],
            after: &[],
        },
    ],
    environment: &[
        (
            "NO_COLOR",
            "When set to anything, --color auto (the default) colours nothing.",
        ),
        (
            "TZ",
            "The time zone of --timestamp and of the time in -F formats (the system's when unset).",
        ),
    ],
    examples: &[
        Example {
            title: "Print every message on test/topic from a broker that lets anyone in (allow_anonymous true), until Ctrl+C:",
            commands: "rsub -h 192.168.137.150 -t test/topic",
        },
        Example {
            title: "With a username, the password kept out of the process list (a wrong one exits 4, not authorized):",
            commands: "rsub -h 192.168.137.150 -u Kai --password-file ~/.config/rpubsub/kai.pass -t test/topic",
        },
        Example {
            title: "Wildcards, with the topic before each payload: one level, a level in the middle, everything:",
            commands: "rsub -t 'test/+' -v\nrsub -t 'home/+/light' -v\nrsub -t '#' -v",
        },
        Example {
            title: "The topic tree seen in five seconds, with message counts, last payloads and retained topics:",
            commands: "rsub -t '#' --tree -W 5s",
        },
        Example {
            title: "A persistent session: QoS 1 messages published while rsub is away arrive when it is back:",
            commands: "rsub -c -i logger -q 1 -t 'logs/#'",
        },
        Example {
            title: "TLS with your own CA (port 8883), and mutual TLS with a client certificate:",
            commands: "rsub -h broker.lan --cafile ca.crt -t 'sensors/#' -v\nrsub -h broker.lan --cafile ca.crt --cert client.crt --key client.key -t 'sensors/#' -v",
        },
        Example {
            title: "Retained messages: print those under status/ and stop at the first live one (or after 1 s), then clear them:",
            commands: "rsub -t 'status/#' --retained-only -W 1 -v\nrsub -t 'status/#' --remove-retained --retained-only -W 1",
        },
        Example {
            title: "Hello world with the packet trace on standard error (CONNECT, CONNACK, SUBSCRIBE, SUBACK, PUBLISH):",
            commands: "rsub -v -t hello -d",
        },
        Example {
            title: "A health check for CI: exit 0 on the first status message, 27 when none comes within 10 seconds, 3 when the broker cannot be reached:",
            commands: "rsub -t 'status/#' -C 1 -W 10s",
        },
        Example {
            title: "Machine-readable output: one JSON object per line (binary payloads in base64), captured for rpub --stdin-json to replay; mosquitto_sub's formats:",
            commands: "rsub -t 'sensors/#' --json > capture.ndjson\nrsub -t 'sensors/#' -F '@H:@M:@S %-24t %p'",
        },
        Example {
            title: "Wait up to a minute for a device to report itself online, in a JSON payload:",
            commands: "rsub -t 'devices/42/status' --expect-json '/state == online' -W 60s",
        },
        Example {
            title: "Three messages into a pipe; rsub exits quietly at the next message after head has them:",
            commands: "rsub -t 'sensors/#' -v | head -3",
        },
        Example {
            title: "MQTT 5: properties after each payload, and reason codes for refused subscriptions:",
            commands: "rsub -V 5 -t 'sensors/#' -v",
        },
        Example {
            title: "The settings of the profile lab, and where each comes from:",
            commands: "rsub --profile lab -t 'test/#'\nrsub --profile lab --print-config",
        },
        Example {
            title: "Which stamped messages (rpub --stamp) never came, came twice or late, and how long they took; exit 8 if any never came:",
            commands: "rsub -t 'lab/#' -q 1 --check-seq --latency -W 60s",
        },
    ],
    see_also: &["rpub(1)"],
    tool: rpubsub_core::tool::Tool::Rsub,
};
