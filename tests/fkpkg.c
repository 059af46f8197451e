/* fkpkg: writes a fukuhon package file (docs/package-format.md) for tests, benchmarks and
 * the demo — a test tool, never installed (issue 10; R-BATCH-PROTO, R-INTRANSIT). Records
 * come from a JSON Lines file, packaged as given (so tests can send any record, even a bad
 * one), or are synthesised; fault switches make the broken packages the tests refuse. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "cms.h"
#include "demo_gen.h"
#include "names.h"
#include "package.h"
#include "pkgfile.h"
#include "pkgwrite.h"

#define MAX_RECIPS 8
#define MAX_THREADS 8

typedef struct opts {
	const char *out, *signer_key, *signer_cert, *records, *names, *pref, *muni_name;
	const char *to[MAX_RECIPS];
	int nto;
	const char *municipality;
	int64_t sequence, created_at;
	const char *kind;
	int64_t chunk_records;
	int64_t registers, versions, removals, ledger, documents;
	uint64_t seed;
	int threads;
	int corrupt_chunk, wrong_hash, drop_chunk, extra_chunk, unsigned_manifest;
	int64_t truncate;
	int have_truncate;
	int quiet;
} opts;

/* What seals: the keys, read once. */
typedef struct sealer {
	EVP_PKEY *key;
	X509 *cert;
	X509 *to[MAX_RECIPS];
	int nto;
} sealer;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "fkpkg: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_FAILURE);
}

static void die_err(const char *what, const fk_error *err) __attribute__((noreturn));
static void die_err(const char *what, const fk_error *err)
{
	fprintf(stderr, "fkpkg: %s: %s\n", what, err->msg);
	exit(EXIT_FAILURE);
}

/* ---- chunks being filled ---- */

typedef struct chunk {
	char *buf;
	size_t len, cap;
	int64_t records;
	int64_t counts[FK_REC_TYPES + 1];
} chunk;

static void chunk_add(chunk *c, const char *line, size_t n, fk_rec_type t)
{
	if (c->len + n + 1 > c->cap) {
		size_t cap = c->cap ? c->cap : 1u << 20;
		while (cap < c->len + n + 1)
			cap *= 2;
		c->buf = realloc(c->buf, cap);
		if (!c->buf)
			die("%s", "out of memory");
		c->cap = cap;
	}
	memcpy(c->buf + c->len, line, n);
	c->buf[c->len + n] = '\n';
	c->len += n + 1;
	c->records++;
	c->counts[t]++;
}

/* ---- synthesised records: record k of the package, the same whoever makes it ---- */

typedef struct synth {
	const opts *o;
	fk_names names;
	fk_demo_place place;
	char day[11]; /* the created-at date, for entries of the day */
	int64_t total;
} synth;

static const char *const doc_types[] = {"出生届", "婚姻届", "死亡届", "転籍届", "養子縁組届"};
/* Who made a notification: a ledger entry's 届出人. */
#define NOTIFIERS 4
static const char *const notifiers[NOTIFIERS] = {"父", "母", "夫", "妻"};

static fk_rng rng_for(const synth *s, int64_t k, uint64_t salt)
{
	fk_rng r;
	fk_rng_seed(&r, s->o->seed * 0x9E3779B97F4A7C15ull ^ ((uint64_t)k << 8) ^ salt);
	return r;
}

/* Refs of synthesised registers start here (--first-ref): packages sent one after another
 * (immediate ones) each bring registers of their own. */
static int64_t ref_base = 1;

static void ref_of(int64_t i, char ref[24])
{
	snprintf(ref, 24, "K-%07" PRId64, i + ref_base);
}

