/* demo-data: fills a terminal with synthetic registers, ledger entries and documents. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "gate.h"
#include "datakey.h"
#include "demo.h"
#include "demo_gen.h"
#include "names.h"
#include "order.h"
#include "refdata.h"
#include "store.h"
#include "util.h"
#include "visible.h"

#define DEMO_MAX_REGISTERS 10000000
/* 2026-10-01T00:00:00Z: demo receptions are spread over the month after it. */
#define DEMO_EPOCH_NS (INT64_C(1790812800) * 1000000000)
#define DEMO_SPREAD_NS (INT64_C(30) * 86400 * 1000000000)

typedef struct muni_list {
	fk_muni *v;
	int n, cap;
} muni_list;

static int collect(const fk_muni *m, void *arg)
{
	muni_list *l = arg;
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 64;
		fk_muni *v = realloc(l->v, (size_t)cap * sizeof *v);
		if (!v)
			return 1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *m;
	return 0;
}

/* What a reception (ledger entry and document) needs of its register: the
 * latest event, as the 届出 it records. Taken on the worker thread, so the
 * document itself never crosses threads. */
typedef struct reception {
	int wanted;
	char type[64], date[16], head[160];
	int64_t persons, events;
} reception;

static void describe(const json_t *doc, reception *r)
{
	const json_t *persons = json_object_get(doc, "persons"), *p;
	size_t i, j;
	r->type[0] = r->date[0] = '\0';
	r->persons = r->events = 0;
	json_array_foreach(persons, i, p) {
		const json_t *e;
		r->persons++;
		json_array_foreach(json_object_get(p, "events"), j, e) {
			const char *d = json_string_value(json_object_get(e, "date"));
			const char *t = json_string_value(json_object_get(e, "type"));
			r->events++;
			if (d && t && strcmp(d, r->date) > 0) {
				fk_copy_str(r->date, sizeof r->date, d);
				fk_copy_str(r->type, sizeof r->type, t);
			}
		}
	}
	/* Events count both 身分事項 and 戸籍事項, as a certificate lists them. */
	r->events += (int64_t)json_array_size(json_object_get(doc, "jiko"));
	fk_copy_str(r->head, sizeof r->head, fk_register_head_name(doc));
}

static fk_status add_reception(fk_ctx *ctx, fk_rng *rng, const char *muni, int64_t reg_id,
			       const reception *r, int64_t received, fk_demo_stats *stats, fk_error *err)
{
	if (!r->date[0])
		return FK_OK;
	char number[32], doc_type[80];
	snprintf(number, sizeof number, "第%llu号", (unsigned long long)(fk_rng_below(rng, 9999) + 1));
	snprintf(doc_type, sizeof doc_type, "%s届", r->type);
	json_t *payload = json_pack("{s:s, s:s, s:s, s:I}", "受付番号", number, "事件", r->type,
				    "筆頭者", r->head, "戸籍", (json_int_t)reg_id);
	if (!payload)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	int64_t id;
	fk_status s = fk_ledger_add(ctx, muni, r->date, payload, received, &id, err);
	if (s == FK_OK)
		stats->ledger++;
	if (s == FK_OK && (s = fk_doc_add(ctx, muni, doc_type, reg_id, payload, received, &id, err)) == FK_OK)
		stats->docs++;
	json_decref(payload);
	return s;
}

/* The bulk load runs on both cores: a worker thread generates, serialises,
 * seals and tags registers (CPU only, fk_store_prepare) while this thread
 * writes them (SQLite). Ids are reserved up front, so the worker knows them. */
#define RING 256

typedef struct slot {
	fk_reg_prepared p;
	char *okey[FK_ORDER_FIELDS]; /* sort keys, handed to the consumer's group */
	reception r;
	fk_status st;
	fk_error err;
} slot;

typedef struct pipeline {
	fk_ctx *ctx;
	const fk_demo_opts *o;
	const muni_list *ml;
	const fk_names *names;
	const int64_t *per_muni; /* registers of each municipality, generated in turn */
	int64_t first_id, first_key;
	slot ring[RING];
	int64_t produced, consumed;
	int cancel;
	pthread_mutex_t mu;
	pthread_cond_t changed;
} pipeline;

