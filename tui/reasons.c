/* The words for the core's refusals and failures (reasons.h): one table per enum, translated here. */
#include "config.h"

#include <libintl.h>
#include <stdio.h>
#include <string.h>

#include "reasons.h"

#define _(s) gettext(s)
#define N_(s) s

/* A headline per status: what happened, in the operator's words, and whom to call when
 * the operator cannot put it right. Indexed by status, so a new status without a headline
 * is a NULL here (tests/test_reasons.c fails). */
static const char *const status_heads[FK_STATUS_COUNT] = {
	[FK_OK] = N_("Done."),
	[FK_ERR_USAGE] = N_("The request was not understood."),
	[FK_ERR_INVALID] = N_("The input is not valid."),
	[FK_ERR_NOTFOUND] = N_("Not found."),
	[FK_ERR_EXISTS] = N_("It exists already."),
	[FK_ERR_DENIED] = N_("Refused."),
	[FK_ERR_IO] = N_("A file could not be read or written: call the administrator."),
	[FK_ERR_DB] = N_("The database reported an error: call the administrator."),
	[FK_ERR_BUSY] = N_("The database is busy: try again in a moment."),
	[FK_ERR_FULL] = N_("The disk is full, so nothing was saved: call the administrator."),
	[FK_ERR_SCHEMA] = N_("Database and program versions differ: call the administrator."),
	[FK_ERR_CORRUPT] = N_("Stored data is damaged: call the administrator."),
	[FK_ERR_CRYPTO] = N_("Encryption or decryption failed: call the administrator."),
	[FK_ERR_TAMPER] = N_("Database integrity check failed: stop work and call the administrator."),
	[FK_ERR_KEYPERM] = N_("A key file is not protected: call the administrator."),
	[FK_ERR_NOKEY] = N_("A key is missing: call the administrator."),
	[FK_ERR_NOMEM] = N_("Out of memory."),
	[FK_ERR_CONFIG] = N_("The terminal's configuration has an error: call the administrator."),
	[FK_ERR_LOCKED] = N_("The account is locked."),
	[FK_ERR_AUTH] = N_("Authentication failed."),
	[FK_ERR_AUDIT] = N_("Not done, as it could not be recorded: call the administrator."),
	[FK_ERR_INTERNAL] = N_("Internal error: call the administrator."),
};

const char *tui_status_msgid(fk_status st)
{
	return (unsigned)st < FK_STATUS_COUNT ? status_heads[st] : NULL;
}

const char *tui_status_text(fk_status st)
{
	const char *m = tui_status_msgid(st);
	return m && *m ? _(m) : _("Unknown error: call the administrator.");
}

const char *tui_reason_text(int reason)
{
	const char *m = fk_reason_text((fk_reason)reason);
	return m && *m ? _(m) : _("Refused.");
}

int tui_error_is_refusal(const fk_error *err)
{
	return err->code == FK_ERR_DENIED && err->reason > FK_WHY_NONE && err->reason < FK_WHY_COUNT;
}

/* in, sanitised, in at most cols columns ("…" where cut; no padding). */
static void clean_cut(const char *in, int cols, char *out, size_t len)
{
	if (fk_disp_width(in) <= cols) {
		fk_disp_clean(in, out, len);
		return;
	}
	fk_disp_fit(in, cols, out, len);
	size_t n = strlen(out);
	while (n && out[n - 1] == ' ') /* fk_disp_fit pads to the width */
		out[--n] = '\0';
}

void tui_error_text(const fk_error *err, const char *object, char *head, size_t hlen,
		    char *detail, size_t dlen)
{
	detail[0] = '\0';
	if (tui_error_is_refusal(err)) {
		/* The reason has a line of its own: at 80 columns a sentence and an object on one
		 * line would lose the end of one of them. */
		snprintf(head, hlen, "%s", tui_reason_text(err->reason));
		if (object && *object) {
			char obj[4 * TUI_OBJECT_COLS + 8];
			clean_cut(object, TUI_OBJECT_COLS, obj, sizeof obj);
			/* TRANSLATORS: under a refusal's reason: what was refused. */
			snprintf(detail, dlen, _("Refused: %s"), obj);
		}
		return;
	}
	snprintf(head, hlen, "%s", tui_status_text(err->code));
	tui_msg_text(err, detail, dlen);
}

