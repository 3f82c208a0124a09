
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'rpub' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'rpub'
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
        'rpub' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Topic to publish to')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Topic to publish to')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Send MESSAGE as the payload (its bytes as given, UTF-8 or not)')
            [CompletionResult]::new('--message', '--message', [CompletionResultType]::ParameterName, 'Send MESSAGE as the payload (its bytes as given, UTF-8 or not)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Send the contents of FILE as the payload')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Send the contents of FILE as the payload')
            [CompletionResult]::new('--speed', '--speed', [CompletionResultType]::ParameterName, 'With --replay-timing: play N times faster (0.5 = half speed) [default: 1]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Quality of service: 0, 1 or 2')
            [CompletionResult]::new('--qos', '--qos', [CompletionResultType]::ParameterName, 'Quality of service: 0, 1 or 2')
            [CompletionResult]::new('--repeat', '--repeat', [CompletionResultType]::ParameterName, 'Send N times (0 = until Ctrl+C), expanding {n} {i} {time} {ts}')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Send N times (0 = until Ctrl+C), expanding {n} {i} {time} {ts}')
            [CompletionResult]::new('-M', '-M ', [CompletionResultType]::ParameterName, 'QoS 1/2 messages in flight (sent, not yet acknowledged) at once [default: 100; 20 with QoS 2, mosquitto''s own limit: over MQTT 3.1.1 it drops what goes beyond it]')
            [CompletionResult]::new('--max-inflight', '--max-inflight', [CompletionResultType]::ParameterName, 'QoS 1/2 messages in flight (sent, not yet acknowledged) at once [default: 100; 20 with QoS 2, mosquitto''s own limit: over MQTT 3.1.1 it drops what goes beyond it]')
            [CompletionResult]::new('--repeat-delay', '--repeat-delay', [CompletionResultType]::ParameterName, 'Wait this long between repeated messages (seconds or a duration such as 500ms)')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Wait this long between repeated messages (seconds or a duration such as 500ms)')
            [CompletionResult]::new('--stats', '--stats', [CompletionResultType]::ParameterName, 'On exit, print on stderr how many messages were sent and acknowledged, bytes, time and rate; --stats json: a load run''s summary (--clients, --rate) as one JSON object on stdout')
            [CompletionResult]::new('--clients', '--clients', [CompletionResultType]::ParameterName, 'Open N connections, each its own client (ids: the -i ID, or rpub''s random one, followed by -1 ... -N), each sending the messages; --count is per client [default without --count: until Ctrl+C]')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Send R messages per second in all, spread over the clients; R/client: R per second each')
            [CompletionResult]::new('--connect-rate', '--connect-rate', [CompletionResultType]::ParameterName, 'With --clients: open at most N connections per second, so that many clients do not all hit the broker at once (0 = all at once) [default: 100]')
            [CompletionResult]::new('--user-property', '--user-property', [CompletionResultType]::ParameterName, 'A user property of each message; repeatable')
            [CompletionResult]::new('--content-type', '--content-type', [CompletionResultType]::ParameterName, 'Content type of the payload (a MIME type, say)')
            [CompletionResult]::new('--payload-format', '--payload-format', [CompletionResultType]::ParameterName, 'The payload is utf8 text (the broker may check) or bytes')
            [CompletionResult]::new('--message-expiry', '--message-expiry', [CompletionResultType]::ParameterName, 'The broker drops the message if not delivered within this long (seconds or a duration)')
            [CompletionResult]::new('--response-topic', '--response-topic', [CompletionResultType]::ParameterName, 'Topic a receiver should answer on (MQTT 3.1.1 with --wait-response: where to listen, as mosquitto_rr -e)')
            [CompletionResult]::new('--correlation-data', '--correlation-data', [CompletionResultType]::ParameterName, 'Correlation data: lets the requester match an answer to its request')
            [CompletionResult]::new('--topic-alias', '--topic-alias', [CompletionResultType]::ParameterName, 'Topic alias N (1 up to the broker''s maximum), sent with the topic on each message')
            [CompletionResult]::new('--wait-response', '--wait-response', [CompletionResultType]::ParameterName, 'Request/response: publish with a response topic and correlation data, print the answer and exit; exit 27 if none comes within DURATION [default: 10s]; MQTT 3.1.1: needs --response-topic')
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
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Read all of stdin and send it as one message')
            [CompletionResult]::new('--stdin-file', '--stdin-file', [CompletionResultType]::ParameterName, 'Read all of stdin and send it as one message')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Send each line of stdin as a message, as it arrives (empty lines are skipped)')
            [CompletionResult]::new('--stdin-line', '--stdin-line', [CompletionResultType]::ParameterName, 'Send each line of stdin as a message, as it arrives (empty lines are skipped)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Send an empty message')
            [CompletionResult]::new('--null-message', '--null-message', [CompletionResultType]::ParameterName, 'Send an empty message')
            [CompletionResult]::new('--stdin-json', '--stdin-json', [CompletionResultType]::ParameterName, 'Publish the messages of JSON lines on stdin (as rsub --json writes them), each with its own topic, payload, qos, retain and properties')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Publish the messages of JSON lines on stdin (as rsub --json writes them), each with its own topic, payload, qos, retain and properties')
            [CompletionResult]::new('--replay-timing', '--replay-timing', [CompletionResultType]::ParameterName, 'With --stdin-json: keep the time gaps between the lines'' "received" times')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Ask the broker to retain the message')
            [CompletionResult]::new('--retain', '--retain', [CompletionResultType]::ParameterName, 'Ask the broker to retain the message')
            [CompletionResult]::new('--no-placeholders', '--no-placeholders', [CompletionResultType]::ParameterName, 'Send {n} {i} {time} {ts} literally even with --repeat')
            [CompletionResult]::new('--stamp', '--stamp', [CompletionResultType]::ParameterName, 'Put a stamp before each payload: "stamp/1 PUBLISHER SEQ MICROS " (publisher id, number on its topic from 1, send time), for rsub --check-seq and --latency')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print a line per message once it is done (sent for QoS 0, acknowledged for QoS 1/2)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print a line per message once it is done (sent for QoS 0, acknowledged for QoS 1/2)')
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
