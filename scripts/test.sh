#!/usr/bin/env bash
# The README's test command: install, lint and format check, type check and build, every test.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/bootstrap.sh
echo "== biome (format + lint)"
node_modules/.bin/biome ci .
echo "== tsc (test files)"
node_modules/.bin/tsc -p tsconfig.tests.json
echo "== test tools (kcat, kafka-python, chromium)"
bash scripts/install-interop-tools.sh
echo "== vitest"
node_modules/.bin/vitest run "$@"
