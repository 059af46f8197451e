/* A package's manifest (docs/package-format.md; R-BATCH-PROTO): parsed strictly — unknown
 * keys, a wrong check digit, counts that do not add up are refused — and written canonically
 * for the package generator. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lgcode.h"
#include "package.h"

static const char *const kind_ids[] = {[FK_PKG_FULL] = "full", [FK_PKG_DELTA] = "delta",
				       [FK_PKG_IMMEDIATE] = "immediate"};
static const char *const type_ids[] = {[FK_REC_REGISTER] = "register", [FK_REC_VERSION] = "version",
				       [FK_REC_REMOVAL] = "removal", [FK_REC_LEDGER] = "ledger",
				       [FK_REC_DOCUMENT] = "document"};

const char *fk_pkg_kind_id(fk_pkg_kind k)
{
	return k >= FK_PKG_FULL && k <= FK_PKG_IMMEDIATE ? kind_ids[k] : "unknown";
}

const char *fk_rec_type_id(fk_rec_type t)
{
	return t >= FK_REC_REGISTER && t <= FK_REC_TYPES ? type_ids[t] : "unknown";
}

/* The largest number of records an immediate package may carry (one change as it happens). */
#define IMMEDIATE_RECORDS_MAX 16

static fk_status bad(fk_error *err, const char *what)
{
	return fk_fail(err, FK_ERR_INVALID, "manifest: %s", what);
}

/* Every key of o is one of names (NULL-terminated), and each of them is present. */
static fk_status exact_keys(const json_t *o, const char *const *names, const char *where,
			    fk_error *err)
{
	size_t want = 0;
	for (const char *const *n = names; *n; n++, want++)
		if (!json_object_get(o, *n))
			return fk_fail(err, FK_ERR_INVALID, "manifest: %s lacks \"%s\"", where, *n);
	if (json_object_size(o) != want)
		return fk_fail(err, FK_ERR_INVALID, "manifest: %s has a key it may not have", where);
	return FK_OK;
}

/* A non-negative integer no larger than max. */
static int int_in(const json_t *v, int64_t min, int64_t max, int64_t *out)
{
	if (!json_is_integer(v))
		return 0;
	json_int_t i = json_integer_value(v);
	if (i < min || i > max)
		return 0;
	*out = (int64_t)i;
	return 1;
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 1;
}

/* RFC 3339 in UTC, to the second, exactly as "2026-12-01T09:30:00Z". */
static int parse_utc(const char *s, int64_t *out)
{
	int y, mo, d, h, mi, se;
	if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != 'Z')
		return 0;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
	    !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &se))
		return 0;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59)
		return 0;
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
			.tm_min = mi, .tm_sec = se};
	time_t t = timegm(&tm);
	struct tm back;
	/* timegm moves 31 November to 1 December: an impossible date does not come back. */
	if (t == (time_t)-1 || !gmtime_r(&t, &back) || back.tm_mday != d || back.tm_mon != mo - 1)
		return 0;
	*out = (int64_t)t;
	return 1;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1; /* upper case too: one spelling per hash */
}

