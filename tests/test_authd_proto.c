/* Unit tests: fukuhon-authd's frames and state machine (docs/authd-protocol.md; issue 15,
 * R-AUTH): every size limit and field range refused, a frame out of place breaks the connection. */
#include "config.h"

#include <string.h>

#include "authd_proto.h"
#include "fktest.h"

static int decode(const uint8_t *b, size_t n, fk_authd_frame *f)
{
	size_t used = 0;
	return fk_authd_decode(b, n, f, &used);
}

START_TEST(frames_round_trip)
{
	fk_authd_frame f, g;
	uint8_t buf[FK_AUTHD_HEADER + FK_AUTHD_PAYLOAD_MAX];
	ck_assert_int_eq(fk_authd_frame_set(&f, FK_AUTHD_RESULT, FK_AUTHD_S_AUTHENTICATE, -7, "tanaka"), 0);
	int n = fk_authd_encode(&f, buf, sizeof buf);
	ck_assert_int_eq(n, 3 + 1 + 4 + 6);
	ck_assert_int_eq(decode(buf, (size_t)n, &g), 1);
	ck_assert_int_eq(g.type, FK_AUTHD_RESULT);
	ck_assert_int_eq(g.code, FK_AUTHD_S_AUTHENTICATE);
	ck_assert_int_eq(g.num, -7);
	ck_assert_str_eq(g.text, "tanaka");
	/* Short input: more bytes are needed, nothing is decided. */
	ck_assert_int_eq(decode(buf, (size_t)n - 1, &g), 0);
	ck_assert_int_eq(decode(buf, 2, &g), 0);
}
END_TEST

START_TEST(limits_and_ranges_are_refused)
{
	fk_authd_frame f;
	uint8_t big[3 + 1025] = {FK_AUTHD_ANSWER, 0x04, 0x01}; /* 1025 bytes: one over */
	memset(big + 3, 'a', sizeof big - 3);
	ck_assert_int_eq(decode(big, sizeof big, &f), -1);
	const uint8_t oversized_header[] = {FK_AUTHD_ANSWER, 0xff, 0xff}; /* refused from the header alone */
	ck_assert_int_eq(decode(oversized_header, sizeof oversized_header, &f), -1);
	uint8_t answer[3 + 512] = {FK_AUTHD_ANSWER, 0x02, 0x00}; /* 512: one over an answer's 511 */
	memset(answer + 3, 'a', sizeof answer - 3);
	ck_assert_int_eq(decode(answer, sizeof answer, &f), -1);
	answer[1] = 0x01, answer[2] = 0xff; /* 511 */
	ck_assert_int_eq(decode(answer, sizeof answer - 1, &f), 1);
	const uint8_t unknown[] = {0x7f, 0, 0};
	ck_assert_int_eq(decode(unknown, sizeof unknown, &f), -1);
	const uint8_t nul[] = {FK_AUTHD_START, 0, 4, FK_AUTHD_OP_SIGNIN, 'a', 0, 'b'};
	ck_assert_int_eq(decode(nul, sizeof nul, &f), -1);
	const uint8_t no_user[] = {FK_AUTHD_START, 0, 1, FK_AUTHD_OP_SIGNIN};
	ck_assert_int_eq(decode(no_user, sizeof no_user, &f), -1);
	const uint8_t bad_op[] = {FK_AUTHD_START, 0, 2, 3, 'a'};
	ck_assert_int_eq(decode(bad_op, sizeof bad_op, &f), -1);
	const uint8_t bad_step[] = {FK_AUTHD_STEP, 0, 5, FK_AUTHD_S_ITEM, 0, 0, 0, 0}; /* START/ITEM are no STEP */
	ck_assert_int_eq(decode(bad_step, sizeof bad_step, &f), -1);
	const uint8_t step_text[] = {FK_AUTHD_STEP, 0, 6, FK_AUTHD_S_AUTHENTICATE, 0, 0, 0, 0, 'x'};
	ck_assert_int_eq(decode(step_text, sizeof step_text, &f), -1);
	const uint8_t bad_style[] = {FK_AUTHD_CONV, 0, 2, 5, 'x'}; /* PAM_BINARY_PROMPT: not carried */
	ck_assert_int_eq(decode(bad_style, sizeof bad_style, &f), -1);
	const uint8_t short_end[] = {FK_AUTHD_END, 0, 3, 0, 0, 0};
	ck_assert_int_eq(decode(short_end, sizeof short_end, &f), -1);
	/* What would not decode is not encoded either. */
	uint8_t buf[FK_AUTHD_HEADER + FK_AUTHD_PAYLOAD_MAX];
	char user[FK_AUTHD_USER_MAX + 2];
	memset(user, 'u', sizeof user - 1);
	user[sizeof user - 1] = '\0';
	ck_assert_int_eq(fk_authd_frame_set(&f, FK_AUTHD_START, FK_AUTHD_OP_SIGNIN, 0, user), 0);
	ck_assert_int_eq(fk_authd_encode(&f, buf, sizeof buf), -1);
}
END_TEST

