/* Unit tests: a package's records, parsed strictly, kept as sent and dumped canonically
 * (core/text/record.c; docs/package-format.md; R-BATCH-PROTO, R-L_VERSION). */
#include "config.h"

#include <ctype.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disp.h"
#include "fktest.h"
#include "jarena.h"
#include "package.h"

#define PERSON                                                                                    \
	"{\"name\":\"太郎\",\"reading\":\"たろう\",\"birth\":\"1970-01-01\",\"relation\":\"長男\","    \
	"\"events\":[{\"type\":\"出生\",\"date\":\"1970-01-01\"}]}"
#define CONTENT                                                                                   \
	"{\"honseki\":\"東京都千代田区千代田一丁目1番\","                                         \
	"\"hittosha\":{\"name\":\"山田 太郎\",\"reading\":\"やまだ たろう\"},"                     \
	"\"persons\":[" PERSON "]}"

/* One valid line of each type, as in docs/package-format.md. */
static const char *const L_REGISTER =
	"{\"type\":\"register\",\"ref\":\"K-0000123\",\"kind\":\"koseki\",\"content\":" CONTENT "}";
static const char *const L_VERSION =
	"{\"type\":\"version\",\"ref\":\"K-0000123\",\"content\":" CONTENT ","
	"\"changed_by\":\"千代田区 戸籍係\",\"reason\":\"婚姻届による記載\"}";
static const char *const L_REMOVAL =
	"{\"type\":\"removal\",\"ref\":\"K-0000123\",\"removed_on\":\"2026-11-30\","
	"\"changed_by\":\"千代田区 戸籍係\",\"reason\":\"転籍\"}";
static const char *const L_LEDGER =
	"{\"type\":\"ledger\",\"accepted_on\":\"2026-11-30\","
	"\"entry\":{\"受付番号\":\"123\",\"届出事件\":\"出生届\"}}";
static const char *const L_DOCUMENT =
	"{\"type\":\"document\",\"doc_type\":\"出生届\",\"ref\":\"K-0000123\","
	"\"entry\":{\"受付番号\":\"123\"}}";

typedef struct parsed {
	fk_pkg_record r;
	fk_reject why;
	char detail[256];
} parsed;

static void parse_n(parsed *p, const char *line, size_t n)
{
	fk_error err;
	fk_status st = fk_record_parse(line, n, &p->r, &p->why, p->detail, sizeof p->detail, &err);
	ck_assert_msg(st == FK_OK, "parse: %s", err.msg);
}

static void parse(parsed *p, const char *line)
{
	parse_n(p, line, strlen(line));
}

/* The line is rejected for why, the detail (display-safe) naming where. */
static void rejected_n(const char *line, size_t n, fk_reject why, const char *where)
{
	parsed p;
	parse_n(&p, line, n);
	ck_assert_msg(p.why == why, "%.120s: %s (%s), expected %s", line, fk_reject_id(p.why),
		      p.detail, fk_reject_id(why));
	ck_assert_msg(strstr(p.detail, where) != NULL, "%.120s: detail '%s' lacks '%s'", line,
		      p.detail, where);
	ck_assert_ptr_null(p.r.content);
	ck_assert_ptr_null(p.r.entry);
}

static void rejected(const char *line, fk_reject why, const char *where)
{
	rejected_n(line, strlen(line), why, where);
}

static char *dump(const fk_pkg_record *r, size_t *len)
{
	fk_error err;
	char *s;
	ck_assert_msg(fk_record_dump(r, &s, len, &err) == FK_OK, "dump: %s", err.msg);
	ck_assert_uint_eq(strlen(s), *len);
	return s;
}

/* parse → dump → parse → dump: accepted both times, the two lines the same. Returns the
 * canonical line. */
static char *round_trip(const char *line, parsed *p)
{
	parsed again;
	size_t n1, n2;
	parse(p, line);
	ck_assert_msg(p->why == FK_REJECT_NONE, "%.120s: %s (%s)", line, fk_reject_id(p->why),
		      p->detail);
	char *one = dump(&p->r, &n1);
	parse_n(&again, one, n1);
	ck_assert_msg(again.why == FK_REJECT_NONE, "%s: %s", one, again.detail);
	char *two = dump(&again.r, &n2);
	ck_assert_uint_eq(n1, n2);
	ck_assert_msg(!memcmp(one, two, n1), "%s\n%s", one, two);
	fk_record_clear(&again.r);
	free(two);
	return one;
}

