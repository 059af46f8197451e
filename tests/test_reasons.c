/* Unit tests: the console's words for every refusal reason and status, in English and in
 * Japanese (po/ja.po), and what it shows for an error (tui/reasons.c; R-ACCESS, R-LOG). */
#include "config.h"

#include <libintl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tui/reasons.h"
#include "fktest.h"

static char localedir[512];

/* The Japanese catalogue as built from po/ja.po, under a private locale folder. */
static int install_catalogue(void)
{
	const char *tops[] = {getenv("FK_TOP_BUILDDIR"), getenv("FK_TOP_SRCDIR"), "."};
	char src[1024], dst[1100];
	FILE *in = NULL;
	for (size_t i = 0; i < sizeof tops / sizeof *tops && !in; i++)
		if (tops[i] && *tops[i]) {
			snprintf(src, sizeof src, "%s/po/ja.gmo", tops[i]);
			in = fopen(src, "rb");
		}
	if (!in)
		return 0;
	snprintf(localedir, sizeof localedir, "%s/fkreasons.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(localedir))
		return fclose(in), 0;
	snprintf(dst, sizeof dst, "%s/ja", localedir);
	mkdir(dst, 0700);
	snprintf(dst, sizeof dst, "%s/ja/LC_MESSAGES", localedir);
	mkdir(dst, 0700);
	snprintf(dst, sizeof dst, "%s/ja/LC_MESSAGES/%s.mo", localedir, PACKAGE);
	FILE *out = fopen(dst, "wb");
	char buf[8192];
	size_t n;
	int ok = out != NULL;
	while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
		ok = fwrite(buf, 1, n, out) == n;
	fclose(in);
	if (out && fclose(out) != 0)
		ok = 0;
	return ok;
}

static void remove_catalogue(void)
{
	char p[1100];
	snprintf(p, sizeof p, "%s/ja/LC_MESSAGES/%s.mo", localedir, PACKAGE);
	unlink(p);
	snprintf(p, sizeof p, "%s/ja/LC_MESSAGES", localedir);
	rmdir(p);
	snprintf(p, sizeof p, "%s/ja", localedir);
	rmdir(p);
	rmdir(localedir);
}

static void language(const char *lang)
{
	setenv("LANGUAGE", lang, 1);
	ck_assert_ptr_nonnull(setlocale(LC_ALL, "C.UTF-8"));
	bindtextdomain(PACKAGE, localedir);
	bind_textdomain_codeset(PACKAGE, "UTF-8");
	textdomain(PACKAGE);
}

static int has_japanese(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0xe3) /* the lead byte of kana and kanji in UTF-8 */
			return 1;
	return 0;
}

/* A reason or status added to the core without its words fails here. */
START_TEST(every_reason_and_status_has_words)
{
	language("en");
	for (int r = 0; r < FK_WHY_COUNT; r++) {
		const char *t = fk_reason_text((fk_reason)r);
		ck_assert_msg(t && *t, "reason %s has no sentence (core/access/authz_names.c)",
			      fk_reason_id((fk_reason)r));
		ck_assert_msg(fk_disp_width(t) <= TUI_TEXT_COLS, "reason %s: the sentence is too wide",
			      fk_reason_id((fk_reason)r));
	}
	ck_assert_ptr_null(fk_reason_text(FK_WHY_COUNT));
	for (int st = 0; st < FK_STATUS_COUNT; st++) {
		const char *t = tui_status_msgid((fk_status)st);
		ck_assert_msg(t && *t, "status %s has no headline (tui/reasons.c)", fk_status_name((fk_status)st));
		ck_assert_msg(fk_disp_width(t) <= TUI_TEXT_COLS, "status %s: the headline is too wide",
			      fk_status_name((fk_status)st));
	}
	ck_assert_ptr_null(tui_status_msgid(FK_STATUS_COUNT));
}
END_TEST

