#!/usr/bin/env bash
# The README's start command: install, build, then run the broker with the default settings
# (Kafka on 127.0.0.1:9092, HTTP on 127.0.0.1:8080, data in ./data). Flags pass through.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec node packages/broker/dist/cli.js "$@"