START_TEST(each_type_is_accepted_and_round_trips)
{
	parsed p;
	char *s = round_trip(L_REGISTER, &p);
	ck_assert_int_eq(p.r.type, FK_REC_REGISTER);
	ck_assert_str_eq(p.r.ref, "K-0000123");
	ck_assert_int_eq(p.r.kind, FK_KIND_KOSEKI);
	ck_assert_str_eq(fk_register_honseki(p.r.content), "東京都千代田区千代田一丁目1番");
	fk_record_clear(&p.r);
	free(s);

	s = round_trip(L_VERSION, &p);
	ck_assert_int_eq(p.r.type, FK_REC_VERSION);
	ck_assert_str_eq(p.r.changed_by, "千代田区 戸籍係");
	ck_assert_str_eq(p.r.reason, "婚姻届による記載");
	ck_assert_ptr_nonnull(p.r.content);
	fk_record_clear(&p.r);
	free(s);

	s = round_trip(L_REMOVAL, &p);
	ck_assert_int_eq(p.r.type, FK_REC_REMOVAL);
	ck_assert_str_eq(p.r.date, "2026-11-30");
	ck_assert_str_eq(p.r.reason, "転籍");
	ck_assert_ptr_null(p.r.content);
	fk_record_clear(&p.r);
	free(s);

	s = round_trip(L_LEDGER, &p);
	ck_assert_int_eq(p.r.type, FK_REC_LEDGER);
	ck_assert_str_eq(p.r.date, "2026-11-30");
	ck_assert_str_eq(json_string_value(json_object_get(p.r.entry, "届出事件")), "出生届");
	/* Canonical: compact, keys sorted. */
	ck_assert_str_eq(s, "{\"accepted_on\":\"2026-11-30\",\"entry\":{\"受付番号\":\"123\","
			    "\"届出事件\":\"出生届\"},\"type\":\"ledger\"}");
	fk_record_clear(&p.r);
	free(s);

	s = round_trip(L_DOCUMENT, &p);
	ck_assert_int_eq(p.r.type, FK_REC_DOCUMENT);
	ck_assert_str_eq(p.r.doc_type, "出生届");
	ck_assert_str_eq(p.r.ref, "K-0000123");
	fk_record_clear(&p.r);
	free(s);

	/* A document without a link, and a 除籍 register. */
	s = round_trip("{\"type\":\"document\",\"doc_type\":\"死亡届\",\"entry\":{\"a\":\"\"}}", &p);
	ck_assert_str_eq(p.r.ref, "");
	ck_assert_ptr_null(strstr(s, "\"ref\""));
	fk_record_clear(&p.r);
	free(s);
	s = round_trip("{\"type\":\"register\",\"ref\":\"a.b_c-9\",\"kind\":\"joseki\","
		       "\"content\":" CONTENT "}", &p);
	ck_assert_int_eq(p.r.kind, FK_KIND_JOSEKI);
	fk_record_clear(&p.r);
	free(s);
	/* Whitespace between tokens and a CR before the newline are JSON's. */
	parse(&p, " { \"type\" : \"removal\", \"ref\":\"x\", \"removed_on\":\"2024-02-29\", "
		  "\"changed_by\":\"係\", \"reason\":\"r\" }\r");
	ck_assert_int_eq(p.why, FK_REJECT_NONE);
	fk_record_clear(&p.r);
}
END_TEST

/* Every reason the parser decides, from a crafted line, with the field named. */
START_TEST(malformed_lines)
{
	rejected("", FK_REJECT_MALFORMED, "empty");
	rejected("not json", FK_REJECT_MALFORMED, "column");
	rejected("[1]", FK_REJECT_MALFORMED, "not an object");
	rejected("{\"type\":\"ledger\"} {}", FK_REJECT_MALFORMED, "column");
	rejected("{\"type\":\"ledger\",\n\"accepted_on\":\"2026-11-30\"}", FK_REJECT_MALFORMED,
		 "line break");
	/* Invalid UTF-8 outside strings: no JSON. */
	rejected("{\"type\":\"ledger\"\xff}", FK_REJECT_MALFORMED, "column");
	rejected("{\xe3\x80\x93\"type\":\"ledger\"}", FK_REJECT_MALFORMED, "column");
	/* A raw control character inside a string: JSON wants it escaped. */
	rejected("{\"type\":\"ledger\",\"accepted_on\":\"2026-11-30\",\"entry\":{\"a\":\"\x1b[2J\"}}",
		 FK_REJECT_MALFORMED, "column");
	/* Lone surrogates, and \u0000 (every C reader would see a shorter string). */
	rejected("{\"type\":\"ledger\",\"accepted_on\":\"2026-11-30\",\"entry\":{\"a\":\"\\ud800\"}}",
		 FK_REJECT_MALFORMED, "column");
	rejected("{\"type\":\"ledger\",\"accepted_on\":\"2026-11-30\",\"entry\":{\"a\":\"\\udc00x\"}}",
		 FK_REJECT_MALFORMED, "column");
	rejected("{\"type\":\"ledger\",\"accepted_on\":\"2026-11-30\",\"entry\":{\"a\":\"a\\u0000\"}}",
		 FK_REJECT_MALFORMED, "column");
	/* The same key twice: which one would count? */
	rejected("{\"type\":\"ledger\",\"type\":\"register\"}", FK_REJECT_MALFORMED, "duplicate");
	rejected("{\"type\":\"ledger\",\"accepted_on\":\"2026-11-30\",\"entry\":{\"a\":\"1\",\"a\":\"2\"}}",
		 FK_REJECT_MALFORMED, "duplicate");
	/* U+10FF00..U+10FFFF stand for kept bytes; sent as themselves they are refused. */
	rejected("{\"type\":\"ledger\",\"accepted_on\":\"2026-11-30\",\"entry\":{\"a\":\"\xf4\x8f\xbe\x80\"}}",
		 FK_REJECT_MALFORMED, "reserved");
	rejected("{\"type\":\"ledger\",\"accepted_on\":\"2026-11-30\",\"entry\":{\"a\":\"\\uDBFF\\uDF80\"}}",
		 FK_REJECT_MALFORMED, "reserved");
	rejected("{\"type\":\"ledger\",\"accepted_on\":\"2026-11-30\",\"entry\":{\"a\":\"\\udbff\\udf00\"}}",
		 FK_REJECT_MALFORMED, "reserved");
}
END_TEST

