/* Unit tests for the synthetic register generator and its PRNG (core/demo/demo_gen.c). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo_gen.h"

#define TODAY "2026-11-01"

static fk_names names;

static void load_names(void)
{
	const char *top = getenv("FK_TOP_SRCDIR");
	char path[4096];
	fk_error err;
	snprintf(path, sizeof path, "%s/data/gimei-names.yml", top && *top ? top : ".");
	ck_assert_msg(fk_names_load(path, &names, &err) == FK_OK, "%s", err.msg);
}

static void free_names(void)
{
	fk_names_free(&names);
}

static const fk_demo_place places[] = {
	{"東京都", "千代田区"},
	{"北海道", "札幌市 中央区"},
	{"沖縄県", "那覇市"},
	{"大阪府", "大阪市北区"},
};
#define N_PLACES (sizeof places / sizeof places[0])

/* The next register as demo.c draws it: a place, a kind (15% 除籍), content. */
static json_t *next(fk_rng *rng, fk_reg_kind *kind_out, const fk_demo_place **place_out)
{
	const fk_demo_place *pl = &places[fk_rng_below(rng, N_PLACES)];
	fk_reg_kind kind = fk_rng_below(rng, 100) < 15 ? FK_KIND_JOSEKI : FK_KIND_KOSEKI;
	json_t *doc;
	fk_error err;
	ck_assert_msg(fk_demo_register(rng, &names, pl, kind, &doc, &err) == FK_OK, "%s", err.msg);
	if (kind_out)
		*kind_out = kind;
	if (place_out)
		*place_out = pl;
	return doc;
}

static char *dump(const json_t *doc)
{
	char *out;
	size_t len;
	fk_error err;
	ck_assert_int_eq(fk_register_dump(doc, &out, &len, &err), FK_OK);
	return out;
}

START_TEST(test_rng)
{
	fk_rng a, b;
	fk_rng_seed(&a, 1);
	fk_rng_seed(&b, 1);
	for (int i = 0; i < 100; i++)
		ck_assert(fk_rng_next(&a) == fk_rng_next(&b));
	fk_rng_seed(&b, 2);
	ck_assert(fk_rng_next(&a) != fk_rng_next(&b));
	ck_assert(fk_rng_below(&a, 0) == 0);
	ck_assert(fk_rng_below(&a, 1) == 0);
	int hist[6] = {0};
	for (int i = 0; i < 60000; i++) {
		uint64_t v = fk_rng_below(&a, 6);
		ck_assert(v < 6);
		hist[v]++;
	}
	for (int i = 0; i < 6; i++)
		ck_assert_msg(hist[i] > 9000 && hist[i] < 11000, "bucket %d: %d", i, hist[i]);
	/* Seed 0 is fine too (splitmix64 never leaves xoshiro all-zero). */
	fk_rng_seed(&a, 0);
	ck_assert(fk_rng_next(&a) != 0 || fk_rng_next(&a) != 0);
}
END_TEST

START_TEST(test_deterministic)
{
	fk_rng a, b;
	fk_rng_seed(&a, 20261101);
	fk_rng_seed(&b, 20261101);
	for (int i = 0; i < 1000; i++) {
		json_t *da = next(&a, NULL, NULL), *db = next(&b, NULL, NULL);
		char *sa = dump(da), *sb = dump(db);
		ck_assert_str_eq(sa, sb);
		if (i < 300) { /* the canonical form is json_dumps' */
			char *j = json_dumps(da, JSON_COMPACT | JSON_SORT_KEYS);
			ck_assert_ptr_nonnull(j);
			ck_assert_str_eq(sa, j);
			free(j);
		}
		free(sa);
		free(sb);
		json_decref(da);
		json_decref(db);
	}
}
END_TEST

START_TEST(test_seeds_differ)
{
	fk_rng a, b;
	fk_rng_seed(&a, 1);
	fk_rng_seed(&b, 2);
	int same = 0;
	for (int i = 0; i < 20; i++) {
		json_t *da = next(&a, NULL, NULL), *db = next(&b, NULL, NULL);
		char *sa = dump(da), *sb = dump(db);
		same += strcmp(sa, sb) == 0;
		free(sa);
		free(sb);
		json_decref(da);
		json_decref(db);
	}
	ck_assert_int_eq(same, 0);
}
END_TEST

/* ---- consistency checks on one document ---- */

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* "YYYY-MM-DD" plus n years, as text (29 February compares correctly as text). */
static void plus_years(const char *date, int n, char out[11])
{
	int y = atoi(date);
	snprintf(out, 11, "%04d%s", (y + n) % 10000, date + 4);
}

static int looks_like_date(const char *s)
{
	return strlen(s) == 10 && s[4] == '-' && s[7] == '-' && s[0] >= '0' && s[0] <= '9';
}

typedef struct tally {
	long registers, persons, events, jiko;
} tally;