static fk_status make_one(pipeline *pl, fk_rng *rng, const fk_muni *m, int64_t i, slot *sl)
{
	char muni_name[96];
	/* "札幌市 中央区" is written 札幌市中央区 in an address. */
	size_t k = 0;
	for (const char *p = m->name; *p && k + 1 < sizeof muni_name; p++)
		if (*p != ' ')
			muni_name[k++] = *p;
	muni_name[k] = '\0';
	fk_demo_place place = {m->pref, muni_name};
	fk_reg_kind kind = fk_rng_below(rng, 100) < 15 ? FK_KIND_JOSEKI : FK_KIND_KOSEKI;
	int64_t received = DEMO_EPOCH_NS + (int64_t)fk_rng_below(rng, DEMO_SPREAD_NS);
	json_t *doc = NULL;
	fk_status s = fk_demo_register(rng, pl->names, &place, kind, &doc, &sl->err);
	if (s == FK_OK)
		s = fk_store_prepare(pl->ctx->keys, pl->first_id + i, pl->first_key + i, m->code, kind,
				     doc, "demo-data", received, &sl->p, &sl->err);
	if (s == FK_OK)
		describe(doc, &sl->r);
	for (int f = 0; f < FK_ORDER_FIELDS && s == FK_OK; f++)
		s = fk_order_key(doc, (fk_order_field)(f + 1), &sl->okey[f], &sl->err);
	json_decref(doc);
	sl->r.wanted = fk_rng_below(rng, 10) == 0;
	return s;
}

static void *producer(void *arg)
{
	pipeline *pl = arg;
	fk_rng rng;
	fk_rng_seed(&rng, pl->o->seed);
	int mi = 0;
	int64_t left = pl->per_muni[0];
	for (int64_t i = 0; i < pl->o->registers; i++) {
		while (left == 0)
			left = pl->per_muni[++mi];
		left--;
		pthread_mutex_lock(&pl->mu);
		while (pl->produced - pl->consumed == RING && !pl->cancel)
			pthread_cond_wait(&pl->changed, &pl->mu);
		int stop = pl->cancel;
		pthread_mutex_unlock(&pl->mu);
		if (stop)
			break;
		slot *sl = &pl->ring[i % RING];
		sl->st = make_one(pl, &rng, &pl->ml->v[mi], i, sl);
		pthread_mutex_lock(&pl->mu);
		pl->produced++;
		pthread_cond_broadcast(&pl->changed);
		pthread_mutex_unlock(&pl->mu);
		if (sl->st != FK_OK)
			break;
	}
	fk_crypto_thread_cleanup();
	return NULL;
}

static void slot_clear(slot *sl)
{
	fk_reg_prepared_clear(&sl->p);
	for (int f = 0; f < FK_ORDER_FIELDS; f++) {
		free(sl->okey[f]);
		sl->okey[f] = NULL;
	}
}

/* The registers of the municipality being loaded, by kind, with their sort
 * keys: its sorted lists are written in one pass when it is done (so only
 * one municipality's keys are ever held). */
typedef struct group {
	char muni[7];
	fk_order_entry *v[3];
	size_t n[3], cap[3];
} group;

static void group_free(group *g)
{
	for (int k = 1; k <= 2; k++) {
		for (size_t i = 0; i < g->n[k]; i++)
			for (int f = 0; f < FK_ORDER_FIELDS; f++)
				free(g->v[k][i].key[f]);
		free(g->v[k]);
		g->v[k] = NULL;
		g->n[k] = g->cap[k] = 0;
	}
}

static fk_status group_flush(fk_ctx *ctx, group *g, fk_error *err)
{
	fk_status s = FK_OK;
	if (!g->muni[0])
		return FK_OK;
	for (int k = 1; k <= 2 && s == FK_OK; k++)
		s = fk_order_bulk(ctx, g->muni, k, g->v[k], g->n[k], err);
	group_free(g);
	g->muni[0] = '\0';
	return s;
}

