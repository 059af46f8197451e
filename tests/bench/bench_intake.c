/* Benchmark of the import engine (issue 10; R-BATCH-ATOMIC): a full package of REGISTERS
 * synthetic registers (1,000 a chunk) staged and published, then deltas amending 1,000 and
 * 10,000 registers (in chunks of 250 records: more than one chunk, so staged in steps and its
 * lists written ahead), on the terminal CONFIG (a fresh test terminal: run_intake.sh makes one).
 * BENCH_INTAKE_DELTA_CHUNK sets the deltas' records a chunk (1 to 1,000; 1,000: the delta of
 * 1,000 is one chunk). BENCH_INTAKE_WHOLE_MIN sets fk_prepublish_whole_min (a large number: kept lists are not
 * written ahead whole, as before, publishing moving each register or rebuilding the list).
 * Prints staging's registers/s (the engine's part: the records come parsed, generated on the
 * second thread while the chunk before stages, as a package file's are decrypted and parsed), the longest chunk transaction (the write lock a console may wait
 * for), the new registers' search tags merged after the last chunk (core/intake/tagmerge.h:
 * its time and longest step), the lists written ahead, publishing's transaction and the peak
 * RSS, and a console's worst wait for the write
 * lock: a thread with a connection of its own takes it (BEGIN IMMEDIATE, with the database's
 * busy wait, as a screen's record does) every 20 ms throughout each import.
 * Usage: bench_intake CONFIG REGISTERS. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <time.h>

#include "bench.h"
#include "db.h"
#include "import.h"
#include "prepublish.h"

#define MUNI "131016"
#define CHUNK 1000
#define DELTA_CHUNK 250
#define TARGET_CHUNK_MS 200.0

typedef struct gen {
	fk_names names;
	fk_rng rng;
	int64_t registers; /* full package: registers; delta: versions */
	int delta;
	int64_t offset; /* delta: the first register amended */
	int chunk; /* records a chunk */
	json_t *docs[2][CHUNK]; /* chunk i in docs[i % 2]: the next loads while one stages */
	int n[2];
	int64_t gen_ns;
} gen;

static void gen_clear(gen *g, int b)
{
	for (int i = 0; i < g->n[b]; i++)
		json_decref(g->docs[b][i]);
	g->n[b] = 0;
}

/* Outside the chunk's transaction, as a package file's decryption and parsing would be. */
static fk_status load(void *arg, int chunk, fk_error *err)
{
	gen *g = arg;
	int64_t t0 = fk_mono_ns();
	fk_demo_place place = {"東京都", "千代田区"};
	int b = chunk % 2;
	gen_clear(g, b);
	int64_t first = (int64_t)chunk * g->chunk;
	fk_status s = FK_OK;
	for (int64_t i = first; i < g->registers && i < first + g->chunk && s == FK_OK; i++)
		s = fk_demo_register(&g->rng, &g->names, &place, FK_KIND_KOSEKI, &g->docs[b][g->n[b]++], err);
	g->gen_ns += fk_mono_ns() - t0;
	return s;
}

static fk_status each(void *arg, int chunk, fk_intake_record_fn fn, void *fnarg, fk_error *err)
{
	gen *g = arg;
	fk_status s = FK_OK;
	int b = chunk % 2;
	for (int i = 0; i < g->n[b] && s == FK_OK; i++) {
		fk_pkg_record r = {.type = g->delta ? FK_REC_VERSION : FK_REC_REGISTER,
				   .kind = FK_KIND_KOSEKI, .content = g->docs[b][i],
				   .changed_by = "千代田区 戸籍係", .reason = "bench"};
		snprintf(r.ref, sizeof r.ref, "K-%09lld",
			 (long long)(g->offset + (int64_t)chunk * g->chunk + i));
		s = fn(fnarg, i, &r, FK_REJECT_NONE, NULL, err);
	}
	return s;
}

/* The console's probe: the worst wait for the write lock since the last reset. */
typedef struct probe {
	const char *path;
	atomic_int stop;
	atomic_llong worst_ns;
	atomic_llong rounds;
	atomic_llong refused; /* waited the full 5 s and was refused, as a screen would be */
	int failed;
} probe;

static void *probe_run(void *arg)
{
	probe *pr = arg;
	fk_sql *db;
	fk_error err;
	if (fk_db_open(pr->path, FK_DB_OPEN, &db, &err) != FK_OK) {
		fprintf(stderr, "bench_intake: probe: %s\n", err.msg);
		pr->failed = 1;
		return NULL;
	}
	const struct timespec pause = {0, 20000000L};
	while (!atomic_load(&pr->stop)) {
		int64_t t0 = fk_mono_ns();
		fk_status s = fk_db_begin(db, &err);
		int64_t w = fk_mono_ns() - t0;
		if (s == FK_ERR_BUSY) {
			atomic_fetch_add(&pr->refused, 1);
		} else if (s != FK_OK) {
			fprintf(stderr, "bench_intake: probe: %s\n", err.msg);
			pr->failed = 1;
			break;
		} else {
			fk_db_rollback(db);
		}
		if (w > atomic_load(&pr->worst_ns))
			atomic_store(&pr->worst_ns, w);
		atomic_fetch_add(&pr->rounds, 1);
		nanosleep(&pause, NULL);
	}
	fk_sql_close(db);
	return NULL;
}

static probe the_probe;

static int die(const fk_error *err)
{
	fprintf(stderr, "bench_intake: %s\n", err->msg);
	return 1;
}

