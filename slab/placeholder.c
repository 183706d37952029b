/* placeholder until the backend lands: replace this file */
#include "alloc_impl.h"
static void ph_defaults(alloc_config *cfg) { (void)cfg; }
static alloc_status ph_check(const alloc_config *cfg, char *msg, size_t len)
{ (void)cfg; return alloc_config_error(msg, len, "backend not built yet"); }
const alloc_backend alloc_backend_slab = { .name = "slab", .defaults = ph_defaults, .check_config = ph_check };
