/* gnuplot.h - running the plot scripts of bench/reports/plots: every SVG allocbench
 * draws goes through gnuplot, started without a shell. */
#ifndef KVBENCH_GNUPLOT_H
#define KVBENCH_GNUPLOT_H

/* 1 when gnuplot is on the PATH. */
int gnuplot_available(void);
/* gnuplot -e VARS SCRIPT; 0 ok, -1 with a line on stderr naming `who` and the script. */
int gnuplot_run(const char *who, const char *script, const char *vars);

#endif /* KVBENCH_GNUPLOT_H */
