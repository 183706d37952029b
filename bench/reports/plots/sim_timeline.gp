# sim_timeline.gp - hit ratio over trace time, one line per (configuration, budget) of
# an `allocbench sim` run: how each server follows a change in the request mix.
# Variables (gnuplot -e): datafile (TSV blocks as in sim_mrc.gp, first column trace
# seconds), outfile (SVG), nblocks.
set terminal svg size 1100,560 dynamic noenhanced font "sans,11" background rgb "white"
set linetype 9 lc rgb "#7f3b08"
set linetype 10 lc rgb "#2d004b"
set linetype cycle 10
set output outfile
set datafile separator "\t"
set xlabel "trace time (s)"
set ylabel "hit ratio (gets)"
set yrange [0:1]
set title "Hit ratio over trace time"
set grid
set key below horizontal maxcols 2
plot for [i=0:nblocks-1] datafile index i using 1:2 with linespoints pointsize 0.5 \
     title columnheader(2)
