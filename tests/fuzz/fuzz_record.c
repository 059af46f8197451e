/* libFuzzer harness: one record line through fk_record_parse; an accepted record's canonical line
 * must parse to the same record, a refusal's detail must be display-safe (R-BATCH-PROTO). */
#include "config.h"

#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "disp.h"
#include "norm.h"
#include "package.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The detail goes to consoles and receipts: valid UTF-8 that the sanitiser leaves as it is. */
static void check_detail(const char *d)
{
	char again[256];
	if (!fk_utf8_valid(d, strlen(d)))
		abort();
	fk_disp_clean(d, again, sizeof again);
	if (strcmp(d, again))
		abort();
}

static int same_json(const json_t *a, const json_t *b)
{
	return (!a && !b) || (a && b && json_equal(a, b));
}

/* The second parse must give the first record back: every field, and the same canonical line. */
static void check_same(const fk_pkg_record *a, const fk_pkg_record *b)
{
	if (a->type != b->type || a->kind != b->kind || strcmp(a->ref, b->ref) ||
	    strcmp(a->changed_by, b->changed_by) || strcmp(a->reason, b->reason) ||
	    strcmp(a->date, b->date) || strcmp(a->doc_type, b->doc_type) ||
	    !same_json(a->content, b->content) || !same_json(a->entry, b->entry))
		abort();
}

static void round_trip(const fk_pkg_record *r)
{
	fk_pkg_record again;
	fk_reject why;
	fk_error err;
	char detail[256], *one, *two;
	size_t n1, n2;
	if (fk_record_dump(r, &one, &n1, &err) != FK_OK)
		abort();
	if (fk_record_parse(one, n1, &again, &why, detail, sizeof detail, &err) != FK_OK ||
	    why != FK_REJECT_NONE)
		abort();
	check_same(r, &again);
	if (fk_record_dump(&again, &two, &n2, &err) != FK_OK || n1 != n2 || memcmp(one, two, n1))
		abort();
	fk_record_clear(&again);
	free(one);
	free(two);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	fk_pkg_record r;
	fk_reject why;
	fk_error err;
	char detail[256];
	if (!ready)
		ready = setlocale(LC_ALL, "C.UTF-8") != NULL;
	if (fk_record_parse((const char *)data, size, &r, &why, detail, sizeof detail, &err) != FK_OK)
		return 0; /* out of memory: libFuzzer's malloc limit */
	check_detail(detail);
	/* The parser decides only the first group of reasons; the rest are the import's. */
	if (why > FK_REJECT_GAIJI)
		abort();
	if (why == FK_REJECT_NONE)
		round_trip(&r);
	else if (r.content || r.entry || r.type)
		abort();
	fk_record_clear(&r);
	return 0;
}
