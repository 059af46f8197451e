/* Reference data: prefectures, bureaus and municipalities with their jurisdiction. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "sql.h"
#include "lgcode.h"
#include "refdata.h"
#include "trust.h"
#include "util.h"

#define CSV_MAX_BYTES (8 * 1024 * 1024)
#define CSV_FIELDS 16

int fk_csv_record(char **p, char **fields, int max)
{
	char *s = *p;
	if (!*s)
		return 0;
	int n = 0;
	for (;;) {
		if (n == max)
			return -1;
		char *out = s;
		fields[n++] = out;
		if (*s == '"') {
			/* Quoted: "" is a quote; the field ends at the closing quote. */
			s++;
			for (;;) {
				if (!*s)
					return -1;
				if (*s == '"' && s[1] == '"') {
					*out++ = '"';
					s += 2;
				} else if (*s == '"') {
					s++;
					break;
				} else {
					*out++ = *s++;
				}
			}
			if (*s && *s != ',' && *s != '\n' && *s != '\r')
				return -1;
		} else {
			while (*s && *s != ',' && *s != '\n' && *s != '\r')
				*out++ = *s++;
		}
		char sep = *s;
		*out = '\0';
		if (sep == ',') {
			s++;
			continue;
		}
		/* out may equal s: the separator was saved before the NUL overwrote it. */
		if (sep == '\r' || sep == '\n')
			s++;
		if (sep == '\r' && *s == '\n')
			s++;
		*p = s;
		return n;
	}
}

typedef fk_status (*row_fn)(fk_ctx *ctx, char **f, int nf, int line, const char *file, fk_error *err);

/* Read a CSV file, check its header starts with the expected columns, call fn per row. */
static fk_status load_csv(fk_ctx *ctx, const char *dir, const char *file, const char *header,
			  row_fn fn, int *rows, fk_error *err)
{
	char *path = fk_path_join(dir, file, err), *buf;
	if (!path)
		return FK_ERR_NOMEM;
	fk_status s = fk_read_file(path, CSV_MAX_BYTES, &buf, NULL, err);
	free(path);
	if (s != FK_OK)
		return fk_fail_wrap(err, "reference data");
	char *p = buf;
	if (!strncmp(p, "\xef\xbb\xbf", 3)) /* UTF-8 byte-order mark */
		p += 3;
	if (strncmp(p, header, strlen(header)) != 0) {
		free(buf);
		return fk_fail(err, FK_ERR_CORRUPT, "%s: unexpected header (want '%s…')", file, header);
	}
	char *f[CSV_FIELDS];
	int n, line = 1;
	fk_csv_record(&p, f, CSV_FIELDS);
	*rows = 0;
	while (s == FK_OK && (n = fk_csv_record(&p, f, CSV_FIELDS)) != 0) {
		line++;
		if (n < 0)
			s = fk_fail(err, FK_ERR_CORRUPT, "%s:%d: malformed CSV record", file, line);
		else if (n == 1 && !f[0][0])
			continue;
		else if ((s = fn(ctx, f, n, line, file, err)) == FK_OK)
			(*rows)++;
	}
	free(buf);
	return s;
}

static const char SQL_PREF[] = "INSERT INTO prefecture(id, name, kana) VALUES (?1, ?2, ?3)";
static const char SQL_BUREAU[] =
	"INSERT INTO bureau(name, kana, kind, pref_id) VALUES (?1, ?2, ?3, ?4)";
static const char SQL_BUREAU_PARENT[] =
	"UPDATE bureau SET parent_id = (SELECT id FROM bureau WHERE name = ?2) WHERE name = ?1 AND name <> ?2";
/* Jurisdiction by prefecture; where several bureaus share one (北海道), the 法務局 first, then
 * each municipality to its subprefecture's office (load_hokkaido). */
static const char SQL_MUNI[] =
	"INSERT INTO municipality(code, pref_id, name, kana, bureau_id) VALUES (?1, ?2, ?3, ?4, "
	"(SELECT id FROM bureau WHERE pref_id = ?2 ORDER BY kind = '法務局' DESC, id LIMIT 1))";

