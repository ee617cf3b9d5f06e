#!/usr/bin/env bash
# Our API against Directus (the generic REST layer a team would pick instead), on the same data
# and the same database engine (PostgreSQL), side by side, A/B alternating.
#
#   bench/peers/ab.sh            # needs PostgreSQL at BENCH_DATABASE_URL (default below)
#
# Installs directus@10.13.4 under bench/peers/.directus (git ignores it; it runs on Node 20),
# bootstraps it on its own database, loads the same 10,000 experiences into both, then runs wrk
# (64 connections) ROUNDS times over: ours by id, Directus by id, ours filtered + search,
# Directus filtered + search, and ours filtered + search on a second server with the public
# search pages off (MECIGEP_GUIDE_CACHE_ENTRIES=0); then the random mix of bench/run.sh
# (bench/search_mix.lua) on both sides: searches of 1–3 random words with random filters, and
# reads of random experiences. Prints every run and the ratios us/Directus.
set -euo pipefail
cd "$(dirname "$0")/../.."

PG="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
COUNT="${EXPERIENCES:-10000}"
DURATION="${DURATION:-8s}"
ROUNDS="${ROUNDS:-2}"
OURS=18080
UNCACHED=18081
THEIRS=8055
ADMIN_EMAIL=bench@example.org
ADMIN_PASSWORD=bench-password-0123
peer=bench/peers/.directus

command -v wrk >/dev/null || apt-get install -y wrk >/dev/null
if [ ! -x "$peer/node_modules/.bin/directus" ]; then
    mkdir -p "$peer"
    (cd "$peer" && npm install --no-audit --no-fund directus@10.13.4 >/dev/null \
        && npm rebuild sqlite3 isolated-vm argon2 sharp --nodedir=/usr >/dev/null)
fi
cargo build --release --quiet