/* A register whose content holds {"a": nested depth times around leaf. */
static size_t nested(char *line, int depth, const char *leaf)
{
	size_t n = (size_t)sprintf(line, "{\"type\":\"register\",\"ref\":\"r\",\"kind\":\"koseki\","
					 "\"content\":{\"x\":");
	for (int i = 0; i < depth; i++)
		n += (size_t)sprintf(line + n, "{\"a\":");
	n += (size_t)sprintf(line + n, "%s", leaf);
	memset(line + n, '}', (size_t)depth + 2);
	return n + (size_t)depth + 2;
}

/* Nesting past jansson's limit is no JSON; below it, every depth is walked and refused for
 * what it is, without running out of stack. */
START_TEST(depth_bombs)
{
	size_t deep = 100000, n = 0;
	char *line = malloc(2 * deep + 128);
	ck_assert_ptr_nonnull(line);
	n += (size_t)sprintf(line, "{\"type\":\"ledger\",\"accepted_on\":\"2026-11-30\",\"entry\":");
	memset(line + n, '[', deep);
	memset(line + n + deep, ']', deep);
	n += 2 * deep;
	line[n++] = '}';
	rejected_n(line, n, FK_REJECT_MALFORMED, "depth");

	/* 2,000 deep (jansson's limit is 2,048), inside the content. */
	n = nested(line, 2000, "\"\xe3\x80\x93[MJ:1]\"");
	rejected_n(line, n, FK_REJECT_GAIJI, "content.x.a.a");
	n = nested(line, 2000, "\"ok\"");
	rejected_n(line, n, FK_REJECT_SCHEMA, "content");
	free(line);
}
END_TEST

