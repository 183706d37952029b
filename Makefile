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

.PHONY: all deps build test bench release install clean

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
	cmake -S . -B $(RELEASE_DIR) -DCMAKE_BUILD_TYPE=Release -DKVALLOC_BUILD_TESTS=OFF
	cmake --build $(RELEASE_DIR) -j$(JOBS)

bench: release
	$(RELEASE_DIR)/bench/allocbench report --out $(RESULTS)

install: release
	cmake --install $(RELEASE_DIR)

clean:
	rm -rf $(BUILD_DIR) $(RELEASE_DIR)
