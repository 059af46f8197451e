/* Tamper tests in the style of systemd's journal-verify test: every change is detected and located (R-LOGSEAL, R-DETECT). */
#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fktest.h"

static fkt_env env;
static uint8_t k0[FK_KEY_LEN];
/* Where the test's records start: after the terminal's creation (its first records, then a
 * stop that seals their epoch), B records in E epochs. */
static int64_t B, E;

static void setup(void)
{
	fkt_env_init(&env, NULL);
}

static void teardown(void)
{
	fkt_env_cleanup(&env);
}

static void rec(fk_ctx *ctx, const char *action, const char *detail)
{
	fk_error err;
	ck_assert_ok(fk_audit(ctx, action, "register", "42", FK_RESULT_SUCCESS, "", detail, &err), &err);
}

/* 15 records over three epochs after the terminal's creation: B+1 to B+6 in epoch E (B+6 its
 * seal), B+7 to B+12 in epoch E+1, B+13 to B+15 in epoch E+2. */
static fk_ctx *build(void)
{
	fk_ctx *ctx = fkt_ctx_init_k0(&env, k0);
	fk_error err;
	ck_assert_ok(fk_audit_stop(ctx, "init", &err), &err);
	B = fkt_scalar(ctx, "SELECT max(seq) FROM audit_log");
	E = fkt_scalar(ctx, "SELECT epoch FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)") + 1;
	for (int run = 0; run < 3; run++) {
		ck_assert_ok(fk_audit_start(ctx, "test", &err), &err);
		rec(ctx, "register.view", "山田 太郎を閲覧");
		rec(ctx, "register.search", "やまだ");
		if (run < 2) {
			rec(ctx, "register.export", NULL);
			ck_assert_ok(fk_audit_stop(ctx, "test", &err), &err);
		}
	}
	fk_verify_report r = fkt_verify(ctx, k0, NULL);
	ck_assert_int_eq(r.problems, 0);
	ck_assert_int_eq(r.last_seq, B + 15);
	/* the forger's first step: its connection ignores the triggers (dropping
	 * them would alter the pinned schema, which every open refuses) */
	if (fkt_pg()) /* the server's administrator: each session of run() sets replica (below) */
		return ctx;
	ck_assert_int_eq(sqlite3_db_config(fk_sql_lite(ctx->db), SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *)NULL), SQLITE_OK);
	ck_assert_int_eq(fk_sql_exec(ctx->db, "PRAGMA ignore_check_constraints = ON;"), SQLITE_OK);
	return ctx;
}

