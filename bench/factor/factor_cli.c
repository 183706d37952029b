/* factor_cli.c - `factor_cli ARGS` runs `allocbench factor ARGS` without the rest of
 * the harness, so --sizes works while the harness is built separately. */
#include "factor.h"

int main(int argc, char **argv)
{
    char name[] = "factor";
    argv[0] = name;
    return factor_main(argc, argv);
}