static int run(fk_ctx *ctx, gen *g, int64_t seq, fk_pkg_kind kind, const char *what)
{
	fk_error err;
	fk_manifest m = {.municipality = MUNI, .sequence = seq, .kind = kind,
			 .nchunks = (int)((g->registers + g->chunk - 1) / g->chunk)};
	fk_manifest_chunk *ch = calloc((size_t)m.nchunks, sizeof *ch);
	if (!ch)
		return 1;
	for (int i = 0; i < m.nchunks; i++)
		ch[i].records = i + 1 < m.nchunks ? g->chunk : g->registers - (int64_t)i * g->chunk;
	m.chunks = ch;
	uint8_t digest[32] = {'b', 'e', 'n', 'c', 'h', (uint8_t)seq};
	fk_intake_pkg p = {.m = &m, .digest = digest, .signer = MUNI,
			   .src = {.load = load, .each = each, .arg = g}};
	fk_intake_result res;
	g->gen_ns = 0;
	atomic_store(&the_probe.worst_ns, 0);
	atomic_store(&the_probe.rounds, 0);
	atomic_store(&the_probe.refused, 0);
	int64_t t0 = fk_mono_ns();
	fk_status st = fk_intake_import(ctx, &p, &res, &err);
	free(ch);
	if (st != FK_OK)
		return die(&err);
	double all = (fk_mono_ns() - t0) / 1e9;
	gen_clear(g, 0);
	gen_clear(g, 1);
	if (!res.applied) {
		fprintf(stderr, "bench_intake: %s refused (%s)\n", what, fk_intake_refusal_id(res.refused));
		return 1;
	}
	double stage = res.stage_ns / 1e9, worst = res.stage_max_ns / 1e6, pub = res.publish_ns / 1e6;
	double lw = res.prepublish_max_ns / 1e6, tw = res.tagmerge_max_ns / 1e6;
	printf("%-28s %9lld records: staging %6.1f s (%8.0f records/s; generated %.1f s beside), "
	       "longest chunk transaction %6.1f ms [%s], new registers' tags merged %.1f s (longest "
	       "step %.1f ms [%s]), lists written ahead %.1f s (longest step %.1f ms [%s]), "
	       "publishing %8.1f ms [%s]; whole %.1f s\n",
	       what, (long long)res.accepted[0], stage, res.accepted[0] / (stage > 0 ? stage : 1e-9),
	       g->gen_ns / 1e9, worst, worst <= TARGET_CHUNK_MS ? "PASS" : "MISS",
	       res.tagmerge_ns / 1e9, tw, tw <= TARGET_CHUNK_MS ? "PASS" : "MISS",
	       res.prepublish_ns / 1e9, lw, lw <= TARGET_CHUNK_MS ? "PASS" : "MISS", pub,
	       pub <= TARGET_CHUNK_MS ? "PASS" : "MISS", all);
	double cw = atomic_load(&the_probe.worst_ns) / 1e6;
	printf("%-28s a console's worst wait for the write lock %.1f ms [%s] (%lld probes, %lld "
	       "refused after waiting 5 s)\n", "", cw, cw <= TARGET_CHUNK_MS ? "PASS" : "MISS",
	       (long long)atomic_load(&the_probe.rounds), (long long)atomic_load(&the_probe.refused));
	fk_intake_result_clear(&res);
	return 0;
}

int main(int argc, char **argv)
{
	fk_ctx *ctx;
	fk_error err;
	if (argc != 3)
		return fprintf(stderr, "usage: bench_intake CONFIG REGISTERS\n"), 2;
	gen *g = calloc(1, sizeof *g);
	if (!g)
		return 1;
	g->registers = atoll(argv[2]);
	if (fk_ctx_open(argv[1], FK_CTX_OPEN, &ctx, &err) != FK_OK)
		return die(&err);
	char *path = fk_path_join(ctx->cfg.data_dir, "gimei-names.yml", &err);
	if (!path || fk_names_load(path, &g->names, &err) != FK_OK ||
	    bench_act_as(ctx, "admin", &err) != FK_OK)
		return die(&err);
	free(path);
	fk_rng_seed(&g->rng, 1);
	pthread_t probe_th;
	the_probe.path = sqlite3_db_filename(fk_sql_lite(ctx->db), "main");
	if (pthread_create(&probe_th, NULL, probe_run, &the_probe) != 0)
		return fprintf(stderr, "bench_intake: no probe thread\n"), 1;
	g->chunk = CHUNK;
	if (getenv("BENCH_INTAKE_WHOLE_MIN"))
		fk_prepublish_whole_min = atoi(getenv("BENCH_INTAKE_WHOLE_MIN"));
	int64_t full = g->registers;
	if (run(ctx, g, 1, FK_PKG_FULL, "full package, new registers"))
		return 1;
	g->delta = 1;
	g->chunk = DELTA_CHUNK;
	if (getenv("BENCH_INTAKE_DELTA_CHUNK") && atoi(getenv("BENCH_INTAKE_DELTA_CHUNK")) >= 1 &&
	    atoi(getenv("BENCH_INTAKE_DELTA_CHUNK")) <= CHUNK)
		g->chunk = atoi(getenv("BENCH_INTAKE_DELTA_CHUNK"));
	int64_t amend[] = {1000, 10000};
	for (int i = 0; i < 2; i++) {
		char what[64];
		g->registers = amend[i] < full ? amend[i] : full;
		g->offset = i * 1000;
		snprintf(what, sizeof what, "delta, %lld amended", (long long)g->registers);
		if (run(ctx, g, 2 + i, FK_PKG_DELTA, what))
			return 1;
	}
	atomic_store(&the_probe.stop, 1);
	pthread_join(probe_th, NULL);
	if (the_probe.failed)
		return 1;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS %.1f MB (the engine, the generator's names and SQLite's cache)\n",
	       ru.ru_maxrss / 1024.0);
	fk_names_free(&g->names);
	free(g);
	fk_ctx_close(ctx);
	return 0;
}
