# throughput.gp - ns per operation (a malloc+free pair; one realloc step in realloc_grow)
# per allocator per workload, from the throughput.csv alloc_throughput --csv-out writes.
#   gnuplot -e "csv='results/throughput.csv'; out='results/throughput.svg'" throughput.gp
# The CSV is long (one row per benchmark), so each bar's x position is computed from its
# workload cell and allocator rather than from gnuplot's histogram layout.
if (!exists("csv")) csv = 'throughput.csv'
if (!exists("out")) out = 'throughput.svg'

CELLS = "hot_pair/16 hot_pair/64 hot_pair/256 hot_pair/1024 batch/16 batch/64 batch/256 batch/1024 random_ws realloc_grow xthread/64"
ALLOCS = "slab slab-direct slab-mt zmalloc-libc zmalloc-jemalloc glibc jemalloc mimalloc tcmalloc"
NA = words(ALLOCS)
W = 0.85 / NA

# Position of s in the space-separated list, NaN when absent (the row is then not drawn).
idx(s, list, i) = i > words(list) ? NaN : (word(list, i) eq s ? i : idx(s, list, i + 1))
cell(w, p) = p eq "" ? w : w . "/" . p
xpos(w, p, a) = idx(cell(w, p), CELLS, 1) - 1 + (a - (NA + 1) / 2.0) * W

# noenhanced: every text is printed as written (no escapes: "\\_" would show).
set terminal svg size 1400,600 dynamic noenhanced font "sans,11"
# Nine allocators, eight default colours: one more, so slab and tcmalloc differ.
set linetype 9 lc rgb "#7f3b08"
set linetype cycle 9
set output out
set datafile separator ","
set title "alloc_throughput: median ns per operation (lower is better)"
set ylabel "ns per operation (log scale)"
set logscale y
set grid ytics mytics
set xrange [-0.6:words(CELLS) - 0.4]
set xtics rotate by -30 nomirror
set xtics ()
do for [i = 1:words(CELLS)] { set xtics add (word(CELLS, i) i - 1) }
set key outside right top
set style fill solid 0.9 border -1
set boxwidth W

plot for [a = 1:NA] csv using (strcol(3) eq word(ALLOCS, a) ? xpos(strcol(2), strcol(4), a) : NaN):5 \
     with boxes title word(ALLOCS, a)