/* Register i's content as first sent, with `amend` corrections added to its 戸籍事項. */
static json_t *register_content(const synth *s, int64_t i, int amend)
{
	fk_rng r = rng_for(s, i, 1);
	json_t *doc = NULL;
	fk_error err;
	if (fk_demo_register(&r, &s->names, &s->place, FK_KIND_KOSEKI, &doc, &err) != FK_OK)
		die_err("generating a register", &err);
	json_t *jiko = json_object_get(doc, "jiko");
	if (!jiko) {
		jiko = json_array();
		json_object_set_new(doc, "jiko", jiko);
	}
	for (int a = 0; a < amend; a++) {
		char no[16];
		snprintf(no, sizeof no, "%d", a + 1);
		json_array_append_new(jiko, json_pack("{s:s, s:s, s:{s:s, s:s}}", "type", "訂正",
						      "date", s->day, "detail", "事由",
						      "記載の誤りによる訂正", "訂正番号", no));
	}
	return doc;
}

static json_t *make_record(const synth *s, int64_t k, fk_rec_type *t)
{
	const opts *o = s->o;
	char ref[24];
	if (k < o->registers) {
		*t = FK_REC_REGISTER;
		ref_of(k, ref);
		return json_pack("{s:s, s:s, s:s, s:o}", "type", "register", "ref", ref, "kind",
				 "koseki", "content", register_content(s, k, 0));
	}
	k -= o->registers;
	if (k < o->versions) {
		/* Version j amends register j mod N, the (j / N + 1)-th time. */
		*t = FK_REC_VERSION;
		int64_t i = k % o->registers;
		ref_of(i, ref);
		return json_pack("{s:s, s:s, s:o, s:s, s:s}", "type", "version", "ref", ref,
				 "content", register_content(s, i, (int)(k / o->registers) + 1),
				 "changed_by", "戸籍係", "reason", "記載の誤りによる訂正");
	}
	k -= o->versions;
	if (k < o->removals) {
		*t = FK_REC_REMOVAL;
		ref_of(o->registers - 1 - k, ref); /* from the last register back */
		return json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "removal", "ref", ref,
				 "removed_on", s->day, "changed_by", "戸籍係", "reason", "転籍");
	}
	k -= o->removals;
	/* Document d is the notification of ledger entry d mod L: the same number and kind. */
	int64_t entry = k < o->ledger ? k : o->ledger > 0 ? (k - o->ledger) % o->ledger : k - o->ledger;
	char no[24];
	snprintf(no, sizeof no, "%" PRId64, entry + 1);
	fk_rng r = rng_for(s, entry, 2);
	const char *dt = doc_types[fk_rng_below(&r, sizeof doc_types / sizeof doc_types[0])];
	if (k < o->ledger) {
		*t = FK_REC_LEDGER;
		json_t *rec = json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s}}", "type", "ledger",
					"accepted_on", s->day, "entry", "受付番号", no, "届出事件", dt,
					"届出人", notifiers[entry % NOTIFIERS], "受付日", s->day);
		/* Entry e is about register e mod R, its first document's: linked by the sender's
		 * ref, which the terminal resolves to its register (issue 11, item 6). */
		if (rec && o->registers > 0) {
			ref_of(entry % o->registers, ref);
			if (json_object_set_new(rec, "ref", json_string(ref))) {
				json_decref(rec);
				rec = NULL;
			}
		}
		return rec;
	}
	k -= o->ledger;
	*t = FK_REC_DOCUMENT;
	ref_of(k % o->registers, ref);
	return json_pack("{s:s, s:s, s:s, s:{s:s, s:s}}", "type", "document", "doc_type", dt,
			 "ref", ref, "entry", "届出日", s->day, "受付番号", no);
}

static void synth_chunk(const synth *s, int64_t first, int64_t n, chunk *c)
{
	for (int64_t k = first; k < first + n; k++) {
		fk_rec_type t;
		json_t *rec = make_record(s, k, &t);
		if (!rec)
			die("%s", "cannot build a record");
		char *line = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(rec);
		if (!line)
			die("%s", "cannot write a record");
		chunk_add(c, line, strlen(line), t);
		free(line);
	}
	if (c->len > FK_PKG_CHUNK_MAX)
		die("%s", "a chunk is over 1 MiB: lower --chunk-records");
}

/* ---- sealing and writing frames ---- */

typedef struct sealed {
	uint8_t *der;
	size_t len;
	fk_manifest_chunk mc;
} sealed;

