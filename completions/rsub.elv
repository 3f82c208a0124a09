
use builtin;
use str;

set edit:completion:arg-completer[rsub] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'rsub'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'rsub'= {
            cand -t 'Topic filter to subscribe to (+ and # wildcards); repeatable'
            cand --topic 'Topic filter to subscribe to (+ and # wildcards); repeatable'
            cand -q 'Quality of service for the subscriptions: 0, 1 or 2'
            cand --qos 'Quality of service for the subscriptions: 0, 1 or 2'
            cand -C 'Exit after printing N messages'
            cand --count 'Exit after printing N messages'
            cand -W 'Exit with status 27 if not done after this long (seconds or a duration such as 10s)'
            cand --timeout 'Exit with status 27 if not done after this long (seconds or a duration such as 10s)'
            cand -T 'Do not print (or clear) messages on topics matching FILTER; repeatable'
            cand --filter-out 'Do not print (or clear) messages on topics matching FILTER; repeatable'
            cand -U 'Unsubscribe from FILTER (for persistent sessions, with -c); repeatable'
            cand --unsubscribe 'Unsubscribe from FILTER (for persistent sessions, with -c); repeatable'
            cand --retain-handling 'Retained messages at subscribe: 0 always, 1 only for a new subscription, 2 never'
            cand --subscription-id 'Tag the subscriptions with ID (1 to 268435455); -v shows it on each message'
            cand -h 'Broker host name or address'
            cand --host 'Broker host name or address'
            cand -p 'Broker port [default: 1883, with TLS 8883]'
            cand --port 'Broker port [default: 1883, with TLS 8883]'
            cand -u 'Username'
            cand --username 'Username'
            cand -P 'Password (visible in the process list: prefer MQTT_PASSWORD or --password-file)'
            cand --password 'Password (visible in the process list: prefer MQTT_PASSWORD or --password-file)'
            cand --password-file 'Read the password from the first line of FILE'
            cand -i 'Client id [default: rpub-/rsub- followed by a random suffix]'
            cand --id 'Client id [default: rpub-/rsub- followed by a random suffix]'
            cand -I 'Client id prefix; the process id is appended'
            cand --id-prefix 'Client id prefix; the process id is appended'
            cand -k 'Keepalive interval: seconds or a duration such as 30s; 0 disables [default: 60]'
            cand --keepalive 'Keepalive interval: seconds or a duration such as 30s; 0 disables [default: 60]'
            cand -V 'MQTT protocol version: mqttv311 (or 311), mqttv5 (or 5) [default: mqttv311]'
            cand --protocol-version 'MQTT protocol version: mqttv311 (or 311), mqttv5 (or 5) [default: mqttv311]'
            cand -L 'Broker URL: mqtt://, mqtts://, ws:// or wss://[user[:pass]@]host[:port][/topic or /path]'
            cand --url 'Broker URL: mqtt://, mqtts://, ws:// or wss://[user[:pass]@]host[:port][/topic or /path]'
            cand --cafile 'Trust the CA certificates in FILE (PEM); turns TLS on'
            cand --capath 'Trust the CA certificates in the PEM files of DIR; turns TLS on'
            cand --cert 'Client certificate (PEM) for mutual TLS; needs --key'
            cand --key 'Private key of --cert (PEM: PKCS#8, PKCS#1 or SEC1; not encrypted)'
            cand --tls-alpn 'Offer this ALPN protocol in the TLS handshake; repeatable'
            cand --tls-version 'Lowest TLS version to accept: tlsv1.2 (the default) or tlsv1.3'
            cand --unix 'Connect to the broker''s Unix domain socket PATH instead of host and port'
            cand --proxy 'Reach the broker through an HTTP proxy: http://[user[:pass]@]host:port'
            cand --will-topic 'Topic of the will message the broker publishes if this client vanishes'
            cand --will-payload 'Payload of the will message [default: empty]'
            cand --will-qos 'QoS of the will message'
            cand --connect-timeout 'Give up connecting after this long (seconds or a duration) [default: 10s]'
            cand -x 'Keep the session this long after disconnecting: seconds, a duration, or inf [default: 0; inf with -c]'
            cand --session-expiry 'Keep the session this long after disconnecting: seconds, a duration, or inf [default: 0; inf with -c]'
            cand --receive-maximum 'QoS 1/2 messages the broker may send before this client acknowledges them'
            cand --maximum-packet-size 'The largest packet to accept (bytes); the broker drops bigger messages for this client'
            cand --connect-user-property 'A user property sent with CONNECT; repeatable'
            cand --will-delay 'Publish the will this long after the connection is lost (seconds or a duration; sooner if the session expires first, see -x)'
            cand --will-message-expiry 'The will message expires after this long (seconds or a duration)'
            cand --will-content-type 'Content type of the will message (a MIME type, say)'
            cand --will-payload-format 'The will payload is utf8 text or bytes'
            cand --will-response-topic 'Response topic of the will message'
            cand --will-correlation-data 'Correlation data of the will message'
            cand --will-user-property 'A user property of the will message; repeatable'
            cand -D 'An MQTT 5 property as mosquitto takes it, e.g. -D publish content-type text/plain, -D connect user-property NAME VALUE; repeatable'
            cand --property 'An MQTT 5 property as mosquitto takes it, e.g. -D publish content-type text/plain, -D connect user-property NAME VALUE; repeatable'
            cand --reconnect-max 'Give up after N failed reconnect attempts in a row [default: never]'
            cand --profile 'Use the settings of profile NAME from the config file (over its [default] section)'
            cand --config 'Read settings from FILE instead of $XDG_CONFIG_HOME/rpubsub/config.toml'
            cand --help 'Print help'
            cand --version 'Print version'
            cand -v 'Print the topic before the payload, and MQTT 5 properties after it: "topic payload [name=value, ...]"'
            cand --verbose 'Print the topic before the payload, and MQTT 5 properties after it: "topic payload [name=value, ...]"'
            cand -E 'Exit once the broker has acknowledged the subscriptions'
            cand --exit-after-subscribe 'Exit once the broker has acknowledged the subscriptions'
            cand -R 'Do not print retained (stale) messages'
            cand --no-retained 'Do not print retained (stale) messages'
            cand --retained-only 'Print only retained messages; exit at the first message that is not retained'
            cand --remove-retained 'Clear every retained message received (publish an empty retained message to its topic)'
            cand -N 'Do not add a newline after each payload'
            cand --no-newline 'Do not add a newline after each payload'
            cand --no-local 'Do not receive the messages this client publishes itself (the clears of --remove-retained)'
            cand --retain-as-published 'Keep the retain flag of forwarded messages as it was published'
            cand -c 'Ask for a persistent session (clean session off); needs -i'
            cand --disable-clean-session 'Ask for a persistent session (clean session off); needs -i'
            cand --tls-use-os-certs 'Trust the system''s CA certificates (also the default when TLS is on without --cafile/--capath)'
            cand --insecure 'Do not check that the broker''s certificate names the host (the chain is still verified)'
            cand --will-retain 'Retain the will message'
            cand --no-reconnect 'Exit when the connection drops instead of reconnecting'
            cand -d 'Print every MQTT packet sent and received on stderr'
            cand --debug 'Print every MQTT packet sent and received on stderr'
            cand --quiet 'Print no error messages (the exit status still tells)'
            cand --print-config 'Print the connection settings in effect and where each came from, then exit'
        }
    ]
    $completions[$command]
}
