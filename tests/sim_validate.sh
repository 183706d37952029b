#!/usr/bin/env bash
# sim_validate.sh - the cache simulator checked against the real memcached 1.6.18 and
# Redis 7.0.15: the same traces replayed, paced, on live servers (allocbench replay) and
# simulated (allocbench sim), hit ratio and live objects compared.
#
# usage: sim_validate.sh ALLOCBENCH WORKDIR
#        sim_validate.sh --smoke ALLOCBENCH WORKDIR SAMPLE_TRACE
# Full run: two traces, each replayed on memcached (defaults, -m 8) and Redis
# (maxmemory 8 MiB, allkeys-lru and allkeys-lfu) at once, then simulated (the mean of
# 5 seeds against the one real run); fails unless,
# for every (trace, config), the hit ratios are within 0.5 points, live objects within
# 3% of the real count, both sides evicted, and on the phase-shift trace the real
# memcached moved slab pages.  Exit 77 (skipped) when this allocbench has no `sim` or
# its gen-trace lacks the trace options used here.
#   SIM_VALIDATE_TRACE_DIR=DIR  take steady.csv and shift.csv from DIR, not gen-trace
#   SIM_VALIDATE_REAL_ONLY=1    replay and print the real side only (no simulator)
# Smoke run (every build, sanitizers included): the sample trace, 2000 requests of
# every operation kind at 100x speed, on one memcached and one Redis; checks the CSV
# and the counts that follow from the trace alone.
set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../bench/client/servers.sh
. "$here/../bench/client/servers.sh"

