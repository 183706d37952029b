/* layout.h - how a key-value store turns one stored object into allocations:
 * memcached's single item, or Redis's separate blocks (dict entry, key sds, robj,
 * value sds with the header its length needs). */
#ifndef KVBENCH_LAYOUT_H
#define KVBENCH_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#define LAYOUT_MAX_BLOCKS 4

typedef enum layout_kind {
    LAYOUT_RAW,           /* one block of the value size: size workloads */
    LAYOUT_ITEM,          /* memcached: 48 + key+1 + value+2 + 8 (CAS on) */
    LAYOUT_REDIS_KV,      /* key sds and value sds, two blocks */
    LAYOUT_REDIS_STRINGS, /* dict entry, key sds, then robj + value sds (or one
                             embstr block for values up to 44 bytes) */
} layout_kind;

/* The blocks of one object.  The first `key_blocks` belong to the key and survive an
 * overwrite (Redis's dbOverwrite keeps the entry and the key sds); the rest are the
 * value. */
typedef struct layout_blocks {
    unsigned n, key_blocks;
    uint32_t size[LAYOUT_MAX_BLOCKS];
} layout_blocks;

#define LAYOUT_ITEM_HEADER 48 /* memcached's sizeof(item) with CAS */
#define LAYOUT_DICT_ENTRY 24  /* Redis 7.0 dictEntry: key, value, next */
#define LAYOUT_ROBJ 16        /* sizeof(robj) */
#define LAYOUT_EMBSTR_MAX 44  /* OBJ_ENCODING_EMBSTR_SIZE_LIMIT */

size_t layout_item_size(size_t key, size_t value);
/* Bytes sdsnewlen allocates for a string of `len` bytes: header + len + 1. */
size_t layout_sds_size(size_t len);
void layout_make(layout_kind k, uint32_t key, uint32_t value, layout_blocks *out);
const char *layout_name(layout_kind k);

#endif /* KVBENCH_LAYOUT_H */
