# The cache simulator (allocbench sim) and the live-server client (allocbench replay).
set(KVBENCH_SIM_SOURCES)
