#!/usr/bin/env bash
# Installs the third-party Kafka clients the interop tests drive: kcat (librdkafka) and
# kafka-python, from Debian's packages. Idempotent; quiet when everything is present.
set -euo pipefail

packages=()
command -v kcat >/dev/null 2>&1 || packages+=(kcat)
/usr/bin/python3 -c 'import kafka' >/dev/null 2>&1 || packages+=(python3-kafka)
[ ${#packages[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-interop-tools: need root to apt-get install ${packages[*]}" >&2
  exit 1
fi
echo "== installing ${packages[*]} from Debian"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
