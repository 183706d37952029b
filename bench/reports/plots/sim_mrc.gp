# sim_mrc.gp - miss-ratio curves: miss ratio against memory, one line per
# (input, configuration) of an `allocbench sim` run, memory on a log scale.
# Variables (gnuplot -e): datafile (TSV blocks separated by two blank lines, one per
# line of the plot; first line of a block "memory_mib<TAB>name"), outfile (SVG),
# nblocks, budget ("own" or "held").
set terminal svg size 1100,720 dynamic noenhanced font "sans,11" background rgb "white"
set linetype 9 lc rgb "#7f3b08"
set linetype 10 lc rgb "#2d004b"
set linetype cycle 10
set output outfile
set datafile separator "\t"
set logscale x 2
set xlabel sprintf("memory budget (MiB, log scale; budget binds %s bytes)", budget)
set ylabel "miss ratio (gets)"
set yrange [0:*]
set title "Miss ratio against memory (lower is better)"
set grid
set key below horizontal maxcols 2
plot for [i=0:nblocks-1] datafile index i using 1:2 with linespoints pointsize 0.6 \
     title columnheader(2)
