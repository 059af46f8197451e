/* Unit tests for register content: validation, canonical dump, load (core/text/register.c). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "register.h"

/* A small valid register; persons[2] is the one the error tests poke at. */
static const char *const VALID =
	"{\"honseki\":\"東京都千代田区千代田一丁目1番地\","
	"\"hittosha\":{\"name\":\"山田　太郎\",\"reading\":\"やまだ たろう\"},"
	"\"jiko\":[{\"type\":\"編製\",\"date\":\"2001-04-01\"}],"
	"\"persons\":["
	"{\"name\":\"太郎\",\"reading\":\"たろう\",\"birth\":\"1970-01-01\","
	"\"father\":\"山田　一郎\",\"mother\":\"山田　花子\",\"relation\":\"長男\","
	"\"spouse\":\"夫\",\"removed\":false,\"events\":["
	"{\"type\":\"出生\",\"date\":\"1970-01-01\",\"detail\":{\"届出日\":\"1970-01-10\","
	"\"届出人\":\"父\",\"出生地\":\"東京都千代田区\"}},"
	"{\"type\":\"婚姻\",\"date\":\"2001-04-01\",\"detail\":{\"配偶者氏名\":\"鈴木　花子\"}}]},"
	"{\"name\":\"花子\",\"reading\":\"はなこ\",\"surname\":\"山田\",\"birth\":\"1972-02-29\","
	"\"relation\":\"長女\",\"spouse\":\"妻\",\"events\":[]},"
	"{\"name\":\"一\",\"reading\":\"はじめ\",\"birth\":\"2004-12-31\",\"relation\":\"長男\","
	"\"spouse\":\"\",\"removed\":true,\"events\":[{\"type\":\"出生\",\"date\":\"2004-12-31\"}]}"
	"]}";

static json_t *parse(const char *text)
{
	json_error_t jerr;
	json_t *doc = json_loads(text, 0, &jerr);
	ck_assert_msg(doc != NULL, "test JSON: %s", jerr.text);
	return doc;
}

/* Any JSON value (a scalar too), for the replacement values below. */
static json_t *parse_any(const char *text)
{
	json_error_t jerr;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &jerr);
	ck_assert_msg(v != NULL, "test JSON: %s", jerr.text);
	return v;
}

static char *dump(const json_t *doc)
{
	char *out;
	size_t len;
	fk_error err;
	ck_assert_int_eq(fk_register_dump(doc, &out, &len, &err), FK_OK);
	ck_assert_uint_eq(strlen(out), len);
	return out;
}

/* The canonical form is defined as jansson's compact, sorted output. */
static void assert_same_as_jansson(const json_t *doc)
{
	char *ours = dump(doc);
	char *theirs = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	ck_assert_ptr_nonnull(theirs);
	ck_assert_str_eq(ours, theirs);
	free(ours);
	free(theirs);
}

START_TEST(test_valid_round_trip)
{
	json_t *doc = parse(VALID);
	fk_error err;
	ck_assert_msg(fk_register_validate(doc, &err) == FK_OK, "%s", err.msg);
	char *a = dump(doc);
	json_t *back;
	ck_assert_msg(fk_register_load(a, strlen(a), &back, &err) == FK_OK, "%s", err.msg);
	ck_assert(json_equal(doc, back));
	char *b = dump(back);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	json_decref(back);
	json_decref(doc);
}
END_TEST

