//! End-to-end tests for `rpub` and `rsub`: the real binaries against a real Mosquitto broker.
//!
//! Every test starts its own broker on a free loopback port and uses its own topics, so tests
//! share nothing and run in parallel. They check only what a user sees: bytes on stdout, the
//! line on stderr, the exit code. The harness lives in `util`.

// Broker, command builders, timeouts, background subscribers, failure reports.
#[macro_use]
mod util;

// Broker access control: a refused publish reaches no one (MQTT 5 says why); refused filters.
mod acl;
// Authentication: users, passwords from flags, environment and files; secrets never shown.
mod auth;
// Arguments and input the tools must refuse before connecting: exit 2, one line of their own.
mod bad_input;
// Memory bounded on any input.
mod bounds;
// --expect and --expect-json health checks: matched, not matched, timed out.
mod expect;
// A broker that goes away under a connected client: exit 6, one line.
mod connection_lost;
// -D disconnect: the session expiry and user properties of the DISCONNECT at the end.
mod disconnect_properties;
// Exit conditions of rsub: -C, -W, -E, and a closed stdout pipe.
mod exits;
// Output that cannot be written (> /dev/full): exit 1, one line, in both tools.
mod full_output;
// -F formats side by side with mosquitto_sub -F: every specifier, flags, width, precision.
mod format;
// The committed completions and man pages match --generate; the man pages are complete.
mod generated;
// A one-shot publish and a SUBSCRIBE over MQTT 3.1.1 go out with CONNECT; a refusing broker
// takes none of them.
mod with_connect;
// --json lines, --pretty, --timestamp; capture with rsub --json and replay with rpub.
mod json;
// The first scenario: one message from rpub to rsub, with and without the packet trace.
mod hello;
// Talking to the mosquitto_pub/mosquitto_sub reference clients in both directions.
mod interop;
// MQTT 3.1 (-V mqttv31 / -V 31) from both tools, as the broker logs it.
mod mqtt31;
// MQTT 5 (-V mqttv5 / -V 5) on both sides.
mod mqtt5;
// MQTT 5 properties: publish, connect and will properties, as the broker applies them.
mod mqtt5_properties;
// mosquitto's flags taken with their meaning: -M, --random-filter, --nodelay.
mod mosquitto_flags;
// mosquitto's options files (~/.config/mosquitto_pub, mosquitto_sub): read, ranked, named.
mod options_file;
// Connection options as the broker sees them: client id, keepalive, sessions, -U.
mod options;
// Payload sources of rpub (-f, -s, -l, -n) and byte-exact delivery.
mod payloads;
// {n}, {i}, {time}, {ts} in rpub's topic and message.
mod placeholders;
// The config file: profiles, precedence (flags > environment > profile > [default]), errors.
mod profile;
// mosquitto's -D COMMAND IDENTIFIER VALUE: accepted as mosquitto takes it, mistakes named.
mod property_flag;
// rpub --clients N --rate R: load from one process, ids, pacing, the summary, refusals.
mod load;
// A scripted broker that breaks the protocol: no false "acknowledged", each lie named in words.
mod lying_broker;
// A broker that sends what no decoder takes for a packet: exit 6, in words, DISCONNECT 0x81.
mod malformed_packets;
// Counted delivery at QoS 0, 1 and 2, and a bulk transfer.
mod qos;
// --proxy through a real tinyproxy: plain, TLS and WebSocket tunnels; credentials; refusals.
mod proxy;
// --proxy socks5h:// and socks5:// through a real microsocks: plain, TLS, WebSockets; logins.
mod socks_proxy;
// Reconnecting after broker restarts, resending what was not acknowledged, dead brokers.
mod reconnect;
// rpub --wait-response: request/response with responders built from rsub and rpub.
mod request_response;
// How the binaries start: closed standard descriptors, the libraries the loader maps.
mod startup;
// Retained messages: delivery to later subscribers, -R, --retained-only, clearing.
mod retained;
// Ctrl+C (SIGINT) and SIGTERM: exit 130 after a clean DISCONNECT, nothing lost.
mod signals;
// MQTT 5 subscription options: no local, retain handling, retain as published, ids.
mod subscription_options;
// Stamped messages: rpub --stamp, rsub --check-seq (gaps made real) and --latency.
mod stamps;
// rsub --tree: the topic tree seen, counts, last payloads, retained topics, as text and JSON.
mod tree;
// TLS to Mosquitto with certificates made per test: mutual TLS, key formats, every failure.
mod tls;
// --ciphers: the suites offered, against a one-suite Mosquitto listener and openssl s_server.
mod tls_ciphers;
// README's test command is the whole setup: .ci/run runs it, a missing program names it.
mod setup;
// TLS with the certificates of mosquitto-tls(7)'s recipe: X.509 v1, an encrypted key.
mod tls_recipe;
// Colour, progress bar, live counter under a pseudo-terminal; none of it in pipes; --stats.
mod terminal;
// Brokers that cannot be reached: exit 3 with the address named.
mod unreachable;
// MQTT over a Unix domain socket (--unix) to Mosquitto's socket listener.
mod unix_socket;
// MQTT over WebSockets (ws://, wss://) against amqtt, crossing to TCP and back.
mod websocket;
// Will messages: published when a client vanishes, not when it says goodbye.
mod will;
// Topic filters with + and #, several filters, filtering out.
mod wildcards;
