/* commands.h - the subcommands of allocbench; each takes argv with argv[0] the
 * command's name and returns the process exit status (0 ok, 1 failure, 2 usage). */
#ifndef KVBENCH_COMMANDS_H
#define KVBENCH_COMMANDS_H

int frag_main(int argc, char **argv);
int classes_main(int argc, char **argv);
int report_main(int argc, char **argv);
int gen_trace_main(int argc, char **argv);
int sim_main(int argc, char **argv);
int replay_main(int argc, char **argv);

#endif /* KVBENCH_COMMANDS_H */
