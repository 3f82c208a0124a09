#!/usr/bin/env bash
# What the end-to-end tests need, on Debian or Ubuntu: the packages below and the amqtt broker
# in a virtual environment. Installs only what is missing, so a second run takes a moment;
# README's Quick start and .ci/run run it before `cargo test --workspace --locked`.
#
# Not root: uses sudo when there is one, otherwise prints the one command to run as root.
set -euo pipefail

packages=(
  mosquitto mosquitto-clients # a real broker (the tests start their own) and the reference clients
  tinyproxy microsocks        # an HTTP CONNECT proxy and a SOCKS5 proxy
  openssl                     # certificates in other key formats, a TLS server that checks ALPN
  bsdutils                    # script(1): a pseudo-terminal for the colour and progress tests
  python3-venv                # for amqtt below
  man-db                      # man -l: the generated pages render without warnings
)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null | grep -q '^install ok installed$' \
    || missing+=("$package")
done

if [ ${#missing[@]} -gt 0 ]; then
  install="apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then
    sudo=""
  elif command -v sudo >/dev/null; then
    sudo="sudo"
  else
    echo "tests/setup.sh: missing Debian packages: ${missing[*]}; as root, run:" >&2
    echo "  $install" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# The packages may start their services; the tests use their own instances on free ports.

# WebSocket tests: Debian's mosquitto 2.0.11 has no WebSocket listener, amqtt (PyPI) has.
# The tests look for it at $RPUBSUB_AMQTT, else here.
venv="$HOME/.cache/rpubsub/amqtt-venv"
if [ -n "${RPUBSUB_AMQTT:-}" ] && [ -x "$RPUBSUB_AMQTT" ]; then
  :
elif [ ! -x "$venv/bin/amqtt" ]; then
  echo "installing amqtt 0.12.1 into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q amqtt==0.12.1
fi