START_TEST(sizes)
{
	/* A record with a 10 MB field: refused on its length alone. */
	size_t big = 10u << 20;
	char *line = malloc(big + 128);
	ck_assert_ptr_nonnull(line);
	size_t n = (size_t)sprintf(line, "{\"type\":\"ledger\",\"accepted_on\":\"2026-11-30\","
					 "\"entry\":{\"x\":\"");
	memset(line + n, 'a', big);
	n += big;
	n += (size_t)sprintf(line + n, "\"}}");
	rejected_n(line, n, FK_REJECT_TOO_LARGE, "line");
	/* Decided before any parsing: the same line broken at its end is still too large, not
	 * malformed. */
	line[n - 1] = '\xff';
	rejected_n(line, n, FK_REJECT_TOO_LARGE, "10485");

	/* One field: FK_PKG_FIELD_MAX bytes pass, one more does not. */
	n = (size_t)sprintf(line, "{\"type\":\"ledger\",\"accepted_on\":\"2026-11-30\","
				  "\"entry\":{\"x\":\"");
	memset(line + n, 'a', FK_PKG_FIELD_MAX);
	strcpy(line + n + FK_PKG_FIELD_MAX, "\"}}");
	parsed p;
	parse(&p, line);
	ck_assert_int_eq(p.why, FK_REJECT_NONE);
	fk_record_clear(&p.r);
	memset(line + n, 'a', FK_PKG_FIELD_MAX + 1);
	strcpy(line + n + FK_PKG_FIELD_MAX + 1, "\"}}");
	rejected(line, FK_REJECT_TOO_LARGE, "entry.x");

	/* The line: FK_PKG_LINE_MAX bytes pass (spaces are JSON's), one more does not. */
	n = strlen(L_LEDGER);
	memset(line, ' ', FK_PKG_LINE_MAX);
	memcpy(line, L_LEDGER, n);
	parse_n(&p, line, FK_PKG_LINE_MAX);
	ck_assert_int_eq(p.why, FK_REJECT_NONE);
	fk_record_clear(&p.r);
	line[FK_PKG_LINE_MAX] = ' ';
	rejected_n(line, FK_PKG_LINE_MAX + 1, FK_REJECT_TOO_LARGE, "line");

	/* The fields the record holds in fixed room. */
	char who[128];
	memset(who, 'w', 72);
	who[72] = '\0';
	snprintf(line, 1024, "{\"type\":\"removal\",\"ref\":\"x\",\"removed_on\":\"2026-11-30\","
			     "\"changed_by\":\"%s\",\"reason\":\"r\"}", who);
	rejected(line, FK_REJECT_TOO_LARGE, "changed_by");
	who[71] = '\0';
	snprintf(line, 1024, "{\"type\":\"removal\",\"ref\":\"x\",\"removed_on\":\"2026-11-30\","
			     "\"changed_by\":\"%s\",\"reason\":\"r\"}", who);
	parse(&p, line);
	ck_assert_int_eq(p.why, FK_REJECT_NONE);
	ck_assert_uint_eq(strlen(p.r.changed_by), 71);
	fk_record_clear(&p.r);
	rejected("{\"type\":\"document\",\"doc_type\":\"1234567890123456789012345678901234567890"
		 "123456789012345678901234\",\"entry\":{\"a\":\"1\"}}",
		 FK_REJECT_TOO_LARGE, "doc_type");
	free(line);
}
END_TEST

