#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_alloc (corpus/slab, corpus/zmalloc): a few short,
readable operation sequences per configuration.  Format in fuzz_alloc.c's header."""
import os
import random

MALLOC, CALLOC, REALLOC, FREE, FREE_SIZED, USABLE, CHECK, BAD = range(8)
S256, S4K, S64K, SLARGE = (0 << 3, 1 << 3, 2 << 3, 3 << 3)


def op(kind, slot, size=0, scale=S256, arg=0):
    return bytes([kind | scale | (arg << 5), slot, size & 0xFF, (size >> 8) & 0xFF])


def sequences():
    # Fill slots with small blocks, check, free half sized, resize the rest, free.
    basic = [op(MALLOC, s, 17 * s, S4K) for s in range(16)]
    basic += [op(CHECK, 0)] + [op(FREE_SIZED, s) for s in range(0, 16, 2)]
    basic += [op(REALLOC, s, 900 + s, S4K) for s in range(1, 16, 2)]
    basic += [op(FREE, s) for s in range(16)]
    # Large blocks, calloc with a count, realloc across the large threshold, SIZE_MAX.
    large = [op(MALLOC, 0, 9000, SLARGE), op(CALLOC, 1, 4000, S4K, arg=3),
             op(REALLOC, 2, 100, S256), op(REALLOC, 2, 20000, SLARGE),
             op(REALLOC, 2, 50, S256), op(MALLOC, 3, 0xFFFF, SLARGE),
             op(REALLOC, 0, 0xFFFF, SLARGE), op(USABLE, 0, 0xFFFF, SLARGE),
             op(CHECK, 0), op(REALLOC, 1, 0), op(FREE, 0), op(FREE, 2)]
    # Bad calls: interior pointers and second frees through each entry point.
    bad = [op(MALLOC, s, 200, S256) for s in range(4)]
    bad += [op(FREE, 0), op(BAD, 1, arg=1), op(BAD, 2, arg=0), op(BAD, 3, arg=3),
            op(BAD, 1, arg=2), op(BAD, 1, arg=4), op(BAD, 2, arg=6), op(BAD, 3, arg=7)]
    # Toward the limits of the limited configurations.
    fill = [op(MALLOC, s, 60000, S64K) for s in range(32)]
    fill += [op(FREE, s) for s in range(0, 32, 3)] + [op(CALLOC, 5, 60000, S64K)]
    rng = random.Random(1)
    rand = [bytes([rng.randrange(256) for _ in range(4)]) for _ in range(200)]
    return {"basic": basic, "large": large, "bad": bad, "fill": fill, "random": rand}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    for backend, nconf in (("slab", 4), ("zmalloc", 6)):
        out = os.path.join(here, "corpus", backend)
        os.makedirs(out, exist_ok=True)
        for name, ops in sequences().items():
            for conf in range(nconf):
                with open(os.path.join(out, f"{name}-{conf}"), "wb") as f:
                    f.write(bytes([conf]) + b"".join(ops))


if __name__ == "__main__":
    main()
