/* Unit tests for the gimei name-list loader (core/demo/names.c). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "names.h"

static void data_path(char *buf, size_t len, const char *name)
{
	const char *top = getenv("FK_TOP_SRCDIR");
	snprintf(buf, len, "%s/data/%s", top && *top ? top : ".", name);
}

static char tmpdir[256];

static void make_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	snprintf(tmpdir, sizeof tmpdir, "%s/fk-names-XXXXXX", base && *base ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
	char path[512];
	snprintf(path, sizeof path, "%s/names.yml", tmpdir);
	unlink(path);
	rmdir(tmpdir);
}

/* Write text to a file in the test's directory; returns its path. */
static const char *write_file(const char *text)
{
	static char path[512];
	snprintf(path, sizeof path, "%s/names.yml", tmpdir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

START_TEST(test_real_file)
{
	char path[4096];
	data_path(path, sizeof path, "gimei-names.yml");
	fk_names n;
	fk_error err;
	double t0 = now_ms();
	ck_assert_msg(fk_names_load(path, &n, &err) == FK_OK, "%s", err.msg);
	double ms = now_ms() - t0;
	ck_assert_uint_eq(n.n_last, 500);
	ck_assert_uint_gt(n.n_male, 2000);
	ck_assert_uint_gt(n.n_female, 10000);
	ck_assert_str_eq(n.last[0].kanji, "佐藤");
	ck_assert_str_eq(n.last[0].hira, "さとう");
	ck_assert_str_eq(n.male[0].kanji, "愛斗");
	ck_assert_str_eq(n.male[0].hira, "あいと");
	ck_assert_str_eq(n.female[0].kanji, "阿愛");
	ck_assert_str_eq(n.female[0].hira, "ああい");
	ck_assert_str_eq(n.last[n.n_last - 1].kanji, "秋田");
	/* Every entry has both strings. */
	for (size_t i = 0; i < n.n_male; i++)
		ck_assert(n.male[i].kanji[0] && n.male[i].hira[0]);
	/* Generous: "a few ms" on a normal machine, but tests may run under valgrind. */
	ck_assert_msg(ms < 2000, "loading took %.1f ms", ms);
	fk_names_free(&n);
	ck_assert_ptr_null(n.arena);
	fk_names_free(&n); /* twice is harmless */
}
END_TEST

START_TEST(test_small_file)
{
	make_tmpdir();
	const char *path = write_file("# comment\n"
				      "---\n"
				      "last_name:\n"
				      "  - ['O''Neil', 'おにーる', 'オニール', 'ONeil']\r\n"
				      "\n"
				      "first_name:\n"
				      "  male:\n"
				      "    - ['太郎', 'たろう', 'タロウ', 'Tarou']\n"
				      "  female:\n"
				      "    - ['花子', 'はなこ', 'ハナコ', 'Hanako']\n"
				      "    - ['', '', '', '']\n");
	fk_names n;
	fk_error err;
	ck_assert_int_eq(fk_names_load(path, &n, &err), FK_ERR_CORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, ":11: empty name or reading"));
	path = write_file("last_name:\n"
			  "  - ['O''Neil', 'おにーる', 'オニール', 'ONeil']\r\n"
			  "first_name:\n"
			  "  male:\n"
			  "    - ['太郎', 'たろう', 'タロウ', 'Tarou']\n"
			  "  female:\n"
			  "    - ['花子', 'はなこ', 'ハナコ', 'Hanako']");
	ck_assert_msg(fk_names_load(path, &n, &err) == FK_OK, "%s", err.msg);
	ck_assert_uint_eq(n.n_last, 1);
	ck_assert_uint_eq(n.n_male, 1);
	ck_assert_uint_eq(n.n_female, 1);
	ck_assert_str_eq(n.last[0].kanji, "O'Neil");
	ck_assert_str_eq(n.female[0].hira, "はなこ");
	fk_names_free(&n);
	remove_tmpdir();
}
END_TEST

/* Each malformed file, and the line its error must name. */
static const struct {
	const char *text;
	const char *msg;
} malformed[] = {
	{"last_name:\n  - ['佐藤', 'さとう', 'サトウ']\n", ":2: expected 4 quoted fields"},
	{"last_name:\n  - ['佐藤', 'さとう', 'サトウ', 'Satou'\n", ":2: expected ']' at end of entry"},
	{"last_name:\n  - ['佐藤, 'さとう', 'サトウ', 'Satou']\n", ":2: expected 4 quoted fields"},
	{"last_name:\n  - ['佐藤', 'さとう', 'サトウ', 'Satou\n", ":2: malformed quoted field"},
	{"last_name:\n  - [佐藤, さとう, サトウ, Satou]\n", ":2: malformed quoted field"},
	{"last_name:\n  - 佐藤\n", ":2: expected a list entry"},
	{"  - ['佐藤', 'さとう', 'サトウ', 'Satou']\n", ":1: name entry outside any list"},
	{"first_name:\n  - ['太郎', 'たろう', 'タロウ', 'Tarou']\n", ":2: name entry outside any list"},
	{"surnames:\n", ":1: unexpected line"},
	{"last_name:\n  male:\n", ":2: unexpected line"},
	{"last_name:\n  - ['佐藤', 'さとう', 'サトウ', 'Satou'] x\n",
	 ":2: expected ']' at end of entry"},
	/* Well-formed lines, but a list is empty. */
	{"last_name:\n  - ['佐藤', 'さとう', 'サトウ', 'Satou']\nfirst_name:\n  male:\n"
	 "    - ['太郎', 'たろう', 'タロウ', 'Tarou']\n  female:\n",
	 "no first_name female entries"},
	{"", "no last_name entries"},
};

START_TEST(test_malformed)
{
	make_tmpdir();
	const char *path = write_file(malformed[_i].text);
	fk_names n;
	fk_error err;
	ck_assert_int_eq(fk_names_load(path, &n, &err), FK_ERR_CORRUPT);
	ck_assert_int_eq(err.code, FK_ERR_CORRUPT);
	ck_assert_msg(strstr(err.msg, malformed[_i].msg) != NULL, "got: %s", err.msg);
	/* A failed load leaves nothing to free. */
	ck_assert_ptr_null(n.arena);
	ck_assert_ptr_null(n.last);
	ck_assert_uint_eq(n.n_last, 0);
	remove_tmpdir();
}
END_TEST

START_TEST(test_missing)
{
	fk_names n;
	fk_error err;
	ck_assert_int_eq(fk_names_load("/nonexistent/gimei-names.yml", &n, &err), FK_ERR_IO);
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/gimei-names.yml"));
	ck_assert_ptr_null(n.arena);
	/* A directory is not a name list. */
	ck_assert_int_eq(fk_names_load("/", &n, &err), FK_ERR_IO);
}
END_TEST

static Suite *names_suite(void)
{
	Suite *s = suite_create("names");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_real_file);
	tcase_add_test(tc, test_small_file);
	tcase_add_loop_test(tc, test_malformed, 0, (int)(sizeof malformed / sizeof malformed[0]));
	tcase_add_test(tc, test_missing);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(names_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
