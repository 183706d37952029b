# The two commands: `make test` and `make bench`.  Each installs what is missing
# (Debian packages, with apt-get when run as root), configures, builds and runs.

BUILD_DIR   ?= build
RELEASE_DIR ?= build-release
RESULTS     ?= results
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)

# Everything the build, the tests and the reports use, by Debian package name.
PACKAGES := cmake make gcc g++ pkg-config libc6-dev \
            libjemalloc-dev libbenchmark-dev check \
            memcached gnuplot-nox libmimalloc-dev libgoogle-perftools-dev

.PHONY: all deps build test bench release install clean factor-cachelib

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

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS)

release: deps
	cmake -S . -B $(RELEASE_DIR) -DCMAKE_BUILD_TYPE=Release -DKVALLOC_BUILD_TESTS=OFF \
	      -DKVALLOC_RESULTS_DIR=$(abspath $(RESULTS))
	cmake --build $(RELEASE_DIR) -j$(JOBS)

# The production size distributions the growth-factor advice is also shown on; they
# live beside the project, not in it, and are used when present.
CACHELIB ?= ../shared/data/cachelib
ALLOCBENCH = $(RELEASE_DIR)/bench/allocbench

# The reference run: fragmentation report, growth-factor advice, then throughput.
bench: release
	$(ALLOCBENCH) report --out $(RESULTS)
	$(MAKE) --no-print-directory factor-etc factor-redis-strings factor-cachelib
	cmake --build $(RELEASE_DIR) --target bench_throughput

factor-%: release
	$(ALLOCBENCH) factor --workload $* $(if $(filter etc,$*),--item memcached) \
	    --csv $(RESULTS)/factor_$*.csv --curve-csv $(RESULTS)/factor_$*_curve.csv \
	    --svg $(RESULTS)/factor_$*.svg > $(RESULTS)/factor_$*.txt
	@echo "wrote $(RESULTS)/factor_$*.{txt,csv,svg}"

factor-cachelib: release
	@for f in $(wildcard $(CACHELIB)/*_sizes.csv); do \
	  n=$$(basename $$f _sizes.csv); \
	  $(ALLOCBENCH) factor --sizes $$f --csv $(RESULTS)/factor_$$n.csv \
	      --curve-csv $(RESULTS)/factor_$${n}_curve.csv --svg $(RESULTS)/factor_$$n.svg \
	      > $(RESULTS)/factor_$$n.txt || exit 1; \
	  echo "wrote $(RESULTS)/factor_$$n.{txt,csv,svg}"; \
	done

install: release
	cmake --install $(RELEASE_DIR)

clean:
	rm -rf $(BUILD_DIR) $(RELEASE_DIR)