/* 北海道 is shared by four bureaus along its 総合振興局/振興局 (data/README.md): each of its
 * municipalities moves from the 法務局 the prefecture rule gave it to its subprefecture's office. */
static const char SQL_SUBPREF_TABLE[] =
	"CREATE TEMP TABLE subpref_office (subprefecture TEXT PRIMARY KEY, office TEXT NOT NULL)";
static const char SQL_SUBPREF_ADD[] =
	"INSERT INTO subpref_office(subprefecture, office) VALUES (?1, ?2)";
/* In each backend's words (docs/storage.md): the temporary schema is pg_temp on PostgreSQL. The
 * statements that use the table name it without its schema: both look there first. */
static const char *const SQL_SUBPREF_DROP[FK_BACKEND_PG + 1] = {
	[FK_BACKEND_SQLITE] = "DROP TABLE IF EXISTS temp.subpref_office",
	[FK_BACKEND_PG] = "DROP TABLE IF EXISTS pg_temp.subpref_office",
};
static const char SQL_SUBPREF_MUNI[] =
	"UPDATE municipality SET bureau_id = (SELECT b.id FROM subpref_office s JOIN bureau b "
	"ON b.name = s.office WHERE s.subprefecture = ?2) WHERE code = ?1 AND pref_id = 1 AND EXISTS (SELECT 1 FROM "
	"subpref_office s JOIN bureau b ON b.name = s.office WHERE s.subprefecture = ?2)";
/* Prefecture ids are the JIS X 0401 codes (prefjp-utf8.csv): 北海道 is 1. */
static const char SQL_SUBPREF_LEFT[] = "SELECT count(*) FROM municipality WHERE pref_id = 1";

static fk_status bind_exec(fk_ctx *ctx, const char *sql, char **vals, int n, const char *file,
			   int line, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, sql, &st, err);
	if (s != FK_OK)
		return s;
	for (int i = 0; i < n; i++)
		fk_sql_bind_text(st, i + 1, vals[i], -1, SQLITE_STATIC);
	if ((s = fk_ctx_exec(ctx, st, err, "reference data")) != FK_OK)
		fk_fail_wrap(err, "%s:%d", file, line);
	return s;
}

static int valid_pid(const char *s)
{
	int v = atoi(s);
	return v >= 1 && v <= 47 && strspn(s, "0123456789") == strlen(s);
}

static fk_status pref_row(fk_ctx *ctx, char **f, int nf, int line, const char *file, fk_error *err)
{
	if (nf < 3 || !valid_pid(f[0]))
		return fk_fail(err, FK_ERR_CORRUPT, "%s:%d: bad prefecture row", file, line);
	char *v[] = {f[0], f[1], f[2]};
	return bind_exec(ctx, SQL_PREF, v, 3, file, line, err);
}

static fk_status bureau_row(fk_ctx *ctx, char **f, int nf, int line, const char *file, fk_error *err)
{
	/* name,kana,kind,regional_bureau,pid,note */
	if (nf < 5 || !valid_pid(f[4]) || (strcmp(f[2], "法務局") && strcmp(f[2], "地方法務局")))
		return fk_fail(err, FK_ERR_CORRUPT, "%s:%d: bad bureau row", file, line);
	char *v[] = {f[0], f[1], f[2], f[4]};
	return bind_exec(ctx, SQL_BUREAU, v, 4, file, line, err);
}

static fk_status bureau_parent_row(fk_ctx *ctx, char **f, int nf, int line, const char *file,
				   fk_error *err)
{
	char *v[] = {f[0], f[3]};
	return bind_exec(ctx, SQL_BUREAU_PARENT, v, 2, file, line, err);
}