START_TEST(test_canonical_key_order)
{
	const char *x = "{\"persons\":[{\"events\":[],\"relation\":\"長男\",\"birth\":\"1970-01-01\","
			"\"reading\":\"たろう\",\"name\":\"太郎\"}],"
			"\"hittosha\":{\"reading\":\"やまだ たろう\",\"name\":\"山田　太郎\"},"
			"\"honseki\":\"東京都千代田区\"}";
	const char *y = "{\"honseki\":\"東京都千代田区\","
			"\"hittosha\":{\"name\":\"山田　太郎\",\"reading\":\"やまだ たろう\"},"
			"\"persons\":[{\"name\":\"太郎\",\"reading\":\"たろう\",\"birth\":\"1970-01-01\","
			"\"relation\":\"長男\",\"events\":[]}]}";
	json_t *dx, *dy;
	fk_error err;
	ck_assert_int_eq(fk_register_load(x, strlen(x), &dx, &err), FK_OK);
	ck_assert_int_eq(fk_register_load(y, strlen(y), &dy, &err), FK_OK);
	char *a = dump(dx), *b = dump(dy);
	ck_assert_str_eq(a, b);
	ck_assert_ptr_null(strstr(a, ", "));
	ck_assert_ptr_null(strstr(a, "\n"));
	free(a);
	free(b);
	json_decref(dx);
	json_decref(dy);
}
END_TEST

START_TEST(test_dump_matches_jansson)
{
	json_t *doc = parse(VALID);
	assert_same_as_jansson(doc);
	/* Escapes, control characters, non-BMP text, key ordering by bytes. */
	json_t *o = json_object();
	json_object_set_new(o, "s", json_string("q\"b\\s/\b\f\n\r\t\x01\x1f\x7f é 𠮷 \xe2\x80\xa8"));
	json_object_set_new(o, "aあ", json_true());
	json_object_set_new(o, "ab", json_false());
	json_object_set_new(o, "a", json_null());
	json_object_set_new(o, "B", json_array());
	json_object_set_new(o, "", json_object());
	json_object_set_new(o, "n", json_integer(-1234567890123LL));
	json_object_set_new(o, "esc\tkey", json_string(""));
	json_t *arr = json_array();
	for (int i = 0; i < 40; i++)
		json_array_append_new(arr, json_integer(i));
	json_object_set_new(o, "arr", arr);
	json_t *many = json_object();
	for (int i = 0; i < 40; i++) {
		char k[16];
		snprintf(k, sizeof k, "k%02d", 39 - i);
		json_object_set_new(many, k, json_string(k));
	}
	json_object_set_new(o, "many", many);
	assert_same_as_jansson(o);
	/* Reals are left to jansson's own formatting. */
	json_object_set_new(o, "r", json_real(0.1));
	assert_same_as_jansson(o);
	json_decref(o);
	json_decref(doc);
}
END_TEST

START_TEST(test_control_characters_kept)
{
	json_t *doc = parse(VALID);
	const char *raw = "太郎\x1b[31m\a\x7f";
	json_t *p0 = json_array_get(json_object_get(doc, "persons"), 0);
	json_object_set_new(p0, "name", json_string(raw));
	fk_error err;
	ck_assert_msg(fk_register_validate(doc, &err) == FK_OK, "%s", err.msg);
	char *a = dump(doc);
	json_t *back;
	ck_assert_int_eq(fk_register_load(a, strlen(a), &back, &err), FK_OK);
	p0 = json_array_get(json_object_get(back, "persons"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(p0, "name")), raw);
	free(a);
	json_decref(back);
	json_decref(doc);
}
END_TEST

/* Apply a change to VALID, expect validation to fail with exactly msg. */
typedef struct bad_case {
	const char *path; /* a JSON pointer-ish place: "", "persons/2", ... */
	const char *key;
	const char *value; /* JSON text; NULL removes the key */
	const char *msg;
} bad_case;

static json_t *locate(json_t *doc, const char *path)
{
	char buf[128];
	snprintf(buf, sizeof buf, "%s", path);
	json_t *v = doc;
	for (char *save = NULL, *tok = strtok_r(buf, "/", &save); tok;
	     tok = strtok_r(NULL, "/", &save))
		v = json_is_array(v) ? json_array_get(v, (size_t)atoi(tok)) : json_object_get(v, tok);
	ck_assert_ptr_nonnull(v);
	return v;
}

