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
	fk_disp_clean(err->msg, detail, dlen);
}

void tui_error_unseen(fk_error *err)
{
	if (err->code == FK_ERR_DENIED &&
	    (err->reason == FK_WHY_JURISDICTION || err->reason == FK_WHY_UNKNOWN_MUNICIPALITY))
		err->reason = FK_WHY_NOT_FOUND;
}