/* The core's writer seals and frames (core/intake/pkgwrite.h): one writer of the format. */
static void seal_chunk(const sealer *k, chunk *c, sealed *out)
{
	fk_error err;
	if (fk_pkgw_seal_chunk(c->buf, c->len, c->records, k->to, k->nto, &out->der, &out->len,
			       &out->mc, &err) != FK_OK)
		die_err("encrypting a chunk", &err);
}

static void write_all(int fd, const void *buf, size_t n)
{
	fk_error err;
	if (fk_pkgw_write_all(fd, buf, n, &err) != FK_OK)
		die_err("writing", &err);
}

static void write_frame(int fd, const uint8_t *der, size_t len)
{
	fk_error err;
	if (fk_pkgw_frame(fd, der, len, &err) != FK_OK)
		die_err("writing a frame", &err);
}

/* The package being built: chunk frames go to an unlinked temporary file as they are made
 * (memory bounded), the manifest is written once every hash is known. */
typedef struct builder {
	const opts *o;
	const sealer *k;
	int tmp;
	fk_manifest m;
	int cap;
	int64_t bytes;
} builder;

static void add_sealed(builder *b, sealed *s)
{
	int i = b->m.nchunks;
	if (i == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->m.chunks = realloc(b->m.chunks, (size_t)b->cap * sizeof *b->m.chunks);
		if (!b->m.chunks)
			die("%s", "out of memory");
	}
	b->m.chunks[i] = s->mc;
	b->m.nchunks++;
	b->bytes += s->mc.bytes;
	if (i == b->o->corrupt_chunk)
		s->der[s->len - 30] ^= 0x01; /* in the ciphertext, just before the tag */
	if (i == b->o->wrong_hash)
		b->m.chunks[i].sha256[0] ^= 0x01;
	if (i != b->o->drop_chunk)
		write_frame(b->tmp, s->der, s->len);
	if (b->o->extra_chunk && i == 0)
		write_frame(b->tmp, s->der, s->len);
	free(s->der);
	s->der = NULL;
}

static void add_chunk(builder *b, chunk *c)
{
	sealed s;
	seal_chunk(b->k, c, &s);
	for (int t = 1; t <= FK_REC_TYPES; t++)
		b->m.counts[t] += c->counts[t];
	add_sealed(b, &s);
	c->len = 0;
	c->records = 0;
	memset(c->counts, 0, sizeof c->counts);
}

/* ---- records from a file, as given ---- */

static fk_rec_type type_of(const char *line, size_t n)
{
	json_t *o = json_loadb(line, n, 0, NULL);
	const char *t = json_string_value(json_object_get(o, "type"));
	fk_rec_type r = FK_REC_REGISTER; /* what is not a known record still counts somewhere */
	for (int i = FK_REC_REGISTER; t && i <= FK_REC_TYPES; i++)
		if (strcmp(t, fk_rec_type_id((fk_rec_type)i)) == 0)
			r = (fk_rec_type)i;
	json_decref(o);
	return r;
}

static void from_file(builder *b)
{
	FILE *f = strcmp(b->o->records, "-") == 0 ? stdin : fopen(b->o->records, "r");
	if (!f)
		die("cannot open %s", b->o->records);
	chunk c = {0};
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) >= 0) {
		if (n > 0 && line[n - 1] == '\n')
			n--;
		if (c.records > 0 && (c.records == b->o->chunk_records ||
				      c.len + (size_t)n + 1 > FK_PKG_CHUNK_MAX))
			add_chunk(b, &c);
		chunk_add(&c, line, (size_t)n, type_of(line, (size_t)n));
	}
	if (c.records > 0)
		add_chunk(b, &c);
	free(line);
	free(c.buf);
	if (f != stdin)
		fclose(f);
}

/* ---- synthesised records, made by worker threads, written in order ---- */

typedef struct worker {
	pthread_t th;
	int id;
	const synth *s;
	const sealer *k;
	int nthreads;
	int64_t nchunks;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int full; /* slot holds chunk slot_index */
	sealed slot;
	int64_t slot_counts[FK_REC_TYPES + 1];
} worker;

