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

/* err's message in the console's language: for a failure the core names (err->msg_id), the
 * translated template with its parameters (the text one sanitised); otherwise the core's
 * message as it is, sanitised. One line. */
void tui_msg_text(const fk_error *err, char *out, size_t len);
/* The template of id, translated; NULL out of range (for the tests). */
const char *tui_msg_template(fk_msg id);

/* The operation recorded under name ("register.open"), as people call it, translated
 * ("戸籍の閲覧"); the recorded name itself for one not in the operation table. */
const char *tui_op_label(const char *recorded);
/* The operation whose translated label or recorded name is s, or whose recorded name
 * starts with s and a dot ("grant" for grant.*): its recorded name or prefix into out
 * (1); 0 when none is. */
int tui_op_match(const char *s, char *out, size_t len);
/* A history record's result ("success", "denied", "failed"), translated; others as they are. */
const char *tui_result_text(const char *result);
/* The result typed by an operator (either language) as recorded; NULL when it is none. */
const char *tui_result_parse(const char *s);
/* The type of a recorded object ("register", the operation table's object column), in the
 * operator's words; an unknown one as it is. */
const char *tui_object_text(const char *otype);
/* A recorded reason ("no-grant", or a failure's status name), as its sentence; an unknown
 * one as it is. */
const char *tui_recorded_reason(const char *id);
/* What kind of problem the history's verification found (fk_vp_kind), translated; NULL out
 * of range. */
const char *tui_problem_text(int kind);
/* Kinds and rights of a grant in the operator's words: 戸籍・除籍, 閲覧・印刷. */
void tui_kinds_text(unsigned bits, char *buf, size_t len);
void tui_rights_text(unsigned bits, char *buf, size_t len);

/* A request by id was refused: a row that does not exist and one out of reach read the same
 * (R-JURIS), as the core's message already does; so must the reason shown. */
void tui_error_unseen(fk_error *err);

#endif