work="$(mktemp -d)"
psql "$PG" -qc "DROP DATABASE IF EXISTS mecigep_ab WITH (FORCE)" -c "CREATE DATABASE mecigep_ab"
psql "$PG" -qc "DROP DATABASE IF EXISTS directus_ab WITH (FORCE)" -c "CREATE DATABASE directus_ab"
# npx leaves its node child behind when killed: stop Directus by its command line.
pkill -f "directus start" 2>/dev/null || true
cleanup() {
    kill "${ours_pid:-}" "${uncached_pid:-}" "${theirs_pid:-}" 2>/dev/null || true
    pkill -f "directus start" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# Loopback, as Directus' own connection: no TLS to the database (libpq would negotiate it).
# The rate limits guard a service from runaway callers; the load generator is one caller (and
# Directus runs with RATE_LIMITER_ENABLED=false).
limits_off="MECIGEP_RATE_LIMIT_WRITES=0 MECIGEP_RATE_LIMIT_LOGINS=0 MECIGEP_RATE_LIMIT_EXPORTS=0 MECIGEP_RATE_LIMIT_SEARCH=0"
env $limits_off DATABASE_URL="${PG%/*}/mecigep_ab?sslmode=disable" MECIGEP_BIND="127.0.0.1:$OURS" RUST_LOG=warn \
    MECIGEP_ADMIN_EMAIL="$ADMIN_EMAIL" MECIGEP_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
    ./target/release/mecigep serve >"$work/ours.log" 2>&1 &
ours_pid=$!

pg_host="$(sed -E 's#^postgres(ql)?://([^@]*@)?([^:/]*).*#\3#' <<<"$PG")"
pg_user="$(sed -E 's#^postgres(ql)?://([^:@]*).*@.*#\2#' <<<"$PG")"
cat >"$peer/.env" <<ENV
HOST=127.0.0.1
PORT=$THEIRS
PUBLIC_URL=http://127.0.0.1:$THEIRS
DB_CLIENT=pg
DB_HOST=$pg_host
DB_PORT=5432
DB_DATABASE=directus_ab
DB_USER=$pg_user
KEY=mecigep-bench-key
SECRET=mecigep-bench-secret
ADMIN_EMAIL=$ADMIN_EMAIL
ADMIN_PASSWORD=$ADMIN_PASSWORD
LOG_LEVEL=warn
CACHE_ENABLED=false
RATE_LIMITER_ENABLED=false
TELEMETRY=false
ENV
(cd "$peer" && npx directus bootstrap >"$work/bootstrap.log" 2>&1)
(cd "$peer" && exec npx directus start >"$work/theirs.log" 2>&1) &
theirs_pid=$!
for _ in $(seq 1 300); do
    curl -fs "http://127.0.0.1:$OURS/health/ready" >/dev/null \
        && curl -fs "http://127.0.0.1:$THEIRS/server/health" >/dev/null && break
    sleep 0.2
done

read -r first last <<<"$(python3 bench/experiences.py "http://127.0.0.1:$OURS" "$ADMIN_EMAIL" "$ADMIN_PASSWORD" "$COUNT")"
python3 bench/peers/directus_load.py "http://127.0.0.1:$THEIRS" "$ADMIN_EMAIL" "$ADMIN_PASSWORD" "$COUNT"
# Both databases analysed, as autovacuum would after such a load (off on this host's cluster),
# and the loads' pages written back before anything is measured (see bench/run.sh).
psql "${PG%/*}/mecigep_ab" -qc "VACUUM ANALYZE"
psql "${PG%/*}/directus_ab" -qc "VACUUM ANALYZE" -c "CHECKPOINT"
# A second server of ours on the same database with the public search pages off: every search
# ranked again (the figure before the page cache, and what a never-repeated search costs).
env $limits_off DATABASE_URL="${PG%/*}/mecigep_ab?sslmode=disable" MECIGEP_BIND="127.0.0.1:$UNCACHED" RUST_LOG=warn \
    MECIGEP_GUIDE_CACHE_ENTRIES=0 ./target/release/mecigep serve >"$work/uncached.log" 2>&1 &
uncached_pid=$!
for _ in $(seq 1 300); do
    curl -fs "http://127.0.0.1:$UNCACHED/health/ready" >/dev/null && break
    sleep 0.1
done

lua() {   # $1 file, $2 path prefix, $3 kind (id | search), $4 style (ours | theirs)
    # Each of wrk's threads draws its own sequence (bench/threads.lua).
    { cat bench/threads.lua; cat <<LUA; } >"$1"
local areas = {"public-budget", "civil-service", "ict", "coordination", "decentralization", "policy-evaluation"}
local words = {"gestion", "presupuesto", "evaluacion", "participacion", "transparencia", "regulacion", "digital", "merito"}
request = function()
    if "$3" == "id" then
        return wrk.format("GET", "$2" .. math.random($first, $last))
    end
    local a, w = areas[math.random(#areas)], words[math.random(#words)]
    if "$4" == "ours" then
        return wrk.format("GET", "$2?limit=20&thematic_area=" .. a .. "&q=" .. w)
    end
    return wrk.format("GET", "$2?limit=20&filter[thematic_area][_eq]=" .. a .. "&search=" .. w)
end
LUA
}
lua "$work/ours_id.lua" /api/v1/experiences/ id ours
lua "$work/theirs_id.lua" /items/experiences/ id theirs
lua "$work/ours_q.lua" /api/v1/experiences search ours
lua "$work/theirs_q.lua" /items/experiences search theirs

measure() {   # $1 base URL, $2 script → req/s p50 p99
    local out
    out="$(wrk -t2 -c64 -d"$DURATION" --latency -s "$2" "$1")"
    awk '/Requests\/sec/ {rps=$2} $1=="50%" {p50=$2} $1=="99%" {p99=$2} END {print rps, p50, p99}' <<<"$out"
    # Directus' searches run on in the database for seconds after wrk stops: the next run
    # waits until no query of either database is left, or it measures them.
    for _ in $(seq 1 120); do
        [ "$(psql "$PG" -Atc "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND datname IN ('mecigep_ab', 'directus_ab')")" = 0 ] && break
        sleep 0.25
    done
}

# Each of our servers indexes the Guide at its first search (src/experiences/guide_index.rs):
# done before anything is measured, as bench/run.sh does.
for port in "$OURS" "$UNCACHED"; do
    echo "first search on :$port (indexes the Guide): $(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port/api/v1/experiences?q=gestion") s"
done

echo "A/B on PostgreSQL, $COUNT experiences, wrk -t2 -c64 -d$DURATION; $(nproc) cores"
printf '%-6s %-34s %10s %10s %10s\n' round request "req/s" p50 p99
declare -A sum
record() {   # $1 key, $2 round, $3 label, $4 "req/s p50 p99": prints the run, adds to its sum
    local rps p50 p99
    read -r rps p50 p99 <<<"$4"
    sum[$1]=$(awk -v a="${sum[$1]:-0}" -v b="$rps" 'BEGIN {print a + b}')
    printf '%-6s %-34s %10s %10s %10s\n' "$2" "$3" "$rps" "$p50" "$p99"
}
for r in $(seq 1 "$ROUNDS"); do
    for pair in "ours_id|http://127.0.0.1:$OURS|mecigep GET /experiences/{id}" \
                "theirs_id|http://127.0.0.1:$THEIRS|directus GET /items/experiences/{id}" \
                "ours_q|http://127.0.0.1:$OURS|mecigep filtered + q list" \
                "theirs_q|http://127.0.0.1:$THEIRS|directus filter + search" \
                "ours_q_uncached|http://127.0.0.1:$UNCACHED|mecigep same, no page cache"; do
        IFS='|' read -r key base label <<<"$pair"
        record "$key" "$r" "$label" "$(measure "$base" "$work/${key%_uncached}.lua")"
    done
done

# The same random mix as bench/run.sh's mixed load, drawn the same way on both sides
# (bench/search_mix.lua, STYLE=directus for theirs): every request its own 1–3 words of the
# Guide's vocabulary and random filters, or a random experience.
{ cat bench/threads.lua; python3 bench/experiences.py --lua-vocabulary; cat bench/search_mix.lua; } >"$work/mix.lua"
mixed() {   # $1 base URL, $2 MIX, $3 STYLE, $4 FIRST, $5 LAST → req/s p50 p99
    MIX="$2" STYLE="$3" FIRST="$4" LAST="$5" measure "$1" "$work/mix.lua"
}
for r in $(seq 1 "$ROUNDS"); do
    for pair in "mix_ours|http://127.0.0.1:$OURS|search|ours|$first|$last|mecigep random search mix" \
                "mix_theirs|http://127.0.0.1:$THEIRS|search|directus|1|$COUNT|directus random search mix" \
                "mix_ours_uncached|http://127.0.0.1:$UNCACHED|search|ours|$first|$last|mecigep same, no page cache" \
                "read_ours|http://127.0.0.1:$OURS|read|ours|$first|$last|mecigep random reads by id" \
                "read_theirs|http://127.0.0.1:$THEIRS|read|directus|1|$COUNT|directus random reads by id"; do
        IFS='|' read -r key base kind style lo hi label <<<"$pair"
        record "$key" "$r" "$label" "$(mixed "$base" "$kind" "$style" "$lo" "$hi")"
    done
done
awk -v a="${sum[ours_id]}" -v b="${sum[theirs_id]}" 'BEGIN {printf "ratio us/Directus, by id:           %.1f×\n", a / b}'
awk -v a="${sum[ours_q]}" -v b="${sum[theirs_q]}" 'BEGIN {printf "ratio us/Directus, filtered search: %.1f×\n", a / b}'
awk -v a="${sum[ours_q_uncached]}" -v b="${sum[theirs_q]}" 'BEGIN {printf "ratio us/Directus, same without page cache: %.1f×\n", a / b}'
awk -v a="${sum[mix_ours]}" -v b="${sum[mix_theirs]}" 'BEGIN {printf "ratio us/Directus, random search mix: %.1f×\n", a / b}'
awk -v a="${sum[mix_ours_uncached]}" -v b="${sum[mix_theirs]}" 'BEGIN {printf "ratio us/Directus, same without page cache: %.1f×\n", a / b}'
awk -v a="${sum[read_ours]}" -v b="${sum[read_theirs]}" 'BEGIN {printf "ratio us/Directus, random reads by id: %.1f×\n", a / b}'