/* ... and so does one whose words po/ja.po does not translate (or only as fuzzy). */
START_TEST(every_reason_and_status_is_translated)
{
	language("ja");
	for (int r = 0; r < FK_WHY_COUNT; r++) {
		const char *t = tui_reason_text(r);
		ck_assert_msg(t != fk_reason_text((fk_reason)r) && has_japanese(t),
			      "po/ja.po does not translate \"%s\"", fk_reason_text((fk_reason)r));
		ck_assert_msg(fk_disp_width(t) <= TUI_TEXT_COLS, "reason %s: the Japanese is too wide",
			      fk_reason_id((fk_reason)r));
	}
	for (int st = 0; st < FK_STATUS_COUNT; st++) {
		const char *t = tui_status_text((fk_status)st);
		ck_assert_msg(t != tui_status_msgid((fk_status)st) && has_japanese(t),
			      "po/ja.po does not translate \"%s\"", tui_status_msgid((fk_status)st));
		ck_assert_msg(fk_disp_width(t) <= TUI_TEXT_COLS, "status %s: the Japanese is too wide",
			      fk_status_name((fk_status)st));
	}
	ck_assert(has_japanese(tui_status_text(FK_STATUS_COUNT)));
	ck_assert(has_japanese(tui_reason_text(FK_WHY_COUNT)));
}
END_TEST

/* A refusal as the gate makes it (gate.c): FK_ERR_DENIED, the reason, an English message. */
static fk_error refusal(fk_reason why, const char *msg)
{
	fk_error err;
	fk_fail(&err, FK_ERR_DENIED, "%s", msg);
	err.reason = (int)why;
	return err;
}

/* What the console would show for err. */
typedef struct shown {
	char head[512], detail[512];
} shown;

static shown show(const fk_error *err, const char *object)
{
	shown s;
	tui_error_text(err, object, s.head, sizeof s.head, s.detail, sizeof s.detail);
	return s;
}

/* A refusal shows the reason in the operator's language with what was refused; never the
 * core's English one-liner. */
START_TEST(a_refusal_shows_its_reason)
{
	fk_error err = refusal(FK_WHY_SELF, "nobody unlocks their own account");
	language("ja");
	shown s = show(&err, "kato");
	ck_assert_str_eq(s.head, tui_reason_text(FK_WHY_SELF));
	ck_assert(has_japanese(s.head));
	ck_assert_ptr_nonnull(strstr(s.detail, "kato"));
	ck_assert(has_japanese(s.detail));
	ck_assert_ptr_null(strstr(s.detail, "nobody"));

	language("en");
	s = show(&err, NULL);
	ck_assert_str_eq(s.head, fk_reason_text(FK_WHY_SELF));
	ck_assert_str_eq(s.detail, "");
}
END_TEST

/* What was refused can come from data: sanitised, and cut by display width. */
START_TEST(the_object_is_sanitised_and_cut)
{
	fk_error err = refusal(FK_WHY_NO_GRANT, "no grant");
	language("en");
	shown s = show(&err, "悪意\x1b]0;PWNED\x07\xe2\x80\xae市役所の戸籍の一覧の、とても長い名前がさらに"
			     "続いて画面の幅を超えてしまうほどの市区町村");
	ck_assert_str_eq(s.head, fk_reason_text(FK_WHY_NO_GRANT));
	ck_assert_ptr_nonnull(strstr(s.detail, "PWNED"));
	ck_assert_ptr_null(strchr(s.detail, '\x1b'));
	ck_assert_ptr_null(strchr(s.detail, '\x07'));
	ck_assert_ptr_null(strstr(s.detail, "\xe2\x80\xae")); /* bidi override */
	ck_assert_ptr_nonnull(strstr(s.detail, "…"));
	ck_assert_int_le(fk_disp_width(s.detail), fk_disp_width("Refused: ") + TUI_OBJECT_COLS);
}
END_TEST

/* Any other failure: the status's headline, and the core's message (it names the row the
 * administrator needs) on its own line, sanitised. */
START_TEST(a_failure_shows_headline_and_detail)
{
	fk_error err;
	language("ja");
	fk_fail(&err, FK_ERR_TAMPER, "grant row id=7 does not match its MAC");
	memcpy(err.msg + 5, "\x1b[2J", 4); /* as if set without fk_fail: still defused */
	shown s = show(&err, "ignored");
	ck_assert_str_eq(s.head, tui_status_text(FK_ERR_TAMPER));
	ck_assert(has_japanese(s.head));
	ck_assert_ptr_nonnull(strstr(s.detail, "id=7 does not match"));
	ck_assert_ptr_null(strchr(s.detail, '\x1b'));
	/* Refused without a reason (not by the gate): a failure, its message kept. */
	err = refusal(FK_WHY_NONE, "the test sign-in works only on a test or demo terminal");
	s = show(&err, NULL);
	ck_assert_str_eq(s.head, tui_status_text(FK_ERR_DENIED));
	ck_assert_ptr_nonnull(strstr(s.detail, "test sign-in"));
}
END_TEST