static int parse_sha256(const char *s, uint8_t out[32])
{
	if (strlen(s) != 64)
		return 0;
	for (int i = 0; i < 32; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return 0;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 1;
}

static fk_status parse_counts(const json_t *c, fk_manifest *m, fk_error *err)
{
	static const char *const names[] = {"register", "version", "removal", "ledger", "document",
					    NULL};
	if (!json_is_object(c))
		return bad(err, "\"counts\" is not an object");
	fk_status s = exact_keys(c, names, "\"counts\"", err);
	if (s != FK_OK)
		return s;
	m->counts[0] = 0;
	for (int t = FK_REC_REGISTER; t <= FK_REC_TYPES; t++) {
		/* Bounded so that the sum cannot overflow: no package holds more records than
		 * its chunks' bytes. */
		if (!int_in(json_object_get(c, type_ids[t]), 0,
			    (int64_t)FK_PKG_CHUNK_MAX * FK_PKG_CHUNKS_MAX, &m->counts[t]))
			return fk_fail(err, FK_ERR_INVALID, "manifest: the count of %s is not a number of records",
				       type_ids[t]);
		m->counts[0] += m->counts[t];
	}
	return FK_OK;
}

static fk_status parse_chunk(const json_t *c, int i, fk_manifest_chunk *out, fk_error *err)
{
	static const char *const names[] = {"sha256", "records", "bytes", NULL};
	char where[48];
	snprintf(where, sizeof where, "chunk %d", i);
	if (!json_is_object(c))
		return fk_fail(err, FK_ERR_INVALID, "manifest: %s is not an object", where);
	fk_status s = exact_keys(c, names, where, err);
	if (s != FK_OK)
		return s;
	const char *h = json_string_value(json_object_get(c, "sha256"));
	if (!h || !parse_sha256(h, out->sha256))
		return fk_fail(err, FK_ERR_INVALID, "manifest: %s's sha256 is not 64 lowercase hex digits",
			       where);
	if (!int_in(json_object_get(c, "bytes"), 1, FK_PKG_CHUNK_MAX, &out->bytes))
		return fk_fail(err, FK_ERR_INVALID, "manifest: %s's bytes are not 1..%u (a chunk holds at "
			       "most 1 MiB of records: send smaller chunks)", where, FK_PKG_CHUNK_MAX);
	/* Each record is a line of at least one byte: more records than bytes is a lie. */
	if (!int_in(json_object_get(c, "records"), 1, out->bytes, &out->records))
		return fk_fail(err, FK_ERR_INVALID, "manifest: %s's records are not 1..its bytes", where);
	return FK_OK;
}

static fk_status parse_chunks(const json_t *a, fk_manifest *m, fk_error *err)
{
	if (!json_is_array(a) || json_array_size(a) < 1 || json_array_size(a) > FK_PKG_CHUNKS_MAX)
		return fk_fail(err, FK_ERR_INVALID, "manifest: \"chunks\" is not a list of 1..%d chunks",
			       FK_PKG_CHUNKS_MAX);
	size_t n = json_array_size(a);
	m->chunks = calloc(n, sizeof *m->chunks);
	if (!m->chunks)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory for the manifest");
	m->nchunks = (int)n;
	int64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		fk_status s = parse_chunk(json_array_get(a, i), (int)i, &m->chunks[i], err);
		if (s != FK_OK)
			return s;
		total += m->chunks[i].records;
	}
	if (total != m->counts[0])
		return fk_fail(err, FK_ERR_INVALID,
			       "manifest: the counts add up to %" PRId64 " records, the chunks hold %" PRId64,
			       m->counts[0], total);
	if (m->kind == FK_PKG_IMMEDIATE && (n != 1 || total > IMMEDIATE_RECORDS_MAX))
		return fk_fail(err, FK_ERR_INVALID,
			       "manifest: an immediate package is one chunk of at most %d records",
			       IMMEDIATE_RECORDS_MAX);
	return FK_OK;
}

/* A terminal's export: the request carried out and the output number it was given. */
static fk_status parse_export(const json_t *ex, fk_manifest *m, fk_error *err)
{
	static const char *const names[] = {"request", "output", NULL};
	if (!json_is_object(ex))
		return bad(err, "\"export\" is not an object");
	fk_status s = exact_keys(ex, names, "\"export\"", err);
	if (s != FK_OK)
		return s;
	if (!int_in(json_object_get(ex, "request"), 1, INT64_MAX, &m->export_request))
		return bad(err, "\"export\".\"request\" is not a number from 1");
	const char *no = json_string_value(json_object_get(ex, "output"));
	if (!no || !*no || strlen(no) >= sizeof m->export_output)
		return bad(err, "\"export\".\"output\" is not an output number");
	memcpy(m->export_output, no, strlen(no) + 1);
	return FK_OK;
}

