/* registry.c - the list of backends a library target was built with.  Compiled once
 * per target (kvalloc_zmalloc, kvalloc_slab, kvalloc) with KVALLOC_WITH_* set, so a
 * program that links one backend's library carries only that backend. */
#include "alloc_impl.h"

const alloc_backend *const alloc_backends[] = {
#ifdef KVALLOC_WITH_ZMALLOC
    &alloc_backend_zmalloc,
#endif
#ifdef KVALLOC_WITH_SLAB
    &alloc_backend_slab,
#endif
    NULL,
};
