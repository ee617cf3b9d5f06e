#!/usr/bin/env bash
# Load test of the release binary on a fresh database: wrk, 64 connections, per endpoint.
#
# Then the Guide: bench/experiences.py generates EXPERIENCES (default 10,000) published
# experiences through the API, and wrk loads `GET /experiences/{id}` (random ids) and a
# filtered + `q` list (random area and search word); each twice: from a cold cache, then warm.
# EXPERIENCES=0 skips it.
#
# Then the focal points' writes (bench/responses.py): 300-answer PUTs and submits, 8 clients.
#
# Then the analysts' export (bench/exports.py): EXPORT_ANSWERS (default 1,000,000) answers are
# generated through the API and exported as CSV and NDJSON, with the server's RSS sampled.
# EXPORT_ANSWERS=0 skips it.
#
#   bench/run.sh                 # SQLite in a temp folder
#   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres bench/run.sh
#                                # a fresh PostgreSQL database on that server, dropped after
#
# Knobs: DURATION (default 10s), CONNECTIONS (64), THREADS (2), PORT (18080); the server's own
# settings pass through, e.g. MECIGEP_GUIDE_CACHE_ENTRIES=0 to rank every search again.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
PORT="${PORT:-18080}"
BASE="http://127.0.0.1:$PORT"

command -v wrk >/dev/null || { echo "installing wrk (Debian package)"; apt-get install -y wrk >/dev/null; }
cargo build --release --quiet

work="$(mktemp -d)"
dropdb=""
if [ -n "${BENCH_DATABASE_URL:-}" ]; then
    name="mecigep_bench_$$"
    psql "$BENCH_DATABASE_URL" -qc "CREATE DATABASE $name"
    dropdb="$name"
    # Loopback: no TLS to the database (libpq negotiates it by default; the peer A/B does not).
    DB_URL="${BENCH_DATABASE_URL%/*}/$name?sslmode=disable"
    backend="postgresql"
else
    DB_URL="sqlite://$work/bench.sqlite3"
    backend="sqlite"
fi

cleanup() {
    [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    [ -n "$dropdb" ] && psql "$BENCH_DATABASE_URL" -qc "DROP DATABASE IF EXISTS $dropdb WITH (FORCE)" || true
    rm -rf "$work"
}
trap cleanup EXIT

ADMIN_EMAIL=bench@example.org
ADMIN_PASSWORD=bench-password-0123
# The rate limits guard a service from runaway callers; the load generator is one caller.
DATABASE_URL="$DB_URL" MECIGEP_BIND="127.0.0.1:$PORT" RUST_LOG=warn \
    MECIGEP_RATE_LIMIT_WRITES=0 MECIGEP_RATE_LIMIT_LOGINS=0 MECIGEP_RATE_LIMIT_EXPORTS=0 MECIGEP_RATE_LIMIT_SEARCH=0 \
    MECIGEP_ADMIN_EMAIL="$ADMIN_EMAIL" MECIGEP_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
    ./target/release/mecigep serve >"$work/server.log" 2>&1 &
pid=$!
started=$(date +%s%N)
for _ in $(seq 1 1000); do curl -fs "$BASE/health/ready" >/dev/null && break; sleep 0.01; done
curl -fs "$BASE/health/ready" >/dev/null || { cat "$work/server.log"; exit 1; }
echo "start-up: $(( ($(date +%s%N) - started) / 1000000 )) ms to /health/ready (migrations and reference data included)"
# The server hands start-up's freed memory back a second after it starts (src/memory.rs).
sleep 2
echo "idle RSS: $(awk '/VmRSS/ {printf "%.1f MiB", $2 / 1024}' "/proc/$pid/status")"

# Prints: requests/s p50 p99 (milliseconds); more wrk arguments (a script) may follow the URL.
measure() {
    local out rps p50 p99
    out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@")"
    rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
    p50="$(awk '$1=="50%" {print $2}' <<<"$out")"
    p99="$(awk '$1=="99%" {print $2}' <<<"$out")"
    echo "$rps $(to_ms "$p50") $(to_ms "$p99")"
}
to_ms() {
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
        else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.2f", v * 1000 }
        else print v }'
}

