#!/usr/bin/env bash
# `npm test`: installs what the tests need, then runs every check the project has, in order of
# cost: typecheck, lint, unit + integration (Vitest, real PostgreSQL), e2e (Playwright, Chromium,
# production build). Each suite starts its own throw-away embedded PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1
unset DATABASE_URL

step() { printf '\n[test] ── %s\n' "$1"; }

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "installing dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi
step "Chromium for the browser tests"
bash scripts/ensure-chromium.sh

step "typecheck"
npx tsc --noEmit
step "lint"
npx eslint --max-warnings=0 .
step "unit and integration tests (Vitest)"
npx vitest run
step "production build"
npx next build > /tmp/switchyard-next-build.log 2>&1 || { cat /tmp/switchyard-next-build.log; exit 1; }
step "end-to-end tests (Playwright, Chromium)"
npx playwright test