/* Requests by id: missing and out of reach read the same (R-JURIS). */
START_TEST(a_refusal_by_id_does_not_tell_missing_from_out_of_reach)
{
	const char *msg = "register 5 does not exist or is outside your jurisdiction";
	fk_error far = refusal(FK_WHY_JURISDICTION, msg), missing = refusal(FK_WHY_NOT_FOUND, msg);
	language("ja");
	tui_error_unseen(&far);
	tui_error_unseen(&missing);
	ck_assert_str_eq(show(&far, NULL).head, show(&missing, NULL).head);
	/* Other refusals keep their reason. */
	fk_error expired = refusal(FK_WHY_GRANT_EXPIRED, "expired");
	tui_error_unseen(&expired);
	ck_assert_int_eq(expired.reason, FK_WHY_GRANT_EXPIRED);
}
END_TEST

/* The placeholders of a template, in order ("an" for {a} then {n}): a translation must keep
 * them, or the console would drop what the operator typed wrong. */
static void placeholders(const char *t, char *out, size_t len)
{
	size_t n = 0;
	for (const char *p = t; (p = strchr(p, '{')) && n + 1 < len; p++)
		if ((p[1] == 'a' || p[1] == 'n') && p[2] == '}')
			out[n++] = p[1];
	out[n] = '\0';
}

/* A failure the core names by id without words, or words po/ja.po does not translate,
 * fails here (R-LOG: what the operator reads is what happened). */
START_TEST(every_message_id_has_translated_words)
{
	for (int id = 1; id < FK_MSG_COUNT; id++) {
		language("en");
		const char *en = fk_msg_template((fk_msg)id);
		ck_assert_msg(en && *en, "message %d has no template (core/base/status.h)", id);
		language("ja");
		const char *ja = tui_msg_template((fk_msg)id);
		ck_assert_msg(ja != en && has_japanese(ja), "po/ja.po does not translate \"%s\"", en);
		char pe[8], pj[8];
		placeholders(en, pe, sizeof pe);
		placeholders(ja, pj, sizeof pj);
		ck_assert_msg(!strcmp(pe, pj), "\"%s\": the translation's placeholders differ", en);
	}
	ck_assert_ptr_null(fk_msg_template(FK_MSG_COUNT));
}
END_TEST

/* A failure named by id reads in the operator's language with its parameter, cleaned; the
 * English message stays for fukuhonctl and the logs. */
START_TEST(a_named_failure_is_translated_with_its_parameter)
{
	fk_error err;
	fk_fail_id(&err, FK_ERR_INVALID, FK_MSG_KIND_UNKNOWN, "kosek\x1b[2Ji", 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "Unknown kind of file: kosek"));
	language("ja");
	shown s = show(&err, NULL);
	ck_assert_str_eq(s.head, tui_status_text(FK_ERR_INVALID));
	ck_assert_ptr_nonnull(strstr(s.detail, "種別"));
	ck_assert_ptr_nonnull(strstr(s.detail, "kosek"));
	ck_assert_ptr_null(strchr(s.detail, '\x1b'));
	ck_assert_ptr_null(strstr(s.detail, "Unknown"));
	fk_fail_id(&err, FK_ERR_INVALID, FK_MSG_GRANT_ALREADY_REVOKED, NULL, 42);
	s = show(&err, NULL);
	ck_assert_ptr_nonnull(strstr(s.detail, "42"));
	ck_assert(has_japanese(s.detail));
	/* A wrapped message keeps its id: the context is for the administrator's log. */
	fk_fail_wrap(&err, "revoking");
	ck_assert_int_eq(err.msg_id, FK_MSG_GRANT_ALREADY_REVOKED);
	/* An ordinary failure afterwards forgets it. */
	fk_fail(&err, FK_ERR_DB, "disk I/O error");
	ck_assert_int_eq(err.msg_id, FK_MSG_NONE);
	s = show(&err, NULL);
	ck_assert_str_eq(s.detail, "disk I/O error");
}
END_TEST

