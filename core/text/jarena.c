/* jansson's allocations from a chunk's arena (jarena.h). A record's tree is some hundred small
 * allocations (every object, its hash table, every key and string) and all of a chunk's trees
 * die together when the next chunk takes their slot, so one pointer bump each and one reset
 * replace the hundreds of malloc and free calls that were a quarter of the import's CPU. */
#include "config.h"

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "jarena.h"

#if defined(__SANITIZE_ADDRESS__)
#define JARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define JARENA_ASAN 1
#endif
#endif
#ifdef JARENA_ASAN
#include <sanitizer/asan_interface.h>
/* A value used after its chunk's reset is reported, as a freed malloc block would be. */
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* The arenas' blocks are carved from one reserved range of addresses, so that free (called
 * on any thread, for any value, with no header to read) tells an arena's value from a malloc'd
 * one by its address alone: malloc's values are freed as always, an arena's wait for its
 * reset. 1 GiB of addresses (pages are only backed once touched); when it cannot be had or is
 * used up, values come from malloc as before. */
#define REGION ((size_t)1 << 30)
#define BLOCK ((size_t)256 << 10) /* a chunk's trees take some MB: misses are rare */
#define LARGE (BLOCK / 4)         /* a longer value (a long string) comes from malloc */

struct fk_jarena_block {
	fk_jarena_block *next;
	size_t used; /* bytes of the block, this header included */
};

static unsigned char *region;   /* set once, before any arena hands out a value */
static size_t region_used;      /* under lock */
static fk_jarena_block *unused; /* blocks given back by fk_jarena_free, under lock */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static _Thread_local fk_jarena *current;

static void reserve(void)
{
	void *p = mmap(NULL, REGION, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p != MAP_FAILED) /* poisoned a block at a time as handed out (shadow memory) */
		__atomic_store_n(&region, (unsigned char *)p, __ATOMIC_RELEASE);
}

static int in_region(const void *v)
{
	const unsigned char *r = __atomic_load_n(&region, __ATOMIC_ACQUIRE);
	return r && (const unsigned char *)v >= r && (const unsigned char *)v < r + REGION;
}

/* A block from the free list or the region's unused end; NULL when the region is used up. */
static fk_jarena_block *take_block(void)
{
	fk_jarena_block *b = NULL;
	if (!region || pthread_mutex_lock(&lock) != 0)
		return NULL;
	if (unused) {
		b = unused;
		unused = b->next;
	} else if (REGION - region_used >= BLOCK) {
		b = (fk_jarena_block *)(region + region_used);
		region_used += BLOCK;
		POISON(b, BLOCK);
	}
	(void)pthread_mutex_unlock(&lock); /* a mutex this thread holds: it cannot fail */
	if (b) {
		UNPOISON(b, sizeof *b);
		b->next = NULL;
		b->used = (sizeof *b + 15) & ~(size_t)15;
	}
	return b;
}

static void *arena_alloc(fk_jarena *a, size_t n)
{
	size_t need = (n + 15) & ~(size_t)15;
	fk_jarena_block *b = a->head;
	if (n > LARGE)
		return malloc(n);
	if (!b || BLOCK - b->used < need) {
		if (a->spare) {
			b = a->spare;
			a->spare = b->next;
			b->used = (sizeof *b + 15) & ~(size_t)15;
		} else if (!(b = take_block())) {
			return malloc(n); /* no room: as without an arena */
		} else {
			a->bytes += BLOCK;
		}
		b->next = a->head;
		a->head = b;
	}
	unsigned char *p = (unsigned char *)b + b->used;
	b->used += need;
	UNPOISON(p, n);
	return p;
}

static void *jalloc(size_t n)
{
	return current ? arena_alloc(current, n) : malloc(n);
}

static void jfree(void *v)
{
	if (!in_region(v))
		free(v);
	/* An arena's value: given back at its reset. */
}

/* Before main, so that every value jansson allocates and frees goes through these two; a
 * value of the heap is malloc's own, so json_dumps' strings are still freed with free(). */
__attribute__((constructor)) static void install(void)
{
	json_set_alloc_funcs(jalloc, jfree);
}

void fk_jarena_use(fk_jarena *a)
{
	if (a)
		(void)pthread_once(&once, reserve); /* no region: values from malloc */
	current = a;
}

void fk_jarena_reset(fk_jarena *a)
{
	fk_jarena_block *b = a->head;
	while (b) {
		fk_jarena_block *next = b->next;
		POISON((unsigned char *)b + sizeof *b, BLOCK - sizeof *b);
		b->next = a->spare;
		a->spare = b;
		b = next;
	}
	a->head = NULL;
}

void fk_jarena_free(fk_jarena *a)
{
	fk_jarena_reset(a);
	while (a->spare) {
		fk_jarena_block *b = a->spare;
		a->spare = b->next;
		/* Its pages back to the system (the import's 64 MB), the addresses kept. */
		(void)madvise(b, BLOCK, MADV_DONTNEED); /* advice: nothing to do if refused */
		POISON(b, BLOCK);
		if (pthread_mutex_lock(&lock) == 0) {
			UNPOISON(b, sizeof *b);
			b->next = unused;
			unused = b;
			(void)pthread_mutex_unlock(&lock);
		}
	}
	a->bytes = 0;
}
