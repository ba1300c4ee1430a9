#!/usr/bin/env bash
# Everything CI runs, fastest first. Run through `./drillbook test`, which has
# already installed the Debian packages, Node 24 and node_modules.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export ASTRO_TELEMETRY_DISABLED=1

step() { printf '\n== %s\n' "$*"; }
CONFORMANCE="../shared/conformance/course"

# Nothing may be skipped: every test and site is required, so refuse what would quietly skip some.
if [ -n "${DRILLBOOK_SKIP_SANDBOX_E2E:-}" ]; then
  echo "drillbook test: DRILLBOOK_SKIP_SANDBOX_E2E is set, which would skip the browser tests in sandbox mode; ./drillbook test runs every test. Unset it." >&2
  exit 1
fi
if [ ! -d "$CONFORMANCE" ]; then
  echo "drillbook test: the shared conformance course is missing ($CONFORMANCE, relative to $(pwd)): its unit, build and browser tests need it. Check out ../shared beside this clone (CI does)." >&2
  exit 1
fi
# Integration tests fail instead of skipping when a sandbox cannot run; Playwright fails on any skipped test.
export DRILLBOOK_REQUIRE_SANDBOX=1 DRILLBOOK_REQUIRE_ALL=1

step "format (prettier --check)"
prettier --check .
step "lint (eslint)"
eslint .
step "typecheck (astro check, tsc)"
astro check --minimumSeverity warning --tsconfig tsconfig.astro.json
tsc --noEmit -p tsconfig.json
step "unit tests (vitest)"
vitest run
step "integration tests (real bwrap sandboxes with PostgreSQL and MariaDB)"
# Everything they need is installed by now: a reason to skip is a failure here.
vitest run --config vitest.integration.config.ts
step "labs verify (every lab: setup, checks not yet, solution, checks pass, mistakes caught)"
node src/cli/main.ts labs verify
step "replays verify (every terminal replay re-run from its script in a fresh sandbox, outputs compared)"
node src/cli/main.ts replays verify
step "content check, strict (content/)"
node src/cli/main.ts check content --strict
step "site build, strict (content/ → dist/)"
node src/cli/main.ts build --strict --quiet
step "site build (tests/fixtures → dist-fixtures/)"
DRILLBOOK_CONTENT=tests/fixtures DRILLBOOK_OUT=dist-fixtures node src/cli/main.ts build --quiet
step "site build ($CONFORMANCE → dist-conformance/)"
DRILLBOOK_CONTENT="$CONFORMANCE" DRILLBOOK_OUT=dist-conformance node src/cli/main.ts build --quiet
step "page weight (first-load JavaScript budget, 60 KB gzip per lesson page; reads dist/ and dist-fixtures/)"
node src/cli/main.ts bench pages
step "browser tests (playwright, Debian chromium)"
playwright test
