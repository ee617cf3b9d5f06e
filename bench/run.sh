#!/usr/bin/env bash
# Load test of the release binary on a fresh database: wrk, 64 connections, per endpoint.
#
# Then the Guide: bench/experiences.py generates EXPERIENCES (default 10,000) published
# experiences through the API, and wrk loads `GET /experiences/{id}` (random ids) and a
# filtered + `q` list (random area and search word); each twice: from a cold cache, then warm.
# EXPERIENCES=0 skips it.
#
# Then the mixed load (bench/search_mix.lua): random searches drawn from the Guide's vocabulary
# with random filters, random reads, anonymous and as 25 signed-in callers of every kind
# (bench/tokens.py), against this server and a second one on the same database with nothing
# kept.
#
# Then the focal points' writes (bench/responses.py): 300-answer PUTs and submits, WRITERS (35)
# clients; then the same saves again while the mixed reads run beside them.
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
    [ -n "${uncached_pid:-}" ] && kill "$uncached_pid" 2>/dev/null && wait "$uncached_pid" 2>/dev/null || true
    [ -n "$dropdb" ] && psql "$BENCH_DATABASE_URL" -qc "DROP DATABASE IF EXISTS $dropdb WITH (FORCE)" || true
    rm -rf "$work"
}
trap cleanup EXIT

ADMIN_EMAIL=bench@example.org
ADMIN_PASSWORD=bench-password-0123
# The rate limits guard a service from runaway callers; the load generator is one caller.
for p in "$PORT" "$((PORT + 1))"; do
    if curl -s -o /dev/null "http://127.0.0.1:$p/health/live"; then
        echo "port $p is in use (a server left from another run?): stop it first" >&2; exit 1
    fi
done
DATABASE_URL="$DB_URL" MECIGEP_BIND="127.0.0.1:$PORT" RUST_LOG=warn \
    MECIGEP_RATE_LIMIT_WRITES=0 MECIGEP_RATE_LIMIT_LOGINS=0 MECIGEP_RATE_LIMIT_EXPORTS=0 MECIGEP_RATE_LIMIT_SEARCH=0 \
    MECIGEP_ADMIN_EMAIL="$ADMIN_EMAIL" MECIGEP_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
    MECIGEP_ACCESS_TOKEN_TTL=86400 ./target/release/mecigep serve >"$work/server.log" 2>&1 &
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
    # The first search indexes the whole published Guide in this process (src/experiences/guide_index.rs).
    echo "first search (indexes the Guide): $(curl -s -o /dev/null -w '%{time_total}' "$BASE/api/v1/experiences?q=gestion") s"
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

    # The mixed load: every request draws its own search (1–3 words of the Guide's vocabulary,
    # Zipf-distributed, typed with or without accents; random area, country, subregion and
    # language filters) or experience, anonymous or as one of 25 signed-in callers of every
    # kind (bench/search_mix.lua, bench/tokens.py). A second instance on the same database with
    # nothing kept (MECIGEP_GUIDE_CACHE_ENTRIES=0) gives the uncached figures.
    { cat bench/threads.lua; python3 bench/experiences.py --lua-vocabulary; cat bench/search_mix.lua; } >"$work/mix.lua"
    UNCACHED="http://127.0.0.1:$((PORT + 1))"
    DATABASE_URL="$DB_URL" MECIGEP_BIND="127.0.0.1:$((PORT + 1))" RUST_LOG=warn \
        MECIGEP_RATE_LIMIT_WRITES=0 MECIGEP_RATE_LIMIT_LOGINS=0 MECIGEP_RATE_LIMIT_EXPORTS=0 MECIGEP_RATE_LIMIT_SEARCH=0 \
        MECIGEP_GUIDE_CACHE_ENTRIES=0 \
        ./target/release/mecigep serve >"$work/uncached.log" 2>&1 &
    uncached_pid=$!
    for _ in $(seq 1 1000); do curl -fs "$UNCACHED/health/ready" >/dev/null && break; sleep 0.01; done
    # Its own index too, before it is measured: the uncached figures are its steady state.
    echo "first search on the uncached server (indexes the Guide): $(curl -s -o /dev/null -w '%{time_total}' "$UNCACHED/api/v1/experiences?q=gestion") s"
    python3 bench/tokens.py "$BASE" "$ADMIN_EMAIL" "$ADMIN_PASSWORD" >"$work/tokens"
    all_tokens="$(cut -d= -f2 "$work/tokens" | paste -sd,)"
    mixed() { # label base MIX [TOKENS]
        read -r rps p50 p99 <<<"$(MIX="$3" TOKENS="${4:-}" FIRST="$first" LAST="$last" measure "$2" -s "$work/mix.lua")"
        ratio="$(awk -v a="$rps" -v b="$live_rps" 'BEGIN {printf "%.2f", a / b}')"
        printf '%-34s %12s %10s %10s %8s\n' "$1" "$rps" "$p50" "$p99" "$ratio"
    }
    echo "mixed load: random searches and reads ($EXPERIENCES experiences)"
    mixed "search mix, anonymous" "$BASE" search
    mixed "search mix, anonymous, uncached" "$UNCACHED" search
    mixed "search mix, signed-in (25 callers)" "$BASE" search "$all_tokens"
    mixed "by id, anonymous" "$BASE" read
    mixed "by id, anonymous, uncached" "$UNCACHED" read
    for role in secretariat member_country expert client; do
        mixed "by id, signed-in: $role" "$BASE" read "$(grep -o "^$role=.*" "$work/tokens" | cut -d= -f2)"
    done
    mixed "70/30 search/read, signed-in" "$BASE" mixed "$all_tokens"
    rss() { awk '/VmRSS/ {printf "%.1f MiB", $2 / 1024}' "/proc/$1/status"; }
    echo "RSS after the mixed load: $(rss "$pid") (index, kept pages, matches and documents); uncached server $(rss "$uncached_pid")"
fi

python3 bench/responses.py "$BASE" "$ADMIN_EMAIL" "$ADMIN_PASSWORD" "${WRITERS:-35}" "${DURATION%s}"

# The same saves while the mixed reads run beside them (wrk is stopped, and reports, when the
# saves are done).
if [ "$EXPERIENCES" -gt 0 ]; then
    MIX=mixed TOKENS="$all_tokens" FIRST="$first" LAST="$last" \
        wrk -t"$THREADS" -c"$CONNECTIONS" -d600s --latency -s "$work/mix.lua" "$BASE" >"$work/beside.txt" 2>&1 &
    wrk_pid=$!
    echo "35 focal-point systems saving while the mixed reads run:"
    python3 bench/responses.py "$BASE" "$ADMIN_EMAIL" "$ADMIN_PASSWORD" "${WRITERS:-35}" "${DURATION%s}"
    kill -INT "$wrk_pid"; wait "$wrk_pid" || true
    printf '%-34s %12s %10s %10s\n' "reads beside the saves" "$(awk '/Requests\/sec/ {print $2}' "$work/beside.txt")" \
        "$(to_ms "$(awk '$1=="50%" {print $2}' "$work/beside.txt")")" "$(to_ms "$(awk '$1=="99%" {print $2}' "$work/beside.txt")")"
fi

EXPORT_ANSWERS="${EXPORT_ANSWERS:-1000000}"
if [ "$EXPORT_ANSWERS" -gt 0 ]; then
    python3 bench/exports.py "$BASE" "$ADMIN_EMAIL" "$ADMIN_PASSWORD" "$pid" "$EXPORT_ANSWERS"
fi