static void run(fk_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The forger's SQL, with the records' places filled in; {n} stands for record B+n, the n-th of
 * the test's own records. */
static void run(fk_ctx *ctx, const char *fmt, ...)
{
	char raw[512], sql[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	size_t o = 0;
	for (const char *p = raw; *p && o + 24 < sizeof sql; p++) {
		char *end;
		long n = *p == '{' ? strtol(p + 1, &end, 10) : 0;
		if (*p == '{' && *end == '}') {
			o += (size_t)snprintf(sql + o, sizeof sql - o, "%lld", (long long)(B + n));
			p = end;
		} else {
			sql[o++] = *p;
		}
	}
	sql[o] = '\0';
	if (fkt_pg()) {
		/* On PostgreSQL the forger is the server's administrator: a session of its own whose
		 * session_replication_role (replica) fires no trigger, and nothing left in the
		 * catalogue the pinned schema reads. */
		char pg[700];
		snprintf(pg, sizeof pg, "SET session_replication_role = replica; %s", sql);
		fkt_outside(&env, pg);
		return;
	}
	ck_assert_msg(fk_sql_exec(ctx->db, sql) == SQLITE_OK, "%s: %s", sql, fk_sql_errmsg(ctx->db));
}

static void expect_located(fk_ctx *ctx, int64_t seq, const char *what)
{
	fk_verify_report r = fkt_verify(ctx, k0, NULL);
	ck_assert_msg(r.problems >= 1 && r.first_bad_seq == seq,
		      "%s: %lld problems, first at %lld, wanted %lld", what, (long long)r.problems,
		      (long long)r.first_bad_seq, (long long)seq);
}

#define COL(name, type) {name, "SELECT " name " FROM audit_log WHERE seq = ?1", \
			 "UPDATE audit_log SET " name " = ?1 WHERE seq = ?2", type}
static const struct col {
	const char *name, *sel, *upd;
	char type; /* i, t, b */
} cols[] = {
	COL("kind", 'i'), COL("epoch", 'i'), COL("ts_ns", 'i'), COL("mono_ns", 'i'),
	COL("clock_synced", 'i'), COL("pid", 'i'), COL("terminal", 't'), COL("tty", 't'),
	COL("session", 't'), COL("operator", 't'), COL("role", 't'), COL("action", 't'),
	COL("object_type", 't'), COL("object_id", 't'), COL("result", 't'), COL("reason", 't'),
	COL("detail", 'b'), COL("prev_mac", 'b'), COL("mac", 'b'),
};

/* The forger's write with bound values: on SQLite on the terminal's own connection, whose
 * triggers and CHECKs build() switched off; on PostgreSQL as the server's administrator, in a
 * session where no trigger fires (fkt_pg_outside_bound). 0 when the server refused the value
 * itself (what no one can store there: a CHECK, text that is not UTF-8). */
static int forger_write(fk_ctx *ctx, const char *sql, int n, const fkt_arg *a)
{
	if (fkt_pg())
		return fkt_pg_outside_bound(&env, sql, n, a);
	fk_stmt *st;
	ck_assert_int_eq(fk_sql_prepare(ctx->db, sql, 0, &st), SQLITE_OK);
	for (int i = 0; i < n; i++) {
		if (a[i].type == 'i')
			fk_sql_bind_int64(st, i + 1, a[i].i);
		else if (a[i].type == 't')
			fk_sql_bind_text(st, i + 1, a[i].p, a[i].n, SQLITE_STATIC);
		else
			fk_sql_bind_blob(st, i + 1, a[i].p, a[i].n, SQLITE_STATIC);
	}
	ck_assert_int_eq(fk_sql_step(st), SQLITE_DONE);
	fk_sql_finalize(st);
	return 1;
}

static int put(fk_ctx *ctx, const struct col *c, int64_t seq, int64_t v, const void *p, int n)
{
	fkt_arg a[2] = {{.type = c->type, .i = v, .p = p, .n = n}, {.type = 'i', .i = seq}};
	return forger_write(ctx, c->upd, 2, a);
}

/* Whether b (n bytes) is text PostgreSQL stores: UTF-8, shortest forms, no surrogate, no NUL. */
static int storable_text(const uint8_t *b, int n)
{
	for (int i = 0; i < n;) {
		uint8_t c = b[i];
		int k = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : -1;
		if (c == 0 || k < 0 || i + k >= n + (k == 0))
			return 0;
		uint32_t cp = k == 0 ? c : c & (0x3F >> k);
		for (int j = 1; j <= k; j++) {
			if ((b[i + j] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (b[i + j] & 0x3F);
		}
		static const uint32_t least[] = {0, 0x80, 0x800, 0x10000};
		if (cp < least[k] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += k + 1;
	}
	return 1;
}

/* The change of byte i the forger makes: every bit (0xFF) where anything may be stored; on
 * PostgreSQL a text byte changes by the lowest bit that keeps the text storable. 0: none. */
static uint8_t flip_mask(const struct col *c, uint8_t *buf, int n, int i)
{
	if (!fkt_pg() || c->type != 't')
		return 0xFF;
	for (unsigned m = 1; m <= 0x80; m <<= 1) {
		buf[i] ^= (uint8_t)m;
		int ok = storable_text(buf, n);
		buf[i] ^= (uint8_t)m;
		if (ok)
			return (uint8_t)m;
	}
	return 0;
}

/* Flip every byte of one field of one record, verify after each, restore. A value the server
 * refuses to store (PostgreSQL's CHECK on result) is no forgery: such a column is instead set
 * to each other value it may hold. */
static int flip_field(fk_ctx *ctx, const struct col *c, int64_t seq)
{
	fk_stmt *st;
	uint8_t buf[4096] = {0}; /* zeroed: the analyser cannot see that only n bytes are read */
	ck_assert_int_eq(fk_sql_prepare(ctx->db, c->sel, 0, &st), SQLITE_OK);
	fk_sql_bind_int64(st, 1, seq);
	ck_assert_int_eq(fk_sql_step(st), SQLITE_ROW);
	int64_t v = fk_sql_column_int64(st, 0);
	int n = fk_sql_column_bytes(st, 0);
	int null = fk_sql_column_type(st, 0) == SQLITE_NULL;
	ck_assert_int_le(n, (int)sizeof buf);
	if (n)
		memcpy(buf, c->type == 't' ? (const void *)fk_sql_column_text(st, 0) : fk_sql_column_blob(st, 0), (size_t)n);
	fk_sql_finalize(st);
	if (null)
		return 0;
	char what[96];
	int flips = 0, refused = 0, tries = c->type == 'i' ? 8 : n;
	for (int i = 0; i < tries; i++) {
		snprintf(what, sizeof what, "record %lld %s byte %d", (long long)seq, c->name, i);
		int stored;
		if (c->type == 'i') {
			stored = put(ctx, c, seq, v ^ (int64_t)((uint64_t)0xFF << (8 * i)), NULL, 0);
		} else {
			uint8_t m = flip_mask(c, buf, n, i);
			if (!m)
				continue;
			buf[i] ^= m;
			stored = put(ctx, c, seq, 0, buf, n);
			buf[i] ^= m;
		}
		refused += !stored;
		if (stored) {
			expect_located(ctx, seq, what);
			flips++;
		}
	}
	static const char *const results[] = {"success", "denied", "failed"};
	for (size_t r = 0; refused && strcmp(c->name, "result") == 0 && r < FK_ARRAY_LEN(results); r++) {
		if ((size_t)n == strlen(results[r]) && memcmp(buf, results[r], (size_t)n) == 0)
			continue;
		snprintf(what, sizeof what, "record %lld result %s", (long long)seq, results[r]);
		ck_assert(put(ctx, c, seq, 0, results[r], (int)strlen(results[r])));
		expect_located(ctx, seq, what);
		flips++;
	}
	ck_assert(put(ctx, c, seq, v, buf, n));
	return flips;
}

START_TEST(every_flipped_byte_is_located)
{
	fk_ctx *ctx = build();
	const int64_t sample[] = {B + 2, B + 6, B + 9, B + 15}; /* a detail, a seal, a middle record, the head */
	int flips = 0;
	for (size_t s = 0; s < FK_ARRAY_LEN(sample); s++)
		for (size_t c = 0; c < FK_ARRAY_LEN(cols); c++)
			flips += flip_field(ctx, &cols[c], sample[s]);
	ck_assert_int_gt(flips, 800);
	fk_verify_report r = fkt_verify(ctx, k0, NULL); /* restored: intact again */
	ck_assert_int_eq(r.problems, 0);
	fk_ctx_close(ctx);
}
END_TEST

START_TEST(deleted_middle_record_is_located)
{
	fk_ctx *ctx = build();
	run(ctx, "DELETE FROM audit_log WHERE seq = %lld", (long long)(B + 9));
	expect_located(ctx, B + 9, "deleted record");
	ck_assert(fkt_verify_saw(FK_VP_GAP, B + 9));
	ck_assert(fkt_verify_saw(FK_VP_LINK, B + 10));
	fk_ctx_close(ctx);
}
END_TEST

START_TEST(swapped_records_are_located)
{
	fk_ctx *ctx = build();
	long long a = B + 8, b = B + 9;
	run(ctx, "UPDATE audit_log SET seq = -%lld WHERE seq = %lld; UPDATE audit_log SET seq = %lld "
		 "WHERE seq = %lld; UPDATE audit_log SET seq = %lld WHERE seq = -%lld", a, a, a, b, b, a);
	expect_located(ctx, B + 8, "swapped records");
	ck_assert(fkt_verify_saw(FK_VP_MAC, B + 8));
	fk_ctx_close(ctx);
}
END_TEST

START_TEST(cut_tail_is_caught_by_a_kept_checkpoint)
{
	fk_ctx *ctx = build();
	fk_error err;
	fk_checkpoint kept;
	ck_assert_ok(fk_checkpoint_fresh(ctx, &kept, &err), &err);
	ck_assert_int_eq(kept.seq, B + 15);
	/* cut back to the end of epoch E+1, where the key file still fits, and
	 * remove the stored checkpoints that would tell */
	run(ctx, "DELETE FROM audit_log WHERE seq > %lld; DELETE FROM audit_checkpoint WHERE seq > %lld",
	    (long long)(B + 12), (long long)(B + 12));
	/* the anchor in the key folder knows where the history ended (R-LOGSEAL) */
	fk_verify_report r = fkt_verify(ctx, k0, NULL);
	ck_assert_int_eq(r.first_bad_seq, B + 13);
	ck_assert(fkt_verify_saw(FK_VP_ANCHOR, B + 13));
	r = fkt_verify(ctx, k0, &kept);
	ck_assert_int_eq(r.first_bad_seq, B + 13);
	ck_assert(fkt_verify_saw(FK_VP_TRUNCATED, B + 13));
	/* a kept checkpoint from another terminal's key is refused */
	kept.public_key[0] ^= 1;
	r = fkt_verify(ctx, k0, &kept);
	ck_assert(fkt_verify_saw(FK_VP_CHECKPOINT, B + 15));
	fk_ctx_close(ctx);
}
END_TEST

START_TEST(cut_tail_is_caught_by_the_key_epoch)
{
	fk_ctx *ctx = build();
	run(ctx, "DELETE FROM audit_log WHERE seq > %lld", (long long)(B + 10));
	expect_located(ctx, B + 11, "cut tail");
	ck_assert(fkt_verify_saw(FK_VP_TRUNCATED, B + 11));
	ck_assert(fkt_verify_saw(FK_VP_ANCHOR, B + 11));
	fk_ctx_close(ctx);
}
END_TEST

/* Row seq as the MAC sees it; its text and blobs live until the statement is finalised. */
static fk_stmt *load_rec(fk_ctx *ctx, int64_t seq, fk_chain_rec *r)
{
	fk_stmt *st;
	ck_assert_int_eq(fk_sql_prepare(ctx->db,
		"SELECT seq, kind, epoch, ts_ns, mono_ns, clock_synced, pid, terminal, tty, session, "
		"operator, role, action, object_type, object_id, result, reason, detail, prev_mac, row_refs "
		"FROM audit_log WHERE seq = ?1", 0, &st), SQLITE_OK);
	fk_sql_bind_int64(st, 1, seq);
	ck_assert_int_eq(fk_sql_step(st), SQLITE_ROW);
	memset(r, 0, sizeof *r);
	if (fk_sql_column_type(st, 19) == SQLITE_TEXT) {
		r->refs = (const char *)fk_sql_column_text(st, 19);
		r->refs_len = (size_t)fk_sql_column_bytes(st, 19);
	}
	int64_t *nums[] = {&r->seq, &r->kind, &r->epoch, &r->ts_ns, &r->mono_ns, &r->clock_synced, &r->pid};
	for (int c = 0; c < 7; c++)
		*nums[c] = fk_sql_column_int64(st, c);
	for (int f = 0; f < FK_CF_COUNT; f++) {
		r->text[f] = (const char *)fk_sql_column_text(st, 7 + f);
		r->len[f] = (size_t)fk_sql_column_bytes(st, 7 + f);
	}
	r->detail = fk_sql_column_blob(st, 17);
	r->detail_len = (size_t)fk_sql_column_bytes(st, 17);
	memcpy(r->prev_mac, fk_sql_column_blob(st, 18), FK_MAC_LEN);
	return st;
}

/* The forger holds today's key (audit.key) and rewrites record B+3 of epoch E. */
static void forge(fk_ctx *ctx, int64_t seq, int restamp)
{
	fk_error err;
	fk_chain_key k;
	char dir[700];
	snprintf(dir, sizeof dir, "%s/keys", env.dir);
	ck_assert_ok(fk_chain_key_load(dir, &k, &err), &err);
	ck_assert_int_eq(k.epoch, E + 2);
	fk_chain_rec r;
	fk_stmt *st = load_rec(ctx, seq, &r);
	r.text[FK_CF_ACTION] = "register.nothing";
	r.len[FK_CF_ACTION] = strlen(r.text[FK_CF_ACTION]);
	if (restamp)
		r.epoch = k.epoch;
	uint8_t mac[FK_MAC_LEN];
	ck_assert_ok(fk_chain_mac(k.key, &r, mac, &err), &err);
	fk_sql_finalize(st);
	fkt_arg a[3] = {{.type = 'i', .i = r.epoch}, {.type = 'b', .p = mac, .n = FK_MAC_LEN},
			{.type = 'i', .i = seq}};
	ck_assert(forger_write(ctx, "UPDATE audit_log SET action = 'register.nothing', epoch = ?1, mac = ?2 "
			       "WHERE seq = ?3", 3, a));
	fk_wipe(&k, sizeof k);
}

/* The forger holds K0 (the tests do): records from..end re-sealed with the
 * keys of their epochs and linked anew, the checkpoints that would tell
 * removed. Only what the forger changed in the rows is left to see. */
static void rechain(fk_ctx *ctx, int64_t from)
{
	fk_error err;
	uint8_t prev[FK_MAC_LEN], key[FK_KEY_LEN], mac[FK_MAC_LEN];
	fk_stmt *st;
	ck_assert_int_eq(fk_sql_prepare(ctx->db, "SELECT mac FROM audit_log WHERE seq = ?1", 0, &st), SQLITE_OK);
	fk_sql_bind_int64(st, 1, from - 1);
	ck_assert_int_eq(fk_sql_step(st), SQLITE_ROW);
	memcpy(prev, fk_sql_column_blob(st, 0), FK_MAC_LEN);
	fk_sql_finalize(st);
	int64_t last = fkt_scalar(ctx, "SELECT max(seq) FROM audit_log");
	for (int64_t seq = from; seq <= last; seq++) {
		fk_chain_rec r;
		st = load_rec(ctx, seq, &r);
		memcpy(r.prev_mac, prev, FK_MAC_LEN);
		memcpy(key, k0, FK_KEY_LEN);
		for (int64_t e = 0; e < r.epoch; e++)
			ck_assert_ok(fk_chain_evolve(key, &err), &err);
		ck_assert_ok(fk_chain_mac(key, &r, mac, &err), &err);
		fk_sql_finalize(st);
		fkt_arg a[3] = {{.type = 'b', .p = prev, .n = FK_MAC_LEN}, {.type = 'b', .p = mac, .n = FK_MAC_LEN},
				{.type = 'i', .i = seq}};
		ck_assert(forger_write(ctx, "UPDATE audit_log SET prev_mac = ?1, mac = ?2 WHERE seq = ?3", 3, a));
		memcpy(prev, mac, FK_MAC_LEN);
	}
	char sql[96];
	snprintf(sql, sizeof sql, "DELETE FROM audit_checkpoint WHERE seq >= %lld", (long long)from);
	run(ctx, "%s", sql);
	fk_wipe(key, sizeof key);
}

static void set_ts(fk_ctx *ctx, int64_t seq, int64_t ts)
{
	char sql[96];
	snprintf(sql, sizeof sql, "UPDATE audit_log SET ts_ns = %lld WHERE seq = %lld", (long long)ts,
		 (long long)seq);
	run(ctx, "%s", sql);
}

/* R-TIME, R-LOGSEAL: even a chain re-sealed with K0 shows a record dated
 * before its predecessor, by the time check alone; equal times are fine. */
START_TEST(time_going_backwards_is_located)
{
	fk_ctx *ctx = build();
	char sql[96];
	snprintf(sql, sizeof sql, "SELECT ts_ns FROM audit_log WHERE seq = %lld", (long long)(B + 8));
	int64_t t8 = fkt_scalar(ctx, sql);
	set_ts(ctx, B + 9, t8 - 1);
	rechain(ctx, B + 9);
	/* rechaining rewrites every MAC after B+9, so the anchored end no
	 * longer matches either: two problems, the time one first. On a shared store
	 * (PostgreSQL) the rewritten end is told twice: the store's end against its trust
	 * state, and this terminal's own last record against the one it wrote there. */
	const int ends = fkt_pg() ? 2 : 1;
	fk_verify_report r = fkt_verify(ctx, k0, NULL);
	ck_assert_int_eq(r.problems, 1 + ends);
	ck_assert(fkt_verify_saw(FK_VP_TIME, B + 9));
	ck_assert(fkt_verify_saw(FK_VP_ANCHOR, r.last_seq));
	ck_assert_int_eq(r.first_bad_seq, B + 9);
	/* equal times are not a step back: only the rewritten end remains */
	set_ts(ctx, B + 9, t8);
	set_ts(ctx, B + 10, t8);
	rechain(ctx, B + 9);
	r = fkt_verify(ctx, k0, NULL);
	ck_assert_int_eq(r.problems, ends);
	ck_assert(!fkt_verify_saw(FK_VP_TIME, B + 9) && !fkt_verify_saw(FK_VP_TIME, B + 10));
	ck_assert(fkt_verify_saw(FK_VP_ANCHOR, r.last_seq));
	fk_ctx_close(ctx);
}
END_TEST

START_TEST(resealing_with_a_later_key_is_located)
{
	fk_ctx *ctx = build();
	forge(ctx, B + 3, 0); /* keeps epoch E, MAC'd with today's key */
	expect_located(ctx, B + 3, "re-sealed with today's key");
	ck_assert(fkt_verify_saw(FK_VP_MAC, B + 3));
	fk_ctx_close(ctx);
	fkt_env_cleanup(&env);
	fkt_env_init(&env, NULL);
	ctx = build();
	forge(ctx, B + 3, 1); /* re-stamped into today's epoch, where today's key is valid */
	expect_located(ctx, B + 3, "re-stamped into today's epoch");
	ck_assert(fkt_verify_saw(FK_VP_EPOCH, B + 3));
	ck_assert(fkt_verify_saw(FK_VP_LINK, B + 4));
	fk_ctx_close(ctx);
}
END_TEST

/* ---- hostile numbers: a database copy holding INT64_MAX, INT64_MIN and
 * negative seq, epoch and ts. Verify names problems, recording refuses or
 * goes on, and none of it may overflow (CI runs this under UBSan with
 * -fno-sanitize-recover, where an overflow aborts the test). */

static const struct hostile {
	const char *what, *sql;
	int refused; /* recording one more must be refused (else it goes on) */
} hostile[] = {
	{"last seq INT64_MAX", "UPDATE audit_log SET seq = 9223372036854775807 WHERE seq = {15}", 1},
	{"last seq INT64_MAX - 1 (no number after the next)",
	 "UPDATE audit_log SET seq = 9223372036854775806 WHERE seq = {15}", 1},
	{"last seq INT64_MAX, in an epoch the key is past",
	 "UPDATE audit_log SET seq = 9223372036854775807, epoch = 1 WHERE seq = {15}", 1},
	{"first seq INT64_MIN", "UPDATE audit_log SET seq = -9223372036854775808 WHERE seq = 1", 0},
	{"every seq negative", "UPDATE audit_log SET seq = -seq", 1},
	{"epoch INT64_MAX sealed, then INT64_MAX again",
	 "UPDATE audit_log SET epoch = 9223372036854775807 WHERE seq IN ({6}, {7})", 0},
	{"last record seals epoch INT64_MAX",
	 "UPDATE audit_log SET kind = 2, epoch = 9223372036854775807 WHERE seq = {15}", 1},
	{"last epoch 2^62 (the key must not be derived for ever)",
	 "UPDATE audit_log SET epoch = 4611686018427387904 WHERE seq = {15}", 1},
	{"last epoch INT64_MIN", "UPDATE audit_log SET epoch = -9223372036854775808 WHERE seq = {15}", 1},
	{"times INT64_MAX then INT64_MIN",
	 "UPDATE audit_log SET ts_ns = 9223372036854775807 WHERE seq = 1;"
	 "UPDATE audit_log SET ts_ns = -9223372036854775808 WHERE seq = 2", 0},
};

START_TEST(hostile_numbers_do_not_overflow)
{
	const struct hostile *h = &hostile[_i];
	fk_ctx *ctx = build();
	fk_error err;
	run(ctx, "%s", h->sql);
	fk_verify_report r = fkt_verify(ctx, k0, NULL);
	ck_assert_msg(r.problems >= 1, "%s: no problem found", h->what);
	fk_status s = fk_audit(ctx, "register.view", "register", "42", FK_RESULT_SUCCESS, "", NULL, &err);
	if (h->refused)
		ck_assert_msg(s == FK_ERR_AUDIT && strstr(err.msg, "audit verify"), "%s: recorded (%s)",
			      h->what, err.msg);
	else
		ck_assert_msg(s == FK_OK, "%s: %s", h->what, err.msg);
	r = fkt_verify(ctx, k0, NULL);
	ck_assert_int_ge(r.problems, 1);
	fk_ctx_close(ctx);
}
END_TEST

/* A forged seal dated INT64_MIN becomes the next epoch's start: its age is
 * then beyond any epoch length, so the epoch is sealed (it used to wrap
 * round to a negative age, and the epoch stayed open). */
START_TEST(forged_seal_time_does_not_overflow_the_epoch_age)
{
	if (fkt_skip_on_pg("a forged seal time reaching the epoch code", "the forged record is written "
			   "by another session on PostgreSQL (the terminal's role cannot switch triggers off), "
			   "and the trust base refuses the next record as a rewritten history before the "
			   "epoch arithmetic this case is about runs"))
		return;
	fk_ctx *ctx = build();
	run(ctx, "UPDATE audit_log SET kind = 2, ts_ns = -9223372036854775808 WHERE seq = {15}");
	rec(ctx, "register.view", NULL); /* B+16, in epoch E+3, which "started" at INT64_MIN */
	rec(ctx, "register.view", NULL); /* the epoch is sealed first: B+17, then B+18 in epoch E+4 */
	char sql[96];
	snprintf(sql, sizeof sql, "SELECT kind FROM audit_log WHERE seq = %lld", (long long)(B + 17));
	ck_assert_int_eq(fkt_scalar(ctx, sql), FK_CHAIN_SEAL);
	snprintf(sql, sizeof sql, "SELECT epoch FROM audit_log WHERE seq = %lld", (long long)(B + 18));
	ck_assert_int_eq(fkt_scalar(ctx, sql), E + 4);
	fk_ctx_close(ctx);
}
END_TEST

/* A stored checkpoint claiming INT64_MIN or INT64_MAX (seq and time) is not
 * evidence of how far the history reached: a new one is written at once. */
START_TEST(hostile_checkpoint_numbers_make_one_due)
{
	fk_ctx *ctx = build();
	/* (the test's connection ignores the append-only triggers: build) */
	const char *const forged[] = {"-9223372036854775808", "9223372036854775807"};
	for (size_t i = 0; i < FK_ARRAY_LEN(forged); i++) {
		char sql[200];
		snprintf(sql, sizeof sql, "UPDATE audit_checkpoint SET seq = %s, ts_ns = %s "
			 "WHERE id = (SELECT max(id) FROM audit_checkpoint)", forged[i], forged[i]);
		run(ctx, "%s", sql);
		int64_t before = fkt_scalar(ctx, "SELECT count(*) FROM audit_checkpoint");
		rec(ctx, "register.view", NULL);
		ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM audit_checkpoint"), before + 1);
		ck_assert_int_eq(fkt_scalar(ctx, "SELECT seq FROM audit_checkpoint ORDER BY id DESC LIMIT 1"),
				 fkt_scalar(ctx, "SELECT max(seq) FROM audit_log"));
	}
	fk_ctx_close(ctx);
}
END_TEST

/* A child records as fast as it can, with epochs closing every millisecond,
 * and is killed with SIGKILL wherever it happens to be. */
static void child(void)
{
	fk_ctx *ctx;
	fk_error err;
	if (fk_ctx_open(env.config, FK_CTX_OPEN, &ctx, &err) != FK_OK)
		_exit(2);
	ctx->audit_epoch_ns = 1000000;
	if (fk_audit_start(ctx, "child", &err) != FK_OK)
		_exit(3);
	for (;;) {
		if (fk_audit(ctx, "register.view", "register", "1", FK_RESULT_SUCCESS, "", "detail", &err) != FK_OK)
			_exit(4);
		usleep(100); /* leave the parent a chance at the lock */
	}
}

static int64_t last_seq(fk_ctx *ctx)
{
	fk_stmt *st;
	ck_assert_int_eq(fk_sql_prepare(ctx->db, "SELECT max(seq) FROM audit_log", 0, &st), SQLITE_OK);
	int rc = fk_sql_step(st);
	int64_t v = rc == SQLITE_ROW ? fk_sql_column_int64(st, 0) : -1;
	fk_sql_finalize(st);
	return v;
}

START_TEST(chain_survives_sigkill)
{
	fk_ctx *ctx = fkt_ctx_init_k0(&env, k0);
	fk_ctx_close(ctx);
	const int64_t kill_after[] = {5, 23, 41};
	for (size_t i = 0; i < FK_ARRAY_LEN(kill_after); i++) {
		ctx = fkt_ctx_open(&env);
		fk_verify_report r;
		int64_t base = last_seq(ctx);
		fk_ctx_close(ctx); /* no SQLite connection may cross a fork */
		pid_t pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0)
			child();
		ctx = fkt_ctx_open(&env);
		/* wait until the child has written enough, then kill it mid-flight */
		for (int tries = 0; tries < 20000 && last_seq(ctx) < base + kill_after[i]; tries++)
			usleep(1000);
		fk_ctx_close(ctx);
		ck_assert_int_eq(kill(pid, SIGKILL), 0);
		int status;
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFSIGNALED(status));
		ctx = fkt_ctx_open(&env);
		rec(ctx, "after.crash", NULL); /* recording goes on */
		r = fkt_verify(ctx, k0, NULL);
		ck_assert_msg(r.problems == 0, "round %zu: %lld problems", i, (long long)r.problems);
		ck_assert_int_gt(r.last_seq, base + kill_after[i]);
		fk_ctx_close(ctx);
	}
}
END_TEST

/* The history's row references give the latest MAC of every small-table row: an older copy put
 * back, or a row removed, is found and dated by the record that wrote it, among hundreds of
 * references (more than the index of the references first holds: core/trust ref_map) (R-DETECT). */
START_TEST(older_row_is_found_among_many_references)
{
	fk_ctx *ctx = fkt_ctx_init_k0(&env, k0);
	fk_error err;
	fk_stmt *st;
	char user[16];
	int64_t id;
	ck_assert_ok(fk_ctx_begin(ctx, &err), &err);
	for (int i = 0; i < 300; i++) {
		snprintf(user, sizeof user, "op%03d", i);
		ck_assert_ok(fk_operator_add(ctx, user, FK_ROLE_OPERATOR, "東京法務局", NULL, &id, &err), &err);
	}
	ck_assert_ok(fk_ctx_end(ctx, FK_OK, &err), &err);
	/* the forger keeps a copy of op250's row, which is then disabled */
	ck_assert_int_eq(fk_sql_prepare(ctx->db, "SELECT updated_at, mac FROM operator WHERE username = 'op250'",
					    0, &st), SQLITE_OK);
	ck_assert_int_eq(fk_sql_step(st), SQLITE_ROW);
	int64_t updated = fk_sql_column_int64(st, 0);
	uint8_t mac[FK_MAC_LEN];
	ck_assert_int_eq(fk_sql_column_bytes(st, 1), FK_MAC_LEN);
	memcpy(mac, fk_sql_column_blob(st, 1), FK_MAC_LEN);
	fk_sql_finalize(st);
	ck_assert_ok(fk_operator_set_enabled(ctx, "op250", 0, &err), &err);
	int64_t disabled = fkt_scalar(ctx, "SELECT max(seq) FROM audit_log WHERE action = 'operator.disable'");
	int64_t enrolled = fkt_scalar(ctx, "SELECT seq FROM audit_log WHERE action = 'operator.add' AND object_id = 'op251'");
	fk_verify_report r = fkt_verify(ctx, k0, NULL);
	ck_assert_int_eq(r.problems, 0);
	/* puts the enabled copy back (its MAC is valid) and removes op251 */
	ck_assert_int_eq(fk_sql_prepare(ctx->db, "UPDATE operator SET enabled = 1, updated_at = ?1, mac = ?2 "
					    "WHERE username = 'op250'", 0, &st), SQLITE_OK);
	fk_sql_bind_int64(st, 1, updated);
	fk_sql_bind_blob(st, 2, mac, FK_MAC_LEN, SQLITE_STATIC);
	ck_assert_int_eq(fk_sql_step(st), SQLITE_DONE);
	fk_sql_finalize(st);
	ck_assert_int_eq(fk_sql_exec(ctx->db, "DELETE FROM operator WHERE username = 'op251'"),
			 SQLITE_OK);
	r = fkt_verify(ctx, k0, NULL);
	ck_assert(fkt_verify_saw(FK_VP_ROLLBACK, disabled));
	ck_assert(fkt_verify_saw(FK_VP_ROLLBACK, enrolled));
	ck_assert_int_eq(r.problems, 2);
	fk_ctx_close(ctx);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("audit-tamper");
	TCase *tc = tcase_create("tamper");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, deleted_middle_record_is_located);
	tcase_add_test(tc, swapped_records_are_located);
	tcase_add_test(tc, cut_tail_is_caught_by_a_kept_checkpoint);
	tcase_add_test(tc, cut_tail_is_caught_by_the_key_epoch);
	tcase_add_test(tc, resealing_with_a_later_key_is_located);
	tcase_add_test(tc, chain_survives_sigkill);
	tcase_add_test(tc, time_going_backwards_is_located);
	tcase_add_loop_test(tc, hostile_numbers_do_not_overflow, 0, (int)FK_ARRAY_LEN(hostile));
	tcase_add_test(tc, forged_seal_time_does_not_overflow_the_epoch_age);
	tcase_add_test(tc, hostile_checkpoint_numbers_make_one_due);
	tcase_add_test(tc, older_row_is_found_among_many_references);
	suite_add_tcase(s, tc);
	/* About 900 verifications: 30-60 s on PostgreSQL under the load of a parallel check,
	 * where each is a few round trips; a bound of its own. */
	TCase *flips = tcase_create("flips");
	tcase_add_checked_fixture(flips, setup, teardown);
	tcase_set_timeout(flips, 300);
	tcase_add_test(flips, every_flipped_byte_is_located);
	suite_add_tcase(s, flips);
	return fkt_run(s);
}