smoke=0
if [ "${1:-}" = --smoke ]; then smoke=1; shift; fi
if [ $# -lt 2 ] || { [ $smoke = 1 ] && [ $# -lt 3 ]; }; then
    echo "usage: $0 [--smoke] ALLOCBENCH WORKDIR [SAMPLE_TRACE]" >&2
    exit 2
fi
AB=$1
WORK=$2
mkdir -p "$WORK" || exit 1
rm -f "$WORK"/*.csv "$WORK"/*.log "$WORK"/*.err

trap servers_stop_all EXIT
trap 'exit 130' INT TERM

MEM_MB=8
MEM=$((MEM_MB * 1024 * 1024))
COLUMNS_WANT="workload,config,memory_limit,budget,requests,gets,hits,hit_ratio,byte_hit_ratio,sets,evictions,expired,live_objects,requested_bytes,counted_bytes,held_bytes,efficiency,pages_moved,requests_per_sec,clock_origin,server_uptime"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# The value of column $2 in the one data row of CSV $1.
csv_value() {
    awk -F, -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
                          NR == 2 { print $c }' "$1"
}

# ---- smoke ------------------------------------------------------------------------
if [ $smoke = 1 ]; then
    SAMPLE=$3
    start_memcached "$MEM_MB" "$WORK/memcached.log" || exit 1
    mc=$SERVER_PORT
    start_redis "$MEM" allkeys-lru "$WORK" "$WORK/redis.log" || exit 1
    rd=$SERVER_PORT
    # usage and connection errors: status 2 and 1 with a message naming the problem
    "$AB" replay --trace "$SAMPLE" >/dev/null 2>"$WORK/usage.err"
    [ $? = 2 ] && grep -q 'is required' "$WORK/usage.err" || fail "replay without a server: $(cat "$WORK/usage.err")"
    "$AB" replay --memcached "127.0.0.1:$mc" --trace "$SAMPLE" --time-scale 0 >/dev/null 2>"$WORK/usage.err"
    [ $? = 2 ] && grep -q 'time-scale' "$WORK/usage.err" || fail "--time-scale 0 accepted"
    "$AB" replay --redis 127.0.0.1:1 --trace "$SAMPLE" >/dev/null 2>"$WORK/refused.err"
    [ $? = 1 ] && grep -q 'connection refused' "$WORK/refused.err" || fail "refused connection: $(cat "$WORK/refused.err")"
    # the sample trace: 2000 requests, 10 per trace second; at K = 0.01 that is 2 s
    for side in memcached redis; do
        port=$mc; [ $side = redis ] && port=$rd
        "$AB" replay --$side "127.0.0.1:$port" --trace "$SAMPLE" --time-scale 0.01 \
            --csv "$WORK/$side.csv" 2>"$WORK/$side.err" || fail "replay on $side: $(cat "$WORK/$side.err")"
        cat "$WORK/$side.err"
        [ "$(head -n 1 "$WORK/$side.csv")" = "$COLUMNS_WANT" ] || fail "$side: CSV header differs from the simulator's columns"
        [ "$(awk -F, 'END { print NR, NF }' "$WORK/$side.csv")" = "2 21" ] || fail "$side: want one row of 21 fields"
    done
    # What the trace alone fixes, the same on both servers: every get/gets line is a
    # get; each miss is followed by one fill SET and each set/add/replace/cas line is
    # one storage command, refused or not (cmd_set / cmdstat_set count them all); 8 MiB
    # holds the sample's few thousand objects and its TTLs (30 s and up, not scaled)
    # outlast the 2 s run, so nothing is evicted and both servers see the same hits
    # and hold the same objects (same count, same key + value bytes).
    gets=$(awk -F, '$6 == "get" || $6 == "gets"' "$SAMPLE" | wc -l)
    stores=$(awk -F, '$6 == "set" || $6 == "add" || $6 == "replace" || $6 == "cas"' "$SAMPLE" | wc -l)
    for side in memcached redis; do
        f=$WORK/$side.csv
        [ "$(csv_value "$f" requests)" = 2000 ] || fail "$side: requests $(csv_value "$f" requests), want 2000"
        [ "$(csv_value "$f" gets)" = "$gets" ] || fail "$side: gets $(csv_value "$f" gets), want $gets"
        hits=$(csv_value "$f" hits)
        want_sets=$((gets - hits + stores))
        [ "$(csv_value "$f" sets)" = "$want_sets" ] || fail "$side: sets $(csv_value "$f" sets), want $want_sets (misses + trace stores)"
        [ "$(csv_value "$f" evictions)" = 0 ] || fail "$side: evictions $(csv_value "$f" evictions), want 0"
        [ "$(csv_value "$f" memory_limit)" = "$MEM" ] || fail "$side: memory_limit $(csv_value "$f" memory_limit), want $MEM (read from the server)"
    done
    for col in hits live_objects requested_bytes; do
        a=$(csv_value "$WORK/memcached.csv" $col)
        b=$(csv_value "$WORK/redis.csv" $col)
        [ "$a" = "$b" ] || fail "$col: memcached $a, Redis $b; the same requests should give the same"
    done
    exit 0
fi

# ---- full -------------------------------------------------------------------------
skip() {
    echo "SKIP: $*"
    exit 77
}

real_only=${SIM_VALIDATE_REAL_ONLY:-0}
if [ "$real_only" != 1 ] && "$AB" sim --help 2>&1 | grep -q "unknown command 'sim'"; then
    skip "this allocbench has no 'sim' command yet, so there is nothing to compare with"
fi

# Steady: Zipf 0.9 gets over 100k keys (cache-aside fills), 20 s of server time.
# Shift: small values for the first 40% of the requests, then a disjoint key space of
# large ones; 50 s, so that memcached's automove (a 30 s window, then at most a page a
# second) moves pages from the small classes to the large.
STEADY_ARGS=(--mix get --zipf 0.9 --rate 5000 --requests 100000 --keys 100000
             --key-size 20 --value-size 50-400 --seed 11)
SHIFT_ARGS=(--mix get --zipf 0.8 --rate 5000 --requests 250000 --keys 200000
            --key-size 20 --value-size 120-160 --shift-at 0.4 --shift-value-size 2000-2200
            --seed 12)
if [ -n "${SIM_VALIDATE_TRACE_DIR:-}" ]; then
    cp "$SIM_VALIDATE_TRACE_DIR/steady.csv" "$SIM_VALIDATE_TRACE_DIR/shift.csv" "$WORK/" || exit 1
else
    for opt in --mix --zipf --rate --key-size --value-size --shift-at --shift-value-size; do
        "$AB" gen-trace --help 2>&1 | grep -q -- "$opt" ||
            skip "this allocbench gen-trace has no $opt yet"
    done
    "$AB" gen-trace "${STEADY_ARGS[@]}" --out "$WORK/steady.csv" || fail "gen-trace (steady)"
    "$AB" gen-trace "${SHIFT_ARGS[@]}" --out "$WORK/shift.csv" || fail "gen-trace (shift)"
fi

CONFIGS=(memcached redis:policy=allkeys-lru redis:policy=allkeys-lfu)

# Replays one trace on a fresh memcached and two fresh Redis at once; rows in
# real_<trace>_<n>.csv.  Status 0 ok, 3 when a replay only lost the pace (the machine
# was busy: the servers did not see the trace's timing), 1 on any other failure.
replay_trace() {
    local trace=$1 name pids=() i cfg port status=0
    name=$(basename "$trace" .csv)
    local ports=()
    rm -f "$WORK"/real_"${name}"_*.csv
    start_memcached "$MEM_MB" "$WORK/memcached_$name.log" || return 1
    ports+=("$SERVER_PORT")
    for cfg in allkeys-lru allkeys-lfu; do
        start_redis "$MEM" "$cfg" "$WORK" "$WORK/redis_${cfg}_$name.log" || return 1
        ports+=("$SERVER_PORT")
    done
    for i in 0 1 2; do
        cfg=${CONFIGS[$i]}
        port=${ports[$i]}
        local kind=redis
        [ "$cfg" = memcached ] && kind=memcached
        "$AB" replay --$kind "127.0.0.1:$port" --trace "$trace" --config "$cfg" \
            --memory "$MEM" --csv "$WORK/real_${name}_$i.csv" 2>"$WORK/replay_${name}_$i.err" &
        pids+=($!)
    done
    for i in 0 1 2; do
        if wait "${pids[$i]}"; then
            sed "s/^/  ${CONFIGS[$i]}: /" "$WORK/replay_${name}_$i.err"
        elif grep -q 'could not keep the pace' "$WORK/replay_${name}_$i.err"; then
            sed "s/^/  ${CONFIGS[$i]}: /" "$WORK/replay_${name}_$i.err"
            [ $status = 0 ] && status=3
        else
            echo "FAIL: replay of $name on ${CONFIGS[$i]}:" >&2
            cat "$WORK/replay_${name}_$i.err" >&2
            status=1
        fi
    done
    servers_stop_all
    return $status
}

t_start=$SECONDS
for t in steady shift; do
    echo "== replaying $t.csv on memcached and Redis (lru, lfu) at once"
    replay_trace "$WORK/$t.csv"
    rc=$?
    if [ $rc = 3 ]; then
        echo "== the machine was too busy to keep the pace; replaying $t.csv once more"
        replay_trace "$WORK/$t.csv"
        rc=$?
    fi
    [ $rc = 0 ] || fail "the replays of $t.csv did not complete (see above)"
done
{
    head -n 1 "$WORK/real_steady_0.csv"
    for f in "$WORK"/real_steady_*.csv "$WORK"/real_shift_*.csv; do tail -n +2 "$f"; done
} >"$WORK/real.csv"
echo "== real servers ($((SECONDS - t_start)) s)"
cat "$WORK/real.csv"
if [ "$real_only" = 1 ]; then
    echo "SIM_VALIDATE_REAL_ONLY: comparison not run"
    exit 0
fi

# Each replay reports the unix time its schedule started at (clock_origin) and how many
# seconds the server had run by then (server_uptime): the simulation of that replay puts
# Redis's second and minute boundaries at the same places, and starts memcached's
# automove window as many ticks early (memcached's replay starts on one of its ticks).
# Redis draws its eviction samples from a generator seeded by the clock, so a real run
# is one draw among many; the simulator's side is its mean over SEEDS seeds (the
# memcached preset draws nothing at random, so its runs agree exactly): hit ratio,
# live objects, evictions and page moves averaged, the rest from the first seed.
SEEDS=5
first=1
for t in steady shift; do
    for i in 0 1 2; do
        origin=$(csv_value "$WORK/real_${t}_$i.csv" clock_origin)
        uptime=$(csv_value "$WORK/real_${t}_$i.csv" server_uptime)
        rm -f "$WORK/sim_${t}_$i.csv"
        for seed in $(seq 1 $SEEDS); do
            "$AB" sim --quiet --trace "$WORK/$t.csv" --config "${CONFIGS[$i]}" --memory "$MEM" \
                --clock-origin "$origin" --server-uptime "$uptime" --seed "$seed" \
                --csv "$WORK/sim_one.csv" >/dev/null ||
                fail "allocbench sim on $t.csv, ${CONFIGS[$i]}, seed $seed"
            [ -f "$WORK/sim_${t}_$i.csv" ] || head -n 1 "$WORK/sim_one.csv" >"$WORK/sim_${t}_$i.csv"
            tail -n +2 "$WORK/sim_one.csv" >>"$WORK/sim_${t}_$i.csv"
        done
        if [ $first = 1 ]; then head -n 1 "$WORK/sim_${t}_$i.csv"; first=0; fi
        awk -F, -v OFS=, 'NR == 1 { next }
            { for (c = 8; c <= 18; c++) if (c == 8 || c == 11 || c == 13 || c == 18) sum[c] += $c
              if (NR == 2) row = $0; n++ }
            END { $0 = row
                  $8 = sprintf("%.6f", sum[8] / n)
                  $11 = sprintf("%.0f", sum[11] / n); $13 = sprintf("%.0f", sum[13] / n)
                  $18 = sprintf("%.0f", sum[18] / n)
                  print }' "$WORK/sim_${t}_$i.csv"
    done
done >"$WORK/sim.csv"
echo "== simulator vs real servers ($((SECONDS - t_start)) s in all)"
if awk -v hr_tol=0.005 -v live_tol=0.03 -v moved=trace:shift.csv \
       -f "$here/sim_validate_compare.awk" "$WORK/real.csv" "$WORK/sim.csv"; then
    exit 0
fi
echo "the simulator does not reproduce the real servers within the limits above" >&2
echo "(rows: $WORK/real.csv, $WORK/sim.csv)" >&2
exit 1