static const bad_case bad_cases[] = {
	{"", "honseki", NULL, "honseki: missing"},
	{"", "honseki", "12", "honseki: not a string"},
	{"", "honseki", "\"\"", "honseki: empty"},
	{"", "extra", "1", "extra: unknown key"},
	{"", "hittosha", "\"山田\"", "hittosha: not an object"},
	{"hittosha", "name", NULL, "hittosha.name: missing"},
	{"hittosha", "reading", "null", "hittosha.reading: not a string"},
	{"hittosha", "kana", "\"x\"", "hittosha.kana: unknown key"},
	{"", "jiko", "{}", "jiko: not an array"},
	{"jiko/0", "type", NULL, "jiko[0].type: missing"},
	{"jiko/0", "date", "\"2001-4-1\"", "jiko[0].date: not a YYYY-MM-DD date"},
	{"", "persons", NULL, "persons: missing"},
	{"", "persons", "{}", "persons: not an array"},
	{"", "persons", "[]", "persons: empty: a register lists at least its 筆頭者"},
	{"persons/0", "reading", NULL, "persons[0].reading: missing"},
	{"persons/0", "name", "\"\"", "persons[0].name: empty"},
	{"persons/0", "relation", "[]", "persons[0].relation: not a string"},
	{"persons/1", "birth", NULL, "persons[1].birth: missing"},
	{"persons/1", "birth", "\"1970/01/01\"", "persons[1].birth: not a YYYY-MM-DD date"},
	{"persons/1", "birth", "\"1973-02-29\"", "persons[1].birth: not a YYYY-MM-DD date"},
	{"persons/1", "birth", "\"1900-02-29\"", "persons[1].birth: not a YYYY-MM-DD date"},
	{"persons/1", "birth", "\"1970-13-01\"", "persons[1].birth: not a YYYY-MM-DD date"},
	{"persons/1", "birth", "\"1970-00-10\"", "persons[1].birth: not a YYYY-MM-DD date"},
	{"persons/1", "birth", "\"1970-04-31\"", "persons[1].birth: not a YYYY-MM-DD date"},
	{"persons/1", "birth", "\"1970-01-00\"", "persons[1].birth: not a YYYY-MM-DD date"},
	{"persons/1", "birth", "\"0000-01-01\"", "persons[1].birth: not a YYYY-MM-DD date"},
	{"persons/1", "birth", "\"1970-01-01 \"", "persons[1].birth: not a YYYY-MM-DD date"},
	{"persons/1", "birth", "\"１９７０-01-01\"", "persons[1].birth: not a YYYY-MM-DD date"},
	{"persons/1", "birth", "19700101", "persons[1].birth: not a string"},
	{"persons/1", "events", NULL, "persons[1].events: missing"},
	{"persons/1", "events", "{}", "persons[1].events: not an array"},
	{"persons/1", "surname", "1", "persons[1].surname: not a string"},
	{"persons/1", "father", "false", "persons[1].father: not a string"},
	{"persons/1", "spouse", "\"husband\"", "persons[1].spouse: must be \"夫\", \"妻\" or \"\""},
	{"persons/1", "removed", "\"yes\"", "persons[1].removed: not true or false"},
	{"persons/1", "age", "52", "persons[1].age: unknown key"},
	{"persons/2/events/0", "date", "\"2004-12-32\"",
	 "persons[2].events[0].date: not a YYYY-MM-DD date"},
	{"persons/2/events/0", "type", NULL, "persons[2].events[0].type: missing"},
	{"persons/2/events/0", "type", "\"\"", "persons[2].events[0].type: empty"},
	{"persons/2/events/0", "note", "\"x\"", "persons[2].events[0].note: unknown key"},
	{"persons/2/events/0", "detail", "[]", "persons[2].events[0].detail: not an object"},
	{"persons/0/events/0/detail", "届出日", "19700110",
	 "persons[0].events[0].detail.届出日: not a string"},
	{"persons/0/events/0/detail", "", "\"x\"", "persons[0].events[0].detail.: empty key"},
};