static void check_event(const json_t *e, const char *birth, const char *who)
{
	const char *date = str(e, "date"), *key;
	const json_t *v;
	ck_assert_msg(strcmp(date, TODAY) <= 0, "%s: %s after today", who, date);
	if (birth)
		ck_assert_msg(strcmp(date, birth) >= 0, "%s: event %s before birth %s", who, date,
			      birth);
	json_object_foreach(json_object_get(e, "detail"), key, v) {
		const char *s = json_string_value(v);
		ck_assert_ptr_nonnull(s);
		if (!looks_like_date(s))
			continue;
		ck_assert_msg(strcmp(s, TODAY) <= 0, "%s: %s %s after today", who, key, s);
		if (!strcmp(key, "届出日"))
			ck_assert_msg(strcmp(s, date) >= 0, "%s: 届出日 %s before %s", who, s, date);
	}
}

static void check_person(const json_t *p, size_t idx, const json_t *persons, tally *t)
{
	const char *birth = str(p, "birth");
	const json_t *events = json_object_get(p, "events"), *e;
	size_t i, n = json_array_size(events);
	char who[32];
	snprintf(who, sizeof who, "persons[%zu]", idx);
	ck_assert(strcmp(birth, TODAY) <= 0);
	const char *prev = "";
	json_array_foreach(events, i, e) {
		check_event(e, birth, who);
		ck_assert_msg(strcmp(str(e, "date"), prev) >= 0, "%s: events out of order", who);
		prev = str(e, "date");
		/* Death is the last thing that happens to anyone, and removes them. */
		if (!strcmp(str(e, "type"), "死亡")) {
			ck_assert_uint_eq(i, n - 1);
			ck_assert(json_is_true(json_object_get(p, "removed")));
		}
	}
	/* Children and adoptees (after the couple) were born to parents of 18 or more. */
	if (idx >= 2) {
		for (size_t k = 0; k < 2; k++) {
			char adult[11];
			plus_years(str(json_array_get(persons, k), "birth"), 18, adult);
			ck_assert_msg(strcmp(birth, adult) >= 0, "%s born %s, parent 18 on %s", who,
				      birth, adult);
		}
	}
	t->persons++;
	t->events += (long)n;
}

static int has_jiko(const json_t *doc, const char *type, const json_t **found)
{
	const json_t *e;
	size_t i;
	json_array_foreach(json_object_get(doc, "jiko"), i, e)
		if (!strcmp(str(e, "type"), type)) {
			if (found)
				*found = e;
			return 1;
		}
	return 0;
}

/* The latest date written anywhere in the document. */
static const char *latest_date(const json_t *doc)
{
	const char *latest = "";
	const json_t *p, *e, *v;
	size_t i, j;
	const char *key;
	json_array_foreach(json_object_get(doc, "persons"), i, p)
		json_array_foreach(json_object_get(p, "events"), j, e) {
			if (strcmp(str(e, "date"), latest) > 0)
				latest = str(e, "date");
			json_object_foreach(json_object_get(e, "detail"), key, v)
				if (looks_like_date(json_string_value(v)) &&
				    strcmp(json_string_value(v), latest) > 0)
					latest = json_string_value(v);
		}
	return latest;
}

static void check_doc(const json_t *doc, fk_reg_kind kind, const fk_demo_place *pl, tally *t)
{
	fk_error err;
	ck_assert_msg(fk_register_validate(doc, &err) == FK_OK, "%s", err.msg);
	const json_t *persons = json_object_get(doc, "persons"), *p, *e;
	size_t i;
	json_array_foreach(persons, i, p)
		check_person(p, i, persons, t);
	const char *prev = "";
	json_array_foreach(json_object_get(doc, "jiko"), i, e) {
		check_event(e, NULL, "jiko");
		ck_assert_msg(strcmp(str(e, "date"), prev) >= 0, "jiko out of order");
		prev = str(e, "date");
		t->jiko++;
	}
	t->events += (long)json_array_size(json_object_get(doc, "jiko"));
	t->registers++;
	ck_assert(has_jiko(doc, "編製", NULL));
	/* 本籍: the place (without the space of "札幌市 中央区"), a town, 丁目, 番地. */
	const char *honseki = fk_register_honseki(doc);
	ck_assert_ptr_nonnull(strstr(honseki, pl->pref_name));
	ck_assert_ptr_nonnull(strstr(honseki, "丁目"));
	ck_assert_ptr_nonnull(strstr(honseki, "番地"));
	ck_assert_ptr_null(strchr(honseki, ' '));
	/* 筆頭者: "氏　名" and "うじ な", the head listed first. */
	const char *head = fk_register_head_name(doc), *reading = fk_register_head_reading(doc);
	ck_assert_ptr_nonnull(strstr(head, "\xE3\x80\x80"));
	ck_assert_ptr_nonnull(strchr(reading, ' '));
	const char *given = strstr(head, "\xE3\x80\x80") + 3;
	ck_assert_str_eq(given, str(json_array_get(persons, 0), "name"));
	int living = 0;
	json_array_foreach(persons, i, p)
		living += !json_is_true(json_object_get(p, "removed"));
	if (kind == FK_KIND_JOSEKI) {
		const json_t *closed;
		ck_assert_int_eq(living, 0);
		ck_assert(has_jiko(doc, "消除", &closed));
		ck_assert_str_eq(str(json_object_get(closed, "detail"), "消除事由"), "全員除籍");
		ck_assert_msg(strcmp(str(closed, "date"), latest_date(doc)) >= 0,
			      "closed %s before %s", str(closed, "date"), latest_date(doc));
	} else {
		ck_assert_int_gt(living, 0);
		ck_assert(!has_jiko(doc, "消除", NULL));
	}
}