static fk_status group_add(fk_ctx *ctx, group *g, slot *sl, fk_error *err)
{
	fk_status s = FK_OK;
	if (g->muni[0] && strcmp(g->muni, sl->p.municipality) != 0)
		s = group_flush(ctx, g, err);
	if (s != FK_OK)
		return s;
	fk_copy_str(g->muni, sizeof g->muni, sl->p.municipality);
	int k = sl->p.kind == FK_KIND_JOSEKI ? 2 : 1;
	if (g->n[k] == g->cap[k]) {
		size_t cap = g->cap[k] ? g->cap[k] * 2 : 1024;
		fk_order_entry *v = realloc(g->v[k], cap * sizeof *v);
		if (!v)
			return fk_fail(err, FK_ERR_NOMEM, "out of memory");
		g->v[k] = v;
		g->cap[k] = cap;
	}
	fk_order_entry *e = &g->v[k][g->n[k]++];
	e->id = sl->p.id;
	for (int f = 0; f < FK_ORDER_FIELDS; f++) {
		e->key[f] = sl->okey[f];
		sl->okey[f] = NULL;
	}
	return FK_OK;
}

static fk_status consume_one(pipeline *pl, fk_rng *rng, group *g, slot *sl, fk_demo_stats *stats,
			     fk_error *err)
{
	if (sl->st != FK_OK) {
		*err = sl->err;
		return sl->st;
	}
	fk_status s = fk_store_insert(pl->ctx, &sl->p, err);
	if (s == FK_OK)
		s = group_add(pl->ctx, g, sl, err);
	if (s == FK_OK) {
		stats->registers++;
		stats->joseki += sl->p.kind == FK_KIND_JOSEKI;
		stats->persons += sl->r.persons;
		stats->events += sl->r.events;
		if (sl->r.wanted)
			s = add_reception(pl->ctx, rng, sl->p.municipality, sl->p.id, &sl->r,
					  sl->p.received_at, stats, err);
	}
	return s;
}

static fk_status generate(fk_ctx *ctx, const fk_demo_opts *o, const muni_list *ml,
			  const fk_names *names, fk_demo_stats *stats, fk_error *err)
{
	pipeline *pl = calloc(1, sizeof *pl);
	int64_t *per_muni = calloc((size_t)ml->n + 1, sizeof *per_muni);
	group g = {0};
	if (!pl || !per_muni) {
		free(pl);
		free(per_muni);
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	}
	/* Each register's municipality is drawn at random, but they are made
	 * municipality by municipality (see group). */
	fk_rng mrng;
	fk_rng_seed(&mrng, o->seed ^ UINT64_C(0x5bd1e995));
	for (int64_t i = 0; i < o->registers; i++)
		per_muni[fk_rng_below(&mrng, (uint64_t)ml->n)]++;
	*pl = (pipeline){.ctx = ctx, .o = o, .ml = ml, .names = names, .per_muni = per_muni};
	fk_rng rng; /* ledger numbers, drawn on this thread in register order */
	fk_rng_seed(&rng, o->seed ^ UINT64_C(0x9e3779b97f4a7c15));
	fk_status s = fk_store_reserve(ctx, o->registers, &pl->first_id, &pl->first_key, err);
	pthread_t th;
	if (s == FK_OK && (pthread_mutex_init(&pl->mu, NULL) != 0 ||
			   pthread_cond_init(&pl->changed, NULL) != 0 ||
			   pthread_create(&th, NULL, producer, pl) != 0))
		s = fk_fail(err, FK_ERR_INTERNAL, "cannot start the worker thread");
	if (s != FK_OK) {
		free(pl);
		free(per_muni);
		return s;
	}
	for (int64_t i = 0; i < o->registers && s == FK_OK; i++) {
		pthread_mutex_lock(&pl->mu);
		while (pl->produced == i)
			pthread_cond_wait(&pl->changed, &pl->mu);
		pthread_mutex_unlock(&pl->mu);
		slot *sl = &pl->ring[i % RING];
		s = consume_one(pl, &rng, &g, sl, stats, err);
		slot_clear(sl);
		pthread_mutex_lock(&pl->mu);
		pl->consumed++;
		if (s != FK_OK)
			pl->cancel = 1;
		pthread_cond_broadcast(&pl->changed);
		pthread_mutex_unlock(&pl->mu);
		if (o->progress && (i + 1) % 10000 == 0)
			o->progress(i + 1, o->registers, o->arg);
	}
	pthread_join(th, NULL);
	if (s == FK_OK)
		s = group_flush(ctx, &g, err);
	group_free(&g);
	/* Slots made but never consumed (after a failure). */
	for (int64_t i = pl->consumed; i < pl->produced; i++)
		slot_clear(&pl->ring[i % RING]);
	pthread_cond_destroy(&pl->changed);
	pthread_mutex_destroy(&pl->mu);
	free(pl);
	free(per_muni);
	return s;
}

