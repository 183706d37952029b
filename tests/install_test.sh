#!/usr/bin/env bash
# Installs the build into a scratch prefix, then builds outside programs the two ways
# a user would: with the pkg-config files (one per installed library) and with
# find_package(kvalloc).
# Usage: install_test.sh <build-dir> <source-dir>
set -euo pipefail
build=$1 src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(find "$prefix" -name kvalloc.pc -printf '%h\n' | head -n 1)
[ -n "$libdir" ] || { echo "kvalloc.pc was not installed" >&2; exit 1; }
export PKG_CONFIG_PATH=$libdir

echo "== pkg-config kvalloc: both backends"
cc -std=c11 -Wall -Werror -o "$work/both" "$src/examples/switch_backend.c" \
   $(pkg-config --cflags --libs kvalloc)
"$work/both" slab
"$work/both" zmalloc

echo "== pkg-config kvalloc_slab: one backend, the other is refused by name"
cc -std=c11 -Wall -Werror -o "$work/slab_only" "$src/examples/switch_backend.c" \
   $(pkg-config --cflags --libs kvalloc_slab)
"$work/slab_only" slab
if "$work/slab_only" zmalloc 2>"$work/err"; then
  echo "a slab-only program accepted the zmalloc backend" >&2; exit 1
fi
grep -q 'unknown backend' "$work/err"
if nm "$work/slab_only" | grep -q ' mallocx$'; then
  echo "a slab-only program links jemalloc" >&2; exit 1
fi

echo "== pkg-config kvalloc_redis: a program that uses only Redis's names"
# The example exits non-zero unless used_memory is back to 0 after every free.
cc -std=c11 -Wall -Werror -o "$work/redis_names" "$src/examples/redis_names.c" \
   $(pkg-config --cflags --libs kvalloc_redis)
"$work/redis_names" >"$work/redis_out"
grep -q '^used_memory:0$' "$work/redis_out"

echo "== every installed library has its pkg-config file"
for a in $(find "$prefix" -name 'libkvalloc*.a'); do
  lib=$(basename "$a" .a)
  lib=${lib#lib}
  pkg-config --exists "$lib" || { echo "$lib is installed without $lib.pc" >&2; exit 1; }
done

echo "== alloc_api.h's inline block calls in each dialect, against the installed library"
for flags in "-std=c99 -pedantic" "-std=gnu89" "-std=c11 -DALLOC_NO_INLINE" "-std=c11 -O2"; do
  cc $flags -Wall -Werror -o "$work/inline" "$src/tests/install_consumer/inline_calls.c" \
     $(pkg-config --cflags --libs kvalloc)
  "$work/inline"
done
c++ -x c++ -std=c++17 -Wall -Werror -o "$work/inline_cxx" \
    "$src/tests/install_consumer/inline_calls.c" $(pkg-config --cflags --libs kvalloc)
"$work/inline_cxx"

echo "== find_package(kvalloc)"
cmake -S "$src/tests/install_consumer" -B "$work/consumer" \
      -DCMAKE_PREFIX_PATH="$prefix" -DEXAMPLE_SOURCE="$src/examples/switch_backend.c" \
      -DREDIS_EXAMPLE_SOURCE="$src/examples/redis_names.c" >/dev/null
cmake --build "$work/consumer" >/dev/null
"$work/consumer/consumer" zmalloc
"$work/consumer/consumer" slab
"$work/consumer/redis_consumer" >/dev/null
echo "install test passed"
