/* Unit tests: the manifest of a package (core/text/manifest.c; R-BATCH-PROTO), parsed
 * strictly — each rule has a manifest that breaks it alone. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fktest.h"
#include "package.h"

#define H64 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
/* A good manifest, with %s slots for the pieces each test changes. */
#define GOOD_FMT \
	"{\"format\":\"fukuhon-package/1\",\"municipality\":\"%s\",\"sequence\":%s,\"kind\":\"%s\"," \
	"\"created_at\":\"%s\",\"counts\":{\"register\":3,\"version\":1,\"removal\":0,\"ledger\":1," \
	"\"document\":%s},\"chunks\":[{\"sha256\":\"%s\",\"records\":2,\"bytes\":100}," \
	"{\"sha256\":\"" H64 "\",\"records\":%s,\"bytes\":200}]%s}"

typedef struct piece {
	const char *muni, *seq, *kind, *at, *docs, *hash, *recs, *tail;
} piece;

static fk_status parse(piece p, fk_manifest *m, fk_error *err)
{
	char buf[2048];
	snprintf(buf, sizeof buf, GOOD_FMT, p.muni ? p.muni : "131016", p.seq ? p.seq : "12",
		 p.kind ? p.kind : "delta", p.at ? p.at : "2026-12-01T09:30:00Z",
		 p.docs ? p.docs : "0", p.hash ? p.hash : H64, p.recs ? p.recs : "3",
		 p.tail ? p.tail : "");
	return fk_manifest_parse((const uint8_t *)buf, strlen(buf), m, err);
}

static void refused(piece p, const char *msg_part)
{
	fk_manifest m;
	fk_error err;
	ck_assert_int_eq(parse(p, &m, &err), FK_ERR_INVALID);
	ck_assert_msg(strstr(err.msg, msg_part) != NULL, "'%s' lacks '%s'", err.msg, msg_part);
	ck_assert_ptr_null(m.chunks);
}

START_TEST(test_good)
{
	fk_manifest m, back;
	fk_error err;
	ck_assert_ok(parse((piece){0}, &m, &err), &err);
	ck_assert_str_eq(m.municipality, "131016");
	ck_assert_int_eq(m.sequence, 12);
	ck_assert_int_eq(m.kind, FK_PKG_DELTA);
	ck_assert_int_eq(m.created_at, 1796117400); /* 2026-12-01T09:30:00Z */
	ck_assert_int_eq(m.counts[0], 5);
	ck_assert_int_eq(m.counts[FK_REC_LEDGER], 1);
	ck_assert_int_eq(m.nchunks, 2);
	ck_assert_int_eq(m.chunks[1].bytes, 200);
	ck_assert_int_eq(m.chunks[0].sha256[31], 0xff);
	/* Dumped and parsed again: the same manifest. */
	char *s;
	size_t n;
	ck_assert_ok(fk_manifest_dump(&m, &s, &n, &err), &err);
	ck_assert_ok(fk_manifest_parse((const uint8_t *)s, n, &back, &err), &err);
	ck_assert(strstr(s, "\"created_at\":\"2026-12-01T09:30:00Z\"") != NULL);
	ck_assert_int_eq(back.created_at, m.created_at);
	ck_assert_int_eq(back.counts[0], m.counts[0]);
	ck_assert(memcmp(back.chunks, m.chunks, 2 * sizeof *m.chunks) == 0);
	free(s);
	fk_manifest_clear(&back);
	fk_manifest_clear(&m);
	ck_assert_str_eq(fk_pkg_kind_id(FK_PKG_IMMEDIATE), "immediate");
	ck_assert_str_eq(fk_rec_type_id(FK_REC_DOCUMENT), "document");
}
END_TEST

START_TEST(test_strict)
{
	refused((piece){.tail = ",\"extra\":1"}, "may not have");
	refused((piece){.tail = ",\"kind\":\"full\""}, "not JSON"); /* a duplicate key */
	refused((piece){.muni = "131017"}, "check digit");
	refused((piece){.muni = "13101"}, "check digit");
	refused((piece){.seq = "0"}, "sequence");
	refused((piece){.seq = "\"12\""}, "sequence");
	refused((piece){.seq = "1.5"}, "sequence");
	refused((piece){.kind = "Full"}, "kind");
	refused((piece){.at = "2026-02-30T09:30:00Z"}, "created_at");
	refused((piece){.at = "2026-12-01T09:30:00z"}, "created_at");
	refused((piece){.at = "2026-12-01T09:30:00+09:00"}, "created_at");
	refused((piece){.at = "2026-12-01 09:30:00Z"}, "created_at");
	refused((piece){.docs = "1"}, "add up");
	refused((piece){.docs = "-1"}, "count of document");
	refused((piece){.recs = "4"}, "add up");
	refused((piece){.recs = "0"}, "records");
	refused((piece){.hash = "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff"},
		"sha256");
	refused((piece){.hash = "0011"}, "sha256");
	/* The same manifest as an immediate one: two chunks, five records. */
	refused((piece){.kind = "immediate"}, "immediate");
	fk_manifest m;
	fk_error err;
	ck_assert_int_eq(fk_manifest_parse((const uint8_t *)"[]", 2, &m, &err), FK_ERR_INVALID);
	ck_assert_int_eq(fk_manifest_parse((const uint8_t *)"{", 1, &m, &err), FK_ERR_INVALID);
}
END_TEST

/* One chunk's own bounds, and the count of chunks. */
START_TEST(test_chunk_bounds)
{
	static const char *const bad[] = {
		"[]",
		"[{\"sha256\":\"" H64 "\",\"records\":5,\"bytes\":4194305}]",
		/* over 1 MiB (FK_PKG_CHUNK_MAX: the receiver's memory follows the chunks) */
		"[{\"sha256\":\"" H64 "\",\"records\":5,\"bytes\":1048577}]",
		"[{\"sha256\":\"" H64 "\",\"records\":5,\"bytes\":4}]",
		"[{\"sha256\":\"" H64 "\",\"records\":5}]",
		"[{\"sha256\":\"" H64 "\",\"records\":5,\"bytes\":100,\"x\":1}]",
		"[5]",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char buf[1024];
		snprintf(buf, sizeof buf,
			 "{\"format\":\"fukuhon-package/1\",\"municipality\":\"131016\",\"sequence\":1,"
			 "\"kind\":\"full\",\"created_at\":\"2026-12-01T09:30:00Z\",\"counts\":{"
			 "\"register\":5,\"version\":0,\"removal\":0,\"ledger\":0,\"document\":0},"
			 "\"chunks\":%s}",
			 bad[i]);
		fk_manifest m;
		fk_error err;
		ck_assert_msg(fk_manifest_parse((const uint8_t *)buf, strlen(buf), &m, &err) ==
				      FK_ERR_INVALID,
			      "accepted %s", bad[i]);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("manifest");
	TCase *tc = tcase_create("manifest");
	tcase_add_test(tc, test_good);
	tcase_add_test(tc, test_strict);
	tcase_add_test(tc, test_chunk_bounds);
	suite_add_tcase(s, tc);
	return fkt_run(s);
}