START_TEST(test_invalid_docs)
{
	const bad_case *c = &bad_cases[_i];
	json_t *doc = parse(VALID);
	json_t *where = locate(doc, c->path);
	if (c->value)
		json_object_set_new(where, c->key, parse_any(c->value));
	else
		ck_assert_int_eq(json_object_del(where, c->key), 0);
	fk_error err;
	ck_assert_int_eq(fk_register_validate(doc, &err), FK_ERR_INVALID);
	ck_assert_int_eq(err.code, FK_ERR_INVALID);
	ck_assert_str_eq(err.msg, c->msg);
	/* The same document through load: same verdict, same message. */
	char *text = json_dumps(doc, JSON_COMPACT);
	json_t *out = (json_t *)1;
	ck_assert_int_eq(fk_register_load(text, strlen(text), &out, &err), FK_ERR_INVALID);
	ck_assert_ptr_null(out);
	ck_assert_str_eq(err.msg, c->msg);
	free(text);
	json_decref(doc);
}
END_TEST

START_TEST(test_not_an_object)
{
	fk_error err;
	json_t *arr = json_array();
	ck_assert_int_eq(fk_register_validate(arr, &err), FK_ERR_INVALID);
	ck_assert_str_eq(err.msg, "(document): not a JSON object");
	ck_assert_int_eq(fk_register_validate(NULL, &err), FK_ERR_INVALID);
	json_decref(arr);
}
END_TEST

START_TEST(test_leap_days)
{
	static const char *const ok[] = {"2000-02-29", "2024-02-29", "1972-02-29", "2026-11-01",
					 "0001-01-01", "9999-12-31"};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		json_t *doc = parse(VALID);
		json_object_set_new(locate(doc, "persons/1"), "birth", json_string(ok[i]));
		fk_error err;
		ck_assert_msg(fk_register_validate(doc, &err) == FK_OK, "%s: %s", ok[i], err.msg);
		json_decref(doc);
	}
}
END_TEST

/* A string of n bytes: three-byte characters, then ASCII to fill. */
static char *text_of(size_t n)
{
	char *s = malloc(n + 1);
	ck_assert_ptr_nonnull(s);
	size_t i = 0;
	for (; i + 3 <= n; i += 3)
		memcpy(s + i, "漢", 3);
	for (; i < n; i++)
		s[i] = 'x';
	s[n] = '\0';
	return s;
}

START_TEST(test_string_length_limit)
{
	fk_error err;
	char *ok = text_of(1024), *big = text_of(1025);
	json_t *doc = parse(VALID);
	json_object_set_new(doc, "honseki", json_string(ok));
	ck_assert_msg(fk_register_validate(doc, &err) == FK_OK, "%s", err.msg);
	json_object_set_new(doc, "honseki", json_string(big));
	ck_assert_int_eq(fk_register_validate(doc, &err), FK_ERR_INVALID);
	ck_assert_str_eq(err.msg, "honseki: longer than 1024 bytes");
	json_decref(doc);
	/* Detail keys are bounded too. */
	doc = parse(VALID);
	json_object_set_new(locate(doc, "persons/0/events/1/detail"), big, json_string("x"));
	ck_assert_int_eq(fk_register_validate(doc, &err), FK_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, ": longer than 1024 bytes"));
	ck_assert(strncmp(err.msg, "persons[0].events[1].detail.漢漢", 34) == 0);
	json_decref(doc);
	free(ok);
	free(big);
}
END_TEST

