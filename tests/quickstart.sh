#!/usr/bin/env bash
# From a fresh machine to "hello world": installs what is missing (the two tools with cargo;
# Mosquitto from apt when no broker is given), then sends a message from rpub to rsub.
#
# Uses the broker named by MQTT_HOST (and MQTT_PORT) when set; otherwise starts a private
# Mosquitto on a free local port for the demonstration and stops it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo install --quiet --locked --path .
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

if [ -z "${MQTT_HOST:-}" ]; then
  broker=$(command -v mosquitto || echo /usr/sbin/mosquitto)
  if [ ! -x "$broker" ]; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq mosquitto mosquitto-clients
    broker=$(command -v mosquitto || echo /usr/sbin/mosquitto)
  fi
  port=18830
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  conf=$(mktemp)
  printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$port" >"$conf"
  [ "$(id -u)" -ne 0 ] || echo "user root" >>"$conf"
  "$broker" -c "$conf" >/dev/null 2>&1 &
  broker_pid=$!
  trap 'kill $broker_pid 2>/dev/null; rm -f "$conf"' EXIT
  export MQTT_HOST=127.0.0.1 MQTT_PORT=$port
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  echo "started Mosquitto on 127.0.0.1:$port"
fi

echo "\$ rsub -t hello -v -C 1 &"
rsub -t hello -v -C 1 -W 10s &
sub=$!
sleep 0.5
echo "\$ rpub -t hello -m world -q 1"
rpub -t hello -m world -q 1
wait "$sub"
