/* The history's key files: audit.key in the key folder, and K0 kept by the administrator (R-LOGSEAL, R-KEYS). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "chain_format.h"
#include "chain_keys.h"
#include "keyfile.h"
#include "keys.h"
#include "util.h"

/* ---- audit.key: magic | epoch | started_ns | key | SHA-256 of all before --- */

static const uint8_t KEY_MAGIC[8] = {'F', 'K', 'A', 'U', 'D', 'K', '1', 0};
#define KEY_BODY (8 + 8 + 8 + FK_KEY_LEN)
#define KEY_FILE (KEY_BODY + FK_KEYFILE_SUM)

static int64_t get_i64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return (int64_t)v;
}

fk_status fk_chain_key_load(const char *key_dir, fk_chain_key *k, fk_error *err)
{
	uint8_t buf[KEY_FILE];
	fk_status st = fk_keyfile_read_checked(key_dir, FK_AUDIT_KEY_NAME, KEY_MAGIC, buf, sizeof buf, err);
	if (st == FK_OK) {
		k->epoch = get_i64(buf + 8);
		k->started_ns = get_i64(buf + 16);
		memcpy(k->key, buf + 24, FK_KEY_LEN);
		if (k->epoch < 0)
			st = fk_fail(err, FK_ERR_CORRUPT, "history key %s/%s has a negative epoch",
				     key_dir, FK_AUDIT_KEY_NAME);
	}
	fk_wipe(buf, sizeof buf);
	return st;
}

fk_status fk_chain_key_store(const char *key_dir, const fk_chain_key *k, int excl, fk_error *err)
{
	uint8_t buf[KEY_FILE];
	fk_chain_put_i64(buf, 8, sizeof buf, k->epoch);
	fk_chain_put_i64(buf, 16, sizeof buf, k->started_ns);
	memcpy(buf + 24, k->key, FK_KEY_LEN);
	fk_status st = fk_keyfile_write_checked(key_dir, FK_AUDIT_KEY_NAME, KEY_MAGIC, buf, sizeof buf,
						excl, err);
	fk_wipe(buf, sizeof buf);
	return st;
}

/* ---- K0 for the administrator --------------------------------------------- */

char *fk_chain_k0_default_path(const char *key_dir, fk_error *err)
{
	char *copy = fk_strdup(key_dir, err);
	if (!copy)
		return NULL;
	size_t n = strlen(copy);
	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = '\0';
	char *parent = fk_dirname(copy, err);
	free(copy);
	if (!parent)
		return NULL;
	char *p = fk_path_join(parent, FK_CHAIN_K0_NAME, err);
	free(parent);
	return p;
}

fk_status fk_chain_k0_write(const char *path, const char *terminal, const uint8_t k0[FK_KEY_LEN],
			    fk_error *err)
{
	char hex[2 * FK_KEY_LEN + 1], text[512];
	fk_hex(k0, FK_KEY_LEN, hex);
	int n = snprintf(text, sizeof text,
			 "# fukuhon history initial key (K0): keep it off the terminal; "
			 "`fukuhonctl audit verify --key FILE` needs it.\nterminal %s\nk0 %s\n",
			 terminal, hex);
	fk_wipe(hex, sizeof hex);
	fk_status st = n < 0 || n >= (int)sizeof text
		? fk_fail(err, FK_ERR_INVALID, "terminal id too long")
		: fk_write_new_file(path, text, (size_t)n, err);
	fk_wipe(text, sizeof text);
	return st;
}

/* K0 is kept off the terminal, wherever the administrator likes (modes are
 * not checked: a removable medium may not have them), but as one file: a
 * second name would keep it readable after the copy meant to be the only one
 * is moved away. */
static fk_status k0_single_link(const char *path, const struct stat *sb, fk_error *err)
{
	if (sb->st_nlink != 1)
		return fk_fail(err, FK_ERR_KEYPERM,
			       "history initial key file %s has %lu hard links; it must have exactly one",
			       path, (unsigned long)sb->st_nlink);
	return FK_OK;
}

fk_status fk_chain_k0_read(const char *path, uint8_t k0[FK_KEY_LEN], fk_error *err)
{
	return fk_chain_k0_read_for(path, k0, NULL, 0, err);
}

fk_status fk_chain_k0_read_for(const char *path, uint8_t k0[FK_KEY_LEN], char *terminal, size_t tn,
			       fk_error *err)
{
	char *text;
	size_t len;
	fk_status st = fk_read_file_checked(path, 4096, k0_single_link, &text, &len, err);
	if (st != FK_OK)
		return st;
	const char *t = strstr(text, "\nterminal ");
	if (terminal && tn) {
		size_t l = t ? strcspn(t + 10, "\n") : 0;
		if (!t || l >= tn)
			st = fk_fail(err, FK_ERR_INVALID, "%s does not name its terminal", path);
		else {
			memcpy(terminal, t + 10, l);
			terminal[l] = 0;
		}
	}
	const char *k = strstr(text, "\nk0 ");
	char hex[2 * FK_KEY_LEN + 1] = "";
	if (k)
		fk_copy_str(hex, sizeof hex, k + 4);
	if (st == FK_OK && (!k || fk_unhex(hex, k0, FK_KEY_LEN) != 0))
		st = fk_fail(err, FK_ERR_INVALID, "%s is not a fukuhon history initial key file", path);
	fk_wipe(hex, sizeof hex);
	fk_wipe(text, len);
	free(text);
	return st;
}