/* Every operation of the table has a name people read in the history, translated; a new
 * row without one fails here. */
START_TEST(every_operation_has_a_translated_name)
{
	for (int op = 0; op < FK_OP_COUNT; op++) {
		language("en");
		const char *en = fk_op_label((fk_op)op);
		ck_assert_msg(en && *en, "operation %s has no name (core/audit/ops.c labels)",
			      fk_op_name((fk_op)op));
		language("ja");
		const char *ja = tui_op_label(fk_op_name((fk_op)op));
		if (op)
			ck_assert_msg(has_japanese(ja), "po/ja.po does not translate \"%s\"", en);
	}
	ck_assert_ptr_null(fk_op_label(FK_OP_COUNT));
	language("ja");
	/* ... and every object type it names, words in Japanese. */
	for (int op = 1; op < FK_OP_COUNT; op++)
		ck_assert_msg(has_japanese(tui_object_text(fk_op_get((fk_op)op)->otype)),
			      "object type %s has no words (tui/reasons.c)", fk_op_get((fk_op)op)->otype);
	ck_assert_str_eq(tui_recorded_reason("no-grant"), tui_reason_text(FK_WHY_NO_GRANT));
	ck_assert_str_eq(tui_recorded_reason("database error"), tui_status_text(FK_ERR_DB));
	ck_assert_str_eq(tui_recorded_reason("whatever"), "whatever");
	/* ... and so has every kind of problem the history's verification reports. */
	for (int k = 0; k < FK_VP_COUNT; k++)
		ck_assert_msg(tui_problem_text(k) && has_japanese(tui_problem_text(k)),
			      "verification problem %s has no Japanese words (tui/reasons.c)", fk_vp_name((fk_vp_kind)k));
	ck_assert_ptr_null(tui_problem_text(FK_VP_COUNT));
	ck_assert_str_eq(tui_op_label("register.open"), "戸籍の閲覧");
	ck_assert_str_eq(tui_op_label("no.such-op"), "no.such-op");
	char m[48];
	ck_assert(tui_op_match("戸籍の閲覧", m, sizeof m));
	ck_assert_str_eq(m, "register.open");
	ck_assert(tui_op_match("grant", m, sizeof m));
	ck_assert_str_eq(m, "grant");
	ck_assert(!tui_op_match("gran", m, sizeof m));
	ck_assert(!tui_op_match("suzuki", m, sizeof m));
	ck_assert_str_eq(tui_result_text("denied"), "拒否");
	ck_assert_str_eq(tui_result_parse("拒否"), "denied");
	ck_assert_str_eq(tui_result_parse("failed"), "failed");
	ck_assert_ptr_null(tui_result_parse("結果"));
	char k[96];
	tui_kinds_text(FK_KINDS_ALL, k, sizeof k);
	ck_assert_str_eq(k, "戸籍・除籍・受付帳・届書");
	tui_rights_text(FK_RIGHTS_ALL, k, sizeof k);
	ck_assert_str_eq(k, "閲覧・書出し・印刷・廃棄");
	language("en");
	tui_rights_text(FK_RIGHT_VIEW | FK_RIGHT_PRINT, k, sizeof k);
	ck_assert_str_eq(k, "view, print");
}
END_TEST

int main(void)
{
	if (!install_catalogue()) {
		fprintf(stderr, "po/ja.gmo not found (build po/ first)\n");
		return 1;
	}
	Suite *s = suite_create("reasons");
	TCase *tc = tcase_create("words");
	tcase_add_test(tc, every_reason_and_status_has_words);
	tcase_add_test(tc, every_reason_and_status_is_translated);
	tcase_add_test(tc, a_refusal_shows_its_reason);
	tcase_add_test(tc, the_object_is_sanitised_and_cut);
	tcase_add_test(tc, a_failure_shows_headline_and_detail);
	tcase_add_test(tc, a_refusal_by_id_does_not_tell_missing_from_out_of_reach);
	tcase_add_test(tc, every_message_id_has_translated_words);
	tcase_add_test(tc, a_named_failure_is_translated_with_its_parameter);
	tcase_add_test(tc, every_operation_has_a_translated_name);
	suite_add_tcase(s, tc);
	int rc = fkt_run(s);
	remove_catalogue();
	return rc;
}