START_TEST(test_count_limits)
{
	fk_error err;
	json_t *doc = parse(VALID);
	json_t *persons = json_object_get(doc, "persons"), *p2 = json_array_get(persons, 2);
	while (json_array_size(persons) < 64)
		json_array_append_new(persons, json_deep_copy(p2));
	ck_assert_msg(fk_register_validate(doc, &err) == FK_OK, "%s", err.msg);
	json_array_append_new(persons, json_deep_copy(p2));
	ck_assert_int_eq(fk_register_validate(doc, &err), FK_ERR_INVALID);
	ck_assert_str_eq(err.msg, "persons: more than 64 entries");
	json_decref(doc);

	doc = parse(VALID);
	json_t *events = locate(doc, "persons/2/events"), *e0 = json_array_get(events, 0);
	while (json_array_size(events) < 256)
		json_array_append_new(events, json_deep_copy(e0));
	ck_assert_msg(fk_register_validate(doc, &err) == FK_OK, "%s", err.msg);
	json_array_append_new(events, json_deep_copy(e0));
	ck_assert_int_eq(fk_register_validate(doc, &err), FK_ERR_INVALID);
	ck_assert_str_eq(err.msg, "persons[2].events: more than 256 entries");
	json_decref(doc);

	doc = parse(VALID);
	json_t *detail = locate(doc, "persons/0/events/1/detail");
	for (int i = 0; json_object_size(detail) < 32; i++) {
		char k[16];
		snprintf(k, sizeof k, "k%d", i);
		json_object_set_new(detail, k, json_string(""));
	}
	ck_assert_msg(fk_register_validate(doc, &err) == FK_OK, "%s", err.msg);
	json_object_set_new(detail, "one-more", json_string(""));
	ck_assert_int_eq(fk_register_validate(doc, &err), FK_ERR_INVALID);
	ck_assert_str_eq(err.msg, "persons[0].events[1].detail: more than 32 fields");
	json_decref(doc);
}
END_TEST

START_TEST(test_nul_and_bad_utf8)
{
	fk_error err;
	json_t *doc = parse(VALID);
	json_object_set_new(locate(doc, "hittosha"), "name", json_stringn("山田\0太郎", 10));
	ck_assert_int_eq(fk_register_validate(doc, &err), FK_ERR_INVALID);
	ck_assert_str_eq(err.msg, "hittosha.name: contains a NUL character");
	/* jansson refuses \u0000 on load by default. */
	char *text = json_dumps(doc, JSON_COMPACT);
	json_t *out;
	ck_assert_int_eq(fk_register_load(text, strlen(text), &out, &err), FK_ERR_INVALID);
	free(text);
	json_decref(doc);

	doc = parse(VALID);
	json_object_set_new(locate(doc, "persons/2"), "name", json_string_nocheck("\xe5\xb1"));
	ck_assert_int_eq(fk_register_validate(doc, &err), FK_ERR_INVALID);
	ck_assert_str_eq(err.msg, "persons[2].name: not valid UTF-8");
	/* Nor can it be serialised, as with json_dumps. */
	char *o = (char *)1;
	size_t len = 1;
	ck_assert_int_eq(fk_register_dump(doc, &o, &len, &err), FK_ERR_INVALID);
	ck_assert_ptr_null(o);
	static const char *const bad_utf8[] = {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
					       "\xe0\x80\xaf", "\x80", "\xff"};
	for (size_t i = 0; i < sizeof bad_utf8 / sizeof bad_utf8[0]; i++) {
		json_object_set_new(locate(doc, "persons/2"), "name",
				    json_string_nocheck(bad_utf8[i]));
		ck_assert_int_eq(fk_register_validate(doc, &err), FK_ERR_INVALID);
	}
	json_decref(doc);
}
END_TEST

START_TEST(test_duplicate_keys)
{
	const char *dup = "{\"honseki\":\"a\",\"honseki\":\"b\","
			  "\"hittosha\":{\"name\":\"x\",\"reading\":\"x\"},"
			  "\"persons\":[{\"name\":\"x\",\"reading\":\"x\",\"birth\":\"1970-01-01\","
			  "\"relation\":\"長男\",\"events\":[]}]}";
	json_t *out = (json_t *)1;
	fk_error err;
	ck_assert_int_eq(fk_register_load(dup, strlen(dup), &out, &err), FK_ERR_INVALID);
	ck_assert_ptr_null(out);
	ck_assert_ptr_nonnull(strstr(err.msg, "duplicate"));
	/* Nested duplicates too. */
	const char *dup2 = "{\"honseki\":\"a\",\"hittosha\":{\"name\":\"x\",\"name\":\"y\","
			   "\"reading\":\"x\"},\"persons\":[]}";
	ck_assert_int_eq(fk_register_load(dup2, strlen(dup2), &out, &err), FK_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, "duplicate"));
}
END_TEST