static fk_status muni_row(fk_ctx *ctx, char **f, int nf, int line, const char *file, fk_error *err)
{
	/* pid,pref,cid,city,citykana,lat,lng,url,phrase,lgcode */
	if (nf < 10 || !valid_pid(f[0]))
		return fk_fail(err, FK_ERR_CORRUPT, "%s:%d: bad municipality row", file, line);
	fk_status s = fk_lgcode_validate(f[9], err);
	if (s != FK_OK)
		return fk_fail_wrap(err, "%s:%d", file, line);
	char *v[] = {f[9], f[0], f[3], f[4]};
	return bind_exec(ctx, SQL_MUNI, v, 4, file, line, err);
}

static fk_status subpref_row(fk_ctx *ctx, char **f, int nf, int line, const char *file,
			       fk_error *err)
{
	if (nf < 2 || !f[0][0] || !f[1][0])
		return fk_fail(err, FK_ERR_CORRUPT, "%s:%d: bad subprefecture row", file, line);
	char *v[] = {f[0], f[1]};
	return bind_exec(ctx, SQL_SUBPREF_ADD, v, 2, file, line, err);
}

/* One 北海道 municipality to its subprefecture's office: the code must be a municipality
 * loaded, the subprefecture one whose office is a bureau; anything else refuses the load. */
static fk_status hokkaido_row(fk_ctx *ctx, char **f, int nf, int line, const char *file,
			      fk_error *err)
{
	/* lgcode,city,subprefecture */
	if (nf < 3)
		return fk_fail(err, FK_ERR_CORRUPT, "%s:%d: bad row", file, line);
	fk_status s = fk_lgcode_validate(f[0], err);
	if (s != FK_OK)
		return fk_fail_wrap(err, "%s:%d", file, line);
	char *v[] = {f[0], f[2]};
	if ((s = bind_exec(ctx, SQL_SUBPREF_MUNI, v, 2, file, line, err)) != FK_OK)
		return s;
	if (fk_sql_changes(ctx->db) != 1)
		return fk_fail(err, FK_ERR_CORRUPT,
			       "%s:%d: municipality %.6s unknown or subprefecture '%.60s' without an office",
			       file, line, f[0], f[2]);
	return FK_OK;
}

static fk_status exec_sql(fk_ctx *ctx, const char *sql, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, sql, &st, err);
	return s == FK_OK ? fk_ctx_exec(ctx, st, err, "reference data") : s;
}

/* 北海道's municipalities by subprefecture; every one of them must be in the table. */
static fk_status load_hokkaido(fk_ctx *ctx, const char *dir, fk_error *err)
{
	int offices = 0, moved = 0;
	int64_t all = 0;
	fk_status s = exec_sql(ctx, SQL_SUBPREF_DROP[ctx->db->backend], err);
	if (s == FK_OK)
		s = exec_sql(ctx, SQL_SUBPREF_TABLE, err);
	if (s == FK_OK)
		s = load_csv(ctx, dir, "subprefecture-offices.csv", "subprefecture,office", subpref_row,
			     &offices, err);
	if (s == FK_OK)
		s = load_csv(ctx, dir, "hokkaido-subprefectures.csv", "lgcode,city,subprefecture",
			     hokkaido_row, &moved, err);
	if (s == FK_OK)
		s = fk_ctx_int64(ctx, SQL_SUBPREF_LEFT, &all, err, "reference data");
	if (s == FK_OK && moved != all)
		s = fk_fail(err, FK_ERR_CORRUPT,
			    "hokkaido-subprefectures.csv: %d municipalities of 北海道 assigned, %lld known",
			    moved, (long long)all);
	fk_error e2;
	fk_status d = exec_sql(ctx, SQL_SUBPREF_DROP[ctx->db->backend], &e2);
	if (s == FK_OK && d != FK_OK) {
		*err = e2;
		s = d;
	}
	return s;
}

/* The municipalities, some 1,900 INSERTs, as one pipeline (sql.h: one round trip on
 * PostgreSQL instead of one a row); their statement prepared before it. A row the store
 * refuses (a duplicate code) fails the load at the pipeline's end, naming the constraint. */
