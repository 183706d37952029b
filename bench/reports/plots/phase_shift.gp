# phase_shift.gp - held bytes over time in the phase-shift workload, one line per
# configuration: fill with small objects, delete most, fill with large ones.
# Variables (gnuplot -e): datafile (TSV blocks separated by two blank lines, one per
# config; first line of a block "ops<TAB>config name"), outfile (SVG), nblocks,
# fill_end and delete_end (operation counts of the phase boundaries).
set terminal svg size 1100,560 dynamic noenhanced font "sans,11" background rgb "white"
# Nine configurations, eight default colours: one more, so none repeats.
set linetype 9 lc rgb "#7f3b08"
set linetype cycle 9
set output outfile
set datafile separator "\t"
set xlabel "operations"
set ylabel "held (MiB)"
set title "phase-shift: held memory over time (small fill | delete 90% | large fill)"
set grid
set key outside right top vertical
set arrow from fill_end, graph 0 to fill_end, graph 1 nohead dashtype 2 lc rgb "gray40"
set arrow from delete_end, graph 0 to delete_end, graph 1 nohead dashtype 2 lc rgb "gray40"
plot for [i=0:nblocks-1] datafile index i using 1:2 with linespoints pointsize 0.5 \
     title columnheader(2)