START_TEST(types_fields_refs_kinds_dates)
{
	rejected("{\"type\":\"marriage\"}", FK_REJECT_TYPE, "marriage");
	rejected("{\"ref\":\"x\"}", FK_REJECT_FIELD, "type");
	rejected("{\"type\":1}", FK_REJECT_FIELD, "type");
	rejected("{\"type\":\"removal\",\"ref\":\"x\",\"removed_on\":\"2026-11-30\","
		 "\"changed_by\":\"a\",\"reason\":\"r\",\"extra\":\"\"}",
		 FK_REJECT_FIELD, "extra: unknown field");
	rejected("{\"type\":\"removal\",\"ref\":\"x\",\"removed_on\":\"2026-11-30\",\"changed_by\":\"a\"}",
		 FK_REJECT_FIELD, "reason: missing");
	rejected("{\"type\":\"removal\",\"ref\":\"x\",\"removed_on\":\"2026-11-30\","
		 "\"changed_by\":\"\",\"reason\":\"r\"}", FK_REJECT_FIELD, "changed_by: empty");
	rejected("{\"type\":\"removal\",\"ref\":\"x\",\"removed_on\":\"2026-11-30\","
		 "\"changed_by\":7,\"reason\":\"r\"}", FK_REJECT_FIELD, "changed_by: not a string");
	rejected("{\"type\":\"version\",\"ref\":\"x\",\"changed_by\":\"a\",\"reason\":\"r\"}",
		 FK_REJECT_FIELD, "content: missing");
	rejected("{\"type\":\"version\",\"ref\":\"x\",\"content\":[],\"changed_by\":\"a\",\"reason\":\"r\"}",
		 FK_REJECT_FIELD, "content: not an object");
	rejected("{\"type\":\"ledger\",\"accepted_on\":\"2026-11-30\",\"entry\":[\"a\"]}",
		 FK_REJECT_FIELD, "entry: not an object");
	rejected("{\"type\":\"ledger\",\"accepted_on\":\"2026-11-30\",\"entry\":{}}",
		 FK_REJECT_FIELD, "entry: empty");
	rejected("{\"type\":\"ledger\",\"accepted_on\":\"2026-11-30\",\"entry\":{\"受付番号\":123}}",
		 FK_REJECT_FIELD, "entry.受付番号: not a string");
	rejected("{\"type\":\"ledger\",\"accepted_on\":\"2026-11-30\",\"entry\":{\"\":\"1\"}}",
		 FK_REJECT_FIELD, "empty name");
	rejected("{\"type\":\"ledger\",\"accepted_on\":20261130,\"entry\":{\"a\":\"1\"}}",
		 FK_REJECT_FIELD, "accepted_on: not a string");

	rejected("{\"type\":\"register\",\"kind\":\"koseki\",\"content\":" CONTENT "}",
		 FK_REJECT_REF, "ref: missing");
	rejected("{\"type\":\"register\",\"ref\":\"K 1\",\"kind\":\"koseki\",\"content\":" CONTENT "}",
		 FK_REJECT_REF, "ref:");
	rejected("{\"type\":\"register\",\"ref\":\"\",\"kind\":\"koseki\",\"content\":" CONTENT "}",
		 FK_REJECT_REF, "ref:");
	rejected("{\"type\":\"register\",\"ref\":\"戸籍1\",\"kind\":\"koseki\",\"content\":" CONTENT "}",
		 FK_REJECT_REF, "ref:");
	rejected("{\"type\":\"register\",\"ref\":12,\"kind\":\"koseki\",\"content\":" CONTENT "}",
		 FK_REJECT_REF, "ref: not a string");
	rejected("{\"type\":\"register\",\"ref\":\"12345678901234567890123456789012345678901234567890"
		 "123456789012345\",\"kind\":\"koseki\",\"content\":" CONTENT "}",
		 FK_REJECT_REF, "ref:");
	rejected("{\"type\":\"document\",\"doc_type\":\"出生届\",\"ref\":\"\",\"entry\":{\"a\":\"1\"}}",
		 FK_REJECT_REF, "ref:");
	parsed p;
	parse(&p, "{\"type\":\"register\",\"ref\":\"1234567890123456789012345678901234567890123456"
		  "789012345678\",\"kind\":\"koseki\",\"content\":" CONTENT "}");
	ck_assert_int_eq(p.why, FK_REJECT_NONE); /* 64 characters */
	fk_record_clear(&p.r);

	rejected("{\"type\":\"register\",\"ref\":\"x\",\"kind\":\"戸籍\",\"content\":" CONTENT "}",
		 FK_REJECT_KIND, "kind");
	rejected("{\"type\":\"register\",\"ref\":\"x\",\"kind\":\"other\",\"content\":" CONTENT "}",
		 FK_REJECT_KIND, "kind");
	rejected("{\"type\":\"register\",\"ref\":\"x\",\"kind\":\"koseki\",\"content\":{\"honseki\":\"a\"}}",
		 FK_REJECT_SCHEMA, "content: ");
	rejected("{\"type\":\"version\",\"ref\":\"x\",\"changed_by\":\"a\",\"reason\":\"r\","
		 "\"content\":{\"honseki\":\"a\",\"hittosha\":{\"name\":\"n\",\"reading\":\"r\"},"
		 "\"persons\":[" PERSON "],\"jiko\":[{\"type\":\"編製\",\"date\":\"2001-02-29\"}]}}",
		 FK_REJECT_SCHEMA, "jiko[0].date");

	static const char *const bad_dates[] = {"2026-02-29", "2026-13-01", "2026-1-01",
						"2026-11-30T00:00", "26-11-30", "0000-01-01", ""};
	for (size_t i = 0; i < sizeof bad_dates / sizeof *bad_dates; i++) {
		char line[256];
		snprintf(line, sizeof line, "{\"type\":\"ledger\",\"accepted_on\":\"%s\","
					    "\"entry\":{\"a\":\"1\"}}", bad_dates[i]);
		rejected(line, FK_REJECT_DATE, "accepted_on");
	}
	rejected("{\"type\":\"removal\",\"ref\":\"x\",\"removed_on\":\"2025-04-31\","
		 "\"changed_by\":\"a\",\"reason\":\"r\"}", FK_REJECT_DATE, "removed_on");
	parse(&p, "{\"type\":\"ledger\",\"accepted_on\":\"2000-02-29\",\"entry\":{\"a\":\"1\"}}");
	ck_assert_int_eq(p.why, FK_REJECT_NONE);
	fk_record_clear(&p.r);
}
END_TEST

/* 〓[ always starts a reference: 〓[MJ:dddddd] or 〓[KT:dddddd], in every string. */
START_TEST(gaiji_references)
{
	parsed p;
	char *s = round_trip("{\"type\":\"ledger\",\"accepted_on\":\"2026-11-30\",\"entry\":"
			     "{\"氏名\":\"〓[MJ:012345]田 〓[KT:123456]〓 〓\"}}", &p);
	fk_record_clear(&p.r);
	free(s);
	static const char *const bad[] = {
		"〓[MJ:12345]", "〓[MJ:0123456]", "〓[XX:123456]", "〓[mj:123456]",
		"〓[MJ:12a456]", "a〓[", "〓[KT:123456", "〓[MJ:012345]〓[KT:1]",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char line[256];
		snprintf(line, sizeof line, "{\"type\":\"ledger\",\"accepted_on\":\"2026-11-30\","
					    "\"entry\":{\"氏名\":\"%s\"}}", bad[i]);
		rejected(line, FK_REJECT_GAIJI, "entry.氏名");
	}
	/* In a name of the entry's, in the content, in a field of the record's own. */
	rejected("{\"type\":\"ledger\",\"accepted_on\":\"2026-11-30\",\"entry\":{\"〓[\":\"1\"}}",
		 FK_REJECT_GAIJI, "entry.");
	rejected("{\"type\":\"register\",\"ref\":\"x\",\"kind\":\"koseki\",\"content\":"
		 "{\"honseki\":\"a\",\"hittosha\":{\"name\":\"〓[MJ:01]\",\"reading\":\"r\"},"
		 "\"persons\":[]}}", FK_REJECT_GAIJI, "content.hittosha.name");
	rejected("{\"type\":\"removal\",\"ref\":\"x\",\"removed_on\":\"2026-11-30\","
		 "\"changed_by\":\"〓[KT]\",\"reason\":\"r\"}", FK_REJECT_GAIJI, "changed_by");
	/* Written as an escape: the line has no 〓[ of its own, the string has (record.c skips
	 * the check on lines without either). */
	rejected("{\"type\":\"ledger\",\"accepted_on\":\"2026-11-30\",\"entry\":{\"a\":\"\\u3013[MJ:1]\"}}",
		 FK_REJECT_GAIJI, "entry.a");
}
END_TEST

