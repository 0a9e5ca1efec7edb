#!/usr/bin/env bash
# Installs the third-party programs the tests drive, from Debian's packages: kcat (librdkafka),
# kafka-python and confluent-kafka (librdkafka's Python binding) for the interop tests, Chromium
# for the web console test. Idempotent; quiet when everything is present.
set -euo pipefail

packages=()
command -v kcat >/dev/null 2>&1 || packages+=(kcat)
/usr/bin/python3 -c 'import kafka' >/dev/null 2>&1 || packages+=(python3-kafka)
/usr/bin/python3 -c 'import confluent_kafka' >/dev/null 2>&1 || packages+=(python3-confluent-kafka)
[ -x /usr/bin/chromium ] || packages+=(chromium)
[ ${#packages[@]} -eq 0 ] && exit 0

# Without root (or password-less sudo) the interop tests skip with a warning; the rest of the
# test run goes on, so this warns and succeeds rather than failing the caller.
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
    sudo=(sudo -n)
  else
    echo "install-interop-tools: warning: need root to apt-get install ${packages[*]};" \
      "the tests that need them will be skipped" >&2
    exit 0
  fi
fi
echo "== installing ${packages[*]} from Debian"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