echo "backend=$backend connections=$CONNECTIONS threads=$THREADS duration=$DURATION"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -srm)"
printf '%-34s %12s %10s %10s %8s\n' endpoint "req/s" "p50 ms" "p99 ms" "ratio"
read -r live_rps live_p50 live_p99 <<<"$(measure "$BASE/health/live")"
printf '%-34s %12s %10s %10s %8s\n' "/health/live" "$live_rps" "$live_p50" "$live_p99" "1.00"
for path in /api/v1/countries /api/v1/countries/ARG /api/v1/thematic-areas; do
    read -r rps p50 p99 <<<"$(measure "$BASE$path")"
    ratio="$(awk -v a="$rps" -v b="$live_rps" 'BEGIN {printf "%.2f", a / b}')"
    printf '%-34s %12s %10s %10s %8s\n' "$path" "$rps" "$p50" "$p99" "$ratio"
done

EXPERIENCES="${EXPERIENCES:-10000}"
if [ "$EXPERIENCES" -gt 0 ]; then
    start=$(date +%s)
    read -r first last <<<"$(python3 bench/experiences.py "$BASE" "$ADMIN_EMAIL" "$ADMIN_PASSWORD" "$EXPERIENCES")"
    echo "generated $EXPERIENCES published experiences (ids $first..$last) in $(( $(date +%s) - start )) s"
    # What autovacuum does after such a load (this host's cluster runs with it off): without
    # statistics the planner takes the search for a scan of every published experience. The
    # checkpoint writes the load's pages back now: left to itself, it spreads over the next
    # minutes (the reads measured below) and once held a by-id run's p99 at 28 ms.
    if [ -n "$dropdb" ]; then psql "$DB_URL" -qc "VACUUM ANALYZE" -c "CHECKPOINT"; fi
    # Each of wrk's threads draws its own ids (bench/threads.lua).
    { cat bench/threads.lua; cat <<LUA; } >"$work/by_id.lua"
request = function()
    return wrk.format("GET", "/api/v1/experiences/" .. math.random($first, $last))
end
LUA
    cat >"$work/search.lua" <<'LUA'
math.randomseed(11)
local areas = {"public-budget", "civil-service", "ict", "coordination", "decentralization", "policy-evaluation"}
local words = {"gestion", "presupuesto", "evaluacion", "participacion", "transparencia", "regulacion", "digital", "merito"}
request = function()
    local path = "/api/v1/experiences?limit=20&thematic_area=" .. areas[math.random(#areas)]
        .. "&q=" .. words[math.random(#words)]
    return wrk.format("GET", path)
end
LUA
    # Twice: the first run starts with nothing kept (the public's reads fill the ring of kept
    # experiences in its first second); the second is the steady state.
    for run in filling steady; do
        read -r rps p50 p99 <<<"$(measure "$BASE" -s "$work/by_id.lua")"
        ratio="$(awk -v a="$rps" -v b="$live_rps" 'BEGIN {printf "%.2f", a / b}')"
        printf '%-34s %12s %10s %10s %8s\n' "/api/v1/experiences/{id} ($run)" "$rps" "$p50" "$p99" "$ratio"
    done
    # Twice: the first run starts with no page kept (each of the 48 searches is ranked once,
    # right after the by-id load has pushed the search index out of the database's cache);
    # the second is the steady state between two publications.
    for run in cold warm; do
        read -r rps p50 p99 <<<"$(measure "$BASE" -s "$work/search.lua")"
        ratio="$(awk -v a="$rps" -v b="$live_rps" 'BEGIN {printf "%.2f", a / b}')"
        printf '%-34s %12s %10s %10s %8s\n' "/api/v1/experiences?area&q ($run)" "$rps" "$p50" "$p99" "$ratio"
    done
fi

python3 bench/responses.py "$BASE" "$ADMIN_EMAIL" "$ADMIN_PASSWORD" "${WRITERS:-8}" "${DURATION%s}"

EXPORT_ANSWERS="${EXPORT_ANSWERS:-1000000}"
if [ "$EXPORT_ANSWERS" -gt 0 ]; then
    python3 bench/exports.py "$BASE" "$ADMIN_EMAIL" "$ADMIN_PASSWORD" "$pid" "$EXPORT_ANSWERS"
fi