static fk_status load_munis(fk_ctx *ctx, const char *dir, int *n_munis, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_MUNI, &st, err);
	if (s != FK_OK)
		return s;
	int rc = fk_sql_pipeline_begin(ctx->db);
	if (rc != SQLITE_OK)
		return fk_db_fail(ctx->db, rc, err, "reference data");
	s = load_csv(ctx, dir, "localgovjp-utf8.csv", "pid,pref,cid,city,citykana", muni_row, n_munis, err);
	rc = fk_sql_pipeline_end(ctx->db);
	if (s == FK_OK && rc != SQLITE_OK)
		s = fk_db_fail(ctx->db, rc, err, "reference data: localgovjp-utf8.csv");
	return s;
}

fk_status fk_refdata_load(fk_ctx *ctx, const char *dir, int *n_bureaus, int *n_munis, fk_error *err)
{
	int prefs = 0, parents = 0;
	fk_status s = fk_ctx_begin(ctx, err);
	if (s != FK_OK)
		return s;
	if ((s = load_csv(ctx, dir, "prefjp-utf8.csv", "pid,pref,prefkana", pref_row, &prefs, err)) == FK_OK &&
	    (s = load_csv(ctx, dir, "bureaus.csv", "name,kana,kind,regional_bureau,pid", bureau_row,
			  n_bureaus, err)) == FK_OK &&
	    (s = load_csv(ctx, dir, "bureaus.csv", "name,kana,kind,regional_bureau,pid",
			  bureau_parent_row, &parents, err)) == FK_OK)
		s = load_munis(ctx, dir, n_munis, err);
	if (s == FK_OK)
		s = load_hokkaido(ctx, dir, err);
	if (s == FK_OK && prefs != 47)
		s = fk_fail(err, FK_ERR_CORRUPT, "prefjp-utf8.csv: %d prefectures, expected 47", prefs);
	/* Jurisdiction decides access: every row is sealed (R-JURIS). */
	const fk_table sealed[] = {FK_T_PREFECTURE, FK_T_BUREAU, FK_T_MUNICIPALITY};
	for (size_t i = 0; s == FK_OK && i < FK_ARRAY_LEN(sealed); i++)
		s = fk_trust_seal_loaded(ctx, sealed[i], err);
	return fk_ctx_end(ctx, s, err);
}

static const char SQL_BUREAU_LIST[] =
	"SELECT b.id, b.name, b.kana, b.kind, coalesce(b.parent_id, 0), coalesce(b.pref_id, 0), "
	"(SELECT count(*) FROM municipality m WHERE m.bureau_id = b.id) FROM bureau b "
	"WHERE (CAST(?1 AS TEXT) IS NULL OR b.name = ?1) AND (?2 = 0 OR b.id = ?2) ORDER BY b.pref_id, b.id";

static void bureau_from_row(fk_stmt *st, fk_bureau *b)
{
	memset(b, 0, sizeof *b);
	b->id = fk_sql_column_int64(st, 0);
	fk_copy_str(b->name, sizeof b->name, (const char *)fk_sql_column_text(st, 1));
	fk_copy_str(b->kana, sizeof b->kana, (const char *)fk_sql_column_text(st, 2));
	fk_copy_str(b->kind, sizeof b->kind, (const char *)fk_sql_column_text(st, 3));
	b->parent_id = fk_sql_column_int64(st, 4);
	b->pref_id = fk_sql_column_int(st, 5);
	b->n_municipalities = fk_sql_column_int(st, 6);
}

static fk_status bureau_query(fk_ctx *ctx, const char *name, int64_t id, fk_bureau *out, int max,
			      int *n, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_BUREAU_LIST, &st, err);
	if (s != FK_OK)
		return s;
	if (name)
		fk_sql_bind_text(st, 1, name, -1, SQLITE_STATIC);
	fk_sql_bind_int64(st, 2, id);
	int rc;
	*n = 0;
	while ((rc = fk_sql_step(st)) == SQLITE_ROW && *n < max)
		bureau_from_row(st, &out[(*n)++]);
	fk_sql_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? FK_OK : fk_db_fail(ctx->db, rc, err, "bureaus");
}

fk_status fk_bureau_list(fk_ctx *ctx, fk_bureau *out, int max, int *n, fk_error *err)
{
	return bureau_query(ctx, NULL, 0, out, max, n, err);
}