/* Bytes of invalid UTF-8 inside strings are kept as U+10FF00 + byte, shown marked, and the
 * canonical line gives back the bytes as sent. */
START_TEST(invalid_utf8_inside_strings_is_kept)
{
	const char *line = "{\"type\":\"removal\",\"ref\":\"x\",\"removed_on\":\"2026-11-30\","
			   "\"changed_by\":\"a\xff" "b\xe3\x80" "c\",\"reason\":\"\xc0\xaf\xed\xa0\x80\"}";
	parsed p;
	char *s = round_trip(line, &p);
	ck_assert_str_eq(p.r.changed_by, "a\xf4\x8f\xbf\xbf" "b\xf4\x8f\xbf\xa3\xf4\x8f\xbe\x80" "c");
	/* An overlong and an encoded surrogate: each byte kept. */
	ck_assert_str_eq(p.r.reason, "\xf4\x8f\xbf\x80\xf4\x8f\xbe\xaf\xf4\x8f\xbf\xad"
				     "\xf4\x8f\xbe\xa0\xf4\x8f\xbe\x80");
	ck_assert_ptr_nonnull(strstr(s, "\"changed_by\":\"a\xff" "b\xe3\x80" "c\""));
	ck_assert_ptr_nonnull(strstr(s, "\"reason\":\"\xc0\xaf\xed\xa0\x80\""));
	char shown[128];
	fk_disp_clean(p.r.changed_by, shown, sizeof shown);
	ck_assert_str_eq(shown, "a‹\\xFF›b‹\\xE3›‹\\x80›c");
	fk_record_clear(&p.r);
	free(s);
	/* In a key of the entry and in the content: kept there too. */
	s = round_trip("{\"type\":\"ledger\",\"accepted_on\":\"2026-11-30\","
		       "\"entry\":{\"\x80\":\"\\\"\xfe\\\\\"}}", &p);
	ck_assert_str_eq(json_string_value(json_object_get(p.r.entry, "\xf4\x8f\xbe\x80")),
			 "\"\xf4\x8f\xbf\xbe\\");
	fk_record_clear(&p.r);
	free(s);
	s = round_trip("{\"type\":\"register\",\"ref\":\"x\",\"kind\":\"koseki\",\"content\":"
		       "{\"honseki\":\"\xa0\",\"hittosha\":{\"name\":\"n\",\"reading\":\"r\"},"
		       "\"persons\":[" PERSON "]}}", &p);
	ck_assert_str_eq(fk_register_honseki(p.r.content), "\xf4\x8f\xbe\xa0");
	fk_record_clear(&p.r);
	free(s);
}
END_TEST

/* Escape sequences and bidi controls are the municipality's record: kept byte for byte; the
 * display makes them harmless. The detail of a refusal never carries them raw. */
