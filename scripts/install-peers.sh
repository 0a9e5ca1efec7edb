#!/usr/bin/env bash
# Installs the brokers the benchmark harness compares Cairn with, from Debian's packages:
# redis-server (Redis Streams) and nats-server (NATS JetStream). Idempotent and quiet when both
# are present. Without root, or when apt fails, it warns and succeeds: the harness then skips
# the missing peer with a line saying so, and the rest of the run goes on.
set -euo pipefail

packages=()
command -v redis-server >/dev/null 2>&1 || packages+=(redis-server)
command -v nats-server >/dev/null 2>&1 || packages+=(nats-server)
[ ${#packages[@]} -eq 0 ] && exit 0

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
    sudo=(sudo -n)
  else
    echo "install-peers: warning: need root to apt-get install ${packages[*]};" \
      "the benchmark will skip them" >&2
    exit 0
  fi
fi

# Another apt (an unattended upgrade, a second install) may hold dpkg's lock: wait for it
# rather than fail, up to lock_wait_s.
lock_wait_s=300
apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o "DPkg::Lock::Timeout=${lock_wait_s}")

echo "== installing ${packages[*]} from Debian" >&2
if ! "${apt[@]}" install -y -qq --no-install-recommends "${packages[@]}" >/dev/null 2>&1; then
  # The package lists may be missing on a fresh machine: update them once, then retry.
  if ! { "${apt[@]}" update -qq >/dev/null 2>&1 &&
    "${apt[@]}" install -y -qq --no-install-recommends "${packages[@]}" >/dev/null; }; then
    echo "install-peers: warning: could not install ${packages[*]}; the benchmark will" \
      "skip them" >&2
  fi
fi
