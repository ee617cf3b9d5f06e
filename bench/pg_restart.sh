#!/usr/bin/env bash
# PostgreSQL restarts and API crashes under write load, on a cluster of its own (never the
# shared one): pg_createcluster on FAULT_PORT (default 55432), the release server on it,
# bench/outage.py writers retrying with Idempotency-Keys, and meanwhile: an immediate-mode
# restart (a crash: no checkpoint), a fast restart, a 5-second stop, and a `kill -9` of the API
# (started again at once). Prints outage.py's figures: nothing acknowledged may be lost, a key
# never gets two rounds, and every 503 comes within the wait (MECIGEP_DB_TIMEOUT_MS, default
# 750 ms). The cluster is dropped at exit.
#
#   bench/pg_restart.sh            # LOAD_SECONDS=40 WRITERS=8
set -euo pipefail
cd "$(dirname "$0")/.."

FAULT_PORT="${FAULT_PORT:-55432}"
PORT="${PORT:-18090}"
SECONDS_OF_LOAD="${LOAD_SECONDS:-40}"
WRITERS="${WRITERS:-8}"
VERSION="$(ls /usr/lib/postgresql | sort -n | tail -n1)"
CLUSTER="mecigep-fault-$$"
ADMIN_EMAIL="outage@example.org"
ADMIN_PASSWORD="outage test password"
export MECIGEP_DB_TIMEOUT_MS="${MECIGEP_DB_TIMEOUT_MS:-750}"
# One caller writes as fast as it can: no rate limit in the way of what is measured.
export MECIGEP_RATE_LIMIT_WRITES=0 MECIGEP_RATE_LIMIT_LOGINS=0

LOG="$(mktemp)"
cleanup() {
    [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null || true
    pg_dropcluster --stop "$VERSION" "$CLUSTER" 2>/dev/null || true
}
trap cleanup EXIT

pg_createcluster "$VERSION" "$CLUSTER" -p "$FAULT_PORT" -- --auth=trust >/dev/null
pg_ctlcluster "$VERSION" "$CLUSTER" start
cargo build --release --quiet

serve() {
    DATABASE_URL="postgres://postgres@127.0.0.1:$FAULT_PORT/postgres" \
    MECIGEP_BIND="127.0.0.1:$PORT" \
    MECIGEP_ADMIN_EMAIL="$ADMIN_EMAIL" MECIGEP_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
    MECIGEP_JWT_SECRET="outage-test-secret-outage-test-secret" RUST_LOG=error \
        target/release/mecigep >>"$LOG" 2>&1 &
    SERVER=$!
    for _ in $(seq 1 120); do
        curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null && break
        sleep 0.5
    done
}
serve

python3 bench/outage.py "http://127.0.0.1:$PORT" "$ADMIN_EMAIL" "$ADMIN_PASSWORD" \
    "$SECONDS_OF_LOAD" "$WRITERS" &
LOAD=$!

third=$((SECONDS_OF_LOAD / 5))
sleep "$third"; echo "restart -m immediate" >&2
pg_ctlcluster "$VERSION" "$CLUSTER" restart -- -m immediate
sleep "$third"; echo "restart -m fast" >&2
pg_ctlcluster "$VERSION" "$CLUSTER" restart -- -m fast
sleep "$third"; echo "stop for 5 s" >&2
pg_ctlcluster "$VERSION" "$CLUSTER" stop -- -m immediate
sleep 5
pg_ctlcluster "$VERSION" "$CLUSTER" start
sleep "$third"; echo "kill -9 of the API, started again" >&2
kill -9 "$SERVER"
serve
wait "$LOAD"
echo "server errors (RUST_LOG=error):" >&2
grep -E "ERROR" "$LOG" | sed -E 's/\x1b\[[0-9;]*m//g; s/^[^ ]+ +//' | sort | uniq -c | sort -rn | head -20 >&2 || true