START_TEST(escapes_and_bidi_are_kept_exactly)
{
	parsed p;
	char *s = round_trip("{\"type\":\"removal\",\"ref\":\"x\",\"removed_on\":\"2026-11-30\","
			     "\"changed_by\":\"\\u001b[2J\\u009b31m\",\"reason\":\"\xe2\x80\xae"
			     "abc\xe2\x81\xa6\\u200f\"}", &p);
	ck_assert_str_eq(p.r.changed_by, "\x1b[2J\xc2\x9b" "31m");
	ck_assert_str_eq(p.r.reason, "\xe2\x80\xae" "abc\xe2\x81\xa6\xe2\x80\x8f");
	ck_assert_ptr_nonnull(strstr(s, "\\u001B[2J"));
	char shown[128];
	fk_disp_clean(p.r.changed_by, shown, sizeof shown);
	ck_assert_ptr_null(strchr(shown, '\x1b'));
	fk_record_clear(&p.r);
	free(s);

	parse(&p, "{\"type\":\"ledger\",\"accepted_on\":\"2026-11-30\",\"entry\":{\"a\":\"1\"},"
		  "\"\\u001b]0;owned\\u0007\\u202e\":\"\"}");
	ck_assert_int_eq(p.why, FK_REJECT_FIELD);
	ck_assert_ptr_null(strchr(p.detail, '\x1b'));
	ck_assert_ptr_null(strchr(p.detail, '\x07'));
	ck_assert_ptr_null(strstr(p.detail, "\xe2\x80\xae"));
	ck_assert_ptr_nonnull(strstr(p.detail, "unknown field"));
	/* A detail that does not fit is cut, never overrun. */
	char tiny[8];
	fk_pkg_record r;
	fk_reject why;
	fk_error err;
	ck_assert_int_eq(fk_record_parse("{}", 2, &r, &why, tiny, sizeof tiny, &err), FK_OK);
	ck_assert_int_eq(why, FK_REJECT_FIELD);
	ck_assert_uint_lt(strlen(tiny), sizeof tiny);
}
END_TEST

/* Receipts and the history spell each reason by its id; operators read its sentence. */
START_TEST(reasons_have_ids_and_sentences)
{
	static const char *const names[] = {
#define NAME(id, text) #id,
		FK_REJECT_LIST(NAME)
#undef NAME
	};
	size_t count = sizeof names / sizeof *names;
	for (size_t i = 0; i < count; i++) {
		char lower[32];
		size_t k = 0;
		for (; names[i][k] && k + 1 < sizeof lower; k++)
			lower[k] = (char)tolower((unsigned char)names[i][k]);
		lower[k] = '\0';
		ck_assert_str_eq(fk_reject_id((fk_reject)i), lower);
		const char *t = fk_reject_text((fk_reject)i);
		ck_assert_msg(t && strlen(t) > 10 && t[strlen(t) - 1] == '.', "%s", names[i]);
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(t, fk_reject_text((fk_reject)j));
	}
	ck_assert_str_eq(fk_reject_id((fk_reject)count), "?");
	ck_assert_str_eq(fk_reject_id((fk_reject)-1), "?");
}
END_TEST

START_TEST(dump_refuses_what_is_no_record)
{
	fk_pkg_record r = {.type = FK_REC_VERSION};
	char *s;
	size_t n;
	fk_error err;
	ck_assert_int_eq(fk_record_dump(&r, &s, &n, &err), FK_ERR_INVALID); /* no content */
	ck_assert_ptr_null(s);
	r.type = (fk_rec_type)0;
	ck_assert_int_eq(fk_record_dump(&r, &s, &n, &err), FK_ERR_INVALID);
	fk_record_clear(NULL);
}
END_TEST

/* A chunk's trees from one arena (core/text/jarena.h, issue 10): parsed in it, its memory
 * reused after a reset; values made outside it are malloc's as before (json_dumps' string
 * freed with free(), a heap value added to a parsed tree freed with it). Under
 * AddressSanitizer or valgrind a value given back twice or lost fails here. */
START_TEST(a_chunk_s_trees_come_from_its_arena_and_go_at_once)
{
	fk_jarena a = {0};
	parsed p, q;
	fk_jarena_use(&a);
	parse(&p, L_REGISTER);
	fk_jarena_use(NULL);
	ck_assert_int_eq(p.why, FK_REJECT_NONE);
	ck_assert_uint_gt(a.bytes, 0); /* the tree is the arena's */
	const void *first = p.r.content;
	/* A value of the heap in the arena's tree, and a dump of it, outside the arena. */
	ck_assert_int_eq(json_object_set_new(p.r.content, "jiko", json_array()), 0);
	char *s = json_dumps(p.r.content, JSON_COMPACT);
	ck_assert_ptr_nonnull(s);
	free(s);
	fk_record_clear(&p.r);
	size_t held = a.bytes;
	fk_jarena_reset(&a);
	fk_jarena_use(&a);
	parse(&q, L_REGISTER);
	rejected("{\"type\":\"ledger\"} {}", FK_REJECT_MALFORMED, "column");
	fk_jarena_use(NULL);
	ck_assert_int_eq(q.why, FK_REJECT_NONE);
	ck_assert_ptr_eq(q.r.content, first); /* the same memory, not more */
	ck_assert_uint_eq(a.bytes, held);
	fk_record_clear(&q.r);
	fk_jarena_free(&a);
	ck_assert_uint_eq(a.bytes, 0);
	/* Without an arena: malloc's, freed one by one. */
	parse(&p, L_LEDGER);
	ck_assert_int_eq(p.why, FK_REJECT_NONE);
	fk_record_clear(&p.r);
}
END_TEST

