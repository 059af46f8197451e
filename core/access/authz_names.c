/* Names of file kinds, rights and actions, and their comma-separated lists (R-FILES). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "authz.h"
#include "util.h"

static const char *const kind_ids[] = {"koseki", "joseki", "ledger", "documents"};
static const char *const kind_names[] = {"戸籍", "除籍", "受付帳情報", "届書等情報"};
/* As the console shows them (tui/reasons.c, po/ja.po): typed back, they are understood. */
static const char *const kind_short_names[] = {"戸籍", "除籍", "受付帳", "届書"};
static const char *const right_ids[] = {"view", "export", "print", "dispose"};
static const char *const right_names[] = {"閲覧", "書出し", "印刷", "廃棄"};
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
		if (!strcmp(s, kind_ids[i]) || !strcmp(s, kind_names[i]) || !strcmp(s, kind_short_names[i]))
			return i + 1;
	return -1;
}

const char *fk_reason_id(fk_reason r)
{
	return (unsigned)r < FK_ARRAY_LEN(reason_ids) ? reason_ids[r] : "?";
}

/* Marks a msgid for xgettext (po/Makevars: --keyword=N_); the edges translate it. */
#define N_(s) s

/* Written for the bureau's operators: what happened and, where they can do something,
 * what. A refusal by id says the same for a missing row and one out of reach (R-JURIS). */
static const char *const reason_texts[FK_WHY_COUNT] = {
	[FK_WHY_NONE] = N_("No reason was recorded."),
	[FK_WHY_GRANTED] = N_("Allowed by a grant in force."),
	[FK_WHY_BY_ROLE] = N_("Allowed by the person's role."),
	[FK_WHY_OWN] = N_("Allowed: these are the person's own grants."),
	[FK_WHY_ENROLLED] = N_("Allowed to every enrolled operator."),
	[FK_WHY_PUBLIC] = N_("Allowed: public reference data."),
	[FK_WHY_SYSTEM] = N_("Allowed: a step of the terminal itself."),
	[FK_WHY_NOTHING_GRANTED] = N_("Allowed, but nothing is granted yet: every count shows as -."),
	[FK_WHY_NOT_ENROLLED] = N_("You are not an enrolled operator of this terminal."),
	[FK_WHY_DISABLED] = N_("Your account is disabled: ask the administrator."),
	[FK_WHY_ROLE] = N_("Your role does not allow this."),
	[FK_WHY_INVALID] = N_("The request is incomplete or not valid."),
	[FK_WHY_UNKNOWN_MUNICIPALITY] = N_("There is no municipality with that code."),
	[FK_WHY_JURISDICTION] = N_("That is outside your bureau's jurisdiction."),
	[FK_WHY_GRANT_EXPIRED] = N_("Your grant for this has expired: ask a supervisor."),
	[FK_WHY_GRANT_PENDING] = N_("Your grant for this is not in force yet."),
	[FK_WHY_GRANT_REVOKED] = N_("Your grant for this was revoked."),
	[FK_WHY_NO_GRANT] = N_("You have no grant for this: ask a supervisor."),
	[FK_WHY_SELF] = N_("Nobody may change their own grants or unlock their own account."),
	[FK_WHY_GRANTEE_ROLE] = N_("That person's role cannot receive this grant from you."),
	[FK_WHY_UNKNOWN_OPERATOR] = N_("There is no operator with that name."),
	[FK_WHY_NOT_FOUND] = N_("It does not exist or is outside your jurisdiction."),
	[FK_WHY_NOT_TESTING] = N_("Only on a test or demo terminal."),
	[FK_WHY_TAMPERED] = N_("Database integrity check failed: stop work and call the administrator."),
	[FK_WHY_ERROR] = N_("The decision could not be made: try again, then call the administrator."),
	[FK_WHY_OWN_REQUEST] = N_("Nobody may approve or reject their own request: another supervisor must."),
	[FK_WHY_NOT_WAITING] = N_("This request has already been decided."),
	[FK_WHY_NOT_APPROVED] = N_("This request has not been approved."),
	[FK_WHY_APPROVAL_EXPIRED] = N_("The approval has expired: make a new request."),
	[FK_WHY_EXECUTED] = N_("This request has already been carried out: make a new request."),
	[FK_WHY_NOT_REQUESTER] = N_("Only the person who made the request may carry it out."),
	[FK_WHY_REGISTER_CHANGED] = N_("A register changed after the request: make a new request."),
	[FK_WHY_REGISTER_GONE] = N_("A register no longer exists or was disposed of: make a new request."),
	[FK_WHY_REGISTER_STAGING] = N_("An import is changing a register: try again after it."),
	[FK_WHY_NOT_RETURNED] = N_("The data has not been returned yet: return it first."),
	[FK_WHY_NOT_AS_RETURNED] = N_("The data changed after the return: make a new return."),
	[FK_WHY_NOT_RUNNING] = N_("This request is not a return in progress: nothing to give up."),
	[FK_WHY_NOT_REQUESTER_NOR_SUPERVISOR] = N_("Only the requester or a supervisor of the bureau may give it up."),
	[FK_WHY_RETURN_CANCELLED] = N_("That return was given up, nothing was returned: make a new return."),
	[FK_WHY_RETURN_RUNNING] = N_("A return of the municipality is in progress or awaits its disposal."),
	[FK_WHY_BEING_SENT] = N_("Being sent by another terminal or command: try again when it is done."),
};

const char *fk_reason_text(fk_reason r)
{
	return (unsigned)r < FK_WHY_COUNT ? reason_texts[r] : NULL;
}

static int right_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, right_ids[i]) || !strcmp(s, right_names[i]))
			return 1 << i;
	return -1;
}

/* The length of the separator at p: a comma, or the 中黒 and 読点 the console shows between
 * kinds and rights (・、); 0 for none. */
static size_t separator(const char *p)
{
	if (*p == ',')
		return 1;
	return !strncmp(p, "・", 3) || !strncmp(p, "、", 3) ? 3 : 0;
}

/* Split list on separators; each word through parse (-1: unknown) into bits. */
static fk_status parse_list(const char *list, int (*parse)(const char *), int as_bit,
			    fk_msg empty, fk_msg unknown, unsigned *bits, fk_error *err)
{
	*bits = 0;
	const char *p = list ? list : "";
	size_t sep;
	do {
		size_t n = 0;
		while (p[n] && !separator(p + n))
			n++;
		char word[64];
		if (n == 0 || n >= sizeof word)
			return fk_fail_id(err, FK_ERR_INVALID, empty, NULL, 0);
		memcpy(word, p, n);
		word[n] = '\0';
		int v = parse(word);
		if (v < 0)
			return fk_fail_id(err, FK_ERR_INVALID, unknown, word, 0);
		*bits |= as_bit ? FK_KIND_BIT(v) : (unsigned)v;
		p += n;
		sep = separator(p);
		p += sep;
	} while (sep);
	return FK_OK;
}

fk_status fk_kinds_parse(const char *list, unsigned *bits, fk_error *err)
{
	return parse_list(list, fk_file_kind_parse, 1, FK_MSG_KIND_EMPTY, FK_MSG_KIND_UNKNOWN, bits,
			  err);
}

fk_status fk_rights_parse(const char *list, unsigned *bits, fk_error *err)
{
	return parse_list(list, right_parse, 0, FK_MSG_RIGHT_EMPTY, FK_MSG_RIGHT_UNKNOWN, bits, err);
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
