
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'rsub' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'rsub'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'rsub' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Topic filter to subscribe to (+ and # wildcards); repeatable')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Topic filter to subscribe to (+ and # wildcards); repeatable')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Quality of service for the subscriptions: 0, 1 or 2')
            [CompletionResult]::new('--qos', '--qos', [CompletionResultType]::ParameterName, 'Quality of service for the subscriptions: 0, 1 or 2')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Exit after printing N messages')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Exit after printing N messages')
            [CompletionResult]::new('-W', '-W ', [CompletionResultType]::ParameterName, 'Exit with status 27 if not done after this long (seconds or a duration such as 10s)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Exit with status 27 if not done after this long (seconds or a duration such as 10s)')
            [CompletionResult]::new('-T', '-T ', [CompletionResultType]::ParameterName, 'Do not print (or clear) messages on topics matching FILTER; repeatable')
            [CompletionResult]::new('--filter-out', '--filter-out', [CompletionResultType]::ParameterName, 'Do not print (or clear) messages on topics matching FILTER; repeatable')
            [CompletionResult]::new('-U', '-U ', [CompletionResultType]::ParameterName, 'Unsubscribe from FILTER (for persistent sessions, with -c); repeatable')
            [CompletionResult]::new('--unsubscribe', '--unsubscribe', [CompletionResultType]::ParameterName, 'Unsubscribe from FILTER (for persistent sessions, with -c); repeatable')
            [CompletionResult]::new('--random-filter', '--random-filter', [CompletionResultType]::ParameterName, 'Print only this share of the messages, picked at random: 100 prints all, 50.0 half')
            [CompletionResult]::new('-F', '-F ', [CompletionResultType]::ParameterName, 'Print each message as FORMAT, as mosquitto_sub -F does (%t topic, %p payload, @H hour, ...; see README)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Print each message as FORMAT, as mosquitto_sub -F does (%t topic, %p payload, @H hour, ...; see README)')
            [CompletionResult]::new('--timestamp-format', '--timestamp-format', [CompletionResultType]::ParameterName, 'strftime format of --timestamp, e.g. ''%H:%M:%S%.3f'' [default: RFC 3339 with microseconds]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour the topic in -v output: auto (only on a terminal, and not when NO_COLOR is set), always, never')
            [CompletionResult]::new('--expect', '--expect', [CompletionResultType]::ParameterName, 'Wait for a message whose payload matches REGEX: print it, exit 0 (with -W: 27 if none came in time); repeatable')
            [CompletionResult]::new('--expect-json', '--expect-json', [CompletionResultType]::ParameterName, 'As --expect, for a JSON payload: ''POINTER [OP VALUE]'', e.g. ''/temp > 30'', ''/state == on''; repeatable')
            [CompletionResult]::new('--retain-handling', '--retain-handling', [CompletionResultType]::ParameterName, 'Retained messages at subscribe: 0 always, 1 only for a new subscription, 2 never')
            [CompletionResult]::new('--subscription-id', '--subscription-id', [CompletionResultType]::ParameterName, 'Tag the subscriptions with ID (1 to 268435455); -v shows it on each message')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Broker host name or address [default: localhost, which is 127.0.0.1, then ::1]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Broker host name or address [default: localhost, which is 127.0.0.1, then ::1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Broker port [default: 1883, with TLS 8883]')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Broker port [default: 1883, with TLS 8883]')
            [CompletionResult]::new('-L', '-L ', [CompletionResultType]::ParameterName, 'Broker URL: mqtt://, mqtts://, ws:// or wss://[user[:pass]@]host[:port][/topic or /path]')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Broker URL: mqtt://, mqtts://, ws:// or wss://[user[:pass]@]host[:port][/topic or /path]')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'Username')
            [CompletionResult]::new('--username', '--username', [CompletionResultType]::ParameterName, 'Username')
            [CompletionResult]::new('-P', '-P ', [CompletionResultType]::ParameterName, 'Password (visible in the process list: prefer MQTT_PASSWORD or --password-file)')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password (visible in the process list: prefer MQTT_PASSWORD or --password-file)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password from the first line of FILE')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Client id [default: rpub-/rsub- followed by a random suffix]')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Client id [default: rpub-/rsub- followed by a random suffix]')
            [CompletionResult]::new('-I', '-I ', [CompletionResultType]::ParameterName, 'Client id prefix; the process id is appended')
            [CompletionResult]::new('--id-prefix', '--id-prefix', [CompletionResultType]::ParameterName, 'Client id prefix; the process id is appended')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'MQTT protocol version: mqttv311 (or 311), mqttv5 (or 5), mqttv31 (or 31) [default: mqttv311]')
            [CompletionResult]::new('--protocol-version', '--protocol-version', [CompletionResultType]::ParameterName, 'MQTT protocol version: mqttv311 (or 311), mqttv5 (or 5), mqttv31 (or 31) [default: mqttv311]')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Keepalive interval: seconds or a duration such as 30s; 0 disables [default: 60]')
            [CompletionResult]::new('--keepalive', '--keepalive', [CompletionResultType]::ParameterName, 'Keepalive interval: seconds or a duration such as 30s; 0 disables [default: 60]')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up connecting after this long (seconds or a duration) [default: 10s]')
            [CompletionResult]::new('--cafile', '--cafile', [CompletionResultType]::ParameterName, 'Trust the CA certificates in FILE (PEM); turns TLS on')
            [CompletionResult]::new('--capath', '--capath', [CompletionResultType]::ParameterName, 'Trust the CA certificates in the PEM files of DIR; turns TLS on')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for mutual TLS; needs --key')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key of --cert (PEM: PKCS#8, PKCS#1 or SEC1; if encrypted, the passphrase is asked on the terminal, or taken from RPUBSUB_KEY_PASSPHRASE or --key-passphrase-file)')
            [CompletionResult]::new('--key-passphrase-file', '--key-passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase of an encrypted --key from the first line of FILE')
            [CompletionResult]::new('--tls-alpn', '--tls-alpn', [CompletionResultType]::ParameterName, 'Offer this ALPN protocol in the TLS handshake; repeatable')
            [CompletionResult]::new('--tls-version', '--tls-version', [CompletionResultType]::ParameterName, 'Lowest TLS version to accept: tlsv1.2 (the default) or tlsv1.3')
            [CompletionResult]::new('--ciphers', '--ciphers', [CompletionResultType]::ParameterName, 'Offer only these cipher suites: OpenSSL''s or IANA''s names (ECDHE-RSA-AES256-GCM-SHA384, TLS_AES_128_GCM_SHA256) and words (HIGH, !aNULL), separated by '':''; turns TLS on')
            [CompletionResult]::new('--unix', '--unix', [CompletionResultType]::ParameterName, 'Connect to the broker''s Unix domain socket PATH instead of host and port')
            [CompletionResult]::new('--proxy', '--proxy', [CompletionResultType]::ParameterName, 'Reach the broker through a proxy: http://, socks5h:// or socks5://[user[:pass]@]host:port')
            [CompletionResult]::new('--keyform', '--keyform', [CompletionResultType]::ParameterName, 'Not supported: keys are read as PEM files only')
            [CompletionResult]::new('--tls-engine', '--tls-engine', [CompletionResultType]::ParameterName, 'Not supported: OpenSSL engines')
            [CompletionResult]::new('--tls-engine-kpass-sha1', '--tls-engine-kpass-sha1', [CompletionResultType]::ParameterName, 'Not supported: OpenSSL engine key passwords')
            [CompletionResult]::new('--psk', '--psk', [CompletionResultType]::ParameterName, 'Not supported: TLS with a pre-shared key')
            [CompletionResult]::new('--psk-identity', '--psk-identity', [CompletionResultType]::ParameterName, 'Not supported: TLS with a pre-shared key')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Bind the outgoing socket (to the broker, or to the proxy) to this local IP address')
            [CompletionResult]::new('--bind-address', '--bind-address', [CompletionResultType]::ParameterName, 'Bind the outgoing socket (to the broker, or to the proxy) to this local IP address')
            [CompletionResult]::new('--will-topic', '--will-topic', [CompletionResultType]::ParameterName, 'Topic of the will message the broker publishes if this client vanishes')
            [CompletionResult]::new('--will-payload', '--will-payload', [CompletionResultType]::ParameterName, 'Payload of the will message [default: empty]')
            [CompletionResult]::new('--will-qos', '--will-qos', [CompletionResultType]::ParameterName, 'QoS of the will message')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Keep the session this long after disconnecting: seconds, a duration, or inf [default: 0; inf with -c]')
            [CompletionResult]::new('--session-expiry', '--session-expiry', [CompletionResultType]::ParameterName, 'Keep the session this long after disconnecting: seconds, a duration, or inf [default: 0; inf with -c]')
            [CompletionResult]::new('--receive-maximum', '--receive-maximum', [CompletionResultType]::ParameterName, 'QoS 1/2 messages the broker may send before this client acknowledges them')
            [CompletionResult]::new('--maximum-packet-size', '--maximum-packet-size', [CompletionResultType]::ParameterName, 'The largest packet to accept (bytes); the broker drops bigger messages for this client')
            [CompletionResult]::new('--connect-user-property', '--connect-user-property', [CompletionResultType]::ParameterName, 'A user property sent with CONNECT; repeatable')
            [CompletionResult]::new('--will-delay', '--will-delay', [CompletionResultType]::ParameterName, 'Publish the will this long after the connection is lost (seconds or a duration; sooner if the session expires first, see -x)')
            [CompletionResult]::new('--will-message-expiry', '--will-message-expiry', [CompletionResultType]::ParameterName, 'The will message expires after this long (seconds or a duration)')
            [CompletionResult]::new('--will-content-type', '--will-content-type', [CompletionResultType]::ParameterName, 'Content type of the will message (a MIME type, say)')
            [CompletionResult]::new('--will-payload-format', '--will-payload-format', [CompletionResultType]::ParameterName, 'The will payload is utf8 text or bytes')
            [CompletionResult]::new('--will-response-topic', '--will-response-topic', [CompletionResultType]::ParameterName, 'Response topic of the will message')
            [CompletionResult]::new('--will-correlation-data', '--will-correlation-data', [CompletionResultType]::ParameterName, 'Correlation data of the will message')
            [CompletionResult]::new('--will-user-property', '--will-user-property', [CompletionResultType]::ParameterName, 'A user property of the will message; repeatable')
            [CompletionResult]::new('-D', '-D ', [CompletionResultType]::ParameterName, 'An MQTT 5 property as mosquitto takes it, e.g. -D publish content-type text/plain, -D connect user-property NAME VALUE; repeatable')
            [CompletionResult]::new('--property', '--property', [CompletionResultType]::ParameterName, 'An MQTT 5 property as mosquitto takes it, e.g. -D publish content-type text/plain, -D connect user-property NAME VALUE; repeatable')
            [CompletionResult]::new('--reconnect-max', '--reconnect-max', [CompletionResultType]::ParameterName, 'Give up after N failed reconnect attempts in a row [default: never]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use the settings of profile NAME from the config file (over its [default] section)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from FILE instead of $XDG_CONFIG_HOME/rpubsub/config.toml')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print the topic before the payload, and MQTT 5 properties after it: "topic payload [name=value, ...]"')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print the topic before the payload, and MQTT 5 properties after it: "topic payload [name=value, ...]"')
            [CompletionResult]::new('-E', '-E ', [CompletionResultType]::ParameterName, 'Exit once the broker has acknowledged the subscriptions')
            [CompletionResult]::new('--exit-after-subscribe', '--exit-after-subscribe', [CompletionResultType]::ParameterName, 'Exit once the broker has acknowledged the subscriptions')
            [CompletionResult]::new('-R', '-R ', [CompletionResultType]::ParameterName, 'Do not print retained (stale) messages')
            [CompletionResult]::new('--no-retained', '--no-retained', [CompletionResultType]::ParameterName, 'Do not print retained (stale) messages')
            [CompletionResult]::new('--retained-only', '--retained-only', [CompletionResultType]::ParameterName, 'Print only retained messages; exit at the first message that is not retained')
            [CompletionResult]::new('--remove-retained', '--remove-retained', [CompletionResultType]::ParameterName, 'Clear every retained message received (publish an empty retained message to its topic)')
            [CompletionResult]::new('-N', '-N ', [CompletionResultType]::ParameterName, 'Do not add a newline after each payload')
            [CompletionResult]::new('--no-newline', '--no-newline', [CompletionResultType]::ParameterName, 'Do not add a newline after each payload')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per message and line: topic, payload (base64 when binary), qos, retain, dup, properties, receive time (and the --check-seq/--latency summary as JSON on stderr)')
            [CompletionResult]::new('--tree', '--tree', [CompletionResultType]::ParameterName, 'Print the topic tree seen when the run ends (-W, -C, Ctrl+C): message counts, the last payload shortened, retained topics; -W is then how long to watch (exit 0); with --json as data')
            [CompletionResult]::new('--ascii', '--ascii', [CompletionResultType]::ParameterName, 'With --tree: draw the tree in plain ASCII even on a terminal (as it is drawn into a pipe or file)')
            [CompletionResult]::new('--pretty', '--pretty', [CompletionResultType]::ParameterName, 'Indent JSON (--json, and %j/%J in -F); alone, implies --json')
            [CompletionResult]::new('--timestamp', '--timestamp', [CompletionResultType]::ParameterName, 'Print the receive time before each message (plain and -v output)')
            [CompletionResult]::new('--stats', '--stats', [CompletionResultType]::ParameterName, 'On exit, print on stderr how many messages and bytes arrived, in how long')
            [CompletionResult]::new('--check-seq', '--check-seq', [CompletionResultType]::ParameterName, 'Check the numbers of stamped messages (rpub --stamp) per publisher and topic: a line on stderr for each gap, duplicate or reordering, a summary on exit (--json: as JSON); exit 8 if any were missing')
            [CompletionResult]::new('--latency', '--latency', [CompletionResultType]::ParameterName, 'Latency of stamped messages (rpub --stamp): p50, p90, p99, p99.9 and max on stderr. One host: exact; across hosts: clock offset + latency (keep the clocks on NTP)')
            [CompletionResult]::new('--no-local', '--no-local', [CompletionResultType]::ParameterName, 'Do not receive the messages this client publishes itself (the clears of --remove-retained)')
            [CompletionResult]::new('--retain-as-published', '--retain-as-published', [CompletionResultType]::ParameterName, 'Keep the retain flag of forwarded messages as it was published')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Ask for a persistent session (clean session off); needs -i')
            [CompletionResult]::new('--disable-clean-session', '--disable-clean-session', [CompletionResultType]::ParameterName, 'Ask for a persistent session (clean session off); needs -i')
            [CompletionResult]::new('--tls-use-os-certs', '--tls-use-os-certs', [CompletionResultType]::ParameterName, 'Trust the system''s CA certificates (also the default when TLS is on without --cafile/--capath)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not check that the broker''s certificate names the host (the chain is still verified)')
            [CompletionResult]::new('--nodelay', '--nodelay', [CompletionResultType]::ParameterName, 'Disable Nagle''s algorithm, as mosquitto''s --nodelay: always so here (writes are batched)')
            [CompletionResult]::new('--will-retain', '--will-retain', [CompletionResultType]::ParameterName, 'Retain the will message')
            [CompletionResult]::new('--no-reconnect', '--no-reconnect', [CompletionResultType]::ParameterName, 'Exit when the connection drops instead of reconnecting')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Print every MQTT packet sent and received on stderr')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'Print every MQTT packet sent and received on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no error messages (the exit status still tells)')
            [CompletionResult]::new('--no-mosquitto-options', '--no-mosquitto-options', [CompletionResultType]::ParameterName, 'Do not read mosquitto''s options file (~/.config/mosquitto_pub for rpub, mosquitto_sub for rsub)')
            [CompletionResult]::new('--print-config', '--print-config', [CompletionResultType]::ParameterName, 'Print the connection settings in effect and where each came from, then exit')
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
