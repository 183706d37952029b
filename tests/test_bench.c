/* test_bench.c - the allocbench harness's Check suites: the accounting identity and
 * class rounding (test_bench_identity.c), and its inputs (test_bench_inputs.c). */
#include <check.h>
#include <stdlib.h>

Suite *bench_identity_suite(void);
Suite *bench_inputs_suite(void);

int main(void)
{
    SRunner *sr = srunner_create(bench_inputs_suite());
    srunner_add_suite(sr, bench_identity_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