fk_status fk_bureau_find(fk_ctx *ctx, const char *name, fk_bureau *out, fk_error *err)
{
	int n;
	fk_status s = bureau_query(ctx, name, 0, out, 1, &n, err);
	if (s == FK_OK && n == 0)
		s = fk_fail(err, FK_ERR_NOTFOUND, "unknown bureau '%.60s' (see 'fukuhonctl bureau list')",
			    name);
	return s;
}

fk_status fk_bureau_get(fk_ctx *ctx, int64_t id, fk_bureau *out, fk_error *err)
{
	int n;
	fk_status s = bureau_query(ctx, NULL, id, out, 1, &n, err);
	if (s == FK_OK && n == 0)
		s = fk_fail(err, FK_ERR_NOTFOUND, "unknown bureau id %lld", (long long)id);
	return s;
}

static const char SQL_MUNI_LIST[] =
	"SELECT m.code, m.name, m.kana, p.name, m.bureau_id, b.name FROM municipality m "
	"JOIN prefecture p ON p.id = m.pref_id JOIN bureau b ON b.id = m.bureau_id "
	"WHERE (?1 = 0 OR m.bureau_id = ?1) AND (CAST(?2 AS TEXT) IS NULL OR m.code = ?2) ORDER BY m.code";

static fk_status muni_query(fk_ctx *ctx, int64_t bureau_id, const char *code, fk_muni_cb cb,
			    void *arg, int *found, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_MUNI_LIST, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, bureau_id);
	if (code)
		fk_sql_bind_text(st, 2, code, -1, SQLITE_STATIC);
	int rc;
	*found = 0;
	while ((rc = fk_sql_step(st)) == SQLITE_ROW) {
		fk_muni m;
		memset(&m, 0, sizeof m);
		fk_copy_str(m.code, sizeof m.code, (const char *)fk_sql_column_text(st, 0));
		fk_copy_str(m.name, sizeof m.name, (const char *)fk_sql_column_text(st, 1));
		fk_copy_str(m.kana, sizeof m.kana, (const char *)fk_sql_column_text(st, 2));
		fk_copy_str(m.pref, sizeof m.pref, (const char *)fk_sql_column_text(st, 3));
		m.bureau_id = fk_sql_column_int64(st, 4);
		fk_copy_str(m.bureau, sizeof m.bureau, (const char *)fk_sql_column_text(st, 5));
		(*found)++;
		if (cb(&m, arg))
			break;
	}
	fk_sql_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? FK_OK
						     : fk_db_fail(ctx->db, rc, err, "municipalities");
}

fk_status fk_muni_list(fk_ctx *ctx, int64_t bureau_id, fk_muni_cb cb, void *arg, fk_error *err)
{
	int found;
	return muni_query(ctx, bureau_id, NULL, cb, arg, &found, err);
}

static int copy_one(const fk_muni *m, void *arg)
{
	*(fk_muni *)arg = *m;
	return 1;
}

fk_status fk_muni_get(fk_ctx *ctx, const char *code, fk_muni *out, fk_error *err)
{
	int found;
	fk_status s = fk_lgcode_validate(code, err);
	if (s == FK_OK)
		s = muni_query(ctx, 0, code, copy_one, out, &found, err);
	if (s == FK_OK && !found)
		s = fk_fail(err, FK_ERR_NOTFOUND, "municipality %s is not known", code);
	return s;
}

static const char SQL_COUNTS[] =
	"SELECT (SELECT count(*) FROM bureau) * 100000 + (SELECT count(*) FROM municipality)";

fk_status fk_refdata_counts(fk_ctx *ctx, int *n_bureaus, int *n_munis, fk_error *err)
{
	int64_t v;
	fk_status s = fk_ctx_int64(ctx, SQL_COUNTS, &v, err, "counting reference data");
	*n_bureaus = s == FK_OK ? (int)(v / 100000) : 0;
	*n_munis = s == FK_OK ? (int)(v % 100000) : 0;
	return s;
}