const char *tui_msg_template(fk_msg id)
{
	const char *t = fk_msg_template(id);
	return t && *t ? _(t) : t;
}

void tui_msg_text(const fk_error *err, char *out, size_t len)
{
	const char *t = err->msg_id != FK_MSG_NONE ? tui_msg_template(err->msg_id) : NULL;
	if (!t || !*t) {
		fk_disp_clean(err->msg, out, len);
		return;
	}
	/* The parameter comes from what was typed or stored: cleaned before it is placed. */
	char arg[4 * sizeof err->msg_arg], text[FK_ERRMSG_MAX * 2];
	fk_disp_clean(err->msg_arg, arg, sizeof arg);
	fk_msg_expand(t, arg, err->msg_n, text, sizeof text);
	fk_disp_clean(text, out, len);
}

const char *tui_op_label(const char *recorded)
{
	fk_op op = fk_op_find(recorded);
	const char *l = op != FK_OP_NONE ? fk_op_label(op) : NULL;
	return l && *l ? _(l) : recorded;
}

int tui_op_match(const char *s, char *out, size_t len)
{
	if (!s || !*s)
		return 0;
	for (int i = 1; i < FK_OP_COUNT; i++) {
		const char *l = fk_op_label((fk_op)i);
		if (!strcmp(s, fk_op_name((fk_op)i)) || (l && (!strcmp(s, l) || !strcmp(s, _(l))))) {
			fk_copy_str(out, len, fk_op_name((fk_op)i));
			return 1;
		}
	}
	/* A family of operations by the first part of their recorded names ("grant"). */
	size_t n = strlen(s);
	for (int i = 1; i < FK_OP_COUNT; i++)
		if (!strncmp(fk_op_name((fk_op)i), s, n) && fk_op_name((fk_op)i)[n] == '.') {
			fk_copy_str(out, len, s);
			return 1;
		}
	return 0;
}

/* The verification's kinds of problem, in the auditor's words: indexed like FK_VP_LIST, so a
 * new kind without words is a NULL here (tests/test_reasons.c). */
static const char *const problems[FK_VP_COUNT] = {
	[FK_VP_MAC] = N_("a record's seal does not match"),
	[FK_VP_LINK] = N_("the chain is broken"),
	[FK_VP_UNDECODABLE] = N_("a record cannot be read"),
	[FK_VP_GAP] = N_("records are missing"),
	[FK_VP_DUPLICATE] = N_("a record is duplicated"),
	[FK_VP_ORDER] = N_("records are out of order"),
	[FK_VP_TIME] = N_("the time goes backwards"),
	[FK_VP_EPOCH] = N_("a sealing period is out of sequence"),
	[FK_VP_TRUNCATED] = N_("records were cut off the end"),
	[FK_VP_CHECKPOINT] = N_("a checkpoint does not match"),
	[FK_VP_INTEGRITY] = N_("the database's integrity check failed"),
	[FK_VP_SCHEMA] = N_("the database's structure was altered"),
	[FK_VP_LEGACY] = N_("records from before sealing"),
	[FK_VP_UNCOVERED] = N_("records not yet covered by a checkpoint"),
	[FK_VP_OPEN_END] = N_("the last sealing period is still open"),
	[FK_VP_ROW] = N_("a sealed row was altered"),
	[FK_VP_ROLLBACK] = N_("an older copy was put back"),
	[FK_VP_ANCHOR] = N_("it differs from what this terminal wrote"),
	[FK_VP_INDEX_KEY] = N_("the search index key"),
	[FK_VP_UNCHECKED] = N_("another terminal's records were not checked"),
	[FK_VP_WITNESS] = N_("a record another terminal witnessed is missing"),
	[FK_VP_RETIRED] = N_("a retired terminal wrote a record after its retirement"),
};