static void *work(void *arg)
{
	worker *w = arg;
	const opts *o = w->s->o;
	chunk c = {0};
	for (int64_t ci = w->id; ci < w->nchunks; ci += w->nthreads) {
		int64_t first = ci * o->chunk_records;
		int64_t n = w->s->total - first < o->chunk_records ? w->s->total - first
								   : o->chunk_records;
		c.len = 0;
		c.records = 0;
		memset(c.counts, 0, sizeof c.counts);
		synth_chunk(w->s, first, n, &c);
		sealed s;
		seal_chunk(w->k, &c, &s);
		pthread_mutex_lock(&w->mu);
		while (w->full)
			pthread_cond_wait(&w->cv, &w->mu);
		w->slot = s;
		memcpy(w->slot_counts, c.counts, sizeof c.counts);
		w->full = 1;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
	}
	free(c.buf);
	return NULL;
}

static void synthesise(builder *b, synth *s)
{
	const opts *o = b->o;
	s->total = o->registers + o->versions + o->removals + o->ledger + o->documents;
	int64_t nchunks = (s->total + o->chunk_records - 1) / o->chunk_records;
	int nt = o->threads < 1 ? 1 : o->threads > MAX_THREADS ? MAX_THREADS : o->threads;
	worker ws[MAX_THREADS];
	for (int i = 0; i < nt; i++) {
		ws[i] = (worker){.id = i, .s = s, .k = b->k, .nthreads = nt, .nchunks = nchunks};
		pthread_mutex_init(&ws[i].mu, NULL);
		pthread_cond_init(&ws[i].cv, NULL);
		if (pthread_create(&ws[i].th, NULL, work, &ws[i]) != 0)
			die("%s", "cannot start a thread");
	}
	for (int64_t ci = 0; ci < nchunks; ci++) {
		worker *w = &ws[ci % nt];
		pthread_mutex_lock(&w->mu);
		while (!w->full)
			pthread_cond_wait(&w->cv, &w->mu);
		sealed sl = w->slot;
		int64_t counts[FK_REC_TYPES + 1];
		memcpy(counts, w->slot_counts, sizeof counts);
		w->full = 0;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		for (int t = 1; t <= FK_REC_TYPES; t++)
			b->m.counts[t] += counts[t];
		add_sealed(b, &sl);
	}
	for (int i = 0; i < nt; i++) {
		pthread_join(ws[i].th, NULL);
		pthread_mutex_destroy(&ws[i].mu);
		pthread_cond_destroy(&ws[i].cv);
	}
}

/* ---- the whole file ---- */

static void copy_rest(int from, int to)
{
	if (lseek(from, 0, SEEK_SET) != 0)
		die("rewinding: %s", strerror(errno));
	static char buf[1u << 20];
	for (;;) {
		ssize_t r = read(from, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("reading back chunks: %s", strerror(errno));
		if (r == 0)
			break;
		write_all(to, buf, (size_t)r);
	}
}

static void finish(builder *b, const char *muni)
{
	const opts *o = b->o;
	fk_error err;
	memcpy(b->m.municipality, muni, 7);
	b->m.sequence = o->sequence;
	b->m.created_at = o->created_at;
	b->m.kind = FK_PKG_DELTA;
	for (int i = FK_PKG_FULL; i <= FK_PKG_IMMEDIATE; i++)
		if (strcmp(o->kind, fk_pkg_kind_id((fk_pkg_kind)i)) == 0)
			b->m.kind = (fk_pkg_kind)i;
	char *json;
	size_t jl;
	if (fk_manifest_dump(&b->m, &json, &jl, &err) != FK_OK)
		die_err("writing the manifest", &err);
	uint8_t *der;
	size_t dl;
	if (fk_cms_seal((const uint8_t *)json, jl, o->unsigned_manifest ? NULL : b->k->key,
			b->k->cert, b->k->to, b->k->nto, &der, &dl, &err) != FK_OK)
		die_err("sealing the manifest", &err);
	free(json);
	int fd = open(o->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		die("cannot write %s", o->out);
	write_all(fd, FK_PKG_MAGIC, 8);
	write_frame(fd, der, dl);
	free(der);
	copy_rest(b->tmp, fd);
	if (o->have_truncate) {
		off_t size = lseek(fd, 0, SEEK_END);
		off_t to = o->truncate < 0 ? size + o->truncate : o->truncate;
		if (to < 0 || ftruncate(fd, to) != 0)
			die("cannot truncate %s", o->out);
	}
	if (fsync(fd) != 0 || close(fd) != 0)
		die("cannot write %s", o->out);
}

/* ---- options ---- */

static const struct { const char *code, *pref, *name; } places[] = {
	{"131016", "東京都", "千代田区"}, {"131024", "東京都", "中央区"},
	{"131032", "東京都", "港区"},     {"011002", "北海道", "札幌市"},
};

static int64_t num(const char *s, const char *what)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		die("%s wants a number", what);
	return (int64_t)v;
}

static int64_t parse_time(const char *s)
{
	struct tm tm = {0};
	const char *e = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!e || *e)
		die("--created-at: %s is not like 2026-12-01T09:30:00Z", s);
	return (int64_t)timegm(&tm);
}

