#!/usr/bin/env bash
# Starts the product for the e2e suite: production build, fresh embedded PostgreSQL on a free
# port, data in a throw-away folder, so the suite never touches a developer's .data/.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${1:-3939}
# The forward-proxy gateway listens here when given (playwright.config.ts: web port + 1000).
gateway_port=${2:-}
data_dir=$(mktemp -d /tmp/switchyard-e2e.XXXXXX)
trap 'rm -rf "$data_dir"' EXIT
# The suite's labs and targets live on 127.0.0.0/8 and 10.x: allow private ranges (README, Security).
export SWITCHYARD_DATA_DIR="$data_dir" SWITCHYARD_PG_PORT=auto PORT="$port" NEXT_TELEMETRY_DISABLED=1 SWITCHYARD_ALLOW_PRIVATE_TARGETS=1
unset DATABASE_URL
if [ -n "$gateway_port" ]; then export SWITCHYARD_GATEWAY_PORT="$gateway_port"; fi
node --import tsx --import ./scripts/server-only-hook.mjs scripts/start.ts &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server; rm -rf "$data_dir"' EXIT TERM INT
wait $server