START_TEST(test_load_not_json)
{
	static const char *const bad[] = {"", "{", "nul", "{\"honseki\":}", "[1,2]", "\"x\""};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *out = (json_t *)1;
		fk_error err;
		ck_assert_int_eq(fk_register_load(bad[i], strlen(bad[i]), &out, &err),
				 FK_ERR_INVALID);
		ck_assert_ptr_null(out);
		ck_assert(err.msg[0] != '\0');
	}
	/* Only len bytes are read: no terminator needed. */
	json_t *doc = parse(VALID);
	char *text = dump(doc);
	json_decref(doc);
	size_t n = strlen(text);
	char *copy = malloc(n);
	memcpy(copy, text, n);
	json_t *out;
	fk_error err;
	ck_assert_int_eq(fk_register_load(copy, n, &out, &err), FK_OK);
	json_decref(out);
	free(copy);
	free(text);
}
END_TEST

START_TEST(test_kinds)
{
	ck_assert_str_eq(fk_reg_kind_name(FK_KIND_KOSEKI), "戸籍");
	ck_assert_str_eq(fk_reg_kind_name(FK_KIND_JOSEKI), "除籍");
	ck_assert_str_eq(fk_reg_kind_id(FK_KIND_KOSEKI), "koseki");
	ck_assert_str_eq(fk_reg_kind_id(FK_KIND_JOSEKI), "joseki");
	ck_assert_int_eq(fk_reg_kind_parse("koseki"), FK_KIND_KOSEKI);
	ck_assert_int_eq(fk_reg_kind_parse("戸籍"), FK_KIND_KOSEKI);
	ck_assert_int_eq(fk_reg_kind_parse("joseki"), FK_KIND_JOSEKI);
	ck_assert_int_eq(fk_reg_kind_parse("除籍"), FK_KIND_JOSEKI);
	ck_assert_int_eq(fk_reg_kind_parse("Koseki"), -1);
	ck_assert_int_eq(fk_reg_kind_parse(""), -1);
	ck_assert_int_eq(fk_reg_kind_parse(NULL), -1);
	ck_assert_str_eq(fk_reg_kind_name((fk_reg_kind)9), "?");
}
END_TEST

START_TEST(test_accessors)
{
	json_t *doc = parse(VALID);
	ck_assert_str_eq(fk_register_honseki(doc), "東京都千代田区千代田一丁目1番地");
	ck_assert_str_eq(fk_register_head_name(doc), "山田　太郎");
	ck_assert_str_eq(fk_register_head_reading(doc), "やまだ たろう");
	json_decref(doc);
	json_t *empty = json_object();
	ck_assert_str_eq(fk_register_honseki(empty), "");
	ck_assert_str_eq(fk_register_head_name(empty), "");
	ck_assert_str_eq(fk_register_head_reading(NULL), "");
	json_decref(empty);
}
END_TEST

static Suite *register_suite(void)
{
	Suite *s = suite_create("register");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_valid_round_trip);
	tcase_add_test(tc, test_canonical_key_order);
	tcase_add_test(tc, test_dump_matches_jansson);
	tcase_add_test(tc, test_control_characters_kept);
	tcase_add_loop_test(tc, test_invalid_docs, 0, (int)(sizeof bad_cases / sizeof bad_cases[0]));
	tcase_add_test(tc, test_not_an_object);
	tcase_add_test(tc, test_leap_days);
	tcase_add_test(tc, test_string_length_limit);
	tcase_add_test(tc, test_count_limits);
	tcase_add_test(tc, test_nul_and_bad_utf8);
	tcase_add_test(tc, test_duplicate_keys);
	tcase_add_test(tc, test_load_not_json);
	tcase_add_test(tc, test_kinds);
	tcase_add_test(tc, test_accessors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(register_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