static void usage(void) __attribute__((noreturn));
static void usage(void)
{
	fputs("usage: fkpkg open --key KEY --cert CERT --ca CA [--crl CRL] [--now T] [--print] [--export] FILE\n"
	      "       fkpkg -o FILE --signer-key KEY --signer-cert CERT --to CERT... --municipality CODE\n"
	      "  [--sequence N] [--kind full|delta|immediate] [--created-at T] [--chunk-records N]\n"
	      "  (--records FILE | [--registers N] [--versions N] [--removals N] [--ledger N]\n"
	      "   [--documents N] [--seed N] [--first-ref N] [--threads N] [--names YML])\n"
	      "  faults: [--corrupt-chunk I] [--wrong-hash I] [--drop-chunk I] [--extra-chunk]\n"
	      "          [--truncate BYTES (negative: cut from the end)] [--unsigned-manifest]\n",
	      stderr);
	exit(2);
}

enum { OPT_KEY = 256, OPT_CERT, OPT_TO, OPT_MUNI, OPT_SEQ, OPT_KIND, OPT_AT, OPT_CHREC, OPT_RECORDS, OPT_REGS,
       OPT_VERS, OPT_REMS, OPT_LEDGER, OPT_DOCS, OPT_SEED, OPT_FIRST_REF, OPT_THREADS, OPT_NAMES, OPT_CORRUPT, OPT_WRONG,
       OPT_TRUNC, OPT_DROP, OPT_EXTRA, OPT_UNSIGNED, OPT_QUIET };