static enum fk_authd_state after(enum fk_authd_state st, uint8_t type, uint8_t code, int32_t num)
{
	fk_authd_frame f;
	fk_authd_frame_set(&f, type, code, num, NULL);
	return fk_authd_next(&st, &f);
}

START_TEST(frames_out_of_place_break)
{
	/* A sign-in's order. */
	ck_assert_int_eq(after(FK_AUTHD_IDLE, FK_AUTHD_START, 1, 0), FK_AUTHD_BUSY);
	ck_assert_int_eq(after(FK_AUTHD_BUSY, FK_AUTHD_RESULT, FK_AUTHD_S_START, 0), FK_AUTHD_READY);
	ck_assert_int_eq(after(FK_AUTHD_BUSY, FK_AUTHD_RESULT, FK_AUTHD_S_START, 4), FK_AUTHD_CLOSED);
	ck_assert_int_eq(after(FK_AUTHD_READY, FK_AUTHD_STEP, FK_AUTHD_S_AUTHENTICATE, 0), FK_AUTHD_BUSY);
	ck_assert_int_eq(after(FK_AUTHD_BUSY, FK_AUTHD_CONV, 4, 0), FK_AUTHD_BUSY);   /* TEXT_INFO */
	ck_assert_int_eq(after(FK_AUTHD_BUSY, FK_AUTHD_CONV, 1, 0), FK_AUTHD_PROMPT); /* ECHO_OFF */
	ck_assert_int_eq(after(FK_AUTHD_PROMPT, FK_AUTHD_ANSWER, 0, 0), FK_AUTHD_BUSY);
	ck_assert_int_eq(after(FK_AUTHD_PROMPT, FK_AUTHD_CANCEL, 0, 0), FK_AUTHD_BUSY);
	ck_assert_int_eq(after(FK_AUTHD_READY, FK_AUTHD_END, 0, 0), FK_AUTHD_ENDING);
	ck_assert_int_eq(after(FK_AUTHD_ENDING, FK_AUTHD_DONE, 0, 0), FK_AUTHD_CLOSED);
	/* Out of place: an answer nobody asked for, a second START, a request while one is served,
	 * a RESULT nobody waits for, anything after the end. */
	ck_assert_int_eq(after(FK_AUTHD_READY, FK_AUTHD_ANSWER, 0, 0), FK_AUTHD_BROKEN);
	ck_assert_int_eq(after(FK_AUTHD_BUSY, FK_AUTHD_ANSWER, 0, 0), FK_AUTHD_BROKEN);
	ck_assert_int_eq(after(FK_AUTHD_READY, FK_AUTHD_START, 1, 0), FK_AUTHD_BROKEN);
	ck_assert_int_eq(after(FK_AUTHD_IDLE, FK_AUTHD_STEP, FK_AUTHD_S_AUTHENTICATE, 0), FK_AUTHD_BROKEN);
	ck_assert_int_eq(after(FK_AUTHD_PROMPT, FK_AUTHD_STEP, FK_AUTHD_S_AUTHENTICATE, 0), FK_AUTHD_BROKEN);
	ck_assert_int_eq(after(FK_AUTHD_PROMPT, FK_AUTHD_RESULT, FK_AUTHD_S_AUTHENTICATE, 0), FK_AUTHD_BROKEN);
	ck_assert_int_eq(after(FK_AUTHD_READY, FK_AUTHD_RESULT, FK_AUTHD_S_AUTHENTICATE, 0), FK_AUTHD_BROKEN);
	ck_assert_int_eq(after(FK_AUTHD_READY, FK_AUTHD_CONV, 1, 0), FK_AUTHD_BROKEN);
	ck_assert_int_eq(after(FK_AUTHD_CLOSED, FK_AUTHD_STEP, FK_AUTHD_S_AUTHENTICATE, 0), FK_AUTHD_BROKEN);
	ck_assert_int_eq(after(FK_AUTHD_BROKEN, FK_AUTHD_END, 0, 0), FK_AUTHD_BROKEN);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("authd_proto");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, frames_round_trip);
	tcase_add_test(tc, limits_and_ranges_are_refused);
	tcase_add_test(tc, frames_out_of_place_break);
	suite_add_tcase(s, tc);
	return fkt_run(s);
}
