#!/usr/bin/env bash
# sim_vs_real.sh - the simulator and the real servers side by side over several traces,
# policies and budgets: each trace is replayed, paced, on fresh memcached and Redis
# servers (one per policy, all at once) and simulated with the same configs.
#
# usage: sim_vs_real.sh ALLOCBENCH OUT_CSV [WORKDIR]
#   SIM_VS_REAL_SCALE=F  replay F x the requests of each trace (a quicker look)
# OUT_CSV has a `source` column (real | sim) and a `run` column (1; 2 for the second
# replay of the first trace, which shows how repeatable a paced replay is) before the
# columns of `allocbench sim`; rows pair up on (workload, config, memory_limit).  A
# table of both sides goes to stdout.  Servers listen on 127.0.0.1 only and are stopped
# on exit.  Takes about 5 minutes (paced in real time).
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/servers.sh"

if [ $# -lt 2 ]; then
    echo "usage: $0 ALLOCBENCH OUT_CSV [WORKDIR]" >&2
    exit 2
fi
AB=$1
OUT=$2
WORK=${3:-$(mktemp -d)}
mkdir -p "$WORK" "$(dirname "$OUT")" || exit 1
rm -f "$WORK"/*.csv "$WORK"/*.log "$WORK"/*.err

trap servers_stop_all EXIT
trap 'exit 130' INT TERM

if "$AB" sim --help 2>&1 | grep -q "unknown command 'sim'"; then
    echo "$AB has no 'sim' command" >&2
    exit 1
fi

# name | gen-trace options (5000 requests per trace second: 20 s, or 50 s for shift)
TRACES=(
  "zipf0.9|--mix get --zipf 0.9 --rate 5000 --requests 100000 --keys 200000 --key-size 20 --value-size 100-800 --seed 11"
  "zipf0.7|--mix get --zipf 0.7 --rate 5000 --requests 100000 --keys 200000 --key-size 30 --value-size 20-1000 --seed 21"
  "ttl10|--mix get --zipf 0.9 --rate 5000 --requests 100000 --keys 200000 --key-size 20 --value-size 100-800 --ttl 10 --seed 31"
  "shift|--mix get --zipf 0.8 --rate 5000 --requests 250000 --keys 200000 --key-size 20 --value-size 120-160 --shift-at 0.4 --shift-value-size 2000-2200 --seed 12"
)
# Memory budgets (MiB), each run on every trace.
BUDGETS_MB=(8 16)
POLICIES=(allkeys-lru allkeys-lfu allkeys-random)

# Replays trace $1 at budget $2 MiB on memcached and one Redis per policy, all at once;
# run number $3.  Rows go to real_*.csv with source and run prepended.
replay_all() {
    local trace=$1 mb=$2 run=$3 bytes=$(($2 * 1048576)) name pids=() cfgs=() ports=() i p
    name=$(basename "$trace" .csv)
    start_memcached "$mb" "$WORK/memcached.log" || return 1
    ports+=("$SERVER_PORT"); cfgs+=(memcached)
    for p in "${POLICIES[@]}"; do
        start_redis "$bytes" "$p" "$WORK" "$WORK/redis.log" || return 1
        ports+=("$SERVER_PORT"); cfgs+=("redis:policy=$p")
    done
    for i in "${!cfgs[@]}"; do
        local kind=redis
        [ "${cfgs[$i]}" = memcached ] && kind=memcached
        "$AB" replay --$kind "127.0.0.1:${ports[$i]}" --trace "$trace" --config "${cfgs[$i]}" \
            --memory "$bytes" --csv "$WORK/one_${name}_${mb}_${run}_$i.csv" \
            2>"$WORK/replay_${name}_${mb}_${run}_$i.err" &
        pids+=($!)
    done
    local ok=1
    for i in "${!pids[@]}"; do
        if ! wait "${pids[$i]}"; then
            echo "replay of $name at $mb MiB on ${cfgs[$i]} failed:" >&2
            cat "$WORK/replay_${name}_${mb}_${run}_$i.err" >&2
            ok=0
        fi
        grep -h 'behind schedule' "$WORK/replay_${name}_${mb}_${run}_$i.err" | sed "s|^replay|  $name ${mb}MiB ${cfgs[$i]} run $run|"
        [ -f "$WORK/one_${name}_${mb}_${run}_$i.csv" ] &&
            tail -n +2 "$WORK/one_${name}_${mb}_${run}_$i.csv" | sed "s/^/real,$run,/" >>"$WORK/real.csv"
        [ "$run" = 1 ] && [ -f "$WORK/one_${name}_${mb}_${run}_$i.csv" ] &&
            cat "$WORK/one_${name}_${mb}_${run}_$i.csv" >>"$WORK/real_run1.csv"
    done
    servers_stop_all
    [ $ok = 1 ]
}

status=0
scale=${SIM_VS_REAL_SCALE:-1}
for entry in "${TRACES[@]}"; do
    name=${entry%%|*}
    read -r -a args <<<"${entry#*|}"
    for i in "${!args[@]}"; do
        [ "${args[$i]}" = --requests ] &&
            args[$((i + 1))]=$(awk -v n="${args[$((i + 1))]}" -v f="$scale" 'BEGIN { printf "%d", n * f }')
    done
    "$AB" gen-trace "${args[@]}" --out "$WORK/$name.csv" || { echo "gen-trace $name failed" >&2; exit 1; }
done
first=1
for entry in "${TRACES[@]}"; do
    name=${entry%%|*}
    for mb in "${BUDGETS_MB[@]}"; do
        echo "== $name.csv at $mb MiB"
        replay_all "$WORK/$name.csv" "$mb" 1 || status=1
        if [ $first = 1 ]; then
            replay_all "$WORK/$name.csv" "$mb" 2 || status=1
            first=0
        fi
        # each simulation takes the clock origin of the replay it is compared with,
        # and keeps the replay's columns (the simulator's first 19, then clock_origin
        # and server_uptime)
        local_cfgs=(memcached "${POLICIES[@]/#/redis:policy=}")
        for i in "${!local_cfgs[@]}"; do
            cfg=${local_cfgs[$i]}
            one=$WORK/one_${name}_${mb}_1_$i.csv
            origin=$(awk -F, 'NR == 2 { print $20 }' "$one" 2>/dev/null)
            uptime=$(awk -F, 'NR == 2 { print $21 }' "$one" 2>/dev/null)
            if "$AB" sim --trace "$WORK/$name.csv" --config "$cfg" --memory $((mb * 1048576)) \
                   --clock-origin "${origin:-0}" --server-uptime "${uptime:-0}" --csv "$WORK/sim_one.csv" 2>"$WORK/sim.err" \
                   >/dev/null; then
                awk -F, -v OFS=, 'NR > 1 { $20 = $23; $21 = $27; NF = 21; print }' "$WORK/sim_one.csv" \
                    >"$WORK/sim_cut.csv"
                sed "s/^/sim,1,/" "$WORK/sim_cut.csv" >>"$WORK/sim.csv"
                cat "$WORK/sim_cut.csv" >>"$WORK/sim_rows.csv"
            else
                echo "allocbench sim --config $cfg on $name.csv failed: $(cat "$WORK/sim.err")" >&2
                status=1
            fi
            rm -f "$WORK/sim_one.csv" "$WORK/sim_cut.csv"
        done
    done
done

header=
for f in "$WORK"/one_*.csv; do
    [ -f "$f" ] && header=$(head -n 1 "$f") && break
done
{
    echo "source,run,$header"
    cat "$WORK/real.csv" "$WORK/sim.csv" 2>/dev/null
} >"$OUT"
echo "wrote $OUT"

# Both sides side by side (first runs), then how far the second replay moved.
if [ -f "$WORK/sim_rows.csv" ]; then
    { echo "$header"; cat "$WORK/sim_rows.csv"; } >"$WORK/sim_table.csv"
    grep -v '^workload' "$WORK/real_run1.csv" | sed "1i $header" >"$WORK/real_table.csv"
    awk -v report=1 -f "$here/../../tests/sim_validate_compare.awk" \
        "$WORK/real_table.csv" "$WORK/sim_table.csv"
fi
awk -F, '$1 == "real" {
             k = $3 "," $4 "," $5
             if ($2 == 1) h1[k] = $10; else h2[k] = $10
         }
         END {
             for (k in h2) if (k in h1)
                 printf "repeat %s: hit ratio %.4f then %.4f (%+.3f points)\n", k, h1[k], h2[k],
                        100 * (h2[k] - h1[k])
         }' "$OUT"
exit $status