static void parse_opts(int argc, char **argv, opts *o)
{
	static const struct option lo[] = {
		{"signer-key", 1, 0, OPT_KEY},	{"signer-cert", 1, 0, OPT_CERT},
		{"to", 1, 0, OPT_TO},		{"municipality", 1, 0, OPT_MUNI},
		{"sequence", 1, 0, OPT_SEQ},	{"kind", 1, 0, OPT_KIND},
		{"created-at", 1, 0, OPT_AT},	{"chunk-records", 1, 0, OPT_CHREC},
		{"records", 1, 0, OPT_RECORDS},	{"registers", 1, 0, OPT_REGS},
		{"versions", 1, 0, OPT_VERS},	{"removals", 1, 0, OPT_REMS},
		{"ledger", 1, 0, OPT_LEDGER},	{"documents", 1, 0, OPT_DOCS},
		{"seed", 1, 0, OPT_SEED},		{"first-ref", 1, 0, OPT_FIRST_REF},		{"threads", 1, 0, OPT_THREADS},
		{"names", 1, 0, OPT_NAMES},	{"corrupt-chunk", 1, 0, OPT_CORRUPT},
		{"wrong-hash", 1, 0, OPT_WRONG},	{"truncate", 1, 0, OPT_TRUNC},
		{"drop-chunk", 1, 0, OPT_DROP},	{"extra-chunk", 0, 0, OPT_EXTRA},
		{"unsigned-manifest", 0, 0, OPT_UNSIGNED}, {"quiet", 0, 0, OPT_QUIET},
		{"output", 1, 0, 'o'},		{0, 0, 0, 0}};
	*o = (opts){.sequence = 1, .kind = "delta", .created_at = (int64_t)time(NULL),
		    .chunk_records = 400, .seed = 1, .threads = 2, .corrupt_chunk = -1,
		    .wrong_hash = -1, .drop_chunk = -1};
	int c;
	while ((c = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
		switch (c) {
		case 'o': o->out = optarg; break;
		case OPT_KEY: o->signer_key = optarg; break;
		case OPT_CERT: o->signer_cert = optarg; break;
		case OPT_TO:
			if (o->nto == MAX_RECIPS)
				die("%s", "too many --to");
			o->to[o->nto++] = optarg;
			break;
		case OPT_MUNI: o->municipality = optarg; break;
		case OPT_SEQ: o->sequence = num(optarg, "--sequence"); break;
		case OPT_KIND: o->kind = optarg; break;
		case OPT_AT: o->created_at = parse_time(optarg); break;
		case OPT_CHREC: o->chunk_records = num(optarg, "--chunk-records"); break;
		case OPT_RECORDS: o->records = optarg; break;
		case OPT_REGS: o->registers = num(optarg, "--registers"); break;
		case OPT_VERS: o->versions = num(optarg, "--versions"); break;
		case OPT_REMS: o->removals = num(optarg, "--removals"); break;
		case OPT_LEDGER: o->ledger = num(optarg, "--ledger"); break;
		case OPT_DOCS: o->documents = num(optarg, "--documents"); break;
		case OPT_SEED: o->seed = (uint64_t)num(optarg, "--seed"); break;
		case OPT_FIRST_REF: ref_base = (int64_t)num(optarg, "--first-ref"); break;
		case OPT_THREADS: o->threads = (int)num(optarg, "--threads"); break;
		case OPT_NAMES: o->names = optarg; break;
		case OPT_CORRUPT: o->corrupt_chunk = (int)num(optarg, "--corrupt-chunk"); break;
		case OPT_WRONG: o->wrong_hash = (int)num(optarg, "--wrong-hash"); break;
		case OPT_TRUNC: o->truncate = num(optarg, "--truncate"); o->have_truncate = 1; break;
		case OPT_DROP: o->drop_chunk = (int)num(optarg, "--drop-chunk"); break;
		case OPT_EXTRA: o->extra_chunk = 1; break;
		case OPT_UNSIGNED: o->unsigned_manifest = 1; break;
		case OPT_QUIET: o->quiet = 1; break;
		default: usage();
		}
	}
	if (optind != argc || !o->out || !o->signer_key || !o->signer_cert || !o->nto ||
	    !o->municipality || strlen(o->municipality) != 6 || o->chunk_records < 1)
		usage();
	if (!o->records && o->registers < 1)
		die("%s", "no records: give --records FILE or --registers N");
	if (!o->records && (o->removals > o->registers))
		die("%s", "--removals may not exceed --registers");
}

static void load_keys(const opts *o, sealer *k)
{
	FILE *f = fopen(o->signer_key, "r");
	k->key = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	f = fopen(o->signer_cert, "r");
	k->cert = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	if (!k->key || !k->cert)
		die("%s", "cannot read the signer's key or certificate");
	for (int i = 0; i < o->nto; i++) {
		f = fopen(o->to[i], "r");
		k->to[i] = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
		if (f)
			fclose(f);
		if (!k->to[i])
			die("cannot read the recipient certificate %s", o->to[i]);
	}
	k->nto = o->nto;
}

static void setup_synth(const opts *o, synth *s)
{
	s->o = o;
	s->place = (fk_demo_place){"東京都", "千代田区"};
	for (size_t i = 0; i < sizeof places / sizeof places[0]; i++)
		if (strcmp(places[i].code, o->municipality) == 0)
			s->place = (fk_demo_place){places[i].pref, places[i].name};
	time_t t = (time_t)o->created_at;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(s->day, sizeof s->day, "%Y-%m-%d", &tm);
	char path[4096];
	const char *top = getenv("FK_TOP_SRCDIR");
	if (o->names)
		snprintf(path, sizeof path, "%s", o->names);
	else
		snprintf(path, sizeof path, "%s/data/gimei-names.yml", top && *top ? top : ".");
	fk_error err;
	if (fk_names_load(path, &s->names, &err) != FK_OK)
		die_err("loading names (--names or FK_TOP_SRCDIR)", &err);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- fkpkg open: a package opened as the import opens it (tests, the benchmark) ---- */

static const char *const pkg_fail_ids[] = {
#define ID(id, text) #id,
	FK_PKG_FAIL_LIST(ID)
#undef ID
};
static const char *const cms_fail_ids[] = {
#define ID(id, text) #id,
	FK_CMS_FAIL_LIST(ID)
#undef ID
};

static X509_STORE *load_store(const char *ca, const char *crl)
{
	X509_STORE *st = X509_STORE_new();
	FILE *f = fopen(ca, "r");
	X509 *c = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	if (!st || !c || X509_STORE_add_cert(st, c) != 1)
		die("cannot read the CA certificate %s", ca);
	X509_free(c);
	if (crl) {
		f = fopen(crl, "r");
		X509_CRL *l = f ? PEM_read_X509_CRL(f, NULL, NULL, NULL) : NULL;
		if (f)
			fclose(f);
		if (!l || X509_STORE_add_crl(st, l) != 1)
			die("cannot read the CRL %s", crl);
		X509_CRL_free(l);
	}
	return st;
}

static long peak_rss_kb(void)
{
	struct rusage ru;
	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

typedef struct lines {
	int64_t count;
	FILE *print; /* --print: each record after the first line, as it came */
} lines;

static fk_status count_line(void *arg, int64_t index, const char *line, size_t n, fk_error *err)
{
	(void)index;
	lines *l = arg;
	l->count++;
	if (l->print && (fwrite(line, 1, n, l->print) != n || fputc('\n', l->print) == EOF))
		return fk_fail(err, FK_ERR_IO, "printing a record");
	return FK_OK;
}

/* Prints "opened CHUNKS RECORDS BYTES" (with --print, then every record) or "refused PKG_REASON CMS_REASON [chunk I]", then
 * the time and the peak RSS; exits 0 when opened, 1 when refused, 2 on another failure. */
static int open_main(int argc, char **argv)
{
	const char *key = NULL, *cert = NULL, *ca = NULL, *crl = NULL, *file = NULL;
	int64_t now = (int64_t)time(NULL);
	int print = 0, accept_export = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-') {
			file = a;
			continue;
		}
		if (strcmp(a, "--print") == 0) {
			print = 1;
			continue;
		}
		if (strcmp(a, "--export") == 0) { /* a terminal's export (package-format.md §13) */
			accept_export = 1;
			continue;
		}
		if (i + 1 >= argc || !argv[i + 1])
			usage();
		const char *v = argv[++i];
		if (strcmp(a, "--key") == 0) key = v;
		else if (strcmp(a, "--cert") == 0) cert = v;
		else if (strcmp(a, "--ca") == 0) ca = v;
		else if (strcmp(a, "--crl") == 0) crl = v;
		else if (strcmp(a, "--now") == 0) now = num(v, "--now");
		else usage();
	}
	if (!key || !cert || !ca || !file)
		usage();
	opts o = {.signer_key = key, .signer_cert = cert, .nto = 0};
	sealer k = {0};
	load_keys(&o, &k);
	X509_STORE *st = load_store(ca, crl);
	EVP_PKEY *keys[1] = {k.key};
	X509 *certs[1] = {k.cert};
	fk_cms_keys ck = {.store = st, .keys = keys, .certs = certs, .nkeys = 1, .now = now,
			  .accept_export = accept_export};
	double t0 = now_s();
	fk_pkg *p = NULL;
	fk_pkg_fail why;
	fk_cms_fail cwhy;
	fk_error err = {0};
	int rc = 0, bad_chunk = -1;
	int64_t bytes = 0;
	lines ls = {0};
	FILE *recs = print ? tmpfile() : NULL; /* printed after the status line */
	if (print && !recs)
		die("%s", "no temporary file for --print");
	ls.print = recs;
	fk_status s = fk_pkg_open_file(file, &ck, &p, &why, &cwhy, &err);
	for (int i = 0; s == FK_OK && i < fk_pkg_manifest(p)->nchunks; i++) {
		uint8_t *plain;
		size_t n;
		s = fk_pkg_chunk(p, i, &plain, &n, &why, &cwhy, &err);
		if (s != FK_OK) {
			bad_chunk = i;
			break;
		}
		bytes += (int64_t)n;
		s = fk_pkg_lines(plain, n, count_line, &ls, &err);
		free(plain);
	}
	double dt = now_s() - t0;
	if (s == FK_OK) {
		printf("opened %d %" PRId64 " %" PRId64 "\n", fk_pkg_manifest(p)->nchunks, ls.count, bytes);
		if (recs) {
			rewind(recs);
			int c;
			while ((c = getc(recs)) != EOF)
				putchar(c);
		}
	} else if (s == FK_ERR_INVALID) {
		printf("refused %s %s", pkg_fail_ids[why], cms_fail_ids[cwhy]);
		if (bad_chunk >= 0)
			printf(" chunk %d", bad_chunk);
		printf("\n");
		fprintf(stderr, "fkpkg open: %s\n", err.msg);
		rc = 1;
	} else {
		fprintf(stderr, "fkpkg open: %s\n", err.msg);
		rc = 2;
	}
	struct stat sb;
	long long size = stat(file, &sb) == 0 ? (long long)sb.st_size : -1;
	fprintf(stderr, "fkpkg open: %lld bytes in %.2f s (%.1f MB/s of plaintext), peak RSS %ld kB\n",
		size, dt, (double)bytes / 1e6 / (dt > 0 ? dt : 1), peak_rss_kb());
	if (recs)
		fclose(recs);
	fk_pkg_close(p);
	X509_STORE_free(st);
	EVP_PKEY_free(k.key);
	X509_free(k.cert);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "open") == 0)
		return open_main(argc - 1, argv + 1);
	opts o;
	parse_opts(argc, argv, &o);
	sealer k = {0};
	load_keys(&o, &k);
	double t0 = now_s();
	char tmpl[4200];
	snprintf(tmpl, sizeof tmpl, "%s.chunks.XXXXXX", o.out);
	builder b = {.o = &o, .k = &k, .tmp = mkstemp(tmpl)};
	if (b.tmp < 0)
		die("cannot make a temporary file beside %s", o.out);
	unlink(tmpl); /* gone whatever happens next */
	synth s = {0};
	if (o.records) {
		from_file(&b);
	} else {
		setup_synth(&o, &s);
		synthesise(&b, &s);
		fk_names_free(&s.names);
	}
	if (b.m.nchunks == 0)
		die("%s", "no records to package");
	finish(&b, o.municipality);
	close(b.tmp);
	double dt = now_s() - t0;
	if (!o.quiet)
		fprintf(stderr, "fkpkg: %" PRId64 " records in %d chunks, %.1f MB of plaintext, %.2f s (%.1f MB/s)\n",
			b.m.counts[1] + b.m.counts[2] + b.m.counts[3] + b.m.counts[4] + b.m.counts[5],
			b.m.nchunks, (double)b.bytes / 1e6, dt, (double)b.bytes / 1e6 / (dt > 0 ? dt : 1));
	fk_manifest_clear(&b.m);
	EVP_PKEY_free(k.key);
	X509_free(k.cert);
	for (int i = 0; i < k.nto; i++)
		X509_free(k.to[i]);
	return 0;
}
