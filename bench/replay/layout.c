/* layout.c - object to allocation mapping for memcached and Redis (see layout.h). */
#include "layout.h"

size_t layout_item_size(size_t key, size_t value)
{
    return LAYOUT_ITEM_HEADER + (key + 1) + (value + 2) + 8;
}

/* sdsReqType: sdshdr5 (1 byte) below 32, sdshdr8 (3) below 256, sdshdr16 (5) below
 * 64 KiB, sdshdr32 (9) below 4 GiB, else sdshdr64 (17).  An empty string gets
 * sdshdr8 because Redis expects it to be appended to. */
size_t layout_sds_size(size_t len)
{
    size_t hdr;
    if (len == 0)
        hdr = 3;
    else if (len < 32)
        hdr = 1;
    else if (len < 256)
        hdr = 3;
    else if (len < 65536)
        hdr = 5;
    else if (len < 0x100000000ULL)
        hdr = 9;
    else
        hdr = 17;
    return hdr + len + 1;
}

void layout_make(layout_kind k, uint32_t key, uint32_t value, layout_blocks *out)
{
    out->n = 0;
    out->key_blocks = 0;
    switch (k) {
    case LAYOUT_RAW:
        out->size[out->n++] = value;
        break;
    case LAYOUT_ITEM:
        out->size[out->n++] = (uint32_t)layout_item_size(key, value);
        break;
    case LAYOUT_REDIS_KV:
        out->size[out->n++] = (uint32_t)layout_sds_size(key);
        out->key_blocks = 1;
        out->size[out->n++] = (uint32_t)layout_sds_size(value);
        break;
    case LAYOUT_REDIS_STRINGS:
        out->size[out->n++] = LAYOUT_DICT_ENTRY;
        out->size[out->n++] = (uint32_t)layout_sds_size(key);
        out->key_blocks = 2;
        if (value <= LAYOUT_EMBSTR_MAX) {
            /* createEmbeddedStringObject: robj and an sdshdr8 in one block */
            out->size[out->n++] = LAYOUT_ROBJ + 3 + value + 1;
        } else {
            out->size[out->n++] = LAYOUT_ROBJ;
            out->size[out->n++] = (uint32_t)layout_sds_size(value);
        }
        break;
    }
}

const char *layout_name(layout_kind k)
{
    switch (k) {
    case LAYOUT_RAW: return "raw";
    case LAYOUT_ITEM: return "item";
    case LAYOUT_REDIS_KV: return "redis";
    case LAYOUT_REDIS_STRINGS: return "redis-strings";
    }
    return "?";
}
