# The two commands: `make test` and `make bench`.  Each installs what is missing
# (Debian packages, with apt-get when run as root), configures, builds and runs.

BUILD_DIR   ?= build
RELEASE_DIR ?= build-release
ASAN_DIR    ?= build-asan
TSAN_DIR    ?= build-tsan
FUZZ_DIR    ?= build-fuzz
FUZZ_SECONDS ?= 45
RESULTS     ?= results
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)

# Everything the build, the tests and the reports use, by Debian package name.
PACKAGES := cmake make gcc g++ pkg-config libc6-dev \
            libjemalloc-dev libbenchmark-dev check \
            memcached redis-server gnuplot-nox libmimalloc-dev libgoogle-perftools-dev \
            clang libclang-rt-14-dev valgrind

.PHONY: all deps build test test-debug test-asan test-tsan fuzz bench release install clean factor-cachelib sim-report sim-vs-real

all: build

deps:
	@missing=""; \
	for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' \
	    || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "missing Debian packages:$$missing" >&2; \
	    echo "install them with: sudo apt-get install$$missing" >&2; \
	    exit 1; \
	  fi; \
	fi

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Debug -DALLOC_WERROR=ON
	cmake --build $(BUILD_DIR) -j$(JOBS)

# Every step must pass, in this order; each ends with ctest's summary line.
#  test-debug  the whole suite, Debug build, plus Valgrind memcheck of the conformance
#              suite (label valgrind; sizes cut by KVALLOC_TEST_QUICK under Valgrind)
#  test-asan   the whole suite under AddressSanitizer + UndefinedBehaviorSanitizer
#              (LeakSanitizer included), any report fatal
#  test-tsan   the thread tests (label thread) under ThreadSanitizer, CK_FORK=no
#              (TSan misreads jemalloc's mutexes re-made in a forked child)
#  fuzz        libFuzzer (clang) on each backend for FUZZ_SECONDS
test: test-debug test-asan test-tsan fuzz

test-debug: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS)

# Sanitizer reports abort the test (halt_on_error, -fno-sanitize-recover=all), so they
# fail ctest; Check's fork mode runs each case in its own child, LeakSanitizer included.
SAN_ENV := ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1 \
           UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
           TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$(CURDIR)/tests/tsan.supp

test-asan: deps
	cmake -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=Debug -DALLOC_SANITIZE="address;undefined"
	cmake --build $(ASAN_DIR) -j$(JOBS)
	cd $(ASAN_DIR) && $(SAN_ENV) ctest --output-on-failure -j$(JOBS)

TSAN_TARGETS := test_conformance test_reliability test_slab test_zmalloc
test-tsan: deps
	cmake -S . -B $(TSAN_DIR) -DCMAKE_BUILD_TYPE=Debug -DALLOC_SANITIZE=thread \
	      -DKVALLOC_BUILD_BENCH=OFF
	cmake --build $(TSAN_DIR) -j$(JOBS) --target $(TSAN_TARGETS)
	cd $(TSAN_DIR) && CK_FORK=no $(SAN_ENV) ctest --output-on-failure -j$(JOBS) -L thread

# libFuzzer needs clang; the libraries in this build are clang + ASan + UBSan too.
fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_DIR) -DCMAKE_BUILD_TYPE=Debug \
	      -DALLOC_SANITIZE="address;undefined" -DKVALLOC_BUILD_BENCH=OFF \
	      -DKVALLOC_FUZZ=ON -DKVALLOC_FUZZ_SECONDS=$(FUZZ_SECONDS)
	cmake --build $(FUZZ_DIR) -j$(JOBS) --target fuzz_alloc
	cd $(FUZZ_DIR) && $(SAN_ENV) ctest --output-on-failure -j$(JOBS) -L fuzz

release: deps
	cmake -S . -B $(RELEASE_DIR) -DCMAKE_BUILD_TYPE=Release -DKVALLOC_BUILD_TESTS=OFF \
	      -DKVALLOC_RESULTS_DIR=$(abspath $(RESULTS))
	cmake --build $(RELEASE_DIR) -j$(JOBS)

# The production size distributions the growth-factor advice is also shown on. They
# are not part of the project: used when present, in KVALLOC_DATA_DIR (the same
# variable the tests read), by default beside the source tree.
KVALLOC_DATA_DIR ?= ../shared/data/cachelib
CACHELIB ?= $(KVALLOC_DATA_DIR)
ALLOCBENCH = $(RELEASE_DIR)/bench/allocbench

# The reference run: fragmentation report, growth-factor advice, throughput, then the
# simulator against the real servers.
bench: release
	$(ALLOCBENCH) report --out $(RESULTS)
	$(MAKE) --no-print-directory factor-etc factor-redis-strings factor-cachelib
	cmake --build $(RELEASE_DIR) --target bench_throughput
	$(MAKE) --no-print-directory sim-report
	$(MAKE) --no-print-directory sim-vs-real

