/* A chunk's parsed records in one arena: jansson's allocations on this thread taken from it
 * while it is in use, all given back at once (issue 10: malloc and free of the records' JSON
 * trees were the import's largest cost). */
#ifndef FK_TEXT_JARENA_H
#define FK_TEXT_JARENA_H

#include <stddef.h>

typedef struct fk_jarena_block fk_jarena_block;

/* Zeroed: empty. Its blocks are kept across resets (the next chunk reuses them). */
typedef struct fk_jarena {
	fk_jarena_block *head; /* the block being filled; the earlier ones follow it */
	fk_jarena_block *spare; /* emptied by a reset, reused before anything is malloc'd */
	size_t bytes;           /* malloc'd for its blocks: what it holds of the heap */
} fk_jarena;

/* From now on this thread's jansson allocations come from a (NULL: from malloc again).
 * Freeing a value from the arena, on any thread, gives nothing back; values from malloc are
 * freed as always, so a tree may mix both (a value added to a parsed one later). Only the
 * thread that set an arena allocates from it. While one is in use, call nothing that hands
 * back memory to be freed with free() (json_dumps): only loading and reading values. */
void fk_jarena_use(fk_jarena *a);

/* Every value allocated from a is dead: its memory is reused. The caller has released (or
 * dropped) every reference into it; under AddressSanitizer a use afterwards is reported. */
void fk_jarena_reset(fk_jarena *a);

/* Its blocks given back to the heap (a emptied). */
void fk_jarena_free(fk_jarena *a);

#endif