const char *tui_problem_text(int kind)
{
	return kind >= 0 && kind < FK_VP_COUNT && problems[kind] ? _(problems[kind]) : NULL;
}

/* A recorded word's translation from a table of {recorded, msgid}; the word itself if absent. */
static const char *word_of(const char *const (*t)[2], size_t n, const char *recorded)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(recorded, t[i][0]))
			return _(t[i][1]);
	return recorded;
}

/* Every object type of the operation table (tests/test_reasons.c checks that none lacks words). */
static const char *const objects[][2] = {
	{"alert", N_("alert")},
	{"backup", N_("backup")},
	{"bureau", N_("bureau")},
	{"ca", N_("certificate authority")},
	{"certificate", N_("certificate")},
	{"credential", N_("script credential")},
	{"doc", N_("document")},
	{"epoch", N_("sealing period")},
	{"file", N_("file")},
	{"grant", N_("grant")},
	{"history", N_("history")},
	{"ledger", N_("ledger entry")},
	{"lockout", N_("lockout")},
	{"master-key", N_("master key")},
	{"municipality", N_("municipality")},
	{"operator", N_("operator")},
	{"output", N_("output (print or export)")},
	{"package", N_("package")},
	{"program", N_("program")},
	{"register", N_("register")},
	{"request", N_("request")},
	{"terminal", N_("terminal")},
};

const char *tui_object_text(const char *otype)
{
	return word_of(objects, sizeof objects / sizeof *objects, otype);
}

const char *tui_recorded_reason(const char *id)
{
	for (int r = 1; r < FK_WHY_COUNT; r++)
		if (!strcmp(id, fk_reason_id((fk_reason)r)))
			return tui_reason_text(r);
	/* A failure is recorded with its status's name (core/audit/audit.c). */
	for (int st = 1; st < FK_STATUS_COUNT; st++)
		if (!strcmp(id, fk_status_name((fk_status)st)))
			return tui_status_text((fk_status)st);
	return id;
}

static const char *const results[][2] = {
	{"success", N_("success")},
	{"denied", N_("denied")},
	{"failed", N_("failed")},
};

const char *tui_result_text(const char *result)
{
	return word_of(results, sizeof results / sizeof *results, result);
}

const char *tui_result_parse(const char *s)
{
	for (size_t i = 0; i < sizeof results / sizeof *results; i++)
		if (!strcmp(s, results[i][0]) || !strcmp(s, _(results[i][1])))
			return results[i][0];
	return NULL;
}

/* Bits as their words joined by the list separator of the language ("・" in Japanese). */
static void words(unsigned bits, const char *const *names, int count, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i < count && used + 1 < len; i++) {
		if (!(bits & (1u << i)))
			continue;
		/* TRANSLATORS: between the kinds or the rights of a grant: 戸籍・除籍. */
		snprintf(buf + used, len - used, "%s%s", used ? _(", ") : "", _(names[i]));
		used = strlen(buf);
	}
	if (!used)
		snprintf(buf, len, "-");
}

void tui_kinds_text(unsigned bits, char *buf, size_t len)
{
	/* Indexed by kind - 1 (FK_KIND_BIT). */
	static const char *const kinds[FK_FILE_KINDS] = {
		N_("koseki"), N_("joseki"), N_("ledger"), N_("documents"),
	};
	words(bits, kinds, FK_FILE_KINDS, buf, len);
}

void tui_rights_text(unsigned bits, char *buf, size_t len)
{
	static const char *const rights[] = {N_("view"), N_("export"), N_("print"), N_("dispose")};
	words(bits, rights, 4, buf, len);
}

void tui_error_unseen(fk_error *err)
{
	if (err->code == FK_ERR_DENIED &&
	    (err->reason == FK_WHY_JURISDICTION || err->reason == FK_WHY_UNKNOWN_MUNICIPALITY))
		err->reason = FK_WHY_NOT_FOUND;
}
