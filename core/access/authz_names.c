/* Names of file kinds, rights and actions, and their comma-separated lists (R-FILES). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "authz.h"
#include "util.h"

static const char *const kind_ids[] = {"koseki", "joseki", "ledger", "documents"};
static const char *const kind_names[] = {"戸籍", "除籍", "受付帳情報", "届書等情報"};
static const char *const right_ids[] = {"view", "export", "print", "dispose"};
static const char *const reason_ids[] = {
#define FK_REASON_ID(id, code) code,
	FK_REASON_LIST(FK_REASON_ID)
#undef FK_REASON_ID
};

const char *fk_file_kind_id(int kind)
{
	return kind >= 1 && kind <= FK_FILE_KINDS ? kind_ids[kind - 1] : "?";
}

const char *fk_file_kind_name(int kind)
{
	return kind >= 1 && kind <= FK_FILE_KINDS ? kind_names[kind - 1] : "?";
}

int fk_file_kind_parse(const char *s)
{
	for (int i = 0; i < FK_FILE_KINDS; i++)
		if (!strcmp(s, kind_ids[i]) || !strcmp(s, kind_names[i]))
			return i + 1;
	return -1;
}

const char *fk_reason_id(fk_reason r)
{
	return (unsigned)r < FK_ARRAY_LEN(reason_ids) ? reason_ids[r] : "?";
}

static int right_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, right_ids[i]))
			return 1 << i;
	return -1;
}

/* Split list on commas; each word through parse (-1: unknown) into bits. */
static fk_status parse_list(const char *list, int (*parse)(const char *), int as_bit,
			    const char *what, unsigned *bits, fk_error *err)
{
	*bits = 0;
	const char *p = list ? list : "";
	do {
		size_t n = strcspn(p, ",");
		char word[64];
		if (n == 0 || n >= sizeof word)
			return fk_fail(err, FK_ERR_INVALID, "empty or overlong %s in '%.60s'", what, list);
		memcpy(word, p, n);
		word[n] = '\0';
		int v = parse(word);
		if (v < 0)
			return fk_fail(err, FK_ERR_INVALID, "unknown %s '%.40s'", what, word);
		*bits |= as_bit ? FK_KIND_BIT(v) : (unsigned)v;
		p += n;
	} while (*p++ == ',');
	return FK_OK;
}

fk_status fk_kinds_parse(const char *list, unsigned *bits, fk_error *err)
{
	return parse_list(list, fk_file_kind_parse, 1,
			  "kind (koseki, joseki, ledger, documents)", bits, err);
}

fk_status fk_rights_parse(const char *list, unsigned *bits, fk_error *err)
{
	return parse_list(list, right_parse, 0, "right (view, export, print, dispose)", bits, err);
}

static void format_bits(unsigned bits, const char *const *names, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i < 4; i++)
		if (bits & (1u << i)) {
			int w = snprintf(buf + used, len - used, "%s%s", used ? "," : "", names[i]);
			if (w < 0 || (size_t)w >= len - used)
				return;
			used += (size_t)w;
		}
}

void fk_kinds_format(unsigned bits, char *buf, size_t len)
{
	format_bits(bits, kind_ids, buf, len);
}

void fk_rights_format(unsigned bits, char *buf, size_t len)
{
	format_bits(bits, right_ids, buf, len);
}