# Hit ratio at equal memory: miss-ratio curves of both styles on built-in streams and the
# shipped sample trace, under both budgets (own: what each server counts; held: what the
# allocator holds), then a phase shift's hit ratio over time with memcached's automove
# on and off.  Appends its verdict to results/README.md (written by `report` above).
SIM_CONFIGS := --config memcached --config memcached:lru=flat \
               --config redis:policy=allkeys-lru --config redis:policy=allkeys-lfu
SIM_STREAMS := --workload zipf:0.9,keys=500k --workload zipf:0.7,keys=200k,values=100-2000
sim-report: release
	@mkdir -p $(RESULTS) && rm -f $(RESULTS)/sim.csv $(RESULTS)/sim_timeline.csv
	@# a second run replaces the sections the first one appended (they come last)
	@[ ! -f $(RESULTS)/README.md ] || sed -i '/^### Hit ratio at equal memory/,$$d' $(RESULTS)/README.md
	@for b in own held; do \
	  $(ALLOCBENCH) sim $(SIM_STREAMS) $(SIM_CONFIGS) --memory 4m:256m:16 --budget $$b \
	      --quiet --csv $(RESULTS)/sim_$$b.csv --svg $(RESULTS)/sim_mrc_$$b.svg \
	      --readme $(RESULTS)/README.md \
	      --title "Hit ratio at equal memory: built-in streams, budget $$b" || exit 1; \
	  $(ALLOCBENCH) sim --trace bench/data/sample_trace.csv $(SIM_CONFIGS) \
	      --memory 1m:2m:6 --budget $$b --quiet --csv $(RESULTS)/sim_sample_$$b.csv \
	      --svg $(RESULTS)/sim_mrc_sample_$$b.svg --readme $(RESULTS)/README.md \
	      --title "Hit ratio at equal memory: the sample trace, budget $$b" || exit 1; \
	done
	$(ALLOCBENCH) sim --workload phase-shift:0.9,keys=200k,values=100-200,shift_values=2000-2200 \
	    --requests 2m --memory 32m \
	    --config memcached --config memcached:automove=0 --config redis:policy=allkeys-lru \
	    --quiet --csv $(RESULTS)/sim_shift.csv --timeline-csv $(RESULTS)/sim_timeline.csv \
	    --timeline-svg $(RESULTS)/sim_timeline.svg
	@{ head -n 1 $(RESULTS)/sim_own.csv; for f in own held sample_own sample_held shift; do \
	     tail -n +2 $(RESULTS)/sim_$$f.csv; done; } > $(RESULTS)/sim.csv
	@rm -f $(RESULTS)/sim_own.csv $(RESULTS)/sim_held.csv $(RESULTS)/sim_sample_*.csv \
	    $(RESULTS)/sim_shift.csv
	@echo "wrote $(RESULTS)/sim.csv, sim_mrc_*.svg, sim_timeline.{csv,svg}"

# Traces replayed, paced, on memcached and Redis (started on 127.0.0.1 and stopped by
# the script) and simulated: results/sim_vs_real.csv, both sides row by row (about 5
# minutes; the traces stay in the build directory).
sim-vs-real: release
	bash bench/client/sim_vs_real.sh $(ALLOCBENCH) $(RESULTS)/sim_vs_real.csv \
	    $(RELEASE_DIR)/sim_vs_real

factor-%: release
	$(ALLOCBENCH) factor --workload $* $(if $(filter etc,$*),--item memcached) \
	    --csv $(RESULTS)/factor_$*.csv --curve-csv $(RESULTS)/factor_$*_curve.csv \
	    --svg $(RESULTS)/factor_$*.svg > $(RESULTS)/factor_$*.txt
	@echo "wrote $(RESULTS)/factor_$*.{txt,csv,svg}"

factor-cachelib: release
	@set -- $(wildcard $(CACHELIB)/*_sizes.csv); \
	[ $$# -gt 0 ] || echo "skipping the CacheLib growth-factor advice:" \
	    "no *_sizes.csv in $(CACHELIB) (set KVALLOC_DATA_DIR=DIR)"; \
	for f in "$$@"; do \
	  n=$$(basename $$f _sizes.csv); \
	  $(ALLOCBENCH) factor --sizes $$f --csv $(RESULTS)/factor_$$n.csv \
	      --curve-csv $(RESULTS)/factor_$${n}_curve.csv --svg $(RESULTS)/factor_$$n.svg \
	      > $(RESULTS)/factor_$$n.txt || exit 1; \
	  echo "wrote $(RESULTS)/factor_$$n.{txt,csv,svg}"; \
	done

install: release
	cmake --install $(RELEASE_DIR)

clean:
	rm -rf $(BUILD_DIR) $(RELEASE_DIR) $(ASAN_DIR) $(TSAN_DIR) $(FUZZ_DIR)
