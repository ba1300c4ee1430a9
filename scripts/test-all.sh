#!/usr/bin/env bash
# Everything CI runs, fastest first. Run through `./drillbook test`, which has
# already installed the Debian packages, Node 24 and node_modules.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export ASTRO_TELEMETRY_DISABLED=1

step() { printf '\n== %s (%d s into the run)\n' "$*" "$SECONDS"; }
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
step "integration tests, bwrap driver (real sandboxes with PostgreSQL and MariaDB)"
# Everything they need is installed by now: a reason to skip is a failure here.
DRILLBOOK_TEST_DRIVER=bwrap vitest run --config vitest.integration.config.ts

# The Docker driver runs against a Docker daemon of this run's own: no bridge, no
# iptables rules, its data in a temporary folder; stopped (and its data removed)
# when this script ends, however it ends. No other Docker daemon is used or touched.
step "Docker daemon for the Docker driver (private to this run)"
DOCKERD_DIR="$(mktemp -d "${TMPDIR:-/tmp}/drillbook-dockerd.XXXXXX")"
exec {DOCKERD_HOLD}> >(exec src/sandbox/host/docker-daemon "$DOCKERD_DIR" \
  --containerd-namespace "drillbook-test-$$" --containerd-plugins-namespace "drillbook-test-$$-plugins")
DOCKERD_HELPER=$!
stop_dockerd() {
  exec {DOCKERD_HOLD}>&-
  for _ in $(seq 1 600); do kill -0 "$DOCKERD_HELPER" 2>/dev/null || break; sleep 0.1; done
  rm -rf "$DOCKERD_DIR"
}
# One trap for both: a second `trap ... EXIT` would replace stop_pg.
trap 'stop_dockerd; stop_pg' EXIT
export DOCKER_HOST="unix://$DOCKERD_DIR/docker.sock"
node -e '
  const http = require("node:http");
  const socketPath = process.argv[1];
  const until = Date.now() + 60_000;
  const ping = () => http.get({ socketPath, path: "/_ping" }, (r) => (r.statusCode === 200 ? process.exit(0) : retry())).on("error", retry);
  const retry = () => (Date.now() > until ? (console.error(`no Docker daemon answers at ${socketPath}`), process.exit(1)) : setTimeout(ping, 200));
  ping();
' "$DOCKERD_DIR/docker.sock" || { tail -n 20 "$DOCKERD_DIR/dockerd.log" >&2; exit 1; }
echo "dockerd answers at $DOCKER_HOST"
step "sandbox image for the Docker driver (built once per content key, or loaded from the state dir's copy)"
node src/cli/main.ts sandbox image
step "integration tests, Docker driver (the same tests, sandboxes as containers)"
# builder-flags reads the host's tools and no sandbox: it ran above.
DRILLBOOK_TEST_DRIVER=docker vitest run --config vitest.integration.config.ts --exclude tests/integration/builder-flags.test.ts
step "labs verify, bwrap driver (every lab: setup, checks not yet, solution, checks pass, mistakes caught)"
node src/cli/main.ts labs verify --driver bwrap
step "labs verify, Docker driver"
node src/cli/main.ts labs verify --driver docker
step "replays verify, bwrap driver (every terminal replay re-run from its script in a fresh sandbox, outputs compared)"
node src/cli/main.ts replays verify --driver bwrap
step "replays verify, Docker driver"
node src/cli/main.ts replays verify --driver docker
step "content check, strict (content/)"
node src/cli/main.ts check content --strict
# The first two through the launcher, as authors build (its search index made after the build's process ends); the
# other two as `node src/cli/main.ts build`, which makes it in the build's process.
step "site build, strict (content/ → dist/, ./drillbook build)"
./drillbook build --strict --quiet
step "site build (tests/fixtures → dist-fixtures/, ./drillbook build)"
DRILLBOOK_CONTENT=tests/fixtures DRILLBOOK_OUT=dist-fixtures ./drillbook build --quiet
step "site build (tests/math-course → dist-math/: an MkDocs project with pymdownx.arithmatex)"
DRILLBOOK_CONTENT=tests/math-course DRILLBOOK_OUT=dist-math node src/cli/main.ts build --quiet
step "site build ($CONFORMANCE → dist-conformance/)"
DRILLBOOK_CONTENT="$CONFORMANCE" DRILLBOOK_OUT=dist-conformance node src/cli/main.ts build --quiet
step "build benchmark (105-page synthetic course, ~750 blocks, against MkDocs + Material in the same run; fails when build_s / mkdocs_s > 1.0 or a build leaves a process running)"
node src/cli/main.ts bench build --vs-mkdocs --runs 5 --max-ratio 1.0
step "page weight as the server sends it (first-load JS <= 30 KB on lesson pages with blocks, no block code on prose-only pages, HTML <= 40 KB on the 105-page course; reads dist/, dist-fixtures/, .bench/dist/)"
node src/cli/main.ts bench pages
step "browser tests (playwright, Debian chromium)"
playwright test
