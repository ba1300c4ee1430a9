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

# A throwaway PostgreSQL 15 cluster for the results store's suite on its second engine (the same
# tests run on SQLite): Debian's initdb and pg_ctl in a temp dir, on a free loopback port, as nobody
# when we are root (PostgreSQL refuses root); stopped and removed however this script ends.
PG_BIN=/usr/lib/postgresql/15/bin
PG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/drillbook-ci-pg.XXXXXX")"
as_pg() { if [ "$(id -u)" = 0 ]; then setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; else "$@"; fi; }
stop_pg() {
  if [ -f "$PG_DIR/data/postmaster.pid" ]; then as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true; fi
  rm -rf "$PG_DIR"
}
trap stop_pg EXIT
[ "$(id -u)" = 0 ] && chown 65534:65534 "$PG_DIR"
as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U drillbook --auth=trust -E UTF8 --no-sync >"$PG_DIR/initdb.log" 2>&1 ||
  { cat "$PG_DIR/initdb.log" >&2; echo "drillbook test: initdb failed (postgresql-15 is needed for the store tests)" >&2; exit 1; }
PG_PORT="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 60 \
  -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c shared_buffers=32MB" start >/dev/null ||
  { cat "$PG_DIR/log" >&2; echo "drillbook test: the throwaway PostgreSQL did not start" >&2; exit 1; }
export DRILLBOOK_TEST_DATABASE_URL="postgres://drillbook@127.0.0.1:$PG_PORT/postgres"
echo "PostgreSQL 15 for the store tests: $DRILLBOOK_TEST_DATABASE_URL"

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
