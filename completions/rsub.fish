complete -c rsub -s t -l topic -d 'Topic filter to subscribe to (+ and # wildcards); repeatable' -r
complete -c rsub -s q -l qos -d 'Quality of service for the subscriptions: 0, 1 or 2' -r
complete -c rsub -s C -l count -d 'Exit after printing N messages' -r
complete -c rsub -s W -l timeout -d 'Exit with status 27 if not done after this long (seconds or a duration such as 10s)' -r
complete -c rsub -s T -l filter-out -d 'Do not print (or clear) messages on topics matching FILTER; repeatable' -r
complete -c rsub -s U -l unsubscribe -d 'Unsubscribe from FILTER (for persistent sessions, with -c); repeatable' -r
complete -c rsub -l random-filter -d 'Print only this share of the messages, picked at random: 100 prints all, 50.0 half' -r
complete -c rsub -s F -l format -d 'Print each message as FORMAT, as mosquitto_sub -F does (%t topic, %p payload, @H hour, ...; see README)' -r
complete -c rsub -l timestamp-format -d 'strftime format of --timestamp, e.g. \'%H:%M:%S%.3f\' [default: RFC 3339 with microseconds]' -r
complete -c rsub -l color -d 'Colour the topic in -v output: auto (only on a terminal, and not when NO_COLOR is set), always, never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c rsub -l expect -d 'Wait for a message whose payload matches REGEX: print it, exit 0 (with -W: 27 if none came in time); repeatable' -r
complete -c rsub -l expect-json -d 'As --expect, for a JSON payload: \'POINTER [OP VALUE]\', e.g. \'/temp > 30\', \'/state == on\'; repeatable' -r
complete -c rsub -l retain-handling -d 'Retained messages at subscribe: 0 always, 1 only for a new subscription, 2 never' -r
complete -c rsub -l subscription-id -d 'Tag the subscriptions with ID (1 to 268435455); -v shows it on each message' -r
complete -c rsub -s h -l host -d 'Broker host name or address [default: localhost, which is 127.0.0.1, then ::1]' -r
complete -c rsub -s p -l port -d 'Broker port [default: 1883, with TLS 8883]' -r
complete -c rsub -s L -l url -d 'Broker URL: mqtt://, mqtts://, ws:// or wss://[user[:pass]@]host[:port][/topic or /path]' -r
complete -c rsub -s u -l username -d 'Username' -r
complete -c rsub -s P -l password -d 'Password (visible in the process list: prefer MQTT_PASSWORD or --password-file)' -r
complete -c rsub -l password-file -d 'Read the password from the first line of FILE' -r -F
complete -c rsub -s i -l id -d 'Client id [default: rpub-/rsub- followed by a random suffix]' -r
complete -c rsub -s I -l id-prefix -d 'Client id prefix; the process id is appended' -r
complete -c rsub -s V -l protocol-version -d 'MQTT protocol version: mqttv311 (or 311), mqttv5 (or 5), mqttv31 (or 31) [default: mqttv311]' -r -f -a "mqttv311\t'MQTT 3.1.1 (the default)'
mqttv5\t'MQTT 5'
mqttv31\t'MQTT 3.1, for brokers and devices that predate 3.1.1'"
complete -c rsub -s k -l keepalive -d 'Keepalive interval: seconds or a duration such as 30s; 0 disables [default: 60]' -r
complete -c rsub -l connect-timeout -d 'Give up connecting after this long (seconds or a duration) [default: 10s]' -r
complete -c rsub -l cafile -d 'Trust the CA certificates in FILE (PEM); turns TLS on' -r -F
complete -c rsub -l capath -d 'Trust the CA certificates in the PEM files of DIR; turns TLS on' -r -F
complete -c rsub -l cert -d 'Client certificate (PEM) for mutual TLS; needs --key' -r -F
complete -c rsub -l key -d 'Private key of --cert (PEM: PKCS#8, PKCS#1 or SEC1; if encrypted, the passphrase is asked on the terminal, or taken from RPUBSUB_KEY_PASSPHRASE or --key-passphrase-file)' -r -F
complete -c rsub -l key-passphrase-file -d 'Read the passphrase of an encrypted --key from the first line of FILE' -r -F
complete -c rsub -l tls-alpn -d 'Offer this ALPN protocol in the TLS handshake; repeatable' -r
complete -c rsub -l tls-version -d 'Lowest TLS version to accept: tlsv1.2 (the default) or tlsv1.3' -r -f -a "tlsv1.2\t''
tlsv1.3\t''"
complete -c rsub -l ciphers -d 'Offer only these cipher suites: OpenSSL\'s or IANA\'s names (ECDHE-RSA-AES256-GCM-SHA384, TLS_AES_128_GCM_SHA256) and words (HIGH, !aNULL), separated by \':\'; turns TLS on' -r
complete -c rsub -l unix -d 'Connect to the broker\'s Unix domain socket PATH instead of host and port' -r -F
complete -c rsub -l proxy -d 'Reach the broker through a proxy: http://, socks5h:// or socks5://[user[:pass]@]host:port' -r
complete -c rsub -l keyform -d 'Not supported: keys are read as PEM files only' -r
complete -c rsub -l tls-engine -d 'Not supported: OpenSSL engines' -r
complete -c rsub -l tls-engine-kpass-sha1 -d 'Not supported: OpenSSL engine key passwords' -r
complete -c rsub -l psk -d 'Not supported: TLS with a pre-shared key' -r
complete -c rsub -l psk-identity -d 'Not supported: TLS with a pre-shared key' -r
complete -c rsub -s A -l bind-address -d 'Bind the outgoing socket (to the broker, or to the proxy) to this local IP address' -r
complete -c rsub -l will-topic -d 'Topic of the will message the broker publishes if this client vanishes' -r
complete -c rsub -l will-payload -d 'Payload of the will message [default: empty]' -r
complete -c rsub -l will-qos -d 'QoS of the will message' -r
complete -c rsub -s x -l session-expiry -d 'Keep the session this long after disconnecting: seconds, a duration, or inf [default: 0; inf with -c]' -r
complete -c rsub -l receive-maximum -d 'QoS 1/2 messages the broker may send before this client acknowledges them' -r
complete -c rsub -l maximum-packet-size -d 'The largest packet to accept (bytes); the broker drops bigger messages for this client' -r
complete -c rsub -l connect-user-property -d 'A user property sent with CONNECT; repeatable' -r
complete -c rsub -l will-delay -d 'Publish the will this long after the connection is lost (seconds or a duration; sooner if the session expires first, see -x)' -r
complete -c rsub -l will-message-expiry -d 'The will message expires after this long (seconds or a duration)' -r
complete -c rsub -l will-content-type -d 'Content type of the will message (a MIME type, say)' -r
complete -c rsub -l will-payload-format -d 'The will payload is utf8 text or bytes' -r
complete -c rsub -l will-response-topic -d 'Response topic of the will message' -r
complete -c rsub -l will-correlation-data -d 'Correlation data of the will message' -r
complete -c rsub -l will-user-property -d 'A user property of the will message; repeatable' -r
complete -c rsub -s D -l property -d 'An MQTT 5 property as mosquitto takes it, e.g. -D publish content-type text/plain, -D connect user-property NAME VALUE; repeatable' -r
complete -c rsub -l reconnect-max -d 'Give up after N failed reconnect attempts in a row [default: never]' -r
complete -c rsub -l profile -d 'Use the settings of profile NAME from the config file (over its [default] section)' -r
complete -c rsub -l config -d 'Read settings from FILE instead of $XDG_CONFIG_HOME/rpubsub/config.toml' -r -F
complete -c rsub -l help -d 'Print help'
complete -c rsub -l version -d 'Print version'
complete -c rsub -s v -l verbose -d 'Print the topic before the payload, and MQTT 5 properties after it: "topic payload [name=value, ...]"'
complete -c rsub -s E -l exit-after-subscribe -d 'Exit once the broker has acknowledged the subscriptions'
complete -c rsub -s R -l no-retained -d 'Do not print retained (stale) messages'
complete -c rsub -l retained-only -d 'Print only retained messages; exit at the first message that is not retained'
complete -c rsub -l remove-retained -d 'Clear every retained message received (publish an empty retained message to its topic)'
complete -c rsub -s N -l no-newline -d 'Do not add a newline after each payload'
complete -c rsub -l json -d 'Print one JSON object per message and line: topic, payload (base64 when binary), qos, retain, dup, properties, receive time (and the --check-seq/--latency summary as JSON on stderr)'
complete -c rsub -l tree -d 'Print the topic tree seen when the run ends (-W, -C, Ctrl+C): message counts, the last payload shortened, retained topics; -W is then how long to watch (exit 0); with --json as data'
complete -c rsub -l ascii -d 'With --tree: draw the tree in plain ASCII even on a terminal (as it is drawn into a pipe or file)'
complete -c rsub -l pretty -d 'Indent JSON (--json, and %j/%J in -F); alone, implies --json'
complete -c rsub -l timestamp -d 'Print the receive time before each message (plain and -v output)'
complete -c rsub -l stats -d 'On exit, print on stderr how many messages and bytes arrived, in how long'
complete -c rsub -l check-seq -d 'Check the numbers of stamped messages (rpub --stamp) per publisher and topic: a line on stderr for each gap, duplicate or reordering, a summary on exit (--json: as JSON); exit 8 if any were missing'
complete -c rsub -l latency -d 'Latency of stamped messages (rpub --stamp): p50, p90, p99, p99.9 and max on stderr. One host: exact; across hosts: clock offset + latency (keep the clocks on NTP)'
complete -c rsub -l no-local -d 'Do not receive the messages this client publishes itself (the clears of --remove-retained)'
complete -c rsub -l retain-as-published -d 'Keep the retain flag of forwarded messages as it was published'
complete -c rsub -s c -l disable-clean-session -d 'Ask for a persistent session (clean session off); needs -i'
complete -c rsub -l tls-use-os-certs -d 'Trust the system\'s CA certificates (also the default when TLS is on without --cafile/--capath)'
complete -c rsub -l insecure -d 'Do not check that the broker\'s certificate names the host (the chain is still verified)'
complete -c rsub -l nodelay -d 'Disable Nagle\'s algorithm, as mosquitto\'s --nodelay: always so here (writes are batched)'
complete -c rsub -l will-retain -d 'Retain the will message'
complete -c rsub -l no-reconnect -d 'Exit when the connection drops instead of reconnecting'
complete -c rsub -s d -l debug -d 'Print every MQTT packet sent and received on stderr'
complete -c rsub -l quiet -d 'Print no error messages (the exit status still tells)'
complete -c rsub -l no-mosquitto-options -d 'Do not read mosquitto\'s options file (~/.config/mosquitto_pub for rpub, mosquitto_sub for rsub)'
complete -c rsub -l print-config -d 'Print the connection settings in effect and where each came from, then exit'
