/* The words for the core's refusals and failures, at the edge: every fk_reason and fk_status
 * as a sentence a bureau operator reads in the console's language (gettext, po/ja.po). */
#ifndef TUI_REASONS_H
#define TUI_REASONS_H

#include <stddef.h>

#include "fk.h"

/* The widest a reason's sentence or a status's headline may be, in either language: the
 * sign-in box's width on an 80-column terminal (tests/test_reasons.c). */
#define TUI_TEXT_COLS 72

/* The status's headline as a msgid (English), for the tests; NULL out of range. */
const char *tui_status_msgid(fk_status st);
/* Translated: the status's headline; the reason's sentence (fk_reason_text). */
const char *tui_status_text(fk_status st);
const char *tui_reason_text(int reason);

/* 1 when err is a refusal by the gate with its reason (not a failure). */
int tui_error_is_refusal(const fk_error *err);

/* What to show for err, translated and sanitised (never control characters):
 *   a refusal: head = the reason's sentence; detail = what was refused (object, cut at
 *              TUI_OBJECT_COLS columns), or "" without one (the core's English message
 *              says no more to an operator);
 *   a failure: head = the status's headline; detail = the core's message, which may name
 *              the table row or file the administrator needs.
 * head and detail are one line each, cut by the caller to the screen's width. */
#define TUI_OBJECT_COLS 60
void tui_error_text(const fk_error *err, const char *object, char *head, size_t hlen,
		    char *detail, size_t dlen);

/* A request by id was refused: a row that does not exist and one out of reach read the same
 * (R-JURIS), as the core's message already does; so must the reason shown. */
void tui_error_unseen(fk_error *err);

#endif
