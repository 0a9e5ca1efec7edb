#!/usr/bin/env bash
# Installs the workspace's dependencies with pnpm on a machine that has only Node and npm.
# corepack is not used (its signature check fails on some machines); pnpm comes from npm.
set -euo pipefail
cd "$(dirname "$0")/.."

pnpm_version=10
if command -v pnpm >/dev/null 2>&1 && [[ "$(pnpm --version)" == ${pnpm_version}.* ]]; then
  pnpm=(pnpm)
else
  pnpm=(npx --yes "pnpm@${pnpm_version}")
fi

"${pnpm[@]}" install --frozen-lockfile --reporter=silent
"${pnpm[@]}" exec tsc -b