START_TEST(test_valid_and_consistent)
{
	fk_rng rng;
	fk_rng_seed(&rng, 7);
	tally t = {0};
	int joseki = 0;
	for (int i = 0; i < 2000; i++) {
		fk_reg_kind kind;
		const fk_demo_place *pl;
		json_t *doc = next(&rng, &kind, &pl);
		check_doc(doc, kind, pl, &t);
		joseki += kind == FK_KIND_JOSEKI;
		json_decref(doc);
	}
	double persons = (double)t.persons / (double)t.registers;
	double events = (double)t.events / (double)t.registers;
	ck_assert_msg(persons >= 2.5 && persons <= 3.5, "%.2f persons per register", persons);
	ck_assert_msg(events >= 6.5 && events <= 9.5, "%.2f events per register", events);
	ck_assert_int_gt(joseki, 100);
}
END_TEST

/* Every kind of story shows up over enough registers. */
START_TEST(test_variety)
{
	static const char *const wanted[] = {"出生", "婚姻", "離婚", "死亡", "養子縁組", "分籍",
					     "転籍", "改製", "消除"};
	int seen[sizeof wanted / sizeof wanted[0]] = {0};
	int wife_head = 0;
	fk_rng rng;
	fk_rng_seed(&rng, 99);
	for (int r = 0; r < 3000; r++) {
		json_t *doc = next(&rng, NULL, NULL), *p, *e;
		size_t i, j;
		json_array_foreach(json_object_get(doc, "persons"), i, p)
			json_array_foreach(json_object_get(p, "events"), j, e)
				for (size_t w = 0; w < sizeof wanted / sizeof wanted[0]; w++)
					seen[w] += !strcmp(str(e, "type"), wanted[w]);
		json_array_foreach(json_object_get(doc, "jiko"), j, e)
			for (size_t w = 0; w < sizeof wanted / sizeof wanted[0]; w++)
				seen[w] += !strcmp(str(e, "type"), wanted[w]);
		wife_head += !strcmp(str(json_array_get(json_object_get(doc, "persons"), 0),
					 "spouse"), "妻");
		json_decref(doc);
	}
	for (size_t w = 0; w < sizeof wanted / sizeof wanted[0]; w++)
		ck_assert_msg(seen[w] > 0, "no %s in 3000 registers", wanted[w]);
	ck_assert_int_gt(wife_head, 0);
}
END_TEST

START_TEST(test_joseki)
{
	fk_rng rng;
	fk_rng_seed(&rng, 3);
	tally t = {0};
	for (int i = 0; i < 300; i++) {
		json_t *doc;
		fk_error err;
		ck_assert_int_eq(fk_demo_register(&rng, &names, &places[0], FK_KIND_JOSEKI, &doc, &err),
				 FK_OK);
		check_doc(doc, FK_KIND_JOSEKI, &places[0], &t);
		json_decref(doc);
	}
}
END_TEST

START_TEST(test_bad_arguments)
{
	fk_rng rng;
	fk_rng_seed(&rng, 1);
	json_t *doc = (json_t *)1;
	fk_error err;
	ck_assert_int_eq(fk_demo_register(&rng, NULL, &places[0], FK_KIND_KOSEKI, &doc, &err),
			 FK_ERR_USAGE);
	ck_assert_ptr_null(doc);
	ck_assert_int_eq(fk_demo_register(&rng, &names, NULL, FK_KIND_KOSEKI, &doc, &err),
			 FK_ERR_USAGE);
	ck_assert_int_eq(fk_demo_register(&rng, &names, &places[0], (fk_reg_kind)7, &doc, &err),
			 FK_ERR_USAGE);
	fk_names empty = {0};
	ck_assert_int_eq(fk_demo_register(&rng, &empty, &places[0], FK_KIND_KOSEKI, &doc, &err),
			 FK_ERR_USAGE);
}
END_TEST

static Suite *demo_suite(void)
{
	Suite *s = suite_create("demo_gen");
	TCase *tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, load_names, free_names);
	tcase_set_timeout(tc, 300); /* slow under valgrind */
	tcase_add_test(tc, test_rng);
	tcase_add_test(tc, test_deterministic);
	tcase_add_test(tc, test_seeds_differ);
	tcase_add_test(tc, test_valid_and_consistent);
	tcase_add_test(tc, test_variety);
	tcase_add_test(tc, test_joseki);
	tcase_add_test(tc, test_bad_arguments);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(demo_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
