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
	suite_add_tcase(s, tc);
	int rc = fkt_run(s);
	remove_catalogue();
	return rc;
}
