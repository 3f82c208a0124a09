//! What rsub's man page says beyond its flags: synopsis, description and examples (the
//! scenarios the tools are made for). `rsub --generate man` puts it together.

use rpubsub_core::generate::{Example, Manual};

pub const MANUAL: Manual = Manual {
    synopsis: &[
        "rsub [OPTIONS] -t FILTER [-t FILTER]...",
        "rsub [OPTIONS] -L URL",
        "rsub [OPTIONS] --print-config",
    ],
    description: &[
        "rsub subscribes to MQTT topic filters (+ and # wildcards) and prints each message that arrives: the payload, byte for byte, or the topic and the payload with -v. It takes mosquitto_sub's flags with the same meanings. It runs until Ctrl+C (exit 130), or until -C N messages were printed (exit 0), -W ran out (exit 27), the subscriptions were acknowledged (-E), or the reader of its output went away (rsub ... | head -3 exits 0 quietly).",
        "rsub speaks MQTT 3.1.1 (the default) and MQTT 5 (-V mqttv5), over TCP, TLS (any TLS flag, or -L mqtts://), WebSockets (-L ws:// or wss://), a Unix socket (--unix), and through an HTTP proxy (--proxy). When an established connection drops it reconnects (1 s, doubling to 30 s) and subscribes again when the broker did not keep its session; --no-reconnect exits 6 instead. A filter the broker refuses is named with its reason code; when every filter is refused rsub exits 7.",
        "Every error is one line on standard error naming the cause, and the exit status tells its kind (see EXIT STATUS). Passwords never appear in output, errors or the -d trace.",
        "Connection settings also come from environment variables and from the config file's [default] section and profiles (see ENVIRONMENT and FILES); flags win over both.",
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
            title: "Three messages into a pipe; rsub exits quietly once head has them:",
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
    ],
    see_also: &["rpub(1)"],
};
