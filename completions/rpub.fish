complete -c rpub -s t -l topic -d 'Topic to publish to' -r
complete -c rpub -s m -l message -d 'Send MESSAGE as the payload (its bytes as given, UTF-8 or not)' -r
complete -c rpub -s f -l file -d 'Send the contents of FILE as the payload' -r -F
complete -c rpub -l speed -d 'With --replay-timing: play N times faster (0.5 = half speed) [default: 1]' -r
complete -c rpub -s q -l qos -d 'Quality of service: 0, 1 or 2' -r
complete -c rpub -l repeat -l count -d 'Send N times (0 = until Ctrl+C), expanding {n} {i} {time} {ts}' -r
complete -c rpub -s M -l max-inflight -d 'QoS 1/2 messages in flight (sent, not yet acknowledged) at once [default: 100; 20 with QoS 2, mosquitto\'s own limit: over MQTT 3.1.1 it drops what goes beyond it]' -r
complete -c rpub -l repeat-delay -l interval -d 'Wait this long between repeated messages (seconds or a duration such as 500ms)' -r
complete -c rpub -l stats -d 'On exit, print on stderr how many messages were sent and acknowledged, bytes, time and rate; --stats json: a load run\'s summary (--clients, --rate) as one JSON object on stdout' -r
complete -c rpub -l clients -d 'Open N connections, each its own client (ids: the -i ID, or rpub\'s random one, followed by -1 ... -N), each sending the messages; --count is per client [default without --count: until Ctrl+C]' -r
complete -c rpub -l rate -d 'Send R messages per second in all, spread over the clients; R/client: R per second each' -r
complete -c rpub -l connect-rate -d 'With --clients: open at most N connections per second, so that many clients do not all hit the broker at once (0 = all at once) [default: 100]' -r
complete -c rpub -l user-property -d 'A user property of each message; repeatable' -r
complete -c rpub -l content-type -d 'Content type of the payload (a MIME type, say)' -r
complete -c rpub -l payload-format -d 'The payload is utf8 text (the broker may check) or bytes' -r
complete -c rpub -l message-expiry -d 'The broker drops the message if not delivered within this long (seconds or a duration)' -r
complete -c rpub -l response-topic -d 'Topic a receiver should answer on (MQTT 3.1.1 with --wait-response: where to listen, as mosquitto_rr -e)' -r
complete -c rpub -l correlation-data -d 'Correlation data: lets the requester match an answer to its request' -r
complete -c rpub -l topic-alias -d 'Topic alias N (1 up to the broker\'s maximum), sent with the topic on each message' -r
complete -c rpub -l wait-response -d 'Request/response: publish with a response topic and correlation data, print the answer and exit; exit 27 if none comes within DURATION [default: 10s]; MQTT 3.1.1: needs --response-topic' -r
complete -c rpub -s h -l host -d 'Broker host name or address [default: localhost, which is 127.0.0.1, then ::1]' -r
complete -c rpub -s p -l port -d 'Broker port [default: 1883, with TLS 8883]' -r
complete -c rpub -s L -l url -d 'Broker URL: mqtt://, mqtts://, ws:// or wss://[user[:pass]@]host[:port][/topic or /path]' -r
complete -c rpub -s u -l username -d 'Username' -r
complete -c rpub -s P -l password -d 'Password (visible in the process list: prefer MQTT_PASSWORD or --password-file)' -r
complete -c rpub -l password-file -d 'Read the password from the first line of FILE' -r -F
complete -c rpub -s i -l id -d 'Client id [default: rpub-/rsub- followed by a random suffix]' -r
complete -c rpub -s I -l id-prefix -d 'Client id prefix; the process id is appended' -r
complete -c rpub -s V -l protocol-version -d 'MQTT protocol version: mqttv311 (or 311), mqttv5 (or 5), mqttv31 (or 31) [default: mqttv311]' -r -f -a "mqttv311\t'MQTT 3.1.1 (the default)'
mqttv5\t'MQTT 5'
mqttv31\t'MQTT 3.1, for brokers and devices that predate 3.1.1'"
complete -c rpub -s k -l keepalive -d 'Keepalive interval: seconds or a duration such as 30s; 0 disables [default: 60]' -r
complete -c rpub -l connect-timeout -d 'Give up connecting after this long (seconds or a duration) [default: 10s]' -r
complete -c rpub -l cafile -d 'Trust the CA certificates in FILE (PEM); turns TLS on' -r -F
complete -c rpub -l capath -d 'Trust the CA certificates in the PEM files of DIR; turns TLS on' -r -F
complete -c rpub -l cert -d 'Client certificate (PEM) for mutual TLS; needs --key' -r -F
complete -c rpub -l key -d 'Private key of --cert (PEM: PKCS#8, PKCS#1 or SEC1; if encrypted, the passphrase is asked on the terminal, or taken from RPUBSUB_KEY_PASSPHRASE or --key-passphrase-file)' -r -F
complete -c rpub -l key-passphrase-file -d 'Read the passphrase of an encrypted --key from the first line of FILE' -r -F
complete -c rpub -l tls-alpn -d 'Offer this ALPN protocol in the TLS handshake; repeatable' -r
complete -c rpub -l tls-version -d 'Lowest TLS version to accept: tlsv1.2 (the default) or tlsv1.3' -r -f -a "tlsv1.2\t''
tlsv1.3\t''"
complete -c rpub -l ciphers -d 'Offer only these cipher suites: OpenSSL\'s or IANA\'s names (ECDHE-RSA-AES256-GCM-SHA384, TLS_AES_128_GCM_SHA256) and words (HIGH, !aNULL), separated by \':\'; turns TLS on' -r
complete -c rpub -l unix -d 'Connect to the broker\'s Unix domain socket PATH instead of host and port' -r -F
complete -c rpub -l proxy -d 'Reach the broker through a proxy: http://, socks5h:// or socks5://[user[:pass]@]host:port' -r
complete -c rpub -l keyform -d 'Not supported: keys are read as PEM files only' -r
complete -c rpub -l tls-engine -d 'Not supported: OpenSSL engines' -r
complete -c rpub -l tls-engine-kpass-sha1 -d 'Not supported: OpenSSL engine key passwords' -r
complete -c rpub -l psk -d 'Not supported: TLS with a pre-shared key' -r
complete -c rpub -l psk-identity -d 'Not supported: TLS with a pre-shared key' -r
complete -c rpub -s A -l bind-address -d 'Bind the outgoing socket (to the broker, or to the proxy) to this local IP address' -r
complete -c rpub -l will-topic -d 'Topic of the will message the broker publishes if this client vanishes' -r
complete -c rpub -l will-payload -d 'Payload of the will message [default: empty]' -r
complete -c rpub -l will-qos -d 'QoS of the will message' -r
complete -c rpub -s x -l session-expiry -d 'Keep the session this long after disconnecting: seconds, a duration, or inf [default: 0; inf with -c]' -r
complete -c rpub -l receive-maximum -d 'QoS 1/2 messages the broker may send before this client acknowledges them' -r
complete -c rpub -l maximum-packet-size -d 'The largest packet to accept (bytes); the broker drops bigger messages for this client' -r
complete -c rpub -l connect-user-property -d 'A user property sent with CONNECT; repeatable' -r
complete -c rpub -l will-delay -d 'Publish the will this long after the connection is lost (seconds or a duration; sooner if the session expires first, see -x)' -r
complete -c rpub -l will-message-expiry -d 'The will message expires after this long (seconds or a duration)' -r
complete -c rpub -l will-content-type -d 'Content type of the will message (a MIME type, say)' -r
complete -c rpub -l will-payload-format -d 'The will payload is utf8 text or bytes' -r
complete -c rpub -l will-response-topic -d 'Response topic of the will message' -r
complete -c rpub -l will-correlation-data -d 'Correlation data of the will message' -r
complete -c rpub -l will-user-property -d 'A user property of the will message; repeatable' -r
complete -c rpub -s D -l property -d 'An MQTT 5 property as mosquitto takes it, e.g. -D publish content-type text/plain, -D connect user-property NAME VALUE; repeatable' -r
complete -c rpub -l reconnect-max -d 'Give up after N failed reconnect attempts in a row [default: never]' -r
complete -c rpub -l profile -d 'Use the settings of profile NAME from the config file (over its [default] section)' -r
complete -c rpub -l config -d 'Read settings from FILE instead of $XDG_CONFIG_HOME/rpubsub/config.toml' -r -F
complete -c rpub -l help -d 'Print help'
complete -c rpub -l version -d 'Print version'
complete -c rpub -s s -l stdin-file -d 'Read all of stdin and send it as one message'
complete -c rpub -s l -l stdin-line -d 'Send each line of stdin as a message, as it arrives (empty lines are skipped)'
complete -c rpub -s n -l null-message -d 'Send an empty message'
complete -c rpub -l stdin-json -l json -d 'Publish the messages of JSON lines on stdin (as rsub --json writes them), each with its own topic, payload, qos, retain and properties'
complete -c rpub -l replay-timing -d 'With --stdin-json: keep the time gaps between the lines\' "received" times'
complete -c rpub -s r -l retain -d 'Ask the broker to retain the message'
complete -c rpub -l no-placeholders -d 'Send {n} {i} {time} {ts} literally even with --repeat'
complete -c rpub -l stamp -d 'Put a stamp before each payload: "stamp/1 PUBLISHER SEQ MICROS " (publisher id, number on its topic from 1, send time), for rsub --check-seq and --latency'
complete -c rpub -s v -l verbose -d 'Print a line per message once it is done (sent for QoS 0, acknowledged for QoS 1/2)'
complete -c rpub -s c -l disable-clean-session -d 'Ask for a persistent session (clean session off); needs -i'
complete -c rpub -l tls-use-os-certs -d 'Trust the system\'s CA certificates (also the default when TLS is on without --cafile/--capath)'
complete -c rpub -l insecure -d 'Do not check that the broker\'s certificate names the host (the chain is still verified)'
complete -c rpub -l nodelay -d 'Disable Nagle\'s algorithm, as mosquitto\'s --nodelay: always so here (writes are batched)'
complete -c rpub -l will-retain -d 'Retain the will message'
complete -c rpub -l no-reconnect -d 'Exit when the connection drops instead of reconnecting'
complete -c rpub -s d -l debug -d 'Print every MQTT packet sent and received on stderr'
complete -c rpub -l quiet -d 'Print no error messages (the exit status still tells)'
complete -c rpub -l no-mosquitto-options -d 'Do not read mosquitto\'s options file (~/.config/mosquitto_pub for rpub, mosquitto_sub for rsub)'
complete -c rpub -l print-config -d 'Print the connection settings in effect and where each came from, then exit'
