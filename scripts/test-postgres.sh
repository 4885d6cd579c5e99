#!/usr/bin/env bash
# The whole vitest suite against a throwaway PostgreSQL cluster, then the
# PostgreSQL-only tests (migrator, LISTEN/NOTIFY, several instances).
#
# The cluster is made with this machine's initdb/pg_ctl as user postgres
# (initdb refuses root), in a temp dir, on a free loopback port, with fsync
# off for speed, and is always torn down. Usage: bash scripts/test-postgres.sh [vitest args…]
# With arguments, only those vitest arguments run (e.g. a single file).
# PG_DURABLE=1 keeps PostgreSQL's durable defaults (fsync, synchronous_commit,
# full_page_writes on): CI runs the concurrency tests a second time that way,
# since fsync off hides how long commits hold locks.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_USER=postgres

find_pg_bin() {
  local d
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v initdb)")"
    return
  fi
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ]; then echo "$d"; return; fi
  done
}

PG_BIN="$(find_pg_bin || true)"
if [ -z "$PG_BIN" ]; then
  echo "==> PostgreSQL server binaries not found; installing Debian's postgresql"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update </dev/null
  $SUDO apt-get install -y --no-install-recommends postgresql </dev/null
  PG_BIN="$(find_pg_bin)"
fi
echo "==> PostgreSQL binaries: $PG_BIN ($("$PG_BIN/postgres" --version))"

# Run a command as the postgres user (or as ourselves when we are not root).
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$PG_USER" -- "$@"
  else
    "$@"
  fi
}

PORT="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
TMP="$(mktemp -d /tmp/gatehouse-pg-XXXXXX)"
PGDATA="$TMP/data"
if [ "$(id -u)" -eq 0 ]; then chown "$PG_USER" "$TMP"; fi
chmod 700 "$TMP"

teardown() {
  local rc=$?
  as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$TMP"
  exit "$rc"
}
trap teardown EXIT INT TERM

if [ "${PG_DURABLE:-0}" = "1" ]; then
  DURABILITY="-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
else
  DURABILITY="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
fi
started=$SECONDS
as_pg "$PG_BIN/initdb" -D "$PGDATA" -U gatehouse --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$TMP/initdb.log" 2>&1 \
  || { cat "$TMP/initdb.log"; exit 1; }
as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$TMP/server.log" -w -t 60 start \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $TMP $DURABILITY -c max_connections=400" \
  >/dev/null || { cat "$TMP/server.log"; exit 1; }
echo "==> PostgreSQL up on 127.0.0.1:$PORT in $((SECONDS - started))s (data in $PGDATA; $DURABILITY)"

export GATEHOUSE_TEST_PG_URL="postgres://gatehouse@127.0.0.1:$PORT/postgres"
export GATEHOUSE_TEST_PG=1

if [ "$#" -gt 0 ]; then
  # Only the given vitest arguments, e.g.: bash scripts/test-postgres.sh --config vitest.postgres.config.ts test/postgres-only/pg-notify.test.ts
  npx vitest run "$@"
  exit $?
fi

status=0
echo "==> vitest (whole suite) on PostgreSQL"
npx vitest run --reporter=default --reporter=json --outputFile="$TMP/suite.json" || status=$?
if [ ! -f .next/BUILD_ID ]; then
  # The two `next start` instances need a production build (`npm test` has made one in CI).
  echo "==> next build (no production build in .next)"
  npx next build || status=$?
fi
echo "==> PostgreSQL-only tests (migrator, LISTEN/NOTIFY, several instances, two next start instances)"
npx vitest run --config vitest.postgres.config.ts --reporter=default --reporter=json --outputFile="$TMP/pg-only.json" || status=$?
echo "==> PostgreSQL suite finished in $((SECONDS - started))s with status $status"
# One plain closing line over both runs (a run that crashed before reporting counts as one failure).
node -e '
  const fs = require("fs");
  let passed = 0, failed = 0;
  for (const f of process.argv.slice(1)) {
    if (!fs.existsSync(f)) { failed++; continue; }
    const r = JSON.parse(fs.readFileSync(f, "utf8"));
    passed += r.numPassedTests;
    failed += r.numFailedTests + (r.success || r.numFailedTests ? 0 : 1);
  }
  console.log(`PostgreSQL: ${passed} passed, ${failed} failed`);
' "$TMP/suite.json" "$TMP/pg-only.json"
exit "$status"