/* Municipality keys are made before the ids are reserved, so that the
 * reserved range stays consecutive. */
static fk_status municipality_keys(fk_ctx *ctx, const muni_list *ml, fk_error *err)
{
	fk_status s = FK_OK;
	for (int i = 0; i < ml->n && s == FK_OK; i++) {
		uint8_t dk[FK_KEY_LEN];
		int64_t id;
		s = fk_datakey_municipality(ctx, ml->v[i].code, &id, dk, err);
		fk_wipe(dk, sizeof dk);
	}
	return s;
}

static fk_status prepare(fk_ctx *ctx, const fk_demo_opts *o, muni_list *ml, fk_names *names,
			 fk_error *err)
{
	const char *bureau = o->bureau && *o->bureau ? o->bureau : ctx->cfg.bureau;
	fk_bureau b;
	if (!bureau || !*bureau)
		return fk_fail(err, FK_ERR_USAGE, "no bureau: pass --bureau or set 'bureau' in the configuration");
	if (o->registers < 1 || o->registers > DEMO_MAX_REGISTERS)
		return fk_fail(err, FK_ERR_USAGE, "--registers must be 1..%d", DEMO_MAX_REGISTERS);
	/* Rows written while a package stages would be hidden with it (visible.h). */
	fk_status s = fk_store_not_staging(ctx, err);
	if (s == FK_OK)
		s = fk_bureau_find(ctx, bureau, &b, err);
	if (s == FK_OK)
		s = fk_muni_list(ctx, b.id, collect, ml, err);
	if (s == FK_OK && ml->n == 0)
		s = fk_fail(err, FK_ERR_NOTFOUND, "%s has no municipalities", bureau);
	if (s != FK_OK)
		return s;
	char *path = fk_path_join(ctx->cfg.data_dir, "gimei-names.yml", err);
	if (!path)
		return FK_ERR_NOMEM;
	s = fk_names_load(path, names, err);
	free(path);
	return s;
}

fk_status fk_demo_generate(fk_ctx *ctx, const fk_demo_opts *o, fk_demo_stats *stats, fk_error *err)
{
	muni_list ml = {0};
	fk_names names;
	fk_gate g;
	char detail[160] = "";
	const char *bureau = o->bureau && *o->bureau ? o->bureau : ctx->cfg.bureau;
	memset(&names, 0, sizeof names);
	memset(stats, 0, sizeof *stats);
	/* Synthetic data on a test or demo terminal only (R-TEST-ENV). */
	fk_authz_req r = {.op = FK_OP_DEMO_DATA};
	fk_status s = fk_gate_begin(ctx, &g, &r, bureau, err);
	if (s != FK_OK)
		return s;
	if ((s = prepare(ctx, o, &ml, &names, err)) == FK_OK && (s = fk_ctx_begin(ctx, err)) == FK_OK) {
		stats->municipalities = ml.n;
		s = municipality_keys(ctx, &ml, err);
		if (s == FK_OK)
			s = fk_store_bulk_begin(ctx, err);
		if (s == FK_OK)
			s = generate(ctx, o, &ml, &names, stats, err);
		if (s == FK_OK)
			s = fk_store_bulk_end(ctx, err);
		snprintf(detail, sizeof detail, "registers=%lld seed=%llu municipalities=%d",
			 (long long)stats->registers, (unsigned long long)o->seed, ml.n);
		/* Inside the gate's transaction: the registers commit with its record. */
		s = fk_ctx_end(ctx, s, err);
		if (s != FK_OK)
			memset(stats, 0, sizeof *stats);
	}
	free(ml.v);
	fk_names_free(&names);
	return fk_gate_end(ctx, &g, s, detail, err);
}