/* What yajl (core/text/jsonline.c, issue 10) would take and jansson refused stays refused:
 * numbers that do not fit, escapes that are no character, a key twice at any depth, a bare
 * value, a key with \u0000; what fits is refused for what it is (a field, the schema), not
 * as malformed. Each fails if the builder's check is removed. */
START_TEST(what_the_streaming_parser_would_take_is_refused_as_before)
{
#define LEDGER_ENTRY(v) "{\"type\":\"ledger\",\"accepted_on\":\"2026-11-30\",\"entry\":{\"a\":" v "}}"
	rejected(LEDGER_ENTRY("123456789012345678901234567890"), FK_REJECT_MALFORMED, "too big integer");
	rejected(LEDGER_ENTRY("-123456789012345678901234567890"), FK_REJECT_MALFORMED,
		 "too big negative integer");
	rejected(LEDGER_ENTRY("1e999"), FK_REJECT_MALFORMED, "real number overflow");
	rejected(LEDGER_ENTRY("12"), FK_REJECT_FIELD, "entry.a: not a string");
	rejected(LEDGER_ENTRY("1e-999"), FK_REJECT_FIELD, "entry.a: not a string");
	rejected(LEDGER_ENTRY("null"), FK_REJECT_FIELD, "entry.a: not a string");
	/* A high surrogate followed by an escape that is not a low one; a pair is a character. */
	rejected(LEDGER_ENTRY("\"\\ud800\\u0041\""), FK_REJECT_MALFORMED, "column");
	rejected(LEDGER_ENTRY("\"\\ud800\\\""), FK_REJECT_MALFORMED, "column");
	parsed p;
	/* An escaped backslash, then text: no escape of a NUL. */
	parse(&p, LEDGER_ENTRY("\"\\\\u0000\""));
	ck_assert_int_eq(p.why, FK_REJECT_NONE);
	ck_assert_str_eq(json_string_value(json_object_get(p.r.entry, "a")), "\\u0000");
	fk_record_clear(&p.r);
	parse(&p, LEDGER_ENTRY("\"\\ud83d\\ude00\\\"\\\\\""));
	ck_assert_int_eq(p.why, FK_REJECT_NONE);
	ck_assert_str_eq(json_string_value(json_object_get(p.r.entry, "a")), "\xf0\x9f\x98\x80\"\\");
	fk_record_clear(&p.r);
	/* \u0000 in a key, a key twice inside the content, a bare value, an unfinished line. */
	rejected("{\"type\":\"ledger\",\"accepted_on\":\"2026-11-30\",\"entry\":{\"a\\u0000b\":\"1\"}}",
		 FK_REJECT_MALFORMED, "column");
	rejected("{\"type\":\"register\",\"ref\":\"r\",\"kind\":\"koseki\",\"content\":"
		 "{\"honseki\":\"a\",\"honseki\":\"b\"}}", FK_REJECT_MALFORMED, "duplicate");
	rejected("\"register\"", FK_REJECT_MALFORMED, "column");
	rejected("42", FK_REJECT_MALFORMED, "column");
	rejected("{\"type\":\"ledger\"", FK_REJECT_MALFORMED, "column");
	rejected("{\"type\":\"ledger\",}", FK_REJECT_MALFORMED, "column");
	rejected("{\"type\":\"ledger\"} x", FK_REJECT_MALFORMED, "column");
	rejected("{\"type\":\"ledger\"/* */}", FK_REJECT_MALFORMED, "column");
#undef LEDGER_ENTRY
}
END_TEST

int main(void)
{
	if (!setlocale(LC_ALL, "C.UTF-8"))
		return 77;
	Suite *s = suite_create("package");
	TCase *tc = tcase_create("records");
	tcase_add_test(tc, each_type_is_accepted_and_round_trips);
	tcase_add_test(tc, malformed_lines);
	tcase_add_test(tc, depth_bombs);
	tcase_add_test(tc, sizes);
	tcase_add_test(tc, types_fields_refs_kinds_dates);
	tcase_add_test(tc, gaiji_references);
	tcase_add_test(tc, invalid_utf8_inside_strings_is_kept);
	tcase_add_test(tc, escapes_and_bidi_are_kept_exactly);
	tcase_add_test(tc, reasons_have_ids_and_sentences);
	tcase_add_test(tc, dump_refuses_what_is_no_record);
	tcase_add_test(tc, a_chunk_s_trees_come_from_its_arena_and_go_at_once);
	tcase_add_test(tc, what_the_streaming_parser_would_take_is_refused_as_before);
	suite_add_tcase(s, tc);
	return fkt_run(s);
}
