#!/usr/bin/env bash
# `npm run bench`: installs and builds the workspace, installs the peers (Redis, NATS) and kcat
# when it can, then runs the benchmark harness. Options pass through after `--`, e.g.
# `npm run bench -- --quick`, `npm run bench -- --only produce --targets cairn-kcat,redis-streams`
# (`npm run bench -- --help` lists them). Results go to benchmarks/results/<timestamp>/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/install-interop-tools.sh
bash scripts/install-peers.sh
exec node benchmarks/dist/harness/main.js "$@"
