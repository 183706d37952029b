# efficiency.gp - grouped bars: efficiency (requested / held) at the end of each
# workload, one bar per allocator configuration.
# Variables (gnuplot -e): datafile (TSV: workload, then one column per config),
# outfile (SVG), ncols (columns in datafile).
set terminal svg size 1100,520 dynamic noenhanced font "sans,11" background rgb "white"
set output outfile
set datafile separator "\t"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set yrange [0:1.05]
set ytics 0.1
set grid ytics
set ylabel "efficiency = requested / held"
set title "Memory efficiency per configuration and workload (higher is better)"
set key outside right top vertical
set xtics nomirror rotate by -25
# gnuplot's default palette has 8 colours and the report has 9 configurations:
# give every column its own, so the first and the last bars are not confused.
set linetype 9 lc rgb "#7f3b08"
set linetype 10 lc rgb "#2d004b"
set linetype cycle 10
plot for [i=2:ncols] datafile using i:xtic(1) title columnheader(i)
