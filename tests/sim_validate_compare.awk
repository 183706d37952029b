# sim_validate_compare.awk - joins the real servers' rows (first file) with the
# simulator's (second file) on (workload, config, memory_limit), prints both side by side and
# checks: |hit_ratio_sim - hit_ratio_real| <= hr_tol, |live_sim - live_real| <=
# live_tol x live_real, evictions > 0 on both sides, and pages_moved > 0 on the real
# memcached for the workload named by `moved` (the phase-shift trace).  Exit 1 with a
# line per failure.  Both files have the header `allocbench sim` writes.
# With -v report=1 it only prints the table (a report, not a check).
# usage: awk -v hr_tol=0.005 -v live_tol=0.03 -v moved=trace:shift.csv -f THIS real.csv sim.csv

# Splits one CSV line into f[1..n] (RFC 4180 quotes); returns n.
function csv_split(line, f,    n, i, c, q, field) {
    n = 0; field = ""; q = 0
    for (i = 1; i <= length(line); i++) {
        c = substr(line, i, 1)
        if (q) {
            if (c == "\"") {
                if (substr(line, i + 1, 1) == "\"") { field = field c; i++ }
                else q = 0
            } else field = field c
        } else if (c == "\"") q = 1
        else if (c == ",") { f[++n] = field; field = "" }
        else field = field c
    }
    f[++n] = field
    return n
}

function abs(x) { return x < 0 ? -x : x }

FNR == 1 {
    side = (NR == 1) ? "real" : "sim"
    sub(/\r$/, "")
    nh = csv_split($0, h)
    for (i = 1; i <= nh; i++) col[side, h[i]] = i
    split("workload config memory_limit hit_ratio live_objects evictions pages_moved", need, " ")
    for (i in need)
        if (!((side, need[i]) in col)) {
            printf "FAIL: the %s CSV has no column %s\n", side, need[i]
            bad = 1
        }
    next
}

{
    sub(/\r$/, "")
    csv_split($0, f)
    # trace:DIR/FILE and trace:FILE name the same trace
    w = f[col[side, "workload"]]
    sub(/^trace:.*\//, "trace:", w)
    key = w SUBSEP f[col[side, "config"]] SUBSEP (f[col[side, "memory_limit"]] + 0)
    if (side == "real" && !(key in seen)) { order[++nkeys] = key; seen[key] = 1 }
    if (side == "sim") simseen[key] = 1
    hr[side, key] = f[col[side, "hit_ratio"]] + 0
    live[side, key] = f[col[side, "live_objects"]] + 0
    ev[side, key] = f[col[side, "evictions"]] + 0
    mv[side, key] = f[col[side, "pages_moved"]] + 0
}

END {
    if (bad) exit 1
    printf "%-22s %-26s %5s %9s %9s %7s %9s %9s %7s %9s %9s %6s %6s\n", "workload", "config",
           "MiB", "hit_real", "hit_sim", "diff_pt", "live_real", "live_sim", "diff%", "evict_rl",
           "evict_sim", "mv_rl", "mv_sim"
    for (k = 1; k <= nkeys; k++) {
        key = order[k]
        split(key, wc, SUBSEP)
        if (!(key in simseen)) {
            if (!report) {
                printf "FAIL: %s %s: no row from allocbench sim\n", wc[1], wc[2]
                fails++
            }
            continue
        }
        dhr = hr["sim", key] - hr["real", key]
        dl = live["sim", key] - live["real", key]
        rel = live["real", key] > 0 ? dl / live["real", key] : (dl == 0 ? 0 : 1)
        printf "%-22s %-26s %5g %9.4f %9.4f %+7.2f %9d %9d %+6.2f%% %9d %9d %6d %6d\n", wc[1],
               wc[2], wc[3] / 1048576, hr["real", key], hr["sim", key], 100 * dhr, live["real", key],
               live["sim", key], 100 * rel, ev["real", key], ev["sim", key], mv["real", key],
               mv["sim", key]
        if (report)
            continue
        if (abs(dhr) > hr_tol + 1e-12)
            msg[++fails] = sprintf("%s %s: hit ratio sim %.4f vs real %.4f differs by %.2f points (limit %.2f)",
                                   wc[1], wc[2], hr["sim", key], hr["real", key], 100 * abs(dhr), 100 * hr_tol)
        if (abs(dl) > live_tol * live["real", key])
            msg[++fails] = sprintf("%s %s: live objects sim %d vs real %d differ by %.2f%% (limit %.0f%%)",
                                   wc[1], wc[2], live["sim", key], live["real", key], 100 * abs(rel), 100 * live_tol)
        if (ev["real", key] <= 0 || ev["sim", key] <= 0)
            msg[++fails] = sprintf("%s %s: evictions real %d, sim %d; both must be above 0 (the budget must bind on both sides)",
                                   wc[1], wc[2], ev["real", key], ev["sim", key])
        if (wc[1] == moved && wc[2] ~ /^memcached/ && mv["real", key] <= 0)
            msg[++fails] = sprintf("%s %s: the real memcached moved no slab page (slabs_moved 0): the trace does not exercise automove",
                                   wc[1], wc[2])
    }
    for (i = 1; i <= fails; i++)
        if (i in msg) printf "FAIL: %s\n", msg[i]
    if (nkeys == 0) { print "FAIL: no rows from the real servers"; exit 1 }
    exit fails > 0
}
