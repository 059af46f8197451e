/* The content of a register (戸籍 / 除籍), laid out like a 全部事項証明.
 *
 * In memory and on disk a register's content is a JSON document (jansson),
 * serialised canonically (compact, keys sorted) before it is sealed. Schema
 * (docs/register-format.md):
 *
 * {
 *   "honseki":   "東京都千代田区千代田一丁目1番",          本籍
 *   "hittosha":  {"name": "山田 太郎", "reading": "やまだ たろう"},  筆頭者氏名
 *   "jiko": [ {"type": "編製", "date": "2001-04-01", "detail": {...}} ],  戸籍事項
 *   "persons": [ {
 *       "name": "太郎", "reading": "たろう",               名 and its reading
 *       "surname": "山田",                                  氏 (optional; defaults to 筆頭者's)
 *       "birth": "1970-01-01",                              生年月日
 *       "father": "山田 一郎", "mother": "山田 花子",         父, 母 (optional)
 *       "relation": "長男",                                 続柄
 *       "spouse": "夫" | "妻" | "",                         配偶者区分
 *       "removed": false,                                   除籍 mark
 *       "events": [ {"type": "出生", "date": "1970-01-01",
 *                    "detail": {"届出日": "1970-01-10", "届出人": "父", "出生地": "…"}} ]
 *   } ]
 * }
 * Dates are ISO 8601 (YYYY-MM-DD); event types are 出生, 婚姻, 離婚,
 * 養子縁組, 養子離縁, 死亡, 入籍, 除籍, 転籍, 編製, 消除, 氏の変更 …;
 * detail values are strings. */
#ifndef FK_REGISTER_H
#define FK_REGISTER_H

#include <jansson.h>
#include <stddef.h>

#include "status.h"

typedef enum fk_reg_kind { FK_KIND_KOSEKI = 1, FK_KIND_JOSEKI = 2 } fk_reg_kind;

const char *fk_reg_kind_name(fk_reg_kind k); /* "戸籍" / "除籍" */
const char *fk_reg_kind_id(fk_reg_kind k);   /* "koseki" / "joseki" */
int fk_reg_kind_parse(const char *s);        /* either form; -1 if unknown */

/* The four kinds of file (R-FILES): the two of registers and the two of records. Bit sets use
 * FK_KIND_BIT. Here, below the store and the operation table, which both count by them. */
typedef enum fk_file_kind {
	FK_FILE_KOSEKI = FK_KIND_KOSEKI, /* 戸籍 */
	FK_FILE_JOSEKI = FK_KIND_JOSEKI, /* 除籍 */
	FK_FILE_LEDGER = 3, /* 受付帳情報 */
	FK_FILE_DOCS = 4,   /* 届書等情報 */
} fk_file_kind;
#define FK_FILE_KINDS 4
#define FK_KIND_BIT(k) (1u << ((unsigned)(k) - 1u))
#define FK_KINDS_ALL 15u

/* Check that doc follows the schema above (types, required fields, valid
 * UTF-8 dates of the right shape). FK_ERR_INVALID names the first problem. */
fk_status fk_register_validate(const json_t *doc, fk_error *err);

/* Canonical serialisation (compact, sorted keys); malloc'd, *len set. */
fk_status fk_register_dump(const json_t *doc, char **out, size_t *len, fk_error *err);

/* Parse content produced by fk_register_dump, then validate. */
fk_status fk_register_load(const char *buf, size_t len, json_t **out, fk_error *err);

/* Convenience accessors for indexing (borrowed; "" when absent). */
const char *fk_register_honseki(const json_t *doc);
const char *fk_register_head_name(const json_t *doc);
const char *fk_register_head_reading(const json_t *doc);

#endif
