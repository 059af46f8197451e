/* Unit tests: sorting sort keys in bounded memory (core/store/ordersort.h; issue 10,
 * R-CURRENT): the order a list has (the key's bytes, then the id) whether it fits in memory or
 * goes through sealed runs in a temporary file, and no trace of the file left behind. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fktest.h"
#include "crypto.h"
#include "ordersort.h"
#include "tagsort.h"

typedef struct pair {
	int64_t id;
	char key[40];
} pair;

static int pair_cmp(const void *a, const void *b)
{
	const pair *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : (x->id > y->id) - (x->id < y->id);
}

static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	ck_assert_ptr_nonnull(d);
	for (struct dirent *e; (e = readdir(d));)
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

/* n pairs with keys from a small alphabet (many equal keys: ties go by id), sorted with mem
 * bytes; the runs it needed in *runs. */
static void sort_and_compare(size_t n, size_t mem, int *runs)
{
	fk_error err;
	char dir[] = "/tmp/fk-ordersort.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	pair *v = calloc(n, sizeof *v);
	ck_assert_ptr_nonnull(v);
	fk_ordersort *o;
	ck_assert_ok(fk_ordersort_new(dir, mem, &o, &err), &err);
	srand(7);
	for (size_t i = 0; i < n; i++) {
		v[i].id = (int64_t)(n - i) * 3 + rand() % 3; /* ids not in order either */
		int len = 1 + rand() % 30;
		for (int j = 0; j < len; j++)
			v[i].key[j] = (char)("\x01\x02" "aiueoかき"[rand() % 10]);
		v[i].key[len] = '\0';
		ck_assert_ok(fk_ordersort_add(o, v[i].id, v[i].key, strlen(v[i].key), &err), &err);
	}
	ck_assert_uint_eq(fk_ordersort_count(o), n);
	qsort(v, n, sizeof *v, pair_cmp);
	size_t at = 0, got;
	int64_t ids[333];
	do {
		ck_assert_ok(fk_ordersort_next(o, ids, 333, &got, &err), &err);
		for (size_t i = 0; i < got; i++, at++)
			ck_assert_int_eq(ids[i], v[at].id);
	} while (got == 333);
	ck_assert_uint_eq(at, n);
	/* the runs' file has no name: nothing in the folder, before or after */
	ck_assert_int_eq(entries(dir), 0);
	*runs = fk_ordersort_runs(o);
	ck_assert_int_eq(fk_ordersort_add(o, 1, "x", 1, &err), FK_ERR_USAGE);
	fk_ordersort_free(o);
	ck_assert_int_eq(entries(dir), 0);
	rmdir(dir);
	free(v);
}

START_TEST(a_sort_in_memory_gives_the_lists_order)
{
	int runs;
	sort_and_compare(5000, (size_t)8 << 20, &runs);
	ck_assert_int_eq(runs, 0);
}
END_TEST

START_TEST(a_sort_beyond_its_memory_merges_sealed_runs_to_the_same_order)
{
	int runs;
	/* 64 KB for 20,000 pairs of about 40 bytes: a dozen runs or more */
	sort_and_compare(20000, 64 * 1024, &runs);
	ck_assert_int_gt(runs, 10);
}
END_TEST

START_TEST(a_key_with_a_nul_or_too_long_is_refused)
{
	fk_error err;
	fk_ordersort *o;
	static char big[40000];
	memset(big, 'a', sizeof big);
	ck_assert_ok(fk_ordersort_new("/tmp", 1 << 20, &o, &err), &err);
	ck_assert_int_eq(fk_ordersort_add(o, 1, "a\0b", 3, &err), FK_ERR_INVALID);
	ck_assert_int_eq(fk_ordersort_add(o, 1, big, sizeof big, &err), FK_ERR_INVALID);
	fk_ordersort_free(o);
}
END_TEST

/* Search tags (tagsort.h) sorted as the index orders them, (tag, id), in memory and beyond it
 * through runs in a file that leaves nothing in the folder; every pair comes out once. */
static int tag_cmp(const void *a, const void *b)
{
	return memcmp(a, b, FK_BLIND_LEN + 8);
}

static void tags_sorted(size_t n, size_t mem, int want_runs)
{
	fk_error err;
	char dir[] = "/tmp/fk-tagsort.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	uint8_t(*v)[FK_BLIND_LEN + 8] = calloc(n, sizeof *v);
	ck_assert_ptr_nonnull(v);
	fk_tagsort *o;
	ck_assert_ok(fk_tagsort_new(dir, mem, &o, &err), &err);
	srand(11);
	for (size_t i = 0; i < n; i++) {
		/* few distinct tags: many equal ones, ordered by id (big-endian below) */
		memset(v[i], 0, sizeof v[i]);
		v[i][0] = (uint8_t)(rand() % 7);
		v[i][FK_BLIND_LEN - 1] = (uint8_t)(rand() % 3);
		int64_t id = rand() % 100000 + 1;
		for (int b = 0; b < 8; b++)
			v[i][FK_BLIND_LEN + b] = (uint8_t)((uint64_t)id >> (56 - 8 * b));
		ck_assert_ok(fk_tagsort_add(o, v[i], id, &err), &err);
	}
	qsort(v, n, sizeof *v, tag_cmp);
	for (size_t i = 0; i <= n; i++) {
		uint8_t tag[FK_BLIND_LEN];
		int64_t id, want = 0;
		int got;
		ck_assert_ok(fk_tagsort_next(o, tag, &id, &got, &err), &err);
		ck_assert_int_eq(got, i < n);
		if (i == n)
			break;
		for (int b = 0; b < 8; b++)
			want = want << 8 | v[i][FK_BLIND_LEN + b];
		ck_assert_int_eq(memcmp(tag, v[i], FK_BLIND_LEN), 0);
		ck_assert_int_eq(id, want);
	}
	ck_assert_int_eq(fk_tagsort_count(o), n);
	ck_assert_int_eq(fk_tagsort_runs(o) > 0, want_runs);
	ck_assert_int_eq(entries(dir), 0);
	fk_tagsort_free(o);
	free(v);
	ck_assert_int_eq(rmdir(dir), 0);
}

START_TEST(tags_sort_as_the_index_orders_them_in_memory_and_through_runs)
{
	tags_sorted(5000, 1 << 20, 0);
	tags_sorted(50000, 24 * 1024, 1); /* 1,024 pairs a run: some 49 runs */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ordersort");
	TCase *tc = tcase_create("sort");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, a_sort_in_memory_gives_the_lists_order);
	tcase_add_test(tc, a_sort_beyond_its_memory_merges_sealed_runs_to_the_same_order);
	tcase_add_test(tc, a_key_with_a_nul_or_too_long_is_refused);
	tcase_add_test(tc, tags_sort_as_the_index_orders_them_in_memory_and_through_runs);
	suite_add_tcase(s, tc);
	return fkt_run(s);
}