static fk_status parse_head(const json_t *o, fk_manifest *m, fk_error *err)
{
	static const char *const names[] = {"format", "municipality", "sequence", "kind",
					    "created_at", "counts", "chunks", NULL};
	static const char *const names_export[] = {"format", "municipality", "sequence", "kind",
						   "created_at", "counts", "chunks", "export", NULL};
	if (!json_is_object(o))
		return bad(err, "not a JSON object");
	const json_t *ex = json_object_get(o, "export");
	fk_status s = exact_keys(o, ex ? names_export : names, "the manifest", err);
	if (s == FK_OK && ex)
		s = parse_export(ex, m, err);
	if (s != FK_OK)
		return s;
	const char *f = json_string_value(json_object_get(o, "format"));
	if (!f || strcmp(f, FK_PKG_FORMAT) != 0)
		return bad(err, "\"format\" is not " FK_PKG_FORMAT);
	const char *mu = json_string_value(json_object_get(o, "municipality"));
	if (!mu || strlen(mu) != 6 || fk_lgcode_validate(mu, NULL) != FK_OK)
		return bad(err, "\"municipality\" is not a municipality code with its check digit");
	memcpy(m->municipality, mu, 7);
	if (!int_in(json_object_get(o, "sequence"), 1, INT64_MAX, &m->sequence))
		return bad(err, "\"sequence\" is not a number from 1");
	const char *k = json_string_value(json_object_get(o, "kind"));
	m->kind = 0;
	for (int i = FK_PKG_FULL; k && i <= FK_PKG_IMMEDIATE; i++)
		if (strcmp(k, kind_ids[i]) == 0)
			m->kind = (fk_pkg_kind)i;
	if (!m->kind)
		return bad(err, "\"kind\" is not full, delta or immediate");
	const char *t = json_string_value(json_object_get(o, "created_at"));
	if (!t || !parse_utc(t, &m->created_at))
		return bad(err, "\"created_at\" is not a UTC time such as 2026-12-01T09:30:00Z");
	return FK_OK;
}

fk_status fk_manifest_parse(const uint8_t *buf, size_t n, fk_manifest *m, fk_error *err)
{
	memset(m, 0, sizeof *m);
	json_error_t je;
	/* Duplicate keys would let two readers of one manifest see two packages. */
	json_t *o = json_loadb((const char *)buf, n, JSON_REJECT_DUPLICATES, &je);
	if (!o)
		return bad(err, "not JSON");
	fk_status s = parse_head(o, m, err);
	if (s == FK_OK)
		s = parse_counts(json_object_get(o, "counts"), m, err);
	if (s == FK_OK)
		s = parse_chunks(json_object_get(o, "chunks"), m, err);
	json_decref(o);
	if (s != FK_OK)
		fk_manifest_clear(m);
	return s;
}

void fk_manifest_clear(fk_manifest *m)
{
	if (!m)
		return;
	free(m->chunks);
	memset(m, 0, sizeof *m);
}

static json_t *dump_chunks(const fk_manifest *m)
{
	json_t *a = json_array();
	for (int i = 0; a && i < m->nchunks; i++) {
		char hex[65];
		for (int j = 0; j < 32; j++)
			snprintf(hex + 2 * j, 3, "%02x", m->chunks[i].sha256[j]);
		json_t *c = json_pack("{s:s, s:I, s:I}", "sha256", hex, "records",
				      (json_int_t)m->chunks[i].records, "bytes",
				      (json_int_t)m->chunks[i].bytes);
		if (!c || json_array_append_new(a, c) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

fk_status fk_manifest_dump(const fk_manifest *m, char **out, size_t *len, fk_error *err)
{
	char when[32];
	time_t t = (time_t)m->created_at;
	struct tm tm;
	if (!gmtime_r(&t, &tm) || strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return fk_fail(err, FK_ERR_INVALID, "manifest: a creation time out of range");
	json_t *counts = json_object();
	for (int i = FK_REC_REGISTER; counts && i <= FK_REC_TYPES; i++)
		if (json_object_set_new(counts, type_ids[i], json_integer(m->counts[i])) != 0) {
			json_decref(counts);
			counts = NULL;
		}
	json_t *chunks = dump_chunks(m);
	/* The kind is written as given, even one not known, so that tests can make bad ones. */
	json_t *o = counts && chunks
			    ? json_pack("{s:s, s:s, s:I, s:s, s:s, s:O, s:O}", "format", FK_PKG_FORMAT,
					"municipality", m->municipality, "sequence",
					(json_int_t)m->sequence, "kind", fk_pkg_kind_id(m->kind),
					"created_at", when, "counts", counts, "chunks", chunks)
			    : NULL;
	json_decref(counts);
	json_decref(chunks);
	if (o && m->export_request > 0 &&
	    json_object_set_new(o, "export", json_pack("{s:I, s:s}", "request", (json_int_t)m->export_request,
						       "output", m->export_output)) != 0) {
		json_decref(o);
		o = NULL;
	}
	char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	if (!s)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory writing the manifest");
	*out = s;
	*len = strlen(s);
	return FK_OK;
}
