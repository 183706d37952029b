# The simulator's engine and built-in request streams (test_sim_engine), through a
# recording preset; the presets have suites of their own.
kvalloc_check_test(test_sim_engine LIBS kvbench TIMEOUT 120)
